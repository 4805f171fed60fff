#!/usr/bin/env python3
"""Writes or checks the vectors of the schemes keyroute defines itself
(jump, rendezvous, maglev): tests/vectors/partition/{jump,rendezvous,maglev}.json,
of go-redis v8/v9 Ring (go-redis-ring.json: Go modules cannot be installed
here; the same answers were also asked once of go-redis 9.7.0 built from its
source, see GO_REDIS_V9 below),
and of Codis slots (tests/vectors/codis.json), whose Go server cannot be
installed here: a second implementation of the definition written in
docs/client-side-sharding.md ("Envoy, Codis and Dragonfly"), over zlib's CRC-32.

    definitions.py --write    recompute every pool, rewrite the files
    definitions.py --check    fail if a committed file differs from a fresh run

These schemes have no single incumbent implementation to ask; keyroute
documents an exact definition (core/src/partition/{jump,rendezvous,maglev}.rs)
so other languages can reproduce it. This script is a second, independent
implementation of those definitions in Python, over the xxHash reference
library's own binding (PyPI `xxhash`, pinned in scripts/requirements-dev.txt),
so the Rust code is checked against the written definition, not against
itself. With unit weights, `rendezvous` is go-redis Ring's algorithm
(dgryski/go-rendezvous: xorshift-multiply of XXH64(key) ^ XXH64(node), the
first node wins ties). Jump hash itself is checked against the paper's values
(core/src/partition/jump.rs). Run with .venv/bin/python.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import xxhash

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from partition_keys import base_keys, bulk_keys, dump_vectors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "tests", "vectors", "partition")
M64 = (1 << 64) - 1


def redis_tag(key: bytes) -> bytes:
    s = key.find(b"{")
    if s < 0:
        return key
    e = key.find(b"}", s + 1)
    if e < 0 or e == s + 1:
        return key
    return key[s + 1:e]


def jump(key: int, n: int) -> int:
    b, j = -1, 0
    while j < n:
        b = j
        key = (key * 2862933555777941757 + 1) & M64
        j = int((b + 1) * (float(1 << 31) / float((key >> 33) + 1)))
    return b


def mix(x: int) -> int:
    x ^= x >> 12
    x ^= (x << 25) & M64
    x ^= x >> 27
    return (x * 2685821657736338717) & M64


def parse(server: str) -> tuple[str, int]:
    """keyroute's server string -> (name: alias or host:port, weight)."""
    addr, _, alias = server.partition(" ")
    parts = addr.split(":")
    weight = int(parts[2]) if len(parts) > 2 else 1
    return (alias or ":".join(parts[:2]), weight)


def rendezvous(servers: list[str]):
    nodes = []
    for i, s in enumerate(servers):
        name, w = parse(s)
        nodes.append((xxhash.xxh64_intdigest(name.encode()), i))
        nodes += [(xxhash.xxh64_intdigest(f"{name}#{j}".encode()), i) for j in range(1, w)]

    def route(key: bytes) -> int:
        k = xxhash.xxh64_intdigest(redis_tag(key))
        best, who = -1, 0
        for h, i in nodes:
            score = mix(k ^ h)
            if score > best:
                best, who = score, i
        return who
    return route


def maglev(servers: list[str], m: int):
    parsed = [parse(s) for s in servers]
    max_w = max(w for _, w in parsed)
    perm = [(xxhash.xxh64_intdigest(n.encode(), 0) % m, xxhash.xxh64_intdigest(n.encode(), 1) % (m - 1) + 1)
            for n, _ in parsed]
    nxt = [0] * len(parsed)
    claimed = [0] * len(parsed)
    table = [-1] * m
    filled, t = 0, 0
    while filled < m:
        t += 1
        for s, (_, w) in enumerate(parsed):
            if claimed[s] * max_w >= t * w:
                continue
            off, skip = perm[s]
            while True:
                c = (off + nxt[s] * skip) % m
                nxt[s] += 1
                if table[c] < 0:
                    table[c] = s
                    break
            claimed[s] += 1
            filled += 1
            if filled == m:
                break
    return lambda key: table[xxhash.xxh64_intdigest(key) % m]


def addrs(n: int) -> list[str]:
    return [f"10.0.0.{i + 1}:6379" for i in range(n)]


def pools() -> dict[str, list[dict]]:
    P = lambda name, servers, **options: {"name": name, "servers": servers, "options": options}  # noqa: E731
    weighted = [f"10.0.0.{i + 1}:6379:{w}" for i, w in enumerate([1, 2, 3, 1, 5])]
    named = [f"10.0.0.{i + 1}:6379 shard{i + 1}" for i in range(4)]
    return {
        "jump": [P(f"{n}/{h}", addrs(n), jump_hash=h) for n in (1, 2, 3, 10, 100, 1000) for h in ("xxh3", "xxh64")],
        "rendezvous": [P("3", addrs(3)), P("4/go-redis-names", named), P("5w", weighted), P("25", addrs(25)),
                       P("100", addrs(100))],
        "maglev": [P("3", addrs(3)), P("5w", weighted), P("25", addrs(25)), P("4/names", named),
                   P("3/table-251", addrs(3), table_size=251), P("5w/table-7", weighted, table_size=7)],
        "go-redis-ring": go_redis_pools(P),
    }


# The go-redis release every answer of go-redis-ring.json was compared with
# once, on every key of every pool: the Ring's own shard lookup
# (ringSharding.GetByKey over dgryski/go-rendezvous and cespare/xxhash/v2),
# built from the tagged source. Go modules are not reachable from the
# machines that run make test-vectors, so --check recomputes the vectors from
# the definition (docs/client-side-sharding.md, "go-redis Ring") instead.
GO_REDIS_V9 = "go-redis 9.7.0 (commit ed37c33a9037483ad2a6b1042e5eb6df89009a1c)"
# Later releases carry their own copy of the rendezvous function; its
# hashtag.Key and NewRendezvousHash(...).Get were compared the same way.
GO_REDIS_LATER = "go-redis main after 9.22.0 (commit 216593cc01faa029006266a5f1fc3d5004312ecf)"


def go_redis_pools(P) -> list[dict]:  # noqa: N803
    """go-redis Ring: a shard's name is its alias (the key of
    RingOptions.Addrs), else its address."""
    named = [f"10.0.0.{i + 1}:6379 shard{i + 1}" for i in range(4)]
    aliases = [f"127.0.0.1:{p} {n}" for p, n in zip((6379, 6380, 6381), ("alpha", "b", "mid-server"))]
    return [P("3", addrs(3)), P("3/names", aliases), P("4/go-redis-names", named), P("5", addrs(5)),
            P("25", addrs(25)), P("100", addrs(100))]


def answer(scheme: str, pool: dict, keys: list[bytes]) -> list[int]:
    servers = pool["servers"]
    if scheme == "jump":
        h = xxhash.xxh3_64_intdigest if pool["options"]["jump_hash"] == "xxh3" else xxhash.xxh64_intdigest
        return [jump(h(k), len(servers)) for k in keys]
    if scheme in ("rendezvous", "go-redis-ring"):
        # go-redis: unit weights, scores mix(XXH64(tag(key)) ^ XXH64(name)).
        route = rendezvous(servers)
    else:
        route = maglev(servers, pool["options"].get("table_size", 65537))
    return [route(k) for k in keys]


def document(scheme: str) -> str:
    keys, bulk = base_keys(), bulk_keys()
    out = []
    for p in pools()[scheme]:
        ks = [k for _, k in keys + (bulk if len(p["servers"]) >= 25 else [])]
        out.append(dict(p, nodes=answer(scheme, p, ks)))
    description = (f"{scheme} as keyroute defines it, computed by an independent Python implementation "
                   "of the definition over the xxHash reference binding. Keys are hex bytes; pools of "
                   "25 or more servers were asked `keys` then `bulk_keys`. Written by "
                   "tests/oracles/definitions.py.")
    source = {"system": "tests/oracles/definitions.py over xxhash (PyPI)", "version": xxhash.VERSION}
    if scheme == "go-redis-ring":
        description = ("go-redis v8/v9 Ring as docs/client-side-sharding.md defines it, computed by an "
                       "independent Python implementation of that definition over the xxHash reference "
                       f"binding. Every answer was also given by {GO_REDIS_V9}'s own Ring shard lookup, "
                       f"and by the rendezvous function of {GO_REDIS_LATER}, "
                       "built once from their source (Go modules cannot be installed where make "
                       "test-vectors runs, so it is not re-asked). A server's alias is the shard's name, "
                       "else its address. Keys are hex bytes; pools of 25 or more servers were asked "
                       "`keys` then `bulk_keys`. Written by tests/oracles/definitions.py.")
        source = {"system": f"tests/oracles/definitions.py over xxhash (PyPI); confirmed by {GO_REDIS_V9}",
                  "version": xxhash.VERSION}
    return dump_vectors({
        "description": description,
        "source": source,
        "scheme": scheme,
        "keys": [{"name": n, "key": k.hex()} for n, k in keys],
        "bulk_keys": [{"name": n, "key": k.hex()} for n, k in bulk],
        "pools": out,
    })


def codis_tag(key: bytes) -> bytes:
    s = key.find(b"{")
    if s < 0:
        return key
    e = key.find(b"}", s + 1)
    return key if e < 0 else key[s + 1:e]


def codis_document() -> str:
    import zlib
    keys = base_keys() + bulk_keys()
    return dump_vectors({
        "description": "Codis slots: crc32_ieee(tag or key) % 1024, the tag being the bytes between "
                       "the first { and the first } after it, even empty. Keys are hex bytes. "
                       "Written by tests/oracles/definitions.py from the definition in "
                       "docs/client-side-sharding.md (Codis cannot be installed here).",
        "source": {"system": "tests/oracles/definitions.py (zlib.crc32)", "version": "codis 3.2"},
        "cases": [{"name": n, "key": k.hex(), "tag": codis_tag(k).hex(),
                   "slot": zlib.crc32(codis_tag(k)) % 1024} for n, k in keys],
    })


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = ap.parse_args()
    stale = []
    for scheme in ("jump", "rendezvous", "maglev", "go-redis-ring"):
        path = os.path.join(OUT, f"{scheme}.json")
        text = document(scheme)
        if args.write:
            with open(path, "w", encoding="ascii") as f:
                f.write(text)
            print(f"{scheme}: wrote {len(json.loads(text)['pools'])} pools")
        else:
            with open(path, encoding="ascii") as f:
                if f.read() != text:
                    stale.append(scheme)
    codis_path = os.path.join(ROOT, "tests", "vectors", "codis.json")
    text = codis_document()
    if args.write:
        with open(codis_path, "w", encoding="ascii") as f:
            f.write(text)
        print(f"codis: wrote {len(json.loads(text)['cases'])} cases")
    else:
        with open(codis_path, encoding="ascii") as f:
            if f.read() != text:
                stale.append("codis")
    if stale:
        print("definition vectors are stale:", ", ".join(stale))
        return 1
    if args.check:
        print("jump, rendezvous, maglev, go-redis-ring, codis vectors: recomputed, all agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
