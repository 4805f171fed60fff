#!/usr/bin/env python3
"""keyroute's client-side sharding side by side with uhashring, pymemcache and
python-memcached.

    python bench/python/bench_pool.py [--keys target/bench-keys.txt] [--passes 11]
                                      [--servers 10] [--count 20000]

Same servers on both sides (`--servers` of them, weights 1):

- per key: `Pool.node_for(key)` against uhashring's `HashRing.get_node(key)`
  (its default ring and `hash_fn='ketama'`), against pymemcache's
  `HashClient` rendezvous hasher (`hasher.get_node(key)`) and against
  python-memcached's `Client._get_server(key)` (its bucket choice, with every
  server taken as up so no connection is tried);
- batched: `Pool.indexes_for(keys)` (one `array('I')`) against a list
  comprehension of the library's `get_node`;
- ring build: `Pool(servers, scheme=...)` against the library's constructor,
  for `--servers` and for 100 servers.

Keys are the first `--count` keys of the shared corpus (str, as the Python
libraries are given them; pymemcache's rows use a tenth of them, its lookup
being a pure-Python loop over every server). Before timing, both sides must
pick the same server for every key. Times are the median of --passes
interleaved passes after warm-up; the ratio is incumbent / keyroute (above 1:
keyroute is faster). A few keyroute-only rows show the other schemes' cost.
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any

import memcache
from pymemcache.client.hash import HashClient
from uhashring import HashRing

import keyroute
from bench_slot import WARMUP, summary, time_passes

# (name, keyroute, incumbent name or None, incumbent or None, ops per run, goal)
Row = tuple[str, Callable[[], object], str | None, Callable[[], object] | None, int, float | None]


def per_key(fn: Callable[[Any], object], keys: Sequence[Any]) -> Callable[[], object]:
    return lambda: deque(map(fn, keys), maxlen=0)


def servers_of(n: int) -> list[str]:
    return [f"10.0.{i // 250}.{i % 250 + 1}:6379" for i in range(n)]


def uhashring(servers: list[str], ketama: bool) -> HashRing:
    return HashRing(nodes=servers, hash_fn="ketama") if ketama else HashRing(nodes=servers)


def pymemcache(servers: list[str]) -> HashClient:
    return HashClient([(s.rsplit(":", 1)[0], int(s.rsplit(":", 1)[1])) for s in servers],
                      use_pooling=False)


def python_memcached(servers: list[str]) -> Callable[[Any], object]:
    """python-memcached's server choice for a key (as `get` and `set` make
    it: the key encoded, then `_get_server`), every server taken as up."""
    memcache._Host.connect = lambda self: 1  # type: ignore[method-assign,assignment,return-value]
    client = memcache.Client(servers)
    get_server, encode = client._get_server, client._encode_key
    return lambda k: get_server(encode(k))[0]


def check_identical(servers: list[str], keys: list[str], few: list[str]) -> None:
    mc_route = python_memcached(servers)
    pool = keyroute.Pool(servers, scheme="python-memcached")
    # Servers of weight 1 are their own buckets, each a _Host of its address.
    want = [f"{h.ip}:{h.port}" for h in map(mc_route, keys)]  # type: ignore[attr-defined]
    if [pool.node_for(k) for k in keys] != want:
        sys.exit("bench_pool: python-memcached disagrees")
    for scheme, route, ks in (
        ("uhashring", uhashring(servers, False).get_node, keys),
        ("uhashring-ketama", uhashring(servers, True).get_node, keys),
        ("pymemcache", pymemcache(servers).hasher.get_node, few),
    ):
        pool = keyroute.Pool(servers, scheme=scheme)  # type: ignore[arg-type]
        want = [route(k) for k in ks]
        got = [pool.node_for(k) for k in ks]
        batch = [servers[i] for i in pool.indexes_for(ks)]
        if got != want or batch != want:
            bad = next(i for i, (g, w) in enumerate(zip(got, want)) if g != w)
            sys.exit(f"bench_pool: {scheme} disagrees at key {ks[bad]!r}: {got[bad]} != {want[bad]}")
    print(f"identical servers for all {len(keys)} keys (uhashring, both modes; python-memcached) "
          f"and {len(few)} keys (pymemcache), {len(servers)} servers")


def rows(servers: list[str], keys: list[str], few: list[str]) -> list[Row]:
    out: list[Row] = []
    for scheme, label in (("uhashring", "HashRing"), ("uhashring-ketama", "HashRing(ketama)")):
        pool = keyroute.Pool(servers, scheme=scheme)  # type: ignore[arg-type]
        get = uhashring(servers, scheme.endswith("ketama")).get_node
        out.append((f"{scheme} node_for", per_key(pool.node_for, keys),
                    f"{label}.get_node", per_key(get, keys), len(keys), 3.0))
        out.append((f"{scheme} indexes_for", lambda p=pool: p.indexes_for(keys),
                    f"[{label}.get_node(k)...]", lambda g=get: [g(k) for k in keys], len(keys), 3.0))
    pool = keyroute.Pool(servers, scheme="pymemcache")
    get = pymemcache(servers).hasher.get_node
    out.append(("pymemcache node_for", per_key(pool.node_for, few),
                "Rendezvous.get_node", per_key(get, few), len(few), 3.0))
    out.append(("pymemcache indexes_for", lambda: pool.indexes_for(few),
                "[Rendezvous.get_node(k)...]", lambda: [get(k) for k in few], len(few), 3.0))
    pool = keyroute.Pool(servers, scheme="python-memcached")
    mc = python_memcached(servers)
    out.append(("python-memcached node_for", per_key(pool.node_for, keys),
                "Client._get_server", per_key(mc, keys), len(keys), 3.0))
    out.append(("python-memcached indexes_for", lambda p=pool: p.indexes_for(keys),
                "[Client._get_server(k)...]", lambda g=mc: [g(k) for k in keys], len(keys), 3.0))
    for scheme in ("twemproxy-ketama", "jump", "maglev", "rendezvous", "go-redis-ring", "go-redis-ring-v5"):
        other = keyroute.Pool(servers, scheme=scheme)  # type: ignore[arg-type]
        out.append((f"{scheme} node_for", per_key(other.node_for, keys), None, None, len(keys), None))
    return out


def build_rows(n: int) -> list[Row]:
    servers = servers_of(n)
    reps = 20
    out: list[Row] = []
    for scheme, make in (("uhashring", lambda: uhashring(servers, False)),
                         ("uhashring-ketama", lambda: uhashring(servers, True)),
                         ("pymemcache", lambda: pymemcache(servers))):
        ours = lambda s=scheme: [keyroute.Pool(servers, scheme=s) for _ in range(reps)]  # noqa: E731
        theirs = lambda m=make: [m() for _ in range(reps)]  # noqa: E731
        label = {"uhashring": "HashRing(nodes)", "uhashring-ketama": "HashRing(ketama)",
                 "pymemcache": "HashClient(servers)"}[scheme]
        out.append((f"build {scheme} x{n}", ours, label, theirs, reps, None))
    for scheme in ("twemproxy-ketama", "maglev"):
        ours = lambda s=scheme: [keyroute.Pool(servers, scheme=s) for _ in range(reps)]  # noqa: E731
        out.append((f"build {scheme} x{n}", ours, None, None, reps, None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", default="target/bench-keys.txt",
                    help="corpus from bench/corpus.py, one key per line")
    ap.add_argument("--passes", type=int, default=11, help="timed passes per side and row")
    ap.add_argument("--servers", type=int, default=10)
    ap.add_argument("--count", type=int, default=20000, help="keys per lookup row")
    args = ap.parse_args()
    if args.passes < 7:
        ap.error("--passes must be at least 7")
    with open(args.keys, encoding="ascii") as f:
        keys = f.read().splitlines()[: args.count]
    few = keys[: max(100, len(keys) // 10)]
    servers = servers_of(args.servers)
    check_identical(servers, keys, few)

    print(f"Python {sys.version.split()[0]}, keyroute {keyroute.__version__}, "
          f"uhashring {version('uhashring')}, pymemcache {version('pymemcache')}, "
          f"python-memcached {version('python-memcached')}; "
          f"{len(keys)} corpus keys ({len(few)} for pymemcache); median of {args.passes} "
          f"interleaved passes after {WARMUP} warm-up passes")
    header = (f"{'keyroute':<30}{'ns/op':>10}{'iqr':>6}   {'incumbent':<33}{'ns/op':>11}"
              f"{'iqr':>6}{'ratio':>8}  goal")
    print(header)
    print("-" * len(header))
    missed = []
    for name, ours, inc_name, theirs, count, goal in (
            rows(servers, keys, few) + build_rows(args.servers) + build_rows(100)):
        runs = [ours] if theirs is None else [ours, theirs]
        times = time_passes(runs, args.passes)
        our_ns, our_iqr = summary(times[0], count)
        if theirs is None:
            print(f"{name:<30}{our_ns:>10.1f}{our_iqr:>6.0%}   {'-':<33}")
            continue
        their_ns, their_iqr = summary(times[1], count)
        ratio = their_ns / our_ns
        verdict = "" if goal is None else (f">={goal:g}x met" if ratio >= goal
                                             else f">={goal:g}x MISSED")
        if goal is not None and ratio < goal:
            missed.append(name)
        print(f"{name:<30}{our_ns:>10.1f}{our_iqr:>6.0%}   {inc_name:<33}{their_ns:>11.1f}"
              f"{their_iqr:>6.0%}{ratio:>7.1f}x  {verdict}")
    print("ns/op: per key for lookups, per pool for builds; ratio = incumbent / keyroute")
    if missed:
        print("goals missed (a report, not a failure): " + ", ".join(missed))


if __name__ == "__main__":
    main()
