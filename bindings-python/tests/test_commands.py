"""Commands offline: argument types, checks, transactions, routes, splits,
the command table, and errors (typed, never SystemError or a panic)."""

from __future__ import annotations

import enum
import sys
import math
from collections.abc import Iterator
from typing import Any

import pytest
from redis._parsers.encoders import Encoder

import keyroute

SLOT_T = keyroute.key_slot("t")
ENCODER = Encoder("utf-8", "strict", False)  # type: ignore[no-untyped-call]


class Color(enum.IntEnum):
    RED = 1


@pytest.mark.parametrize(
    "value",
    [0, -1, 7, 2**63 - 1, -(2**63), 2**64, -(2**100), 1.5, -0.0, 1e20, 1e-7, 0.1,
     math.inf, -math.inf, Color.RED, 12345678901234567890.0],
)
def test_numbers_are_encoded_as_redis_py_sends_them(value: int | float) -> None:
    want = ENCODER.encode(value)  # type: ignore[no-untyped-call]
    part = keyroute.split(["SET", "k", value]).parts[0]
    assert part.argv == [b"SET", b"k", want]
    assert keyroute.command_keys(["GET", value]) == [want]


def test_argument_types() -> None:
    keys: list[str | bytes | bytearray | memoryview] = [
        "k", b"k", bytearray(b"k"), memoryview(b"xk")[1:]]
    for key in keys:
        assert keyroute.command_keys(["GET", key]) == [b"k"]
        assert keyroute.command_keys([b"GET", key]) == [b"k"]
    # An exact bytes argument comes back as the same object.
    key = b"some-key"
    assert keyroute.command_keys(["GET", key])[0] is key
    assert keyroute.command_keys(["get", "é"]) == ["é".encode()]


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(None, "NoneType"), (True, "bool"), ([b"a"], "list"), ({}, "dict"), (object(), "object")],
)
def test_other_arguments_are_refused(value: object, type_name: str) -> None:
    argv: list[Any] = ["MGET", "a", value]
    for fn in (keyroute.command_keys, keyroute.check, keyroute.route, keyroute.split,
               keyroute.command_key_positions):
        with pytest.raises(TypeError, match=rf"^argv\[2\]: .*\bnot {type_name}$"):
            fn(argv)
    with pytest.raises(TypeError, match=rf"^commands\[1\]\[2\]: .*\bnot {type_name}$"):
        keyroute.check_transaction([["GET", "a"], argv])


@pytest.mark.parametrize("single", ["GET a", b"GET a", bytearray(b"GET a"), memoryview(b"GET")])
def test_a_single_string_is_not_an_argv(single: Any) -> None:
    with pytest.raises(TypeError, match="list of arguments"):
        keyroute.command_keys(single)
    with pytest.raises(TypeError, match="list of argument lists"):
        keyroute.check_transaction(single)
    with pytest.raises(TypeError, match=r"commands\[0\] must be a list of arguments"):
        keyroute.check_transaction([single])


def test_any_iterable_is_an_argv() -> None:
    def gen() -> Iterator[str]:
        yield from ["MGET", "{t}a", "{t}b"]

    assert keyroute.command_keys(gen()) == [b"{t}a", b"{t}b"]
    assert keyroute.check(iter(["GET", "x"])) == keyroute.key_slot("x")
    with pytest.raises(TypeError, match="not iterable"):
        keyroute.check(5)  # type: ignore[arg-type]


def test_lone_surrogate_raises_like_encoding() -> None:
    with pytest.raises(UnicodeEncodeError):
        keyroute.check(["GET", "a\ud800"])


def test_modes() -> None:
    # GEORADIUS with STORE and STOREDIST: routing takes the last, the key
    # specs both.
    argv = ["GEORADIUS", "src", "0", "0", "1", "km", "STORE", "d1", "STOREDIST", "d2"]
    assert keyroute.command_keys(argv) == [b"src", b"d2"]
    assert keyroute.command_keys(argv, mode="routing") == [b"src", b"d2"]
    assert keyroute.command_keys(argv, mode="keyspecs") == [b"src", b"d1", b"d2"]
    # Routing mode has flags only where the server's key procedure sets them.
    assert keyroute.command_key_positions(["MGET", "a", "b"]) == [(1, ()), (2, ())]
    assert keyroute.command_key_positions(["SET", "k", "v"], mode="keyspecs") == [
        (1, ("OW", "update"))]
    with pytest.raises(ValueError, match="mode must be"):
        keyroute.command_keys(["GET", "a"], mode="other")  # type: ignore[arg-type]
    with pytest.raises(keyroute.NoKeyArgumentsError):
        keyroute.command_keys(["PING"], mode="keyspecs")
    assert keyroute.command_keys(["PING"]) == []


def test_check() -> None:
    assert keyroute.check(["MSET", "{t}a", 1, "{t}b", 2]) == SLOT_T
    assert keyroute.check(["PING"]) is None
    assert keyroute.check(["EVAL", "return 1", 0]) is None
    with pytest.raises(keyroute.CrossSlotError) as e:
        keyroute.check(["MGET", "{t}a", "{t}b", b"other"])
    err = e.value
    assert (err.first, err.other) == (b"{t}a", b"other")
    assert (err.first_slot, err.other_slot) == (SLOT_T, keyroute.key_slot("other"))
    assert (err.first_pos, err.other_pos) == (1, 3)
    assert "don't hash to the same slot" in str(err)
    assert isinstance(err, keyroute.CommandError) and isinstance(err, ValueError)


def test_command_errors() -> None:
    with pytest.raises(keyroute.UnknownCommandError) as unknown:
        keyroute.check(["NOSUCH", "a"])
    assert (unknown.value.command, unknown.value.subcommand) == ("NOSUCH", None)
    with pytest.raises(keyroute.UnknownCommandError) as sub:
        keyroute.check(["OBJECT", "nosuch", "k"])
    assert (sub.value.command, sub.value.subcommand) == ("object", "nosuch")
    with pytest.raises(keyroute.WrongArityError) as arity:
        keyroute.check(["GET"])
    assert arity.value.command == "get"
    with pytest.raises(keyroute.CommandError, match="empty command"):
        keyroute.check([])


def test_check_transaction() -> None:
    assert keyroute.check_transaction([["SET", "{t}a", 1], ["INCR", "{t}b"], ["PING"]]) == SLOT_T
    assert keyroute.check_transaction([["PING"]]) is None
    assert keyroute.check_transaction([]) is None
    with pytest.raises(keyroute.CrossSlotTransactionError) as e:
        keyroute.check_transaction([["SET", "{t}a", 1], ("GET", b"other")])
    err = e.value
    assert (err.first, err.other, err.first_pos, err.other_pos) == (
        b"{t}a", b"other", (0, 1), (1, 1))
    assert (err.first_slot, err.other_slot) == (SLOT_T, keyroute.key_slot("other"))
    # One command whose own keys span slots fails the block as well.
    with pytest.raises(keyroute.CrossSlotTransactionError) as e:
        keyroute.check_transaction([["MGET", "a", "b"]])
    assert (e.value.first_pos, e.value.other_pos) == ((0, 1), (0, 2))
    with pytest.raises(keyroute.UnknownCommandError):
        keyroute.check_transaction([["GET", "a"], ["NOSUCH"]])


def test_route() -> None:
    assert keyroute.route(["GET", "a"]) == keyroute.route([b"get", b"a"])
    plan = keyroute.route(["GET", "{t}x"])
    assert (plan.target, plan.slot, plan.response) == ("slot", SLOT_T, None)
    plan = keyroute.route(["DBSIZE"])
    assert (plan.target, plan.slot, plan.response) == ("all_primaries", None, "agg_sum")
    assert keyroute.route(["CONFIG", "SET", "a", "b"]).target == "all_nodes"
    assert keyroute.route(["SCAN", "0"]).target == "special"
    assert keyroute.route(["CLIENT", "LIST"]).target == "any_node"
    assert keyroute.route(["MGET", "a", "b"]).target == "multi_shard"
    assert keyroute.route(["DEL", "a", "b"]).response == "agg_sum"
    assert keyroute.route(["SPUBLISH", "ch", "m"]).slot == keyroute.key_slot("ch")
    with pytest.raises(keyroute.CrossSlotError):
        keyroute.route(["SUNIONSTORE", "a", "b"])
    # MSETNX carries the multi_shard tip, but splitting it would break its
    # all-or-nothing semantics: route refuses it as split does (core 8cccc88).
    with pytest.raises(keyroute.CrossSlotError):
        keyroute.route(["MSETNX", "a", 1, "b", 2])
    assert keyroute.route(["MSETNX", "{a}1", 1, "{a}2", 2]).slot == keyroute.key_slot("a")
    assert hash(keyroute.route(["PING"])) == hash(keyroute.route(["ping"]))
    assert repr(keyroute.route(["DBSIZE"])) == (
        "RoutePlan(target='all_primaries', slot=None, response='agg_sum')")


def test_split_and_merge() -> None:
    keys = ["a", "b", "{a}c", "d", "{b}e"]
    s = keyroute.split(["MGET", *keys])
    assert s.merge == "by_key_position" and s.key_count == 5
    assert [p.argv[0] for p in s.parts] == [b"MGET"] * len(s.parts)
    # Each part's reply, as the server would give it, merged back in order.
    values = {k.encode(): f"value of {k}".encode() for k in keys}
    merged: list[bytes | None] = [None] * s.key_count
    for part in s.parts:
        assert part.slot is not None
        assert {keyroute.key_slot(k) for k in part.argv[1:]} == {part.slot}
        reply = [values[k] for k in part.argv[1:]]
        for i, v in zip(part.keys, reply):
            merged[i] = v
    assert merged == [values[k.encode()] for k in keys]

    mset = keyroute.split(["MSET", "a", 1, "b", 2.5, "{a}c", "x"])
    assert mset.merge == "all_ok"
    assert [p.argv for p in mset.parts] == [
        [b"MSET", b"a", b"1", b"{a}c", b"x"], [b"MSET", b"b", b"2.5"]]
    assert keyroute.split(["DEL", "a", "b"]).merge == "sum"
    whole = keyroute.split(["MGET", "{t}a", "{t}b"])
    assert whole.merge == "single" and len(whole.parts) == 1
    assert whole.parts[0].slot == SLOT_T and whole.parts[0].keys == [0, 1]
    keyless = keyroute.split(["PING"]).parts[0]
    assert (keyless.slot, keyless.argv, keyless.keys) == (None, [b"PING"], [])
    with pytest.raises(keyroute.NotSplittableError) as e:
        keyroute.split(["MSETNX", "a", 1, "b", 2])
    assert e.value.command == "msetnx"


def test_split_by_node() -> None:
    def node(port: int) -> list[bytes | int]:
        return [b"10.0.0.1", port]

    cluster = keyroute.Cluster.from_slots(
        [[0, 8191, node(7000), node(7003)], [8192, 16383, node(7001), node(7004)]])
    s = keyroute.split(["MGET", "a", "b", "c", "{a}d"])  # slots 15495, 3300, 7365, 15495
    groups = s.by_node(cluster)
    assert [(n.port, parts) for n, parts in groups] == [(7001, [0]), (7000, [1, 2])]
    replicas = s.by_node(cluster, read_from="prefer_replica")
    assert [n.port for n, _ in replicas] == [7004, 7003]
    with pytest.raises(keyroute.SlotNotServedError):
        s.by_node(keyroute.Cluster())


def test_command_table() -> None:
    table = keyroute.CommandTable()
    assert "get" in table and b"GET" in table and "nosuch" not in table
    assert len(table) > 200
    assert table.check(["MGET", "{t}a", "{t}b"]) == keyroute.check(["MGET", "{t}a", "{t}b"])
    # A module command, as COMMAND INFO describes it.
    reply = [[b"mymod.get", 2, [b"readonly"], 1, 1, 1, [b"@read"], [], [], []],
             [b"get", 2, [b"readonly"], 1, 1, 1, [], [], [], []],  # known: kept as built in
             None]  # COMMAND INFO of an unknown name
    assert table.extend_from_command_reply(reply) == 1
    assert "MYMOD.GET" in table
    assert table.command_keys(["MYMOD.GET", "k"]) == [b"k"]
    assert table.route(["mymod.get", "{t}k"]).slot == SLOT_T
    with pytest.raises(keyroute.UnknownCommandError):
        keyroute.command_keys(["MYMOD.GET", "k"])  # the built-in table is unchanged
    with pytest.raises(keyroute.CrossSlotTransactionError):
        table.check_transaction([["mymod.get", "a"], ["mymod.get", "b"]])


@pytest.mark.parametrize(
    "reply",
    [b"not a reply", 5, None, [[b"x"]], [[b"x", "two", [], 1, 1, 1]], [[b"x", 2, 3, 1, 1, 1]],
     [[b"x", 2, [], 1, 1, 1, [], [], [{"flags": []}]]], [[b"\xff", 2, [], 1, 1, 1]],
     [[b"x", 2**70, [], 1, 1, 1]], [[1.5]], [[b"x", 2, [object()], 1, 1, 1]]],
)
def test_malformed_command_replies_raise_command_error(reply: Any) -> None:
    table = keyroute.CommandTable()
    with pytest.raises(keyroute.CommandError):
        table.extend_from_command_reply(reply)
    assert "x" not in table


def test_deeply_nested_command_reply() -> None:
    reply: list[Any] = []
    reply.append(reply)
    with pytest.raises(keyroute.CommandError, match="nested"):
        keyroute.CommandTable().extend_from_command_reply(reply)


def test_exception_classes() -> None:
    tree = {
        keyroute.TopologyError: keyroute.KeyrouteError,
        keyroute.SlotNotServedError: keyroute.TopologyError,
        keyroute.RedirectError: keyroute.KeyrouteError,
        keyroute.CommandError: keyroute.KeyrouteError,
        keyroute.UnknownCommandError: keyroute.CommandError,
        keyroute.WrongArityError: keyroute.CommandError,
        keyroute.NoKeyArgumentsError: keyroute.CommandError,
        keyroute.InvalidArgumentsError: keyroute.CommandError,
        keyroute.CrossSlotError: keyroute.CommandError,
        keyroute.CrossSlotTransactionError: keyroute.CommandError,
        keyroute.NotSplittableError: keyroute.CommandError,
    }
    for cls, base in tree.items():
        assert cls.__bases__ == (base,), cls
        assert cls.__module__ == "keyroute"
        assert issubclass(cls, ValueError)


def test_no_reference_leaks() -> None:
    # Arguments are held while their bytes are borrowed; a missed release
    # shows up as a changed reference count.
    items: list[Any] = [b"MGET", "{t}a" + str(len("xy")), bytearray(b"{t}b"), b"{t}" + b"c"]
    bad: list[Any] = [*items, b"other"]
    before = [sys.getrefcount(i) for i in items]
    for _ in range(200):
        keyroute.command_keys(items)
        keyroute.command_key_positions(tuple(items), mode="keyspecs")
        keyroute.check(iter(items))
        keyroute.route(items)
        keyroute.split(items)
        keyroute.check_transaction([items, items])
        with pytest.raises(keyroute.CrossSlotError):
            keyroute.check(bad)
        with pytest.raises(TypeError):
            keyroute.check([*items, None])  # type: ignore[list-item]
    assert [sys.getrefcount(i) for i in items] == before
