"""tests/vectors/sharded.json, generated from the core: the planning the
sharded clients ask for (ShardRouter.plan and plan_pipeline, ShardSession) gives
exactly the core's steps, reduce data, refusals (class, code, message,
shard names and indexes, position) and session states, op after op; and
the core's reduce rules applied to Python replies (Reduce.apply, the path
ShardSplit.gather and PipelinePlan.assemble take) give the reduce cases'
results."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import keyroute
from _vectors import ROOT

PATH = ROOT / "tests" / "vectors" / "sharded.json"


def load() -> dict[str, Any]:
    # A missing file is an error, not a skip: without it nothing proves the
    # planning right.
    if not PATH.is_file():
        raise FileNotFoundError(f"{PATH} is missing; core/tests/sharded_vectors.rs writes it")
    data: dict[str, Any] = json.loads(PATH.read_text())
    return data


DATA = load()
SCENARIOS: list[dict[str, Any]] = DATA["scenarios"]
REDUCE_CASES: list[dict[str, Any]] = DATA["reduce"]


def router(name: str, seed: int) -> keyroute.ShardRouter:
    p = DATA["placements"][name]
    if p["kind"] == "pool":
        pool = keyroute.Pool(p["servers"], scheme=p["scheme"], **p["options"])
        return keyroute.ShardRouter(pool, strict_tags=p["strict_tags"], seed=seed)
    slots = keyroute.Cluster.from_slots([[a, b, [h.encode(), port]] for a, b, h, port in p["slots"]])
    return keyroute.ShardRouter(slots, primaries=p["primaries"], strict_tags=p["strict_tags"], seed=seed)


def reduce_json(r: keyroute.Reduce) -> Any:
    if r.name == "order":
        return {"order": r.order}
    if r.name == "random":
        return {"random": r.pick}
    return r.name


def step_json(step: int | keyroute.ShardSplit) -> Any:
    if isinstance(step, int):
        return {"one": step}
    assert step.reduce is not None
    if step.kind == "split":
        return {"split": {
            "parts": [{"shard": s, "argv": a, "keys": k} for s, a, k in step.parts],
            "reduce": reduce_json(step.reduce),
            "key_count": step.key_count,
        }}
    assert step.kind == "fan_out" and step.key_count == 0
    # A fan-out sends the command as given to each of its shards.
    assert [s for s, _ in step.commands] == step.shards
    return {"fan_out": {"shards": step.shards, "reduce": reduce_json(step.reduce)}}


# The class each code is raised as.
CLASSES: dict[str, type[keyroute.ShardingError]] = {
    c.code: c
    for c in (
        keyroute.CrossShardError,
        keyroute.NotColocatedError,
        keyroute.CrossShardTransactionError,
        keyroute.KeylessCommandError,
        keyroute.UnroutableCommandError,
        keyroute.TransactionStateError,
    )
}


def error_json(e: keyroute.ShardingError) -> Any:
    assert type(e) is CLASSES[e.code], (type(e), e.code)
    return {"error": {
        "code": e.code,
        "message": str(e),
        "command": e.command,
        "shards": e.shards,
        "indexes": e.shard_indexes,
        "position": e.position,
    }}


def state_json(s: keyroute.ShardSession) -> Any:
    return {"pinned": s.pinned, "watching": s.watching, "in_multi": s.in_multi, "queued": s.queued}


def run(r: keyroute.ShardRouter, s: keyroute.ShardSession, op: dict[str, Any]) -> Any:
    name = op["op"]
    try:
        if name == "plan":
            out: Any = {"step": step_json(r.plan(op["argv"]))}
        elif name == "pipeline":
            plan = r.plan_pipeline(op["commands"])
            out = {"pipeline": {
                "steps": [step_json(x) for x in plan.steps],
                "batches": [[[c, p] for c, p in b] for b in plan.batches],
                "replies": [[[sh, i] for sh, i in at] for at in plan.replies],
            }}
            assert len(plan) == len(op["commands"])
        elif name == "watch":
            out = {"shard": s.watch(op["argv"])}
        elif name == "while_watching":
            out = {"shard": s.while_watching(op["argv"])}
        elif name == "unwatch":
            out = {"shard": s.unwatch()}
        elif name == "multi":
            s.multi()
            out = {}
        elif name == "queue":
            s.queue(op["argv"])
            out = {}
        elif name == "exec":
            out = {"shard": s.exec()}
        elif name == "transaction":
            out = {"shard": s.transaction(op["commands"])}
        elif name == "reset":
            out = {"shard": s.reset()}
        else:
            raise AssertionError(f"unknown op {name!r}")
    except keyroute.ShardingError as e:
        out = error_json(e)
    out["state"] = state_json(s)
    return out


@pytest.mark.parametrize(
    "scenario", SCENARIOS, ids=[f"{s['placement']}: {s['name']}" for s in SCENARIOS]
)
def test_planning_is_the_cores(scenario: dict[str, Any]) -> None:
    r = router(scenario["placement"], scenario["seed"])
    s = keyroute.ShardSession(r)
    for n, op in enumerate(scenario["ops"]):
        assert run(r, s, op) == op["expect"], (n, op)


def test_every_op_and_refusal_is_covered() -> None:
    ops = {op["op"] for s in SCENARIOS for op in s["ops"]}
    assert ops == {"plan", "pipeline", "watch", "while_watching", "unwatch", "multi", "queue",
                   "exec", "transaction", "reset"}
    codes = {op["expect"]["error"]["code"] for s in SCENARIOS for op in s["ops"] if "error" in op["expect"]}
    assert codes == set(CLASSES)


class Err(Exception):
    """An error reply."""


def reply(v: dict[str, Any]) -> Any:
    ((kind, x),) = v.items()
    if kind == "str":
        return x.encode()
    if kind == "error":
        return Err(x)
    if kind == "array":
        return [reply(i) for i in x]
    assert kind in ("int", "bool", "nil")
    return x


def same(got: Any, want: Any) -> bool:
    """Equal, of the same kind (a bool is not an int here), errors by text."""
    if isinstance(want, Err):
        return isinstance(got, Err) and got.args == want.args
    if isinstance(want, list):
        return isinstance(got, list) and len(got) == len(want) and all(map(same, got, want))
    return type(got) is type(want) and got == want


def make_reduce(spec: Any) -> keyroute.Reduce:
    if isinstance(spec, str):
        return keyroute.Reduce(spec)  # type: ignore[arg-type]
    if "order" in spec:
        return keyroute.Reduce("order", order=spec["order"])
    return keyroute.Reduce("random", pick=spec["random"])


@pytest.mark.parametrize("case", REDUCE_CASES, ids=[json.dumps(c["reduce"]) for c in REDUCE_CASES])
def test_reduce_is_the_cores(case: dict[str, Any]) -> None:
    r = make_reduce(case["reduce"])
    assert reduce_json(r) == case["reduce"]
    replies = [reply(x) for x in case["replies"]]
    got = r.apply(replies)
    assert same(got, reply(case["expect"])), (got, case["expect"])
    # Tuples are arrays too.
    tupled = [tuple(x) if isinstance(x, list) else x for x in replies]
    assert same(r.apply(tupled), reply(case["expect"]))


def test_reduce_arguments() -> None:
    with pytest.raises(ValueError, match="no reduce rule"):
        keyroute.Reduce("first")  # type: ignore[arg-type]
    bad_calls: list[Callable[[], object]] = [
        lambda: keyroute.Reduce("order"),
        lambda: keyroute.Reduce("sum", pick=1),
        lambda: keyroute.Reduce("random", order=[0]),
    ]
    for bad in bad_calls:
        with pytest.raises(ValueError):
            bad()
    assert keyroute.Reduce("sum") == keyroute.Reduce("sum") != keyroute.Reduce("min")
    assert repr(keyroute.Reduce("order", order=[1, 0])) == "Reduce('order', order=[1, 0])"
    # Beyond i64, an int is not one the rules combine: it stands for the whole, as a reply of another kind.
    assert keyroute.Reduce("sum").apply([1, 2**70]) == 2**70
    # A bool summed past 1 is a count, not a bool.
    assert keyroute.Reduce("sum").apply([True, True]) == 2
    assert type(keyroute.Reduce("and").apply([True, True])) is bool


def test_gather_checks_the_reply_count() -> None:
    r = router("pool", 0)
    step = r.plan(["MGET", "user:1", "user:10", "user:1"])
    assert isinstance(step, keyroute.ShardSplit) and step.kind == "split"
    with pytest.raises(ValueError, match="2 parts"):
        step.gather([[b"a", b"a"]])
    with pytest.raises(ValueError, match="a part of 2 keys answered 1 values"):
        step.gather([[b"a"], [b"b"]])
    assert step.gather([[b"a", b"c"], [b"b"]]) == [b"a", b"b", b"c"]
    e = Err("down")
    assert step.gather([[b"a", b"c"], e]) is e


@pytest.mark.parametrize("case", DATA["partial"], ids=lambda c: f"{c['placement']}-{c['argv'][0]}-{'-'.join(c['outcomes'])}")
def test_partial_is_the_cores(case: dict[str, Any]) -> None:
    """What a split or fan-out some of whose shards gave no reply amounts
    to: the class, code, message, command and the applied and failed
    shards of the core's decision, or nothing."""
    r = router(case["placement"], 0)
    planned = r.plan(case["argv"])
    assert step_json(planned) == case["step"]
    # One shard: a ShardSplit of kind "one", as split() gives it.
    step = r.split(case["argv"]) if isinstance(planned, int) else planned
    outcomes = case["outcomes"]
    sends = len(step.shards)
    # The binding asks for one outcome per send: the vector's shorter lists
    # (the core counts a missing outcome as no reply) are padded so.
    got = r.partial(case["argv"], step, outcomes + ["no_reply"] * (sends - len(outcomes)))
    want = case["expect"]
    if want is None:
        assert got is None
        return
    e = want["error"]
    assert got is not None
    cls = keyroute.PartialWriteError if e["write"] else keyroute.PartialReplyError
    assert type(got) is cls and got.code == cls.code == e["code"]
    assert str(got) == e["message"]
    assert (got.command, got.write, got.position) == (e["command"], e["write"], e["position"])
    assert got.applied == e["applied"] and got.applied_indexes == e["applied_indexes"]
    assert got.failed == got.shards == e["shards"]
    assert got.failed_indexes == got.shard_indexes == e["indexes"]
    assert got.errors == {}


def test_partial_arguments() -> None:
    r = router("pool", 0)
    step = r.plan(["FLUSHALL"])
    assert not isinstance(step, int)
    with pytest.raises(ValueError, match="outcome"):
        r.partial(["FLUSHALL"], step, ["gone"] * len(step.shards))  # type: ignore[list-item]
    with pytest.raises(ValueError, match="entries for 4 sends"):
        r.partial(["FLUSHALL"], step, ["reply"])
    assert issubclass(keyroute.PartialWriteError, keyroute.PartialReplyError)
    assert issubclass(keyroute.PartialReplyError, keyroute.KeyrouteError)
    assert not issubclass(keyroute.PartialReplyError, keyroute.ShardingError)  # not a refusal: something was sent
