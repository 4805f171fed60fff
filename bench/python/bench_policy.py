#!/usr/bin/env python3
"""What a hashing policy costs in keyroute's Python slot functions.

    python bench/python/bench_policy.py [--keys target/bench-keys.txt] [--passes 11]

Every row is timed against the same call without a policy, the fast path
that must not slow down, on the same keys in the same run (interleaved
passes, median, ns per key): the `policy=` keyword with the open-source rule,
Redis Software's standard policy, a three-rule custom policy, and the batch
forms. A keyword argument cannot be passed through `map`, so the per-key
rows with `policy=` call through a lambda, and so does their baseline. The last rows hash one long key of 4 to 64 KiB with the pathological
rule `(a+)+b(?<tag>.*)` (exponential for a backtracking engine): ns per byte
stays flat, the engine being linear. Before timing, every policy must give
the slots the core gives.
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

import keyroute
from rows import record
from bench_slot import WARMUP, summary, time_passes

OSS = keyroute.HashPolicy.oss()
STANDARD = keyroute.HashPolicy.enterprise_standard()
CUSTOM = keyroute.HashPolicy([r"user:\{?(?<tag>\d+)\}?:.*", r"(?<tag>[^:]*):.*", "(?<tag>.*)"])
PATHOLOGICAL = keyroute.HashPolicy([r"(a+)+b(?<tag>.*)", "(?<tag>.*)"])


def per_key(fn: Callable[[Any], object], keys: Sequence[Any]) -> Callable[[], object]:
    return lambda: deque(map(fn, keys), maxlen=0)


def check(keys: list[bytes]) -> None:
    plain = keyroute.key_slots(keys).tolist()
    if keyroute.key_slots(keys, policy=OSS).tolist() != plain:
        sys.exit("bench_policy: policy=oss disagrees with key_slots")
    for p in (STANDARD, CUSTOM):
        want = [keyroute.crc16(p.hash_input(k)) % keyroute.SLOT_COUNT for k in keys]
        if [keyroute.key_slot(k, policy=p) for k in keys] != want or p.key_slots(keys).tolist() != want:
            sys.exit(f"bench_policy: {p!r} disagrees with its hash_input")
    print(f"policy slots checked on all {len(keys)} keys")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", default="target/bench-keys.txt")
    ap.add_argument("--passes", type=int, default=11)
    ap.add_argument("--count", type=int, default=50000)
    args = ap.parse_args()
    with open(args.keys, encoding="ascii") as f:
        keys = [k.encode() for k in f.read().splitlines()[: args.count]]
    check(keys)
    ks = keyroute.key_slot
    direct = ("key_slot(k)", per_key(ks, keys))
    wrapped = ("lambda k: key_slot(k)", per_key(lambda k: ks(k), keys))
    batch = ("key_slots(keys)", lambda: keyroute.key_slots(keys))
    rows: list[tuple[str, Callable[[], object], tuple[str, Callable[[], object]]]] = [
        ("lambda k: key_slot(k, policy=oss)", per_key(lambda k: ks(k, policy=OSS), keys), wrapped),
        ("lambda k: key_slot(k, policy=std)",
         per_key(lambda k: ks(k, policy=STANDARD), keys), wrapped),
        ("lambda k: key_slot(k, policy=custom)",
         per_key(lambda k: ks(k, policy=CUSTOM), keys), wrapped),
        ("OSS.key_slot(k)", per_key(OSS.key_slot, keys), direct),
        ("STANDARD.key_slot(k)", per_key(STANDARD.key_slot, keys), direct),
        ("key_slots(keys, policy=oss)", lambda: keyroute.key_slots(keys, policy=OSS), batch),
        ("key_slots(keys, policy=std)", lambda: keyroute.key_slots(keys, policy=STANDARD), batch),
    ]
    print(f"Python {sys.version.split()[0]}, keyroute {keyroute.__version__}; {len(keys)} corpus "
          f"keys; median of {args.passes} interleaved passes after {WARMUP} warm-up passes")
    header = (f"{'with a policy':<38}{'ns/key':>8}{'iqr':>6}   {'without':<24}{'ns/key':>8}"
              f"{'iqr':>6}{'ratio':>8}")
    print(header)
    print("-" * len(header))
    for name, run, (base_name, base) in rows:
        ours, plain = time_passes([run, base], args.passes)
        ns, iqr = summary(ours, len(keys))
        base_ns, base_iqr = summary(plain, len(keys))
        # The incumbent here is keyroute without a policy: the ratio is
        # the policy's cost (1.00: none).
        record("policy", name, base_name, base_ns, ns)
        print(f"{name:<38}{ns:>8.1f}{iqr:>6.0%}   {base_name:<24}{base_ns:>8.1f}{base_iqr:>6.0%}"
              f"{ns / base_ns:>7.2f}x")
    print("ratio = with / without a policy (1.00x: the policy costs nothing)")
    print()
    print(f"{'pathological rule, one key of':<36}{'ns/byte':>9}{'iqr':>6}")
    for kib in (4, 16, 64):
        key = b"a" * (kib * 1024)
        (times,) = time_passes([lambda k=key: PATHOLOGICAL.key_slot(k)], args.passes)
        ns, iqr = summary(times, len(key))
        print(f"{f'{kib} KiB':<36}{ns:>9.2f}{iqr:>6.0%}")


if __name__ == "__main__":
    main()
