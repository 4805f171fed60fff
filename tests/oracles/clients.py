#!/usr/bin/env python3
"""Asks the client libraries that shard on their own where each key goes, and
writes or checks tests/vectors/partition/<scheme>.json.

    clients.py --write [SCHEME...]   ask every pool, rewrite the vector files
    clients.py --check [SCHEME...]   fail if a committed file differs from a
                                     fresh corpus, or if the library now
                                     answers a random sample differently

Schemes and the real implementation asked (none contacts a server: each
library's own routing function is called):
    redis-rb-4      ruby-redis 4.8 (Debian), Redis::Distributed#node_for   partition/redis_rb.rb
                    (with its tag: option as a Regexp where a pool sets `tag`)
    redis-rb-hashring  ruby-redis 4.8, Redis::HashRing.new(nodes, replicas)#get_node
    predis          php-predis 1.1.10 (Debian), PredisCluster + HashRing   partition/predis.php
    predis-ketama   php-predis 1.1.10, PredisCluster + KetamaRing           partition/predis.php
    uhashring       uhashring 2.5 (PyPI), HashRing(nodes)                    in this script
    uhashring-ketama  uhashring 2.5, HashRing(nodes, hash_fn='ketama')      in this script
    pymemcache      pymemcache 4.0.0 (PyPI), HashClient's RendezvousHash    in this script
    node-hashring   hashring 3.2.0 (npm), HashRing#get                      partition/hashring.js
    libmemcached-ketama  libmemcached 1.1.4 (Debian libmemcached-dev),
                    KETAMA_WEIGHTED + memcached_generate_hash, compiled with gcc  partition/libmemcached.c
    python-memcached  python-memcached 1.62 (PyPI), Client._get_server with every
                    server taken as up (no connection)                in this script
    phpredis-array  php-redis 5.3 (Debian), RedisArray::_target (lazy_connect)  partition/phpredis.php
    dalli           ruby-dalli 3.0 (Debian), Dalli::Ring#server_for_key, every
                    server up                                           partition/dalli.rb
    go-redis-ring-v5  go-redis v5 (Debian golang-gopkg-redis.v5-dev), Ring's shard
                    lookup, compiled with go                            partition/go_redis_v5.go
    spymemcached-ketama, spymemcached-array-mod  libspymemcached-java 2.12 (Debian),
                    KetamaNodeLocator / ArrayModNodeLocator#getPrimary over real
                    InetSocketAddresses, compiled with javac           partition/Spymemcached.java

Run with the project's virtualenv (.venv/bin/python, scripts/setup.sh makes
it); the npm library is installed from tests/oracles/partition's lock file on
first use. Python libraries see keys
as `str` (pools with key_form "text"; keys that are not UTF-8 are skipped
there, null in the file) or as `bytes` (key_form "python-bytes": they hash
`str(b'...')`, keyroute's python_bytes_str); python-memcached encodes a `str`
key as UTF-8 and takes `bytes` as they are, so it is given every key as
`bytes` (key_form "bytes").
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from partition_keys import base_keys, bulk_keys, dump_vectors, point_hit_keys  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "tests", "vectors", "partition")
LIB = os.path.join(HERE, "partition")


def addr_list(n: int, base: int = 7000) -> list[str]:
    return [f"127.0.0.1:{base + i}" for i in range(n)]


THREE = [f"127.0.0.1:{p}" for p in (6379, 6380, 6381)]
ALIASES = ["alpha", "b", "mid-server", "zeta"]


def weighted(addrs: list[str], weights: list[int]) -> list[str]:
    return [f"{a}:{w}" for a, w in zip(addrs, weights)]


def aliased(servers: list[str], names: list[str]) -> list[str]:
    return [f"{s} {n}" for s, n in zip(servers, names)]


def sizes(*ns: int) -> list[tuple[str, list[str]]]:
    return [(str(n), addr_list(n)) for n in ns]


WEIGHTS_5 = weighted(addr_list(5), [1, 2, 3, 1, 5])
WEIGHTS_ODD = weighted(addr_list(6), [1, 4, 7, 2, 9, 3])


# redis-rb `tag:` patterns (Ruby source), each a pool over THREE; "none" is
# keyroute's name for a pattern that never matches.
RUBY_TAGS = {
    "braces": r"\{(.+?)\}",
    "braces-empty-ok": r"\{(.*?)\}",
    "prefix": r"^([^:]+):",
    "named": r"(x)?(?<tag>\w+)\.",
    "class-count": r"\[(\w{1,3})\]",
    "one-char": r"\{(.)\}",
    "dollar-line": r"(\d+)$",
    "space-class": r"\s(\S+)",
    "literal-brace": r"x{y(.)",
    "none": "none",
}
REDIS_URLS = ["redis://127.0.0.1:7002/1", "redis://127.0.0.1:7002/2", "rediss://127.0.0.1:7003",
              "redis://[::1]:7004/3", "redis://localhost"]


def entries(pairs: list) -> dict:
    """A pool given as a mapping in the library's own form: `servers` lists
    its keys (as keyroute writes them), `entries` the [key, value] pairs."""
    return {"servers": [k for k, _ in pairs], "entries": pairs}


def pool_defs() -> dict[str, list[dict]]:
    """scheme -> pools: {name, servers (keyroute's server strings), options, key_form}
    (plus `entries` for a pool given as a mapping)."""
    def P(name, servers, **kw):  # noqa: N802
        p = {"name": name, "servers": servers}
        if isinstance(servers, dict):
            p = {"name": name, **servers}
        p.update(options=kw.pop("options", {}), key_form=kw.pop("key_form", "text"))
        return p
    defs: dict[str, list[dict]] = {}
    defs["redis-rb-4"] = ([P("3", THREE), P("3/ids", aliased(THREE, ALIASES))]
                          + [P(n, s) for n, s in sizes(4, 25, 50, 100)]
                          + [P(f"3/tag-{n}", THREE, options={"tag": t}) for n, t in RUBY_TAGS.items()]
                          + [P("5/urls", REDIS_URLS), P("25/tag-braces", addr_list(25), options={"tag": RUBY_TAGS["braces"]})])
    defs["redis-rb-hashring"] = ([P("3", THREE), P("3/ids", aliased(THREE, ALIASES)), P("5/urls", REDIS_URLS)]
                                 + [P(f"3/replicas-{r}", THREE, options={"replicas": r}) for r in (1, 40, 500)]
                                 + [P(n, s) for n, s in sizes(25, 50)]
                                 + [P("25/replicas-40", addr_list(25), options={"replicas": 40})])
    for scheme in ("predis", "predis-ketama"):
        defs[scheme] = ([P("3", THREE), P("3/alias", aliased(THREE, ALIASES)), P("5w", WEIGHTS_5),
                         P("6w", WEIGHTS_ODD), P("3w-100-100-1", weighted(addr_list(3), [100, 100, 1]))]
                        + [P(n, s) for n, s in sizes(25, 49, 50, 100)])
    names = [f"node{i}" for i in range(1, 6)]
    uh_dict = entries([["node1", {"hostname": "10.0.0.1", "port": 6379, "weight": 2}],
                       ["node2", {"hostname": "10.0.0.2", "instance": None, "nodename": "x"}],
                       ["node3", 3], ["node4", {}], ["node5", {"port": "7000", "weight": 1}]])
    uh_vnodes = entries([["a", {"vnodes": 80}], ["b", {"vnodes": 10, "weight": 2}], ["c", {}]])
    for scheme in ("uhashring", "uhashring-ketama"):
        defs[scheme] = ([P("3", THREE), P("3/bytes", THREE, key_form="python-bytes"),
                         P("3/alias", aliased(THREE, ALIASES)), P("5w", WEIGHTS_5), P("6w", WEIGHTS_ODD)]
                        + [P(n, s) for n, s in sizes(25, 49, 50, 100)]
                        + [P("5/names", names), P("25/names", [f"node{i}" for i in range(25)]),
                           P("5/dict", uh_dict), P("3/dict-vnodes", uh_vnodes),
                           P("3/vnodes-20", THREE, options={"vnodes": 20}),
                           P("5/dict-vnodes-7", uh_dict, options={"vnodes": 7})])
    defs["uhashring-ketama"] += [P(f"3/replicas-{r}", THREE, options={"replicas": r}) for r in (1, 3)]
    defs["uhashring-ketama"] += [P("5/dict/replicas-2", uh_dict, options={"replicas": 2, "vnodes": 50})]
    defs["pymemcache"] = ([P("3", THREE), P("3/bytes", THREE, key_form="python-bytes")]
                          + [P(n, s) for n, s in sizes(4, 25, 50, 100)])
    c11211 = ["cache-a:11211", "cache-b:11211", "cache-c:11211"]
    defs["libmemcached-ketama"] = ([P("3", THREE), P("3-11211", c11211), P("5w", WEIGHTS_5), P("6w", WEIGHTS_ODD),
                                    P("5w-11211", weighted([f"cache-{c}:11211" for c in "abcde"], [1, 2, 3, 1, 5]))]
                                   + [P(n, s) for n, s in sizes(7, 25, 49, 50, 100)])
    defs["node-hashring"] = ([P("3", THREE), P("5w", WEIGHTS_5), P("6w", WEIGHTS_ODD),
                              P("3-11211", c11211),
                              P("3-11211/default-port", c11211, options={"default_port": 11211}),
                              P("3/hash_ring", THREE, options={"compatibility": "hash_ring"}),
                              P("3/vnodes-100", THREE, options={"vnode_count": 100}),
                              P("25/hash_ring", addr_list(25), options={"compatibility": "hash_ring"})]
                             + [P(n, s) for n, s in sizes(7, 14, 25, 49, 50, 100)]
                             + node_hashring_extra(P))
    mc = ["cache-a:11211", "cache-b", "/tmp/mc.sock", "[::1]:11213", "10.0.0.5:11211"]
    defs["python-memcached"] = ([P("3", THREE, key_form="bytes"), P("3/alias", aliased(THREE, ALIASES), key_form="bytes"),
                                 P("5w", WEIGHTS_5, key_form="bytes"), P("6w", WEIGHTS_ODD, key_form="bytes"),
                                 P("5/forms", mc, key_form="bytes"),
                                 P("3w-100-100-1", weighted(addr_list(3), [100, 100, 1]), key_form="bytes")]
                                + [P(n, s, key_form="bytes") for n, s in sizes(7, 25, 50, 100)])
    hosts = ["localhost", "[::1]:6380", "/tmp/redis.sock", "cache-b:6379", "10.0.0.5:7000"]
    defs["phpredis-array"] = ([P("3", THREE), P("5/forms", hosts)]
                              + [P(n, s) for n, s in sizes(4, 25, 50, 100)]
                              + [P("3/consistent", THREE, options={"consistent": True}),
                                 P("5/forms/consistent", hosts, options={"consistent": True}),
                                 P("25/consistent", addr_list(25), options={"consistent": True})]
                              + [P(f"3/{a}", THREE, options={"algorithm": a})
                                 for a in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "crc32b")]
                              + [P("25/crc32b", addr_list(25), options={"algorithm": "crc32b"}),
                                 P("25/sha1", addr_list(25), options={"algorithm": "sha1"}),
                                 P("3/consistent/md5", THREE, options={"consistent": True, "algorithm": "md5"}),
                                 P("3/consistent/crc32b", THREE, options={"consistent": True, "algorithm": "crc32b"}),
                                 P("25/consistent/sha256", addr_list(25),
                                   options={"consistent": True, "algorithm": "sha256"})])
    mc_forms = ["localhost", "[::1]:11213", "/tmp/mc.sock", "cache-b:11211:2", "10.0.0.5:11211"]
    defs["dalli"] = ([P("1", THREE[:1]), P("2", THREE[:2]), P("3", THREE), P("3-11211", c11211),
                      P("5w", WEIGHTS_5), P("6w", WEIGHTS_ODD), P("5/forms", mc_forms),
                      P("3w-100-100-1", weighted(addr_list(3), [100, 100, 1]))]
                     + [P(n, s) for n, s in sizes(7, 25, 50, 100)]
                     + [P("3/client-keys", THREE, options={"client_keys": True}),
                        P("3/client-keys/namespace", THREE, options={"client_keys": True, "namespace": "app"}),
                        P("25/client-keys/namespace", addr_list(25),
                          options={"client_keys": True, "namespace": "ns-é"})])
    # spymemcached: literal addresses, host/ip (a resolved name), IPv6 and
    # IPv4-mapped IPv6; names alone only where the format reads them
    # (libmemcached). Literal IPs under the libmemcached format are looked up
    # in reverse DNS by Java; 10.0.x.y has no name there.
    spy_named = ["cache-a/10.0.0.1:11211", "cache-b/10.0.0.2:11211", "cache-c/10.0.0.3:11212"]
    spy_forms = ["[::1]:11211", "[fe80::1a]:11212", "10.0.0.5:11211", "[::ffff:10.0.0.6]:11211",
                 "db-1.example/192.0.2.7:11300"]
    spy_lib = ["cache-a:11211", "cache-b:11212", "cache-c/10.0.0.3:11211", "10.0.0.4:11211", "10.0.0.5:11213",
               "[fe80::1a]:11211"]
    ten = lambda n: [f"10.0.{i // 200}.{i % 200 + 1}:11211" for i in range(n)]  # noqa: E731
    spy_hashes = ["native", "crc", "fnv1_64", "fnv1a_64", "fnv1_32", "fnv1a_32"]
    defs["spymemcached-ketama"] = (
        [P("1", THREE[:1]), P("2", THREE[:2]), P("3", THREE), P("3/names", spy_named), P("5/forms", spy_forms),
         P("5w", WEIGHTS_5), P("6w", WEIGHTS_ODD), P("3w-100-100-1", weighted(addr_list(3), [100, 100, 1])),
         P("25w-1", weighted(addr_list(25), [1] * 25))]
        + [P(n, s) for n, s in sizes(7, 25, 50, 100)]
        + [P(f"3/{h}", THREE, options={"hash": h}) for h in spy_hashes]
        + [P(f"25/{h}", addr_list(25), options={"hash": h}) for h in ("native", "crc", "fnv1a_32")]
        + [P("5w/fnv1a_32", WEIGHTS_5, options={"hash": "fnv1a_32"}), P("3/names/crc", spy_named, options={"hash": "crc"})]
        + [P("6/libmemcached", spy_lib, options={"format": "libmemcached"}),
           P("3/libmemcached/names", c11211, options={"format": "libmemcached"}),
           P("6/libmemcached/fnv1_64", spy_lib, options={"format": "libmemcached", "hash": "fnv1_64"}),
           P("5w/libmemcached", weighted(ten(5), [1, 2, 3, 1, 5]), options={"format": "libmemcached"}),
           P("25/libmemcached", ten(25), options={"format": "libmemcached"})])
    defs["spymemcached-array-mod"] = (
        [P("1", THREE[:1]), P("3", THREE), P("5/forms", spy_forms), P("6/forms", spy_lib)]
        + [P(n, s) for n, s in sizes(7, 25, 100)]
        + [P(f"3/{h}", THREE, options={"hash": h}) for h in spy_hashes + ["ketama"]]
        + [P(f"25/{h}", addr_list(25), options={"hash": h}) for h in ("crc", "fnv1a_64", "ketama")])
    shard_names = [f"{a} shard{i + 1}" for i, a in enumerate(addr_list(5))]
    defs["go-redis-ring-v5"] = ([P("3", THREE), P("3/names", aliased(THREE, ALIASES)), P("5/names", shard_names)]
                                + [P(n, s) for n, s in sizes(4, 25, 50, 100)])
    return defs


def node_hashring_extra(P) -> list[dict]:  # noqa: N803
    """npm hashring configurations in its own mapping form, other digests, bare names."""
    vn = entries([["127.0.0.1:6379", {"vnodes": 70}], ["127.0.0.1:6380", {"vnodes": 10}],
                  ["127.0.0.1:6381", {"weight": 3}]])
    # A server's own vnodes equal to the pool's count is scaled by weight;
    # weight 0 and vnodes 0 fall back to 1 and the pool's count.
    quirks = entries([["127.0.0.1:6379", {"vnodes": 40, "weight": 2}], ["127.0.0.1:6380", 1],
                      ["127.0.0.1:6381", {"weight": 0, "vnodes": 0}], ["127.0.0.1:6382", 0]])
    weights = entries([[a, w] for a, w in zip(addr_list(5), [1, 2, 3, 1, 5])])
    c11211 = entries([["cache-a:11211", {"vnodes": 50}], ["cache-b:11211", 2], ["cache-c:11211", {}]])
    out = [P("3/vnodes-map", vn), P("4/vnodes-quirks", quirks), P("5/weights-map", weights),
           P("3-11211/map/default-port", c11211, options={"default_port": 11211}),
           P("3/bare-names", ["cache-a", "cache-b", "cache-c"]),
           P("25/vnodes-map", entries([[a, {"vnodes": 20 + i}] for i, a in enumerate(addr_list(25))]))]
    for alg in ("sha1", "sha224", "sha256", "sha384", "sha512"):
        out.append(P(f"3/{alg}", THREE, options={"algorithm": alg}))
    out += [P("5w/sha1", WEIGHTS_5, options={"algorithm": "sha1"}),
            P("3/sha1/hash_ring", THREE, options={"algorithm": "sha1", "compatibility": "hash_ring"}),
            P("3/vnodes-map/sha256", vn, options={"algorithm": "sha256"}),
            P("25/sha1", addr_list(25), options={"algorithm": "sha1"})]
    return out


def corpus() -> tuple[list[tuple[str, bytes]], list[tuple[str, bytes]]]:
    names = THREE + ALIASES + ["cache-a"]
    return base_keys() + point_hit_keys(names), bulk_keys()


def parse(server: str) -> dict:
    """keyroute's server string -> host, port, weight, alias (or url, alias)."""
    addr, _, alias = server.partition(" ")
    if addr.startswith(("redis://", "rediss://")):
        return {"url": addr, **({"alias": alias} if alias else {})}
    if addr.startswith("["):
        host, _, rest = addr[1:].partition("]")
        parts = [host] + rest[1:].split(":")
    else:
        parts = addr.split(":")
    if len(parts) == 1:
        return {"host": parts[0]}
    out = {"host": parts[0], "port": int(parts[1])}
    if len(parts) > 2:
        out["weight"] = int(parts[2])
    if alias:
        out["alias"] = alias
    return out


def uses_bulk(pool: dict) -> bool:
    return len(pool["servers"]) >= 25


def keys_for(pool: dict, keys, bulk) -> list[bytes]:
    return [k for _, k in keys + (bulk if uses_bulk(pool) else [])]


def ensure_npm() -> None:
    """Installs the npm oracle from its lock file the first time."""
    stamp = os.path.join(LIB, "node_modules", "hashring", "package.json")
    if not os.path.exists(stamp):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=LIB, check=True)


def run(cmd: list[str], request: dict) -> dict:
    if cmd[0] == "node":
        ensure_npm()
    p = subprocess.run(cmd, input=json.dumps(request), capture_output=True, text=True, cwd=LIB)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    return json.loads(p.stdout)


def ask_libmemcached(pools: list[dict], keys, bulk) -> tuple[str, dict[str, list]]:
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        exe = os.path.join(d, "libmemcached")
        subprocess.run(["gcc", "-O1", "-o", exe, os.path.join(LIB, "libmemcached.c"), "-lmemcached"], check=True)
        answers = {}
        for pool in pools:
            lines = [f"{s['host']} {s['port']} {s.get('weight', 1)}" for s in map(parse, pool["servers"])]
            lines += ["--"] + [k.hex() for k in keys_for(pool, keys, bulk)]
            p = subprocess.run([exe], input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
            answers[pool["name"]] = [int(x) for x in p.stdout.split()]
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libmemcached-dev"],
                             capture_output=True, text=True).stdout.strip()
    return version, answers


def go_redis_v5_ties(names: list[str]) -> None:
    """go-redis v5 adds shards in a Go map's random order: a point two
    shards share goes to either. Such a pool has no single answer."""
    import zlib
    owner: dict[int, str] = {}
    for n in names:
        for i in range(100):
            p = zlib.crc32(f"{i}{n}".encode())
            if owner.setdefault(p, n) != n:
                raise RuntimeError(f"shards {owner[p]!r} and {n!r} share point {p}: no single answer")


def ask_go_redis_v5(pools: list[dict], keys, bulk) -> tuple[str, dict[str, list]]:
    """Builds partition/go_redis_v5.go against Debian's gopkg.in/redis.v5 with
    partition/go_redis_v5_shim.go laid into the package (go build -overlay)."""
    import tempfile
    pkg = "/usr/share/gocode/src/gopkg.in/redis.v5"
    with tempfile.TemporaryDirectory() as d:
        overlay = os.path.join(d, "overlay.json")
        with open(overlay, "w") as f:
            json.dump({"Replace": {os.path.join(pkg, "zz_oracle_shim.go"): os.path.join(LIB, "go_redis_v5_shim.go")}}, f)
        exe = os.path.join(d, "go_redis_v5")
        env = dict(os.environ, GO111MODULE="off", GOPATH="/usr/share/gocode", GOCACHE=os.path.join(d, "cache"),
                   GOFLAGS="")
        subprocess.run(["go", "build", "-overlay", overlay, "-o", exe, os.path.join(LIB, "go_redis_v5.go")],
                       check=True, env=env)
        answers = {}
        for pool in pools:
            shards = []
            for s in map(parse, pool["servers"]):
                addr = f"{s['host']}:{s['port']}"
                shards.append([s.get("alias", addr), addr])
            go_redis_v5_ties([n for n, _ in shards])
            out = run([exe], {"pools": [{"name": pool["name"], "shards": shards}],
                              "keys": [k.hex() for k in keys_for(pool, keys, bulk)]})
            answers[pool["name"]] = out["answers"][pool["name"]]
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "golang-gopkg-redis.v5-dev"],
                             capture_output=True, text=True).stdout.strip()
    return version, answers


def dalli_ties(servers: list[str]) -> None:
    """Dalli sorts its points with Ruby's unstable sort: a point two servers
    share has no defined owner, so no such pool is recorded."""
    import hashlib
    import re
    names, weights = [], []
    for s in servers:
        m = re.fullmatch(r"(\[([0-9a-f:]+)\]|[^:]+)(?::(\d+))?(?::(\d+))?", s)
        host = m.group(2) or m.group(1)
        if host.startswith("/"):
            names.append(host)
            weights.append(int(m.group(3) or 1))
        else:
            names.append(f"{host}:{m.group(3) or 11211}")
            weights.append(int(m.group(4) or 1))
    owner: dict[int, str] = {}
    for n, w in zip(names, weights):
        for i in range(len(names) * 160 * w // sum(weights)):
            p = int(hashlib.sha1(f"{n}:{i}".encode()).hexdigest()[:8], 16)
            if owner.setdefault(p, n) != n:
                raise RuntimeError(f"servers {owner[p]!r} and {n!r} share point {p}: no defined answer")


def ask_phpredis(rp: dict, ks: list[str], at: int = 0) -> tuple[list, list[int]]:
    """phpredis.php's answers for the keys `ks` (hex), and the positions of
    the keys it has no host for. A key whose position is past the host list
    makes the extension read past its memory: it answers something that is
    not a host, or the process dies; the keys are then asked in halves, and
    a key that kills the process alone is refused too."""
    p = subprocess.run(["php", "phpredis.php"], input=json.dumps({"pools": [rp], "keys": ks}),
                       capture_output=True, text=True, cwd=LIB)
    if p.returncode == 0:
        out = json.loads(p.stdout)
        refused = (out["refused"] or {}).get(rp["name"], [])  # PHP encodes {} as []
        return out["answers"][rp["name"]], [at + i for i in refused]
    if len(ks) == 1:
        return [None], [at]
    half = len(ks) // 2
    a, ra = ask_phpredis(rp, ks[:half], at)
    b, rb = ask_phpredis(rp, ks[half:], at + half)
    return a + b, ra + rb


# phpredis-array: per pool, the keys (positions) for which the extension
# computed a position past its host list; keyroute refuses exactly these.
REFUSED: dict[str, list[int]] = {}


def ask_spymemcached(scheme: str, pools: list[dict], keys, bulk) -> tuple[str, dict[str, list]]:
    """Spymemcached.java's answers, one JVM per key list; keys that are not
    UTF-8 (no Java String sends them) are recorded as refused."""
    import tempfile
    jar = "/usr/share/java/spymemcached.jar"
    answers: dict[str, list] = {}
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(["javac", "-nowarn", "-cp", jar, "-d", d, os.path.join(LIB, "Spymemcached.java")], check=True)
        for big in (False, True):
            group = [p for p in pools if uses_bulk(p) == big]
            if not group:
                continue
            lines = []
            for pool in group:
                o = pool["options"]
                locator = "array-mod" if scheme == "spymemcached-array-mod" else "ketama"
                default = "native" if locator == "array-mod" else "ketama"
                lines.append("\t".join(["P", pool["name"], locator, o.get("hash", default),
                                        o.get("format", "spymemcached").upper()]))
                for s in map(parse, pool["servers"]):
                    host, _, ip = s["host"].rpartition("/")
                    if not host and re.fullmatch(r"[0-9a-fA-F:.]+", ip) is None:
                        host, ip = ip, ""  # a name alone
                    lines.append("\t".join(["S", host or "-", ip or "-", str(s["port"]),
                                            str(s.get("weight", "-"))]))
            lines += [f"K\t{k.hex()}" for k in keys_for(group[0], keys, bulk)]
            p = subprocess.run(["java", "-cp", f"{d}:{jar}", "Spymemcached"], input="\n".join(lines) + "\n",
                               capture_output=True, text=True)
            if p.returncode != 0:
                raise RuntimeError(f"Spymemcached.java failed:\n{p.stderr[-2000:]}")
            out = json.loads(p.stdout)
            for pool in group:
                answers[pool["name"]] = out["answers"][pool["name"]]
                REFUSED[pool["name"]] = out["refused"][pool["name"]]
    version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "libspymemcached-java"],
                             capture_output=True, text=True).stdout.strip()
    return version, answers


def ask_external(scheme: str, pools: list[dict], keys, bulk) -> tuple[str, dict[str, list]]:
    if scheme.startswith("spymemcached"):
        return ask_spymemcached(scheme, pools, keys, bulk)
    if scheme == "libmemcached-ketama":
        return ask_libmemcached(pools, keys, bulk)
    if scheme == "go-redis-ring-v5":
        return ask_go_redis_v5(pools, keys, bulk)
    answers: dict[str, list] = {}
    version = ""
    for pool in pools:  # one request per pool: pools differ in key lists
        ks = [k.hex() for k in keys_for(pool, keys, bulk)]
        servers = [parse(s) for s in pool["servers"]]
        if scheme in ("redis-rb-4", "redis-rb-hashring"):
            rp = {"name": pool["name"], "servers": servers}
            tag = pool["options"].get("tag")
            if tag is not None:
                rp["tag"] = "(?!)" if tag == "none" else tag
            if scheme == "redis-rb-hashring":
                rp["ring"] = "hashring"
                rp.update({k: v for k, v in pool["options"].items() if k == "replicas"})
            out = run(["ruby", "redis_rb.rb"], {"pools": [rp], "keys": ks})
        elif scheme == "dalli":
            dalli_ties(pool["servers"])
            # keyroute's server strings are Dalli's own (host:port:weight,
            # [v6]:port, /path, a bare host).
            out = run(["ruby", "dalli.rb"], {"pools": [{"name": pool["name"], "servers": pool["servers"],
                                                        **pool["options"]}], "keys": ks})
            REFUSED[pool["name"]] = (out["refused"] or {}).get(pool["name"], [])
        elif scheme == "phpredis-array":
            # The host strings exactly as configured.
            rp = {"name": pool["name"], "hosts": pool["servers"], **pool["options"]}
            nodes, refused = ask_phpredis(rp, ks)
            REFUSED[pool["name"]] = refused
            answers[pool["name"]] = nodes
            version = subprocess.run(["php", "-r", "echo phpversion('redis');"], capture_output=True,
                                     text=True, check=True).stdout
            continue
        elif scheme in ("predis", "predis-ketama"):
            ring = "ketama" if scheme == "predis-ketama" else "hashring"
            out = run(["php", "predis.php"],
                      {"pools": [{"name": pool["name"], "ring": ring, "servers": servers}], "keys": ks})
        else:  # node-hashring
            opts = {}
            o = pool["options"]
            if "default_port" in o:
                opts["default port"] = o["default_port"]
            if "compatibility" in o:
                opts["compatibility"] = o["compatibility"]
            if "vnode_count" in o:
                opts["vnode count"] = o["vnode_count"]
            jp = {"name": pool["name"], "options": opts}
            if "algorithm" in o:
                jp["algorithm"] = o["algorithm"]
            if "entries" in pool:
                out = run(["node", "hashring.js"], {"pools": [dict(jp, entries=pool["entries"])], "keys": ks})
                version = out["version"]
                answers[pool["name"]] = out["answers"][pool["name"]]
                continue
            js_servers = [{"string": f"{s['host']}:{s['port']}" if "port" in s else s["host"],
                           **({"weight": s["weight"]} if "weight" in s else {})}
                          for s in servers]
            out = run(["node", "hashring.js"], {"pools": [dict(jp, servers=js_servers)], "keys": ks})
        version = out["version"]
        answers[pool["name"]] = out["answers"][pool["name"]]
    return version, answers


def python_key(k: bytes, form: str):
    if form in ("python-bytes", "bytes"):
        return k
    try:
        return k.decode("utf-8")
    except UnicodeDecodeError:
        return None


def ask_python(scheme: str, pools: list[dict], keys, bulk) -> tuple[str, dict[str, list]]:
    from importlib.metadata import version as dist_version
    answers: dict[str, list] = {}
    for pool in pools:
        servers = [parse(s) for s in pool["servers"]]
        if scheme.startswith("uhashring"):
            from uhashring import HashRing
            if "entries" in pool:
                names = [k for k, _ in pool["entries"]]
                nodes = {k: (dict(v) if isinstance(v, dict) else v) for k, v in pool["entries"]}
            else:
                names = [s.get("alias") or (f"{s['host']}:{s['port']}" if "port" in s else s["host"])
                         for s in servers]
                nodes = {n: {"weight": s.get("weight", 1)} for n, s in zip(names, servers)}
            kw = {k: v for k, v in pool["options"].items() if k in ("vnodes", "replicas")}
            if scheme == "uhashring-ketama":
                kw["hash_fn"] = "ketama"
            ring = HashRing(nodes=nodes, **kw)
            route = ring.get_node
            ver = dist_version("uhashring")
        elif scheme == "python-memcached":
            import memcache
            # Every server is taken as up: _get_server's choice without a
            # connection (a server that cannot be reached sends the key on
            # to a rehash, which keyroute does not model).
            memcache._Host.connect = lambda self: 1
            hosts = []
            for s in servers:
                h = s["host"]
                spec = f"unix:{h}" if h.startswith("/") else (
                    f"inet6:[{h}]:{s['port']}" if ":" in h else (f"{h}:{s['port']}" if "port" in s else h))
                hosts.append((spec, s["weight"]) if "weight" in s else spec)
            client = memcache.Client(hosts)
            route = lambda k, c=client: c._get_server(c._encode_key(k))[0]  # noqa: E731
            names = client.servers
            ver = dist_version("python-memcached")
        else:
            from pymemcache.client.hash import HashClient
            names = [f"{s['host']}:{s['port']}" for s in servers]
            client = HashClient([(s["host"], s["port"]) for s in servers], use_pooling=False)
            route = client.hasher.get_node
            ver = dist_version("pymemcache")
        out = []
        for k in keys_for(pool, keys, bulk):
            pk = python_key(k, pool["key_form"])
            out.append(None if pk is None else names.index(route(pk)))
        answers[pool["name"]] = out
    return ver, answers


SOURCES = {
    "redis-rb-4": "ruby-redis (Debian) Redis::Distributed#node_for",
    "redis-rb-hashring": "ruby-redis (Debian) Redis::HashRing.new(nodes, replicas)#get_node",
    "predis": "php-predis (Debian) PredisCluster with PredisStrategy(HashRing)",
    "predis-ketama": "php-predis (Debian) PredisCluster with PredisStrategy(KetamaRing)",
    "uhashring": "uhashring (PyPI) HashRing(nodes).get_node",
    "uhashring-ketama": "uhashring (PyPI) HashRing(nodes, hash_fn='ketama').get_node",
    "pymemcache": "pymemcache (PyPI) HashClient(...).hasher.get_node (RendezvousHash, murmur3_32)",
    "node-hashring": "hashring (npm) HashRing(servers, algorithm, options).get",
    "libmemcached-ketama": "libmemcached (Debian libmemcached-dev) KETAMA_WEIGHTED, memcached_generate_hash",
    "python-memcached": "python-memcached (PyPI) Client._get_server, every server up",
    "phpredis-array": "php-redis (Debian) RedisArray::_target (ra_find_node), lazy_connect",
    "dalli": "ruby-dalli (Debian) Dalli::Ring#server_for_key, every server up",
    "go-redis-ring-v5": "go-redis v5 (Debian golang-gopkg-redis.v5-dev) Ring's shard lookup (shardByKey)",
    "spymemcached-ketama": "libspymemcached-java (Debian) KetamaNodeLocator#getPrimary",
    "spymemcached-array-mod": "libspymemcached-java (Debian) ArrayModNodeLocator#getPrimary",
}


def ask(scheme: str, pools: list[dict], keys, bulk):
    if scheme in ("uhashring", "uhashring-ketama", "pymemcache", "python-memcached"):
        return ask_python(scheme, pools, keys, bulk)
    return ask_external(scheme, pools, keys, bulk)


def document(scheme: str, pools: list[dict], keys, bulk, version: str, answers: dict) -> dict:
    return {
        "description": f"Where {scheme} puts each key: the position of the server in the pool's list, "
                       "as the real library answers. Keys are hex bytes; pools of 25 or more servers "
                       "were asked `keys` then `bulk_keys`; null marks a key the pool's key form cannot "
                       "express. `servers` use keyroute's server syntax (host:port[:weight][ alias]); "
                       "a pool with `entries` was given to the library as that mapping ([key, value] "
                       "pairs in order). `options` use keyroute's option names. `refused` lists the "
                       "keys (positions) the library has no server for (null in `nodes`). "
                       "Written by tests/oracles/clients.py.",
        "source": {"system": SOURCES[scheme], "version": version},
        "scheme": scheme,
        "keys": [{"name": n, "key": k.hex()} for n, k in keys],
        "bulk_keys": [{"name": n, "key": k.hex()} for n, k in bulk],
        "pools": [dict(p, nodes=answers.get(p["name"]),
                       **({"refused": REFUSED[p["name"]]} if REFUSED.get(p["name"]) else {}))
                  for p in pools],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    ap.add_argument("schemes", nargs="*")
    ap.add_argument("--sample", type=int, default=1000, help="pools per scheme re-asked by --check (all by default: a few seconds)")
    args = ap.parse_args()
    defs = pool_defs()
    schemes = args.schemes or list(defs)
    keys, bulk = corpus()
    problems: list[str] = []
    for scheme in schemes:
        t0 = time.monotonic()
        REFUSED.clear()  # pool names repeat across schemes: refusals are per scheme
        path = os.path.join(OUT, f"{scheme}.json")
        pools = defs[scheme]
        if args.write:
            version, answers = ask(scheme, pools, keys, bulk)
            with open(path, "w", encoding="ascii") as f:
                f.write(dump_vectors(document(scheme, pools, keys, bulk, version, answers)))
            n = sum(1 for a in answers.values() for x in a if x is not None)
            print(f"{scheme}: wrote {len(pools)} pools, {n} answers ({version}, {time.monotonic() - t0:.1f} s)")
            continue
        with open(path, encoding="ascii") as f:
            committed = json.load(f)
        fresh = document(scheme, pools, keys, bulk, "", {})
        for field in ("keys", "bulk_keys"):
            if fresh[field] != committed[field]:
                problems.append(f"{scheme}: the key corpus ({field}) changed; run --write")
        strip = lambda p: {k: v for k, v in p.items() if k not in ("nodes", "refused")}  # noqa: E731
        if [strip(p) for p in fresh["pools"]] != [strip(p) for p in committed["pools"]]:
            problems.append(f"{scheme}: the pool definitions changed; run --write")
        sample = random.sample(pools, min(args.sample, len(pools)))
        version, answers = ask(scheme, sample, keys, bulk)
        by_name = {p["name"]: p for p in committed["pools"]}
        for p in sample:
            if by_name.get(p["name"], {}).get("nodes") != answers[p["name"]]:
                problems.append(f"{scheme} {p['name']}: the committed answers differ from {version}'s")
            if by_name.get(p["name"], {}).get("refused", []) != REFUSED.get(p["name"], []):
                problems.append(f"{scheme} {p['name']}: the committed refusals differ from {version}'s")
        if committed["source"]["version"] != version:
            problems.append(f"{scheme}: vectors from {committed['source']['version']}, library is {version}")
        print(f"{scheme}: {len(sample)} of {len(pools)} pools re-asked from {version} "
              f"({time.monotonic() - t0:.1f} s)")
    if problems:
        print("partition vectors are stale:", *problems, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
