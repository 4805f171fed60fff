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
"""

from keyroute._native import (
    Move,
    MovedFraction,
    Plan,
    PlanNode,
    moved_fraction,
    moved_keys,
    rebalance,
)

__all__ = [
    "Move",
    "MovedFraction",
    "Plan",
    "PlanNode",
    "moved_fraction",
    "moved_keys",
    "rebalance",
]
