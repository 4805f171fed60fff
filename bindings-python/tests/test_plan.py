"""`keyroute.plan.rebalance`: plans byte-identical to the Rust CLI's JSON and
scripts, the same plan from every input form and order, the proven minimum,
typed errors for malformed inputs."""

from __future__ import annotations

import json
import random
import subprocess
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

import keyroute
from _vectors import ROOT
from keyroute import plan

CLI = ROOT / "target" / "release" / "keyroute"


def node_id(c: str) -> str:
    return c * 40


def nodes_text(masters: list[tuple[str, int, str]], extra: str = "") -> str:
    lines = [f"{node_id(c)} 127.0.0.1:{port}@{port + 10000} master - 0 0 1 connected {ranges}".strip()
             for c, port, ranges in masters]
    lines.append(f"{node_id('f')} 127.0.0.1:7100@17100 slave {node_id(masters[0][0])} 0 0 1 connected")
    return "\n".join(lines) + "\n" + extra


THREE = nodes_text([("a", 7000, "0-5460"), ("b", 7001, "5461-10922"), ("c", 7002, "10923-16383")])
UNEVEN = nodes_text([("a", 7000, "0-99 200-9000"), ("b", 7001, "100-199 9001-12000"),
                     ("c", 7002, "12001-16383")])
A, B, C, D, E = (node_id(c) for c in "abcde")

# (name, CLUSTER NODES text, rebalance keywords, the CLI's flags)
CASES: list[tuple[str, str, dict[str, Any], list[str]]] = [
    ("add two empty primaries", THREE,
     {"add": [(D, "127.0.0.1:7003"), (E, "127.0.0.1:7004")]},
     ["--add", f"{D}=127.0.0.1:7003", "--add", f"{E}=127.0.0.1:7004"]),
    ("weights and a drain", UNEVEN, {"weights": {A: 2, B: "1.5"}, "drain": [C]},
     ["--weight", f"{A}=2", "--weight", f"{B}=1.5", "--drain", C]),
    ("fractional weight, tolerance", UNEVEN, {"weights": {C: Fraction(2, 3)}, "tolerance": 10},
     ["--weight", f"{C}=2/3", "--tolerance", "10"]),
    ("decimal weights", UNEVEN, {"weights": {A: Decimal("0.25"), B: 0.1}},
     ["--weight", f"{A}=0.25", "--weight", f"{B}=0.1"]),
    ("explicit targets", THREE,
     {"add": [D], "targets": {A: 6000, B: 5000, C: 4384, D: 1000}},
     ["--add", D, "--target", f"{A}=6000", "--target", f"{B}=5000", "--target", f"{C}=4384",
      "--target", f"{D}=1000"]),
    ("already balanced", THREE, {}, []),
]


@pytest.fixture(scope="module")
def cli() -> Path:
    """The release CLI, built from the same sources (a no-op when it is up
    to date; a build failure fails the test)."""
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "keyroute-cli"], cwd=ROOT, check=True)
    return CLI


@pytest.mark.parametrize(("name", "text", "options", "flags"), CASES, ids=[c[0] for c in CASES])
def test_plans_equal_the_cli_byte_for_byte(
    cli: Path, tmp_path: Path, name: str, text: str, options: dict[str, Any], flags: list[str]
) -> None:
    nodes = tmp_path / "nodes.txt"
    nodes.write_text(text)
    p = plan.rebalance(text, **options)

    def run(fmt: str) -> str:
        cmd = [str(cli), "plan", "rebalance", "--nodes-file", str(nodes), *flags, "--format", fmt]
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout

    assert p.to_json() + "\n" == run("json")
    for kind in ("valkey9", "redis84", "legacy"):
        try:
            script = p.script(kind)
        except keyroute.PlanError as e:
            # The legacy script needs every node's address; so does the CLI.
            assert kind == "legacy" and "no address" in str(e)
            cmd = [str(cli), "plan", "rebalance", "--nodes-file", str(nodes), *flags, "--format", kind]
            failed = subprocess.run(cmd, capture_output=True, text=True)
            assert failed.returncode == 2 and str(e) in failed.stderr
            continue
        assert script == run(kind), kind
    assert p.script() == p.script("valkey9")
    doc = json.loads(p.to_json())
    assert doc["format"] == "keyroute.reshard-plan/1"
    assert p.moves_total == p.lower_bound == doc["lower_bound_moves"] == sum(m.slots for m in p.moves)
    assert [m.source for m in p.moves] == [m["from"] for m in doc["moves"]]
    assert [(n.id, n.before, n.target, n.quota, n.weight) for n in p.nodes] == [
        (n["id"], n["before"], n["target"], Fraction(n["quota"]), Fraction(n["weight"]))
        for n in doc["nodes"]]


def test_every_input_form_gives_the_same_plan() -> None:
    slots = [[0, 5460, [b"127.0.0.1", 7000, A.encode()]],
             [5461, 10922, [b"127.0.0.1", 7001, B.encode()]],
             [10923, 16383, [b"127.0.0.1", 7002, C.encode()]]]
    add = [(D, "127.0.0.1:7003")]
    from_text = plan.rebalance(THREE, add=add)
    from_cluster = plan.rebalance(keyroute.Cluster.from_slots(slots), add=add)
    assert from_cluster == from_text and from_cluster.to_json() == from_text.to_json()
    layout = {A: [(0, 5460)], B: [(5461, 10922)], C: [(10923, 16383)]}
    from_dict = plan.rebalance(layout, add=[D])
    assert from_dict.moves == from_text.moves and from_dict.fingerprint == from_text.fingerprint
    assert [n.addr for n in from_dict.nodes] == [None] * 4
    # Any mapping; ranges as JSON gives them (lists).
    as_json = json.loads(json.dumps(layout))
    assert plan.rebalance(MappingProxyType(as_json), add=(D,)) == from_dict


def random_layout(rng: random.Random) -> dict[str, list[tuple[int, int]]]:
    cuts = sorted(rng.sample(range(1, 16384), rng.randrange(1, 40)))
    bounds = list(zip([0, *cuts], [c - 1 for c in cuts] + [16383]))
    ids = [f"{i:02x}" * 20 for i in range(rng.randrange(1, 9))]
    layout: dict[str, list[tuple[int, int]]] = {i: [] for i in ids}
    for r in bounds:
        layout[rng.choice(ids)].append(r)
    return layout


def test_random_plans_are_minimal_applicable_and_order_independent() -> None:
    rng = random.Random(5)
    for _ in range(150):
        layout = random_layout(rng)
        ids = list(layout)
        choices: list[int | str] = [1, 2, 3, "1.5", "2/3", 0]
        weights = {i: rng.choice(choices) for i in rng.sample(ids, len(ids) // 2)}
        add = [f"f{i:x}" * 20 for i in range(rng.randrange(0, 3))]
        tolerance = rng.choice([0, 0, 5, 100])
        try:
            p = plan.rebalance(layout, weights=weights, add=add, tolerance=tolerance)
        except keyroute.PlanError as e:
            assert "every weight is zero" in str(e)
            continue
        assert p.moves_total == p.lower_bound
        owner = {s: n for n, rs in layout.items() for a, b in rs for s in range(a, b + 1)}
        moved: set[int] = set()
        for m in p.moves:
            for a, b in m.ranges:
                for s in range(a, b + 1):
                    assert owner[s] == m.source and s not in moved
                    owner[s] = m.destination
                    moved.add(s)
        counts = {n.id: 0 for n in p.nodes}
        for holder in owner.values():
            counts[holder] += 1
        assert counts == {n.id: n.target for n in p.nodes}
        for n in p.nodes:
            assert n.after == n.target
            if n.weight == 0:
                assert n.target == 0
            else:
                assert abs(n.target - n.quota) < 1 + tolerance
        shuffled = dict(rng.sample(list(layout.items()), len(layout)))
        again = plan.rebalance(shuffled, weights=dict(reversed(weights.items())),
                               add=list(reversed(add)), tolerance=tolerance)
        assert again.to_json() == p.to_json()


def test_slot_statistics_give_estimates() -> None:
    p = plan.rebalance({A: [(0, 16383)]}, add=[B], slot_keys=[2] * 16384,
                       slot_bytes=[10] * 16384)
    assert [(m.keys_est, m.bytes_est) for m in p.moves] == [(16384, 81920)]
    assert [(n.keys_before, n.keys_after_est) for n in p.nodes] == [(32768, 16384), (0, 16384)]
    with pytest.raises(keyroute.PlanError, match="16384 entries"):
        plan.rebalance({A: [(0, 16383)]}, slot_keys=[1, 2])


def test_malformed_inputs_get_typed_errors() -> None:
    open_slot = THREE + f"{node_id('a')} 127.0.0.1:7000@17000 myself,master - 0 0 1 connected [77->-{B}]\n"
    with pytest.raises(keyroute.OpenSlotsError) as o:
        plan.rebalance(THREE.replace("0-5460", "0-5460 [77->-" + B + "] [78-<-" + C + "]"))
    assert o.value.slots == [77, 78]
    assert "77" in str(o.value) and open_slot
    with pytest.raises(keyroute.UncoveredSlotsError) as u:
        plan.rebalance({A: [(0, 99)], B: [(200, 16383)]})
    assert u.value.ranges == [(100, 199)]
    with pytest.raises(keyroute.SlotOverlapError) as ov:
        plan.rebalance({A: [(0, 100)], B: [(100, 16383)]})
    assert (ov.value.slot, ov.value.first, ov.value.second) == (100, A, B)
    whole = {A: [(0, 16383)]}
    for kw in ({"weights": {"zz": 1}}, {"drain": ["zz"]}, {"targets": {"zz": 3}}):
        with pytest.raises(keyroute.UnknownNodeError) as un:
            plan.rebalance(whole, **kw)
        assert un.value.id == "zz"
    for bad in (-1, "-1", "x", "1/0", float("nan"), float("inf")):
        with pytest.raises(keyroute.BadWeightError):
            plan.rebalance(whole, weights={A: bad})
    with pytest.raises(keyroute.PlanError, match="every weight is zero"):
        plan.rebalance(whole, drain=[A])
    with pytest.raises(keyroute.PlanError, match="given twice") as dup:
        plan.rebalance(whole, add=[A])
    assert dup.value.id == A  # type: ignore[attr-defined]
    with pytest.raises(keyroute.PlanError, match="line 1") as line:
        plan.rebalance("garbage\n")
    assert line.value.line == 1  # type: ignore[attr-defined]
    with pytest.raises(keyroute.PlanError, match="bad slot range"):
        plan.rebalance({A: [(5, 1)]})
    with pytest.raises(keyroute.PlanError, match="no nodes"):
        plan.rebalance({})
    with pytest.raises(keyroute.PlanError, match="cannot add up"):
        plan.rebalance(whole, add=[B], targets={A: 1, B: 1})


def test_wrong_argument_types() -> None:
    whole = {A: [(0, 16383)]}
    for current in (5, None, [("a", 0, 16383)], {"a": [(0, 99999)]}, {"a": "0-16383"}):
        with pytest.raises((TypeError, OverflowError)):
            plan.rebalance(current)  # type: ignore[arg-type]
    for weight in (True, None, [1], object()):
        with pytest.raises(TypeError, match="weight"):
            plan.rebalance(whole, weights={"a": weight})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="mapping"):
        plan.rebalance(whole, weights=[("a", 1)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"add\[0\]"):
        plan.rebalance(whole, add=[5])  # type: ignore[list-item]
    for name in ("add", "drain"):
        with pytest.raises(TypeError, match=f"{name} takes an iterable of node ids"):
            plan.rebalance(whole, **{name: "a"})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="valkey9"):
        plan.rebalance(whole).script("bash")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="16384"):
        plan.rebalance(whole, targets={A: 20000})


def test_weights_are_exact() -> None:
    layout = {A: [(0, 8191)], B: [(8192, 16383)]}
    forms: list[Any] = [Fraction(1, 3), "1/3", Decimal("0.5"), 0.5, "0.5", 3]
    for w in forms:
        p = plan.rebalance(layout, weights={A: w})
        node = p.nodes[0]
        assert isinstance(node.weight, Fraction) and node.weight == Fraction(str(w))
        assert node.quota == 16384 * node.weight / (node.weight + 1)


HOSTILE = ["x$(touch${IFS}pwned)", "`touch pwned`", "a'b", "id;touch pwned", "", "abc", "A" * 40, "g" * 40]


def test_hostile_ids_and_addresses_are_refused() -> None:
    for bad in HOSTILE:
        with pytest.raises(keyroute.PlanError, match="40 lowercase hexadecimal") as e:
            plan.rebalance({bad: [(0, 16383)]})
        assert e.value.id == bad  # type: ignore[attr-defined]
        with pytest.raises(keyroute.PlanError, match="40 lowercase hexadecimal"):
            plan.rebalance({A: [(0, 16383)]}, add=[(bad, "10.0.0.1:7000")])
        if bad and " " not in bad:  # one field of a CLUSTER NODES line
            with pytest.raises(keyroute.PlanError, match="40 lowercase hexadecimal"):
                plan.rebalance(f"{bad} 10.0.0.1:7000@17000 master - 0 0 1 connected 0-16383\n")
    for addr in ["$(touch pwned):7000", "10.0.0.1:1;touch pwned", "h' 'x:7000", "-h:7000", "10.0.0.1",
                 "10.0.0.1:0", "10.0.0.1:65536"]:
        with pytest.raises(keyroute.PlanError, match="is not host:port") as e:
            plan.rebalance({A: [(0, 16383)]}, add=[(B, addr)])
        assert (e.value.id, e.value.addr) == (B, addr)  # type: ignore[attr-defined]
        if " " not in addr:
            with pytest.raises(keyroute.PlanError, match="is not host:port"):
                plan.rebalance(f"{A} {addr}@17000 master - 0 0 1 connected 0-16383\n")
    for addr in ["::1:7000", "[::1]:7000", "redis-a.example:6379", "10.0.0.1:65535"]:
        plan.rebalance({A: [(0, 16383)]}, add=[(B, addr)])


def test_legacy_script_needs_every_address() -> None:
    p = plan.rebalance(THREE, add=[D])
    assert p.script("valkey9").count(f'"${{HOST_{D}}}"') == 0  # D only receives
    with pytest.raises(keyroute.PlanError, match="no address") as e:
        p.script("legacy")
    assert e.value.id == D  # type: ignore[attr-defined]
    script = plan.rebalance(THREE, add=[(D, "127.0.0.1:7003")]).script("legacy")
    assert f"'127.0.0.1' '7003' '{A}' '{D}'" in script
