"""The asyncio twin of ``keyroute.redis``: ``ShardedRedis`` over
``redis.asyncio.Redis`` clients, with the same routing, splitting and
refusals; the shards of a split command or a pipeline are asked at the same
time (``asyncio.gather``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

import redis
import redis.asyncio
from redis.commands.core import AsyncCoreCommands
from redis.client import EMPTY_RESPONSE
from redis.exceptions import RedisError, ResponseError

import keyroute
from keyroute import ShardSplit
from keyroute.redis._core import (
    Batches,
    CrossShardError,
    CrossShardTransactionError,
    FanOut,
    KeylessCommandError,
    Shards,
    ShardingError,
    TransactionState,
    UnroutableCommandError,
    combine,
    first_error,
    merge,
    split_commands,
)

__all__ = [
    "ShardedRedis",
    "ShardedPipeline",
    "ShardingError",
    "CrossShardError",
    "CrossShardTransactionError",
    "KeylessCommandError",
    "UnroutableCommandError",
]

T = TypeVar("T")
_Command = tuple[tuple[Any, ...], dict[str, Any]]


async def _one_shard(client: Any, commands: list[_Command]) -> list[Any]:
    if len(commands) == 1:
        args, options = commands[0]
        try:
            return [await client.execute_command(*args, **options)]
        except ResponseError as e:
            return [e]
    pipe = client.pipeline(transaction=False)
    try:
        for args, options in commands:
            pipe.execute_command(*args, **options)
        return list(await pipe.execute(raise_on_error=False))
    finally:
        await pipe.reset()


async def _run(clients: list[Any], batches: dict[int, list[_Command]]) -> dict[int, list[Any]]:
    """Every shard's commands at the same time; error replies inline. Any
    other error (a lost connection) is raised once every shard is done."""
    if len(batches) == 1:
        ((shard, commands),) = batches.items()
        return {shard: await _one_shard(clients[shard], commands)}
    shards = list(batches)
    done = await asyncio.gather(
        *(_one_shard(clients[s], batches[s]) for s in shards), return_exceptions=True
    )
    for r in done:
        if isinstance(r, BaseException):
            raise r
    return {s: r for s, r in zip(shards, done) if not isinstance(r, BaseException)}


def _raise(reply: Any) -> Any:
    if isinstance(reply, BaseException):
        raise reply
    return reply


class ShardedRedis(AsyncCoreCommands):
    """One ``redis.asyncio.Redis`` per shard, used as one client; see
    ``keyroute.redis.ShardedRedis`` for the arguments."""

    _is_async_client: Literal[True] = True
    _event_dispatcher: Any = None

    def __init__(
        self,
        shards: Mapping[str, Any] | Sequence[Any],
        *,
        scheme: str | None = None,
        pool: keyroute.Pool | None = None,
        cluster: keyroute.SlotMap | None = None,
        strict_tags: bool = False,
        **pool_options: Any,
    ) -> None:
        self._shards = Shards(
            shards,
            scheme=scheme,
            pool=pool,
            cluster=cluster,
            strict_tags=strict_tags,
            pool_options=pool_options,
            owner=type(self).__name__,
        )
        for c in self._shards.clients:
            if isinstance(c, redis.Redis):
                raise TypeError("a sync client: use keyroute.redis.ShardedRedis")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self._shards.names)} shards: {', '.join(self._shards.names)}>"

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Routes one command by keyroute's command table and runs it on its
        shard's client (or splits it, or fans it out)."""
        shards = self._shards
        if len(args) == 1 and EMPTY_RESPONSE in options:
            return options[EMPTY_RESPONSE]  # e.g. mget([]): redis-py's own answer
        step = shards.plan(args)
        clients = shards.clients
        if type(step) is int:
            return await clients[step].execute_command(*args, **options)
        if isinstance(step, FanOut):
            n = len(clients)
            results = await _run(clients, {s: [(args, options)] for s in range(n)})
            return _raise(combine(step.combine, [results[s][0] for s in range(n)]))
        assert isinstance(step, ShardSplit)
        batches: dict[int, list[_Command]] = {}
        at: list[tuple[int, int]] = []
        for shard, part, opts in split_commands(step, options):
            batch = batches.setdefault(shard, [])
            at.append((shard, len(batch)))
            batch.append((part, opts))
        results = await _run(clients, batches)
        return _raise(merge(step, [results[s][j] for s, j in at]))

    async def mget_nonatomic(self, keys: Any, *args: Any) -> Any:
        """``mget``, under RedisCluster's name."""
        return await self.mget(keys, *args)

    async def mset_nonatomic(self, mapping: Mapping[Any, Any]) -> Any:
        """``mset``, under RedisCluster's name: ``True`` when every shard said OK."""
        return await self.mset(mapping)

    def get_encoder(self) -> Any:
        return self._shards.clients[0].get_encoder()

    @property
    def shards(self) -> dict[str, Any]:
        """Every shard's name and client, in pool order."""
        return dict(self._shards.by_name)

    def get_nodes(self) -> dict[str, Any]:
        """Every shard's name and client, in pool order."""
        return dict(self._shards.by_name)

    def get_node_from_key(self, key: Any) -> str:
        """The name of the shard holding ``key``."""
        return self._shards.names[self._shards.index_for(key)]

    def get_client_for_key(self, key: Any) -> Any:
        """The client of the shard holding ``key``."""
        return self._shards.clients[self._shards.index_for(key)]

    async def for_each_shard(self, fn: Callable[[Any], Awaitable[T]]) -> dict[str, T]:
        """``await fn(client)`` for every shard at the same time: ``{name: result}``."""
        names = list(self._shards.by_name)
        done = await asyncio.gather(*(fn(c) for c in self._shards.by_name.values()))
        return dict(zip(names, done))

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> ShardedPipeline:
        """A pipeline (a one-shard transaction by default, as in redis-py)."""
        return ShardedPipeline(self._shards, transaction)

    async def aclose(self) -> None:
        """Closes every shard's client."""
        done = await asyncio.gather(
            *(c.aclose() for c in self._shards.clients), return_exceptions=True
        )
        for r in done:
            if isinstance(r, BaseException):
                raise r

    async def close(self) -> None:
        """``aclose()``."""
        await self.aclose()

    async def __aenter__(self) -> ShardedRedis:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class ShardedPipeline(ShardedRedis):
    """The asyncio ``ShardedPipeline``: the same rules as the sync one,
    shards run at the same time."""

    def __init__(self, shards: Shards, transaction: bool) -> None:
        self._shards = shards
        self.transaction = transaction
        self._queue: list[_Command] = []
        self._tx = TransactionState(shards)
        self._watch_pipe: Any = None
        self._explicit_multi = False

    def __len__(self) -> int:
        return len(self._queue)

    def __bool__(self) -> bool:
        return True

    async def __aenter__(self) -> ShardedPipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.reset()

    def __await__(self) -> Any:
        return self._self().__await__()

    async def _self(self) -> ShardedPipeline:
        return self

    @property
    def command_stack(self) -> list[_Command]:
        return list(self._queue)

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if self._watch_pipe is not None and not self._explicit_multi:
            self._tx.check(args, None)
            return self._watch_pipe.execute_command(*args, **options)
        if self.transaction:
            self._tx.check(args, len(self._queue))
        self._queue.append((args, options))
        return self

    async def watch(self, *names: Any) -> Any:  # type: ignore[override]
        """WATCH keys that must all be on the transaction's one shard."""
        if self._explicit_multi:
            raise RedisError("Cannot issue a WATCH after a MULTI")
        if not names:
            raise RedisError("WATCH needs at least one key")
        self._tx.check(("WATCH", *names), None, "WATCH")
        assert self._tx.shard is not None
        if self._watch_pipe is None:
            self._watch_pipe = self._shards.clients[self._tx.shard].pipeline(transaction=True)
        return await self._watch_pipe.watch(*names)

    async def unwatch(self) -> Any:  # type: ignore[override]
        if self._watch_pipe is None:
            return True
        return await self._watch_pipe.unwatch()

    def multi(self) -> None:
        """Starts the transactional block after ``watch()``."""
        if self._explicit_multi:
            raise RedisError("Cannot issue nested calls to MULTI")
        if self._queue:
            raise RedisError("Commands without an initial WATCH have already been issued")
        self._explicit_multi = True
        self.transaction = True
        if self._watch_pipe is not None:
            self._watch_pipe.multi()

    async def reset(self) -> None:  # type: ignore[override]
        self._queue = []
        self._tx.reset()
        self._explicit_multi = False
        if self._watch_pipe is not None:
            pipe, self._watch_pipe = self._watch_pipe, None
            await pipe.reset()

    async def aclose(self) -> None:
        await self.reset()

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Runs the queue; replies in queue order (see the sync pipeline)."""
        queue = self._queue
        try:
            if self.transaction or self._watch_pipe is not None:
                return await self._execute_transaction(queue, raise_on_error)
            if not queue:
                return []
            batches = Batches(self._shards, queue)
            results = await _run(self._shards.clients, batches.per_shard)
            replies = batches.assemble(results)
            if raise_on_error:
                first_error(queue, replies)
            return replies
        finally:
            await self.reset()

    async def _execute_transaction(self, queue: list[_Command], raise_on_error: bool) -> list[Any]:
        pipe = self._watch_pipe
        if pipe is None:
            if not queue:
                return []
            if self._tx.shard is None:
                raise KeylessCommandError(
                    "a transaction without keys has no shard: run it on a client from get_nodes()",
                    "MULTI",
                )
            pipe = self._shards.clients[self._tx.shard].pipeline(transaction=True)
        elif not self._explicit_multi and queue:
            pipe.multi()
        for args, options in queue:
            pipe.execute_command(*args, **options)
        try:
            return list(await pipe.execute(raise_on_error=raise_on_error))
        finally:
            await pipe.reset()
