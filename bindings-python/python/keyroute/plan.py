"""Resharding plans and what a sharding change moves.

`rebalance` plans the fewest slot moves that bring a Redis Cluster to its
target weights: exact quotas (weights are integers, decimals or fractions,
never floats in the arithmetic), moves equal to the proven lower bound, no
slot moved twice, and the same plan for the same layout in any order. The
layout is `CLUSTER NODES` text, a `keyroute.Cluster`, or a mapping of node
ids to inclusive slot ranges. Node ids are 40 hexadecimal characters, as the
server makes them, and addresses `host:port`: anything else is a
`PlanError`, and every value a script names is quoted for the shell.

>>> from keyroute import plan
>>> a, b, c = "a" * 40, "b" * 40, "c" * 40
>>> p = plan.rebalance({a: [(0, 8191)], b: [(8192, 16383)]}, add=[(c, "10.0.0.3:7000")])
>>> p.lower_bound, p.moves_total  # redis-cli moves 5462
(5461, 5461)
>>> [(m.source[:4], m.destination[:4], m.slots) for m in p.moves]
[('aaaa', 'cccc', 2731), ('bbbb', 'cccc', 2730)]
>>> [(n.id[:4], n.target, str(n.quota)) for n in p.nodes]
[('aaaa', 5461, '16384/3'), ('bbbb', 5462, '16384/3'), ('cccc', 5461, '16384/3')]
>>> p.to_json()[:45]
'{"format":"keyroute.reshard-plan/1","state_fi'
>>> print(p.script("valkey9").splitlines()[1][:31])
# keyroute reshard plan sha256:

For client-side sharding, `moved_fraction` gives the exact share of the
key-hash space that changes server between two `keyroute.Pool`
configurations, and `moved_keys` the keys of a list that change server:

>>> import keyroute
>>> servers = [f"127.0.0.1:{6379 + i}:1" for i in range(4)]
>>> old = keyroute.Pool(servers[:3], scheme="twemproxy-ketama", hash="md5")
>>> new = keyroute.Pool(servers, scheme="twemproxy-ketama", hash="md5")
>>> f = plan.moved_fraction(old, new)
>>> f.moved == f.to_added, f.exact, round(float(f.moved), 4)
(True, True, 0.2987)
>>> plan.moved_keys(old, new, ["a", "b", "c"])
[('b', '127.0.0.1:6381:1', '127.0.0.1:6382:1'), ('c', '127.0.0.1:6379:1', '127.0.0.1:6382:1')]

With a per-slot load (`measure_load` asks a live cluster through redis-py;
`SlotLoad.from_json` reads a file of `{"slot": load}`), `rebalance` balances
the load instead of the slot counts: every node within `load_tolerance`
percent (default 5) of its weighted share, moving as little load as
possible, with the least load any plan must move beside what it moves:

>>> import json
>>> load = plan.SlotLoad.from_json(json.dumps({slot: 1 for slot in range(3000)}))
>>> p = plan.rebalance({a: [(0, 8191)], b: [(8192, 12287)], c: [(12288, 16383)]}, load=load)
>>> p.load.moved, p.load.lower_bound, p.load.within_tolerance
(1950, 1950, True)
>>> [(n.id[:4], n.load_before, n.load_after) for n in p.nodes]
[('aaaa', 3000, 1050), ('bbbb', 0, 975), ('cccc', 0, 975)]
>>> plan.load_report({a: [(0, 8191)], b: [(8192, 16383)]}, load).imbalance
'2.0000'
"""


from __future__ import annotations

from typing import Any, Literal

from keyroute._cluster import _connection_of
from keyroute._native import (
    LoadProbe,
    LoadReport,
    Move,
    MovedFraction,
    NodeShare,
    Plan,
    PlanLoad,
    PlanNode,
    SlotLoad,
    load_report,
    moved_fraction,
    moved_keys,
    other_primaries,
    rebalance,
)

__all__ = [
    "LoadProbe",
    "LoadReport",
    "Move",
    "MovedFraction",
    "NodeShare",
    "Plan",
    "PlanLoad",
    "PlanNode",
    "SlotLoad",
    "load_report",
    "measure_load",
    "moved_fraction",
    "moved_keys",
    "rebalance",
]


def measure_load(
    client: Any, /, *, by: str = "keys", sample: int | None = None,
    open_slots: Literal["refuse", "hold"] = "refuse",
) -> tuple[str, SlotLoad]:
    """The load of every slot of the cluster a redis-py client talks to.

    `client` is a `redis.Redis` connected to any node, or a
    `redis.cluster.RedisCluster`. Asks `CLUSTER NODES` of that node and of
    every primary it lists (so that open slots are seen), then asks each
    primary, pipelined, what the core's `LoadProbe` says: `by="keys"`
    (`CLUSTER COUNTKEYSINSLOT`), `"memory"` (`MEMORY USAGE` of `sample`
    keys per slot, default 16), `"slot-stats"` or
    `"slot-stats:<statistic>"` (Valkey 8.0+, Redis 8.2+). Returns the
    `CLUSTER NODES` text of every primary (the layout to plan with) and the
    `SlotLoad`: `rebalance(layout, load=load)`, `load_report(layout, load)`.
    (With `redis.asyncio`, drive a `LoadProbe` yourself.)
    """
    from redis.client import NEVER_DECODE

    conn, _ = _connection_of(client)
    opened: dict[str, Any] = {}
    try:
        text = _text(conn.execute_command("CLUSTER", "NODES"))
        for addr in other_primaries(text):
            text += _text(_node(client, addr, opened).execute_command("CLUSTER", "NODES"))
        probe = LoadProbe(text, by=by, sample=sample, open_slots=open_slots)
        while batches := probe.round():
            replies: list[Any] = []
            for _, addr, commands in batches:
                pipe = _node(client, addr, opened).pipeline(transaction=False)
                for argv in commands:
                    pipe.execute_command(*argv, **{NEVER_DECODE: True})
                replies.extend(pipe.execute(raise_on_error=False))
            probe.answer(replies)
        return text, probe.finish()
    finally:
        for c in opened.values():
            c.close()


def _text(reply: Any) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


def _node(client: Any, addr: str, opened: dict[str, Any]) -> Any:
    """A plain `Redis` for the node at `addr`: the cluster client's own, or
    a new one with the client's connection settings (closed afterwards)."""
    host, _, port = addr.rpartition(":")
    host = host.strip("[]")
    get_node = getattr(client, "get_node", None)
    if get_node is not None:  # RedisCluster
        node = get_node(host=host, port=int(port))
        if node is not None:
            return client.get_redis_connection(node)
    if addr not in opened:
        import redis

        pool = client.connection_pool
        kwargs = {**pool.connection_kwargs, "host": host, "port": int(port)}
        opened[addr] = redis.Redis(
            connection_pool=type(pool)(connection_class=pool.connection_class, **kwargs)
        )
    return opened[addr]
