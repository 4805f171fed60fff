#!/usr/bin/env python3
"""Asks a real redis-server (cluster mode) for the hash slot of every key in
keyroute's slot corpus, and writes or checks tests/vectors/slots.json.

    slots.py --write    ask the server for every key and rewrite the vectors
    slots.py --check    fail if the committed vectors no longer match a fresh
                        corpus, or if the server now answers a sample differently

The server is Debian's redis-server, started with `cluster-enabled yes` on a
free 127.0.0.1 port and stopped by PID; `CLUSTER KEYSLOT` is its own
keyHashSlot, so every slot in the file is the server's answer.
"""
from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp import RedisServer  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "tests", "vectors", "slots.json")


def js_string_bytes(units: list[int]) -> bytes:
    """The bytes a JS client sends for a string of these UTF-16 code units:
    TextEncoder and Buffer.from replace each lone surrogate with U+FFFD."""
    raw = struct.pack("<%dH" % len(units), *units)
    return raw.decode("utf-16-le", errors="replace").encode("utf-8")


def corpus() -> list[dict]:
    """Named cases. Deterministic: the same list on every run."""
    cases: list[dict] = []
    seen: set[str] = set()

    def add(name: str, key: bytes, **extra: object) -> None:
        assert name not in seen, name
        seen.add(name)
        cases.append({"name": name, "key": key, **extra})

    for k in [b"foo", b"bar", b"123456789", b"hello world", b"user:1000", b"key:0",
              b"a", b"b", b"mykey", b"somekey", b"{user1000}.following",
              b"{user1000}.followers", b"user:{1000}:profile", b"session:7f3a9c",
              b"foo{bar}{zap}", b"foo{{bar}}zap", b"foo{}{bar}", b"x{a}y", b"{a}"]:
        add("ascii/" + k.decode(), k)

    # Hash-tag edge forms, with nested and repeated braces.
    for k in [b"", b"{}", b"{", b"}", b"{a", b"a}", b"}{", b"{}{a}", b"{}a}", b"a{}b}", b"a{}b}c",
              b"{{}}", b"{{a}}", b"{a}{b}", b"a{b{c}d}e", b"}}{{", b"{}}", b"{{}", b"{a}}",
              b"{{a}", b"a{b}c{d}e", b"{{{{}}}}", b"}{a}", b"{ }", b"{\t}", b"{\r\n}",
              b"prefix{" + b"x" * 40 + b"}", b"x" * 30 + b"{tag}", b"{" + b"}" * 10]:
        add("edge/" + k.decode(), k)

    # Every string of length <= 5 over the alphabet { } a b.
    for n in range(1, 6):
        for t in itertools.product(b"{}ab", repeat=n):
            add("brace4/" + bytes(t).decode(), bytes(t))

    for s in ["é", "日本語", "ключ", "emoji 😀", "{ключ}значение", "clé{é}", "{日本}語",
              "Ω{≈}ç", "𝄞{𝄞}", "مفتاح", "a\u0301", "\u200b{}\u200b", "\ufeffbom"]:
        add("utf8/" + s, s.encode("utf-8"))

    for b in range(256):
        add(f"byte/{b:02x}", bytes([b]))
    for name, k in [("nul", b"\x00"), ("nul-tag", b"{\x00}"), ("nul-inside", b"a\x00{b}\x00"),
                    ("ff-run", b"\xff" * 9), ("invalid-c3-28", b"\xc3\x28"),
                    ("encoded-surrogate", b"\xed\xa0\x80"), ("overlong-slash", b"\xc0\xaf"),
                    ("five-byte", b"\xf8\x88\x80\x80\x80"), ("lone-continuation", b"\x80"),
                    ("tag-invalid-utf8", b"{\xfe\xff}x"), ("brace-neighbours", b"\x7a\x7c\x7b\x7d\xfb\xfd")]:
        add("binary/" + name, k)
    rng = random.Random(2024)
    for i in range(300):
        n = rng.randrange(0, 65)
        k = bytearray(rng.randrange(256) for _ in range(n))
        for _ in range(rng.randrange(0, 4)):  # inject braces
            if k:
                k[rng.randrange(len(k))] = rng.choice(b"{}")
        add(f"random/{i}", bytes(k))

    rng = random.Random(7)
    letters = b"abcdefghijklmnopqrstuvwxyz0123456789:"
    kib = bytes(rng.choice(letters) for _ in range(1024))
    add("long/1KiB", kib)
    add("long/1KiB-tag-first", b"{user1000}" + kib[10:])
    add("long/1KiB-tag-1000", kib[:1000] + b"{x}" + kib[1003:])
    big = bytes(rng.choice(letters) for _ in range(65536))
    add("long/64KiB", big)
    add("long/64KiB-tag-middle", big[:30000] + b"{middle}" + big[30008:])
    add("long/64KiB-tag-whole", b"{" + big[1:-1] + b"}")
    add("long/64KiB-binary", bytes(rng.randrange(256) for _ in range(65536)))

    for name, units in [
        ("lone-high", [0xD800]),
        ("lone-high-abc", [0xD800, 0x61, 0x62, 0x63]),
        ("lone-low", [0x61, 0xDC00]),
        ("two-high", [0xDBFF, 0xDBFF]),
        ("reversed-pair", [0xDE00, 0xD83D]),
        ("valid-pair", [0xD83D, 0xDE00]),
        ("tag-lone", [0x7B, 0xD800, 0x7D, 0x78]),
        ("high-then-pair", [0xD83D, 0xD83D, 0xDE00]),
        ("bmp-ascii", [0x7B, 0x61, 0x7D]),
    ]:
        add("js/" + name, js_string_bytes(units), utf16=units)
    return cases


def ask(cases: list[dict]) -> list[int]:
    with RedisServer("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf") as srv:
        with srv.connect() as conn:
            version = conn.call("INFO", "server")
            replies = conn.pipeline([("CLUSTER", "KEYSLOT", c["key"]) for c in cases], batch=200)
    for c, r in zip(cases, replies):
        if not isinstance(r, int):
            raise RuntimeError(f"CLUSTER KEYSLOT {c['name']!r} answered {r!r}")
    ask.server_version = next(  # type: ignore[attr-defined]
        line.split(b":", 1)[1].decode() for line in version.split(b"\r\n") if line.startswith(b"redis_version:"))
    return replies


def to_json(cases: list[dict], slots: list[int], version: str) -> str:
    out = {
        "description": "Redis Cluster hash slots of a key corpus, as answered by CLUSTER KEYSLOT "
                       "on a real redis-server. Keys are hex bytes; `utf16` gives the JS string "
                       "whose wire bytes are `key`. Written by tests/oracles/slots.py.",
        "source": {"system": "redis-server", "version": version, "command": "CLUSTER KEYSLOT"},
        "cases": [dict(name=c["name"], key=c["key"].hex(), slot=s,
                       **({"utf16": c["utf16"]} if "utf16" in c else {}))
                  for c, s in zip(cases, slots)],
    }
    return json.dumps(out, indent=1, ensure_ascii=True) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    ap.add_argument("--sample", type=int, default=400, help="random cases re-asked by --check")
    args = ap.parse_args()

    cases = corpus()
    if args.write:
        slots = ask(cases)
        os.makedirs(os.path.dirname(VECTORS), exist_ok=True)
        with open(VECTORS, "w", encoding="ascii") as f:
            f.write(to_json(cases, slots, ask.server_version))  # type: ignore[attr-defined]
        print(f"wrote {len(cases)} cases to {os.path.relpath(VECTORS, ROOT)} "
              f"(redis-server {ask.server_version})")  # type: ignore[attr-defined]
        return 0

    with open(VECTORS, encoding="ascii") as f:
        committed = json.load(f)["cases"]
    problems = []
    fresh = [(c["name"], c["key"].hex(), c.get("utf16")) for c in cases]
    stored = [(c["name"], c["key"], c.get("utf16")) for c in committed]
    if fresh != stored:
        diff = next((f"{a} != {b}" for a, b in zip(fresh, stored) if a != b), f"{len(fresh)} vs {len(stored)} cases")
        problems.append(f"the committed corpus differs from tests/oracles/slots.py ({diff}); run `make vectors`")
    # Every non-generated case, plus a random sample of the rest.
    rng = random.Random()
    fixed = [i for i, c in enumerate(committed) if not c["name"].startswith(("brace4/", "byte/", "random/"))]
    rest = [i for i in range(len(committed)) if i not in set(fixed)]
    picked = sorted(set(fixed) | set(rng.sample(rest, min(args.sample, len(rest)))))
    sample = [{"name": committed[i]["name"], "key": bytes.fromhex(committed[i]["key"])} for i in picked]
    answers = ask(sample)
    for i, got in zip(picked, answers):
        if committed[i]["slot"] != got:
            problems.append(f"{committed[i]['name']}: committed {committed[i]['slot']}, server says {got}")
    if problems:
        print("slot vectors are stale:", *problems[:20], sep="\n  ")
        return 1
    print(f"slot vectors: {len(picked)} of {len(committed)} cases re-asked from redis-server "
          f"{ask.server_version}: all agree")  # type: ignore[attr-defined]
    return 0


if __name__ == "__main__":
    sys.exit(main())
