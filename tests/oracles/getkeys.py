#!/usr/bin/env python3
"""Asks a real redis-server `COMMAND GETKEYSANDFLAGS` for an argv corpus and
writes or checks tests/vectors/getkeys.json.

    getkeys.py --write    ask for every argv and rewrite the vectors
    getkeys.py --check    fail if the committed vectors differ from a fresh
                          corpus, or if the server answers a sample differently

The corpus has argv lists synthesized for every command and subcommand
that has keys (shortest form, longer forms, forms with counts), many hand-written
argv lists for the commands whose keys need parsing (SORT, EVAL, ZUNIONSTORE,
XREAD, MIGRATE, GEORADIUS...) and malformed ones (bad counts, NUL bytes,
odd lists). Each vector holds the server's answer: the keys with their flags,
or the error text. Arguments are hex; keys are unique within an argv where
the corpus can make them so.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp import RedisServer, ReplyError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "tests", "vectors", "getkeys.json")


def b(*args) -> list[bytes]:
    return [a if isinstance(a, bytes) else str(a).encode() for a in args]


def hand_written() -> list[list[bytes]]:
    out: list[list[bytes]] = []
    add = lambda *a: out.append(b(*a))  # noqa: E731
    # SORT and SORT_RO
    add("SORT", "src")
    add("SORT", "src", "BY", "w_*", "GET", "o_*", "LIMIT", "0", "10", "STORE", "dst")
    add("sort", "src", "store", "d1", "store", "d2")
    add("SORT", "src", "STORE")
    add("SORT", "src", "LIMIT", "STORE", "dst")
    add("SORT", "src", "GET", "STORE", "dst")
    add("SORT", "src", "BY", "nosort", "STORE", "d1", "ALPHA", "DESC")
    add("SORT", "src", "STORE", "limit", "x", "y")
    add("SORT", b"src", b"STORE\x00junk", b"dst")
    add("SORT_RO", "src", "BY", "w_*", "GET", "#", "STORE", "dst")
    # Scripts and functions
    add("EVAL", "return 1", "0")
    add("EVAL", "return 1", "2", "k1", "k2", "a1")
    add("EVAL", "return 1", "3", "k1", "k2")
    add("EVAL", "return 1", "-1", "k1")
    add("EVAL", "return 1", "abc", "k1")
    add("EVAL", "return 1", "2abc", "k1", "k2")
    add("EVAL", "return 1", " 2", "k1", "k2")
    add("EVAL", "return 1", "+1", "k1")
    add("EVAL", "return 1", "01", "k1")
    add("EVAL", "return 1", "4294967297", "k1")
    add("EVAL", "return 1", b"1\x009", b"k1", b"k2")
    add("EVALSHA", "a" * 40, "1", "k1")
    add("EVAL_RO", "return 1", "1", "k1", "arg")
    add("EVALSHA_RO", "a" * 40, "2", "k1", "k2")
    add("FCALL", "f", "2", "k1", "k2", "arg")
    add("FCALL", "f", "0")
    add("FCALL_RO", "f", "1", "k1")
    # numkeys family
    add("ZUNIONSTORE", "dst", "2", "k1", "k2")
    add("ZUNIONSTORE", "dst", "2", "k1", "k2", "WEIGHTS", "1", "2")
    add("ZUNIONSTORE", "dst", "3", "k1", "k2")
    add("ZUNIONSTORE", "dst", "0", "k1")
    add("ZINTERSTORE", "dst", "1", "k1")
    add("ZDIFFSTORE", "dst", "2", "k1", "k2")
    add("ZUNION", "2", "k1", "k2", "WITHSCORES")
    add("ZINTER", "1", "k1")
    add("ZDIFF", "2", "k1", "k2")
    add("ZINTERCARD", "2", "k1", "k2", "LIMIT", "1")
    add("ZINTERCARD", "-2", "k1", "k2")
    add("SINTERCARD", "2", "k1", "k2")
    add("SINTERCARD", "5", "k1", "k2")
    add("LMPOP", "2", "k1", "k2", "LEFT")
    add("LMPOP", "1", "k1", "RIGHT", "COUNT", "2")
    add("BLMPOP", "0", "2", "k1", "k2", "LEFT")
    add("ZMPOP", "1", "k1", "MIN")
    add("BZMPOP", "1.5", "2", "k1", "k2", "MAX")
    add("BZMPOP", "1", "x", "k1", "MAX")
    # Streams
    add("XREAD", "STREAMS", "s1", "0")
    add("XREAD", "COUNT", "2", "BLOCK", "0", "STREAMS", "s1", "s2", "0", "0")
    add("XREAD", "STREAMS", "s1", "s2", "0")
    add("XREAD", "STREAMS", "s1", "s2", "s3", "0", "0", "0")
    add("XREAD", "STREAMS")
    add("XREAD", "FOO", "STREAMS", "s1", "0")
    add("XREAD", "streams", "s1", "STREAMS", "0")
    add("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "0")
    add("XREADGROUP", "GROUP", "g", "c", "NOACK", "COUNT", "1", "STREAMS", "s1", "s2", ">", ">")
    add("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s1", "s2", ">")
    add("XREADGROUP", "GROUP", "STREAMS", "c", "STREAMS", "s1", ">")
    add("XREAD", b"STREAMS\x00", b"s1", b"0")
    # MIGRATE
    add("MIGRATE", "127.0.0.1", "6379", "k1", "0", "100")
    add("MIGRATE", "127.0.0.1", "6379", "", "0", "100", "KEYS", "k1", "k2")
    add("MIGRATE", "127.0.0.1", "6379", "", "0", "100", "COPY", "REPLACE", "KEYS", "k1")
    add("MIGRATE", "127.0.0.1", "6379", "", "0", "100", "AUTH", "keys", "KEYS", "k1")
    add("MIGRATE", "127.0.0.1", "6379", "", "0", "100", "AUTH2", "u", "keys", "KEYS", "k1", "k2")
    add("MIGRATE", "127.0.0.1", "6379", "k0", "0", "100", "KEYS", "k1", "k2")
    add("MIGRATE", "127.0.0.1", "6379", "", "0", "100")
    add("MIGRATE", "127.0.0.1", "6379", "", "0", "100", "KEYS")
    # GEORADIUS
    add("GEORADIUS", "g", "0", "0", "10", "km")
    add("GEORADIUS", "g", "0", "0", "10", "km", "STORE", "d1")
    add("GEORADIUS", "g", "0", "0", "10", "km", "STOREDIST", "d2")
    add("GEORADIUS", "g", "0", "0", "10", "km", "STORE", "d1", "STOREDIST", "d2")
    add("GEORADIUS", "g", "0", "0", "10", "km", "STOREDIST", "d2", "STORE", "d1")
    add("GEORADIUS", "g", "0", "0", "10", "km", "STORE")
    add("GEORADIUSBYMEMBER", "g", "m", "10", "km", "STORE", "d1", "COUNT", "3")
    add("GEORADIUSBYMEMBER", "g", "m", "10", "km", "STORE", "d1", "STOREDIST", "d2")
    add("GEORADIUS_RO", "g", "0", "0", "10", "km")
    add("GEOSEARCHSTORE", "dst", "src", "FROMMEMBER", "m", "BYRADIUS", "1", "km")
    # MSET family and other multi-key commands
    add("MSET", "k1", "v1", "k2", "v2")
    add("MSET", "k1", "v1", "k2")
    add("MSETNX", "k1", "v1", "k2", "v2")
    add("MGET", "k1", "k2", "k3")
    add("DEL", "k1", "k2")
    add("EXISTS", "k1", "k2", "k3")
    add("UNLINK", "k1")
    add("TOUCH", "k1", "k2")
    add("BITOP", "AND", "dst", "k1", "k2")
    add("BITOP", "NOT", "dst", "k1")
    add("LCS", "k1", "k2", "LEN")
    add("COPY", "k1", "k2", "DB", "0", "REPLACE")
    add("RENAME", "k1", "k2")
    add("RENAMENX", "k1", "k2")
    add("SMOVE", "k1", "k2", "m")
    add("LMOVE", "k1", "k2", "LEFT", "RIGHT")
    add("BLMOVE", "k1", "k2", "LEFT", "RIGHT", "0")
    add("RPOPLPUSH", "k1", "k2")
    add("SINTERSTORE", "dst", "k1", "k2")
    add("SUNION", "k1", "k2", "k3")
    add("PFMERGE", "dst", "k1", "k2")
    add("PFCOUNT", "k1", "k2")
    add("BLPOP", "k1", "k2", "0")
    add("BZPOPMIN", "k1", "k2", "0.5")
    add("WATCH", "k1", "k2")
    add("OBJECT", "ENCODING", "k1")
    add("object", "freq", "k1")
    add("OBJECT", "HELP")
    add("MEMORY", "USAGE", "k1", "SAMPLES", "5")
    add("XINFO", "STREAM", "s1", "FULL")
    add("XINFO", "GROUPS", "s1")
    add("XINFO", "CONSUMERS", "s1", "g")
    add("XGROUP", "CREATE", "s1", "g", "$", "MKSTREAM")
    add("XGROUP", "DESTROY", "s1", "g")
    add("XGROUP", "SETID", "s1", "g", "0")
    add("XGROUP", "CREATECONSUMER", "s1", "g", "c")
    add("XGROUP", "DELCONSUMER", "s1", "g", "c")
    # SET and BITFIELD (variable flags)
    add("SET", "k1", "v")
    add("SET", "k1", "v", "GET")
    add("SET", "k1", "v", "EX", "10", "get")
    add("SET", "k1", b"v", b"GET\x00x")
    add("SET", "k1", "v", "GETX")
    add("BITFIELD", "k1", "GET", "u8", "0")
    add("BITFIELD", "k1", "GET", "u8", "0", "SET", "u8", "0", "1")
    add("BITFIELD", "k1", "OVERFLOW", "SAT", "GET", "u8", "0")
    add("BITFIELD", "k1", "INCRBY", "u8", "0", "1")
    add("BITFIELD", "k1", "GET", "u8")
    add("BITFIELD", "k1")
    add("BITFIELD_RO", "k1", "GET", "u8", "0")
    # Sharded Pub/Sub channels are not keys for GETKEYS
    add("SPUBLISH", "ch", "msg")
    add("SSUBSCRIBE", "c1", "c2")
    add("PUBLISH", "ch", "msg")
    # Errors before key extraction
    add("GET")
    add("GET", "k1", "extra")
    add("NOSUCHCOMMAND", "k1")
    add("OBJECT", "NOSUCHSUB", "k1")
    add("OBJECT")
    add("PING")
    add("DBSIZE")
    add("gEt", "k1")
    return out


def synthesized(table: list) -> list[list[bytes]]:
    """For every command and subcommand with keys: argv lists of several
    lengths, with distinct arguments, and with counts where a count may be read."""
    out = []
    for entry in sorted(table, key=lambda c: c["name"]):
        for c in [entry] + sorted(entry["subcommands"], key=lambda c: c["name"]):
            if not c["key_specs"] and c["name"] not in ("sort", "migrate"):
                continue
            words = c["name"].split("|")
            arity = c["arity"]
            base = arity if arity > 0 else -arity
            lengths = [base] if arity > 0 else [base, base + 1, base + 3]
            for n in lengths:
                rest = n - len(words)
                if rest < 0:
                    continue
                plain = [f"k{i}" for i in range(1, rest + 1)]
                out.append(b(*words, *plain))
                if arity < 0 and rest >= 2:
                    # The same, with a count in each early position.
                    for at in range(min(rest, 3)):
                        args = list(plain)
                        args[at] = str(max(1, rest - at - 1))
                        out.append(b(*words, *args))
    return out


def fuzzed(seed: int = 11, count: int = 300) -> list[list[bytes]]:
    """Random argv lists over the movable-keys commands with keyword soup."""
    rng = random.Random(seed)
    names = ["SORT", "SORT_RO", "MIGRATE", "GEORADIUS", "GEORADIUSBYMEMBER", "XREAD", "XREADGROUP",
             "EVAL", "FCALL", "ZUNIONSTORE", "ZINTER", "LMPOP", "BLMPOP", "ZMPOP", "SINTERCARD", "SET", "BITFIELD"]
    soup = ["STORE", "storedist", "BY", "GET", "LIMIT", "KEYS", "AUTH", "AUTH2", "COPY", "STREAMS", "GROUP",
            "BLOCK", "COUNT", "NOACK", "SET", "INCRBY", "OVERFLOW", "0", "1", "2", "3", "-1", "x", ""]
    out = []
    for i in range(count):
        argv = [rng.choice(names)]
        for j in range(rng.randrange(1, 11)):
            argv.append(rng.choice(soup) if rng.random() < 0.6 else f"a{i}_{j}")
        out.append(b(*argv))
    return out


def ask(corpus: list[list[bytes]]) -> tuple[list[dict], str]:
    with RedisServer() as srv, srv.connect() as c:
        table = c.call("COMMAND")
        info = c.call("INFO", "server")
        replies = c.pipeline([[b"COMMAND", b"GETKEYSANDFLAGS", *argv] for argv in corpus], batch=200)
    version = next(l.split(b":", 1)[1].decode() for l in info.split(b"\r\n") if l.startswith(b"redis_version:"))
    answers = []
    for r in replies:
        if isinstance(r, ReplyError):
            answers.append({"error": str(r)})
        else:
            answers.append({"keys": [[k.hex(), [f.decode() if isinstance(f, bytes) else f for f in flags]] for k, flags in r]})
    return answers, version


def table_json() -> list:
    """The server's own command list, to synthesize from."""
    from commands import ask_server  # the table generator's reader
    cmds, _ = ask_server()
    return cmds


def corpus() -> list[list[bytes]]:
    seen, out = set(), []
    for argv in hand_written() + synthesized(table_json()) + fuzzed():
        t = tuple(argv)
        if t not in seen:
            seen.add(t)
            out.append(argv)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    ap.add_argument("--sample", type=int, default=300)
    args = ap.parse_args()
    argvs = corpus()
    if args.write:
        answers, version = ask(argvs)
        doc = {
            "description": "COMMAND GETKEYSANDFLAGS answers of a real redis-server for an argv corpus "
                           "(arguments hex). `keys` lists [key hex, flags]; `error` is the error reply. "
                           "Written by tests/oracles/getkeys.py.",
            "source": {"system": "redis-server", "version": version, "command": "COMMAND GETKEYSANDFLAGS"},
            "cases": [dict(argv=[a.hex() for a in argv], **ans) for argv, ans in zip(argvs, answers)],
        }
        with open(VECTORS, "w", encoding="ascii") as f:
            json.dump(doc, f, indent=0, separators=(",", ":"))
            f.write("\n")
        errors = sum("error" in a for a in answers)
        print(f"wrote {len(argvs)} argv cases ({errors} errors) to tests/vectors/getkeys.json from redis-server {version}")
        return 0
    with open(VECTORS, encoding="ascii") as f:
        committed = json.load(f)["cases"]
    if [c["argv"] for c in committed] != [[a.hex() for a in argv] for argv in argvs]:
        print("tests/vectors/getkeys.json no longer matches the corpus in tests/oracles/getkeys.py; run `make vectors`")
        return 1
    rng = random.Random()
    picked = sorted(rng.sample(range(len(committed)), min(args.sample, len(committed))))
    answers, version = ask([[bytes.fromhex(a) for a in committed[i]["argv"]] for i in picked])
    stale = [committed[i]["argv"] for i, a in zip(picked, answers) if {k: v for k, v in committed[i].items() if k != "argv"} != a]
    if stale:
        print(f"getkeys vectors are stale ({len(stale)} of {len(picked)} sampled differ), e.g. "
              + " ".join(bytes.fromhex(x).decode(errors='replace') for x in stale[0]))
        return 1
    print(f"getkeys vectors: {len(picked)} of {len(committed)} argv cases re-asked from redis-server {version}: all agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
