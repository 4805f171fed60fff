#!/usr/bin/env python3
"""Asks the real twemproxy (Debian's nutcracker 0.5.0) where it puts each key,
and writes or checks tests/vectors/partition/twemproxy.json.

    nutcracker.py --write    every pool below, every key; rewrites the vectors
    nutcracker.py --check    fails if the committed vectors differ from a fresh
                             corpus, or if nutcracker now answers a random
                             sample of pools differently (about 20 seconds)

Every hash (12) x {ketama, modula} x server lists of 3 (ports 26379 and
11211, and unix sockets), 5 (weights 1,2,3,1,5), 25, 50 and 100 servers x
with and without aliases x with and without hash_tag "{}" (and "$$" for 3
servers). Each backend is a real redis-server on its own loopback address
(127.0.0.2 ... 127.0.0.101, port 26379), so server names do not depend on
free ports and the vectors are reproducible. A key's answer is the backend
that holds it after a SET through the proxy (found with KEYS * on every
backend, then FLUSHALL), as the server's position in the pool's list.

Also: ten pools with auto_eject_hosts whose chosen servers are stopped, so
nutcracker ejects them and rebuilds its continuum (twemproxy-ejected.json),
and 39 configurations judged by `nutcracker -t` (nutcracker-configs.json).

Requires: nutcracker and redis-server (scripts/setup.sh installs both).
Runs are serialised with a lock file, since the addresses are fixed.
"""
from __future__ import annotations

import argparse
import fcntl
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from partition_keys import base_keys, bulk_keys, point_hit_keys  # noqa: E402
from partition_keys import dump_vectors  # noqa: E402
from resp import Connection, ReplyError  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VECTORS = os.path.join(ROOT, "tests", "vectors", "partition", "twemproxy.json")
CONFIGS = os.path.join(ROOT, "tests", "vectors", "partition", "nutcracker-configs.json")
EJECTED = os.path.join(ROOT, "tests", "vectors", "partition", "twemproxy-ejected.json")
PORT = 26379
SOCK_DIR = "/tmp/keyroute-nutcracker-oracle"
HASHES = ["one_at_a_time", "md5", "crc16", "crc32", "crc32a", "fnv1_64", "fnv1a_64",
          "fnv1_32", "fnv1a_32", "hsieh", "murmur", "jenkins"]
DISTS = ["ketama", "modula"]


def aliases(n: int, seed: str) -> list[str]:
    """Distinct alias names of varied lengths, so twemproxy's length-first
    sort reorders them."""
    rng = random.Random(seed)
    out: list[str] = []
    while len(out) < n:
        name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789_-.")
                       for _ in range(rng.randrange(1, 13)))
        if name not in out and name[0].isalpha():
            out.append(name)
    return out


def server_lists() -> dict[str, list[tuple[str, int]]]:
    """Name -> [(address as nutcracker reads it, weight)]."""
    ip = lambda i: f"127.0.0.{i + 2}"  # noqa: E731
    lists = {
        "3": [(f"{ip(i)}:{PORT}", 1) for i in range(3)],
        "3-11211": [(f"{ip(i)}:11211", 1) for i in range(3)],
        "3-unix": [(f"{SOCK_DIR}/s{i}.sock", 1) for i in range(3)],
        "5w": [(f"{ip(i)}:{PORT}", w) for i, w in enumerate([1, 2, 3, 1, 5])],
    }
    for n in (25, 50, 100):
        lists[str(n)] = [(f"{ip(i)}:{PORT}", 1) for i in range(n)]
    return lists


def pools() -> list[dict]:
    out = []
    for lname, servers in server_lists().items():
        for named in (False, True):
            names = aliases(len(servers), lname) if named else [None] * len(servers)
            lines = [f"{a}:{w}" + (f" {n}" if n else "") for (a, w), n in zip(servers, names)]
            for tag in ([None, "{}", "$$"] if lname == "3" else [None, "{}"]):
                for h in HASHES:
                    for d in DISTS:
                        name = f"{lname}/{'alias' if named else 'addr'}/{tag or 'notag'}/{h}/{d}"
                        out.append({"name": name, "list": lname, "servers": lines, "hash": h,
                                    "distribution": d, "hash_tag": tag,
                                    "bulk": lname in ("25", "50", "100")})
    return out


def ejection_pools() -> list[dict]:
    """Pools with auto_eject_hosts whose `dead` servers are stopped before the
    keys are sent: nutcracker ejects them and rebuilds its continuum."""
    lists = server_lists()
    lists["26"] = [(f"127.0.0.{i + 2}:{PORT}", 1) for i in range(26)]
    out = []
    for lname, dist, h, dead in [
        ("5w", "ketama", "fnv1a_64", [1]), ("5w", "ketama", "md5", [0, 3]),
        ("5w", "modula", "fnv1a_64", [4]), ("5w", "modula", "crc32a", [1, 2]),
        ("3", "ketama", "md5", [2]), ("3", "modula", "one_at_a_time", [0]),
        ("25", "ketama", "fnv1a_64", [5]), ("25", "modula", "murmur", [24]),
        # 26 -> 25 live servers: every server drops from 160 to 156 points.
        ("26", "ketama", "fnv1a_64", [25]), ("26", "ketama", "md5", [0]),
    ]:
        lines = [f"{a}:{w}" for a, w in lists[lname]]
        out.append({"name": f"{lname}/{h}/{dist}/dead-{'-'.join(map(str, dead))}", "list": lname,
                    "servers": lines, "hash": h, "distribution": dist, "hash_tag": None,
                    "bulk": len(lines) >= 25, "dead": dead, "eject": True})
    return out


def corpus() -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    lists = server_lists()
    hit_names = [a for a, _ in lists["3"]] + aliases(3, "3")
    return base_keys() + point_hit_keys(hit_names), bulk_keys()


def yaml_for(pool: dict, listen: str) -> str:
    lines = [f"{pool['name'].replace('/', '_').replace('{}', 'braces').replace('$$', 'dollars')}:",
             f"  listen: {listen}", f"  hash: {pool['hash']}", f"  distribution: {pool['distribution']}"]
    if pool["hash_tag"]:
        lines.append(f"  hash_tag: \"{pool['hash_tag']}\"")
    if pool.get("eject"):
        lines += ["  redis: true", "  auto_eject_hosts: true", "  server_failure_limit: 1",
                  "  server_retry_timeout: 600000", "  servers:"]
    else:
        lines += ["  redis: true", "  auto_eject_hosts: false", "  servers:"]
    lines += [f"   - {s}" for s in pool["servers"]]
    return "\n".join(lines) + "\n"


class Backend:
    """One redis-server on a fixed loopback address or unix socket."""

    def __init__(self, addr: str, workdir: str) -> None:
        self.addr = addr
        self.dir = tempfile.mkdtemp(prefix="b", dir=workdir)
        if addr.startswith("/"):
            where = ["--port", "0", "--unixsocket", addr, "--unixsocketperm", "700"]
        else:
            host, port = addr.rsplit(":", 1)
            where = ["--bind", host, "--port", port]
        self.proc = subprocess.Popen(
            ["redis-server", *where, "--dir", self.dir, "--save", "", "--appendonly", "no",
             "--daemonize", "no", "--logfile", os.path.join(self.dir, "log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.conn: Connection | None = None

    def connect(self) -> Connection:
        if self.conn is None:
            deadline = time.monotonic() + 15
            while True:
                try:
                    if self.addr.startswith("/"):
                        import socket
                        c = Connection.__new__(Connection)
                        c.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                        c.sock.connect(self.addr)
                        c.buf = bytearray()
                    else:
                        host, port = self.addr.rsplit(":", 1)
                        c = Connection(host, int(port))
                    c.call("PING")
                    self.conn = c
                    break
                except (OSError, ReplyError):
                    if self.proc.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"redis-server on {self.addr} did not start "
                                           f"(address in use?); see {self.dir}/log")
                    time.sleep(0.05)
        return self.conn

    def stop(self) -> None:
        if self.conn:
            self.conn.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


class Nutcracker:
    def __init__(self, conf: str, workdir: str, stats_port: int) -> None:
        path = os.path.join(workdir, f"nc-{time.monotonic_ns()}.yml")
        with open(path, "w") as f:
            f.write(conf)
        self.log = path + ".log"
        self.proc = subprocess.Popen(
            ["nutcracker", "-c", path, "-o", self.log, "-s", str(stats_port), "-a", "127.0.0.1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def connect(self, port: int) -> Connection:
        deadline = time.monotonic() + 10
        while True:
            try:
                return Connection("127.0.0.1", port)
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    tail = open(self.log, errors="replace").read()[-1500:] if os.path.exists(self.log) else ""
                    raise RuntimeError(f"nutcracker did not listen on {port}:\n{tail}")
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def config_cases() -> list[tuple[str, str]]:
    """Configurations, good and bad, for `nutcracker -t` to judge: the YAML
    subset keyroute's reader must accept and refuse exactly as nutcracker."""
    head = "p:\n  listen: 127.0.0.1:22121\n"
    srv = "  servers:\n   - 127.0.0.1:6379:1\n"
    cases = [
        ("minimal", head + srv),
        ("every-directive", head + "  hash: md5\n  hash_tag: \"{}\"\n  distribution: modula\n  timeout: 400\n"
         "  backlog: 1024\n  client_connections: 100\n  redis: true\n  tcpkeepalive: true\n"
         "  redis_auth: secret\n  redis_db: 0\n  preconnect: false\n  auto_eject_hosts: true\n"
         "  server_connections: 1\n  server_retry_timeout: 2000\n  server_failure_limit: 1\n" + srv),
        ("comments-blank-lines", "# top\n\np: # pool\n  listen: 127.0.0.1:22121 # here\n\n  servers: # list\n"
         "   - 127.0.0.1:6379:1 # one\n   # nothing\n   - 127.0.0.1:6380:1\n"),
        ("bad/document-start", "---\n" + head + srv),
        ("bad/document-end", head + srv + "...\n"),
        ("quoted-scalars", "'p':\n  \"listen\": '127.0.0.1:22121'\n  hash: \"md5\"\n  servers:\n"
         "   - '127.0.0.1:6379:1 it''s'\n   - \"127.0.0.1:6380:1 q\\\"x\"\n"),
        ("sequence-at-key-indent", head + "  servers:\n  - 127.0.0.1:6379:1\n  - 127.0.0.1:6380:1\n"),
        ("deep-indent", "p:\n      listen: 127.0.0.1:22121\n      servers:\n              - 127.0.0.1:6379:1\n"),
        ("two-pools", head + srv + "q:\n  listen: 127.0.0.1:22122\n" + srv),
        ("unix-socket", head + "  servers:\n   - /tmp/r.sock:1 r\n"),
        ("ipv6-bare", head + "  servers:\n   - ::1:6379:1\n"),
        ("port-leading-zero", head + "  servers:\n   - 127.0.0.1:06379:1\n"),
        ("crlf", (head + srv).replace("\n", "\r\n")),
        ("random-distribution", head + "  distribution: random\n" + srv),
        ("hash-tag-dollars", head + "  hash_tag: \"$$\"\n" + srv),
        # Refused by nutcracker.
        ("bad/unknown-hash", head + "  hash: sha1\n" + srv),
        ("bad/unknown-distribution", head + "  distribution: consistent\n" + srv),
        ("bad/hash-tag-one-char", head + "  hash_tag: \"{\"\n" + srv),
        ("bad/hash-tag-three-chars", head + "  hash_tag: \"{}}\"\n" + srv),
        ("bad/zero-weight", head + "  servers:\n   - 127.0.0.1:6379:0\n"),
        ("bad/no-weight", head + "  servers:\n   - 127.0.0.1:6379\n"),
        ("bad/port-zero", head + "  servers:\n   - 127.0.0.1:0:1\n"),
        ("bad/port-too-big", head + "  servers:\n   - 127.0.0.1:65536:1\n"),
        ("bad/weight-text", head + "  servers:\n   - 127.0.0.1:6379:x\n"),
        ("bad/duplicate-alias", head + "  servers:\n   - 127.0.0.1:6379:1 a\n   - 127.0.0.1:6380:1 a\n"),
        ("bad/duplicate-address", head + "  servers:\n   - 127.0.0.1:6379:1\n   - 127.0.0.1:6379:2\n"),
        ("bad/duplicate-11211-host", head + "  servers:\n   - 10.0.0.1:11211:1\n   - 10.0.0.1:11211:2\n"),
        ("bad/empty-servers", head + "  servers:\n"),
        ("bad/no-servers", head),
        ("bad/no-listen", "p:\n" + srv),
        ("bad/unknown-directive", head + "  hashing: md5\n" + srv),
        ("bad/duplicate-directive", head + "  hash: md5\n  hash: md5\n" + srv),
        ("bad/duplicate-pool", head + srv + head + srv),
        ("bad/bool-yes", head + "  redis: yes\n" + srv),
        ("bad/flow-sequence", head + "  servers: [127.0.0.1:6379:1]\n"),
        ("bad/pool-scalar", "p: 1\n"),
        ("bad/servers-scalar", head + "  servers: 127.0.0.1:6379:1\n"),
        ("bad/number-text", head + "  timeout: soon\n" + srv),
        ("bad/server-connections-zero", head + "  server_connections: 0\n" + srv),
    ]
    return cases


def judge_configs() -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory() as d:
        for name, yaml in config_cases():
            path = os.path.join(d, "c.yml")
            with open(path, "w", newline="") as f:
                f.write(yaml)
            r = subprocess.run(["nutcracker", "-t", "-c", path], capture_output=True, text=True)
            ok = "syntax is ok" in (r.stdout + r.stderr)
            out.append({"name": name, "yaml": yaml, "nutcracker_accepts": ok})
    return out


def distinct_free_ports(n: int) -> list[int]:
    """n free loopback ports, all held open together while chosen so none repeats."""
    import socket
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def version() -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "nutcracker"],
                         capture_output=True, text=True)
    return out.stdout.strip() or subprocess.run(["nutcracker", "--version"], capture_output=True,
                                                text=True).stdout.strip()


def ask(selected: list[dict], keys: list[tuple[str, bytes]], bulk: list[tuple[str, bytes]]) -> dict[str, list[int]]:
    """The backend index of every key, for every selected pool."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    lock = open("/tmp/keyroute-nutcracker-oracle.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    workdir = tempfile.mkdtemp(prefix="keyroute-nutcracker-")
    shutil.rmtree(SOCK_DIR, ignore_errors=True)
    os.makedirs(SOCK_DIR)
    addrs = sorted({s.split(" ")[0].rsplit(":", 1)[0] for p in selected for s in p["servers"]})
    backends: dict[str, Backend] = {}
    answers: dict[str, list[int]] = {}
    try:
        for a in addrs:
            backends[a] = Backend(a, workdir)
        with ThreadPoolExecutor(8) as ex:
            list(ex.map(lambda b: b.connect().call("FLUSHALL"), backends.values()))
        # One nutcracker per group of pools sharing a server list.
        groups: dict[tuple, list[dict]] = {}
        for p in selected:
            if not p.get("eject"):
                groups.setdefault((p["list"], tuple(p["servers"])), []).append(p)
        for p in [p for p in selected if p.get("eject")]:
            answers[p["name"]] = ask_ejected(p, keys + (bulk if p["bulk"] else []), backends, workdir)
        for group in groups.values():
            ports = distinct_free_ports(len(group) + 1)
            stats_port = ports.pop()
            conf = "".join(yaml_for(p, f"127.0.0.1:{port}") for p, port in zip(group, ports))
            nc = Nutcracker(conf, workdir, stats_port)
            try:
                for p, port in zip(group, ports):
                    answers[p["name"]] = ask_pool(nc, port, p, keys + (bulk if p["bulk"] else []), backends)
            finally:
                nc.stop()
    finally:
        for b in backends.values():
            b.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(SOCK_DIR, ignore_errors=True)
        lock.close()
    return answers


def ask_ejected(pool: dict, keys, backends: dict[str, "Backend"], workdir: str) -> list[int]:
    """Stops the pool's dead backends, lets nutcracker eject them (probe keys
    until a whole batch is answered), then asks where the keys go; restarts
    the dead backends afterwards."""
    addrs = [line.split(" ")[0].rsplit(":", 1)[0] for line in pool["servers"]]
    for i in pool["dead"]:
        backends[addrs[i]].stop()
        if os.environ.get("ORACLE_DEBUG"):
            print("stopped", addrs[i], backends[addrs[i]].proc.poll(), file=sys.stderr)
    port, stats = distinct_free_ports(2)
    nc = Nutcracker(yaml_for(pool, f"127.0.0.1:{port}"), workdir, stats)
    try:
        with nc.connect(port) as c:
            for attempt in range(50):
                # Random probes: similar keys can all miss a server (fnv1a_64
                # sends key:1..60 to 3 of 5 servers).
                probes = [os.urandom(12) for _ in range(400)]
                replies = c.pipeline([("SET", k, b"v") for k in probes], batch=400)
                bad = sum(r != "OK" for r in replies)
                if os.environ.get("ORACLE_DEBUG"):
                    print(pool["name"], attempt, bad, next((r for r in replies if r != "OK"), None), file=sys.stderr)
                if not bad:
                    break
            else:
                raise RuntimeError(f"{pool['name']}: nutcracker never ejected the dead servers")
        live = {a: b for i, (a, b) in enumerate(backends.items()) if a in addrs and addrs.index(a) not in pool["dead"]}
        for b in live.values():
            b.connect().call("FLUSHALL")
        ejected = dict(pool, servers=[s for i, s in enumerate(pool["servers"]) if i not in pool["dead"]])
        got = ask_pool(nc, port, ejected, keys, backends)
        # Back to positions in the full list.
        alive = [i for i in range(len(addrs)) if i not in pool["dead"]]
        return [alive[g] for g in got]
    finally:
        nc.stop()
        for i in pool["dead"]:
            backends[addrs[i]] = Backend(addrs[i], workdir)
            backends[addrs[i]].connect()


def ask_pool(nc: Nutcracker, port: int, pool: dict, keys: list[tuple[str, bytes]],
             backends: dict[str, Backend]) -> list[int]:
    with nc.connect(port) as c:
        replies = c.pipeline([("SET", k, b"v") for _, k in keys], batch=200)
    for (name, _), r in zip(keys, replies):
        if r != "OK":
            raise RuntimeError(f"{pool['name']}: SET {name!r} through nutcracker answered {r!r}")
    where: dict[bytes, int] = {}
    for i, line in enumerate(pool["servers"]):
        b = backends[line.split(" ")[0].rsplit(":", 1)[0]]
        conn = b.connect()
        for k in conn.call("KEYS", "*"):
            if k in where:
                raise RuntimeError(f"{pool['name']}: key {k!r} on two backends")
            where[k] = i
        conn.call("FLUSHALL")
    missing = [n for n, k in keys if k not in where]
    if missing:
        raise RuntimeError(f"{pool['name']}: keys on no backend: {missing[:5]}")
    return [where[k] for _, k in keys]


def to_json(all_pools: list[dict], keys, bulk, answers: dict[str, list[int]], ver: str,
            ejected: bool = False) -> str:
    out = {
        "description": "Where twemproxy puts each key: the position, in the pool's server list, of the "
                       "redis-server backend that held the key after a SET through a real nutcracker. "
                       "Keys are hex bytes; pools with bulk=true were asked `keys` then `bulk_keys`. "
                       "`yaml` is the pool as nutcracker read it (listen address aside); `live`, "
                       "where present, says which servers were running: the others were stopped and "
                       "ejected by nutcracker (auto_eject_hosts) before the keys were sent. "
                       "Written by tests/oracles/nutcracker.py.",
        "source": {"system": "nutcracker (Debian package)", "version": ver,
                   "backends": "redis-server, one per address"},
        "keys": [{"name": n, "key": k.hex()} for n, k in keys],
        "bulk_keys": [{"name": n, "key": k.hex()} for n, k in bulk],
        "pools": [],
    }
    for p in all_pools:
        entry = {k: p[k] for k in ("name", "hash", "distribution", "hash_tag", "bulk")}
        if ejected:
            entry["live"] = [i not in p["dead"] for i in range(len(p["servers"]))]
        entry["yaml"] = yaml_for(p, "127.0.0.1:22121")
        entry["nodes"] = answers[p["name"]]
        out["pools"].append(entry)
    return dump_vectors(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    ap.add_argument("--sample", type=int, default=24, help="pools re-asked by --check")
    args = ap.parse_args()
    for tool in ("nutcracker", "redis-server"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: run scripts/setup.sh", file=sys.stderr)
            return 2

    all_pools = pools()
    keys, bulk = corpus()
    t0 = time.monotonic()
    configs = judge_configs()
    configs_doc = dump_vectors({
        "description": "Configurations judged by `nutcracker -t`: keyroute's reader must accept "
                       "and refuse the same ones (distribution: random aside, which keyroute "
                       "refuses). Written by tests/oracles/nutcracker.py.",
        "source": {"system": "nutcracker (Debian package)", "version": version(), "command": "nutcracker -t"},
        "configs": configs})
    ejection = ejection_pools()
    if args.write:
        with open(CONFIGS, "w", encoding="ascii") as f:
            f.write(configs_doc)
        ej = ask(ejection, keys, bulk)
        with open(EJECTED, "w", encoding="ascii") as f:
            f.write(to_json(ejection, keys, bulk, ej, version(), ejected=True))
        print(f"wrote {len(ejection)} pools with ejected servers to {os.path.relpath(EJECTED, ROOT)}")
        answers = ask(all_pools, keys, bulk)
        with open(VECTORS, "w", encoding="ascii") as f:
            f.write(to_json(all_pools, keys, bulk, answers, version()))
        n = sum(len(a) for a in answers.values())
        print(f"wrote {len(all_pools)} pools, {n} answers to {os.path.relpath(VECTORS, ROOT)} "
              f"(nutcracker {version()}, {time.monotonic() - t0:.0f} s)")
        return 0

    with open(VECTORS, encoding="ascii") as f:
        committed = json.load(f)
    problems = []
    with open(CONFIGS, encoding="ascii") as f:
        if f.read() != configs_doc:
            problems.append("nutcracker -t now judges the configuration cases differently, or they changed")
    fresh = json.loads(to_json(all_pools, keys, bulk, {p["name"]: None for p in all_pools}, ""))
    for field in ("keys", "bulk_keys"):
        if fresh[field] != committed[field]:
            problems.append(f"the key corpus ({field}) differs from the committed one; run the --write mode")
    strip = lambda p: {k: v for k, v in p.items() if k != "nodes"}  # noqa: E731
    if [strip(p) for p in fresh["pools"]] != [strip(p) for p in committed["pools"]]:
        problems.append("the pool definitions differ from the committed ones; run the --write mode")
    with open(EJECTED, encoding="ascii") as f:
        committed_ej = {p["name"]: p["nodes"] for p in json.load(f)["pools"]}
    rng = random.Random()
    ej_sample = rng.sample(ejection, 2)
    ej_answers = ask(ej_sample, keys, bulk)
    for p in ej_sample:
        if committed_ej.get(p["name"]) != ej_answers[p["name"]]:
            problems.append(f"{p['name']}: committed answers (ejected servers) differ from nutcracker's")
    sample = rng.sample(all_pools, min(args.sample, len(all_pools)))
    answers = ask(sample, keys, bulk)
    by_name = {p["name"]: p for p in committed["pools"]}
    for p in sample:
        want = by_name.get(p["name"], {}).get("nodes")
        if want != answers[p["name"]]:
            problems.append(f"{p['name']}: committed answers differ from nutcracker's")
    if problems:
        print("twemproxy vectors are stale:", *problems[:20], sep="\n  ")
        return 1
    n = sum(len(a) for a in answers.values())
    print(f"twemproxy vectors: {len(sample)} of {len(all_pools)} pools ({n} keys) re-asked from "
          f"nutcracker {version()}: all agree ({time.monotonic() - t0:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
