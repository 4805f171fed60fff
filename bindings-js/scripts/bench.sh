#!/usr/bin/env bash
# Benchmarks the built npm package (bindings-js/pkg) against cluster-key-slot
# 1.1.2 on the shared key corpus: bench/js/bench_slot.mjs.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
if [ ! -f bindings-js/pkg/package.json ]; then
  echo "error: bindings-js/pkg is not built; run bindings-js/scripts/build.sh first" >&2
  exit 1
fi
if [ ! -d bindings-js/node_modules/cluster-key-slot ]; then
  (cd bindings-js && npm ci --no-audit --no-fund --loglevel=error)
fi
KEYS=$ROOT/target/bench-keys.txt
if [ ! -f "$KEYS" ]; then
  python3 bench/corpus.py --count 200000 --out "$KEYS"
fi
exec node bench/js/bench_slot.mjs --keys "$KEYS" "$@"
