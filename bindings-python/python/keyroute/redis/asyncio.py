"""The asyncio twin of ``keyroute.redis``: ``ShardedRedis`` over
``redis.asyncio.Redis`` clients, with the same routing, splitting and
refusals; the shards of a split command or a pipeline are asked at the same
time (``asyncio.gather``)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypeVar

import redis
import redis.asyncio
from redis.commands.core import AsyncCoreCommands
from redis.client import EMPTY_RESPONSE
from redis.exceptions import ResponseError

import keyroute
from keyroute.redis._core import (
    Command,
    CrossShardError,
    CrossShardTransactionError,
    KeylessCommandError,
    NotColocatedError,
    OneCommand,
    PipelineQueue,
    ShardHandles,
    ShardingError,
    TransactionStateError,
    UnroutableCommandError,
    PartialReplyError,
    PartialWriteError,
    first_error,
    pipeline_batches,
    pipeline_faults,
)

__all__ = [
    "ShardedRedis",
    "ShardedPipeline",
    "ShardingError",
    "CrossShardError",
    "NotColocatedError",
    "CrossShardTransactionError",
    "KeylessCommandError",
    "UnroutableCommandError",
    "TransactionStateError",
    "PartialReplyError",
    "PartialWriteError",
]

T = TypeVar("T")


async def _one_shard(client: Any, commands: list[Command]) -> list[Any]:
    """The shard's replies, error replies in place; its failure (a lost
    connection) in place of every reply."""
    try:
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
    except Exception as e:  # the shard's failure, in place (see _run)
        return [e] * len(commands)


async def _run(clients: list[Any], batches: dict[int, list[Command]]) -> dict[int, list[Any]]:
    """Every shard's commands at the same time; error replies in place, and
    a shard's failure in place of its replies, so the other shards' replies
    are kept."""
    if len(batches) == 1:
        ((shard, commands),) = batches.items()
        return {shard: await _one_shard(clients[shard], commands)}
    shards = list(batches)
    done = await asyncio.gather(*(_one_shard(clients[s], batches[s]) for s in shards))
    return dict(zip(shards, done))


# redis-py's own async command classes disagree on command_info's type; mypy
# reports it on any class that adds a base beside them.
class ShardedRedis(ShardHandles, AsyncCoreCommands):  # type: ignore[misc]
    """One ``redis.asyncio.Redis`` per shard, used as one client; see
    ``keyroute.redis.ShardedRedis`` for the arguments."""

    _is_async_client: Literal[True] = True
    _event_dispatcher: Any = None
    _other_kind = (redis.Redis, "a sync client: use keyroute.redis.ShardedRedis")

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        """Routes one command by keyroute's command table and runs it on its
        shard's client (or splits it, or fans it out)."""
        shards = self._shards
        if len(args) == 1 and EMPTY_RESPONSE in options:
            return options[EMPTY_RESPONSE]  # e.g. mget([]): redis-py's own answer
        step = shards.plan(args)
        if isinstance(step, int):
            return await shards.clients[step].execute_command(*args, **options)
        one = OneCommand(step, args, options, shards.caching)
        return one.reply(shards, args, await _run(shards.clients, one.per_shard))

    async def mget_nonatomic(self, keys: Any, *args: Any) -> Any:
        """``mget``, under RedisCluster's name."""
        return await self.mget(keys, *args)

    async def mset_nonatomic(self, mapping: Mapping[Any, Any]) -> Any:
        """``mset``, under RedisCluster's name: ``True`` when every shard said OK."""
        return await self.mset(mapping)

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


class ShardedPipeline(PipelineQueue, ShardedRedis):  # type: ignore[misc]
    """The asyncio ``ShardedPipeline``: the same rules as the sync one,
    shards run at the same time."""

    async def __aenter__(self) -> ShardedPipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.reset()

    def __await__(self) -> Any:
        return self._self().__await__()

    async def _self(self) -> ShardedPipeline:
        return self

    async def watch(self, *names: Any) -> Any:  # type: ignore[override]
        """WATCH keys that must all be on the transaction's one shard."""
        return await self._watch_pipe_for(names).watch(*names)

    async def unwatch(self) -> Any:  # type: ignore[override]
        s = self._session
        if s.in_multi:
            # Inside MULTI, redis-py queues UNWATCH when watching.
            return self.execute_command("UNWATCH") if s.watching else True
        pipe = self._unwatch_pipe()
        if pipe is None:
            return True
        try:
            return await pipe.unwatch()
        finally:
            done = self._unpinned_pipe()
            if done is not None:
                await done.reset()

    async def reset(self) -> None:  # type: ignore[override]
        pipe = self._forget()
        if pipe is not None:
            await pipe.reset()

    async def aclose(self) -> None:
        await self.reset()

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Runs the queue; replies in queue order (see the sync pipeline)."""
        queue = self._queue
        try:
            if self._transactional():
                return await self._execute_transaction(queue, raise_on_error)
            if not queue:
                return []
            plan = self._shards.plan_pipeline(queue)
            results = await _run(self._shards.clients, pipeline_batches(plan, queue, self._shards.caching))
            replies = plan.assemble(results)
            pipeline_faults(self._shards, plan, queue, results, replies)
            if raise_on_error:
                first_error(queue, replies)
            return replies
        finally:
            await self.reset()

    async def _execute_transaction(self, queue: list[Command], raise_on_error: bool) -> list[Any]:
        pipe = self._transaction_pipe(queue)
        if pipe is None:
            return []
        return list(await pipe.execute(raise_on_error=raise_on_error))
