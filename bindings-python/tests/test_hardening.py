"""Bounds and races: more shards than a map holds, MOVED storms, huge rings,
huge or repeated replies, pools by the thousand, and another thread (or
the caller's own generator) changing a map or a table while a call reads
its arguments. Each is a typed error or the right answer, never a crash, a
misroute or `RuntimeError: Already borrowed`."""

from __future__ import annotations

import resource
import threading
from collections.abc import Iterator
from typing import Any

import pytest

import keyroute
from keyroute import plan


def host(i: int) -> str:
    return f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}"


def shards_reply(n: int, owning_from: int) -> list[Any]:
    """`n` shards, each led by its own node; shards from `owning_from` on
    serve one slot each (slot 0 for the first of them)."""
    out: list[Any] = []
    for i in range(n):
        slots = [i - owning_from, i - owning_from] if i >= owning_from else []
        node = {"port": 7000, "endpoint": host(i), "role": "master"}
        out.append({"slots": slots, "nodes": [node]})
    return out


def test_more_than_65535_shards_are_refused_not_misrouted() -> None:
    # Shard indexes past 65535 once wrapped onto the first shards: slot 0
    # went to 10.0.0.0 instead of the shard that serves it.
    with pytest.raises(keyroute.TopologyError, match="65535"):
        keyroute.Cluster.from_shards(shards_reply(70_000, 65_535))
    m = keyroute.Cluster.from_shards(shards_reply(65_535, 65_535 - 16384))
    for slot in (0, 1, 4464, 16383):
        node, _ = m.node_for_slot(slot)
        assert node.host == host(65_535 - 16384 + slot)


def test_a_moved_storm_to_new_nodes_routes_right_and_forgets_the_rest() -> None:
    # 70,000 MOVEDs, each to a node never seen: this took 97 s when every
    # MOVED scanned every node and the map kept them all; past 65,535
    # shards it routed to the wrong node.
    slots = [[0, 5460, ["10.0.0.1", 7000]], [5461, 10922, ["10.0.0.2", 7001]],
             [10923, 16383, ["10.0.0.3", 7002]]]
    m = keyroute.Cluster.from_slots(slots)
    n = 70_000
    for i in range(n):
        slot = (i * 7) % 16384
        r = m.apply_redirect(f"MOVED {slot} {host(i)}:{7000 + i % 7}")
        assert r.slot == slot
        if i % 997 == 0:
            assert m.node_for_slot(slot)[0].addr == f"{host(i)}:{7000 + i % 7}"
    assert len(m.shards) == 16384 and len(m.nodes) == 16384
    for i in range(n - 16384, n):
        node, role = m.node_for_slot((i * 7) % 16384, read_from="prefer_replica")
        assert (node.addr, role) == (f"{host(i)}:{7000 + i % 7}", "primary")
    groups = m.group_by_node([b"a", b"b", b"c"])
    assert sum(len(g.positions) for g in groups) == 3


def test_a_reply_claiming_slots_again_and_again_is_refused_at_once() -> None:
    # 100,000 copies of one range: each walked 16,384 slots again before.
    with pytest.raises(keyroute.TopologyError, match="claimed twice"):
        keyroute.Cluster.from_slots([[0, 16383, ["10.0.0.1", 7000]]] * 100_000)


def test_huge_rings_are_refused_naming_the_limit() -> None:
    servers = ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"]
    for vnodes in (2**31 - 1, 10**8):
        with pytest.raises(keyroute.PartitionError, match="at most 4194304"):
            keyroute.Pool(servers, scheme="uhashring", vnodes=vnodes)
    with pytest.raises(keyroute.PartitionError, match="at most 4194304"):
        keyroute.Pool(servers, scheme="node-hashring", vnodes=50_000_000)
    # The default rings of thousands of servers are far below it.
    many = [f"{host(i)}:6379" for i in range(2000)]
    assert len(keyroute.Pool(many, scheme="uhashring").servers) == 2000


def test_many_nutcracker_pools_are_read_in_linear_time() -> None:
    # 50,000 pools: the duplicate-pool check compared each with every
    # earlier one (200,000 pools took over 60 s).
    yaml = "".join(f"p{i}:\n  listen: 127.0.0.1:{1 + i % 60000}\n  servers:\n   - 10.0.0.1:6379:1\n"
                   for i in range(50_000))
    assert keyroute.Pool.from_nutcracker(yaml, pool="p49999").servers == ["10.0.0.1:6379:1"]
    with pytest.raises(keyroute.ConfigError, match="twice") as e:
        keyroute.Pool.from_nutcracker(yaml + "p7:\n  listen: 1.1.1.1:1\n  servers:\n   - 1.1.1.1:1:1\n", pool="p1")
    assert e.value.pool == "p7"


def peak_rss() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def test_a_reply_that_repeats_a_large_string_is_refused_before_copying() -> None:
    # One 64 MiB bytes object referenced 200 times: 12.8 GB once copied,
    # which aborted the process ("memory allocation failed").
    big = b"h" * (64 << 20)
    text = "h" * (65 << 20)
    reply = [[0, 16383, *([big, 7000 + i] for i in range(200))]]
    before = peak_rss()
    with pytest.raises(keyroute.TopologyError, match="reply too large") as e:
        keyroute.Cluster.from_slots(reply)
    # The limit (the core's MAX_REPLY_BYTES) and where it was passed.
    assert "67108864 bytes" in str(e.value) and "CLUSTER SLOTS[0][3][0]" in str(e.value)
    with pytest.raises(keyroute.TopologyError, match="reply too large"):
        keyroute.Cluster.from_slots([[0, 16383, [text, 7000]]])
    with pytest.raises(keyroute.TopologyError, match="reply too large"):
        keyroute.Cluster.from_slots([[0, 16383, [memoryview(big), 7000], [bytearray(b"x"), 1]]] * 2)
    with pytest.raises(keyroute.CommandError, match="reply too large"):
        keyroute.CommandTable().extend_from_command_reply([[big] * 3])
    # Nothing of it was copied: the peak grew by far less than one copy.
    assert peak_rss() - before < (32 << 20)
    del big, reply, text


def test_a_reply_with_too_many_values_is_refused_before_its_list_is_made() -> None:
    row = [0, 0]
    with pytest.raises(keyroute.TopologyError, match="values"):
        keyroute.Cluster.from_slots([row] * (1 << 22))


def test_a_generator_that_applies_a_redirect_while_keys_are_read() -> None:
    m = keyroute.Cluster.from_slots([[0, 16383, ["10.0.0.1", 7000]]])

    def keys() -> Iterator[bytes]:
        yield b"a"
        # The same thread changes the map in the middle of the call.
        m.apply_redirect(f"MOVED {keyroute.key_slot('b')} 10.0.0.2:7000")
        yield b"b"

    groups = m.group_by_node(keys())
    assert {g.node.addr for g in groups} == {"10.0.0.1:7000", "10.0.0.2:7000"}


def test_another_thread_applies_a_redirect_while_keys_are_read() -> None:
    # group_by_node once held the map while the generator ran: the other
    # thread's apply_redirect raised "RuntimeError: Already borrowed".
    m = keyroute.Cluster.from_slots([[0, 16383, ["10.0.0.1", 7000]]])
    reading, applied = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def other() -> None:
        reading.wait(10)
        try:
            m.apply_redirect(f"MOVED {keyroute.key_slot('b')} 10.0.0.2:7000")
            for slot in range(100):
                m.apply_redirect(f"MOVED {slot} 10.0.0.3:7000")
        except BaseException as e:  # noqa: BLE001 (the test reports it)
            errors.append(e)
        applied.set()

    def keys() -> Iterator[bytes]:
        yield b"a"
        reading.set()
        assert applied.wait(10), "the other thread did not finish"
        yield b"b"

    t = threading.Thread(target=other)
    t.start()
    groups = m.group_by_node(keys())
    t.join()
    assert errors == []
    assert {g.node.addr for g in groups} == {"10.0.0.1:7000", "10.0.0.2:7000"}
    assert m.node_for_slot(5)[0].addr == "10.0.0.3:7000"


COMMAND_REPLY = [["mymodule.get", 2, ["readonly"], 1, 1, 1, ["@read"], [], [], []]]


def argv_calling(fn: Any) -> Iterator[str]:
    yield "MGET"
    fn()
    yield "a"
    yield "{a}b"


def test_a_command_table_extended_while_argv_is_read() -> None:
    # Every method read argv while holding the table: extending it from the
    # argv's own generator (or another thread) raised "Already borrowed".
    for name in ("command_keys", "command_key_positions", "check", "route", "split"):
        t = keyroute.CommandTable()
        result = getattr(t, name)(argv_calling(lambda: t.extend_from_command_reply(COMMAND_REPLY)))
        assert result is not None and "mymodule.get" in t, name
    t = keyroute.CommandTable()

    def transaction() -> Iterator[list[str]]:
        yield ["GET", "a"]
        t.extend_from_command_reply(COMMAND_REPLY)
        yield ["SET", "{a}x", "1"]

    assert t.check_transaction(transaction()) == keyroute.key_slot("a")
    t = keyroute.CommandTable()
    pool = keyroute.Pool(["10.0.0.1:6379", "10.0.0.2:6379"], scheme="jump")
    pool.split(argv_calling(lambda: t.extend_from_command_reply(COMMAND_REPLY)), table=t)
    assert "mymodule.get" in t


def test_split_by_node_reads_its_options_before_holding_the_map() -> None:
    m = keyroute.Cluster.from_slots([[0, 16383, ["10.0.0.1", 7000, "x", {}], ["10.0.0.2", 7001]]])
    s = keyroute.split(["MGET", "a", "b"])

    class Zone(str):
        def __eq__(self, other: object) -> bool:
            m.apply_redirect("MOVED 0 10.0.0.9:7000")
            return str.__eq__(self, other)

        __hash__ = str.__hash__

    groups = s.by_node(m, read_from=(Zone("az_affinity"), "eu"))  # type: ignore[arg-type]
    assert sum(len(parts) for _, parts in groups) == 2
    assert m.node_for_slot(0)[0].addr == "10.0.0.9:7000"


def test_plans_refuse_hostile_input_at_once() -> None:
    with pytest.raises(keyroute.PlanError, match="hexadecimal"):
        plan.rebalance({"x$(touch${IFS}pwned)": [(0, 16383)]})
