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
