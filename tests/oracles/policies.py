#!/usr/bin/env python3
"""Asks PCRE2 (through PHP's preg_match with the anchored flag) which tag each
hashing-policy rule set extracts from a key corpus, and writes or checks
tests/vectors/policies.json.

Three kinds of rule sets: `rule_sets`, which keyroute must answer exactly as
PCRE2 does; `refused_rule_sets`, one per construct PCRE2 reads in a way
keyroute's engine does not reproduce, which keyroute must refuse naming the
construct (`construct`, a word of its description); and `random`, rules drawn
from a grammar of the constructs both read alike (seeded, so `--check`
regenerates the same ones) over a smaller corpus, which keyroute must either
answer exactly as PCRE2 does or refuse as a construct PCRE2 reads otherwise.

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
    "dot-and-newline": [r"(?<tag>.).*"],
    "class-braces": [r"[{}]*(?<tag>[^{}]*).*"],
}

# Refused constructs: (rules, a word keyroute's refusal names). Each differs
# from what the engine would do with it on some key of the corpus (or the
# engine cannot read it); core/tests/policy_vectors.rs checks that it still
# does, so a refusal that is no longer needed fails the tests.
REFUSED_SETS: dict[str, tuple[list[str], str]] = {
    "dollar": ([r"(?<tag>.*)$"], "`$`"),
    "end-or-final-newline": ([r"(?<tag>.*)\Z"], "\\Z"),
    "possessive-plus": ([r"(?<tag>a++)a"], "possessive"),
    "possessive-star": ([r"(?<tag>a*+)a"], "possessive"),
    "possessive-optional": ([r"(?<tag>a?+)a"], "possessive"),
    "possessive-counted": ([r"(?<tag>a{1,2}+)a"], "possessive"),
    "atomic-group": ([r"(?<tag>(?>a+))a"], "atomic"),
    "multi-line-caret": ([r"(?m)a\n^(?<tag>.*)"], "multi-line"),
    "extended-mode": ([r"(?x)(?<tag>[a b]+).*"], "extended"),
    "horizontal-space": ([r"(?<tag>\h*).*"], "\\h"),
    "newline-sequence": ([r"(?<tag>\R).*"], "\\R"),
    "vertical-space": ([r"(?<tag>\v).*"], "\\v"),
    "not-newline": ([r"(?<tag>\N*).*"], "\\N"),
    "reset-match-start": ([r"a\K(?<tag>.*)"], "\\K"),
    "branch-reset": ([r"(?|(?<tag>a)|(?<tag>b)).*"], "branch reset"),
    "unicode-property": ([r"(?<tag>\p{L}+).*"], "\\p"),
    "brace-up-to": ([r"(?<tag>a{,2}).*"], "literal text"),
    "brace-with-spaces": ([r"(?<tag>a{ 1 , 2 }).*"], "literal text"),
    "word-start-angle": ([r"(?<tag>\<a).*"], "\\<"),
    "word-start-special": ([r"(?<tag>\b{start}a).*"], "\\b{"),
    "class-intersection": ([r"(?<tag>[a&&b]).*"], "&&"),
    "class-nested": ([r"(?<tag>[a[b]]).*"], "nested"),
    "empty-loop-capture": ([r"(?:(?<tag>a*))*.*"], "empty string"),
    "empty-loop-end": ([r"(?i)(?:[^a]|[A-Z]*?){2,}(?<tag>.*)"], "empty string"),
    "look-ahead": ([r"(?=a)(?<tag>.*)"], "look-ahead"),
    "look-behind": ([r".(?<=a)(?<tag>.*)"], "look-behind"),
    "backreference": ([r"(?<tag>a)\1.*"], "backreference"),
    "quoted-literal": ([r"(?<tag>\Qa.\E).*"], "quoted"),
    "comment": ([r"(?#c)(?<tag>.*)"], "comment"),
    "escape-character": ([r"(?<tag>\e?).*"], "\\e"),
    "control-character": ([r"(?<tag>\cA?).*"], "\\c"),
    "non-ascii": (["(?<tag>\u00e9+).*"], "non-ASCII"),
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
            b"a:b\n:c", b"\x00", b"{\x00}", b"\xff\xfe:\x80", b"\r\n", b"user:5:\n", b"a\n", b"a b", b"1.A",
            b"\t\tx", "éé".encode()]
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


def random_rules(count: int) -> list[str]:
    """Rules drawn from a grammar of literals, classes, anchors, groups,
    alternations, greedy and lazy quantifiers and the `i`, `s` and `U` flags,
    each with one `tag` group."""
    rng = random.Random(17)
    atoms = ["a", "b", r"\n", r"\{", r"\}", ".", "[ab]", "[^a]", r"\w", r"\W", r"\d", r"\D", r"\s", r"\S",
             "[a-c]", "[[:alpha:]]", "[[:^alpha:]]", "[[:upper:]]", "[[:punct:]]", "[]a]", "A", "_", "", "^",
             r"\A", r"\z", r"\b", r"\B", r"\xe9", r"[\xc0-\xff]", r"[^\n]", r"\x00"]
    quantifiers = ["*", "+", "?", "{2}", "{1,2}", "{0,2}", "{2,}", "*?", "+?", "??", "{1,2}?"]

    def gen(depth: int, tag: list[bool]) -> str:
        r = rng.random()
        if depth <= 0 or r < 0.3:
            s = rng.choice(atoms)
        elif r < 0.5:
            s = gen(depth - 1, tag) + gen(depth - 1, tag)
        elif r < 0.6:
            s = "(?:" + gen(depth - 1, tag) + "|" + gen(depth - 1, tag) + ")"
        elif r < 0.75:
            s = rng.choice(["(?:", "(", "(?i:", "(?s:", "(?U:"]) + gen(depth - 1, tag) + ")"
        else:
            s = "(?:" + gen(depth - 1, tag) + ")" + rng.choice(quantifiers)
        if tag[0] and rng.random() < 0.25:
            tag[0] = False
            s = "(?<tag>" + s + ")"
        return s

    out: list[str] = []
    while len(out) < count:
        tag = [True]
        s = gen(4, tag)
        if tag[0]:
            s = "(?<tag>" + s + ")" if rng.random() < 0.5 else s + "(?<tag>.*)"
        rule = rng.choice(["", "", "", "(?i)", "(?s)", "(?U)"]) + s + rng.choice(["", "", r"\z", "b", "(?:a|b)*"])
        if rule not in out:
            out.append(rule)
    return out


def random_keys() -> list[bytes]:
    rng = random.Random(23)
    alphabet = b"ab\n{}A_1 \xe9\xc9\x00."
    out = sorted({bytes(rng.choice(alphabet) for _ in range(rng.randrange(0, 6))) for _ in range(120)})
    return out


PHP = r"""<?php
$in = json_decode(file_get_contents($argv[1]), true);
$out = [];
foreach ($in['rule_sets'] as $name => $rules) {
    $res = [];
    foreach ($in['keys'] as $hex) {
        $key = hex2bin($hex);
        $ans = null;
        foreach ($rules as $i => $rule) {
            $r = @preg_match("\x01" . $rule . "\x01A", $key, $m, PREG_UNMATCHED_AS_NULL);
            if ($r === false && $in['strict']) { fwrite(STDERR, "rule $name/$i: " . preg_last_error_msg() . "\n"); exit(2); }
            if ($r === false) { $res = 'error'; break 2; }
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


def ask(rule_sets: dict[str, list[str]], ks: list[bytes], strict: bool = True) -> dict:
    php = shutil.which("php")
    if php is None:
        raise SystemExit("php not found: run scripts/setup.sh")
    with tempfile.TemporaryDirectory() as d:
        script, data = os.path.join(d, "oracle.php"), os.path.join(d, "in.json")
        with open(script, "w") as f:
            f.write(PHP)
        with open(data, "w") as f:
            json.dump({"rule_sets": rule_sets, "keys": [k.hex() for k in ks], "strict": strict}, f)
        res = subprocess.run([php, "-d", "pcre.jit=0", script, data], capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()
    ks = keys()
    answer = ask(RULE_SETS, ks)
    refused = ask({n: r for n, (r, _) in REFUSED_SETS.items()}, ks)
    rks = random_keys()
    # Rules PCRE2 itself cannot compile are left out.
    rules = random_rules(300)
    drawn = ask({f"r{i}": [r] for i, r in enumerate(rules)}, rks, strict=False)["results"]
    doc = {
        "description": "Tags extracted by PCRE2 (PHP preg_match, anchored, no UTF mode) for hashing-policy "
                       "rule sets over a key corpus. Per rule set, per key: [index of the first matching rule, "
                       "tag hex] or null. rule_sets must be answered alike; refused_rule_sets must be refused "
                       "naming `construct`; random rules must be answered alike or refused. Written by "
                       "tests/oracles/policies.py.",
        "source": {"system": "PCRE2 via PHP preg_match", "version": answer["pcre"]},
        "keys": [k.hex() for k in ks],
        "rule_sets": [{"name": n, "rules": r, "results": answer["results"][n]} for n, r in RULE_SETS.items()],
        "refused_rule_sets": [{"name": n, "rules": r, "construct": c, "results": refused["results"][n]}
                              for n, (r, c) in REFUSED_SETS.items()],
        "random": {
            "keys": [k.hex() for k in rks],
            "rules": [{"rule": r, "results": drawn[f"r{i}"]} for i, r in enumerate(rules) if drawn[f"r{i}"] != "error"],
        },
    }
    text = json.dumps(doc, separators=(",", ":")) + "\n"
    if args.write:
        with open(VECTORS, "w", encoding="ascii") as f:
            f.write(text)
        print(f"wrote {len(RULE_SETS)} rule sets and {len(REFUSED_SETS)} refused ones x {len(ks)} keys, "
              f"{len(doc['random']['rules'])} random rules x {len(rks)} keys to tests/vectors/policies.json "
              f"(PCRE2 {answer['pcre']})")
        return 0
    with open(VECTORS, encoding="ascii") as f:
        committed = json.load(f)
    def strip(d: dict) -> dict:
        # The library's version string may change; its answers may not.
        return {k: v for k, v in d.items() if k != "source"}
    if strip(committed) != strip(doc):
        print("tests/vectors/policies.json is stale: PCRE2 now answers differently or the corpus changed; run `make vectors`")
        return 1
    print(f"policy vectors: {len(RULE_SETS) + len(REFUSED_SETS)} rule sets x {len(ks)} keys and "
          f"{len(doc['random']['rules'])} random rules re-asked from PCRE2 {answer['pcre']}: all agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
