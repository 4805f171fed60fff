#!/usr/bin/env python3
"""keyroute's offline key extraction side by side with redis-py's `CommandsParser`.

    python bench/python/bench_command.py [--commands 2000] [--passes 11] [--cpu 1]

redis-py finds a command's keys from the `COMMAND` table for fixed-position
commands, and asks the server (`COMMAND GETKEYS`, one round trip each) for
every command flagged movablekeys: SORT, EVAL/EVALSHA/FCALL, ZUNIONSTORE,
ZINTER, XREAD, XREADGROUP, MIGRATE, GEORADIUS, LMPOP, BLMPOP, SINTERCARD,
ZMPOP... Its round trips here go to a local redis-server on loopback
(tests/oracles/resp.py's RedisServer), the cheapest they can be.
keyroute answers offline, in either of the server's two modes.

Rows: fixed-position commands only, movable-keys commands only, and a mix
(one command in five movable). Before timing, both sides must find the same
keys for every command (redis-py's GETKEYS answers are the server's key
specs mode). Times are medians of --passes interleaved passes after warm-up,
in ns per command; ratio is redis-py / keyroute. The server is started
before the process pins itself to --cpu, so it runs elsewhere.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import redis
from redis._parsers.commands import CommandsParser

import keyroute
from rows import record
from bench_slot import WARMUP, summary, time_passes

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "oracles"))
from resp import RedisServer  # noqa: E402

Argv = list[str]


def templates(rng: random.Random) -> list[Callable[[], Argv]]:
    def k() -> str:
        return f"user:{{{rng.randrange(10**6)}}}:{rng.choice(['a', 'b', 'c'])}"

    return [
        # Fixed positions.
        lambda: ["GET", k()],
        lambda: ["SET", k(), "v", "EX", "10"],
        lambda: ["HSET", k(), "field", "value"],
        lambda: ["MGET", k(), k(), k(), k()],
        lambda: ["MSET", k(), "1", k(), "2"],
        lambda: ["DEL", k(), k()],
        lambda: ["ZADD", k(), "1", "member"],
        lambda: ["LPUSH", k(), "a", "b"],
        lambda: ["EXPIRE", k(), "100"],
        lambda: ["RENAME", k(), k()],
        lambda: ["OBJECT", "ENCODING", k()],
        lambda: ["MEMORY", "USAGE", k()],
        lambda: ["XINFO", "STREAM", k()],
        # Movable keys: redis-py asks the server.
        lambda: ["EVAL", "return 1", "2", k(), k(), "arg"],
        lambda: ["EVALSHA", "a" * 40, "1", k()],
        lambda: ["FCALL", "fn", "1", k(), "arg"],
        lambda: ["SORT", k(), "BY", "w_*", "LIMIT", "0", "10", "STORE", k()],
        lambda: ["ZUNIONSTORE", k(), "2", k(), k(), "WEIGHTS", "1", "2"],
        lambda: ["ZINTER", "2", k(), k()],
        lambda: ["XREAD", "COUNT", "1", "STREAMS", k(), k(), "0", "0"],
        lambda: ["XREADGROUP", "GROUP", "g", "c", "STREAMS", k(), ">"],
        lambda: ["MIGRATE", "127.0.0.1", "1", "", "0", "10", "KEYS", k(), k()],
        lambda: ["GEORADIUS", k(), "0", "0", "1", "km", "STORE", k()],
        lambda: ["LMPOP", "2", k(), k(), "LEFT"],
        lambda: ["BLMPOP", "0", "2", k(), k(), "LEFT"],
        lambda: ["SINTERCARD", "2", k(), k()],
        lambda: ["ZMPOP", "1", k(), "MIN"],
    ]


def movable(parser: CommandsParser, argv: Argv) -> bool:
    return "movablekeys" in parser.commands[argv[0].lower()]["flags"]


def corpus(parser: CommandsParser, count: int, kind: str, seed: int = 42) -> list[Argv]:
    rng = random.Random(seed)
    makers = templates(rng)
    fixed = [m for m in makers if not movable(parser, m())]
    moving = [m for m in makers if movable(parser, m())]
    out = []
    for i in range(count):
        if kind == "fixed" or (kind == "mix" and i % 5):
            out.append(fixed[i % len(fixed)]())
        else:
            out.append(moving[i % len(moving)]())
    return out


def check_identical(parser: CommandsParser, r: redis.Redis, argvs: list[Argv]) -> None:
    for argv in argvs:
        theirs = [str(k).encode() if isinstance(k, str) else k
                  for k in parser.get_keys(r, *argv) or []]
        mode = "keyspecs" if movable(parser, argv) else "routing"
        ours = keyroute.command_keys(argv, mode=mode)
        if ours != theirs:
            sys.exit(f"bench_command: {argv}: keyroute {ours}, redis-py {theirs}")


def each(fn: Callable[[Argv], object], argvs: Sequence[Argv]) -> Callable[[], object]:
    def run() -> object:
        for argv in argvs:
            fn(argv)
        return None
    return run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--commands", type=int, default=2000, help="commands per row")
    ap.add_argument("--passes", type=int, default=11)
    ap.add_argument("--cpu", type=int, default=None, help="pin the timing to this CPU")
    args = ap.parse_args()

    with RedisServer() as server:
        r = redis.Redis(host="127.0.0.1", port=server.port)
        parser = CommandsParser(r)
        rows = {kind: corpus(parser, args.commands, kind) for kind in ("fixed", "movable", "mix")}
        for argvs in rows.values():
            check_identical(parser, r, argvs)
        print(f"identical keys for all {sum(map(len, rows.values()))} commands "
              f"(redis-py's GETKEYS answers against keyroute's keyspecs mode)")
        if args.cpu is not None and hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, {args.cpu})

        def theirs(argv: Argv) -> object:
            return parser.get_keys(r, *argv)

        def ours(argv: Argv) -> object:
            return keyroute.command_keys(argv)

        def ours_specs(argv: Argv) -> object:
            return keyroute.command_keys(argv, mode="keyspecs")

        print(f"Python {sys.version.split()[0]}, keyroute {keyroute.__version__}, "
              f"redis-py {redis.__version__}; {args.commands} commands per row; median of "
              f"{args.passes} interleaved passes after {WARMUP} warm-up passes")
        header = (f"{'commands':<10}{'keyroute':<23}{'ns/cmd':>9}{'iqr':>6}   "
                  f"{'CommandsParser.get_keys':<24}{'ns/cmd':>10}{'iqr':>6}{'ratio':>9}")
        print(header)
        print("-" * len(header))
        for kind, argvs in rows.items():
            for name, fn in (("command_keys(routing)", ours), ("command_keys(keyspecs)", ours_specs)):
                our_times, their_times = time_passes([each(fn, argvs), each(theirs, argvs)],
                                                     args.passes)
                our_ns, our_iqr = summary(our_times, len(argvs))
                their_ns, their_iqr = summary(their_times, len(argvs))
                record("command", f"{kind} {name}", "CommandsParser.get_keys", their_ns, our_ns)
                print(f"{kind:<10}{name:<23}{our_ns:>9.1f}{our_iqr:>6.0%}   {'':<24}"
                      f"{their_ns:>10.1f}{their_iqr:>6.0%}{their_ns / our_ns:>8.1f}x")
        print("ratio = redis-py ns/command / keyroute ns/command (higher is better for keyroute); "
              "redis-py's movable-keys rows include its COMMAND GETKEYS round trip")
        r.close()


if __name__ == "__main__":
    main()
