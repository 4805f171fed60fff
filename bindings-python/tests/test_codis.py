"""Codis slots through `key_slot(key, scheme="codis")` and `key_slots`:
every case of tests/vectors/codis.json (a second implementation of the
definition, tests/oracles/definitions.py)."""

from __future__ import annotations

import json

import pytest

import keyroute
from _vectors import ROOT


def test_codis_vectors() -> None:
    doc = json.loads((ROOT / "tests" / "vectors" / "codis.json").read_text())
    cases = doc["cases"]
    assert len(cases) >= 500
    keys = [bytes.fromhex(c["key"]) for c in cases]
    want = [c["slot"] for c in cases]
    assert [keyroute.key_slot(k, scheme="codis") for k in keys] == want
    assert keyroute.key_slots(keys, scheme="codis").tolist() == want
    # str keys are their UTF-8 bytes.
    for k, w in zip(keys, want):
        try:
            text = k.decode()
        except UnicodeDecodeError:
            continue
        assert keyroute.key_slot(text, scheme="codis") == w
    # Redis Cluster stays the default.
    assert keyroute.key_slot(b"foo") == keyroute.key_slot(b"foo", scheme="redis-cluster") == 12182


def test_codis_scheme_errors() -> None:
    with pytest.raises(ValueError, match="codis"):
        keyroute.key_slot(b"k", scheme="codys")  # type: ignore[arg-type]


def test_a_mapping_is_honoured_or_refused() -> None:
    # npm hashring's own form: per-server vnodes change the ring...
    plain = keyroute.Pool(["a:1", "b:1", "c:1"], scheme="node-hashring")
    mapped = keyroute.Pool({"a:1": {"vnodes": 200}, "b:1": 1, "c:1": {}}, scheme="node-hashring")
    keys = [f"k{i}" for i in range(400)]
    assert mapped.servers == ["a:1", "b:1", "c:1"]
    assert sum(plain.index_for(k) != mapped.index_for(k) for k in keys) > 20
    # ...a scheme whose library takes no mapping refuses one, never reading its keys...
    with pytest.raises(keyroute.OptionNotApplicableError):
        keyroute.Pool({"a:1": 1}, scheme="predis")
    # ...and a field the library would ignore is an error naming it.
    with pytest.raises(keyroute.KeyrouteError, match="vnode"):
        keyroute.Pool({"a:1": {"vnode": 70}}, scheme="node-hashring")
    with pytest.raises(keyroute.KeyrouteError, match="weight"):
        keyroute.Pool({"n": {"weight": 1.5}}, scheme="uhashring")
    # uhashring's instance objects are kept, never hashed.
    p = keyroute.Pool({"n1": {"instance": object(), "hostname": "10.0.0.1"}, "n2": 2}, scheme="uhashring")
    assert p.servers == ["n1", "n2"]


def test_redis_rb_tag_patterns() -> None:
    servers = ["127.0.0.1:6379", "127.0.0.1:6380", "127.0.0.1:6381"]
    p = keyroute.Pool(servers, scheme="redis-rb-4", tag=r"\{(.+?)\}")
    assert p.index_for("x{user1}a") == p.index_for("user1")
    with pytest.raises(keyroute.KeyrouteError, match="refused"):
        keyroute.Pool(servers, scheme="redis-rb-4", tag=r"(\w)\1")
    with pytest.raises(keyroute.OptionNotApplicableError):
        keyroute.Pool(servers, scheme="predis", replicas=40)
