"""Gathers the rows every benchmark of `make bench` appended to
target/bench/rows.jsonl (Rust, Python and JS, one JSON object a line) into
target/bench/summary.json, and prints the rows with an incumbent, lowest
ratio first.

    python3 bench/summary.py [--rows target/bench/rows.jsonl] [--out target/bench/summary.json]

Each row: language, bench, row, incumbent, incumbent_ns, keyroute_ns, ratio
(incumbent / keyroute: above 1, keyroute is faster; all measured in the
same run of that benchmark). Comparing two runs' summaries row by row shows
what moved.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

KEYS = ("language", "bench", "row", "incumbent", "incumbent_ns", "keyroute_ns", "ratio")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", default="target/bench/rows.jsonl")
    ap.add_argument("--out", default="target/bench/summary.json")
    args = ap.parse_args()
    rows = []
    with open(args.rows, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            missing = [k for k in KEYS if k not in row]
            if missing:
                sys.exit(f"{args.rows}:{n}: missing {', '.join(missing)}")
            rows.append({k: row[k] for k in KEYS})
    if not rows:
        sys.exit(f"{args.rows}: no rows")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    summary = {
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                    "load_average": [round(x, 2) for x in load] if load else None},
        "rows": rows,
    }
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")
    compared = sorted((r for r in rows if r["ratio"] is not None), key=lambda r: r["ratio"])
    print(f"{len(rows)} rows ({len(compared)} with an incumbent) -> {args.out}; lowest ratios first:")
    for r in compared:
        print(f"  {r['ratio']:>8.2f}x  {r['language']:<6} {r['bench']:<10} {r['row']}  (vs {r['incumbent']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
