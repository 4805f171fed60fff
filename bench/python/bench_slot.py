#!/usr/bin/env python3
"""keyroute's Python slot functions side by side with redis-py's.

    python bench/python/bench_slot.py [--keys target/bench-keys.txt] [--passes 9]

Every row times both sides on the same keys in the same run: the median of
--passes timed passes after warm-up, in ns per key, and the ratio incumbent /
keyroute (above 1 means keyroute is faster). Before timing, both sides must
give identical slots on the whole corpus. Garbage collection is off while a
pass runs, for both sides.
"""

from __future__ import annotations

import argparse
import gc
import random
import statistics
import sys
import time
import types
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import redis
from redis._parsers.encoders import Encoder
from redis.cluster import RedisCluster
from redis.crc import key_slot as redis_key_slot

import keyroute
from rows import record

WARMUP = 2


def redis_cluster_keyslot() -> Callable[[Any], int]:
    """`RedisCluster.keyslot` as a bound method, on an object that has just the
    encoder a default RedisCluster builds, since a real RedisCluster connects
    to a cluster in its constructor."""
    holder = types.SimpleNamespace(encoder=Encoder("utf-8", "strict", False))
    return types.MethodType(RedisCluster.keyslot, holder)  # type: ignore[return-value]


def per_key(fn: Callable[[Any], int], keys: Sequence[Any]) -> Callable[[], object]:
    """One call per key; `deque(maxlen=0)` drains the map with the least
    interpreter overhead, the same for both sides."""
    return lambda: deque(map(fn, keys), maxlen=0)


def time_passes(runs: Sequence[Callable[[], object]], passes: int) -> list[list[float]]:
    """Times each of `runs` `passes` times, interleaved (ours, theirs, ours,
    ...) so that both sides see the same machine: on a shared machine a slow
    spell then lands on both instead of on one. Returns ns per pass per run."""
    for _ in range(WARMUP):
        for run in runs:
            run()
    times: list[list[float]] = [[] for _ in runs]
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(passes):
            for run, out in zip(runs, times):
                t0 = time.perf_counter_ns()
                run()
                out.append(time.perf_counter_ns() - t0)
    finally:
        if gc_was_enabled:
            gc.enable()
    return times


def summary(times: list[float], count: int) -> tuple[float, float]:
    """(median ns/key, interquartile range relative to the median)."""
    q1, med, q3 = statistics.quantiles(times, n=4, method="inclusive")
    return med / count, (q3 - q1) / med


def check_identical(bytes_keys: list[bytes], str_keys: list[str], long_keys: list[bytes]) -> None:
    """Both sides must agree on every key before any timing means anything."""
    want = [redis_key_slot(k) for k in bytes_keys]
    keyslot = redis_cluster_keyslot()
    checks = {
        "key_slot(bytes)": [keyroute.key_slot(k) for k in bytes_keys],
        "key_slots(list[bytes])": keyroute.key_slots(bytes_keys).tolist(),
        "key_slot(str)": [keyroute.key_slot(k) for k in str_keys],
        "key_slots(list[str])": keyroute.key_slots(str_keys).tolist(),
        "RedisCluster.keyslot(str)": [keyslot(k) for k in str_keys],
    }
    for name, got in checks.items():
        if got != want:
            bad = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
            sys.exit(f"bench_slot: {name} disagrees with redis.crc.key_slot "
                     f"at key {bad} ({bytes_keys[bad]!r}): {got[bad]} != {want[bad]}")
    if [keyroute.key_slot(k) for k in long_keys] != [redis_key_slot(k) for k in long_keys]:
        sys.exit("bench_slot: 1 KiB keys disagree with redis.crc.key_slot")
    print(f"identical slots on all {len(bytes_keys)} corpus keys (bytes and str) "
          f"and {len(long_keys)} 1 KiB keys")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", default="target/bench-keys.txt",
                    help="corpus from bench/corpus.py, one key per line")
    ap.add_argument("--passes", type=int, default=11, help="timed passes per side and row")
    args = ap.parse_args()
    if args.passes < 7:
        ap.error("--passes must be at least 7")

    with open(args.keys, encoding="ascii") as f:
        str_keys = f.read().splitlines()
    bytes_keys = [k.encode() for k in str_keys]
    rng = random.Random(42)
    # 1 KiB keys without braces: the whole key is hashed.
    long_keys = [bytes(rng.choice(b"abcdefghijklmnopqrstuvwxyz0123456789:")
                       for _ in range(1024)) for _ in range(2000)]
    check_identical(bytes_keys, str_keys, long_keys)

    keyslot = redis_cluster_keyslot()
    rows = [
        # (name, keyroute, incumbent name, incumbent, key count, goal)
        ("key_slot(bytes)", per_key(keyroute.key_slot, bytes_keys),
         "redis.crc.key_slot(bytes)", per_key(redis_key_slot, bytes_keys), len(bytes_keys), 5.0),
        ("key_slot(str)", per_key(keyroute.key_slot, str_keys),
         "RedisCluster.keyslot(str)", per_key(keyslot, str_keys), len(str_keys), 5.0),
        ("key_slots(list[bytes])", lambda: keyroute.key_slots(bytes_keys),
         "[key_slot(k) for k in keys]", lambda: [redis_key_slot(k) for k in bytes_keys],
         len(bytes_keys), 15.0),
        ("key_slots(list[str])", lambda: keyroute.key_slots(str_keys),
         "[keyslot(k) for k in keys]", lambda: [keyslot(k) for k in str_keys],
         len(str_keys), 15.0),
        ("key_slot(1 KiB bytes)", per_key(keyroute.key_slot, long_keys),
         "redis.crc.key_slot(1 KiB)", per_key(redis_key_slot, long_keys), len(long_keys), None),
    ]

    print(f"Python {sys.version.split()[0]}, keyroute {keyroute.__version__}, "
          f"redis-py {redis.__version__}; {len(bytes_keys)} corpus keys from {args.keys}; "
          f"median of {args.passes} interleaved passes after {WARMUP} warm-up passes")
    header = (f"{'keyroute':<24}{'ns/key':>9}{'iqr':>6}   {'redis-py':<29}{'ns/key':>9}"
              f"{'iqr':>6}{'ratio':>8}  goal")
    print(header)
    print("-" * len(header))
    missed = []
    for name, ours, inc_name, theirs, count, goal in rows:
        our_times, their_times = time_passes([ours, theirs], args.passes)
        our_ns, our_iqr = summary(our_times, count)
        their_ns, their_iqr = summary(their_times, count)
        ratio = their_ns / our_ns
        verdict = "" if goal is None else (f">={goal:g}x met" if ratio >= goal
                                             else f">={goal:g}x MISSED")
        if goal is not None and ratio < goal:
            missed.append(name)
        record("slot", name, inc_name, their_ns, our_ns)
        print(f"{name:<24}{our_ns:>9.1f}{our_iqr:>6.0%}   {inc_name:<29}{their_ns:>9.1f}"
              f"{their_iqr:>6.0%}{ratio:>7.1f}x  {verdict}")
    print("ratio = redis-py ns/key / keyroute ns/key (higher is better for keyroute)")
    if missed:
        print("goals missed (a report, not a failure): " + ", ".join(missed))


if __name__ == "__main__":
    main()
