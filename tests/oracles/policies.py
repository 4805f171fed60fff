#!/usr/bin/env python3
"""Asks PCRE2 (through PHP's preg_match with the anchored flag) which tag each
hashing-policy rule set extracts from a key corpus, and writes or checks
tests/vectors/policies.json.

    policies.py --write   run every rule set over every key and rewrite the vectors
    policies.py --check   fail if the committed vectors differ from a fresh run

PHP's preg functions are PCRE2 without UTF mode: byte matching, as Redis
Software applies its shard_key_regex rules. For each key the answer is the
index of the first rule that matches (anchored at the start) and the bytes of
its `tag` group (empty when the group took no part), or no match.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "tests", "vectors", "policies.json")

RULE_SETS: dict[str, list[str]] = {
    "enterprise-standard": [r".*\{(?<tag>.*)\}.*", r"(?<tag>.*)"],
    "enterprise-standard-P": [r".*\{(?P<tag>.*)\}.*", r"(?P<tag>.*)"],
    "user-id-then-all": [r"user:(?<tag>\d+):.*", r"(?<tag>.*)"],
    "one-slot": [r".*(?<tag>)"],
    "prefix-before-colon": [r"(?<tag>[^:]*):.*", r"(?<tag>.*)"],
    "lazy-prefix": [r"(?<tag>.*?):.*", r"(?<tag>.*)"],
    "last-segment-only": [r".*:(?<tag>[^:]*)"],
    "leading-tag": [r"\{(?<tag>[^}]*)\}.*", r"(?<tag>.*)"],
    "oss-like-lazy": [r"[^{]*\{(?<tag>[^}]+)\}.*", r"(?<tag>.*)"],
    "case-insensitive-session": [r"(?i)session:(?<tag>[a-f0-9]{4}).*", r"(?<tag>.*)"],
    "alternation-priority": [r"(?<tag>a|ab)(c|bcd)(d*)", r"(?<tag>.*)"],
    "optional-tag": [r"(?:x(?<tag>y)?)?.*"],
    "first-three": [r"(?<tag>.{0,3}).*"],
    "word-chars": [r"(?<tag>\w+).*", r"(?<tag>.*)"],
    "nested-repeat": [r"(?<tag>(?:a|b)*)b.*", r"(?<tag>.*)"],
    "three-rules": [r"order:(?<tag>\d+)", r"cart:(?<tag>[a-z]+)-.*", r"(?<tag>.*)"],
    "no-catch-all": [r"tenant-(?<tag>\d{3}).*"],
    "dollar": [r"(?<tag>.*)$"],
    "dot-and-newline": [r"(?<tag>.).*"],
    "class-braces": [r"[{}]*(?<tag>[^{}]*).*"],
}


def keys() -> list[bytes]:
    out: list[bytes] = []
    for n in range(0, 5):
        out.extend(bytes(t) for t in itertools.product(b"{}a:", repeat=n))
    out += [b"user:1000:profile", b"user:12", b"user::x", b"x-user:1:y", b"order:42", b"order:", b"cart:abc-1",
            b"cart:ABC-1", b"session:DEADbeef", b"Session:0a1b2c", b"session:xyz", b"tenant-123-a", b"tenant-12",
            b"{user1000}.following", b"foo{}{bar}", b"foo{{bar}}zap", b"foo{bar}{zap}", b"{foo}bar}", b"a{b}c{d}",
            b"abcd", b"abd", b"ac", b"abbb", b"xy", b"x", b"y", b"bab", b"aab", b"ba", b"word_1 rest", b"_",
            "clé{é}".encode(), "日本:語".encode(), "{ключ}".encode(), b"line1\nline2", b"tail\n", b"\n", b"{a\n}",
            b"a:b\n:c", b"\x00", b"{\x00}", b"\xff\xfe:\x80", b"\r\n", b"user:5:\n"]
    rng = random.Random(5)
    alphabet = b"{}:ab\n\x00\xffu0"
    for _ in range(300):
        out.append(bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 12))))
    out.append(b"user:77:" + b"x" * 1024)
    out.append(b"{" + b"k" * 4000 + b"}")
    seen, uniq = set(), []
    for k in out:
        if k not in seen:
            seen.add(k)
            uniq.append(k)
    return uniq


PHP = r"""<?php
$in = json_decode(file_get_contents($argv[1]), true);
$out = [];
foreach ($in['rule_sets'] as $name => $rules) {
    $res = [];
    foreach ($in['keys'] as $hex) {
        $key = hex2bin($hex);
        $ans = null;
        foreach ($rules as $i => $rule) {
            $r = preg_match("\x01" . $rule . "\x01A", $key, $m, PREG_UNMATCHED_AS_NULL);
            if ($r === false) { fwrite(STDERR, "rule $name/$i: " . preg_last_error_msg() . "\n"); exit(2); }
            if ($r === 1) {
                $tag = array_key_exists('tag', $m) && $m['tag'] !== null ? $m['tag'] : '';
                $ans = [$i, bin2hex($tag)];
                break;
            }
        }
        $res[] = $ans;
    }
    $out[$name] = $res;
}
echo json_encode(['pcre' => PCRE_VERSION, 'results' => $out]);
"""


def ask(ks: list[bytes]) -> dict:
    php = shutil.which("php")
    if php is None:
        raise SystemExit("php not found: run scripts/setup.sh")
    with tempfile.TemporaryDirectory() as d:
        script, data = os.path.join(d, "oracle.php"), os.path.join(d, "in.json")
        with open(script, "w") as f:
            f.write(PHP)
        with open(data, "w") as f:
            json.dump({"rule_sets": RULE_SETS, "keys": [k.hex() for k in ks]}, f)
        res = subprocess.run([php, "-d", "pcre.jit=0", script, data], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()
    ks = keys()
    answer = ask(ks)
    doc = {
        "description": "Tags extracted by PCRE2 (PHP preg_match, anchored, no UTF mode) for hashing-policy "
                       "rule sets over a key corpus. Per rule set, per key: [index of the first matching rule, "
                       "tag hex] or null. Written by tests/oracles/policies.py.",
        "source": {"system": "PCRE2 via PHP preg_match", "version": answer["pcre"]},
        "keys": [k.hex() for k in ks],
        "rule_sets": [{"name": n, "rules": r, "results": answer["results"][n]} for n, r in RULE_SETS.items()],
    }
    text = json.dumps(doc, separators=(",", ":")) + "\n"
    if args.write:
        with open(VECTORS, "w", encoding="ascii") as f:
            f.write(text)
        print(f"wrote {len(RULE_SETS)} rule sets x {len(ks)} keys to tests/vectors/policies.json (PCRE2 {answer['pcre']})")
        return 0
    with open(VECTORS, encoding="ascii") as f:
        committed = json.load(f)
    def strip(d: dict) -> dict:
        # The library's version string may change; its answers may not.
        return {k: v for k, v in d.items() if k != "source"}
    if strip(committed) != strip(doc):
        print("tests/vectors/policies.json is stale: PCRE2 now answers differently or the corpus changed; run `make vectors`")
        return 1
    print(f"policy vectors: {len(RULE_SETS)} rule sets x {len(ks)} keys re-asked from PCRE2 {answer['pcre']}: all agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
