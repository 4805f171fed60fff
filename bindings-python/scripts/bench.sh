#!/usr/bin/env bash
# keyroute's Python bindings against redis-py, all in one run (build.sh
# first: it times the installed wheel):
#   bench/python/bench_slot.py     key -> slot, per key and batched
#   bench/python/bench_cluster.py  key -> node on a live 3+3 cluster, vs RedisCluster
#   bench/python/bench_command.py  command key extraction, vs CommandsParser
#                                  (with its COMMAND GETKEYS round trips)
#   bench/python/bench_pool.py     client-side sharding: key -> server and ring
#                                  builds, vs uhashring and pymemcache
#   bench/python/bench_policy.py   key -> slot with and without a hashing policy
#   bench/python/bench_sharded.py  keyroute.redis.ShardedRedis: MGET of 1000 keys
#                                  over 4 shards (sync, asyncio) vs by hand and
#                                  vs RedisCluster.mget_nonatomic; single-GET cost
#
# --smoke (first argument; `make test` runs it): every script once, the
# fewest timed passes they accept (7) over 2000 keys (bench_sharded.py 2
# calls a pass), unpinned: the answers
# are checked against the incumbents as in a full run, and the timings mean
# nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
KEYS=target/bench-keys.txt
COUNT=200000
smoke=0
sharded=()
if [ "${1:-}" = "--smoke" ]; then
  shift
  smoke=1
  sharded=(--calls 2)
  KEYS=target/bench-keys-smoke.txt
  COUNT=2000
  set -- --passes 7 "$@"
fi

if [ ! -f "$KEYS" ]; then
  "$PY" bench/corpus.py --count "$COUNT" --out "$KEYS"
fi
# Pinned to one CPU when possible, as the measurements in docs/performance.md
# ("How the measurements were taken") were. The
# scripts that start servers pin themselves after starting them, so that
# the servers answer from another CPU.
pin=()
cpu=()
if [ "$smoke" = 0 ] && command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
  pin=(taskset -c 1)
  cpu=(--cpu 1)
fi
echo "== key -> slot (bench_slot.py)"
"${pin[@]}" "$PY" bench/python/bench_slot.py --keys "$KEYS" "$@"
echo
echo "== key -> node (bench_cluster.py)"
"$PY" bench/python/bench_cluster.py --keys "$KEYS" "${cpu[@]}" "$@"
echo
echo "== command -> keys (bench_command.py)"
"$PY" bench/python/bench_command.py "${cpu[@]}" "$@"
echo
echo "== key -> server, client-side sharding (bench_pool.py)"
"${pin[@]}" "$PY" bench/python/bench_pool.py --keys "$KEYS" "$@"
echo
echo "== key -> slot under a hashing policy (bench_policy.py)"
"${pin[@]}" "$PY" bench/python/bench_policy.py --keys "$KEYS" "$@"
echo
echo "== sharded clients (bench_sharded.py)"
"$PY" bench/python/bench_sharded.py --keys "$KEYS" "${cpu[@]}" "${sharded[@]}" "$@"
