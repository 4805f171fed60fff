"""The golden vectors every language's tests read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

VECTORS = Path(__file__).resolve().parents[2] / "tests" / "vectors" / "slots.json"


def load_cases() -> list[dict[str, Any]]:
    """The cases of tests/vectors/slots.json, answers of a real redis-server.

    A missing file is an error, not a skip: without it nothing proves the
    slots right.
    """
    if not VECTORS.is_file():
        raise FileNotFoundError(f"{VECTORS} is missing; `make vectors` writes it")
    cases: list[dict[str, Any]] = json.loads(VECTORS.read_text())["cases"]
    if len(cases) < 1000:
        raise AssertionError(f"{VECTORS} has only {len(cases)} cases")
    return cases
