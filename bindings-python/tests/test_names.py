"""The stubs' literal types of every enumerated option against
tests/vectors/names.json, the names the core parses (its `ALL` / `NAMES`
lists), so that a type checker accepts exactly what the core does."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import keyroute
from _vectors import ROOT

NAMES: dict[str, list[str]] = json.loads((ROOT / "tests" / "vectors" / "names.json").read_text())["names"]
STUB = ast.parse((Path(keyroute.__file__).parent / "_native.pyi").read_text())


def first_literal(node: ast.AST) -> list[str]:
    """The strings of the first `Literal[...]` in an annotation."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name) and sub.value.id == "Literal":
            items = sub.slice.elts if isinstance(sub.slice, ast.Tuple) else [sub.slice]
            return [i.value for i in items if isinstance(i, ast.Constant) and isinstance(i.value, str)]
    raise AssertionError(f"no Literal in {ast.dump(node)[:200]}")


def alias(name: str) -> ast.AST:
    for node in STUB.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            assert node.value is not None
            return node.value
    raise AssertionError(f"no alias {name} in the stubs")


def function(name: str, cls: str | None = None) -> ast.FunctionDef:
    body = STUB.body
    if cls is not None:
        body = next(n for n in STUB.body if isinstance(n, ast.ClassDef) and n.name == cls).body
    return next(n for n in body if isinstance(n, ast.FunctionDef) and n.name == name)


def param(fn: ast.FunctionDef, name: str) -> ast.AST:
    for arg in fn.args.args + fn.args.kwonlyargs + fn.args.posonlyargs:
        if arg.arg == name:
            assert arg.annotation is not None
            return arg.annotation
    raise AssertionError(f"{fn.name} has no parameter {name}")


def attribute(cls: str, name: str) -> ast.AST:
    body = next(n for n in STUB.body if isinstance(n, ast.ClassDef) and n.name == cls).body
    for node in body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
            return node.annotation
    raise AssertionError(f"{cls} has no attribute {name}")


def stub_names(option: str) -> list[str]:
    pool = function("__new__", "Pool")
    where: dict[str, ast.AST] = {
        "scheme": alias("_Scheme"),
        "hash": alias("_TwemproxyHash"),
        "spymemcached_hash": alias("_SpyHash"),
        "format": param(pool, "format"),
        "char_sign": param(pool, "char_sign"),
        "redis_rb_id": param(pool, "redis_rb_id"),
        "jedis": param(pool, "jedis"),
        "compatibility": param(pool, "compatibility"),
        "jump_hash": param(pool, "jump_hash"),
        "algorithm": param(pool, "algorithm"),
        "read_from": alias("_ReadFrom"),
        "mode": alias("_Mode"),
        "script_kind": alias("_ScriptKind"),
        "slot_scheme": param(function("key_slot"), "scheme"),
        "keyless_reason": attribute("KeylessCommandError", "reason"),
    }
    return first_literal(where[option])


@pytest.mark.parametrize("option", sorted(NAMES))
def test_stub_literals_are_the_cores_names(option: str) -> None:
    assert stub_names(option) == NAMES[option]
