#!/usr/bin/env bash
# keyroute's Python slot functions against redis-py (bench/python/bench_slot.py),
# on the shared benchmark corpus. Run build.sh first: it times the installed wheel.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
KEYS=target/bench-keys.txt

if [ ! -f "$KEYS" ]; then
  "$PY" bench/corpus.py --count 200000 --out "$KEYS"
fi
# Pinned to one CPU, as the reference measurements were, when possible.
pin=()
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
  pin=(taskset -c 1)
fi
"${pin[@]}" "$PY" bench/python/bench_slot.py --keys "$KEYS" "$@"
