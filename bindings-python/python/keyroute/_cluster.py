"""`Cluster`: the native `SlotMap` plus what redis-py hands you.

The native class takes raw replies (what `execute_command("CLUSTER", "SLOTS")`
returns) and error texts. `Cluster` also takes what redis-py's `RedisCluster`
response callbacks make of those replies, and redis-py's `MovedError` /
`AskError` / `ResponseError` exceptions, and it can ask a connected client
for its map. redis-py is not imported unless `from_redis` is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from keyroute._native import HashPolicy, Redirect, SlotMap

if TYPE_CHECKING:
    from typing_extensions import Self


def raw_slots(reply: Any) -> Any:
    """A `CLUSTER SLOTS` reply in its raw form.

    redis-py's `parse_cluster_slots` (the `RedisCluster` callback) turns the
    list of ranges into `{(start, end): {"primary": (host, port),
    "replicas": [(host, port), ...]}}`; node ids and metadata are gone by then.
    """
    if not isinstance(reply, Mapping):
        return reply
    ranges = []
    for slots, nodes in reply.items():
        if not (isinstance(slots, tuple) and len(slots) == 2 and isinstance(nodes, Mapping)):
            # Not the callback's shape: the core names what is wrong.
            return reply
        ranges.append([*slots, nodes.get("primary"), *nodes.get("replicas", ())])
    return ranges


def raw_shards(reply: Any) -> Any:
    """A `CLUSTER SHARDS` reply in its raw form.

    redis-py's `parse_cluster_shards` callbacks keep one dict per shard but
    turn its flat `slots` list (`[start, end, start, end, ...]`) into pairs
    `[(start, end), ...]`; the core reads the flat form. Node dicts (with
    `str` or `bytes` field names) are what the core reads already.
    """
    if not isinstance(reply, (list, tuple)):
        return reply
    return [_raw_shard(shard) for shard in reply]


def _raw_shard(shard: Any) -> Any:
    if not isinstance(shard, Mapping):
        return shard
    out = dict(shard)
    for name in ("slots", b"slots"):
        slots = out.get(name)
        if isinstance(slots, (list, tuple)) and any(isinstance(s, (list, tuple)) for s in slots):
            out[name] = [bound for pair in slots for bound in _pair(pair)]
    return out


def _pair(pair: Any) -> list[Any]:
    # A pair that is not one is passed on as is, for the core to report.
    return list(pair) if isinstance(pair, (list, tuple)) else [pair]


def redirect_text(error: Any) -> Any:
    """The `MOVED ...`/`ASK ...` text of a redis-py exception; str and bytes as they are.

    redis-py's parser strips the error code from the message (`MovedError`'s
    `args[0]` is `"3999 127.0.0.1:6381"`) and keeps it in `status_code`.
    """
    if not isinstance(error, BaseException):
        return error
    message = error.args[0] if error.args else ""
    if isinstance(message, (bytes, bytearray)):
        message = bytes(message).decode("utf-8", "replace")
    message = str(message)
    code = getattr(error, "status_code", None)
    if code is None:
        names = {cls.__name__ for cls in type(error).__mro__}
        code = "MOVED" if "MovedError" in names else "ASK" if "AskError" in names else None
    if code and not message.startswith(f"{code} "):
        message = f"{code} {message}"
    return message


class Cluster(SlotMap):
    """A Redis Cluster map: which node serves each of the 16384 slots.

    Build it with `Cluster.from_redis(client)`, `Cluster.from_shards(reply)`
    or `Cluster.from_slots(reply)`; route with `node_for(key)` (returns
    `(node, role)`), `node_for_slot(slot)` and `group_by_node(keys)`; keep it
    right with `apply_redirect(error)`.
    """

    __slots__ = ()

    @classmethod
    def from_slots(
        cls, reply: Any, /, *, answered_by: str | None = None, policy: HashPolicy | None = None
    ) -> Self:
        """The map from a `CLUSTER SLOTS` reply, raw or parsed by redis-py;
        `policy`: how keys are hashed (the open-source hash-tag rule by default)."""
        return super().from_slots(raw_slots(reply), answered_by=answered_by, policy=policy)

    @classmethod
    def from_shards(
        cls, reply: Any, /, *, answered_by: str | None = None, policy: HashPolicy | None = None
    ) -> Self:
        """The map from a `CLUSTER SHARDS` reply, raw or parsed by redis-py."""
        return super().from_shards(raw_shards(reply), answered_by=answered_by, policy=policy)

    @classmethod
    def from_redis(cls, client: Any, /, *, policy: HashPolicy | None = None) -> Self:
        """The map of the cluster a connected redis-py client talks to.

        `client` is a `redis.Redis` connected to any node, or a
        `redis.cluster.RedisCluster` (its default node is asked). Asks
        `CLUSTER SHARDS` (Redis 7+, Valkey), falling back to `CLUSTER SLOTS`,
        and uses the client's host for nodes advertised without an address.
        The command is sent as two words so that no response callback
        reshapes the reply. (With `redis.asyncio`, await
        `execute_command("CLUSTER", "SHARDS")` yourself and pass the reply
        to `from_shards`.) `policy`: how keys are hashed.
        """
        from redis.exceptions import ResponseError

        conn, host = _connection_of(client)
        try:
            reply = conn.execute_command("CLUSTER", "SHARDS")
        except ResponseError:
            return cls.from_slots(
                conn.execute_command("CLUSTER", "SLOTS"), answered_by=host, policy=policy
            )
        return cls.from_shards(reply, answered_by=host, policy=policy)

    def apply_redirect(self, error: Any, /, *, answered_by: str | None = None) -> Redirect:
        """Applies a `MOVED`/`ASK` error and returns it parsed.

        `error` is the error text (`str` or `bytes`, with or without its
        leading `-`) or a redis-py `MovedError`, `AskError` or
        `ResponseError`. `MOVED` updates the map; `ASK` leaves it unchanged.
        `answered_by`: the host of the node that sent it, for an endpoint
        without a host.
        """
        return super().apply_redirect(redirect_text(error), answered_by=answered_by)


def _connection_of(client: Any) -> tuple[Any, str | None]:
    """(a plain `Redis` to ask, the host it is connected to)."""
    get_default_node = getattr(client, "get_default_node", None)
    if get_default_node is not None:  # RedisCluster
        node = get_default_node()
        return client.get_redis_connection(node), node.host
    kwargs = getattr(getattr(client, "connection_pool", None), "connection_kwargs", {})
    host = kwargs.get("host")
    return client, host if isinstance(host, str) else None
