#!/usr/bin/env python3
"""keyroute.redis.ShardedRedis side by side with the same work by hand and
with redis-py's RedisCluster, on real servers.

    python bench/python/bench_sharded.py [--keys target/bench-keys.txt] [--count 1000] [--passes 11] [--calls 20] [--cpu 1]

Starts 4 standalone redis-servers (the sharded side) and a real cluster of
4 primaries without replicas (tests/cluster/harness.py), both stopped on
exit, loads the same --count keys into both, then times one MGET of all of
them, in the same run:

- ShardedRedis.mget, sync and asyncio (twemproxy-ketama over the 4 servers);
- by hand: keys grouped with Pool.indexes_for, one redis-py pipeline holding
  one MGET per shard (sync: executed one after another; asyncio: gathered),
  replies put back in the caller's order;
- RedisCluster.mget_nonatomic (sync and asyncio) on the 4-primary cluster.

Every contender must return the same values before any timing. Then the
per-call cost of routing a single GET: ShardedRedis.get against redis.Redis.get
on the shard's own client, same keys. MGET times are medians over
--passes passes of the mean of --calls calls, the contenders alternating
call by call, after warm-up, in wall time and in this process's CPU time
(see time_calls); asyncio calls include one run_until_complete, the same
for every asyncio row. The servers are started
before the process pins itself to --cpu, so they answer from another CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final

import redis
import redis.asyncio
from redis.asyncio.cluster import RedisCluster as AsyncRedisCluster
from redis.cluster import RedisCluster

import keyroute
from rows import record
from bench_slot import WARMUP, summary, time_passes
from keyroute.redis import ShardedRedis
from keyroute.redis.asyncio import ShardedRedis as AsyncShardedRedis

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "cluster"))
sys.path.insert(0, str(ROOT / "bindings-python" / "tests"))
from _shard_servers import Servers  # noqa: E402
from harness import Cluster as Harness  # noqa: E402

SCHEME: Final = "twemproxy-ketama"


def by_hand(pool: keyroute.Pool, clients: list[redis.Redis]) -> Callable[[Sequence[Any]], list[Any]]:
    """MGET over shards written with redis-py alone, placement from Pool."""

    def mget(keys: Sequence[Any]) -> list[Any]:
        groups: dict[int, list[int]] = {}
        for pos, shard in enumerate(pool.indexes_for(keys)):
            groups.setdefault(shard, []).append(pos)
        out: list[Any] = [None] * len(keys)
        for shard, positions in groups.items():
            pipe = clients[shard].pipeline(transaction=False)
            pipe.mget([keys[p] for p in positions])
            (values,) = pipe.execute()
            for p, v in zip(positions, values):
                out[p] = v
        return out

    return mget


def by_hand_async(pool: keyroute.Pool, clients: list[redis.asyncio.Redis]) -> Callable[[Sequence[Any]], Any]:
    async def one(shard: int, keys: list[Any]) -> list[Any]:
        pipe = clients[shard].pipeline(transaction=False)
        pipe.mget(keys)
        (values,) = await pipe.execute()
        return list(values)

    async def mget(keys: Sequence[Any]) -> list[Any]:
        groups: dict[int, list[int]] = {}
        for pos, shard in enumerate(pool.indexes_for(keys)):
            groups.setdefault(shard, []).append(pos)
        replies = await asyncio.gather(*(one(s, [keys[p] for p in ps]) for s, ps in groups.items()))
        out: list[Any] = [None] * len(keys)
        for positions, values in zip(groups.values(), replies):
            for p, v in zip(positions, values):
                out[p] = v
        return out

    return mget


def time_calls(runs: Sequence[Callable[[], object]], passes: int, calls: int) -> tuple[list[list[float]], list[list[float]]]:
    """Times each of `runs` over `passes` passes of `calls` calls each, the
    runs alternating call by call (the order turning each call), after
    WARMUP passes. Returns (wall, cpu): per run, the mean ns per call of
    each pass. Wall time is what a caller waits, the servers' work
    included; CPU time is this process's own (time.process_time: the
    client's work, without the time the process spent preempted by others
    on a shared machine), where an adapter's overhead shows without the
    noise of the loopback."""
    wall: list[list[float]] = [[] for _ in runs]
    cpu: list[list[float]] = [[] for _ in runs]
    n = len(runs)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for p in range(WARMUP + passes):
            w = [0] * n
            c = [0] * n
            for i in range(calls):
                for k in range(n):
                    r = (k + i + p) % n
                    c0 = time.process_time_ns()
                    t0 = time.perf_counter_ns()
                    runs[r]()
                    w[r] += time.perf_counter_ns() - t0
                    c[r] += time.process_time_ns() - c0
            if p >= WARMUP:
                for r in range(n):
                    wall[r].append(w[r] / calls)
                    cpu[r].append(c[r] / calls)
    finally:
        if gc_was_enabled:
            gc.enable()
    return wall, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", default="target/bench-keys.txt")
    ap.add_argument("--count", type=int, default=1000, help="keys per MGET")
    ap.add_argument("--passes", type=int, default=11)
    ap.add_argument("--calls", type=int, default=20, help="MGETs per contender per pass")
    ap.add_argument("--cpu", type=int, default=None, help="pin the timing to this CPU")
    args = ap.parse_args()
    with open(args.keys, encoding="ascii") as f:
        keys = [k.encode() for k in f.read().splitlines()[: args.count]]
    values = {k: b"value:" + k for k in keys}

    with Servers(4) as servers, Harness(masters=4, replicas=0) as harness:
        specs = [f"127.0.0.1:{p}:1 shard{i}" for i, p in enumerate(servers.ports)]
        pool = keyroute.Pool(specs, scheme=SCHEME, hash="fnv1a_64")
        clients = [servers.client(i) for i in range(4)]
        sharded = ShardedRedis(clients, pool=pool)
        hand = by_hand(pool, clients)
        rc = RedisCluster(host="127.0.0.1", port=harness.ports[0])
        sharded.mset(values)
        rc.mset_nonatomic(values)

        loop = asyncio.new_event_loop()
        aclients = [redis.asyncio.Redis(host="127.0.0.1", port=p) for p in servers.ports]
        asharded = AsyncShardedRedis(aclients, pool=pool)
        ahand = by_hand_async(pool, aclients)
        arc = AsyncRedisCluster(host="127.0.0.1", port=harness.ports[0])
        loop.run_until_complete(arc.initialize())

        want = [values[k] for k in keys]
        rows: list[tuple[str, Callable[[], object]]] = [
            ("ShardedRedis.mget (sync)", lambda: sharded.mget(keys)),
            ("by hand: Pool + pipelines (sync)", lambda: hand(keys)),
            ("RedisCluster.mget_nonatomic (sync)", lambda: rc.mget_nonatomic(keys)),
            ("ShardedRedis.mget (asyncio)", lambda: loop.run_until_complete(asharded.mget(keys))),
            ("by hand: Pool + gather (asyncio)", lambda: loop.run_until_complete(ahand(keys))),
            ("RedisCluster.mget_nonatomic (asyncio)", lambda: loop.run_until_complete(arc.mget_nonatomic(keys))),
        ]
        for name, run in rows:
            got = run()
            if got != want:
                raise SystemExit(f"bench_sharded: {name} returned other values")
        print(f"identical replies from all {len(rows)} contenders for one MGET of {len(keys)} keys")

        # Single GETs: routing cost over the shard's own client.
        singles = keys[:2000]
        own = [clients[i] for i in pool.indexes_for(singles)]
        get_rows: list[tuple[str, Callable[[], object]]] = [
            ("ShardedRedis.get", lambda: [sharded.get(k) for k in singles]),
            ("redis.Redis.get (the shard's client)", lambda: [c.get(k) for c, k in zip(own, singles)]),
        ]
        for name, run in get_rows:
            if run() != [values[k] for k in singles]:
                raise SystemExit(f"bench_sharded: {name} returned other values")

        if args.cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {args.cpu})
        print(f"Python {sys.version.split()[0]}, keyroute {keyroute.__version__}, "
              f"redis-py {redis.__version__}; 4 standalone shards ({SCHEME}) and a "
              f"4-primary cluster; median of {args.passes} passes of {args.calls} interleaved calls after "
              f"{WARMUP} warm-up passes")
        wall, cpu = time_calls([run for _, run in rows], args.passes, args.calls)
        header = (f"{'one MGET of ' + str(len(keys)) + ' keys':<40}{'us/call':>10}{'iqr':>6}"
                  f"{'vs ShardedRedis':>17}{'CPU us':>9}{'vs ShardedRedis':>17}")
        print(header)
        print("-" * len(header))
        meds = [statistics.median(t) for t in wall]
        cpus = [statistics.median(t) for t in cpu]
        for i, (name, _) in enumerate(rows):
            at = 0 if i < 3 else 3
            _, iqr = summary(wall[i], 1)
            print(f"{name:<40}{meds[i] / 1000:>10.1f}{iqr:>6.0%}{meds[i] / meds[at]:>16.2f}x"
                  f"{cpus[i] / 1000:>9.1f}{cpus[i] / cpus[at]:>16.2f}x")
        print("(x = that row's time / ShardedRedis's in the same mode; above 1: ShardedRedis is faster;"
              " CPU: this process's CPU time per call)")
        # Each ShardedRedis row against the same work by hand and against
        # RedisCluster.mget_nonatomic, in its mode (rows 0-2 sync, 3-5
        # asyncio); and against by hand in client CPU.
        for at, mode in ((0, "sync"), (3, "asyncio")):
            for inc in (at + 1, at + 2):
                record("sharded", f"MGET {len(keys)} keys ({mode})", rows[inc][0], meds[inc], meds[at])
            record("sharded", f"MGET {len(keys)} keys ({mode}, client CPU)", rows[at + 1][0], cpus[at + 1], cpus[at])
        print()
        gtimes = time_passes([run for _, run in get_rows], args.passes)
        (ours, ours_iqr), (theirs, theirs_iqr) = (summary(t, len(singles)) for t in gtimes)
        header = f"{'single GET, ' + str(len(singles)) + ' keys':<40}{'us/call':>10}{'iqr':>6}"
        print(header)
        print("-" * len(header))
        print(f"{get_rows[0][0]:<40}{ours / 1000:>10.2f}{ours_iqr:>6.0%}")
        print(f"{get_rows[1][0]:<40}{theirs / 1000:>10.2f}{theirs_iqr:>6.0%}")
        record("sharded", "single GET", get_rows[1][0], theirs, ours)
        print(f"difference per GET: {(ours - theirs) / 1000:+.2f} us ({ours / theirs - 1:+.1%}), "
              "round trip included (noisy on a shared machine)")
        router = keyroute.ShardRouter(pool)
        argvs = [("GET", k) for k in singles]
        (route_times,) = time_passes([lambda: [router.plan(a) for a in argvs]], args.passes)
        route_ns, route_iqr = summary(route_times, len(singles))
        print(f"{'planning one GET alone (ShardRouter.plan)':<40}{route_ns / 1000:>10.2f}{route_iqr:>6.0%}")

        loop.run_until_complete(asharded.aclose())
        loop.run_until_complete(arc.aclose())
        loop.close()
        sharded.close()
        rc.close()


if __name__ == "__main__":
    main()
