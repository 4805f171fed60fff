"""keyroute: where does this key, or this command, go?

Redis Cluster routing computed exactly as Redis and Valkey compute it, by
the keyroute Rust core. A key is ``bytes``, ``bytearray``, a C-contiguous
``memoryview``, or ``str`` (hashed as its UTF-8 bytes, as Redis clients send
it). Command arguments may also be ``int`` and ``float``, sent as redis-py
sends them (the bytes of their ``repr``).

>>> import keyroute
>>> keyroute.key_slot("{user1000}.following") == keyroute.key_slot(b"user1000")
True
>>> keyroute.key_slot(b"foo{}{bar}")
8363
>>> list(keyroute.key_slots([b"a", "{a}", b"b"]))
[15495, 15495, 3300]
>>> keyroute.command_keys(["ZUNIONSTORE", "{t}out", 2, "{t}a", "{t}b"])
[b'{t}a', b'{t}b', b'{t}out']
>>> keyroute.check(["MSET", "{t}a", 1, "{t}b", 2]) == keyroute.key_slot("t")
True
>>> keyroute.route(["DBSIZE"])
RoutePlan(target='all_primaries', slot=None, response='agg_sum')
>>> [p.argv for p in keyroute.split(["MGET", "a", "b", "{a}c"]).parts]
[[b'MGET', b'a', b'{a}c'], [b'MGET', b'b']]

A cluster's map, from a `CLUSTER SLOTS` or `CLUSTER SHARDS` reply, or
straight from a connected redis-py client with ``Cluster.from_redis(r)``:

>>> cluster = keyroute.Cluster.from_slots(
...     [[0, 16383, [b"127.0.0.1", 7000], [b"127.0.0.1", 7001]]])
>>> cluster.node_for("{user1000}.following")
(Node('127.0.0.1:7000'), 'primary')
>>> node, role = cluster.node_for(b"k", read_from="prefer_replica")
>>> node.addr, role
('127.0.0.1:7001', 'replica')
>>> cluster.apply_redirect("MOVED 3443 127.0.0.1:7002")
Redirect(kind='moved', slot=3443, host='127.0.0.1', port=7002)
>>> [(g.node.port, g.positions) for g in cluster.group_by_node(["a", "{user1000}", "b"])]
[(7000, [0, 2]), (7002, [1])]

Client-side sharding, answered as twemproxy, the client libraries or a
written definition answer (`keyroute.plan` says what a change moves):

>>> pool = keyroute.Pool(["127.0.0.1:6379:1", "127.0.0.1:6380:1", "127.0.0.1:6381:1"],
...                      scheme="twemproxy-ketama")
>>> pool.node_for("foo"), pool.index_for(b"bar")
('127.0.0.1:6381:1', 0)

Redis Software-style hashing policies, wherever a key is hashed:

>>> standard = keyroute.HashPolicy.enterprise_standard()
>>> standard.hash_input("{foo}bar}"), keyroute.hash_tag("{foo}bar}")
(b'foo}bar', b'foo')
>>> keyroute.key_slot("{}a", policy=standard) == keyroute.key_slot("{}b", policy=standard)
True
"""

from keyroute import plan
from keyroute._cluster import Cluster
from keyroute._native import (
    SLOT_COUNT,
    CommandError,
    CommandTable,
    CrossSlotError,
    CrossSlotTransactionError,
    InvalidArgumentsError,
    KeyrouteError,
    Node,
    NodeGroup,
    NoKeyArgumentsError,
    NotSplittableError,
    Redirect,
    RedirectError,
    RoutePlan,
    Shard,
    SlotMap,
    SlotNotServedError,
    Split,
    SplitPart,
    TopologyError,
    UnknownCommandError,
    WrongArityError,
    __version__,
    # client-side sharding, hashing policies, plans
    BadWeightError,
    ConfigError,
    DifferentKeyHashError,
    HashPolicy,
    InvalidRuleError,
    NoRuleMatchedError,
    OpenSlotsError,
    OptionNotApplicableError,
    PartitionError,
    PlanError,
    PolicyError,
    Pool,
    ServerEntryError,
    ServerSpecError,
    ShardRouter,
    ShardSplit,
    # sharded clients (keyroute.redis builds on these)
    CrossShardError,
    CrossShardTransactionError,
    KeylessCommandError,
    NotColocatedError,
    PipelinePlan,
    Reduce,
    ShardSession,
    ShardingError,
    PartialReplyError,
    PartialWriteError,
    TransactionStateError,
    UnroutableCommandError,
    SlotOverlapError,
    TagPatternError,
    UncoveredSlotsError,
    UnknownNodeError,
    check,
    check_transaction,
    command_key_positions,
    command_keys,
    crc16,
    hash_tag,
    key_slot,
    key_slots,
    parse_redirect,
    pattern_slot,
    route,
    split,
)

__all__ = [
    "SLOT_COUNT",
    "Cluster",
    "CommandError",
    "CommandTable",
    "CrossSlotError",
    "CrossSlotTransactionError",
    "InvalidArgumentsError",
    "KeyrouteError",
    "Node",
    "NodeGroup",
    "NoKeyArgumentsError",
    "NotSplittableError",
    "Redirect",
    "RedirectError",
    "RoutePlan",
    "Shard",
    "SlotMap",
    "SlotNotServedError",
    "Split",
    "SplitPart",
    "TopologyError",
    "UnknownCommandError",
    "WrongArityError",
    "__version__",
    "check",
    "check_transaction",
    "command_key_positions",
    "command_keys",
    "crc16",
    "hash_tag",
    "key_slot",
    "key_slots",
    "parse_redirect",
    "pattern_slot",
    "route",
    "split",
    # client-side sharding, hashing policies, plans
    "BadWeightError",
    "ConfigError",
    "DifferentKeyHashError",
    "HashPolicy",
    "InvalidRuleError",
    "NoRuleMatchedError",
    "OpenSlotsError",
    "OptionNotApplicableError",
    "PartitionError",
    "PlanError",
    "PolicyError",
    "Pool",
    "ServerSpecError",
    "ServerEntryError",
    "TagPatternError",
    "ShardRouter",
    "ShardSplit",
    # sharded clients (keyroute.redis builds on these)
    "CrossShardError",
    "CrossShardTransactionError",
    "KeylessCommandError",
    "NotColocatedError",
    "PipelinePlan",
    "Reduce",
    "ShardSession",
    "ShardingError",
    "PartialReplyError",
    "PartialWriteError",
    "TransactionStateError",
    "UnroutableCommandError",
    "SlotOverlapError",
    "UncoveredSlotsError",
    "UnknownNodeError",
    "plan",
]
