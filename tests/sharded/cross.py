#!/usr/bin/env python3
"""Proves every sharded-client adapter against the real systems and against
each other, on real servers.

    cross.py [--agents a,b,...] [--schemes s,t,...] [--keys N]

Starts four standalone redis-servers and a nutcracker on free loopback ports
(stopped by PID on exit). Then, for each placement scheme in turn (the
servers flushed in between):

1. every adapter writes its own corpus through its sharded client: one split
   MSET for half of its keys, one pipeline of SETs for the rest (the agent
   programs: tests/sharded/agent.py, tests/sharded/agent.mjs,
   redis-adapter/examples/agent.rs);
2. every key is read back through the scheme's reference implementation,
   which chooses the server itself:
       twemproxy-ketama, twemproxy-modula  the real nutcracker (GET through the proxy)
       redis-rb-4   ruby-redis's Redis::Distributed (tests/sharded/read_redis_rb.rb)
       predis       php-predis's default cluster (tests/sharded/read_predis.php)
       uhashring    uhashring 2.5's HashRing.get_node, then GET on that server
       phpredis-array    phpredis's RedisArray (tests/sharded/read_phpredis.php)
       go-redis-ring-v5  go-redis v5's Ring (tests/sharded/read_go_redis_v5.go,
                         built with the Debian package into target/sharded/)
   and every key is checked to exist on exactly one server: a key the
   reference cannot read, or a key on two servers, is misplaced;
3. every adapter reads every adapter's keys (one MGET, one pipeline of GETs):
   keys written in one language are all found by the others.

Any misplaced or missing key, or any agent failure, fails the run (exit 1).
Run with the project's virtualenv after the bindings are built
(`make test` does: target test-sharded).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import warnings
from typing import Any

import redis
from uhashring import HashRing

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bindings-python", "tests"))
import _shard_servers as shard_servers  # noqa: E402

AGENTS: dict[str, tuple[list[str], str]] = {
    "python-sync": ([sys.executable, os.path.join(HERE, "agent.py")], "sync"),
    "python-asyncio": ([sys.executable, os.path.join(HERE, "agent.py")], "asyncio"),
    "node-ioredis": (["node", os.path.join(HERE, "agent.mjs")], "ioredis"),
    "node-redis": (["node", os.path.join(HERE, "agent.mjs")], "node-redis"),
    "rust-sync": ([os.path.join(ROOT, "target", "debug", "examples", "agent")], "sync"),
    "rust-async": ([os.path.join(ROOT, "target", "debug", "examples", "agent")], "async"),
}

SCHEMES = ["twemproxy-ketama", "twemproxy-modula", "redis-rb-4", "predis", "uhashring", "phpredis-array",
           "go-redis-ring-v5"]
# At most this many keys per agent for a scheme whose reader is slow: go-redis
# v5 asks every shard for COMMAND (and fails to parse it) before each command.
SCHEME_KEYS = {"go-redis-ring-v5": 200}
NUTCRACKER_POOLS = {
    "twemproxy-ketama": ("ketama", "fnv1a_64", "ketama"),
    "twemproxy-modula": ("modula", "murmur", "modula"),
}


class Servers:
    """Four redis-servers (the Python tests' own harness) and a nutcracker
    with one pool per twemproxy scheme in front of them."""

    def __init__(self) -> None:
        self.redis = shard_servers.Servers(count=4).start()
        self.ports = self.redis.ports
        self.nutcracker: list[subprocess.Popen[bytes]] = []
        try:
            self._start_nutcracker()
        except BaseException:
            self.redis.stop()
            raise
        self.direct = [redis.Redis(port=p) for p in self.ports]

    def _start_nutcracker(self) -> None:
        self.proxy: dict[str, int] = {}
        yaml = []
        for scheme, (name, hash_, dist) in NUTCRACKER_POOLS.items():
            port = shard_servers.free_port()
            self.proxy[scheme] = port
            yaml.append(f"{name}:\n  listen: 127.0.0.1:{port}\n  hash: {hash_}\n"
                        f"  distribution: {dist}\n  redis: true\n  servers:\n")
            yaml += [f"   - 127.0.0.1:{p}:1 shard{i}\n" for i, p in enumerate(self.ports)]
        conf = os.path.join(self.redis.dir, "cross-nutcracker.yml")
        log = os.path.join(self.redis.dir, "cross-nutcracker.log")
        with open(conf, "w") as f:
            f.write("".join(yaml))
        proc = subprocess.Popen(
            ["nutcracker", "-c", conf, "-o", log, "-s", str(shard_servers.free_port()),
             "-a", "127.0.0.1"], start_new_session=True)
        self.nutcracker.append(proc)
        for port in self.proxy.values():
            shard_servers.wait_ready(port, proc, "nutcracker", log)

    def stop(self) -> None:
        for c in self.direct:
            c.close()
        shard_servers.stop(self.nutcracker)
        self.redis.stop()


def spec(scheme: str, port: int, i: int) -> str:
    if scheme.startswith("twemproxy-"):
        return f"127.0.0.1:{port}:1 shard{i}"
    if scheme == "phpredis-array":  # RedisArray hosts have no alias
        return f"127.0.0.1:{port}"
    return f"127.0.0.1:{port} shard{i}"


def corpus(scheme: str, agent: str, count: int, rng: random.Random) -> list[bytes]:
    """Text keys, {tag} keys, and (where the scheme hashes bytes) binary keys."""
    keys: list[bytes] = []
    text_only = scheme == "uhashring"
    for i in range(count):
        kind = i % 5
        if kind == 0:
            k = f"{scheme}:{agent}:{i}".encode()
        elif kind == 1:
            k = f"{{{agent}:u{i % 37}}}:{scheme}:{i}".encode()
        elif kind == 2:
            k = f"ключ:{agent}:{i}:日本".encode()
        elif kind == 3 and not text_only:
            k = agent.encode() + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 24)))
        else:
            k = f"{agent}:{i}:{scheme}{{x}}{{}}".encode()
        keys.append(k)
    return list(dict.fromkeys(keys))


def run_agent(name: str, request: dict[str, Any]) -> dict[str, Any]:
    argv, client = AGENTS[name]
    request = dict(request, client=client)
    out = subprocess.run(argv, input=json.dumps(request).encode(), capture_output=True,
                         timeout=300)
    if out.returncode != 0:
        raise SystemExit(f"cross.py: agent {name} failed ({request['op']}, "
                         f"{request['scheme']}):\n{out.stderr.decode(errors='replace')}")
    reply: dict[str, Any] = json.loads(out.stdout)
    return reply


def reference_read(servers: Servers, scheme: str, keys: list[bytes]) -> list[bytes | None]:
    if scheme in NUTCRACKER_POOLS:
        # No handshake: nutcracker closes connections that send HELLO or
        # CLIENT SETINFO (lib_name/lib_version None: redis-py 8.1 warns that
        # the names will change).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            nc = redis.Redis(port=servers.proxy[scheme], protocol=2, lib_name=None,
                             lib_version=None)
        try:
            out: list[bytes | None] = []
            for i in range(0, len(keys), 200):
                pipe = nc.pipeline(transaction=False)
                for k in keys[i:i + 200]:
                    pipe.get(k)
                out += pipe.execute()
            return out
        finally:
            nc.close()
    infos = [{"host": "127.0.0.1", "port": p, "alias": f"shard{i}"}
             for i, p in enumerate(servers.ports)]
    if scheme in ("redis-rb-4", "predis"):
        script = {"redis-rb-4": ["ruby", os.path.join(HERE, "read_redis_rb.rb")],
                  "predis": ["php", os.path.join(HERE, "read_predis.php")]}[scheme]
        res = subprocess.run(script, input=json.dumps(
            {"servers": infos, "keys": [k.hex() for k in keys]}).encode(),
            capture_output=True, check=True, timeout=300)
        return [None if v is None else bytes.fromhex(v) for v in json.loads(res.stdout)["values"]]
    if scheme == "uhashring":
        ring = HashRing(nodes=[f"shard{i}" for i in range(len(servers.ports))])
        return [servers.direct[int(str(ring.get_node(k.decode()))[5:])].get(k) for k in keys]
    if scheme == "phpredis-array":
        hosts = [spec(scheme, p, i) for i, p in enumerate(servers.ports)]
        reply = run_reader(["php", os.path.join(HERE, "read_phpredis.php")], {"hosts": hosts, "keys": keys})
        if reply["no_host"]:
            # keyroute refuses these keys (NoServerForKey), so no agent could
            # have written them: the corpus must not hold one.
            raise SystemExit(f"cross.py: phpredis has no host for {len(reply['no_host'])} corpus key(s), "
                             f"first {keys[reply['no_host'][0]]!r}")
        return [None if v is None else bytes.fromhex(v) for v in reply["values"]]
    if scheme == "go-redis-ring-v5":
        reply = run_reader([go_reader()], {"servers": infos, "keys": keys})
        if reply["shards_up"] != len(infos):
            raise SystemExit(f"cross.py: go-redis v5 Ring has {reply['shards_up']} of {len(infos)} shards up")
        return [None if v is None else bytes.fromhex(v) for v in reply["values"]]
    raise SystemExit(f"cross.py: no reference for {scheme}")


def run_reader(argv: list[str], request: dict[str, Any]) -> dict[str, Any]:
    """Runs a reference reader on {..., "keys": [hex]}; its JSON reply."""
    request = dict(request, keys=[k.hex() for k in request["keys"]])
    res = subprocess.run(argv, input=json.dumps(request).encode(), capture_output=True, timeout=300)
    if res.returncode != 0:
        raise SystemExit(f"cross.py: reader {os.path.basename(argv[-1])} failed:\n"
                         f"{res.stderr.decode(errors='replace')}")
    reply: dict[str, Any] = json.loads(res.stdout)
    return reply


def go_reader() -> str:
    """read_go_redis_v5.go built against Debian's gopkg.in/redis.v5 (GOPATH
    mode, no network), once per worktree (the build cache is kept)."""
    out_dir = os.path.join(ROOT, "target", "sharded")
    exe = os.path.join(out_dir, "read_go_redis_v5")
    env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode",
               GOCACHE=os.path.join(out_dir, "go-cache"), GOFLAGS="")
    subprocess.run(["go", "build", "-o", exe, os.path.join(HERE, "read_go_redis_v5.go")],
                   check=True, env=env)
    return exe


def copies(servers: Servers, keys: list[bytes]) -> list[int]:
    """On how many servers each key exists."""
    counts = [0] * len(keys)
    for c in servers.direct:
        pipe = c.pipeline(transaction=False)
        for k in keys:
            pipe.exists(k)
        for i, n in enumerate(pipe.execute()):
            counts[i] += int(n)
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--agents", default=",".join(AGENTS))
    ap.add_argument("--schemes", default=",".join(SCHEMES))
    ap.add_argument("--keys", type=int, default=600, help="keys per agent and scheme (at most SCHEME_KEYS[scheme])")
    args = ap.parse_args()
    agents = args.agents.split(",")
    for a in agents:
        if a not in AGENTS:
            ap.error(f"unknown agent {a}; known: {', '.join(AGENTS)}")
    schemes = args.schemes.split(",")
    rng = random.Random(20261122)
    servers = Servers()
    failures = 0
    try:
        for scheme in schemes:
            for c in servers.direct:
                c.flushall()
            base = {
                "scheme": scheme,
                "options": {"hash": NUTCRACKER_POOLS[scheme][1]} if scheme in NUTCRACKER_POOLS else {},
                "servers": [{"spec": spec(scheme, p, i), "host": "127.0.0.1", "port": p}
                            for i, p in enumerate(servers.ports)],
            }
            written: dict[str, tuple[list[bytes], list[bytes]]] = {}
            for agent in agents:
                keys = corpus(scheme, agent, min(args.keys, SCHEME_KEYS.get(scheme, args.keys)), rng)
                values = [f"{agent}:{i}:".encode() + bytes([rng.randrange(256)]) for i in range(len(keys))]
                run_agent(agent, dict(base, op="write", keys=[k.hex() for k in keys],
                                      values=[v.hex() for v in values]))
                written[agent] = (keys, values)
            all_keys = [k for ks, _ in written.values() for k in ks]
            all_values = [v for _, vs in written.values() for v in vs]
            ref = reference_read(servers, scheme, all_keys)
            n_copies = copies(servers, all_keys)
            per_server = [c.dbsize() for c in servers.direct]
            for agent, (keys, values) in written.items():
                start = all_keys.index(keys[0])
                bad = [k for j, k in enumerate(keys)
                       if ref[start + j] != values[j] or n_copies[start + j] != 1]
                status = "ok" if not bad else f"FAIL, first: {bad[0]!r}"
                print(f"  {scheme:17} written by {agent:15} {len(keys):5} keys, "
                      f"misplaced {len(bad)}: {status}")
                failures += bool(bad)
            if min(per_server) == 0:
                print(f"  {scheme}: a server holds no key ({per_server})")
                failures += 1
            for reader in agents:
                got = run_agent(reader, dict(base, op="read", keys=[k.hex() for k in all_keys]))
                want = [v.hex() for v in all_values]
                lost = sum(a != b for a, b in zip(got["mget"], want)) + abs(len(got["mget"]) - len(want))
                lost_p = sum(a != b for a, b in zip(got["pipeline"], want)) + abs(len(got["pipeline"]) - len(want))
                status = "ok" if lost == lost_p == 0 else "FAIL"
                print(f"  {scheme:17} read by    {reader:15} {len(all_keys):5} keys of "
                      f"{len(agents)} writers: MGET missed {lost}, pipeline missed {lost_p}: {status}")
                failures += status != "ok"
    finally:
        servers.stop()
    if failures:
        print(f"cross.py: {failures} failure(s)")
        return 1
    print(f"cross.py: {len(agents)} adapters x {len(schemes)} schemes: "
          "0 misplaced keys, every key found by every adapter")
    return 0


if __name__ == "__main__":
    sys.exit(main())
