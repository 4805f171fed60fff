"""The golden vectors every language's tests read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors" / "slots.json"
GETKEYS = ROOT / "tests" / "vectors" / "getkeys.json"


def _load(path: Path, minimum: int) -> list[dict[str, Any]]:
    # A missing file is an error, not a skip: without it nothing proves the
    # answers right.
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing; `make vectors` writes it")
    cases: list[dict[str, Any]] = json.loads(path.read_text())["cases"]
    if len(cases) < minimum:
        raise AssertionError(f"{path} has only {len(cases)} cases")
    return cases


def load_cases() -> list[dict[str, Any]]:
    """The cases of tests/vectors/slots.json, answers of a real redis-server."""
    return _load(VECTORS, 1000)


def load_getkeys() -> list[dict[str, Any]]:
    """The cases of tests/vectors/getkeys.json: a real redis-server's
    `COMMAND GETKEYSANDFLAGS` answers (or error replies) for an argv corpus,
    every argument hex."""
    return _load(GETKEYS, 1500)


def argv_of(case: dict[str, Any]) -> list[bytes]:
    return [bytes.fromhex(a) for a in case["argv"]]
