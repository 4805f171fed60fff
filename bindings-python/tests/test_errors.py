"""keyroute's error classes against tests/vectors/errors.json, the core's list
of them (names, parents, class codes, the codes raised as each class), which
the JS package is checked against too."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest

import keyroute
from _vectors import ROOT

ERRORS = json.loads((ROOT / "tests" / "vectors" / "errors.json").read_text())
CLASSES: list[dict[str, Any]] = ERRORS["classes"]
BY_NAME = {c["name"]: c for c in CLASSES}
BUILTINS: dict[str, type] = {"ValueError": ValueError}


def class_named(name: str) -> type:
    cls = getattr(keyroute, name)
    assert isinstance(cls, type) and issubclass(cls, BaseException), name
    return cls


def test_the_list_is_not_empty() -> None:
    assert len(CLASSES) > 30 and CLASSES[0]["name"] == "KeyrouteError"


@pytest.mark.parametrize("row", CLASSES, ids=[c["name"] for c in CLASSES])
def test_class_matches_the_list(row: dict[str, Any]) -> None:
    cls = class_named(row["name"])
    assert cls.__module__ == "keyroute"
    assert row["name"] in keyroute.__all__
    bases = [row["parent"]] if row["parent"] is not None else []
    bases += row["python_bases"]
    expected = [BUILTINS[b] if b in BUILTINS else class_named(b) for b in bases]
    assert list(cls.__bases__) == expected
    assert cls.code == row["code"]  # type: ignore[attr-defined]
    assert cls.__doc__ == row["doc"]


def test_no_class_outside_the_list() -> None:
    ours = {
        name
        for name in keyroute.__all__
        if isinstance(getattr(keyroute, name), type)
        and issubclass(getattr(keyroute, name), keyroute.KeyrouteError)
    }
    assert ours == set(BY_NAME)


def class_of(code: str) -> str:
    found = [str(c["name"]) for c in CLASSES if code in c["codes"]]
    assert len(found) == 1, code
    return found[0]


POOL_SPECS = ["127.0.0.1:6379:1 a", "127.0.0.1:6380:1 b"]


def _cross_shard() -> None:
    pool = keyroute.Pool(POOL_SPECS, scheme="twemproxy-ketama")
    keys = [f"k{i}".encode() for i in range(100)]
    a = keys[0]
    b = next(k for k in keys if pool.index_for(k) != pool.index_for(a))
    keyroute.ShardRouter(pool).route(["RENAME", a, b])


# Errors raised for real, one or more per class: the class each is raised as
# must be the one the list gives for its code.
RAISE: dict[str, Callable[[], object]] = {
    "no servers": lambda: keyroute.Pool([], scheme="twemproxy-ketama"),
    "unknown scheme": lambda: keyroute.Pool(["127.0.0.1:1:1"], scheme="nope"),  # type: ignore[arg-type]
    "bad server": lambda: keyroute.Pool(["bad::"], scheme="twemproxy-ketama"),
    "option not applicable": lambda: keyroute.Pool(
        ["127.0.0.1:1:1"], scheme="twemproxy-ketama", vnodes=3
    ),
    "bad entry": lambda: keyroute.Pool({"127.0.0.1:1": {"bogus": 1}}, scheme="node-hashring"),
    "bad tag pattern": lambda: keyroute.Pool(["127.0.0.1:1"], scheme="redis-rb-4", tag="(?<=a)b"),
    "config": lambda: keyroute.Pool.from_nutcracker(""),
    "empty command": lambda: keyroute.command_keys([]),
    "unknown command": lambda: keyroute.command_keys(["NOPE"]),
    "wrong arity": lambda: keyroute.command_keys(["GET"]),
    "crossslot": lambda: keyroute.check(["MSET", "a", 1, "b", 2]),
    "redirect": lambda: keyroute.parse_redirect("x"),
    "policy": lambda: keyroute.HashPolicy([]),
    "invalid rule": lambda: keyroute.HashPolicy(["abc"]),
    "slot not served": lambda: keyroute.SlotMap().node_for(b"a"),
    "cross shard": _cross_shard,
}


@pytest.mark.parametrize("name", list(RAISE))
def test_raised_class_is_the_listed_class_of_its_code(name: str) -> None:
    with pytest.raises(keyroute.KeyrouteError) as info:
        RAISE[name]()
    err = info.value
    code = err.code
    assert isinstance(code, str) and code.startswith("ERR_KEYROUTE_"), code
    assert type(err).__name__ == class_of(code), (name, code)


def test_specific_attributes() -> None:
    with pytest.raises(keyroute.ServerEntryError) as entry:
        keyroute.Pool({"127.0.0.1:1": {"bogus": 1}}, scheme="node-hashring")
    assert (entry.value.server, entry.value.field) == ("127.0.0.1:1", "bogus")
    assert isinstance(entry.value, keyroute.ServerSpecError)
    with pytest.raises(keyroute.TagPatternError) as tag:
        keyroute.Pool(["127.0.0.1:1"], scheme="redis-rb-4", tag="(?<=a)b")
    assert tag.value.pattern == "(?<=a)b" and tag.value.reason
    # A nutcracker configuration is a pool's configuration: a PartitionError.
    with pytest.raises(keyroute.PartitionError):
        keyroute.Pool.from_nutcracker("")


def test_deprecated_parent_of_different_key_hash_error() -> None:
    # DifferentKeyHashError's parent was PlanError: still caught by it.
    assert issubclass(keyroute.DifferentKeyHashError, keyroute.PlanError)
    assert issubclass(keyroute.DifferentKeyHashError, keyroute.PartitionError)


def test_redis_py_classes() -> None:
    pytest.importorskip("redis", reason="redis-py is not installed: keyroute.redis cannot load")
    import redis

    import keyroute.redis as kr

    listed = {c["name"] for c in CLASSES if c["redis_py"]}
    assert "ShardingError" in listed and "CrossShardError" in listed
    for name in sorted(listed):
        cls = getattr(kr, name)
        assert issubclass(cls, getattr(keyroute, name)) and issubclass(cls, redis.RedisError)
        assert cls.code == BY_NAME[name]["code"]
        parent = BY_NAME[name]["parent"]
        if parent in listed:
            assert issubclass(cls, getattr(kr, parent))


def test_instances_pickle_with_their_code() -> None:
    import pickle

    with pytest.raises(keyroute.WrongArityError) as info:
        keyroute.command_keys(["GET"])
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is keyroute.WrongArityError and str(again) == str(info.value)


def test_import_without_redis_py_names_the_extra() -> None:
    # keyroute.redis needs redis-py; without it the ImportError says how to get it.
    script = (
        "import sys\n"
        "sys.modules['redis'] = None\n"
        "for stmt in ('import keyroute.redis', 'from keyroute.redis import ShardedRedis'):\n"
        "    try:\n"
        "        exec(stmt)\n"
        "    except ImportError as e:\n"
        "        assert \"pip install 'keyroute[redis]'\" in str(e), str(e)\n"
        "    else:\n"
        "        raise SystemExit(stmt + ' did not fail')\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr
