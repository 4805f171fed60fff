// A short soak: 1,000,000 calls over every stateful API (routing, grouping,
// commands, policies, pools, redirects, objects made and freed or disposed)
// after a warm-up, on a fresh instance: wasm memory must stay flat. A
// ceiling on growth, not a timing: the calls take a few seconds.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instrumented } from "./helpers.mjs";

const CALLS = 1_000_000;

test(`wasm memory stays flat across ${CALLS} calls`, async () => {
  const { m, memory } = await instrumented();
  const slots = [[0, 5460, ["10.0.0.1", 7000, "a".repeat(40), []], ["10.0.0.4", 7003]], [5461, 10922, ["10.0.0.2", 7001]], [10923, 16383, ["10.0.0.3", 7002]]];
  const cluster = m.Cluster.fromSlots(slots);
  const policy = new m.HashPolicy(["user:(?<tag>\\d+):.*", "(?<tag>.*)"]);
  const table = new m.CommandTable();
  const pool = new m.Pool(["10.0.0.1:6379:1", "10.0.0.2:6379:1", "10.0.0.3:6379:1"], { scheme: "twemproxy-ketama" });
  const keys = Array.from({ length: 64 }, (_, i) => (i % 3 ? `user:${i}:x` : Buffer.from(`k{${i}}`)));
  const big = "x".repeat(20 * 1024); // past the scratch buffer: the glue's copying path
  let n = 0;
  const round = () => {
    const i = n;
    const k = keys[i % keys.length];
    m.keySlot(k);
    m.keySlot(big);
    cluster.nodeFor(k, { readFrom: i % 2 ? "primary" : "roundRobin" });
    policy.keySlot(typeof k === "string" ? k : "user:1:y");
    pool.nodeFor(k);
    m.check(["MGET", "{a}1", "{a}2"]);
    table.commandKeys(["SET", k, "v"]);
    m.keySlots(keys);
    cluster.groupByNode(keys);
    m.split(["MGET", "a", "b", "c"]);
    // A failover and back: the map changes, nothing accumulates.
    cluster.applyRedirect(`MOVED 0 ${i % 2 ? "10.0.0.4:7003" : "10.0.0.1:7000"}`);
    cluster.applyRedirect("ASK 1 10.0.0.2:7001");
    n += 12;
    if (i % 600 < 12) {
      m.Cluster.fromSlots(slots).free();
      new m.Pool(["10.0.0.1:6379", "10.0.0.2:6379"], { scheme: "jump" })[Symbol.dispose]();
      new m.HashPolicy(["(?<tag>.*)"]).free();
      m.plan.rebalance({ ["a".repeat(40)]: [[0, 16383]] }, { add: ["b".repeat(40)] });
      n += 4;
    }
  };
  while (n < 100_000) round();
  const warm = memory();
  while (n < CALLS) round();
  const grown = memory() - warm;
  console.log(`# ${n} calls; wasm memory ${warm} bytes after warm-up, grew ${grown} bytes`);
  assert.ok(grown <= 1024 * 1024, `wasm memory grew ${grown} bytes`);
  for (const x of [cluster, policy, table, pool]) x.free();
});
