"""Every golden vector, as every kind of key the package accepts."""

from __future__ import annotations

from typing import Any

import pytest

import keyroute
from _vectors import load_cases

CASES = load_cases()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    # Cases with "utf16" are JS strings; their "key" is what a JS client sends,
    # which is all a Python client can send too.
    key = bytes.fromhex(case["key"])
    want = case["slot"]
    assert keyroute.key_slot(key) == want
    assert keyroute.key_slot(bytearray(key)) == want
    assert keyroute.key_slot(memoryview(key)) == want
    assert keyroute.crc16(keyroute.hash_tag(key)) % keyroute.SLOT_COUNT == want
    try:
        text = key.decode("utf-8")
    except UnicodeDecodeError:
        return
    assert keyroute.key_slot(text) == want
    assert keyroute.hash_tag(text) == keyroute.hash_tag(key)


def test_batch_equals_vectors() -> None:
    keys = [bytes.fromhex(c["key"]) for c in CASES]
    want = [c["slot"] for c in CASES]
    assert keyroute.key_slots(keys).tolist() == want
    assert keyroute.key_slots(tuple(keys)).tolist() == want
    assert keyroute.key_slots(iter(keys)).tolist() == want
    assert keyroute.key_slots(bytearray(k) for k in keys).tolist() == want
    assert keyroute.key_slots([memoryview(k) for k in keys]).tolist() == want
    texts = []
    text_want = []
    for key, slot in zip(keys, want):
        try:
            texts.append(key.decode("utf-8"))
        except UnicodeDecodeError:
            continue
        text_want.append(slot)
    assert len(texts) > 1000
    assert keyroute.key_slots(texts).tolist() == text_want
    mixed = [k if i % 2 else bytearray(k) for i, k in enumerate(keys)]
    assert keyroute.key_slots(mixed).tolist() == want


def test_literal_patterns_are_their_keys() -> None:
    glob = set(b"*?[\\")
    checked = 0
    for case in CASES:
        key = bytes.fromhex(case["key"])
        if glob.isdisjoint(key):
            assert keyroute.pattern_slot(key) == case["slot"], case["name"]
            checked += 1
    assert checked > 1000
