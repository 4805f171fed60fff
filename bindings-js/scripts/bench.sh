#!/usr/bin/env bash
# Benchmarks the built npm package (bindings-js/pkg) against the incumbents:
#   bench/js/bench_slot.mjs     keySlot/keySlots vs cluster-key-slot 1.1.2
#   bench/js/bench_cluster.mjs  Cluster.nodeFor/groupByNode vs ioredis's slots[calculateSlot(key)]
#   bench/js/bench_command.mjs  commandKeys/check vs @ioredis/commands getKeyIndexes
#   bench/js/bench_pool.mjs     Pool(node-hashring) nodeFor/indexesFor/build vs npm hashring 3.2.0
#   bench/js/bench_import.mjs   cold import()/require() of keyroute vs cluster-key-slot (21 fresh processes)
#   bench/js/bench_sharded.mjs  ShardedRedis.mget / createShardedClient().mGet of 1000 keys over 4
#                               redis-servers vs the same MGETs grouped by hand (Pool.indexesFor)
#   bench/js/bench_sharded_parts.mjs  the steps of those two sides alone, no I/O (CPU µs each)
# Extra arguments (e.g. --passes 5) go to every script. --smoke (first
# argument; `make test` runs it): every script once, one timed pass over
# 2000 keys and a few calls: the answers are checked against the incumbents
# as in a full run, and the timings mean nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
KEYS=$ROOT/target/bench-keys.txt
COUNT=200000
if [ "${1:-}" = "--smoke" ]; then
  shift
  KEYS=$ROOT/target/bench-keys-smoke.txt
  COUNT=2000
  set -- --passes 1 --calls 3 --runs 1 --procs 1 "$@"
fi
if [ ! -f bindings-js/pkg/package.json ]; then
  echo "error: bindings-js/pkg is not built; run bindings-js/scripts/build.sh first" >&2
  exit 1
fi
if [ ! -d bindings-js/node_modules/cluster-key-slot ] || [ ! -d bindings-js/node_modules/ioredis ] || [ ! -d bindings-js/node_modules/hashring ]; then
  (cd bindings-js && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -f "$KEYS" ]; then
  python3 bench/corpus.py --count "$COUNT" --out "$KEYS"
fi
node bench/js/bench_import.mjs "$@"
echo
node bench/js/bench_slot.mjs --keys "$KEYS" "$@"
echo
node bench/js/bench_cluster.mjs --keys "$KEYS" "$@"
echo
node bench/js/bench_command.mjs "$@"
echo
node bench/js/bench_pool.mjs --keys "$KEYS" "$@"
echo
node bench/js/bench_sharded.mjs "$@"
echo
node bench/js/bench_sharded_parts.mjs "$@"
