"""The package's surface: accepted key types, errors, hash tags, patterns."""

from __future__ import annotations

import array
import importlib.metadata
import pickle
import sys
from collections.abc import Iterator

import pytest

import keyroute
from keyroute import _native


def test_public_names() -> None:
    assert sorted(keyroute.__all__) == sorted(
        ["SLOT_COUNT", "KeyrouteError", "__version__", "crc16", "hash_tag",
         "key_slot", "key_slots", "pattern_slot",
         # cluster routing
         "Cluster", "SlotMap", "Node", "Shard", "Redirect", "NodeGroup",
         "parse_redirect", "TopologyError", "SlotNotServedError", "RedirectError",
         # commands
         "command_keys", "command_key_positions", "check", "check_transaction", "route",
         "split", "CommandTable", "RoutePlan", "Split", "SplitPart", "CommandError",
         "UnknownCommandError", "WrongArityError", "NoKeyArgumentsError",
         "InvalidArgumentsError", "CrossSlotError", "CrossSlotTransactionError",
         "NotSplittableError",
         # client-side sharding, hashing policies, plans
         "Pool", "PartitionError", "ServerSpecError", "OptionNotApplicableError", "ServerEntryError", "TagPatternError",
         "ConfigError", "HashPolicy", "PolicyError", "InvalidRuleError",
         "NoRuleMatchedError", "plan", "PlanError", "OpenSlotsError",
         "UncoveredSlotsError", "SlotOverlapError", "UnknownNodeError", "BadWeightError",
         "DifferentKeyHashError",
         # sharded clients (keyroute.redis builds on these)
         "ShardRouter", "ShardSplit", "PipelinePlan", "Reduce", "ShardSession", "ShardingError",
         "CrossShardError", "NotColocatedError", "CrossShardTransactionError",
         "KeylessCommandError", "UnroutableCommandError", "TransactionStateError",
         "PartialReplyError", "PartialWriteError"]
    )
    for name in keyroute.__all__:
        if name not in ("Cluster", "plan"):
            assert getattr(keyroute, name) is getattr(_native, name)
    assert issubclass(keyroute.Cluster, keyroute.SlotMap)
    assert keyroute.__version__ == importlib.metadata.version("keyroute")
    assert keyroute.SLOT_COUNT == 16384


def test_importing_keyroute_does_not_import_redis() -> None:
    import subprocess
    import sys

    code = "import sys, keyroute; print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_error_hierarchy() -> None:
    assert issubclass(keyroute.KeyrouteError, ValueError)
    assert keyroute.KeyrouteError.__module__ == "keyroute"
    with pytest.raises(ValueError):
        raise keyroute.KeyrouteError("x")


def test_crc16_check_value() -> None:
    assert keyroute.crc16(b"123456789") == 0x31C3
    assert keyroute.crc16(b"") == 0
    long = bytes(range(256)) * 8  # long enough for the SIMD path
    import binascii

    assert keyroute.crc16(long) == binascii.crc_hqx(long, 0)


def test_documented_slots() -> None:
    assert keyroute.key_slot(b"123456789") == 12739
    assert keyroute.key_slot("{user1000}.following") == 3443
    assert keyroute.key_slot(b"foo{}{bar}") == 8363
    assert keyroute.key_slot("é") == 10180
    assert keyroute.key_slot(b"") == 0


@pytest.mark.parametrize(
    ("key", "tag"),
    [
        (b"", b""),
        (b"{", b"{"),
        (b"}", b"}"),
        (b"{}", b"{}"),
        (b"}{", b"}{"),
        (b"{a", b"{a"),
        (b"a}", b"a}"),
        (b"{a}", b"a"),
        (b"x{a}y", b"a"),
        (b"{}{a}", b"{}{a}"),
        (b"foo{}{bar}", b"foo{}{bar}"),
        (b"a{}b}", b"a{}b}"),
        (b"{{}}", b"{"),
        (b"foo{{bar}}zap", b"{bar"),
        (b"foo{bar}{zap}", b"bar"),
        (b"{user1000}.following", b"user1000"),
        (b"0123456789abcdef{0123456789}", b"0123456789"),
        (b"\xff{\x00}\xfe", b"\x00"),
    ],
)
def test_hash_tag(key: bytes, tag: bytes) -> None:
    assert keyroute.hash_tag(key) == tag
    assert type(keyroute.hash_tag(key)) is bytes
    assert keyroute.hash_tag(bytearray(key)) == tag
    assert keyroute.hash_tag(memoryview(key)) == tag
    assert keyroute.key_slot(key) == keyroute.crc16(tag) % 16384


def test_hash_tag_of_str_is_utf8() -> None:
    assert keyroute.hash_tag("x{é}y") == "é".encode()
    assert keyroute.hash_tag("日本") == "日本".encode()


def test_pattern_slot() -> None:
    assert keyroute.pattern_slot("user:*") is None
    assert keyroute.pattern_slot(b"*") is None
    assert keyroute.pattern_slot(b"a?{b}") is None
    assert keyroute.pattern_slot(b"\\{a}") is None
    assert keyroute.pattern_slot(b"{a}*") == keyroute.key_slot(b"a")
    assert keyroute.pattern_slot("{user1000}:*") == keyroute.key_slot("user1000")
    assert keyroute.pattern_slot(b"{}{a}*") is None
    for literal in [b"exact-key", b"{a}", b"foo{}{bar}", b"", b"{"]:
        assert keyroute.pattern_slot(literal) == keyroute.key_slot(literal)


def test_key_types_agree() -> None:
    key = b"order:{42}:items"
    want = keyroute.key_slot(key)

    class Text(str):
        pass

    class Blob(bytes):
        pass

    class Buf(bytearray):
        pass

    keys: list[str | bytes | bytearray | memoryview] = [
        key.decode(), bytearray(key), memoryview(key), Text(key.decode()), Blob(key),
        Buf(key), memoryview(bytearray(key)), memoryview(b"xx" + key)[2:],
    ]
    for k in keys:
        assert keyroute.key_slot(k) == want, repr(k)


def test_memoryview_is_its_raw_bytes() -> None:
    words = array.array("H", [1, 2, 0x7B7D])
    assert keyroute.key_slot(memoryview(words)) == keyroute.key_slot(words.tobytes())
    square = memoryview(b"ab{c}").cast("B", [5, 1])
    assert keyroute.key_slot(square) == keyroute.key_slot(b"c")


def test_non_contiguous_memoryview_is_refused() -> None:
    view = memoryview(b"a{b}cdef")[::2]
    with pytest.raises(BufferError, match="C-contiguous"):
        keyroute.key_slot(view)
    with pytest.raises(BufferError, match="C-contiguous"):
        keyroute.key_slots([b"a", view])


def test_released_memoryview_is_refused() -> None:
    view = memoryview(b"abc")
    view.release()
    with pytest.raises(ValueError):
        keyroute.key_slot(view)


@pytest.mark.parametrize(
    ("value", "type_name"),
    [(1, "int"), (1.5, "float"), (None, "NoneType"), ([b"a"], "list"), ({}, "dict"),
     (True, "bool"), (array.array("B", b"a"), "array")],
)
def test_non_keys_are_refused(value: object, type_name: str) -> None:
    for fn in (keyroute.key_slot, keyroute.hash_tag, keyroute.pattern_slot, keyroute.crc16):
        with pytest.raises(TypeError, match=rf"\bnot {type_name}$"):
            fn(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=rf"^keys\[1\]: .*\bnot {type_name}$"):
        keyroute.key_slots([b"ok", value])  # type: ignore[list-item]


def test_lone_surrogate_raises_like_encoding() -> None:
    key = "user:\ud800"
    with pytest.raises(UnicodeEncodeError) as ours:
        keyroute.key_slot(key)
    with pytest.raises(UnicodeEncodeError) as theirs:
        key.encode("utf-8")
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(UnicodeEncodeError):
        keyroute.key_slots(["fine", key])
    with pytest.raises(UnicodeEncodeError):
        keyroute.hash_tag(key)


def test_key_slots_returns_a_uint16_array() -> None:
    slots = keyroute.key_slots([b"a", "{a}", b"b"])
    assert isinstance(slots, array.array)
    assert slots.typecode == "H"
    assert slots.tolist() == [15495, 15495, 3300]
    empty = keyroute.key_slots([])
    assert empty.typecode == "H" and len(empty) == 0


def test_key_slots_takes_any_iterable() -> None:
    def gen() -> Iterator[bytes]:
        yield b"a"
        yield b"b"

    assert keyroute.key_slots(gen()).tolist() == [15495, 3300]
    assert keyroute.key_slots({"k": 1}).tolist() == [keyroute.key_slot("k")]
    nothing: list[bytes] = []
    assert keyroute.key_slots(k for k in nothing).tolist() == []


@pytest.mark.parametrize("single", ["abc", b"abc", bytearray(b"abc"), memoryview(b"abc")])
def test_key_slots_refuses_a_single_key(single: object) -> None:
    with pytest.raises(TypeError, match="iterable of keys"):
        keyroute.key_slots(single)  # type: ignore[arg-type]


def test_key_slots_propagates_iterator_errors() -> None:
    def broken() -> Iterator[bytes]:
        yield b"a"
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        keyroute.key_slots(broken())
    with pytest.raises(TypeError, match="not iterable"):
        keyroute.key_slots(5)  # type: ignore[arg-type]


def test_positional_only() -> None:
    with pytest.raises(TypeError):
        keyroute.key_slot(key=b"a")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        keyroute.key_slot()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        keyroute.key_slot(b"a", b"b")  # type: ignore[call-arg, arg-type]


def test_no_reference_leaks() -> None:
    # The batch reads list items through borrowed references; a mistake
    # there shows up as a changed reference count.
    keys: list[object] = [b"leak:{1}".join([b"", b""]), "leak:{2}" + str(len("xy")),
                          bytearray(b"leak:{3}")]
    before = [sys.getrefcount(k) for k in keys]
    for _ in range(100):
        keyroute.key_slots(keys * 10)  # type: ignore[arg-type]
        keyroute.key_slots(tuple(keys))  # type: ignore[arg-type]
        keyroute.key_slots(iter(keys))  # type: ignore[arg-type]
        for i in range(len(keys)):
            keyroute.key_slot(keys[i])  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            keyroute.key_slots([*keys, 5])  # type: ignore[list-item]
    assert [sys.getrefcount(k) for k in keys] == before


def test_error_pickles() -> None:
    err = pickle.loads(pickle.dumps(keyroute.KeyrouteError("boom")))
    assert type(err) is keyroute.KeyrouteError and str(err) == "boom"
