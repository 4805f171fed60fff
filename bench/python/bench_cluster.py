#!/usr/bin/env python3
"""keyroute's key -> node lookup side by side with redis-py's `RedisCluster`.

    python bench/python/bench_cluster.py [--keys target/bench-keys.txt] [--passes 11] [--cpu 1]

Starts a real 6-node cluster (tests/cluster/harness.py, stopped on exit),
connects a `RedisCluster` to it and builds a `keyroute.Cluster` from the
same cluster, then times, on the same keys in the same run:

- per key: `Cluster.node_for(key)` against `RedisCluster.get_node_from_key(key)`
  and against the lookup its command routing does,
  `nodes_manager.get_node_from_slot(keyslot(key))`;
- batched: `Cluster.group_by_node(keys)` (reading every group's positions)
  against the same grouping written with redis-py's per-key lookup, for the
  whole corpus and in batches of 100 keys (an MGET's worth).

Before timing, both sides must pick the same node for every key. Times are
the median of --passes interleaved passes after warm-up, in ns per key; the
ratio is redis-py / keyroute (above 1: keyroute is faster). The servers are
started before the process pins itself to --cpu, so they run elsewhere.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis
from redis.cluster import RedisCluster

import keyroute
from rows import record
from bench_slot import WARMUP, summary, time_passes

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "cluster"))
from harness import Cluster as Harness  # noqa: E402


def per_key(fn: Callable[[Any], object], keys: Sequence[Any]) -> Callable[[], object]:
    def run() -> object:
        for k in keys:
            fn(k)
        return None
    return run


def redis_py_grouping(rc: RedisCluster) -> Callable[[Sequence[Any]], dict[str, dict[int, list[int]]]]:
    """Keys grouped per node and slot with positions, written the way
    redis-py's own multi-key helpers find nodes (keyslot, then the slot's node)."""
    keyslot = rc.keyslot
    node_of_slot = rc.nodes_manager.get_node_from_slot

    def group(keys: Sequence[Any]) -> dict[str, dict[int, list[int]]]:
        groups: dict[str, dict[int, list[int]]] = {}
        for i, k in enumerate(keys):
            slot = keyslot(k)
            groups.setdefault(node_of_slot(slot).name, {}).setdefault(slot, []).append(i)
        return groups
    return group


def keyroute_grouping(cluster: keyroute.Cluster) -> Callable[[Sequence[Any]], dict[str, dict[int, list[int]]]]:
    def group(keys: Sequence[Any]) -> dict[str, dict[int, list[int]]]:
        return {g.node.addr: dict(g.slots)
                for g in cluster.group_by_node(keys)}
    return group


def check_identical(cluster: keyroute.Cluster, rc: RedisCluster, keys: list[Any]) -> None:
    ours = [cluster.node_for(k)[0].addr for k in keys]
    theirs = [rc.get_node_from_key(k).name for k in keys]
    if ours != theirs:
        bad = next(i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b)
        sys.exit(f"bench_cluster: key {keys[bad]!r}: keyroute {ours[bad]}, redis-py {theirs[bad]}")
    replicas = [cluster.node_for(k, read_from="prefer_replica")[0].addr for k in keys]
    if replicas != [rc.get_node_from_key(k, replica=True).name for k in keys]:
        sys.exit("bench_cluster: replica choices differ")
    if keyroute_grouping(cluster)(keys) != redis_py_grouping(rc)(keys):
        sys.exit("bench_cluster: groupings differ")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", default="target/bench-keys.txt")
    ap.add_argument("--passes", type=int, default=11)
    ap.add_argument("--cpu", type=int, default=None, help="pin the timing to this CPU")
    args = ap.parse_args()
    with open(args.keys, encoding="ascii") as f:
        str_keys = f.read().splitlines()
    bytes_keys = [k.encode() for k in str_keys]

    with Harness() as harness:
        port = harness.ports[0]
        rc = RedisCluster(host="127.0.0.1", port=port)
        with redis.Redis(host="127.0.0.1", port=port) as seed:
            cluster = keyroute.Cluster.from_redis(seed)
        check_identical(cluster, rc, str_keys)
        print(f"identical nodes (primary and replica) and groupings for all "
              f"{len(str_keys)} corpus keys on a live 3+3 cluster")
        if args.cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {args.cpu})

        node_for = cluster.node_for
        get_node_from_key = rc.get_node_from_key
        keyslot = rc.keyslot
        node_of_slot = rc.nodes_manager.get_node_from_slot
        ours_group, theirs_group = keyroute_grouping(cluster), redis_py_grouping(rc)
        batches_s = [str_keys[i:i + 100] for i in range(0, len(str_keys), 100)]
        n = len(str_keys)
        rows: list[tuple[str, Callable[[], object], str, Callable[[], object]]] = [
            ("node_for(str)", per_key(node_for, str_keys),
             "get_node_from_key(str)", per_key(get_node_from_key, str_keys)),
            ("node_for(bytes)", per_key(node_for, bytes_keys),
             "get_node_from_key(bytes)", per_key(get_node_from_key, bytes_keys)),
            ("node_for(str)", per_key(node_for, str_keys),
             "get_node_from_slot(keyslot)", per_key(lambda k: node_of_slot(keyslot(k)), str_keys)),
            ("node_for(prefer_replica)",
             per_key(lambda k: node_for(k, read_from="prefer_replica"), str_keys),
             "get_node_from_key(replica)",
             per_key(lambda k: get_node_from_key(k, replica=True), str_keys)),
            ("group_by_node(all)", lambda: ours_group(str_keys),
             "per-key grouping (all)", lambda: theirs_group(str_keys)),
            ("group_by_node(100s)", lambda: [ours_group(b) for b in batches_s],
             "per-key grouping (100s)", lambda: [theirs_group(b) for b in batches_s]),
        ]
        print(f"Python {sys.version.split()[0]}, keyroute {keyroute.__version__}, "
              f"redis-py {redis.__version__}; {n} keys from {args.keys}; median of "
              f"{args.passes} interleaved passes after {WARMUP} warm-up passes")
        header = (f"{'keyroute':<26}{'ns/key':>9}{'iqr':>6}   {'redis-py RedisCluster':<29}"
                  f"{'ns/key':>9}{'iqr':>6}{'ratio':>8}")
        print(header)
        print("-" * len(header))
        for name, ours, inc_name, theirs in rows:
            our_times, their_times = time_passes([ours, theirs], args.passes)
            our_ns, our_iqr = summary(our_times, n)
            their_ns, their_iqr = summary(their_times, n)
            record("cluster", name, inc_name, their_ns, our_ns)
            print(f"{name:<26}{our_ns:>9.1f}{our_iqr:>6.0%}   {inc_name:<29}{their_ns:>9.1f}"
                  f"{their_iqr:>6.0%}{their_ns / our_ns:>7.1f}x")
        print("ratio = redis-py ns/key / keyroute ns/key (higher is better for keyroute); "
              "group rows include reading every group's slots and positions")
        rc.close()


if __name__ == "__main__":
    main()
