"""Typed use of the public API, checked with `mypy --strict` by test.sh.

Run as a script it also executes, so the annotations describe real behaviour.
"""

from __future__ import annotations

import array
from fractions import Fraction
from typing import Literal

import keyroute


def slots_of(keys: list[str | bytes]) -> array.array[int]:
    return keyroute.key_slots(keys)


def slots() -> None:
    slot: int = keyroute.key_slot("{user1000}.following")
    also: int = keyroute.key_slot(memoryview(b"user1000"))
    tag: bytes = keyroute.hash_tag(bytearray(b"{user1000}.following"))
    maybe: int | None = keyroute.pattern_slot("{user1000}:*")
    check: int = keyroute.crc16(b"123456789")
    batch = slots_of(["a", b"{a}"])
    first: int = batch[0]
    version: str = keyroute.__version__
    err: type[ValueError] = keyroute.KeyrouteError
    assert slot == also == maybe
    assert tag == b"user1000"
    assert check == 0x31C3 and first == 15495 and version and err


def cluster() -> keyroute.Cluster:
    def node(port: int) -> list[bytes | int]:
        return [b"10.0.0.1", port, b"%040d" % port]

    reply = [[0, 8191, node(7000), node(7003)], [8192, 16383, node(7001), node(7004)]]
    c: keyroute.Cluster = keyroute.Cluster.from_slots(reply, answered_by="10.0.0.1")
    base: keyroute.SlotMap = keyroute.SlotMap.from_shards([])
    assert base.unassigned() == [(0, 16383)]

    n, role = c.node_for("{user1000}.following")
    host: str = n.host
    port: int = n.port
    addr: str = n.addr
    node_id: str | None = n.id
    zone: str | None = n.availability_zone
    health: Literal["online", "loading", "failed"] = n.health
    r: Literal["primary", "replica"] = role
    assert (host, port, addr, r, health) == ("10.0.0.1", 7000, "10.0.0.1:7000", "primary", "online")
    assert node_id is not None and zone is None

    replica, _ = c.node_for_slot(3443, read_from="prefer_replica")
    in_zone, _ = c.node_for(b"k", read_from=("az_affinity", "us-east-1a"))
    assert replica.port == 7003 and in_zone.port == 7003  # no replica in that zone: any

    for group in c.group_by_node(["a", b"b", bytearray(b"c")], read_from="round_robin"):
        g_node: keyroute.Node = group.node
        positions: list[int] = group.positions
        per_slot: list[tuple[int, list[int]]] = group.slots
        assert g_node in c.nodes and positions and per_slot

    redirect: keyroute.Redirect = c.apply_redirect("MOVED 3443 10.0.0.9:7009")
    kind: Literal["moved", "ask"] = redirect.kind
    assert kind == "moved" and redirect.slot == 3443 and redirect.addr == "10.0.0.9:7009"
    parsed = keyroute.parse_redirect("ASK 1 ?:7000", answered_by="h")
    assert parsed.host == "h"
    shards: list[keyroute.Shard] = c.shards
    ranges: list[tuple[int, int]] = shards[0].slots
    replicas: list[keyroute.Node] = shards[0].replicas
    assert ranges and replicas
    copy: keyroute.Cluster = c.copy()
    assert copy == c
    try:
        keyroute.Cluster().node_for("a")
    except keyroute.SlotNotServedError as e:
        not_served: int = e.slot
        assert not_served == 15495
    return c


def commands(c: keyroute.Cluster) -> None:
    keys: list[bytes] = keyroute.command_keys(["ZUNIONSTORE", "{t}out", 2, "{t}a", "{t}b"])
    flags: list[tuple[int, tuple[str, ...]]] = keyroute.command_key_positions(
        ["SET", "k", "v"], mode="keyspecs")
    slot: int | None = keyroute.check(["MSET", "{t}a", 1, "{t}b", 2.5])
    tx: int | None = keyroute.check_transaction([["SET", "{t}a", 1], ("GET", b"{t}b")])
    assert keys and flags and slot == tx
    try:
        keyroute.check(["MGET", "a", "b"])
    except keyroute.CrossSlotError as e:
        first: bytes = e.first
        other_slot: int = e.other_slot
        assert first == b"a" and other_slot == 3300
    plan: keyroute.RoutePlan = keyroute.route(["DBSIZE"])
    target: str = plan.target
    response: str | None = plan.response
    assert (target, plan.slot, response) == ("all_primaries", None, "agg_sum")
    split: keyroute.Split = keyroute.split(["MGET", "a", "b", "{a}c"])
    merge: Literal["by_key_position", "sum", "all_ok", "single"] = split.merge
    for part in split.parts:
        argv: list[bytes] = part.argv
        ordinals: list[int] = part.keys
        part_slot: int | None = part.slot
        assert argv and ordinals and part_slot is not None
    by_node: list[tuple[keyroute.Node, list[int]]] = split.by_node(c, read_from="primary")
    assert merge == "by_key_position" and split.key_count == 3 and by_node
    table = keyroute.CommandTable()
    added: int = table.extend_from_command_reply([[b"mod.get", 2, [b"readonly"], 1, 1, 1]])
    assert added == 1 and "mod.get" in table and table.command_keys(["MOD.GET", "k"]) == [b"k"]
    errors: list[type[keyroute.CommandError]] = [
        keyroute.UnknownCommandError, keyroute.WrongArityError, keyroute.NoKeyArgumentsError,
        keyroute.InvalidArgumentsError, keyroute.CrossSlotTransactionError,
        keyroute.NotSplittableError]
    topology: list[type[keyroute.KeyrouteError]] = [
        keyroute.TopologyError, keyroute.RedirectError]
    assert errors and topology


def sharding() -> None:
    pool = keyroute.Pool(["127.0.0.1:6379:1", "127.0.0.1:6380:1"], scheme="twemproxy-ketama",
                         hash="md5", hash_tag="{}")
    index: int = pool.index_for(b"foo")
    server: str = pool.node_for("foo")
    batch: array.array[int] = pool.indexes_for(["a", b"b", bytearray(b"c")])
    servers: list[str] = pool.servers
    scheme: str = pool.scheme
    assert server == servers[index] and batch.typecode == "I" and scheme == "twemproxy-ketama"
    ejected: keyroute.Pool = pool.with_live([True, False])
    live: list[bool] | None = ejected.live
    assert live == [True, False] and ejected.index_for("x") == 0
    yaml = "alpha:\n  listen: 127.0.0.1:22121\n  servers:\n   - 127.0.0.1:6379:1\n"
    nut = keyroute.Pool.from_nutcracker(yaml, pool="alpha")
    name: str | None = nut.name
    assert name == "alpha" and not nut.auto_eject_hosts
    ring = keyroute.Pool(["a:1", "b:1"], scheme="uhashring", vnodes=160)
    assert ring.node_for(b"k") in ring.servers
    try:
        keyroute.Pool(["a:1:0"], scheme="predis")
    except keyroute.ServerSpecError as e:
        bad_server: str = e.server
        assert bad_server == "a:1:0"
    try:
        keyroute.Pool.from_nutcracker(yaml, pool="beta")
    except keyroute.ConfigError as c:
        pool_name: str | None = c.pool
        assert pool_name == "beta" and c.field is None

    standard = keyroute.HashPolicy.enterprise_standard()
    tag: bytes = standard.hash_input("{a}b}")
    rules: list[str] = keyroute.HashPolicy([r"user:(?<tag>\d+):.*"]).rules
    slot: int = keyroute.key_slot("{}x", policy=standard)
    slots: array.array[int] = keyroute.key_slots(["{}x"], policy=standard)
    assert tag == b"a}b" and rules and slot == slots[0] == standard.key_slot("{}y")
    table = keyroute.CommandTable(policy=standard)
    assert table.check(["MGET", "{}a", "{}b"]) == keyroute.check(["GET", "{}c"], policy=standard)
    try:
        keyroute.HashPolicy(["(?<tag>.*)$"])
    except keyroute.InvalidRuleError as r:
        rule: int = r.rule
        assert rule == 0 and r.reason


def plans() -> None:
    a, b, c = "a" * 40, "b" * 40, "c" * 40
    p: keyroute.plan.Plan = keyroute.plan.rebalance(
        {a: [(0, 16383)]}, weights={a: "1.5"}, add=[b, (c, "10.0.0.3:6379")],
        tolerance=0)
    text: str = p.to_json()
    script: str = p.script("redis84")
    lower: int = p.lower_bound
    for m in p.moves:
        source: str = m.source
        ranges: list[tuple[int, int]] = m.ranges
        assert source == a and ranges
    quotas: list[Fraction] = [n.quota for n in p.nodes]
    assert text and script and lower == p.moves_total and sum(quotas) == 16384
    old = keyroute.Pool(["127.0.0.1:7000", "127.0.0.1:7001"], scheme="jump")
    new = keyroute.Pool(["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"], scheme="jump")
    moved: list[tuple[str, str, str]] = keyroute.plan.moved_keys(old, new, ["a", "b", "c"])
    f: keyroute.plan.MovedFraction = keyroute.plan.moved_fraction(old, new, sample_log2=10)
    share: Fraction = f.moved
    basis: Literal["hash_space", "hash_sample", "key_sample"] = f.basis
    assert basis == "hash_sample" and 0 < share < 1 and len(moved) <= 3
    try:
        keyroute.plan.rebalance("garbage")
    except keyroute.PlanError as e:
        assert "line 1" in str(e)


def shard_splits() -> None:
    pool = keyroute.Pool(["127.0.0.1:7001:1 a", "127.0.0.1:7002:1 b"], scheme="twemproxy-ketama")
    aliases: list[str | None] = pool.aliases
    split: keyroute.ShardSplit = pool.split(["MGET", "x", "y", "z"])
    parts: list[tuple[int, list[int], list[int]]] = split.parts
    commands: list[tuple[int, tuple[object, ...]]] = split.commands
    values: list[object] = split.gather([list(a[1:]) for _, a in commands])
    assert values == [b"x", b"y", b"z"] or values == ["x", "y", "z"]
    router = keyroute.ShardRouter(pool, strict_tags=True)
    where: int | keyroute.ShardSplit = router.route(["GET", "x"])
    shards: list[int] = router.key_shards(["MSET", "x", 1, "y", 2])
    try:
        router.route(["RENAME", "x", "y"])
    except keyroute.CrossShardError as e:
        named: list[str] = e.shards
        indexes: list[int] = e.shard_indexes
        assert e.command == "RENAME" and named and indexes and e.code.startswith("ERR_KEYROUTE_")
    session = keyroute.ShardSession(router)
    shard: int = session.watch(["WATCH", "x"])
    assert session.pinned == shard and session.exec() == shard
    plan: keyroute.PipelinePlan = router.plan_pipeline([["GET", "x"], ["DBSIZE"]])
    replies: list[object] = plan.assemble([[b"1", 1] if i == shard else [1] for i in range(2)])
    assert replies == [b"1", 2]
    assert aliases == ["a", "b"] and len(parts) >= 1 and isinstance(where, int) and len(shards) == 2


def main() -> None:
    slots()
    commands(cluster())
    sharding()
    plans()
    shard_splits()
    print("typed usage ok")


if __name__ == "__main__":
    main()
