"""What the sync and asyncio sharded clients share: building the shard
list, deciding before any I/O where each command goes, the refusals, and
putting replies back together. Nothing here does I/O."""

from __future__ import annotations

import codecs

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Union

from redis.exceptions import DataError, RedisError

import keyroute
from keyroute import NotColocatedError, NotSplittableError, ShardRouter, ShardSplit

__all__ = [
    "ShardingError",
    "CrossShardError",
    "CrossShardTransactionError",
    "KeylessCommandError",
    "UnroutableCommandError",
]


class ShardingError(RedisError):
    """Base class of the refusals of a sharded client. Every refusal happens
    before any byte is sent to any shard."""


class CrossShardError(ShardingError):
    """The keys of a command that cannot be split are on several shards (or,
    with ``strict_tags=True``, do not share one hash tag).

    ``command``: the command's name; ``shards``: the names of the shards."""

    def __init__(self, message: str, command: str, shards: list[str]) -> None:
        super().__init__(message)
        self.command = command
        self.shards = shards


class CrossShardTransactionError(ShardingError):
    """A transaction (``pipeline(transaction=True)``, ``multi()``, ``watch()``)
    whose commands or watched keys are on several shards.

    ``positions``: the two offending command positions (0-based, ``None`` for
    a watched key); ``commands``: their names; ``shards``: the shard names."""

    def __init__(
        self,
        message: str,
        positions: tuple[int | None, int | None],
        commands: tuple[str, str],
        shards: list[str],
    ) -> None:
        super().__init__(message)
        self.positions = positions
        self.commands = commands
        self.shards = shards


class KeylessCommandError(ShardingError):
    """A command without keys outside the fan-out set: run it on the shards
    you mean with ``for_each_shard`` or ``get_nodes()``."""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.command = command


class UnroutableCommandError(ShardingError):
    """A command the command table does not know, or that the server would
    refuse (wrong arity): where it goes cannot be told."""

    def __init__(self, message: str, command: str) -> None:
        super().__init__(message)
        self.command = command


# Fan-out set: every shard must succeed, and the replies combine so.
FIRST, SUM, AND, CONCAT = "first", "sum", "and", "concat"
_FAN_OUT = {
    ("PING", None): FIRST,
    ("FLUSHDB", None): FIRST,
    ("FLUSHALL", None): FIRST,
    ("SCRIPT", "LOAD"): FIRST,
    ("SCRIPT", "FLUSH"): FIRST,
    ("DBSIZE", None): SUM,
    ("SCRIPT", "EXISTS"): AND,
    ("KEYS", None): CONCAT,
}


def _text(arg: Any) -> str:
    if isinstance(arg, (bytes, bytearray, memoryview)):
        return bytes(arg).decode("utf-8", "backslashreplace")
    return str(arg)


def command_name(argv: Sequence[Any]) -> str:
    return _text(argv[0]).upper() if argv else ""


def fan_out(argv: Sequence[Any]) -> str | None:
    name = command_name(argv)
    if name == "SCRIPT":
        sub = _text(argv[1]).upper() if len(argv) > 1 else ""
        return _FAN_OUT.get((name, sub))
    return _FAN_OUT.get((name, None))


def routing_argv(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """redis-py writes some commands as one name with a space ("SCRIPT
    LOAD"); the server sees words."""
    name = args[0]
    if isinstance(name, str) and " " in name:
        return (*name.split(), *args[1:])
    return args


def command_text(args: Sequence[Any], limit: int = 100) -> str:
    text = " ".join(_text(a) for a in args)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class FanOut:
    """The same command on every shard, replies combined by ``combine``."""

    __slots__ = ("combine",)

    def __init__(self, combine: str) -> None:
        self.combine = combine


# Where one command goes: one shard's index, a split, or a fan-out.
Step = Union[int, ShardSplit, FanOut]


def _names(router_names: list[str], shards: Iterable[int]) -> list[str]:
    out: list[str] = []
    for s in shards:
        name = router_names[s]
        if name not in out:
            out.append(name)
    return out


class Shards:
    """The shard list and the router of one sharded client."""

    __slots__ = ("router", "names", "clients", "by_name")

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
            clients = [shards[s] for s in specs]
            names = [a or s for a, s in zip(pool.aliases, pool.servers)]
            router = ShardRouter(pool, strict_tags=strict_tags)
        elif pool is not None:
            if not isinstance(pool, keyroute.Pool):
                raise TypeError(f"pool= takes a keyroute.Pool, not {type(pool).__name__}")
            specs = pool.servers
            names = [a or s for a, s in zip(pool.aliases, specs)]
            if isinstance(shards, Mapping):
                clients = []
                used: set[Any] = set()
                for name, spec in zip(names, specs):
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
            router = ShardRouter(pool, strict_tags=strict_tags)
        else:
            if not isinstance(cluster, keyroute.SlotMap):
                raise TypeError(f"cluster= takes a keyroute.Cluster or SlotMap, not {type(cluster).__name__}")
            if not isinstance(shards, Mapping):
                raise TypeError(f"{owner}(cluster=...) takes shards as a dict {{'host:port': client}}")
            names = list(shards)
            for n in names:
                if not isinstance(n, str):
                    raise TypeError(f"a cluster shard is named 'host:port', not {type(n).__name__}")
            clients = [shards[n] for n in names]
            router = ShardRouter(cluster, primaries=names, strict_tags=strict_tags)
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

    # -- refusals -----------------------------------------------------------

    def cross_shard(self, e: NotSplittableError) -> CrossShardError:
        names = _names(self.names, getattr(e, "shards", []))
        if isinstance(e, NotColocatedError):
            msg = (
                f"{e.command}: its keys do not share one hash tag (strict_tags), "
                f"so it would run on shard {', '.join(names)} by chance"
            )
        elif len(names) == 1:
            msg = f"{e.command} has keys in several hash slots (shard {names[0]}) and cannot be split"
        else:
            msg = f"{e.command} has keys on several shards ({', '.join(names)}) and cannot be split"
        return CrossShardError(msg, e.command, names)

    def unroutable(self, argv: Sequence[Any], e: Exception) -> ShardingError:
        name = command_name(argv)
        return UnroutableCommandError(f"{name}: {e}", name)

    # -- planning -----------------------------------------------------------

    def plan(self, args: tuple[Any, ...]) -> Step:
        """Where one command goes, or the refusal, before any I/O."""
        if not args:
            raise UnroutableCommandError("an empty command", "")
        argv = routing_argv(args)
        try:
            r = self.router.route(argv)
        except NotSplittableError as e:
            raise self.cross_shard(e) from None
        except keyroute.KeyrouteError as e:
            raise self.unroutable(argv, e) from e
        except TypeError as e:
            raise DataError(str(e)) from e
        if type(r) is int:
            return r
        assert isinstance(r, ShardSplit)
        if r.key_count == 0:
            c = fan_out(argv)
            if c is None:
                name = command_name(argv)
                raise KeylessCommandError(
                    f"{name} has no keys, so no shard is its own: run it with "
                    "for_each_shard(...) or on a client from get_nodes()",
                    name,
                )
            return FanOut(c)
        return r

    def key_places(self, args: tuple[Any, ...]) -> list[tuple[int, int]]:
        """``(shard, group)`` of every key (the group: its slot with a
        cluster map, its shard with a pool)."""
        argv = routing_argv(args)
        try:
            return self.router.key_places(argv)
        except keyroute.KeyrouteError as e:
            raise self.unroutable(argv, e) from e
        except TypeError as e:
            raise DataError(str(e)) from e

    def keys_of(self, args: tuple[Any, ...]) -> list[bytes]:
        try:
            return self.router.placed_keys(routing_argv(args))
        except (keyroute.KeyrouteError, TypeError):
            return []

    def index_for(self, key: Any) -> int:
        try:
            return self.router.index_for(key)
        except TypeError as e:
            raise DataError(str(e)) from e


def split_commands(
    s: ShardSplit, options: dict[str, Any]
) -> list[tuple[int, tuple[Any, ...], dict[str, Any]]]:
    """Each part of a split as (shard, arguments, options). redis-py's
    ``keys`` option (for its client-side cache) names each part's own keys."""
    if "keys" not in options:
        return [(shard, args, options) for shard, args in s.commands]
    out = []
    if s.merge == "by_key_position":  # MGET: every argument after the name is a key
        for shard, args in s.commands:
            out.append((shard, args, {**options, "keys": args[1:]}))
        return out
    everything = options["keys"]
    for (shard, args), (_, _, keys) in zip(s.commands, s.parts):
        o = dict(options)
        try:
            o["keys"] = [everything[k] for k in keys]
        except (TypeError, IndexError, KeyError):
            o.pop("keys")
        out.append((shard, args, o))
    return out


def _is_ok(r: Any) -> bool:
    return r is True or r == b"OK" or r == "OK"


def merge(s: ShardSplit, replies: list[Any]) -> Any:
    """A split command's reply from its parts' replies; an exception among
    them is the result."""
    for r in replies:
        if isinstance(r, BaseException):
            return r
    how = s.merge
    if how == "by_key_position":
        return s.gather(replies)
    if how == "sum":
        return sum(replies)
    if how == "all_ok":
        for r in replies:
            if not _is_ok(r):
                return r
        return replies[0] if replies else True
    return replies[0]


def combine(how: str, replies: list[Any]) -> Any:
    """A fan-out's reply: every shard must succeed (the first exception is
    the result)."""
    for r in replies:
        if isinstance(r, BaseException):
            return r
    if how == SUM:
        return sum(replies)
    if how == AND:
        columns = list(zip(*replies))
        if replies and replies[0] and isinstance(replies[0][0], bool):
            return [all(c) for c in columns]
        return [int(all(c)) for c in columns]
    if how == CONCAT:
        out: list[Any] = []
        for r in replies:
            out.extend(r)
        return out
    return replies[0]


def annotate(e: BaseException, position: int, args: Sequence[Any], verb: str = "caused error") -> BaseException:
    """redis-py's pipeline annotation, position counted from 1."""
    first = e.args[0] if e.args else ""
    e.args = (f"Command # {position + 1} ({command_text(args)}) of pipeline {verb}: {first}",) + e.args[1:]
    return e


class Batches:
    """Commands planned before any I/O: the commands for each shard, and for
    each planned command where its replies will be. A whole
    non-transactional pipeline, or one split or fanned-out command."""

    __slots__ = ("shards", "per_shard", "plan")

    def __init__(self, shards: Shards, queue: Sequence[tuple[tuple[Any, ...], dict[str, Any]]] = ()) -> None:
        self.shards = shards
        self.per_shard: dict[int, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {}
        self.plan: list[tuple[Step, list[tuple[int, int]]]] = []
        for i, (args, options) in enumerate(queue):
            try:
                step = shards.plan(args)
            except (ShardingError, DataError) as e:
                raise annotate(e, i, args, "refused") from None
            self.add(step, args, options)

    def add(self, step: Step, args: tuple[Any, ...], options: dict[str, Any]) -> None:
        """One command, planned already."""
        at: list[tuple[int, int]] = []

        def put(shard: int, a: tuple[Any, ...], o: dict[str, Any]) -> None:
            batch = self.per_shard.setdefault(shard, [])
            at.append((shard, len(batch)))
            batch.append((a, o))

        if type(step) is int:
            put(step, args, options)
        elif isinstance(step, FanOut):
            for s in range(len(self.shards.clients)):
                put(s, args, options)
        else:
            assert isinstance(step, ShardSplit)
            for shard, a, o in split_commands(step, options):
                put(shard, a, o)
        self.plan.append((step, at))

    def assemble(self, results: dict[int, list[Any]]) -> list[Any]:
        out: list[Any] = []
        for step, at in self.plan:
            replies = [results[s][j] for s, j in at]
            if type(step) is int:
                out.append(replies[0])
            elif isinstance(step, FanOut):
                out.append(combine(step.combine, replies))
            else:
                assert isinstance(step, ShardSplit)
                out.append(merge(step, replies))
        return out


def raise_if_error(reply: Any) -> Any:
    """The reply, or the error it is raised."""
    if isinstance(reply, BaseException):
        raise reply
    return reply


def first_error(queue: list[tuple[tuple[Any, ...], dict[str, Any]]], replies: list[Any]) -> None:
    """Raises the first error reply, annotated with its position."""
    for i, r in enumerate(replies):
        if isinstance(r, BaseException):
            raise annotate(r, i, queue[i][0])


class TransactionState:
    """The one shard of a transaction, checked command by command."""

    __slots__ = ("shards", "shard", "group", "first", "keys")

    def __init__(self, shards: Shards) -> None:
        self.shards = shards
        self.shard: int | None = None
        # The slot of the transaction's keys with a cluster map (a node runs
        # a transaction within one slot), else its shard again.
        self.group: int | None = None
        self.first: tuple[int | None, str] | None = None
        self.keys: list[bytes] = []

    def check(self, args: tuple[Any, ...], position: int | None, name: str | None = None) -> None:
        """Takes one queued command (or watched keys, position None);
        raises CrossShardTransactionError at the first one off the shard."""
        name = name or command_name(routing_argv(args))
        places = self.shards.key_places(args)
        for s, g in places:
            if self.shard is None:
                self.shard, self.group, self.first = s, g, (position, name)
            elif s != self.shard:
                self._refuse(position, name, [self.shard, s])
            elif g != self.group:
                self._refuse(position, name, [s], slots=(self.group, g))
        if self.shards.router.strict_tags and places:
            together = self.keys + self.shards.keys_of(args)
            if not self.shards.router.same_tag(together):
                self._refuse(position, name, [self.shard if self.shard is not None else places[0][0]], tags=True)
            self.keys = together

    def _refuse(
        self,
        position: int | None,
        name: str,
        shard_ids: list[int],
        tags: bool = False,
        slots: tuple[int | None, int] | None = None,
    ) -> None:
        first_pos, first_name = self.first if self.first is not None else (position, name)
        names = _names(self.shards.names, shard_ids)

        def where(p: int | None, n: str) -> str:
            return f"WATCH ({n})" if p is None and n == "WATCH" else f"command {p} ({n})" if p is not None else n

        if tags:
            what = "do not share one hash tag (strict_tags)"
        elif slots is not None:
            what = f"touch slots {slots[0]} and {slots[1]} of {names[0]} (a cluster transaction stays in one slot)"
        else:
            what = f"touch shards {', '.join(names)}"
        raise CrossShardTransactionError(
            f"transaction {where(first_pos, first_name)} and {where(position, name)} {what}; "
            "a transaction runs on one shard: a non-transactional pipeline "
            "(pipeline(transaction=False)) can split them",
            (first_pos, position),
            (first_name, name),
            names,
        )

    def reset(self) -> None:
        self.shard = None
        self.group = None
        self.first = None
        self.keys = []


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
        other, refusal = self._other_kind
        for c in self._shards.clients:
            if isinstance(c, other):
                raise TypeError(refusal)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {len(self._shards.names)} shards: {', '.join(self._shards.names)}>"

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
        """The client of the shard holding ``key``: WATCH over keys the
        router cannot check, Lua that reads keys it computes, admin commands."""
        return self._shards.clients[self._shards.index_for(key)]


class PipelineQueue:
    """What the sync and asyncio sharded pipelines share besides their I/O:
    the queue, the transaction's one shard, WATCH and MULTI bookkeeping."""

    def __init__(self, shards: Shards, transaction: bool) -> None:
        self._shards = shards
        self.transaction = transaction
        self._queue: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        self._tx = TransactionState(shards)
        self._watch_pipe: Any = None
        self._explicit_multi = False

    def __len__(self) -> int:
        return len(self._queue)

    def __bool__(self) -> bool:
        return True

    @property
    def command_stack(self) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return list(self._queue)

    def execute_command(self, *args: Any, **options: Any) -> Any:
        if self._watch_pipe is not None and not self._explicit_multi:
            # WATCHing: commands run at once on the watched shard, as redis-py does.
            self._tx.check(args, None)
            return self._watch_pipe.execute_command(*args, **options)
        if self.transaction:
            self._tx.check(args, len(self._queue))
        self._queue.append((args, options))
        return self

    def multi(self) -> None:
        """Starts the transactional block after ``watch()``; queued commands
        must stay on the watched shard."""
        if self._explicit_multi:
            raise RedisError("Cannot issue nested calls to MULTI")
        if self._queue:
            raise RedisError("Commands without an initial WATCH have already been issued")
        self._explicit_multi = True
        self.transaction = True
        if self._watch_pipe is not None:
            self._watch_pipe.multi()

    def _watch_pipe_for(self, names: tuple[Any, ...]) -> Any:
        """The watched shard's own pipeline, after checking ``names``."""
        if self._explicit_multi:
            raise RedisError("Cannot issue a WATCH after a MULTI")
        if not names:
            raise RedisError("WATCH needs at least one key")
        self._tx.check(("WATCH", *names), None, "WATCH")
        assert self._tx.shard is not None
        if self._watch_pipe is None:
            self._watch_pipe = self._shards.clients[self._tx.shard].pipeline(transaction=True)
        return self._watch_pipe

    def _forget(self) -> Any:
        """Empties the queue and the transaction state; returns the watched
        shard's pipeline, if any, for the caller to reset."""
        self._queue = []
        self._tx.reset()
        self._explicit_multi = False
        pipe, self._watch_pipe = self._watch_pipe, None
        return pipe

    def _transaction_pipe(self, queue: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> Any:
        """The one shard's pipeline with the queue in it, or ``None`` for an
        empty transaction."""
        pipe = self._watch_pipe
        if pipe is None:
            if not queue:
                return None
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
        return pipe
