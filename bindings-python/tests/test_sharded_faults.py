"""A shard killed (its redis-server stopped by PID) after commands were
planned and queued, before or while they run: the sharded clients, sync and
asyncio, report per position when asked (``raise_on_error=False``), raise
``PartialWriteError`` / ``PartialReplyError`` naming the shards for a split
or fanned-out command, and the surviving shards' writes are really there
(read back with each shard's own client)."""

# redis-py's command mixins type every command by its reply, also on a
# pipeline, where a queued command returns the pipeline.
# mypy: disable-error-code="union-attr, attr-defined, misc"
from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import redis.asyncio
from redis.backoff import NoBackoff
from redis.retry import Retry

import keyroute
from _shard_servers import Servers
from keyroute.redis import PartialReplyError, PartialWriteError, ShardedRedis
from keyroute.redis.asyncio import ShardedRedis as AsyncShardedRedis

SCHEME: dict[str, Any] = {"scheme": "twemproxy-ketama", "hash": "fnv1a_64"}
# No retry, short timeouts: a dead shard fails at once and only once.
OPTIONS: dict[str, Any] = {"retry": Retry(NoBackoff(), 0), "socket_timeout": 5, "socket_connect_timeout": 5}
DEAD = 2


@pytest.fixture
def servers() -> Iterator[Servers]:
    """Three redis-servers of their own: one of them is killed per test."""
    with Servers(3) as s:
        yield s


def kill(servers: Servers, i: int) -> None:
    """Stops shard `i`'s redis-server by its PID, at once."""
    proc = servers.procs[i]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def keys_by_shard(router: keyroute.ShardRouter, count: int) -> list[list[str]]:
    """Two keys on each shard."""
    out: list[list[str]] = [[] for _ in range(count)]
    i = 0
    while any(len(k) < 2 for k in out):
        k = f"f{i}"
        s = router.index_for(k)
        if len(out[s]) < 2:
            out[s].append(k)
        i += 1
    return out


def check_partial(
    e: PartialReplyError, names: list[str], command: str, write: bool, applied: list[int], failed: list[int]
) -> None:
    assert isinstance(e, keyroute.PartialReplyError)
    assert isinstance(e, redis.ConnectionError)  # what a dead shard raised before
    assert isinstance(e, PartialWriteError) is write
    assert e.code == ("ERR_KEYROUTE_PARTIAL_WRITE" if write else "ERR_KEYROUTE_PARTIAL_REPLY")
    assert e.command == command
    assert e.write is write
    assert e.applied == [names[i] for i in applied]
    assert e.applied_indexes == applied
    assert e.failed == e.shards == [names[i] for i in failed]
    assert e.failed_indexes == e.shard_indexes == failed
    assert e.unanswered == [names[i] for i in failed]
    assert set(e.errors) == {names[i] for i in failed}
    for err in e.errors.values():
        assert isinstance(err, redis.ConnectionError) and not isinstance(err, PartialReplyError)
    shards = ", ".join(names[i] for i in failed)
    assert f"failed on {shards}" in str(e)


def sync_client(servers: Servers) -> ShardedRedis:
    return ShardedRedis({s: servers.client(i, **OPTIONS) for i, s in enumerate(servers.specs)}, **SCHEME)


@pytest.mark.parametrize("warm", [True, False], ids=["connected", "fresh"])
def test_sync_pipeline_reports_per_position(servers: Servers, warm: bool) -> None:
    r = sync_client(servers)
    names = list(r.get_nodes())
    (a, a2), _, (d, d2) = keys_by_shard(r._shards.router, 3)
    if warm:
        assert r.ping() is True  # every shard's pool holds a live connection
    p = r.pipeline(transaction=False)
    p.set(a, "1").set(d, "1").mset({a2: "2", d2: "2"}).get(a).mget(a, d).incr(a2)
    kill(servers, DEAD)
    out = p.execute(raise_on_error=False)
    assert len(out) == 6
    assert out[0] is True
    assert isinstance(out[1], redis.ConnectionError) and not isinstance(out[1], PartialReplyError)
    assert isinstance(out[2], PartialWriteError)
    check_partial(out[2], names, "MSET", True, [0], [DEAD])
    assert out[2].position == 2 and out[4].position == 4  # their places in the pipeline
    assert out[3] == b"1"
    assert isinstance(out[4], PartialReplyError) and not isinstance(out[4], PartialWriteError)
    check_partial(out[4], names, "MGET", False, [0], [DEAD])
    assert out[5] == 3  # after the MSET's part on its shard, in queue order
    r.close()


def test_sync_pipeline_raises_and_the_other_shards_wrote(servers: Servers) -> None:
    r = sync_client(servers)
    (a, a2), (b, _), (d, _) = keys_by_shard(r._shards.router, 3)
    p = r.pipeline(transaction=False)
    p.set(a, "1").set(b, "1").set(d, "1").mset({a2: "2", d: "3"})
    kill(servers, DEAD)
    with pytest.raises(redis.ConnectionError) as info:
        p.execute()
    assert not isinstance(info.value, PartialReplyError)  # position 2's own error, the first
    # The other shards' commands ran, all of them.
    assert servers.client(0).mget([a, a2]) == [b"1", b"2"]
    assert servers.client(1).get(b) == b"1"
    r.close()


def test_sync_split_write_raises_partial_write(servers: Servers) -> None:
    r = sync_client(servers)
    names = list(r.get_nodes())
    (a, a2), (b, b2), (d, d2) = keys_by_shard(r._shards.router, 3)
    assert r.mset({a: "x", b: "x", d: "x"}) is True
    kill(servers, DEAD)
    with pytest.raises(PartialWriteError) as info:
        r.mset({a2: "1", b2: "1", d2: "1"})
    check_partial(info.value, names, "MSET", True, [0, 1], [DEAD])
    assert info.value.position is None
    assert isinstance(info.value.__cause__, redis.ConnectionError)
    assert servers.client(0).get(a2) == b"1" and servers.client(1).get(b2) == b"1"
    with pytest.raises(PartialWriteError) as info:
        r.delete(a, b, d)
    check_partial(info.value, names, "DEL", True, [0, 1], [DEAD])
    assert servers.client(0).exists(a) == 0 and servers.client(1).exists(b) == 0
    with pytest.raises(PartialWriteError):
        r.unlink(a2, d2)
    assert servers.client(0).exists(a2) == 0
    # Reads: a partial reply, caught as what a dead shard raised before.
    with pytest.raises(PartialReplyError) as rinfo:
        r.mget(b2, d2)
    check_partial(rinfo.value, names, "MGET", False, [1], [DEAD])
    with pytest.raises(redis.ConnectionError):
        r.exists(b2, d2)
    # A fan-out that writes: FLUSHALL ran on the live shards.
    with pytest.raises(PartialWriteError) as info:
        r.flushall()
    check_partial(info.value, names, "FLUSHALL", True, [0, 1], [DEAD])
    assert servers.client(1).dbsize() == 0
    # Only the dead shard: its own error, nothing partial.
    with pytest.raises(redis.ConnectionError) as cinfo:
        r.mget(d, d2)
    assert not isinstance(cinfo.value, PartialReplyError)
    r.close()


def async_client(servers: Servers) -> AsyncShardedRedis:
    return AsyncShardedRedis(
        {s: redis.asyncio.Redis(host="127.0.0.1", port=p, **OPTIONS) for s, p in zip(servers.specs, servers.ports)},
        **SCHEME,
    )


@pytest.mark.parametrize("warm", [True, False], ids=["connected", "fresh"])
def test_asyncio_pipeline_reports_per_position(servers: Servers, warm: bool) -> None:
    async def main() -> None:
        r = async_client(servers)
        names = list(r.get_nodes())
        (a, a2), _, (d, d2) = keys_by_shard(r._shards.router, 3)
        if warm:
            assert await r.ping() is True
        p = r.pipeline(transaction=False)
        p.set(a, "1").set(d, "1").mset({a2: "2", d2: "2"}).get(a).mget(a, d)
        kill(servers, DEAD)
        out = await p.execute(raise_on_error=False)
        assert out[0] is True
        assert isinstance(out[1], redis.ConnectionError) and not isinstance(out[1], PartialReplyError)
        check_partial(out[2], names, "MSET", True, [0], [DEAD])
        assert out[3] == b"1"
        check_partial(out[4], names, "MGET", False, [0], [DEAD])
        assert servers.client(0).get(a2) == b"2"
        await r.aclose()

    asyncio.run(main())


def test_asyncio_split_and_raising_pipeline(servers: Servers) -> None:
    async def main() -> None:
        r = async_client(servers)
        names = list(r.get_nodes())
        (a, a2), (b, b2), (d, d2) = keys_by_shard(r._shards.router, 3)
        kill(servers, DEAD)
        with pytest.raises(PartialWriteError) as info:
            await r.mset({a2: "1", b2: "1", d2: "1"})
        check_partial(info.value, names, "MSET", True, [0, 1], [DEAD])
        assert servers.client(0).get(a2) == b"1" and servers.client(1).get(b2) == b"1"
        with pytest.raises(PartialReplyError) as rinfo:
            await r.mget(a2, d2)
        assert not isinstance(rinfo.value, PartialWriteError)
        p = r.pipeline(transaction=False)
        p.set(a, "1").set(d, "1").set(b, "1")
        with pytest.raises(redis.ConnectionError):
            await p.execute()
        assert servers.client(0).get(a) == b"1" and servers.client(1).get(b) == b"1"
        await r.aclose()

    asyncio.run(main())
