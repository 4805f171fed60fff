// Load plans: for the same CLUSTER NODES text and load file, the plan's
// JSON and scripts and the load report equal byte for byte what the Rust
// CLI prints (`keyroute plan rebalance --by file:F`, `keyroute plan load`);
// typed errors for bad loads. (The Python tests compare the same outputs
// with the same CLI.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { ROOT, WORK } from "./helpers.mjs";

const CLI = join(ROOT, "target", "release", "keyroute");
const id = (c) => c.repeat(40);

function nodesText(masters) {
  const lines = masters.map(([c, port, ranges]) => `${id(c)} 127.0.0.1:${port}@${port + 10000} master - 0 0 1 connected ${ranges}`);
  lines.push(`${id("f")} 127.0.0.1:7100@17100 slave ${id(masters[0][0])} 0 0 1 connected`);
  return lines.join("\n") + "\n";
}

const THREE = nodesText([["a", 7000, "0-5460"], ["b", 7001, "5461-10922"], ["c", 7002, "10923-16383"]]);
const UNEVEN = nodesText([["a", 7000, "0-99 200-9000"], ["b", 7001, "100-199 9001-12000"], ["c", 7002, "12001-16383"]]);

/** A deterministic skewed load: heavy slots `hot`, `cold` light ones (xorshift). */
function skewed(seed, hot, cold) {
  let x = seed;
  const next = (n) => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) % n;
  };
  const load = {};
  for (const s of hot) load[s] = 500 + next(2500);
  for (let i = 0; i < cold; i++) {
    const s = next(16384);
    if (!(s in load)) load[s] = 1 + next(39);
  }
  return load;
}

const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);

// [name, CLUSTER NODES text, load, options, the CLI's flags]
const CASES = [
  ["skewed, default tolerance", THREE, skewed(11, range(0, 120), 3000), {}, []],
  ["skewed, tolerance 2.5, weights", UNEVEN, skewed(12, range(9001, 9100), 5000), { loadTolerance: "2.5", weights: { [id("a")]: 2 } }, ["--load-tolerance", "2.5", "--weight", `${id("a")}=2`]],
  ["a hot slot over the allowance", THREE, { 7: 10000, 6000: 10, 12000: 10 }, {}, []],
  ["a node added", THREE, skewed(13, range(5461, 5600), 2000), { add: [{ id: id("d"), addr: "127.0.0.1:7003" }], loadTolerance: 10 }, ["--add", `${id("d")}=127.0.0.1:7003`, "--load-tolerance", "10"]],
  ["no load at all", THREE, {}, {}, []],
];

test("load plans and reports equal the CLI's, byte for byte", (t) => {
  if (!existsSync(CLI)) assert.fail(`${CLI} is missing: cargo build --release -p keyroute-cli`);
  const dir = join(WORK, "plan-load");
  mkdirSync(dir, { recursive: true });
  CASES.forEach(([name, text, load, options, flags], i) => {
    const nodes = join(dir, `nodes-${i}.txt`);
    const file = join(dir, `load-${i}.json`);
    writeFileSync(nodes, text);
    writeFileSync(file, JSON.stringify(load));
    const slotLoad = kr.plan.SlotLoad.fromJson(JSON.stringify(load));
    const p = kr.plan.rebalance(text, { ...options, load: slotLoad });
    const cli = (...args) => execFileSync(CLI, ["plan", ...args], { encoding: "utf8" });
    const base = ["rebalance", "--nodes-file", nodes, "--by", `file:${file}`, ...flags];
    assert.equal(p.json + "\n", cli(...base, "--format", "json"), name);
    for (const kind of ["valkey9", "redis84", "legacy"]) assert.equal(p.script(kind), cli(...base, "--format", kind), `${name}: ${kind}`);
    if (options.add === undefined) {
      const weights = options.weights ?? {};
      const report = kr.plan.loadReport(text, slotLoad, { weights });
      const wflags = Object.entries(weights).flatMap(([k, w]) => ["--weight", `${k}=${w}`]);
      assert.equal(report.json + "\n", cli("load", "--nodes-file", nodes, "--by", `file:${file}`, ...wflags, "--format", "json"), name);
    }
    const slots = cli("load", "--nodes-file", nodes, "--by", `file:${file}`, "--format", "slots");
    assert.equal(slotLoad.toJson() + "\n", slots, name);

    const doc = JSON.parse(p.json);
    assert.equal(p.load.lowerBound, doc.load.lower_bound);
    assert.equal(p.load.moved, p.moves.reduce((s, m) => s + m.load, 0));
    assert.equal(p.load.total, Object.values(load).reduce((s, v) => s + v, 0));
    if (p.load.withinTolerance) {
      assert.ok(p.load.lowerBound <= p.load.moved);
      for (const n of p.nodes) assert.ok(n.loadMin <= n.loadAfter && n.loadAfter <= n.loadMax, `${name}: ${n.id}`);
    } else {
      assert.ok(p.load.outside.length > 0, `${name}: a plan outside the tolerance says which nodes and why`);
    }
  });
  t.diagnostic(`${CASES.length} loads x 4 plan formats and the report agree with ${CLI}`);
});

test("hot slots are named; the load reads strictly; typed errors", () => {
  const load = kr.plan.SlotLoad.fromJson('{"7": 10000, "6000": 10, "12000": 10}');
  assert.deepEqual([load.by, load.sample, load.total, load.get(7), load.get(8)], ["file", null, 10020, 10000, 0]);
  const p = kr.plan.rebalance(THREE, { load });
  assert.deepEqual(p.load.hotSlots, [{ slot: 7, load: 10000, node: id("a") }]);
  assert.equal(p.load.withinTolerance, false);
  assert.equal(p.load.tolerance, "5");
  for (const bad of ['{"16384": 1}', '{"0": 1.5}', '{"0": -1}', '{"0": 1, "0": 2}', "[]", '{"0": 1} x']) {
    assert.throws(() => kr.plan.SlotLoad.fromJson(bad), (e) => e instanceof kr.PlanError && e.code === "ERR_KEYROUTE_PLAN_BAD_LOAD_FILE", bad);
  }
  assert.throws(() => kr.plan.rebalance(THREE, { loadTolerance: 5 }), TypeError);
  assert.throws(() => kr.plan.rebalance(THREE, { load, loadTolerance: "-1" }), kr.PlanError);
  assert.throws(() => kr.plan.rebalance(THREE, { openSlots: "ignore" }), TypeError);
  assert.throws(() => load.get(16384), TypeError);
});

test("measureLoad drives the core's probe; error replies become typed errors", async () => {
  const asked = [];
  const load = await kr.plan.measureLoad(THREE, async (addr, commands) => {
    asked.push([addr, commands.length]);
    for (const argv of commands) assert.equal(new TextDecoder().decode(argv[1]), "COUNTKEYSINSLOT");
    return commands.map((argv) => (Number(new TextDecoder().decode(argv[2])) === 42 ? 5 : 0));
  });
  assert.deepEqual(asked.map((a) => a[0]).sort(), ["127.0.0.1:7000", "127.0.0.1:7001", "127.0.0.1:7002"]);
  assert.equal(asked.reduce((s, a) => s + a[1], 0), 16384);
  assert.deepEqual([load.by, load.total, load.get(42)], ["keys", 5, 5]);
  await assert.rejects(
    kr.plan.measureLoad(THREE, async (_, commands) => commands.map(() => new Error("ERR boom"))),
    (e) => e instanceof kr.PlanError && e.code === "ERR_KEYROUTE_PLAN_BAD_LOAD_REPLY" && /boom/.test(e.message),
  );
  await assert.rejects(kr.plan.measureLoad(THREE, async () => []), TypeError);
  await assert.rejects(kr.plan.measureLoad(THREE, async () => [], { by: "cpu" }), (e) => e instanceof kr.PlanError && e.code === "ERR_KEYROUTE_PLAN_BAD_LOAD_BY");
});
