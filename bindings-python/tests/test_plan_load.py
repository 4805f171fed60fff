"""`keyroute.plan` with a per-slot load: load plans and load reports
byte-identical to the Rust CLI's (`plan rebalance --by file:PATH`, `plan
load --format json`), the load measured through redis-py on a real cluster
equal to the CLI's measurement, typed errors for bad loads."""

from __future__ import annotations

import json
import random
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import keyroute
from _vectors import ROOT
from keyroute import plan
from test_plan import A, B, C, D, THREE, UNEVEN

CLI = ROOT / "target" / "release" / "keyroute"


def skewed(seed: int, hot: list[int], cold: int) -> dict[int, int]:
    """A load: heavy slots `hot`, then `cold` random light ones."""
    rng = random.Random(seed)
    load = {s: rng.randrange(500, 3000) for s in hot}
    for _ in range(cold):
        load.setdefault(rng.randrange(16384), rng.randrange(1, 40))
    return load


# (name, CLUSTER NODES text, load, rebalance keywords, the CLI's flags)
CASES: list[tuple[str, str, dict[int, int], dict[str, Any], list[str]]] = [
    ("skewed, default tolerance", THREE, skewed(1, list(range(0, 120)), 3000), {}, []),
    ("skewed, tolerance 2.5, weights", UNEVEN, skewed(2, list(range(9001, 9100)), 5000),
     {"load_tolerance": "2.5", "weights": {A: 2}}, ["--load-tolerance", "2.5", "--weight", f"{A}=2"]),
    ("a hot slot over the allowance", THREE, {7: 10_000, 6000: 10, 12000: 10}, {}, []),
    ("a node added", THREE, skewed(3, list(range(5461, 5600)), 2000),
     {"add": [(D, "127.0.0.1:7003")], "load_tolerance": 10},
     ["--add", f"{D}=127.0.0.1:7003", "--load-tolerance", "10"]),
    ("no load at all", THREE, {}, {}, []),
]


@pytest.fixture(scope="module")
def cli() -> Path:
    """The release CLI, built from the same sources (a no-op when it is up
    to date; a build failure fails the test)."""
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "keyroute-cli"], cwd=ROOT, check=True)
    return CLI


def run(cmd: list[str]) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@pytest.mark.parametrize(("name", "text", "load", "options", "flags"), CASES, ids=[c[0] for c in CASES])
def test_load_plans_equal_the_cli_byte_for_byte(
    cli: Path, tmp_path: Path, name: str, text: str, load: dict[int, int],
    options: dict[str, Any], flags: list[str],
) -> None:
    nodes = tmp_path / "nodes.txt"
    nodes.write_text(text)
    file = tmp_path / "load.json"
    file.write_text(json.dumps({str(s): v for s, v in load.items()}))
    slot_load = plan.SlotLoad.from_json(file.read_text())
    p = plan.rebalance(text, load=slot_load, **options)
    base = [str(cli), "plan", "rebalance", "--nodes-file", str(nodes), "--by", f"file:{file}", *flags]

    assert p.to_json() + "\n" == run([*base, "--format", "json"])
    for kind in ("valkey9", "redis84", "legacy"):
        assert p.script(kind) == run([*base, "--format", kind]), kind
    if "add" not in options:
        weights = options.get("weights", {})
        report = plan.load_report(text, slot_load, weights=weights)
        cmd = [str(cli), "plan", "load", "--nodes-file", str(nodes), "--by", f"file:{file}",
               *(f for id, w in weights.items() for f in ("--weight", f"{id}={w}")), "--format", "json"]
        assert report.to_json() + "\n" == run(cmd)
    # The per-slot file the CLI writes reads back to the same load.
    slots = run([str(cli), "plan", "load", "--nodes-file", str(nodes), "--by", f"file:{file}", "--format", "slots"])
    assert plan.SlotLoad.from_json(slots) == slot_load
    assert slot_load.to_json() + "\n" == slots

    doc = json.loads(p.to_json())
    assert p.load is not None and doc["load"]["lower_bound"] == p.load.lower_bound
    assert p.load.moved == doc["load"]["moved"] == sum(m.load or 0 for m in p.moves)
    assert p.load.total == sum(load.values()) == slot_load.total
    assert [(n.load_before, n.load_min, n.load_max, n.load_after, n.load_pinned) for n in p.nodes] == [
        (n["load_before"], n["load_min"], n["load_max"], n["load_after"], n["load_pinned"]) for n in doc["nodes"]]
    assert [n.load_target for n in p.nodes] == [Fraction(n["load_target"]) for n in doc["nodes"]]
    if p.load.within_tolerance:
        assert p.load.lower_bound <= p.load.moved
        for n in p.nodes:
            assert n.load_min is not None and n.load_max is not None and n.load_after is not None
            assert n.load_min <= n.load_after <= n.load_max
    else:
        assert p.load.outside, "a plan outside the tolerance says which nodes and why"


def test_hot_slots_are_named() -> None:
    load = plan.SlotLoad.from_json('{"7": 10000, "6000": 10, "12000": 10}')
    p = plan.rebalance(THREE, load=load)
    assert p.load is not None
    assert p.load.hot_slots == [(7, 10_000, A)]
    assert not p.load.within_tolerance
    assert p.load.tolerance == Fraction(5)
    assert all(m.load is not None for m in p.moves)


def test_slot_load_reads_strictly() -> None:
    load = plan.SlotLoad.from_json('{"0": 3, "16383": 4}')
    assert (len(load), load[0], load[16383], load[1], load.total, load.by) == (16384, 3, 4, 0, 7, "file")
    with pytest.raises(IndexError):
        load[16384]
    for bad in ('{"16384": 1}', '{"0": 1.5}', '{"0": -1}', '{"0": 1, "0": 2}', "[]", '{"0": 1} x'):
        with pytest.raises(keyroute.PlanError):
            plan.SlotLoad.from_json(bad)
    with pytest.raises(TypeError, match="load_tolerance"):
        plan.rebalance(THREE, load_tolerance=5)
    with pytest.raises(keyroute.PlanError):
        plan.rebalance(THREE, load=load, load_tolerance="-1")
    with pytest.raises(ValueError):
        plan.rebalance(THREE, open_slots="ignore")  # type: ignore[arg-type]
    with pytest.raises(keyroute.PlanError):
        plan.LoadProbe(THREE, by="cpu")
    with pytest.raises(keyroute.PlanError):
        plan.LoadProbe(THREE, by="keys", sample=4)


def test_probe_is_driven_to_the_end() -> None:
    probe = plan.LoadProbe(THREE, by="keys")
    batches = probe.round()
    assert sorted(b[0] for b in batches) == sorted([A, B, C])
    assert all(argv[:2] == [b"CLUSTER", b"COUNTKEYSINSLOT"] for _, _, cmds in batches for argv in cmds)
    assert sum(len(cmds) for _, _, cmds in batches) == 16384
    # Every slot counted one key, except an error reply: a typed error
    # naming it, not a wrong load.
    replies: list[Any] = [1] * sum(len(cmds) for _, _, cmds in batches)
    replies[0] = keyroute.KeyrouteError("ERR boom")
    with pytest.raises(keyroute.PlanError, match="boom"):
        probe.answer(replies)


def test_measure_load_equals_the_cli(cli: Path, live_cluster: Any) -> None:
    import redis
    from redis.cluster import RedisCluster

    seed = live_cluster.ports[0]
    with RedisCluster(host="127.0.0.1", port=seed) as rc:
        for tag, n in (("{load-a}", 300), ("{load-b}", 40), ("{load-c}", 7)):
            rc.mset({f"{tag}:{i}": i for i in range(n)})
        layout, load = plan.measure_load(rc)
    with redis.Redis(host="127.0.0.1", port=seed) as r:
        assert plan.measure_load(r)[1] == load
    assert load.by == "keys"
    assert load[keyroute.key_slot("{load-a}")] >= 300
    report = plan.load_report(layout, load)
    out = run([str(cli), "plan", "load", "--cluster", f"127.0.0.1:{seed}", "--by", "keys", "--format", "json"])
    assert report.to_json() + "\n" == out
    cli_plan = run([str(cli), "plan", "rebalance", "--cluster", f"127.0.0.1:{seed}", "--by", "keys",
                    "--format", "json"])
    assert plan.rebalance(layout, load=load).to_json() + "\n" == cli_plan
