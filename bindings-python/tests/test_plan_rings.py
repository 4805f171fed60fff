"""`keyroute.plan.moved_keys` against the keys a real nutcracker moved
(tests/vectors/reshard/rings.json), and `moved_fraction` against the Rust
CLI's `keyroute plan moved --format json`, share for share."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

import keyroute
from _vectors import ROOT
from keyroute import plan

RINGS = ROOT / "tests" / "vectors" / "reshard" / "rings.json"
CLI = ROOT / "target" / "release" / "keyroute"
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def load() -> dict[str, Any]:
    if not RINGS.is_file():
        raise FileNotFoundError(f"{RINGS} is missing; `make vectors` writes it")
    doc: dict[str, Any] = json.loads(RINGS.read_text())
    assert len(doc["cases"]) >= 13
    return doc


DOC = load()
KEYS: list[bytes] = [bytes.fromhex(k["key"]) for k in DOC["keys"]] + [
    DOC["sequential"]["format"].format(i=i).encode() for i in range(DOC["sequential"]["count"])]


def address(server: str) -> str:
    """`host:port` (or the socket path) of a nutcracker server line."""
    return server.split(" ")[0].rsplit(":", 1)[0]


@pytest.mark.parametrize("case", DOC["cases"], ids=[c["name"] for c in DOC["cases"]])
def test_moved_keys_equal_nutcrackers(case: dict[str, Any]) -> None:
    old = keyroute.Pool.from_nutcracker(case["old_yaml"])
    new = keyroute.Pool.from_nutcracker(case["new_yaml"])
    old_at = [DIGITS.index(c) for c in case["old_nodes"]]
    new_at = [DIGITS.index(c) for c in case["new_nodes"]]
    assert old.indexes_for(KEYS).tolist() == old_at
    assert new.indexes_for(KEYS).tolist() == new_at
    want = [(k, old.servers[a], new.servers[b]) for k, a, b in zip(KEYS, old_at, new_at)
            if address(old.servers[a]) != address(new.servers[b])]
    got = plan.moved_keys(old, new, KEYS)
    assert got == want
    assert len(got) == int(case["keys_moved"])
    old_addr = {address(s) for s in old.servers}
    new_addr = {address(s) for s in new.servers}
    assert sum(address(n) not in old_addr for _, _, n in got) == int(case["to_added"])
    assert sum(address(o) in new_addr and address(n) in old_addr
               for _, o, n in got) == int(case["between_kept"])


@pytest.fixture(scope="module")
def cli() -> Path:
    if not CLI.is_file():
        subprocess.run(["cargo", "build", "--release", "-p", "keyroute-cli"], cwd=ROOT, check=True)
    return CLI


def share(text: str) -> Fraction:
    num, _, k = text.partition("/2^")
    return Fraction(int(num), 2 ** int(k or 0))


@pytest.mark.parametrize("case", DOC["cases"][:8], ids=[c["name"] for c in DOC["cases"][:8]])
def test_moved_fraction_equals_the_cli(cli: Path, tmp_path: Path, case: dict[str, Any]) -> None:
    (tmp_path / "old.yml").write_text(case["old_yaml"])
    (tmp_path / "new.yml").write_text(case["new_yaml"])
    out = subprocess.run([str(cli), "plan", "moved", "--nutcracker", str(tmp_path / "old.yml"),
                          "--to", str(tmp_path / "new.yml"), "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    doc = json.loads(out)
    old = keyroute.Pool.from_nutcracker(case["old_yaml"])
    new = keyroute.Pool.from_nutcracker(case["new_yaml"])
    f = plan.moved_fraction(old, new)
    assert (f.old_nodes, f.new_nodes) == (doc["old"]["servers"], doc["new"]["servers"])
    for name in ("moved", "to_added", "from_removed", "between_kept"):
        assert getattr(f, name) == share(doc[name]["share"]), name
    assert f.exact == doc["basis"]["exact"] and f.basis == doc["basis"]["kind"].replace("-", "_")
    cells = {(c["from"], c["to"]): share(c["share"]) for c in doc["matrix"]}
    for i, row in enumerate(f.matrix):
        for j, cell in enumerate(row):
            assert cell == cells.get((f.old_nodes[i], f.new_nodes[j]), 0)
    assert sum(sum(row) for row in f.matrix) == 1
    assert f.warnings == [w["message"] for w in doc["warnings"]]


def test_reference_figures() -> None:
    # docs/resharding.md, "Ring schemes: what moves" (servers
    # 127.0.0.1:7000...): twemproxy ketama 3 -> 4
    # moves 24.01% of the hash space, all to the new server; 24 -> 25 moves
    # 5.75%, 1.84% of it between servers both pools keep (160 -> 156 points).
    servers = [f"127.0.0.1:{7000 + i}" for i in range(25)]
    for a, b, moved, between in ((3, 4, 24.01, 0.0), (24, 25, 5.75, 1.84), (25, 24, 5.75, 1.84)):
        f = plan.moved_fraction(keyroute.Pool(servers[:a], scheme="twemproxy-ketama"),
                                keyroute.Pool(servers[:b], scheme="twemproxy-ketama"))
        assert round(float(f.moved) * 100, 2) == moved
        assert round(float(f.between_kept) * 100, 2) == between
        assert f.exact and any("156" in w for w in f.warnings) == (between > 0)


def test_sampled_schemes_and_key_forms() -> None:
    three = ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]
    four = [*three, "127.0.0.1:7003"]
    jump = plan.moved_fraction(keyroute.Pool(three, scheme="jump"),
                               keyroute.Pool(four, scheme="jump"), sample_log2=12)
    assert jump.basis == "hash_sample" and not jump.exact
    assert abs(float(jump.moved) - 0.25) < 0.05 and (jump.moved * 2**12).denominator == 1
    pm = plan.moved_fraction(keyroute.Pool(three, scheme="pymemcache"),
                             keyroute.Pool(four, scheme="pymemcache"))
    assert pm.basis == "key_sample" and pm.moved == pm.to_added
    # uhashring hashes str(key): a bytes key moves as its "b'...'" text does,
    # and to a twemproxy pool it moves as its own bytes hash there.
    old = keyroute.Pool(three, scheme="uhashring")
    new = keyroute.Pool(four, scheme="uhashring")
    keys: list[Any] = [f"k{i}".encode() for i in range(300)]
    moved = plan.moved_keys(old, new, keys)
    as_text = plan.moved_keys(old, new, [str(k) for k in keys])
    assert [(str(k), o, n) for k, o, n in moved] == as_text and moved
    assert [m[0] for m in moved] == [k for k in keys if old.node_for(k) != new.node_for(k)]
    twem = keyroute.Pool([f"{s}:1" for s in three], scheme="twemproxy-ketama")
    cross = plan.moved_keys(old, twem, keys)
    assert [m[0] for m in cross] == [
        k for k in keys if old.node_for(k) != twem.node_for(k).rsplit(":", 1)[0]]
    with pytest.raises(keyroute.DifferentKeyHashError) as e:
        plan.moved_fraction(old, twem)
    assert e.value.old != e.value.new and isinstance(e.value, keyroute.PlanError)
    with pytest.raises(TypeError, match="iterable of keys"):
        plan.moved_keys(old, new, "abc")
    with pytest.raises(TypeError, match=r"keys\[1\]"):
        plan.moved_keys(old, new, ["a", 5])  # type: ignore[type-var]
