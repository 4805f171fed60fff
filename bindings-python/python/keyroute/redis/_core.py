"""What the sync and asyncio sharded clients share besides their I/O.

Every decision is the core's: ``keyroute.ShardRouter`` plans each command
and each pipeline (which shard, split or fan-out, the reply rule, the
refusals) and ``keyroute.ShardSession`` carries MULTI/EXEC/WATCH state. What is
left here is redis-py-shaped: building the shard list from the caller's
clients, the refusal classes that are also ``RedisError``, redis-py's
``keys=`` option per part, its multi-word command names, and its pipeline
annotation of server errors. Nothing here does I/O."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeVar

from redis.exceptions import ConnectionError, DataError, RedisError, ResponseError

import keyroute
from keyroute import PipelinePlan, ShardSession, ShardRouter, ShardSplit

__all__ = [
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
# One command as redis-py hands it to execute_command: arguments, options.
Command = tuple[tuple[Any, ...], dict[str, Any]]


# The core's refusals (keyroute.ShardingError and its subclasses), each also
# a redis-py RedisError: `except RedisError` and `except
# keyroute.CrossShardError` both catch what the sharded clients raise. The
# message, `code` and attributes are the core's.


class ShardingError(keyroute.ShardingError, RedisError):
    """A sharded client's refusal: nothing was sent to any shard."""


class CrossShardError(ShardingError, keyroute.CrossShardError):
    """The keys of a command that cannot be split are on several shards
    (``command``, ``shards`` by name, ``shard_indexes``, ``position``)."""


class NotColocatedError(CrossShardError, keyroute.NotColocatedError):
    """``strict_tags=True``: a command that is not split has keys without one
    common hash tag."""


class CrossShardTransactionError(CrossShardError, keyroute.CrossShardTransactionError):
    """A transaction (``pipeline()``, ``multi()``, ``watch()``) whose commands
    or watched keys cannot run on one shard (``positions`` and ``commands``
    of the two that clash)."""


class KeylessCommandError(ShardingError, keyroute.KeylessCommandError):
    """A keyless command no shard is the home of (``reason``): run it with
    ``for_each_shard`` or on a client from ``get_nodes()``."""


class UnroutableCommandError(ShardingError, keyroute.UnroutableCommandError):
    """A command the table cannot route (unknown, wrong arity) or a key no
    shard serves; the core's cause is ``__cause__``."""


class TransactionStateError(ShardingError, keyroute.TransactionStateError):
    """MULTI or WATCH out of turn."""


class PartialReplyError(keyroute.PartialReplyError, ConnectionError):
    """A split or fanned-out command some of whose shards gave no reply
    (``failed``, ``unanswered``) while others answered (``applied``): the
    answers are not returned. ``errors`` maps each failed shard's name to
    its own error. Also a redis-py ``ConnectionError``."""


class PartialWriteError(PartialReplyError, keyroute.PartialWriteError):
    """The same for a command that may change state (MSET, DEL, UNLINK,
    FLUSHALL...): its parts on ``applied`` took effect, those on
    ``unanswered`` may or may not have."""


_CLASSES: dict[type[BaseException], type[BaseException]] = {
    keyroute.ShardingError: ShardingError,
    keyroute.CrossShardError: CrossShardError,
    keyroute.NotColocatedError: NotColocatedError,
    keyroute.CrossShardTransactionError: CrossShardTransactionError,
    keyroute.KeylessCommandError: KeylessCommandError,
    keyroute.UnroutableCommandError: UnroutableCommandError,
    keyroute.TransactionStateError: TransactionStateError,
    keyroute.PartialReplyError: PartialReplyError,
    keyroute.PartialWriteError: PartialWriteError,
}


def refusal(e: Any) -> Any:
    """The core's error as the class of the same name here."""
    out = _CLASSES[type(e)](*e.args)
    out.__dict__.update(e.__dict__)
    return out


def outcome(reply: Any) -> Literal["reply", "error_reply", "no_reply"]:
    """What a send's reply (or the exception in its place) tells the core:
    an error reply is a ``ResponseError``; any other exception means the
    shard gave no reply (a lost, refused or timed-out connection)."""
    if isinstance(reply, ResponseError):
        return "error_reply"
    if isinstance(reply, BaseException):
        return "no_reply"
    return "reply"


def fault(shards: Shards, args: tuple[Any, ...], step: ShardSplit, replies: list[Any]) -> BaseException | None:
    """The error standing for a split or fanned-out command some of whose
    sends got no reply (``replies`` per send, exceptions in place), by the
    core's rule: a ``PartialWriteError``/``PartialReplyError`` naming the
    shards, each failed shard's own error in its ``errors``; the first
    send's own error when no send got a reply; ``None`` when every send did."""
    if not any(isinstance(r, BaseException) and not isinstance(r, ResponseError) for r in replies):
        return None
    outcomes = [outcome(r) for r in replies]
    partial = shards.router.partial(routing_argv(args), step, outcomes)
    if partial is None:
        return next(r for r in replies if isinstance(r, BaseException))
    out: PartialReplyError = refusal(partial)
    for (shard, _), r in zip(step.commands, replies):
        name = shards.names[shard]
        if isinstance(r, BaseException) and name not in out.errors:
            out.errors[name] = r
    out.__cause__ = next(r for r in replies if outcome(r) == "no_reply")
    return out


def pipeline_faults(
    shards: Shards, plan: PipelinePlan, queue: Sequence[Command], results: Mapping[int, list[Any]], replies: list[Any]
) -> None:
    """Puts in place, for each split or fanned-out command of a pipeline
    some of whose sends got no reply, the error ``fault`` gives."""
    if not any(isinstance(r, BaseException) and not isinstance(r, ResponseError) for rs in results.values() for r in rs):
        return
    for i, (step, at) in enumerate(zip(plan.steps, plan.replies)):
        if isinstance(step, ShardSplit):
            e = fault(shards, queue[i][0], step, [results[s][j] for s, j in at])
            if e is not None:
                if isinstance(e, PartialReplyError):
                    e.position = i
                replies[i] = e


def ask(fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)``, a call into the router or the session, with its
    refusals raised as this module's classes and argument type errors as
    redis-py's ``DataError``."""
    try:
        return fn(*args)
    except keyroute.ShardingError as e:
        raise refusal(e) from e.__cause__
    except TypeError as e:
        raise DataError(str(e)) from e


def routing_argv(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """redis-py writes some commands as one name with a space ("SCRIPT
    LOAD"); the server, and so the router, sees words."""
    if args:
        name = args[0]
        if isinstance(name, str) and " " in name:
            return (*name.split(), *args[1:])
    return args


class Shards:
    """The shard list and the router of one sharded client."""

    __slots__ = ("router", "names", "clients", "by_name", "caching")

    def __init__(
        self,
        shards: Mapping[str, Any] | Sequence[Any],
        *,
        scheme: str | None,
        pool: keyroute.Pool | None,
        cluster: keyroute.SlotMap | None,
        strict_tags: bool,
        pool_options: dict[str, Any],
        owner: str,
    ) -> None:
        given = [n for n, v in (("scheme", scheme), ("pool", pool), ("cluster", cluster)) if v is not None]
        if len(given) != 1:
            raise TypeError(
                f"{owner} takes exactly one of scheme=, pool= or cluster= "
                f"({', '.join(given) + ' given' if given else 'none given'})"
            )
        if pool_options and scheme is None:
            raise TypeError(
                f"{owner}: pool options ({', '.join(sorted(pool_options))}) go with scheme=; "
                "a Pool or a cluster map already has its own"
            )
        if not isinstance(strict_tags, bool):
            raise TypeError("strict_tags must be True or False")
        clients: list[Any]
        if scheme is not None:
            if not isinstance(shards, Mapping):
                raise TypeError(
                    f"{owner}(scheme=...) takes shards as a dict {{server spec: client}} in pool order"
                )
            specs = list(shards)
            for s in specs:
                if not isinstance(s, str):
                    raise TypeError(f"a server spec is a str such as '127.0.0.1:6379:1 a', not {type(s).__name__}")
            pool = keyroute.Pool(specs, scheme=scheme, **pool_options)  # type: ignore[arg-type]
            router = ShardRouter(pool, strict_tags=strict_tags)
            clients = [shards[s] for s in specs]
        elif pool is not None:
            if not isinstance(pool, keyroute.Pool):
                raise TypeError(f"pool= takes a keyroute.Pool, not {type(pool).__name__}")
            router = ShardRouter(pool, strict_tags=strict_tags)
            specs = pool.servers
            if isinstance(shards, Mapping):
                # Each server's client, keyed by the shard's name or by the
                # server as written.
                clients = []
                used: set[Any] = set()
                for name, spec in zip(router.names, specs):
                    found = [k for k in (name, spec) if k in shards]
                    if not found:
                        raise ValueError(f"no client for the pool's server {spec!r} (key it {name!r})")
                    if len(found) == 2 and name != spec:
                        raise ValueError(f"two clients for the server {spec!r}: keyed {name!r} and {spec!r}")
                    used.add(found[0])
                    clients.append(shards[found[0]])
                extra = [k for k in shards if k not in used]
                if extra:
                    raise ValueError(f"clients for servers that are not in the pool: {extra!r}")
            elif isinstance(shards, Sequence) and not isinstance(shards, (str, bytes)):
                clients = list(shards)
                if len(clients) != len(specs):
                    raise ValueError(
                        f"the pool has {len(specs)} servers and {len(clients)} clients were given"
                    )
            else:
                raise TypeError("shards is a dict {alias or spec: client} or a list of clients in pool order")
        else:
            if not isinstance(cluster, keyroute.SlotMap):
                raise TypeError(f"cluster= takes a keyroute.Cluster or SlotMap, not {type(cluster).__name__}")
            if not isinstance(shards, Mapping):
                raise TypeError(f"{owner}(cluster=...) takes shards as a dict {{'host:port': client}}")
            primaries = list(shards)
            for n in primaries:
                if not isinstance(n, str):
                    raise TypeError(f"a cluster shard is named 'host:port', not {type(n).__name__}")
            router = ShardRouter(cluster, primaries=primaries, strict_tags=strict_tags)
            clients = [shards[n] for n in primaries]
        names = router.names
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ValueError(f"two servers share the name(s) {dup!r}: give each an alias")
        for name, c in zip(names, clients):
            if c is None:
                raise ValueError(f"no client for shard {name!r}")
            # Keys are routed by their bytes on the wire, str as UTF-8: a
            # client encoding str otherwise would put "k" and b"k" apart.
            get_encoder = getattr(c, "get_encoder", None)
            if callable(get_encoder):
                encoding = codecs.lookup(get_encoder().encoding).name
                if encoding != "utf-8":
                    raise ValueError(
                        f"shard {name!r}: the client encodes str as {encoding}; keys are "
                        "routed by their UTF-8 bytes, so use encoding='utf-8' (redis-py's default)"
                    )
        self.router = router
        self.names = names
        self.clients = clients
        self.by_name = dict(zip(names, clients))
        # redis-py's client-side cache is what reads the `keys=` option.
        self.caching = any(getattr(getattr(c, "connection_pool", None), "cache", None) is not None for c in clients)

    def plan(self, args: tuple[Any, ...]) -> int | ShardSplit:
        """Where one command goes (a shard index, or a split or fan-out),
        or the refusal, before any I/O."""
        try:
            return self.router.plan(routing_argv(args))
        except keyroute.ShardingError as e:
            raise refusal(e) from e.__cause__
        except TypeError as e:
            raise DataError(str(e)) from e

    def plan_pipeline(self, queue: Sequence[Command]) -> PipelinePlan:
        """A whole non-transactional pipeline, refused whole (nothing sent)
        when one command is."""
        return ask(self.router.plan_pipeline, [routing_argv(args) for args, _ in queue])

    def index_for(self, key: Any) -> int:
        return ask(self.router.index_for, key)


def sends(
    step: ShardSplit, args: tuple[Any, ...], options: dict[str, Any], caching: bool
) -> list[tuple[int, tuple[Any, ...], dict[str, Any]]]:
    """``(shard, arguments, options)`` for each reply ``step.gather`` takes,
    in order. ``caching``: a shard client has redis-py's client-side cache."""
    if step.kind != "split":
        # The command as the caller gave it: redis-py's own name (e.g.
        # "SCRIPT LOAD") picks the shard client's reply callback.
        return [(shard, args, options) for shard in step.shards]
    commands = step.commands
    if not caching or "keys" not in options:
        return [(shard, a, options) for shard, a in commands]
    # redis-py's `keys` option names the command's keys for its cache; each
    # part gets its own.
    try:
        shares = step.part_keys(options["keys"])
    except (TypeError, IndexError):
        bare = {k: v for k, v in options.items() if k != "keys"}
        return [(shard, a, bare) for shard, a in commands]
    return [(shard, a, {**options, "keys": keys}) for (shard, a), keys in zip(commands, shares)]


class OneCommand:
    """One split or fanned-out command: each shard's commands, and where
    each of the step's replies will be."""

    __slots__ = ("step", "per_shard", "at")

    def __init__(self, step: ShardSplit, args: tuple[Any, ...], options: dict[str, Any], caching: bool) -> None:
        self.step = step
        self.per_shard: dict[int, list[Command]] = {}
        self.at: list[tuple[int, int]] = []
        for shard, a, o in sends(step, args, options, caching):
            batch = self.per_shard.setdefault(shard, [])
            self.at.append((shard, len(batch)))
            batch.append((a, o))

    def reply(self, shards: Shards, args: tuple[Any, ...], results: Mapping[int, list[Any]]) -> Any:
        """The command's reply, by the core's rule; an error reply is raised,
        and so is a shard's failure (``fault``)."""
        replies = [results[s][j] for s, j in self.at]
        e = fault(shards, args, self.step, replies)
        if e is not None:
            raise e
        return raise_if_error(self.step.gather(replies))


def pipeline_batches(plan: PipelinePlan, queue: Sequence[Command], caching: bool) -> dict[int, list[Command]]:
    """Each shard's commands of a planned pipeline, in the plan's order."""
    steps = plan.steps
    parts: dict[int, list[Command]] = {}
    out: dict[int, list[Command]] = {}
    for shard, batch in enumerate(plan.batches):
        if not batch:
            continue
        commands: list[Command] = []
        for i, part in batch:
            if part is None:
                commands.append(queue[i])
                continue
            if i not in parts:
                args, options = queue[i]
                step = steps[i]
                assert isinstance(step, ShardSplit)
                parts[i] = [(a, o) for _, a, o in sends(step, args, options, caching)]
            commands.append(parts[i][part])
        out[shard] = commands
    return out


def command_text(args: Sequence[Any], limit: int = 100) -> str:
    def text(arg: Any) -> str:
        if isinstance(arg, (bytes, bytearray, memoryview)):
            return bytes(arg).decode("utf-8", "backslashreplace")
        return str(arg)

    s = " ".join(text(a) for a in args)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def annotate(e: BaseException, position: int, args: Sequence[Any]) -> BaseException:
    """redis-py's annotation of a pipeline's error reply, position counted
    from 1."""
    first = e.args[0] if e.args else ""
    e.args = (f"Command # {position + 1} ({command_text(args)}) of pipeline caused error: {first}",) + e.args[1:]
    return e


def raise_if_error(reply: Any) -> Any:
    """The reply, or the error it is raised."""
    if isinstance(reply, BaseException):
        raise reply
    return reply


def first_error(queue: Sequence[Command], replies: list[Any]) -> None:
    """Raises the first failure of a shard (a lost connection, a partial
    write), else the first error reply, annotated with its position as
    redis-py annotates it."""
    for r in replies:
        if isinstance(r, BaseException) and not isinstance(r, ResponseError):
            raise r
    for i, r in enumerate(replies):
        if isinstance(r, BaseException):
            raise annotate(r, i, queue[i][0])


class ShardHandles:
    """What the sync and asyncio sharded clients share besides their I/O:
    construction, and the per-key and per-shard handles."""

    _shards: Shards
    # The client class of the other kind (sync or asyncio), and the refusal.
    _other_kind: tuple[type, str]

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
        other, refused = self._other_kind
        for c in self._shards.clients:
            if isinstance(c, other):
                raise TypeError(refused)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self._shards.names)} shards: {', '.join(self._shards.names)}>"

    def get_encoder(self) -> Any:
        return self._shards.clients[0].get_encoder()

    def get_connection_kwargs(self) -> Any:
        """The first shard client's connection options: some of redis-py's
        commands (SLOWLOG GET) read ``decode_responses`` there."""
        return self._shards.clients[0].get_connection_kwargs()

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
        """The client of the shard holding ``key``: WATCH over keys the
        router cannot check, Lua that reads keys it computes, admin commands."""
        return self._shards.clients[self._shards.index_for(key)]


class PipelineQueue:
    """What the sync and asyncio sharded pipelines share besides their I/O:
    the queue, and the core's ``ShardSession`` deciding where a transaction and
    a WATCH go. ``_watch_pipe`` is the watched shard's own redis-py
    pipeline: it holds the connection the WATCH was sent on."""

    def __init__(self, shards: Shards, transaction: bool) -> None:
        self._shards = shards
        self.transaction = transaction
        self._queue: list[Command] = []
        self._session = ShardSession(shards.router)
        self._watch_pipe: Any = None

    def __len__(self) -> int:
        return len(self._queue)

    def __bool__(self) -> bool:
        return True

    @property
    def command_stack(self) -> list[Command]:
        return list(self._queue)

    def _transactional(self) -> bool:
        return self.transaction or self._session.in_multi or self._watch_pipe is not None

    def execute_command(self, *args: Any, **options: Any) -> Any:
        s = self._session
        if s.watching and not s.in_multi:
            # redis-py runs a watching pipeline's commands at once, on the
            # connection that holds the watch.
            ask(s.while_watching, routing_argv(args))
            return self._watch_pipe.execute_command(*args, **options)
        if self.transaction or s.in_multi:
            ask(s.queue, routing_argv(args))
        self._queue.append((args, options))
        return self

    def multi(self) -> None:
        """Starts the transactional block after ``watch()``; queued commands
        must stay on the watched shard."""
        if self._queue and not self._session.in_multi:
            # redis-py's own rule for its pipelines.
            raise RedisError("Commands without an initial WATCH have already been issued")
        ask(self._session.multi)
        if self._watch_pipe is not None:
            self._watch_pipe.multi()

    def _watch_pipe_for(self, names: tuple[Any, ...]) -> Any:
        """The watched shard's own pipeline, once the session took ``names``."""
        shard = ask(self._session.watch, ("WATCH", *names))
        if self._watch_pipe is None:
            self._watch_pipe = self._shards.clients[shard].pipeline(transaction=True)
        return self._watch_pipe

    def _unwatch_pipe(self) -> Any:
        """The pipeline to send UNWATCH through, or ``None`` when there is
        nothing to send."""
        if self._session.unwatch() is None:
            return None
        return self._watch_pipe

    def _unpinned_pipe(self) -> Any:
        """The watched shard's pipeline, taken out when nothing pins the
        session any more, for the caller to reset."""
        if self._session.pinned is not None:
            return None
        pipe, self._watch_pipe = self._watch_pipe, None
        return pipe

    def _forget(self) -> Any:
        """Empties the queue and the session; returns the watched shard's
        pipeline, if any, for the caller to reset."""
        self._queue = []
        self._session.reset()
        pipe, self._watch_pipe = self._watch_pipe, None
        return pipe

    def _transaction_pipe(self, queue: list[Command]) -> Any:
        """The one shard's pipeline with the queue in it, or ``None`` when
        there is nothing to send. Ends the session's transaction."""
        explicit = self._session.in_multi
        shard = ask(self._session.exec)
        if shard is None:
            return None
        pipe = self._watch_pipe
        if pipe is None:
            pipe = self._watch_pipe = self._shards.clients[shard].pipeline(transaction=True)
        elif not explicit and queue:
            pipe.multi()
        for args, options in queue:
            pipe.execute_command(*args, **options)
        return pipe
