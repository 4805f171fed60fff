"""keyroute.redis.ShardedRedis against real servers: 4 redis-servers with a
nutcracker in front (the `shard_servers` fixture). Placement is judged by
nutcracker itself and by where each key really is; refusals by the
servers' command counters."""

# redis-py's command mixins type every command by its reply, also on a
# pipeline, where a queued command returns the pipeline (chained below).
# mypy: disable-error-code="union-attr, attr-defined"
from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from uhashring import HashRing  # type: ignore[import-untyped]

import keyroute
from _shard_servers import Servers
from keyroute.redis import (
    CrossShardError,
    CrossShardTransactionError,
    KeylessCommandError,
    ShardedRedis,
    ShardingError,
    UnroutableCommandError,
)

SCHEME: dict[str, Any] = {"scheme": "twemproxy-ketama", "hash": "fnv1a_64"}


def corpus(seed: int, count: int = 2400) -> list[bytes]:
    """Text keys, non-UTF-8 binary keys and {tag} keys, no duplicates."""
    rng = random.Random(seed)
    keys: list[bytes] = []
    for i in range(count):
        kind = i % 4
        if kind == 0:
            k = f"user:{seed}:{i}".encode()
        elif kind == 1:
            k = bytes([0xFF, 0xC3, rng.randrange(256)]) + rng.randbytes(rng.randrange(1, 24)) + i.to_bytes(4, "big")
        elif kind == 2:
            k = f"{{tag{i % 17}}}:{seed}:{i}".encode()
        else:
            k = f"k\u00e9{i}:{seed}".encode() + b"\x00\x80"
        keys.append(k)
    assert len(set(keys)) == len(keys)
    return keys


def sharded(servers: Servers, **kw: Any) -> ShardedRedis:
    return ShardedRedis({s: servers.client(i, **kw) for i, s in enumerate(servers.specs)}, **SCHEME)


@pytest.fixture
def r(shard_servers: Servers) -> Iterator[ShardedRedis]:
    shard_servers.flushall()
    client = sharded(shard_servers)
    yield client
    client.close()


def where(servers: Servers, keys: list[bytes]) -> list[list[int]]:
    """For each key, the servers that hold it."""
    found: list[list[int]] = [[] for _ in keys]
    for i in range(servers.count):
        with servers.client(i) as c:
            pipe = c.pipeline(transaction=False)
            for k in keys:
                pipe.exists(k)
            for n, hit in enumerate(pipe.execute()):
                if hit:
                    found[n].append(i)
    return found


def check_placement(servers: Servers, r: ShardedRedis, keys: list[bytes], values: dict[bytes, bytes]) -> None:
    # Through nutcracker: it finds every key where it would have put it.
    with servers.proxy() as proxy:
        got: list[Any] = []
        for i in range(0, len(keys), 500):
            got += proxy.mget(keys[i:i + 500])
    assert [k for k, v in zip(keys, got) if v != values[k]] == []
    # Directly: exactly one server holds each key, the one the client names.
    names = servers.specs
    holders = where(servers, keys)
    misplaced = [k for k, h in zip(keys, holders) if h != [names.index(spec_of(r, k, names))]]
    assert misplaced == []
    # Reading each key from that server alone.
    by_server: dict[int, list[bytes]] = {}
    for k, h in zip(keys, holders):
        by_server.setdefault(h[0], []).append(k)
    for i, ks in by_server.items():
        with servers.client(i) as c:
            assert c.mget(ks) == [values[k] for k in ks]


def spec_of(r: ShardedRedis, key: bytes, specs: list[str]) -> str:
    name = r.get_node_from_key(key)
    return next(s for s in specs if s.endswith(" " + name))


def test_corpus_lands_where_nutcracker_puts_it(shard_servers: Servers, r: ShardedRedis) -> None:
    keys = corpus(1)
    values = {k: b"v\xff" + k[::-1] for k in keys}
    half = len(keys) // 2
    assert r.mset({k: values[k] for k in keys[:half]}) is True
    pipe = r.pipeline(transaction=False)
    for k in keys[half:]:
        pipe.set(k, values[k])
    assert pipe.execute() == [True] * (len(keys) - half)
    check_placement(shard_servers, r, keys, values)
    # MGET in the caller's order, duplicates repeated, missing keys None.
    rng = random.Random(5)
    asked = [rng.choice(keys) for _ in range(700)] + [b"missing\xfe"] + keys[:3] + keys[:3]
    assert r.mget(asked) == [values.get(k) for k in asked]
    assert r.mget_nonatomic(asked) == [values.get(k) for k in asked]
    assert r.dbsize() == len(keys)
    assert r.exists(*keys[:50], *keys[:10]) == 60
    assert r.touch(*keys[:20]) == 20
    assert r.delete(*keys[:30]) == 30
    assert r.unlink(*keys[30:60], b"missing") == 30
    assert r.exists(*keys[:60]) == 0


def test_uhashring_scheme_matches_uhashring(shard_servers: Servers) -> None:
    shard_servers.flushall()
    specs = [f"127.0.0.1:{p} shard{i}" for i, p in enumerate(shard_servers.ports)]
    r = ShardedRedis({s: shard_servers.client(i) for i, s in enumerate(specs)}, scheme="uhashring")
    ring = HashRing(nodes=[f"shard{i}" for i in range(len(specs))])
    text = [k.decode("utf-8", "replace") for k in corpus(2, 800)]
    # The same keys as bytes: one Redis key, so one shard (uhashring itself
    # would hash a bytes object as "b'...'"; a Redis client sends the bytes).
    keys: list[str | bytes] = [*text[:400], *(k.encode() for k in text[400:])]
    r.mset({k: f"v{n}" for n, k in enumerate(keys)})  # type: ignore[type-var]
    for n, k in enumerate(keys):
        i = int(ring.get_node(k if isinstance(k, str) else k.decode()).removeprefix("shard"))
        with shard_servers.client(i) as c:
            assert c.get(k) == f"v{n}".encode(), (k, i)
        assert r.get_node_from_key(k) == f"shard{i}"
    holders = where(shard_servers, [k.encode() if isinstance(k, str) else k for k in keys])
    assert all(len(h) == 1 for h in holders)
    r.close()


def counters_unchanged(servers: Servers, action: Callable[[], object], error: type[BaseException]) -> BaseException:
    before = servers.command_calls()
    with pytest.raises(error) as info:
        action()
    assert servers.command_calls() == before
    assert isinstance(info.value, redis.RedisError)
    return info.value


def two_keys_on_different_shards(r: ShardedRedis) -> tuple[str, str]:
    first = "a0"
    for i in range(1, 1000):
        k = f"a{i}"
        if r.get_node_from_key(k) != r.get_node_from_key(first):
            return first, k
    raise AssertionError("no two shards")


def two_keys_on_one_shard(r: ShardedRedis) -> tuple[str, str]:
    first = "b0"
    for i in range(1, 1000):
        k = f"b{i}"
        if r.get_node_from_key(k) == r.get_node_from_key(first):
            return first, k
    raise AssertionError("no two keys together")


def test_refusals_send_nothing(shard_servers: Servers, r: ShardedRedis) -> None:
    a, b = two_keys_on_different_shards(r)
    r.set(a, 1)
    r.sadd("s" + a, 1)
    e = counters_unchanged(shard_servers, lambda: r.rename(a, b), CrossShardError)
    assert isinstance(e, CrossShardError) and isinstance(e, ShardingError)
    assert e.command == "RENAME" and e.shards == [r.get_node_from_key(a), r.get_node_from_key(b)]
    assert "RENAME" in str(e) and all(s in str(e) for s in e.shards)
    counters_unchanged(shard_servers, lambda: r.msetnx({a: 1, b: 2}), CrossShardError)
    counters_unchanged(shard_servers, lambda: r.sinterstore(a, [b]), CrossShardError)
    counters_unchanged(shard_servers, lambda: r.eval("return 1", 2, a, b), CrossShardError)
    counters_unchanged(shard_servers, r.info, KeylessCommandError)
    counters_unchanged(shard_servers, lambda: r.scan(0), KeylessCommandError)
    counters_unchanged(shard_servers, lambda: r.execute_command("NOSUCHCOMMAND", a), UnroutableCommandError)
    counters_unchanged(shard_servers, lambda: r.execute_command("GET"), UnroutableCommandError)

    # A whole pipeline is refused when one command is, nothing sent.
    def refused_pipeline() -> None:
        p = r.pipeline(transaction=False)
        p.set(a, 1).get(b).mget(a, b).rename(a, b).get(a)
        p.execute()

    e = counters_unchanged(shard_servers, refused_pipeline, CrossShardError)
    assert isinstance(e, CrossShardError) and e.position == 3 and e.command == "RENAME"
    assert str(e).startswith("command 3 of the pipeline: RENAME has keys on several shards")

    def keyless_in_pipeline() -> None:
        r.pipeline(transaction=False).set(a, 1).execute_command("CLIENT LIST").execute()

    counters_unchanged(shard_servers, keyless_in_pipeline, KeylessCommandError)

    # A transaction over two shards: refused at the first offending command.
    def cross_transaction() -> None:
        p = r.pipeline()
        p.set(a, 1).incr(a)
        p.get(b)

    e = counters_unchanged(shard_servers, cross_transaction, CrossShardTransactionError)
    assert "command 0 (SET)" in str(e) and "command 2 (GET)" in str(e)
    assert isinstance(e, CrossShardTransactionError)
    assert e.positions == (0, 2) and e.commands == ("SET", "GET")
    assert "a non-transactional pipeline can split them" in str(e)

    def cross_watch() -> None:
        r.pipeline().watch(a, b)

    counters_unchanged(shard_servers, cross_watch, CrossShardTransactionError)

    def watch_then_other_shard() -> None:
        p = r.pipeline()
        try:
            p.watch(a)
            p.multi()
            p.set(b, 1)
        finally:
            p.reset()

    before = shard_servers.command_calls()
    with pytest.raises(CrossShardTransactionError):
        watch_then_other_shard()
    after = shard_servers.command_calls()
    # Only the WATCH (and the UNWATCH of reset) reached a's shard; nothing else anywhere.
    shard_a = shard_servers.specs.index(spec_of(r, a.encode(), shard_servers.specs))
    for i, (x, y) in enumerate(zip(before, after)):
        changed = {k for k in set(x) | set(y) if x.get(k) != y.get(k)}
        assert changed <= ({"cmdstat_watch", "cmdstat_unwatch"} if i == shard_a else set())


def test_keyless_transaction_refused(shard_servers: Servers, r: ShardedRedis) -> None:
    def keyless() -> None:
        r.pipeline().ping().execute()

    counters_unchanged(shard_servers, keyless, KeylessCommandError)


@pytest.mark.parametrize("decode", [False, True])
def test_reply_shapes_match_plain_redis(shard_servers: Servers, decode: bool) -> None:
    with Servers(1) as single:
        plain = single.client(0, decode_responses=decode)
        shard_servers.flushall()
        r = sharded(shard_servers, decode_responses=decode)
        calls: list[Callable[[Any], Any]] = [
            lambda c: c.set("s1", "v1"),
            lambda c: c.set("s1", "v1", nx=True),
            lambda c: c.get("s1"),
            lambda c: c.get("nothing"),
            lambda c: c.mset({"m1": 1, "m2": "two", "m3": "\u00e9"}),
            lambda c: c.mget(["m1", "m2", "nothing", "m1"]),
            lambda c: c.mget("m1", "m2"),
            lambda c: c.mget([]),
            lambda c: c.incr("n"),
            lambda c: c.incrbyfloat("f", 1.5),
            lambda c: c.hset("h", mapping={"a": 1, "b": 2}),
            lambda c: c.hgetall("h"),
            lambda c: c.hmget("h", ["a", "zz"]),
            lambda c: c.lpush("l", 1, 2, 3),
            lambda c: c.lrange("l", 0, -1),
            lambda c: c.sadd("st", "x", "y"),
            lambda c: sorted(c.smembers("st")),
            lambda c: c.zadd("z", {"a": 1.5, "b": 2}),
            lambda c: c.zrange("z", 0, -1, withscores=True),
            lambda c: c.zscore("z", "a"),
            lambda c: c.expire("s1", 100),
            lambda c: c.ttl("s1") > 0,
            lambda c: c.type("h"),
            lambda c: c.exists("s1", "h", "nothing", "s1"),
            lambda c: c.touch("s1", "h"),
            lambda c: c.xlen("stream") if c.xadd("stream", {"f": "v"}) else None,
            lambda c: c.eval("return {KEYS[1], ARGV[1]}", 1, "s1", "arg"),
            lambda c: c.ping(),
            lambda c: c.dbsize(),
            lambda c: sorted(c.keys("m*")),
            lambda c: c.script_load("return 7"),
            lambda c: c.script_exists("5ce2b5f4cfa4a8f4a8f4a8f4a8f4a8f4a8f4a8f4", c.script_load("return 7")),
            lambda c: c.evalsha(c.script_load("return KEYS[1]"), 1, "k"),
            lambda c: c.unlink("m1", "nothing"),
            lambda c: c.delete("m2", "h", "l"),
            lambda c: c.getdel("s1"),
            lambda c: c.flushdb(),
            lambda c: c.dbsize(),
        ]
        for n, call in enumerate(calls):
            want, got = call(plain), call(r)
            assert got == want and type(got) is type(want), (n, want, got)
        plain.close()
        r.close()


def test_pipeline_errors_annotated(shard_servers: Servers, r: ShardedRedis) -> None:
    a, b = two_keys_on_different_shards(r)
    r.set(b, "string")
    p = r.pipeline(transaction=False)
    p.set(a, 1).mget(a, b, a).lpush(b, 1).incr(a).dbsize().delete("x1", "x2")
    with pytest.raises(redis.ResponseError) as info:
        p.execute()
    assert str(info.value).startswith(f"Command # 3 (LPUSH {b} 1) of pipeline caused error: WRONGTYPE")
    # Every other command ran.
    assert r.get(a) == b"2"
    p.set(a, 5).lpush(b, 1).mget(a, b).incr(a).dbsize()
    out = p.execute(raise_on_error=False)
    assert out[0] is True and isinstance(out[1], redis.ResponseError)
    assert out[2:] == [[b"5", b"string"], 6, 2]
    assert len(p) == 0 and p.execute() == []


def keys_on_one_shard(r: ShardedRedis, count: int, prefix: str) -> list[str]:
    by_shard: dict[str, list[str]] = {}
    for i in range(10000):
        k = f"{prefix}{i}"
        group = by_shard.setdefault(r.get_node_from_key(k), [])
        group.append(k)
        if len(group) == count:
            return group
    raise AssertionError("no shard")


def test_transaction_on_one_shard_is_multi_exec(shard_servers: Servers, r: ShardedRedis) -> None:
    keys = keys_on_one_shard(r, 3, "acct:")
    shard = shard_servers.specs.index(spec_of(r, keys[0].encode(), shard_servers.specs))
    before = shard_servers.command_calls()
    with r.pipeline() as p:
        p.set(keys[0], 10).decrby(keys[0], 3).incrby(keys[1], 3).rpush(keys[2], "moved")
        assert p.execute() == [True, 7, 3, 1]
    after = shard_servers.command_calls()
    for i in range(shard_servers.count):
        delta = {k: after[i].get(k, 0) - before[i].get(k, 0) for k in set(after[i]) | set(before[i])}
        delta = {k: v for k, v in delta.items() if v}
        if i == shard:
            assert delta == {"cmdstat_multi": 1, "cmdstat_set": 1, "cmdstat_decrby": 1,
                             "cmdstat_incrby": 1, "cmdstat_rpush": 1, "cmdstat_exec": 1}
        else:
            assert delta == {}
    # Atomic there: a command failing at EXEC does not stop the others, and
    # a bad command rejected at queue time (EXECABORT) runs none.
    with r.pipeline() as p:
        p.set(keys[0], "x").incr(keys[0]).set(keys[1], "after")
        out = p.execute(raise_on_error=False)
    assert out[0] is True and isinstance(out[1], redis.ResponseError) and out[2] is True


def test_watch(shard_servers: Servers, r: ShardedRedis) -> None:
    key, other = "{w}a", "{w}b"
    r.set(key, 1)
    with r.pipeline() as p:
        p.watch(key, other)
        assert p.get(key) == b"1"
        p.multi()
        p.set(key, 2)
        assert p.execute() == [True]
    with r.pipeline() as p:
        p.watch(key)
        r.set(key, 99)  # someone else writes the watched key
        p.multi()
        p.set(key, 3)
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get(key) == b"99"


def test_strict_tags(shard_servers: Servers) -> None:
    shard_servers.flushall()
    loose = sharded(shard_servers)
    # The pool's hash_tag makes {t} keys colocated by construction.
    strict = ShardedRedis({s: shard_servers.client(i) for i, s in enumerate(shard_servers.specs)},
                          strict_tags=True, hash_tag="{}", **SCHEME)
    a, b = two_keys_on_one_shard(strict)
    assert loose.get_node_from_key(a) == strict.get_node_from_key(a)  # no tags in them
    loose.set(a, 1)
    assert loose.rename(a, b) is True  # same shard: fine by default
    before = shard_servers.command_calls()
    with pytest.raises(CrossShardError) as info:
        strict.rename(b, a)
    assert "hash tag" in str(info.value) and info.value.command == "RENAME"
    with pytest.raises(CrossShardError):
        strict.sinterstore(a, [b])
    with pytest.raises(CrossShardTransactionError):
        strict.pipeline().set(a, 1).set(b, 2)
    with pytest.raises(CrossShardTransactionError):
        strict.pipeline().watch(a, b)
    assert shard_servers.command_calls() == before
    # Shared tags, one key, and split commands are fine.
    assert strict.set("{t}a", 1) and strict.rename("{t}a", "{t}b") is True
    strict.sadd("{t}s", 1)
    assert strict.sinterstore("{t}c", ["{t}s"]) == 1
    assert strict.rename("{t}b", "{t}b") is True
    assert strict.mget(a, b, "{t}b") == [None, b"1", b"1"]
    with strict.pipeline() as p:
        assert p.set("{t}x", 1).incr("{t}x").execute() == [True, 2]
    # Without a pool hash_tag twemproxy hashes whole keys: braces are no tag
    # there, and only one key repeated passes.
    plain_strict = ShardedRedis(loose.get_nodes(), pool=keyroute.Pool(shard_servers.specs, scheme="twemproxy-ketama",
                                hash="fnv1a_64"), strict_tags=True)
    tagged = keys_on_one_shard(loose, 2, "{u}")
    loose.set(tagged[0], 1)
    with pytest.raises(CrossShardError):
        plain_strict.rename(tagged[0], tagged[1])
    assert plain_strict.rename(tagged[0], tagged[0]) is True
    with pytest.raises(CrossShardError):
        plain_strict.rename(tagged[1], b)
    loose.close()
    strict.close()


def test_fan_out(shard_servers: Servers, r: ShardedRedis) -> None:
    keys = [f"fan{i}" for i in range(40)]
    r.mset({k: 1 for k in keys})
    assert r.ping() is True
    per = [c.dbsize() for c in r.get_nodes().values()]
    assert r.dbsize() == sum(per) == 40 and len([n for n in per if n]) > 1
    in_order = [k for c in r.get_nodes().values() for k in c.keys("fan*")]
    assert r.keys("fan*") == in_order
    sha = r.script_load("return 1")
    assert r.script_exists(sha, "0" * 40) == [True, False]
    first = next(iter(r.get_nodes().values()))
    first.script_flush()
    assert r.script_exists(sha) == [False]  # every shard must have it
    assert r.script_load("return 1") == sha and r.script_exists(sha) == [True]
    assert r.script_flush() is True and r.script_exists(sha) == [False]
    assert r.flushdb() is True and r.dbsize() == 0
    assert r.execute_command("PING") is True


def test_helpers_and_close(shard_servers: Servers) -> None:
    shard_servers.flushall()
    r = sharded(shard_servers)
    names = [f"shard{i}" for i in range(4)]
    assert list(r.get_nodes()) == names and list(r.shards) == names
    pool = keyroute.Pool(shard_servers.specs, scheme="twemproxy-ketama", hash="fnv1a_64")
    keys: list[str | bytes] = ["x", b"\xff\x00", "{t}y"]
    for k in keys:
        i = pool.index_for(k)
        assert r.get_node_from_key(k) == names[i]
        assert r.get_client_for_key(k) is r.get_nodes()[names[i]]
    # close() closes every shard's client: the servers see them go.
    def connected() -> list[int]:
        out = []
        for i in range(shard_servers.count):
            with shard_servers.client(i) as watcher:
                out.append(sum(1 for c in watcher.client_list() if c.get("name") == "closing"))
        return out

    assert connected() == [0] * 4
    with sharded(shard_servers, client_name="closing") as r2:
        r2.mget(corpus(4, 200))
        assert connected() == [1] * 4
    deadline = time.monotonic() + 5
    while any(connected()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert connected() == [0] * 4
    r.set("x", 1)
    assert r.for_each_shard(lambda c: c.dbsize()) == {n: int(n == r.get_node_from_key("x")) for n in names}
    # Same pool given as pool=, by alias, by spec, or as a list.
    for shards in ({n: c for n, c in r.get_nodes().items()},
                   dict(zip(shard_servers.specs, r.get_nodes().values())),
                   list(r.get_nodes().values())):
        other = ShardedRedis(shards, pool=pool)
        assert other.get("x") == b"1"
    r.close()


def test_bad_constructor_input(shard_servers: Servers) -> None:
    c = [shard_servers.client(i) for i in range(4)]
    specs = shard_servers.specs
    good = dict(zip(specs, c))
    pool = keyroute.Pool(specs, scheme="twemproxy-ketama")
    cases: list[tuple[Callable[[], object], type[BaseException], str]] = [
        (lambda: ShardedRedis(good), TypeError, "exactly one of"),
        (lambda: ShardedRedis(good, scheme="twemproxy-ketama", pool=pool), TypeError, "exactly one of"),
        (lambda: ShardedRedis(c, scheme="twemproxy-ketama"), TypeError, "dict"),
        (lambda: ShardedRedis(good, scheme="no-such-scheme"), keyroute.PartitionError, "no-such-scheme"),
        (lambda: ShardedRedis(good, scheme="twemproxy-ketama", hash="nope"), keyroute.KeyrouteError, "nope"),
        (lambda: ShardedRedis(good, scheme="twemproxy-ketama", no_such_option=1), TypeError, "no_such_option"),
        (lambda: ShardedRedis(good, pool=pool, hash="fnv1a_64"), TypeError, "pool options"),
        (lambda: ShardedRedis(c[:3], pool=pool), ValueError, "4 servers and 3 clients"),
        (lambda: ShardedRedis(dict(list(good.items())[:3]), pool=pool), ValueError, "no client"),
        (lambda: ShardedRedis({**good, "extra": c[0]}, pool=pool), ValueError, "not in the pool"),
        (lambda: ShardedRedis({**good, "shard0": c[0]}, pool=pool), ValueError, "two clients"),
        (lambda: ShardedRedis({s: None for s in specs}, scheme="twemproxy-ketama"), ValueError, "no client"),
        (lambda: ShardedRedis("127.0.0.1:1:1", pool=pool), TypeError, "list of clients"),
        (lambda: ShardedRedis(good, pool="not a pool"), TypeError, "keyroute.Pool"),  # type: ignore[arg-type]
        (lambda: ShardedRedis(good, cluster="nope"), TypeError, "Cluster"),  # type: ignore[arg-type]
        (lambda: ShardedRedis({1: c[0]}, scheme="twemproxy-ketama"), TypeError, "str"),  # type: ignore[dict-item]
        (lambda: ShardedRedis({"127.0.0.1:1:1 a": c[0], "127.0.0.1:2:1 a": c[1]}, scheme="twemproxy-ketama"),
         keyroute.KeyrouteError, "."),
        (lambda: ShardedRedis(good, scheme="twemproxy-ketama", strict_tags=1), TypeError, "strict_tags"),  # type: ignore[arg-type]
        (lambda: ShardedRedis({s: redis.Redis(port=1, encoding="latin-1") for s in specs},
                              scheme="twemproxy-ketama"), ValueError, "utf-8"),
        (lambda: ShardedRedis({s: redis.asyncio.Redis() for s in specs}, scheme="twemproxy-ketama"),
         TypeError, "asyncio"),
    ]
    for make, error, text in cases:
        with pytest.raises(error, match=text):
            make()


def test_cluster_placement(live_cluster: Any) -> None:
    primaries = []
    with redis.Redis(port=live_cluster.ports[0]) as seed:
        cluster = keyroute.Cluster.from_redis(seed)
        for shard in cluster.shards:
            primaries.append(shard.primary.port)
    shards = {f"127.0.0.1:{p}": redis.Redis(port=p) for p in primaries}
    r = ShardedRedis(shards, cluster=cluster)
    keys = corpus(9, 600)
    values = {k: b"c" + k for k in keys}
    assert r.mset(values) is True
    assert r.mget(keys) == [values[k] for k in keys]
    for k in keys[:200]:
        node, _ = cluster.node_for(k)
        assert r.get_node_from_key(k) == node.addr
        with redis.Redis(port=node.port) as c:
            assert c.get(k) == values[k]  # no MOVED: it is on the slot's primary
    assert r.delete(*keys) == len(keys)
    # A cluster node runs a transaction within one slot: two slots of one
    # primary are refused before anything is sent, one slot runs.
    a = b"tx:0"
    b = next(k for k in (f"tx:{i}".encode() for i in range(1, 500))
             if cluster.node_for(k)[0] == cluster.node_for(a)[0] and keyroute.key_slot(k) != keyroute.key_slot(a))
    with r.pipeline() as p:
        p.set(a, 1)
        with pytest.raises(CrossShardTransactionError, match="slots"):
            p.set(b, 1)
    with r.pipeline() as p:
        assert p.set(b"{tx}a", 1).incr(b"{tx}a").get(b"{tx}a").execute() == [True, 2, b"2"]
    with r.pipeline(transaction=False) as p:
        assert p.set(a, 1).set(b, 2).mget(a, b).execute() == [True, True, [b"1", b"2"]]
    with pytest.raises(ValueError, match="not among the shards"):
        ShardedRedis(dict(list(shards.items())[:-1]), cluster=cluster)
    with pytest.raises(ValueError, match="not a primary"):
        ShardedRedis({**shards, "127.0.0.1:1": redis.Redis(port=1)}, cluster=cluster)
    r.close()


def test_connection_errors_surface_unchanged(shard_servers: Servers) -> None:
    from _shard_servers import free_port

    shard_servers.flushall()
    dead = free_port()  # nothing listens there
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    down = redis.Redis(port=dead, socket_connect_timeout=1, retry=Retry(NoBackoff(), 0))
    clients = [shard_servers.client(i) for i in range(3)] + [down]
    pool = keyroute.Pool(shard_servers.specs, scheme="twemproxy-ketama", hash="fnv1a_64")
    r = ShardedRedis(clients, pool=pool)
    names = list(r.get_nodes())
    keys = [f"d{i}" for i in range(100)]
    on_dead = [k for k in keys if r.get_node_from_key(k) == names[3]]
    alive = [k for k in keys if r.get_node_from_key(k) != names[3]]
    assert on_dead and alive
    assert r.set(alive[0], 1) is True
    with pytest.raises(redis.ConnectionError):
        r.set(on_dead[0], 1)
    with pytest.raises(redis.ConnectionError):
        r.mget(keys)  # nothing re-routed: the shard's error, not a miss
    assert r.mget(alive[:1]) == [b"1"]
    r.close()


def calls_delta(before: list[dict[str, int]], after: list[dict[str, int]]) -> list[dict[str, int]]:
    """Per server, the commands called between the two readings."""
    out = []
    for x, y in zip(before, after):
        out.append({k: y.get(k, 0) - x.get(k, 0) for k in set(x) | set(y) if y.get(k, 0) != x.get(k, 0)})
    return out


def test_tip_fan_outs(shard_servers: Servers, r: ShardedRedis) -> None:
    """Keyless commands that go to every shard by their command tips, and
    whose replies combine by the tips' response policy."""
    own = list(r.get_nodes().values())
    # SLOWLOG LEN, summed: every shard logs every command while the
    # threshold is 0 (CONFIG SET reaches every shard), then stops logging.
    assert r.slowlog_reset() is True
    assert r.config_set("slowlog-log-slower-than", 0) is True
    # Keys on every shard (twemproxy's ketama puts similar short keys on
    # one shard, so they come from the corpus).
    keys = corpus(21, 40)
    assert {r.get_node_from_key(k) for k in keys} == set(r.get_nodes())
    for k in keys:
        r.set(k, 1)
    assert r.config_set("slowlog-log-slower-than", -1) is True
    per_shard = [c.slowlog_len() for c in own]
    assert all(n > 0 for n in per_shard), per_shard
    assert r.slowlog_len() == sum(per_shard)
    assert r.slowlog_reset() is True and [c.slowlog_len() for c in own] == [0] * 4
    assert r.config_set("slowlog-log-slower-than", 10000) is True
    # CONFIG SET on every shard, read back by each shard's own client.
    assert r.config_set("maxmemory-policy", "allkeys-lru") is True
    assert [c.config_get("maxmemory-policy") for c in own] == [{"maxmemory-policy": "allkeys-lru"}] * 4
    assert r.config_set("maxmemory-policy", "noeviction") is True
    assert [c.config_get("maxmemory-policy") for c in own] == [{"maxmemory-policy": "noeviction"}] * 4
    # WAIT 0 0: every shard asked, the least count of replicas (none here).
    before = shard_servers.command_calls()
    assert r.wait(0, 0) == 0
    assert calls_delta(before, shard_servers.command_calls()) == [{"cmdstat_wait": 1}] * 4


def test_randomkey(shard_servers: Servers, r: ShardedRedis) -> None:
    # Empty everywhere: nil, after asking every shard.
    before = shard_servers.command_calls()
    assert r.randomkey() is None
    assert calls_delta(before, shard_servers.command_calls()) == [{"cmdstat_randomkey": 1}] * 4
    # One key on one shard: the empty shards' nils never win.
    r.set("only", 1)
    assert all(r.randomkey() == b"only" for _ in range(20))
    # Keys on every shard: each answer is a key that exists, and the shard
    # it comes from is drawn at random (4 shards: 64 draws from one shard
    # only would happen once in 4**63).
    keys = set(corpus(22, 200)) | {b"only"}
    r.mset({k: 1 for k in keys})
    got = [r.randomkey() for _ in range(64)]
    assert set(got) <= keys
    assert len({r.get_node_from_key(k) for k in got if k is not None}) > 1
    # In a pipeline too.
    p = r.pipeline(transaction=False)
    p.randomkey().dbsize().wait(0, 0)
    picked, size, replicas = p.execute()
    assert picked in keys and size == len(keys) and replicas == 0


def test_refusals_by_the_tips_send_nothing(shard_servers: Servers, r: ShardedRedis) -> None:
    calls: list[tuple[Callable[[], object], str]] = [
        (r.slowlog_get, "per_shard"),
        (r.info, "special"),
        (r.time, "no_policy"),
        (lambda: r.scan(0), "special"),
    ]
    for call, reason in calls:
        e = counters_unchanged(shard_servers, call, KeylessCommandError)
        assert isinstance(e, KeylessCommandError) and e.reason == reason
        assert "run it on a shard's own client" in str(e)


def test_error_tree(shard_servers: Servers, r: ShardedRedis) -> None:
    """The refusals are redis-py RedisErrors and keyroute's own classes at
    once, with the core's codes."""
    from keyroute.redis import NotColocatedError, TransactionStateError

    a, b = two_keys_on_different_shards(r)
    try:
        r.rename(a, b)
    except keyroute.CrossShardError as e:
        assert isinstance(e, redis.RedisError) and isinstance(e, CrossShardError)
        assert isinstance(e, keyroute.ShardingError) and isinstance(e, keyroute.KeyrouteError)
        assert e.code == CrossShardError.code == keyroute.CrossShardError.code == "ERR_KEYROUTE_CROSS_SHARD"
        assert e.shard_indexes == [list(r.get_nodes()).index(n) for n in e.shards] and e.position is None
    else:
        raise AssertionError("not refused")
    pairs = [
        (ShardingError, keyroute.ShardingError, "ERR_KEYROUTE_SHARDING"),
        (CrossShardError, keyroute.CrossShardError, "ERR_KEYROUTE_CROSS_SHARD"),
        (NotColocatedError, keyroute.NotColocatedError, "ERR_KEYROUTE_NOT_COLOCATED"),
        (CrossShardTransactionError, keyroute.CrossShardTransactionError, "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION"),
        (KeylessCommandError, keyroute.KeylessCommandError, "ERR_KEYROUTE_KEYLESS"),
        (UnroutableCommandError, keyroute.UnroutableCommandError, "ERR_KEYROUTE_UNROUTABLE"),
        (TransactionStateError, keyroute.TransactionStateError, "ERR_KEYROUTE_TRANSACTION_STATE"),
    ]
    for mine, core, code in pairs:
        assert issubclass(mine, core) and issubclass(mine, redis.RedisError)
        assert mine.code == core.code == code and mine.__name__ == core.__name__
    for child, parent in [(CrossShardError, ShardingError), (NotColocatedError, CrossShardError),
                          (CrossShardTransactionError, CrossShardError), (KeylessCommandError, ShardingError),
                          (UnroutableCommandError, ShardingError), (TransactionStateError, ShardingError)]:
        assert issubclass(child, parent)
    # The core's cause of an unroutable command.
    with pytest.raises(UnroutableCommandError) as info:
        r.execute_command("NOSUCHCOMMAND", a)
    assert isinstance(info.value.__cause__, keyroute.UnknownCommandError)
    # MULTI and WATCH out of turn.
    with r.pipeline() as p:
        p.watch(a)
        p.multi()
        with pytest.raises(TransactionStateError, match="MULTI calls can not be nested"):
            p.multi()
        with pytest.raises(TransactionStateError, match="WATCH inside MULTI"):
            p.watch(a)


def test_unwatch_frees_the_shard(shard_servers: Servers, r: ShardedRedis) -> None:
    a, b = two_keys_on_different_shards(r)
    r.set(a, 1)
    r.set(b, 1)
    shard_a = list(r.get_nodes()).index(r.get_node_from_key(a))
    with r.pipeline() as p:
        p.watch(a)
        before = shard_servers.command_calls()
        assert p.unwatch() is True
        assert calls_delta(before, shard_servers.command_calls()) == [
            {"cmdstat_unwatch": 1} if i == shard_a else {} for i in range(4)]
        # Nothing watched any more: another shard may be watched.
        p.watch(b)
        p.multi()
        p.incr(b)
        assert p.execute() == [2]
    before = shard_servers.command_calls()
    assert p.unwatch() is True  # nothing watched: nothing sent
    assert shard_servers.command_calls() == before


def test_each_part_names_its_keys_for_the_cache() -> None:
    """redis-py's client-side cache reads a command's `keys=` option: each
    part of a split gets its own keys (when a shard client caches; the
    cache needs Redis 7.4, so this is checked without servers)."""
    from keyroute.redis._core import sends

    specs = [f"127.0.0.1:{7000 + i}:1 s{i}" for i in range(4)]
    r = ShardedRedis({s: redis.Redis(port=1) for s in specs}, **SCHEME)
    ks = corpus(31, 300)
    for name in ("MGET", "EXISTS"):
        args = (name, *ks)
        step = r._shards.plan(args)
        assert isinstance(step, keyroute.ShardSplit) and len(step.shards) == 4
        options = {"keys": list(ks)}
        out = sends(step, args, options, True)
        assert [(s, a) for s, a, _ in out] == step.commands
        assert [o["keys"] for _, a, o in out] == [list(a[1:]) for _, a, _ in out]
        # Without a caching client the option is passed on as it is.
        assert all(o is options for _, _, o in sends(step, args, options, False))
    # A keys= option that does not name the keys is dropped rather than misread.
    step = r._shards.plan(("MGET", *ks))
    assert isinstance(step, keyroute.ShardSplit)
    assert all("keys" not in o for _, _, o in sends(step, ("MGET", *ks), {"keys": ks[:3]}, True))
    r.close()
