"""`HashPolicy`: PCRE2's own tags (tests/vectors/policies.json) for every
rule set and random rule, the constructs PCRE2 reads otherwise refused,
`policy=` wherever a key is hashed, typed errors for bad rules and unmatched
keys."""

from __future__ import annotations

import json
import pickle
import random
from typing import Any

import pytest

import keyroute
from _vectors import ROOT

POLICIES = ROOT / "tests" / "vectors" / "policies.json"
STANDARD = keyroute.HashPolicy.enterprise_standard()
USER = keyroute.HashPolicy([r"user:(?<tag>\d+):.*"])


def load() -> dict[str, Any]:
    if not POLICIES.is_file():
        raise FileNotFoundError(f"{POLICIES} is missing; `make vectors` writes it")
    doc: dict[str, Any] = json.loads(POLICIES.read_text())
    assert len(doc["rule_sets"]) >= 11 and len(doc["keys"]) >= 500
    return doc


DOC = load()
SETS = DOC["rule_sets"]
KEYS = [bytes.fromhex(k) for k in DOC["keys"]]


@pytest.mark.parametrize("rule_set", SETS, ids=[s["name"] for s in SETS])
def test_pcre2_vectors(rule_set: dict[str, Any]) -> None:
    results = rule_set["results"]
    assert len(results) == len(KEYS)
    policy = keyroute.HashPolicy(rule_set["rules"])
    assert policy.rules == rule_set["rules"]
    matched: list[bytes] = []
    want_slots: list[int] = []
    for key, want in zip(KEYS, results):
        if want is None:
            with pytest.raises(keyroute.NoRuleMatchedError) as e:
                policy.hash_input(key)
            assert e.value.position == 0
            with pytest.raises(keyroute.NoRuleMatchedError):
                policy.key_slot(key)
            continue
        tag = bytes.fromhex(want[1])
        assert policy.hash_input(key) == tag, (rule_set["name"], key)
        slot = keyroute.crc16(tag) % keyroute.SLOT_COUNT
        assert policy.key_slot(key) == slot
        assert keyroute.key_slot(key, policy=policy) == slot
        matched.append(key)
        want_slots.append(slot)
    assert policy.key_slots(matched).tolist() == want_slots
    assert keyroute.key_slots(matched, policy=policy).tolist() == want_slots


REFUSED = DOC["refused_rule_sets"]


@pytest.mark.parametrize("rule_set", REFUSED, ids=[s["name"] for s in REFUSED])
def test_constructs_pcre2_reads_otherwise_are_refused(rule_set: dict[str, Any]) -> None:
    with pytest.raises(keyroute.InvalidRuleError) as refused:
        keyroute.HashPolicy(rule_set["rules"])
    e = refused.value
    assert e.rule == 0 and rule_set["construct"] in e.construct, e.construct
    rule = rule_set["rules"][0]
    assert 0 <= e.offset < len(rule.encode())
    assert e.construct in e.reason and e.construct in str(e)


def test_random_rules_are_answered_as_pcre2_does_or_refused() -> None:
    random_keys = [bytes.fromhex(k) for k in DOC["random"]["keys"]]
    accepted = 0
    for r in DOC["random"]["rules"]:
        try:
            policy = keyroute.HashPolicy([r["rule"]])
        except keyroute.InvalidRuleError as e:
            assert e.construct, (r["rule"], str(e))
            continue
        accepted += 1
        for key, want in zip(random_keys, r["results"]):
            if want is None:
                with pytest.raises(keyroute.NoRuleMatchedError):
                    policy.hash_input(key)
            else:
                assert policy.hash_input(key) == bytes.fromhex(want[1]), (r["rule"], key)
    assert accepted * 4 >= len(DOC["random"]["rules"]) * 3


def test_standard_policy_differs_from_oss_as_documented() -> None:
    assert STANDARD.rules == [r".*\{(?<tag>.*)\}.*", "(?<tag>.*)"] and not STANDARD.is_oss
    assert STANDARD.hash_input("{}foo") == b""
    assert STANDARD.key_slot("{}foo") == STANDARD.key_slot(b"{}bar")
    assert STANDARD.hash_input("{foo}bar}") == b"foo}bar"
    assert keyroute.key_slot("{foo}bar}") == keyroute.key_slot("foo")
    assert keyroute.key_slot("{foo}bar}", policy=STANDARD) == keyroute.key_slot("foo}bar")


def test_oss_policy_is_the_default() -> None:
    oss = keyroute.HashPolicy.oss()
    assert oss.is_oss and oss.rules == [] and repr(oss) == "HashPolicy.oss()"
    rng = random.Random(3)
    keys = [bytes(rng.choice(b"ab{}:x") for _ in range(rng.randrange(12))) for _ in range(2000)]
    want = keyroute.key_slots(keys)
    assert oss.key_slots(keys) == want == keyroute.key_slots(keys, policy=oss)
    assert [oss.key_slot(k) for k in keys] == want.tolist()
    assert [oss.hash_input(k) for k in keys] == [keyroute.hash_tag(k) for k in keys]


def test_policy_values() -> None:
    same = keyroute.HashPolicy([r".*\{(?<tag>.*)\}.*", "(?<tag>.*)"])
    assert same == STANDARD and hash(same) == hash(STANDARD) and same != USER
    assert keyroute.HashPolicy([r".*\{(?P<tag>.*)\}.*", "(?P<tag>.*)"]) != STANDARD
    assert repr(USER) == r"HashPolicy(['user:(?<tag>\\d+):.*'])"
    for p in (STANDARD, USER, keyroute.HashPolicy.oss()):
        assert pickle.loads(pickle.dumps(p)) == p
    assert keyroute.HashPolicy(iter(["(?<tag>.*)"])).rules == ["(?<tag>.*)"]


@pytest.mark.parametrize(
    ("rules", "cls", "rule", "match"),
    [
        ([r"(\d+)"], keyroute.InvalidRuleError, 0, "tag"),
        ([".*(?<tag>x)", r"(?<tag>a)\1"], keyroute.InvalidRuleError, 1, "backreference"),
        ([r"(?=a)(?<tag>a)"], keyroute.InvalidRuleError, 0, "look-ahead"),
        ([r"(?<=a)(?<tag>a)"], keyroute.InvalidRuleError, 0, "look-behind"),
        ([r"(?<tag>a++)a"], keyroute.InvalidRuleError, 0, "possessive"),
        (["(?<tag>"], keyroute.InvalidRuleError, 0, "cannot be used"),
        (["(?<tag>" + "a" * 250 + ")"], keyroute.InvalidRuleError, 0, "256"),
        (["(?<tag>.*)$"], keyroute.InvalidRuleError, 0, r"\$"),
        (["(?<tag>.*)"] * 33, keyroute.PolicyError, None, "32"),
        ([], keyroute.PolicyError, None, "at least one"),
    ],
)
def test_bad_rules_are_refused_naming_the_rule(
    rules: list[str], cls: type[keyroute.PolicyError], rule: int | None, match: str
) -> None:
    with pytest.raises(cls, match=match) as e:
        keyroute.HashPolicy(rules)
    assert isinstance(e.value, keyroute.KeyrouteError)
    if rule is not None:
        assert isinstance(e.value, keyroute.InvalidRuleError) and e.value.rule == rule


def test_rules_must_be_strings() -> None:
    with pytest.raises(TypeError, match="iterable of rules"):
        keyroute.HashPolicy("(?<tag>.*)")
    with pytest.raises(TypeError, match=r"rules\[1\]"):
        keyroute.HashPolicy(["(?<tag>.*)", b"(?<tag>.*)"])  # type: ignore[list-item]


def test_unmatched_keys_name_their_position() -> None:
    assert USER.key_slot("user:42:profile") == keyroute.key_slot("42")
    with pytest.raises(keyroute.NoRuleMatchedError) as e:
        keyroute.key_slots(["user:1:a", "user:2:b", "order:3"], policy=USER)
    assert e.value.position == 2 and isinstance(e.value, keyroute.PolicyError)
    with pytest.raises(TypeError, match=r"keys\[1\]"):
        USER.key_slots(["user:1:a", 5])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        keyroute.key_slot("a", policy="oss")  # type: ignore[arg-type]


def test_pathological_rule_is_linear() -> None:
    # A backtracking engine takes exponential time on this; PCRE gives up.
    p = keyroute.HashPolicy([r"(a+)+b(?<tag>.*)", r"(?<tag>.*)"])
    key = b"a" * 65536
    assert p.hash_input(key) == key


def slots_reply(*ranges: tuple[int, int, int]) -> list[Any]:
    return [[a, b, [b"127.0.0.1", port, b"%040d" % port]] for a, b, port in ranges]


def test_cluster_maps_hash_with_the_policy() -> None:
    reply = slots_reply((0, 8191, 7000), (8192, 16383, 7001))
    plain = keyroute.Cluster.from_slots(reply)
    std = keyroute.Cluster.from_slots(reply, policy=STANDARD)
    strict = keyroute.SlotMap.from_slots(reply, policy=USER)
    shards = [{"slots": [0, 16383], "nodes": [{"id": "a" * 40, "port": 7000, "ip": "127.0.0.1",
                                               "endpoint": "127.0.0.1", "role": "master",
                                               "replication-offset": 0, "health": "online"}]}]
    assert keyroute.Cluster.from_shards(shards, policy=STANDARD).node_for("{}x")[0].port == 7000
    assert plain != std  # the policy is part of the map
    key = "{}a"  # OSS: the whole key; standard: the empty tag, slot 0
    assert plain.node_for(key)[0].port == 7001 and std.node_for(key)[0].port == 7000
    assert std.copy().node_for(key)[0].port == 7000
    groups = std.group_by_node(["{}a", "{}b", "x"])
    assert [g.positions for g in groups][0] == [0, 1]
    with pytest.raises(keyroute.NoRuleMatchedError) as e:
        strict.group_by_node(["user:1:a", "nope"])
    assert e.value.position == 1
    with pytest.raises(keyroute.NoRuleMatchedError):
        strict.node_for("nope")


def test_commands_hash_with_the_policy() -> None:
    argv: list[str | int] = ["MSET", "{}a", 1, "{}b", 2]
    with pytest.raises(keyroute.CrossSlotError):
        keyroute.check(argv)
    assert keyroute.check(argv, policy=STANDARD) == 0
    assert keyroute.check_transaction([argv, ["GET", "{}c"]], policy=STANDARD) == 0
    assert keyroute.route(["GET", "{}a"], policy=STANDARD).slot == 0
    assert len(keyroute.split(["MGET", "{}a", "{}b"], policy=STANDARD).parts) == 1
    assert len(keyroute.split(["MGET", "{}a", "{}b"]).parts) == 2
    table = keyroute.CommandTable(policy=USER)
    assert table.check(["MGET", "user:1:a", "user:1:b"]) == keyroute.key_slot("1")
    with pytest.raises(keyroute.NoRuleMatchedError) as e:
        table.check(["MGET", "user:1:a", "order:9"])
    assert e.value.position == 2
    with pytest.raises(keyroute.NoRuleMatchedError):
        keyroute.route(["GET", "x"], policy=USER)
    assert keyroute.CommandTable().check(["GET", "x"]) == keyroute.key_slot("x")
