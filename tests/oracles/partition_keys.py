"""The key corpus every partition oracle asks its real system about.

Deterministic: the same keys, in the same order, on every run, so the
vector files of different schemes line up and `--check` can tell a changed
corpus from a changed answer. Keys are bytes; `name` says what each tests.
"""
from __future__ import annotations

import random


def base_keys() -> list[tuple[str, bytes]]:
    """About 300 named keys: ASCII, hash-tag forms, UTF-8, binary, edge cases."""
    keys: list[tuple[str, bytes]] = []
    seen: set[bytes] = set()

    def add(name: str, key: bytes) -> None:
        if key in seen:
            return
        seen.add(key)
        keys.append((name, key))

    # The keys of docs/client-side-sharding.md, "Check values: three servers", first.
    for k in [b"foo", b"bar", b"baz", b"hello", b"user:1000", b"key0", b"key1", b"key2", b"key3"]:
        add("table/" + k.decode(), k)
    for i in range(100):
        add(f"ascii/key:{i}", b"key:%d" % i)
    for k in [b"a", b"ab", b"abc", b"abcd", b"abcde", b"123456789", b"session:7f3a9c", b"x" * 300,
              b"hello world", b"FM|ivector_2129920", b"-", b":", b" ", b"0", b"\t"]:
        add("ascii/" + (k.decode() if len(k) < 20 else f"x*{len(k)}"), k)
    for k in [b"{user1000}.following", b"{user1000}.followers", b"x{tag}y", b"a{}b{c}", b"{}x}",
              b"{a}{b}", b"user:{42}:profile", b"user:{42}:cart", b"{", b"}", b"{}", b"}{", b"{{a}}",
              b"foo{}{bar}", b"foo{{bar}}zap", b"{\xe9}x", b"$tag$x", b"a$b$c", b"$$x", b"ab\n{tag}x",
              b"{user1000}", b"user1000"]:
        add("tag/" + k.hex(), k)
    for s in ["é", "café", "日本語", "ключ", "emoji 😀", "{ключ}значение", "clé{é}", "Ω≈ç", "𝄞",
              "مفتاح", "a\u0301", "\ufeffbom", "ü", "ñandú", "Ελληνικά", "中文键", "🔑:1", "ß"]:
        add("utf8/" + s, s.encode())
    # Tails of every length with high bytes: the char-signedness quirk.
    for n in range(1, 9):
        for b in (0x80, 0xE9, 0xFF):
            add(f"high/len{n}-{b:02x}", b"k" * (n - 1) + bytes([b]))
    add("high/all-ff", b"\xff\xfe\xfd")
    rng = random.Random(5)
    for i in range(80):
        n = rng.randrange(1, 34)
        add(f"binary/{i}", bytes(rng.randrange(256) for _ in range(n)))
    add("binary/nul", b"\x00")
    add("binary/crlf", b"a\r\nb")
    add("long/1000", bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz:") for _ in range(1000)))
    add("empty", b"")
    return keys


def point_hit_keys(names: list[str]) -> list[tuple[str, bytes]]:
    """Keys whose MD5 word 0 is exactly a ketama point of one of `names`
    (`name-i` is hashed for the points): they separate first->=h from first->h."""
    return [(f"point/{n}-{i}", f"{n}-{i}".encode()) for n in names for i in (0, 7)]


def bulk_keys(count: int = 300) -> list[tuple[str, bytes]]:
    """Plain keys that give big pools several keys per server."""
    return [(f"bulk/{i}", b"bulk:%d" % i) for i in range(count)]


def dump_vectors(doc: dict) -> str:
    """JSON with one line per list item of the top-level lists (keys, pools),
    so diffs stay readable and the file small."""
    import json
    lines = ["{"]
    items = list(doc.items())
    for i, (k, v) in enumerate(items):
        end = "," if i < len(items) - 1 else ""
        if isinstance(v, list) and v:
            lines.append(f" {json.dumps(k)}: [")
            lines += [" " + json.dumps(x, ensure_ascii=True, separators=(",", ":"))
                      + ("," if j < len(v) - 1 else "") for j, x in enumerate(v)]
            lines.append(" ]" + end)
        else:
            lines.append(f" {json.dumps(k)}: {json.dumps(v, ensure_ascii=True)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"
