"""Cluster maps offline: every reply shape redis-py can hand over, routing,
read-from choices, redirects (text and redis-py exceptions), and typed
errors for malformed replies."""

from __future__ import annotations

import copy
import sys
from typing import Any

import pytest
from redis.cluster import (
    parse_cluster_shards,
    parse_cluster_shards_unified,
    parse_cluster_shards_with_str_keys,
    parse_cluster_slots,
)
from redis.exceptions import AskError, ClusterDownError, MovedError, ResponseError

import keyroute
from keyroute import Cluster

HOST = b"10.0.0.1"
LAYOUT = [  # (ranges, primary port, replica ports)
    ([(0, 5460)], 7000, [7003]),
    ([(5461, 10922)], 7001, [7004]),
    ([(10923, 12000), (12001, 16383)], 7002, [7005]),
]


def node_id(port: int) -> bytes:
    return b"%040d" % port


def slots_reply() -> list[Any]:
    """CLUSTER SLOTS, RESP2, as the server sends it (one entry per range)."""
    out: list[Any] = []
    for ranges, primary, replicas in LAYOUT:
        for start, end in ranges:
            nodes = [[HOST, p, node_id(p), []] for p in [primary, *replicas]]
            out.append([start, end, *nodes])
    return out


def shards_reply_resp2() -> list[Any]:
    """CLUSTER SHARDS, RESP2: flat key/value arrays."""
    out: list[Any] = []
    for ranges, primary, replicas in LAYOUT:
        nodes = []
        for p in [primary, *replicas]:
            role = b"master" if p == primary else b"replica"
            nodes.append([b"id", node_id(p), b"port", p, b"ip", HOST, b"endpoint", HOST,
                          b"role", role, b"replication-offset", 84, b"health", b"online"])
        flat = [bound for r in ranges for bound in r]
        out.append([b"slots", flat, b"nodes", nodes])
    return out


def as_map(flat: list[Any]) -> dict[Any, Any]:
    return dict(zip(flat[::2], flat[1::2]))


def shards_reply_resp3(decode: bool = False) -> list[Any]:
    """CLUSTER SHARDS, RESP3, as redis-py returns it (maps are dicts)."""
    def conv(v: Any) -> Any:
        return v.decode() if decode and isinstance(v, bytes) else v
    out = []
    for shard in shards_reply_resp2():
        d = {conv(k): v for k, v in as_map(shard).items()}
        d[conv(b"nodes")] = [{conv(k): conv(v) for k, v in as_map(n).items()}
                             for n in d[conv(b"nodes")]]
        out.append(d)
    return out


def owners(cluster: keyroute.SlotMap) -> list[int]:
    return [cluster.node_for_slot(s)[0].port for s in range(keyroute.SLOT_COUNT)]


WANT = [7000] * 5461 + [7001] * 5462 + [7002] * 5461


@pytest.mark.parametrize(
    ("name", "build"),
    [
        ("SLOTS raw", lambda: Cluster.from_slots(slots_reply())),
        ("SLOTS parse_cluster_slots", lambda: Cluster.from_slots(parse_cluster_slots(slots_reply()))),
        ("SLOTS str", lambda: Cluster.from_slots(
            [[s, e, *[[h.decode(), p, i.decode(), {}] for h, p, i, _ in n]]
             for s, e, *n in slots_reply()])),
        ("SHARDS RESP2", lambda: Cluster.from_shards(shards_reply_resp2())),
        ("SHARDS RESP3", lambda: Cluster.from_shards(shards_reply_resp3())),
        ("SHARDS RESP3 decoded", lambda: Cluster.from_shards(shards_reply_resp3(decode=True))),
        ("SHARDS parse_cluster_shards", lambda: Cluster.from_shards(
            parse_cluster_shards(shards_reply_resp2()))),  # type: ignore[no-untyped-call]
        ("SHARDS parse_cluster_shards_unified", lambda: Cluster.from_shards(
            parse_cluster_shards_unified(shards_reply_resp2()))),  # type: ignore[no-untyped-call]
        ("SHARDS parse_cluster_shards_with_str_keys", lambda: Cluster.from_shards(
            parse_cluster_shards_with_str_keys(shards_reply_resp2()))),  # type: ignore[no-untyped-call]
        ("SHARDS tuples", lambda: Cluster.from_shards(tuple(shards_reply_resp3()))),
        ("SlotMap SHARDS RESP2", lambda: keyroute.SlotMap.from_shards(shards_reply_resp2())),
    ],
)
def test_every_reply_shape_gives_the_layout(name: str, build: Any) -> None:
    cluster = build()
    assert isinstance(cluster, keyroute.SlotMap)
    assert owners(cluster) == WANT, name
    assert cluster.unassigned() == []
    assert sorted(n.port for n in cluster.nodes) == list(range(7000, 7006))
    shards = sorted(cluster.shards, key=lambda s: s.primary.port)
    assert [(s.primary.port, [r.port for r in s.replicas], s.slots) for s in shards] == [
        (7000, [7003], [(0, 5460)]), (7001, [7004], [(5461, 10922)]),
        (7002, [7005], [(10923, 16383)])]
    for s in range(0, keyroute.SLOT_COUNT, 97):
        node, role = cluster.node_for_slot(s, read_from="prefer_replica")
        assert (node.port, role) == (WANT[s] + 3, "replica")


def test_node_details() -> None:
    cluster = Cluster.from_shards(shards_reply_resp3())
    node, role = cluster.node_for("{user1000}.following")  # slot 3443
    assert role == "primary"
    assert (node.host, node.port, node.addr) == ("10.0.0.1", 7000, "10.0.0.1:7000")
    assert node.id == node_id(7000).decode() and node.ip == "10.0.0.1"
    assert (node.tls_port, node.hostname, node.availability_zone) == (None, None, None)
    assert node.health == "online"
    assert repr(node) == f"Node('10.0.0.1:7000', id='{node.id}')"
    # The same object every time, equal and hashable.
    assert cluster.node_for(b"user1000")[0] is node
    assert cluster.nodes[0] == node and len({*cluster.nodes, node}) == 6


def test_node_for_matches_key_slot() -> None:
    cluster = Cluster.from_slots(slots_reply())
    keys: list[str | bytes | bytearray | memoryview] = [
        "a", b"b", bytearray(b"{x}y"), memoryview(b"zz"), "é", b"\xff\x00"]
    for key in keys:
        assert cluster.node_for(key)[0] == cluster.node_for_slot(keyroute.key_slot(key))[0]
    with pytest.raises(TypeError, match="not int"):
        cluster.node_for(5)  # type: ignore[arg-type]
    for slot in [-1, 16384, 2**40]:
        with pytest.raises(ValueError, match="slot must be in 0..=16383"):
            cluster.node_for_slot(slot)


def test_read_from() -> None:
    reply = shards_reply_resp3()
    for shard in reply:
        for n in shard[b"nodes"]:
            n[b"availability-zone"] = b"az-a" if n[b"port"] in (7000, 7004) else b"az-b"
    # A second replica for the first shard, in zone az-a.
    reply[0][b"nodes"].append({**reply[0][b"nodes"][1], b"port": 7010, b"id": node_id(7010),
                               b"availability-zone": b"az-a"})
    cluster = Cluster.from_shards(reply)
    key = "{user1000}"  # slot 3443: first shard
    assert cluster.node_for(key, read_from="primary") == cluster.node_for(key)
    assert cluster.node_for(key)[0].port == 7000
    seen = {cluster.node_for(key, read_from="prefer_replica")[0].port for _ in range(10)}
    assert seen == {7003, 7010}
    seen = {cluster.node_for(key, read_from="round_robin")[0].port for _ in range(10)}
    assert seen == {7000, 7003, 7010}
    az = {cluster.node_for(key, read_from=("az_affinity", "az-a")) for _ in range(10)}
    assert {(n.port, n.availability_zone, role) for n, role in az} == {(7010, "az-a", "replica")}
    # No replica in the zone: any replica.
    az_c = {cluster.node_for(key, read_from=("az_affinity", "az-c"))[0].port for _ in range(10)}
    assert az_c == {7003, 7010}
    for bad in ["replica", "PRIMARY", ""]:
        with pytest.raises(ValueError, match="unknown read_from"):
            cluster.node_for(key, read_from=bad)  # type: ignore[arg-type]
    for bad_arg in [("az_affinity",), ("az_affinity", 5), ("other", "x"), 1]:
        with pytest.raises(TypeError):
            cluster.node_for(key, read_from=bad_arg)  # type: ignore[arg-type]


def test_unhealthy_replicas_are_not_read_from() -> None:
    reply = shards_reply_resp3()
    reply[0][b"nodes"][1][b"health"] = b"loading"
    reply[1][b"nodes"][1][b"health"] = b"fail"
    cluster = Cluster.from_shards(reply)
    assert cluster.node_for_slot(0, read_from="prefer_replica")[0].port == 7000
    assert cluster.node_for_slot(6000, read_from="prefer_replica")[1] == "primary"
    health = {n.port: n.health for n in cluster.nodes}
    assert (health[7003], health[7004], health[7005]) == ("loading", "failed", "online")
    assert "health='loading'" in repr(next(n for n in cluster.nodes if n.port == 7003))


def test_group_by_node() -> None:
    cluster = Cluster.from_slots(slots_reply())
    keys: list[Any] = ["a", "b", "c", "{a}x", b"a", "{b}", bytearray(b"c")]
    groups = cluster.group_by_node(keys)
    seen = []
    for g in groups:
        assert g.role == "primary"
        for slot, positions in g.slots:
            for p in positions:
                assert keyroute.key_slot(keys[p]) == slot
                assert cluster.node_for(keys[p])[0] == g.node
        assert g.positions == [p for _, positions in g.slots for p in positions]
        seen += g.positions
    assert sorted(seen) == list(range(len(keys)))
    # Groups in order of first appearance; a slot's keys stay together.
    assert groups[0].slots[0] == (keyroute.key_slot("a"), [0, 3, 4])
    assert cluster.group_by_node([]) == []
    assert [g.role for g in cluster.group_by_node(keys, read_from="prefer_replica")] == [
        "replica"] * len(groups)
    assert len(cluster.group_by_node(iter(keys))) == len(groups)
    with pytest.raises(TypeError, match=r"^keys\[1\]: .*not int$"):
        cluster.group_by_node(["a", 1])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="iterable of keys"):
        cluster.group_by_node("abc")
    with pytest.raises(keyroute.SlotNotServedError) as e:
        Cluster().group_by_node(["a"])
    assert e.value.slot == keyroute.key_slot("a")


def test_moved_and_ask() -> None:
    cluster = Cluster.from_slots(slots_reply())
    before = cluster.copy()
    assert before == cluster and before is not cluster and type(before) is Cluster
    r = cluster.apply_redirect("ASK 3443 10.0.0.1:7001")
    assert (r.kind, r.slot, r.host, r.port, r.addr) == ("ask", 3443, "10.0.0.1", 7001, "10.0.0.1:7001")
    assert cluster == before
    # MOVED to a node of another shard: the slot joins that shard.
    r = cluster.apply_redirect(b"-MOVED 3443 10.0.0.1:7001\r\n")
    assert r.kind == "moved" and cluster != before
    assert cluster.node_for_slot(3443)[0].port == 7001
    assert before.node_for_slot(3443)[0].port == 7000  # the copy is independent
    # MOVED to an unknown node: it joins the map; empty host = the sender.
    r = cluster.apply_redirect("MOVED 100 :7777", answered_by="10.0.0.9")
    assert (r.host, r.port) == ("10.0.0.9", 7777)
    node, role = cluster.node_for_slot(100)
    assert (node.addr, role) == ("10.0.0.9:7777", "primary") and node in cluster.nodes
    assert len(cluster.shards) == 4
    # MOVED to the slot's replica (a failover): roles swap.
    cluster.apply_redirect("MOVED 6000 10.0.0.1:7004")
    assert cluster.node_for_slot(6000)[0].port == 7004
    assert cluster.node_for_slot(6000, read_from="prefer_replica")[0].port == 7001
    assert copy.copy(cluster) == cluster


def test_redis_py_exceptions_as_redirects() -> None:
    cluster = Cluster.from_slots(slots_reply())
    # What redis-py's parser makes of "-MOVED 3443 10.0.0.1:7001".
    moved = MovedError("3443 10.0.0.1:7001", status_code="MOVED")
    ask = AskError("12 10.0.0.1:7002", status_code="ASK")
    assert cluster.apply_redirect(ask).kind == "ask"
    assert cluster.apply_redirect(moved).kind == "moved"
    assert cluster.node_for_slot(3443)[0].port == 7001
    # Built without a status code (as application code might), or a plain
    # ResponseError carrying the whole text.
    assert cluster.apply_redirect(MovedError("5 10.0.0.1:7002")).slot == 5
    assert cluster.apply_redirect(ResponseError("ASK 6 10.0.0.1:7002")).kind == "ask"
    with pytest.raises(keyroute.RedirectError):
        cluster.apply_redirect(ClusterDownError("Hash slot not served", status_code="CLUSTERDOWN"))
    with pytest.raises(keyroute.RedirectError):
        cluster.apply_redirect(ResponseError("ERR unknown command"))


@pytest.mark.parametrize(
    "text",
    ["", "MOVED", "MOVED 1", "MOVED x 10.0.0.1:7000", "MOVED 16384 10.0.0.1:7000",
     "MOVED -1 h:1", "MOVED 1 10.0.0.1", "MOVED 1 10.0.0.1:0", "MOVED 1 10.0.0.1:65536",
     "MOVED 1 h:p", "MOVED 1 :7000", "MOVED 1 ?:7000", "moved 1 h:1", "MOVED 1 h:1 extra",
     "ERR other", "\x00", "MOVED 1 h:+1", b"MOVED 1 \xff:1"],
)
def test_bad_redirects_raise_redirect_error(text: str | bytes) -> None:
    cluster = Cluster.from_slots(slots_reply())
    with pytest.raises(keyroute.RedirectError):
        cluster.apply_redirect(text)
    if isinstance(text, str):
        with pytest.raises(keyroute.RedirectError):
            keyroute.parse_redirect(text)
    assert cluster == Cluster.from_slots(slots_reply())


def test_redirect_argument_types() -> None:
    cluster = Cluster()
    with pytest.raises(TypeError, match="str or bytes"):
        cluster.apply_redirect(5)
    assert keyroute.parse_redirect("MOVED 1 [::1]:7000").host == "::1"
    r = keyroute.parse_redirect("ASK 1 ?:7000", answered_by="h")
    assert (r.kind, r.addr) == ("ask", "h:7000")
    assert r == keyroute.parse_redirect("ASK 1 h:7000") and hash(r) == hash(
        keyroute.parse_redirect("ASK 1 h:7000"))
    assert repr(r) == "Redirect(kind='ask', slot=1, host='h', port=7000)"


MALFORMED_SLOTS: list[Any] = [
    None, 5, b"bytes", {"x": 1}, [5], [[0, 1]], [[0, 1, 5]], [[0, 1, [b"h"]]],
    [[0, 1, [b"h", b"port"]]], [[0, 1, [b"h", 70000]]], [[0, 1, [b"h", -1]]],
    [[1, 0, [b"h", 1]]], [[0, 16384, [b"h", 1]]], [[b"x", 1, [b"h", 1]]],
    [[0, 1, [5, 1]]], [[0, 1, [b"\xff", 1]]], [[0, 1, [b"h", 1, b"\xff"]]],
    [[0, 1, [b"h", 1, b"id", 5]]], [[0, 1, [b"", 1]]], [[0, 1, [None, 1]]],
    [[0, 5, [b"a", 1]], [3, 9, [b"b", 2]]], [[0, 1, [b"h", 2**64]]], [[0, 1, [1.5, 1]]],
    [[0, 1, [b"h", 1, b"id", {b"hostname": object()}]]],
]


@pytest.mark.parametrize("reply", MALFORMED_SLOTS)
def test_malformed_slots_replies(reply: Any) -> None:
    with pytest.raises(keyroute.TopologyError):
        Cluster.from_slots(reply)


def test_overlap_and_no_address_messages() -> None:
    with pytest.raises(keyroute.TopologyError, match="claimed by both a:1 and b:2"):
        Cluster.from_slots([[0, 5, [b"a", 1]], [3, 9, [b"b", 2]]])
    with pytest.raises(keyroute.TopologyError, match="no usable address"):
        Cluster.from_slots([[0, 1, [b"", 1]]])
    # An empty host is the node that answered.
    cluster = Cluster.from_slots([[0, 16383, [b"", 7000]]], answered_by="seed")
    assert cluster.node_for_slot(0)[0].addr == "seed:7000"


def shard_with(**changes: Any) -> list[Any]:
    reply = shards_reply_resp3()
    reply[0][b"nodes"][0].update({k.replace("_", "-").encode(): v for k, v in changes.items()})
    return reply


MALFORMED_SHARDS: list[Any] = [
    None, 5, [5], [{b"slots": [0]}], [{b"slots": [0, 1]}], [{b"nodes": []}],
    [{b"slots": [0, 1], b"nodes": 5}], [{b"slots": [0, 1], b"nodes": [5]}],
    [{b"slots": [0, 1], b"nodes": [{b"port": 1, b"ip": b"h", b"role": b"replica"}]}],
    [{b"slots": [(0, 1, 2)], b"nodes": []}], [{b"slots": [[0]], b"nodes": []}],
    shard_with(role=b"leader"), shard_with(health=b"sleepy"), shard_with(port=b"x"),
    shard_with(port=None), shard_with(endpoint=b"", ip=b"?"), shard_with(id=5),
    shard_with(hostname=[]), shard_with(endpoint=b"\xff"),
]


@pytest.mark.parametrize("reply", MALFORMED_SHARDS)
def test_malformed_shards_replies(reply: Any) -> None:
    with pytest.raises(keyroute.TopologyError):
        Cluster.from_shards(reply)


def test_deep_or_cyclic_replies() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(keyroute.TopologyError, match="nested"):
        Cluster.from_slots(cyclic)
    deep: Any = [b"x"]
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(keyroute.TopologyError, match="nested"):
        Cluster.from_shards(deep)


def test_empty_map() -> None:
    cluster = Cluster()
    assert cluster.unassigned() == [(0, 16383)] and cluster.nodes == [] and cluster.shards == []
    with pytest.raises(keyroute.SlotNotServedError, match="not served") as e:
        cluster.node_for("a")
    assert e.value.slot == keyroute.key_slot("a")
    partial = Cluster.from_slots([[0, 99, [b"h", 1]], [200, 16383, [b"h", 1]]])
    assert partial.unassigned() == [(100, 199)]
    assert partial.shards[0].slots == [(0, 99), (200, 16383)]
    assert repr(partial) == "<Cluster 1 shards, 1 nodes, 1 unassigned ranges>"
    with pytest.raises(TypeError, match="unhashable"):
        hash(partial)


def test_no_reference_leaks() -> None:
    cluster = Cluster.from_slots(slots_reply())
    keys: list[Any] = [b"leak:{1}".join([b"", b""]), "leak:{2}" + str(len("xy")),
                       bytearray(b"leak:{3}")]
    before = [sys.getrefcount(k) for k in keys]
    for _ in range(200):
        cluster.group_by_node(keys)
        cluster.group_by_node(iter(keys), read_from="round_robin")
        for i in range(len(keys)):
            cluster.node_for(keys[i])
        with pytest.raises(TypeError):
            cluster.group_by_node([*keys, 5])  # type: ignore[list-item]
    assert [sys.getrefcount(k) for k in keys] == before


def test_subclasses_keep_their_class() -> None:
    class Mine(Cluster):
        pass

    mine = Mine.from_shards(shards_reply_resp2())
    assert type(mine) is Mine and type(mine.copy()) is Mine
    assert mine == Cluster.from_shards(shards_reply_resp2())


def test_slot_node_is_node_for_slot_under_its_old_name() -> None:
    cluster = keyroute.Cluster.from_slots([[0, 16383, ["127.0.0.1", 7000]]])
    with pytest.warns(DeprecationWarning, match="node_for_slot"):
        assert cluster.slot_node(5) == cluster.node_for_slot(5)
