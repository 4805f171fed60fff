#!/usr/bin/env python3
"""Asks the real twemproxy (Debian's nutcracker 0.5.0) which keys change
backend when a pool's configuration changes, and writes or checks
tests/vectors/reshard/rings.json.

    reshard_rings.py --write    every case below; rewrites the vectors
    reshard_rings.py --check    fails if the committed cases or keys differ
                                from a fresh definition, or if nutcracker now
                                answers a random sample of cases differently

For each case, the same keys (the partition corpus plus key:0 ... key:19999,
the sample of docs/resharding.md, "Ring schemes: moved keys of a sample")
are SET through a nutcracker running the old pool, then through one running
the new pool; after each, KEYS * on every
backend says which server holds each key. A key moved when its old and new
backends differ. The cases: ketama 3 -> 4 and 24 -> 25 (and 49 -> 50) with
the names of those figures (aliases 127.0.0.1:70xx), md5 and fnv1a_64; 25 -> 24;
modula 3 -> 4 and 24 -> 25; unaliased addresses; an unequal-weight change;
one aliased instance moved to another host (presharding); ketama to modula;
hash_tag with crc32a. Also the same keys through ruby-redis's
Redis::Distributed and Predis's HashRing and KetamaRing (their own routing
functions, no server), 3 -> 4, 24 -> 25, Predis KetamaRing's own 156-point
step at 48 -> 49, and a Predis weight change.

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
    """The server names of docs/resharding.md's ring figures: 127.0.0.1:7000 + i."""
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


def client_cases() -> list[dict]:
    """Pool changes asked of the client libraries themselves (no server is
    contacted): ruby-redis's Redis::Distributed and Predis's two rings, with
    their own 156-point step for KetamaRing at 49 servers."""
    ref = [ref_name(i) for i in range(50)]
    out = []
    for scheme in ("redis-rb-4", "predis", "predis-ketama"):
        out.append({"name": f"{scheme}-3-to-4", "scheme": scheme, "old": ref[:3], "new": ref[:4]})
        out.append({"name": f"{scheme}-24-to-25", "scheme": scheme, "old": ref[:24], "new": ref[:25]})
    out.append({"name": "predis-ketama-48-to-49", "scheme": "predis-ketama", "old": ref[:48],
                "new": ref[:49]})
    out.append({"name": "predis-weights-4", "scheme": "predis",
                "old": [f"{a}:{w}" for a, w in zip(ref, [100, 100, 200, 100])],
                "new": [f"{a}:{w}" for a, w in zip(ref, [100, 100, 100, 100])]})
    return out


def ask_clients(selected: list[dict], keys) -> dict[str, tuple[list[int], list[int]]]:
    import clients
    ks = [k.hex() for _, k in keys]
    answers = {}
    for c in selected:
        got = []
        for side in ("old", "new"):
            servers = [clients.parse(x) for x in c[side]]
            if c["scheme"] == "redis-rb-4":
                out = clients.run(["ruby", "redis_rb.rb"], {"pools": [{"name": "p", "servers": servers}],
                                                            "keys": ks})
            else:
                ring = "ketama" if c["scheme"] == "predis-ketama" else "hashring"
                out = clients.run(["php", "predis.php"],
                                  {"pools": [{"name": "p", "ring": ring, "servers": servers}], "keys": ks})
            got.append(out["answers"]["p"])
        answers[c["name"]] = (got[0], got[1], out["version"])
    return answers


def client_entry(case: dict, answers) -> dict:
    e = {k: case[k] for k in ("name", "scheme", "old", "new")}
    if answers is None:
        return e
    old, new, version = answers
    addr = lambda s: ":".join(s.split(" ")[0].split(":")[:2])  # noqa: E731
    ob, nb = [addr(x) for x in case["old"]], [addr(x) for x in case["new"]]
    moved = [k for k, (a, b) in enumerate(zip(old, new)) if ob[a] != nb[b]]
    e.update({"version": version, "keys_moved": len(moved),
              "between_kept": sum(1 for k in moved if nb[new[k]] in ob and ob[old[k]] in nb),
              "old_nodes": encode(old), "new_nodes": encode(new)})
    return e


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


def document(all_cases, keys, answers, ver: str, client_answers=None) -> str:
    return dump_vectors({
        "description": "Keys whose backend changes when a twemproxy pool changes, as a real nutcracker "
                       "routes them: each key was SET through nutcracker running old_yaml, then "
                       "new_yaml, over real redis-server backends, and found with KEYS * on every "
                       "backend. client_cases: the same keys asked of ruby-redis (Redis::Distributed) "
                       "and php-predis (HashRing, KetamaRing) over `old` and `new` server lists "
                       "(keyroute's syntax; no server contacted). old_nodes/new_nodes: one character per key (0-9, a-z, A-Z for 0 to 61), the position "
                       "of its server in that pool's list. Keys: `keys` (hex) then key:0 ... "
                       f"key:{SEQUENTIAL - 1}. A key moved when the two servers' host:port differ; "
                       "keys_moved, to_added and between_kept count them. "
                       "Written by tests/oracles/reshard_rings.py.",
        "source": {"system": "nutcracker (Debian package)", "version": ver,
                   "backends": "redis-server, one per address"},
        "sequential": {"format": "key:{i}", "count": SEQUENTIAL},
        "keys": [{"name": n, "key": k.hex()} for n, k in keys[: len(keys) - SEQUENTIAL]],
        "cases": [entry(c, *answers.get(c["name"], (None, None))) for c in all_cases],
        "client_cases": [client_entry(c, (client_answers or {}).get(c["name"]))
                         for c in client_cases()],
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
        client_answers = ask_clients(client_cases(), keys)
        os.makedirs(os.path.dirname(VECTORS), exist_ok=True)
        with open(VECTORS, "w", encoding="ascii") as f:
            f.write(document(all_cases, keys, answers, ver, client_answers))
        for c in all_cases:
            e = entry(c, *answers[c["name"]])
            print(f"  {c['name']}: {e['keys_moved']} of {len(keys)} keys moved "
                  f"({e['to_added']} to added servers, {e['between_kept']} between kept servers)")
        for c in client_cases():
            e = client_entry(c, client_answers[c["name"]])
            print(f"  {c['name']}: {e['keys_moved']} of {len(keys)} keys moved "
                  f"({e['between_kept']} between kept servers)")
        print(f"wrote {len(all_cases)} + {len(client_cases())} cases to {os.path.relpath(VECTORS, ROOT)} "
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
    if [client_entry(c, None) for c in client_cases()] != [
            {k: c[k] for k in ("name", "scheme", "old", "new")} for c in committed["client_cases"]]:
        problems.append("the client case definitions differ from the committed ones; run the --write mode")
    fresh_clients = ask_clients(client_cases(), keys)
    committed_clients = {c["name"]: c for c in committed["client_cases"]}
    for c in client_cases():
        if client_entry(c, fresh_clients[c["name"]]) != committed_clients.get(c["name"]):
            problems.append(f"{c['name']}: committed answers differ from {c['scheme']}'s")
    if problems:
        print("reshard ring vectors are stale:", *problems, sep="\n  ")
        return 1
    print(f"reshard ring vectors: {len(sample)} of {len(all_cases)} cases ({2 * len(keys)} keys each) "
          f"re-asked from nutcracker {ver}, {len(fresh_clients)} from ruby-redis and php-predis: "
          f"all agree ({time.monotonic() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
