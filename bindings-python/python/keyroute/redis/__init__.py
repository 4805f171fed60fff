"""Client-side sharding over redis-py: ``ShardedRedis`` routes every
command to the shard its keys live on, placed exactly as the named scheme
(twemproxy, redis-rb, uhashring, ...) or a cluster's slot map places them.

Needs redis-py (``pip install keyroute[redis]``); ``keyroute.redis.asyncio``
is the asyncio twin.

- Every command of redis-py's API goes through ``execute_command`` and is
  routed by keyroute's command table; replies are what the wrapped client
  returns (its response callbacks, its ``decode_responses``).
- Where each command goes is keyroute's core's decision (``keyroute.ShardRouter``,
  ``keyroute.ShardSession``), the same in every language: MGET, MSET, DEL,
  EXISTS, TOUCH and UNLINK over several shards are split per shard and put
  back together (MGET in the caller's order, counts summed, MSET ``True``
  only if every shard said OK); keyless commands go where the server's
  command tips send them (PING, FLUSHALL, CONFIG SET: every shard must
  succeed; DBSIZE, SLOWLOG LEN: summed; WAIT: the least; SCRIPT EXISTS:
  element-wise AND; KEYS: concatenated in shard order; RANDOMKEY: a key of
  a random non-empty shard), and are refused where the tips give no
  combination (INFO, SCAN, SLOWLOG GET, TIME, CLIENT LIST...).
- Any other command whose keys are on several shards raises
  ``CrossShardError`` before a byte is sent; the refusals
  (``ShardingError`` and its subclasses) are also ``keyroute``'s classes of
  the same names, with their ``code``.
- Pipelines are split per shard and reassembled in queue order;
  transactions (the default ``pipeline()``, ``watch()``, ``multi()``) run
  only when every command and watched key is on one shard.
- Nothing is re-routed when a shard fails: a command on that shard raises
  its client's error; a split or fan-out that other shards answered raises
  ``PartialWriteError`` (``applied`` names the shards whose parts took
  effect) or, for a read, ``PartialReplyError``, both also redis-py
  ``ConnectionError``s; a pipeline with ``raise_on_error=False`` returns
  each failure at its position.

A sketch (servers as twemproxy writes them; the alias names the shard)::

    import redis
    from keyroute.redis import ShardedRedis

    r = ShardedRedis(
        {"127.0.0.1:7001:1 a": redis.Redis(port=7001),
         "127.0.0.1:7002:1 b": redis.Redis(port=7002)},
        scheme="twemproxy-ketama", hash="fnv1a_64")
    r.mset({"k1": 1, "k2": 2})
    r.mget("k1", "k2")              # [b'1', b'2'], each from its shard
    r.get_node_from_key("k1")       # 'a' or 'b'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import importlib.util

if importlib.util.find_spec("redis") is None:
    raise ImportError(
        "keyroute.redis needs redis-py, which is not installed: pip install 'keyroute[redis]'"
    )

import redis
import redis.asyncio
from redis.commands.core import CoreCommands
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


def _plain(client: Any) -> bool:
    """Whether the commands of `client` can be written on one of its pool's
    connections and read back later (a plain redis.Redis)."""
    if not isinstance(client, redis.Redis) or isinstance(client, redis.client.Pipeline):
        return False
    if getattr(client, "connection", None) is not None:
        return False
    pool = getattr(client, "connection_pool", None)
    return pool is not None and getattr(pool, "cache", None) is None


def _special(args: tuple[Any, ...]) -> bool:
    """Commands whose wire form redis-py builds per connection (HIMPORT):
    they go through the client's own pipeline."""
    name = args[0]
    return isinstance(name, (str, bytes)) and name[:7].upper() in ("HIMPORT", b"HIMPORT")


def _send(client: Any, commands: list[Command]) -> Any:
    pool = client.connection_pool
    conn = pool.get_connection()
    try:
        conn.send_packed_command(conn.pack_commands([args for args, _ in commands]))
    except BaseException:
        conn.disconnect()
        pool.release(conn)
        raise
    return conn


def _read(client: Any, conn: Any, commands: list[Command]) -> list[Any]:
    """The replies, error replies in place; when the connection fails, the
    replies read before it and the failure in place of the rest."""
    out: list[Any] = []
    try:
        for args, options in commands:
            try:
                out.append(client.parse_response(conn, args[0], **dict(options)))
            except ResponseError as e:
                out.append(e)
    except Exception as e:  # the shard's failure, in place (see _run)
        conn.disconnect()
        out.extend([e] * (len(commands) - len(out)))
    except BaseException:
        conn.disconnect()
        raise
    finally:
        client.connection_pool.release(conn)
    return out


def _pipelined(client: Any, commands: list[Command]) -> list[Any]:
    pipe = client.pipeline(transaction=False)
    try:
        for args, options in commands:
            pipe.execute_command(*args, **options)
        return list(pipe.execute(raise_on_error=False))
    finally:
        pipe.reset()


def _run(clients: list[Any], batches: dict[int, list[Command]]) -> dict[int, list[Any]]:
    """Runs each shard's commands; error replies come back in place, and so
    does a shard's failure (a lost connection: its error in place of each
    reply it did not give), so the other shards' replies are kept. Every
    shard's commands are written before any reply is read (plain clients),
    so the shards work at the same time."""
    if len(batches) == 1:
        ((shard, commands),) = batches.items()
        if len(commands) == 1:
            args, options = commands[0]
            try:
                return {shard: [clients[shard].execute_command(*args, **options)]}
            except ResponseError as e:
                return {shard: [e]}
            except Exception as e:  # the shard's failure, in place
                return {shard: [e]}
    results: dict[int, list[Any]] = {}
    sent: list[tuple[int, Any]] = []
    try:
        for shard, commands in batches.items():
            client = clients[shard]
            try:
                if _plain(client) and not any(_special(args) for args, _ in commands):
                    sent.append((shard, _send(client, commands)))
                else:
                    results[shard] = _pipelined(client, commands)
            except Exception as e:  # the shard's failure, in place
                results[shard] = [e] * len(commands)
        while sent:
            shard, conn = sent.pop(0)  # _read releases it, whatever happens
            results[shard] = _read(clients[shard], conn, batches[shard])
    finally:
        for shard, conn in sent:
            conn.disconnect()
            clients[shard].connection_pool.release(conn)
    return results


class ShardedRedis(ShardHandles, CoreCommands):
    """One redis-py client per shard, used as one client.

    ``shards``: with ``scheme=`` (and the scheme's pool options, e.g.
    ``hash="fnv1a_64"``), a dict ``{server spec: redis.Redis}`` in pool
    order; with ``pool=keyroute.Pool(...)``, a dict keyed by each server's
    alias (or its spec as written) or a list in pool order; with
    ``cluster=keyroute.Cluster(...)``, a dict ``{"host:port": client}`` of
    the cluster's primaries (a key goes to its slot's primary, as the map
    stood when the client was made). A shard's name is its alias, else its
    spec as written (``"host:port"`` for a cluster).

    ``strict_tags=True``: a multi-key command that is not split (RENAME,
    SINTERSTORE, EVAL with keys, a transaction) must have keys sharing one
    hash tag, not merely one shard today.
    """

    _is_async_client: Literal[False] = False
    _event_dispatcher: Any = None
    _other_kind = (redis.asyncio.Redis, "an asyncio client: use keyroute.redis.asyncio.ShardedRedis")

    # -- routing ------------------------------------------------------------

    def execute_command(self, *args: Any, **options: Any) -> Any:
        """Routes one command by keyroute's command table and runs it on its
        shard's client (or splits it, or fans it out: see the module)."""
        shards = self._shards
        if len(args) == 1 and EMPTY_RESPONSE in options:
            return options[EMPTY_RESPONSE]  # e.g. mget([]): redis-py's own answer
        step = shards.plan(args)
        if isinstance(step, int):
            return shards.clients[step].execute_command(*args, **options)
        one = OneCommand(step, args, options, shards.caching)
        return one.reply(shards, args, _run(shards.clients, one.per_shard))

    def mget_nonatomic(self, keys: Any, *args: Any) -> Any:
        """``mget``, under RedisCluster's name (split per shard either way)."""
        return self.mget(keys, *args)

    def mset_nonatomic(self, mapping: Mapping[Any, Any]) -> Any:
        """``mset``, under RedisCluster's name: ``True`` when every shard said OK."""
        return self.mset(mapping)

    # -- shards -------------------------------------------------------------

    def for_each_shard(self, fn: Callable[[Any], T]) -> dict[str, T]:
        """``fn(client)`` for each shard, one after another: ``{name: result}``."""
        return {name: fn(c) for name, c in self._shards.by_name.items()}

    # -- pipelines ----------------------------------------------------------

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> ShardedPipeline:
        """A pipeline; a transaction (the default, as in redis-py) when every
        command is on one shard, else split per shard with
        ``transaction=False``."""
        return ShardedPipeline(self._shards, transaction)

    def close(self) -> None:
        """Closes every shard's client."""
        errors: list[BaseException] = []
        for c in self._shards.clients:
            try:
                c.close()
            except Exception as e:  # close every client, then report
                errors.append(e)
        if errors:
            raise errors[0]

    def __enter__(self) -> ShardedRedis:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ShardedPipeline(PipelineQueue, ShardedRedis):
    """Commands queued, then run per shard at ``execute()``.

    Non-transactional: the whole queue is validated first (nothing is sent
    if any command is refused), split per shard, every shard's batch
    written before any reply is read, replies put back in queue order.
    Transactional: each command is checked as it is queued and the first
    one on a second shard raises ``CrossShardTransactionError``; the block
    runs as MULTI/EXEC on that one shard through its client's pipeline.
    """

    def __enter__(self) -> ShardedPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.reset()

    def close(self) -> None:
        self.reset()

    def watch(self, *names: Any) -> Any:
        """WATCH keys that must all be on the transaction's one shard."""
        return self._watch_pipe_for(names).watch(*names)

    def unwatch(self) -> Any:
        s = self._session
        if s.in_multi:
            # Inside MULTI, redis-py queues UNWATCH when watching.
            return self.execute_command("UNWATCH") if s.watching else True
        pipe = self._unwatch_pipe()
        if pipe is None:
            return True
        try:
            return pipe.unwatch()
        finally:
            done = self._unpinned_pipe()
            if done is not None:
                done.reset()

    def reset(self) -> None:  # type: ignore[override]
        pipe = self._forget()
        if pipe is not None:
            pipe.reset()

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Runs the queue; replies in queue order. ``raise_on_error``: raise
        the first error reply (after every shard answered) annotated with
        its position, else return errors inline."""
        queue = self._queue
        try:
            if self._transactional():
                return self._execute_transaction(queue, raise_on_error)
            if not queue:
                return []
            plan = self._shards.plan_pipeline(queue)
            results = _run(self._shards.clients, pipeline_batches(plan, queue, self._shards.caching))
            replies = plan.assemble(results)
            pipeline_faults(self._shards, plan, queue, results, replies)
            if raise_on_error:
                first_error(queue, replies)
            return replies
        finally:
            self.reset()

    def _execute_transaction(self, queue: list[Command], raise_on_error: bool) -> list[Any]:
        pipe = self._transaction_pipe(queue)
        if pipe is None:
            return []
        return list(pipe.execute(raise_on_error=raise_on_error))
