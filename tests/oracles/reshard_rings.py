#!/usr/bin/env python3
"""Asks the real twemproxy (Debian's nutcracker 0.5.0) which keys change
backend when a pool's configuration changes, and writes or checks
tests/vectors/reshard/rings.json.

    reshard_rings.py --write    every case below; rewrites the vectors
    reshard_rings.py --check    fails if the committed cases or keys differ
                                from a fresh definition, or if nutcracker now
                                answers a random sample of cases differently

For each case, the same keys (the partition corpus plus key:0 ... key:19999,
the reference's §4.3 sample) are SET through a nutcracker running the old
pool, then through one running the new pool; after each, KEYS * on every
backend says which server holds each key. A key moved when its old and new
backends differ. The cases: ketama 3 -> 4 and 24 -> 25 (and 49 -> 50) with
the reference's names (aliases 127.0.0.1:70xx), md5 and fnv1a_64; 25 -> 24;
modula 3 -> 4 and 24 -> 25; unaliased addresses; an unequal-weight change;
one aliased instance moved to another host (presharding); ketama to modula;
hash_tag with crc32a.

Backends are real redis-server processes on fixed loopback addresses
(127.0.0.2 ... 127.0.0.51, port 26379), started and stopped by
nutcracker.py's helpers (by PID, also on failure), under its lock file.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nutcracker  # noqa: E402
from partition_keys import base_keys, dump_vectors  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "tests", "vectors", "reshard", "rings.json")
SEQUENTIAL = 20000
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def addr(i: int) -> str:
    return f"127.0.0.{i + 2}:{nutcracker.PORT}"


def servers(n: int, alias=None, weights=None, hosts=None) -> list[str]:
    """Server lines: backend i on addr(hosts[i]) with weight and alias."""
    out = []
    for i in range(n):
        line = f"{addr(hosts[i] if hosts else i)}:{weights[i] if weights else 1}"
        if alias:
            line += f" {alias(i)}"
        out.append(line)
    return out


def ref_name(i: int) -> str:
    """The reference's server names (§4.2, §4.3): 127.0.0.1:7000 + i."""
    return f"127.0.0.1:{7000 + i}"


def cases() -> list[dict]:
    """name -> (old pool, new pool); a pool is servers, hash, distribution, hash_tag."""
    def pool(lines, h="fnv1a_64", d="ketama", tag=None):
        return {"servers": lines, "hash": h, "distribution": d, "hash_tag": tag}

    out = []

    def case(name, old, new):
        out.append({"name": name, "old": old, "new": new})

    for h in ("fnv1a_64", "md5"):
        case(f"ketama-{h}-3-to-4", pool(servers(3, ref_name), h), pool(servers(4, ref_name), h))
    for h in ("fnv1a_64", "md5"):
        case(f"ketama-{h}-24-to-25", pool(servers(24, ref_name), h), pool(servers(25, ref_name), h))
    case("ketama-md5-25-to-24", pool(servers(25, ref_name), "md5"), pool(servers(24, ref_name), "md5"))
    case("ketama-md5-49-to-50", pool(servers(49, ref_name), "md5"), pool(servers(50, ref_name), "md5"))
    case("ketama-fnv1a_64-addresses-3-to-4", pool(servers(3)), pool(servers(4)))
    case("modula-fnv1a_64-3-to-4", pool(servers(3), d="modula"), pool(servers(4), d="modula"))
    case("modula-md5-24-to-25", pool(servers(24, ref_name), "md5", "modula"),
         pool(servers(25, ref_name), "md5", "modula"))
    case("ketama-md5-weights-5", pool(servers(5, weights=[1, 2, 3, 1, 5]), "md5"),
         pool(servers(5, weights=[1, 2, 3, 1, 4]), "md5"))
    case("ketama-fnv1a_64-instance-moves-host",
         pool(servers(4, lambda i: f"shard{i}")),
         pool(servers(4, lambda i: f"shard{i}", hosts=[0, 1, 5, 3])))
    case("ketama-to-modula-md5-4", pool(servers(4, ref_name), "md5"),
         pool(servers(4, ref_name), "md5", "modula"))
    case("ketama-crc32a-hash_tag-3-to-4", pool(servers(3), "crc32a", tag="{}"),
         pool(servers(4), "crc32a", tag="{}"))
    return out


def corpus() -> list[tuple[str, bytes]]:
    return base_keys() + [(f"seq/{i}", b"key:%d" % i) for i in range(SEQUENTIAL)]


def as_pool(case: dict, side: str) -> dict:
    p = case[side]
    return dict(p, name=f"{case['name']}/{side}", list=f"{case['name']}/{side}", bulk=False)


def yaml(case: dict, side: str) -> str:
    return nutcracker.yaml_for(as_pool(case, side), "127.0.0.1:22121")


def encode(nodes: list[int]) -> str:
    return "".join(DIGITS[n] for n in nodes)


def backends(p: dict) -> list[str]:
    return [line.split(" ")[0].rsplit(":", 1)[0] for line in p["servers"]]


def entry(case: dict, old: list[int] | None, new: list[int] | None) -> dict:
    e = {"name": case["name"], "old_yaml": yaml(case, "old"), "new_yaml": yaml(case, "new")}
    if old is None or new is None:
        return e
    ob, nb = backends(case["old"]), backends(case["new"])
    moved = [k for k, (a, b) in enumerate(zip(old, new)) if ob[a] != nb[b]]
    to_added = sum(1 for k in moved if nb[new[k]] not in ob)
    between = sum(1 for k in moved if nb[new[k]] in ob and ob[old[k]] in nb)
    e.update({"keys_moved": len(moved), "to_added": to_added, "between_kept": between,
              "old_nodes": encode(old), "new_nodes": encode(new)})
    return e


def ask(selected: list[dict], keys) -> dict[str, tuple[list[int], list[int]]]:
    pools = [as_pool(c, s) for c in selected for s in ("old", "new")]
    answers = nutcracker.ask(pools, keys, [])
    return {c["name"]: (answers[f"{c['name']}/old"], answers[f"{c['name']}/new"]) for c in selected}


def document(all_cases, keys, answers, ver: str) -> str:
    return dump_vectors({
        "description": "Keys whose backend changes when a twemproxy pool changes, as a real nutcracker "
                       "routes them: each key was SET through nutcracker running old_yaml, then "
                       "new_yaml, over real redis-server backends, and found with KEYS * on every "
                       "backend. old_nodes/new_nodes: one character per key (0-9, a-z, A-Z for 0 to 61), the position "
                       "of its server in that pool's list. Keys: `keys` (hex) then key:0 ... "
                       f"key:{SEQUENTIAL - 1}. A key moved when the two servers' host:port differ; "
                       "keys_moved, to_added and between_kept count them. "
                       "Written by tests/oracles/reshard_rings.py.",
        "source": {"system": "nutcracker (Debian package)", "version": ver,
                   "backends": "redis-server, one per address"},
        "sequential": {"format": "key:{i}", "count": SEQUENTIAL},
        "keys": [{"name": n, "key": k.hex()} for n, k in keys[: len(keys) - SEQUENTIAL]],
        "cases": [entry(c, *answers.get(c["name"], (None, None))) for c in all_cases],
    })


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    ap.add_argument("--sample", type=int, default=len(cases()), help="cases re-asked by --check (all)")
    args = ap.parse_args()
    for tool in ("nutcracker", "redis-server"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: run scripts/setup.sh", file=sys.stderr)
            return 2
    all_cases = cases()
    keys = corpus()
    t0 = time.monotonic()
    ver = nutcracker.version()
    if args.write:
        answers = ask(all_cases, keys)
        os.makedirs(os.path.dirname(VECTORS), exist_ok=True)
        with open(VECTORS, "w", encoding="ascii") as f:
            f.write(document(all_cases, keys, answers, ver))
        for c in all_cases:
            e = entry(c, *answers[c["name"]])
            print(f"  {c['name']}: {e['keys_moved']} of {len(keys)} keys moved "
                  f"({e['to_added']} to added servers, {e['between_kept']} between kept servers)")
        print(f"wrote {len(all_cases)} cases to {os.path.relpath(VECTORS, ROOT)} "
              f"(nutcracker {ver}, {time.monotonic() - t0:.0f} s)")
        return 0

    with open(VECTORS, encoding="ascii") as f:
        committed = json.load(f)
    problems = []
    fresh = json.loads(document(all_cases, keys, {}, ""))
    if fresh["keys"] != committed["keys"] or fresh["sequential"] != committed["sequential"]:
        problems.append("the key corpus differs from the committed one; run the --write mode")
    if [c for c in fresh["cases"]] != [{k: c[k] for k in ("name", "old_yaml", "new_yaml")}
                                      for c in committed["cases"]]:
        problems.append("the case definitions differ from the committed ones; run the --write mode")
    sample = random.Random().sample(all_cases, min(args.sample, len(all_cases)))
    answers = ask(sample, keys)
    by_name = {c["name"]: c for c in committed["cases"]}
    for c in sample:
        got = entry(c, *answers[c["name"]])
        if got != by_name.get(c["name"]):
            problems.append(f"{c['name']}: committed answers differ from nutcracker's")
    if problems:
        print("reshard ring vectors are stale:", *problems, sep="\n  ")
        return 1
    print(f"reshard ring vectors: {len(sample)} of {len(all_cases)} cases ({2 * len(keys)} keys each) "
          f"re-asked from nutcracker {ver}: all agree ({time.monotonic() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
