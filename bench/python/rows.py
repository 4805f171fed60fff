"""Rows for target/bench/summary.json.

When KEYROUTE_BENCH_ROWS names a file (`make bench` sets it), each
side-by-side row of a benchmark is appended to it as one JSON line;
bench/summary.py gathers the lines of every language into the summary.
Without the variable nothing is written.
"""

from __future__ import annotations

import json
import math
import os


def record(bench: str, row: str, incumbent: str | None, incumbent_ns: float | None,
           keyroute_ns: float, ratio: float | None = None) -> None:
    """One row: ns per operation for the incumbent and for keyroute, measured
    in the same run, and the ratio incumbent / keyroute (above 1: keyroute is
    faster; computed from the two times unless the benchmark gives its own)."""
    path = os.environ.get("KEYROUTE_BENCH_ROWS")
    if not path:
        return

    def num(x: float | None) -> float | None:
        return round(x, 3) if x is not None and math.isfinite(x) else None

    if ratio is None and incumbent_ns is not None and keyroute_ns > 0:
        ratio = incumbent_ns / keyroute_ns
    line = {
        "language": "python",
        "bench": bench,
        "row": row,
        "incumbent": incumbent,
        "incumbent_ns": num(incumbent_ns),
        "keyroute_ns": num(keyroute_ns),
        "ratio": num(ratio) if incumbent is not None else None,
    }
    with open(path, "a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")
