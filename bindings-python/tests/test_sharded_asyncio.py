"""keyroute.redis.asyncio.ShardedRedis against the same real servers as
test_sharded.py: placement judged by nutcracker and by where each key is,
refusals by the servers' command counters."""

# redis-py's command mixins type every command by its reply, also on a
# pipeline, where a queued command returns the pipeline (chained below).
# mypy: disable-error-code="union-attr, attr-defined"
from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import redis
import redis.asyncio

from _shard_servers import Servers
from keyroute.redis import CrossShardError, CrossShardTransactionError, KeylessCommandError
from keyroute.redis.asyncio import ShardedRedis
from test_sharded import check_placement, corpus, two_keys_on_different_shards

SCHEME: dict[str, Any] = {"scheme": "twemproxy-ketama", "hash": "fnv1a_64"}


def make(servers: Servers, **kw: Any) -> ShardedRedis:
    return ShardedRedis(
        {s: redis.asyncio.Redis(host="127.0.0.1", port=p, **kw) for s, p in zip(servers.specs, servers.ports)},
        **SCHEME,
    )


def run(servers: Servers, body: Callable[[ShardedRedis], Awaitable[None]]) -> None:
    servers.flushall()

    async def main() -> None:
        async with make(servers) as r:
            await body(r)

    asyncio.run(main())


def sync_twin(servers: Servers) -> Any:
    from keyroute.redis import ShardedRedis as Sync

    return Sync({s: servers.client(i) for i, s in enumerate(servers.specs)}, **SCHEME)


def test_corpus_lands_where_nutcracker_puts_it(shard_servers: Servers) -> None:
    keys = corpus(11)
    values = {k: b"a\x00" + k for k in keys}

    async def body(r: ShardedRedis) -> None:
        half = len(keys) // 2
        assert await r.mset({k: values[k] for k in keys[:half]}) is True
        p = r.pipeline(transaction=False)
        for k in keys[half:]:
            p.set(k, values[k])
        assert await p.execute() == [True] * (len(keys) - half)
        rng = random.Random(3)
        asked = [rng.choice(keys) for _ in range(500)] + [b"missing"] + keys[:2] * 2
        assert await r.mget(asked) == [values.get(k) for k in asked]
        assert await r.mget_nonatomic(asked) == [values.get(k) for k in asked]
        assert await r.dbsize() == len(keys)
        assert await r.exists(*keys[:40]) == 40
        assert await r.delete(*keys[:10]) == 10
        assert await r.set(keys[0], values[keys[0]]) and await r.mset({k: values[k] for k in keys[1:10]})

    run(shard_servers, body)
    sync = sync_twin(shard_servers)
    check_placement(shard_servers, sync, keys, values)
    sync.close()


def test_refusals_send_nothing(shard_servers: Servers) -> None:
    async def body(r: ShardedRedis) -> None:
        sync = sync_twin(shard_servers)
        a, b = two_keys_on_different_shards(sync)
        sync.close()
        await r.set(a, 1)
        before = shard_servers.command_calls()
        with pytest.raises(CrossShardError) as info:
            await r.rename(a, b)
        assert info.value.command == "RENAME" and len(info.value.shards) == 2
        with pytest.raises(KeylessCommandError):
            await r.info()
        with pytest.raises(CrossShardError):
            await r.pipeline(transaction=False).set(a, 1).rename(a, b).execute()
        with pytest.raises(CrossShardTransactionError):
            r.pipeline().set(a, 1).get(b)
        with pytest.raises(CrossShardTransactionError):
            await r.pipeline().watch(a, b)
        assert shard_servers.command_calls() == before
        assert isinstance(info.value, redis.RedisError)

    run(shard_servers, body)


def test_pipelines_transactions_fan_out(shard_servers: Servers) -> None:
    async def body(r: ShardedRedis) -> None:
        sync = sync_twin(shard_servers)
        a, b = two_keys_on_different_shards(sync)
        sync.close()
        await r.set(b, "text")
        p = r.pipeline(transaction=False)
        p.set(a, 1).mget(a, b).lpush(b, 1).incr(a).dbsize()
        with pytest.raises(redis.ResponseError, match=r"^Command # 3 \(LPUSH .*\) of pipeline caused error: WRONGTYPE"):
            await p.execute()
        assert await r.get(a) == b"2"
        p.lpush(b, 1).get(a)
        out = await p.execute(raise_on_error=False)
        assert isinstance(out[0], redis.ResponseError) and out[1] == b"2"
        # A one-shard transaction, and WATCH.
        async with r.pipeline() as t:
            t.set(a, 10).incr(a)
            assert await t.execute() == [True, 11]
        async with r.pipeline() as t:
            await t.watch(a)
            assert await t.get(a) == b"11"
            t.multi()
            t.incr(a)
            await r.set(a, 0)
            with pytest.raises(redis.WatchError):
                await t.execute()
        assert await r.ping() is True
        assert await r.dbsize() == 2
        assert sorted(await r.keys()) == sorted([a.encode(), b.encode()])
        sha = await r.script_load("return 1")
        assert await r.script_exists(sha) == [True]
        names = await r.for_each_shard(lambda c: c.dbsize())
        assert sum(names.values()) == 2 and list(names) == list(r.get_nodes())
        assert r.get_node_from_key(a) != r.get_node_from_key(b)
        assert await r.flushdb() is True

    run(shard_servers, body)


@pytest.mark.parametrize("decode", [False, True])
def test_reply_shapes_match_plain_redis(shard_servers: Servers, decode: bool) -> None:
    shard_servers.flushall()
    calls: list[Callable[[Any], Awaitable[Any]]] = [
        lambda c: c.set("s1", "v1"),
        lambda c: c.get("s1"),
        lambda c: c.mset({"m1": 1, "m2": "two"}),
        lambda c: c.mget(["m1", "m2", "nothing", "m1"]),
        lambda c: c.hset("h", mapping={"a": 1}),
        lambda c: c.hgetall("h"),
        lambda c: c.zadd("z", {"a": 1.5}),
        lambda c: c.zrange("z", 0, -1, withscores=True),
        lambda c: c.exists("s1", "h", "nothing"),
        lambda c: c.delete("m1", "m2", "nothing"),
        lambda c: c.ping(),
        lambda c: c.dbsize(),
    ]

    async def main() -> None:
        with Servers(1) as single:
            plain = redis.asyncio.Redis(port=single.ports[0], decode_responses=decode)
            async with make(shard_servers, decode_responses=decode) as r:
                for n, call in enumerate(calls):
                    want, got = await call(plain), await call(r)
                    assert got == want and type(got) is type(want), (n, want, got)
            await plain.aclose()

    asyncio.run(main())


def test_sync_clients_refused() -> None:
    with pytest.raises(TypeError, match="sync client"):
        ShardedRedis({"127.0.0.1:1:1 a": redis.Redis(port=1)}, scheme="twemproxy-ketama")


def test_tip_fan_outs_and_refusals(shard_servers: Servers) -> None:
    """The keyless commands the command tips send to every shard (SLOWLOG
    LEN summed, CONFIG SET on all, WAIT the least, RANDOMKEY one key that
    exists), and the ones they refuse (SLOWLOG GET, INFO, TIME) sending
    nothing."""
    from test_sharded import calls_delta

    async def body(r: ShardedRedis) -> None:
        own = [redis.asyncio.Redis(port=p) for p in shard_servers.ports]
        assert await r.slowlog_reset() is True
        assert await r.config_set("slowlog-log-slower-than", 0) is True
        for k in corpus(23, 40):
            await r.set(k, 1)
        assert await r.config_set("slowlog-log-slower-than", -1) is True
        per_shard = [await c.slowlog_len() for c in own]
        assert all(n > 0 for n in per_shard) and await r.slowlog_len() == sum(per_shard)
        assert await r.slowlog_reset() is True
        assert await r.config_set("slowlog-log-slower-than", 10000) is True
        assert [await c.config_get("slowlog-log-slower-than") for c in own] == [
            {"slowlog-log-slower-than": "10000"}] * 4
        before = shard_servers.command_calls()
        assert await r.wait(0, 0) == 0
        assert calls_delta(before, shard_servers.command_calls()) == [{"cmdstat_wait": 1}] * 4
        # RANDOMKEY: a key that exists, nil when every shard is empty.
        assert await r.flushdb() is True and await r.randomkey() is None
        keys = set(corpus(24, 100))
        assert {r.get_node_from_key(k) for k in keys} == set(r.get_nodes())
        await r.mset({k: 1 for k in keys})
        got = [await r.randomkey() for _ in range(64)]
        assert set(got) <= keys and len({r.get_node_from_key(k) for k in got if k is not None}) > 1
        before = shard_servers.command_calls()
        calls: list[tuple[Callable[[], Awaitable[Any]], str]] = [
            (r.slowlog_get, "per_shard"), (r.info, "special"), (r.time, "no_policy")]
        for call, reason in calls:
            with pytest.raises(KeylessCommandError) as info:
                await call()
            assert info.value.reason == reason and isinstance(info.value, redis.RedisError)
        assert shard_servers.command_calls() == before
        for c in own:
            await c.aclose()

    run(shard_servers, body)


def test_unwatch(shard_servers: Servers) -> None:
    async def body(r: ShardedRedis) -> None:
        sync = sync_twin(shard_servers)
        a, b = two_keys_on_different_shards(sync)
        sync.close()
        await r.set(b, 1)
        async with r.pipeline() as p:
            await p.watch(a)
            assert await p.unwatch() is True
            await p.watch(b)  # the first shard is free again
            p.multi()
            p.incr(b)
            assert await p.execute() == [2]
        assert await p.unwatch() is True

    run(shard_servers, body)
