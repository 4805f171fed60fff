// Resharding plans: for the same CLUSTER NODES text and options, the JSON
// and the three scripts equal byte for byte what the Rust CLI prints
// (`keyroute plan rebalance --nodes-file F --format ...`); typed errors.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { ROOT, WORK } from "./helpers.mjs";

const CLI = join(ROOT, "target", "release", "keyroute");
const id = (c) => c.repeat(40);

function nodesText(masters, extra = "") {
  const lines = masters.map(([c, port, ranges]) =>
    `${id(c)} 127.0.0.1:${port}@${port + 10000} master - 0 0 1 connected ${ranges}`.trim(),
  );
  lines.push(`${id("f")} 127.0.0.1:7100@17100 slave ${id(masters[0][0])} 0 0 1 connected`);
  return lines.join("\n") + "\n" + extra;
}

const THREE = nodesText([["a", 7000, "0-5460"], ["b", 7001, "5461-10922"], ["c", 7002, "10923-16383"]]);
const UNEVEN = nodesText([["a", 7000, "0-99 200-9000"], ["b", 7001, "100-199 9001-12000"], ["c", 7002, "12001-16383"]]);

const CASES = [
  ["add two empty primaries", THREE, { add: [{ id: id("d"), addr: "127.0.0.1:7003" }, { id: id("e"), addr: "127.0.0.1:7004" }] }, ["--add", `${id("d")}=127.0.0.1:7003`, "--add", `${id("e")}=127.0.0.1:7004`]],
  ["weights and a drain", UNEVEN, { weights: { [id("a")]: 2, [id("b")]: "1.5" }, drain: [id("c")] }, ["--weight", `${id("a")}=2`, "--weight", `${id("b")}=1.5`, "--drain", id("c")]],
  ["fractional weight, tolerance", UNEVEN, { weights: { [id("c")]: "2/3" }, tolerance: 10 }, ["--weight", `${id("c")}=2/3`, "--tolerance", "10"]],
  [
    "explicit targets",
    THREE,
    { add: [id("d")], targets: { [id("a")]: 6000, [id("b")]: 5000, [id("c")]: 4384, [id("d")]: 1000 } },
    ["--add", id("d"), "--target", `${id("a")}=6000`, "--target", `${id("b")}=5000`, "--target", `${id("c")}=4384`, "--target", `${id("d")}=1000`],
  ],
  ["already balanced", THREE, {}, []],
];

test("JSON and scripts equal the CLI's, byte for byte", (t) => {
  if (!existsSync(CLI)) {
    // test.sh builds it; a missing binary is a failure, not a skip.
    assert.fail(`${CLI} is missing: cargo build --release -p keyroute-cli`);
  }
  const dir = join(WORK, "plans");
  mkdirSync(dir, { recursive: true });
  for (const [name, text, options, args] of CASES) {
    const file = join(dir, `${name.replace(/\W+/g, "-")}.txt`);
    writeFileSync(file, text);
    const plan = kr.plan.rebalance(text, options);
    const cli = (format) =>
      execFileSync(CLI, ["plan", "rebalance", "--nodes-file", file, ...args, "--format", format], { encoding: "utf8" });
    assert.equal(plan.json + "\n", cli("json"), name);
    for (const kind of ["valkey9", "redis84", "legacy"]) {
      let script;
      try {
        script = plan.script(kind);
      } catch (err) {
        // The legacy script needs every node's address; so does the CLI.
        assert.ok(kind === "legacy" && err instanceof kr.PlanError && err.code === "ERR_KEYROUTE_PLAN_NO_ADDRESS", String(err));
        assert.throws(() => cli(kind), (e) => e.status === 2 && e.stderr.includes("no address"));
        continue;
      }
      assert.equal(script, cli(kind), `${name} ${kind}`);
    }
    assert.equal(JSON.stringify(plan), plan.json, name);
    assert.equal(plan.movesTotal, plan.lowerBound, name);
    assert.equal(plan.moves.reduce((s, m) => s + m.slots, 0), plan.movesTotal, name);
  }
  t.diagnostic(`${CASES.length} inputs x 4 formats agree with ${CLI}`);
});

test("plan objects: nodes, moves, the same plan from every input form", () => {
  const plan = kr.plan.rebalance({ [id("a")]: [[0, 8191]], [id("b")]: [[8192, 16383]] }, { add: [id("c")] });
  assert.ok(plan instanceof kr.Plan);
  assert.equal(plan.lowerBound, 5461); // redis-cli moves 5462
  assert.deepEqual(plan.moves.map((m) => [m.from, m.to, m.slots]), [[id("a"), id("c"), 2731], [id("b"), id("c"), 2730]]);
  assert.deepEqual(plan.nodes.map((n) => [n.id, n.before, n.target, n.quota]), [
    [id("a"), 8192, 5461, "16384/3"], [id("b"), 8192, 5462, "16384/3"], [id("c"), 0, 5461, "16384/3"],
  ]);
  assert.match(plan.fingerprint, /^sha256:[0-9a-f]{64}$/);
  // The same layout as a Cluster and as text: the same plan.
  const slots = [[0, 5460, ["127.0.0.1", 7000, id("a")]], [5461, 10922, ["127.0.0.1", 7001, id("b")]], [10923, 16383, ["127.0.0.1", 7002, id("c")]]];
  const fromCluster = kr.plan.rebalance(kr.Cluster.fromSlots(slots), { add: [{ id: id("d"), addr: "127.0.0.1:7003" }] });
  const fromText = kr.plan.rebalance(THREE, { add: [{ id: id("d"), addr: "127.0.0.1:7003" }] });
  assert.equal(fromCluster.json, fromText.json);
  assert.throws(() => plan.script("bash"), { name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
  const stats = kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [[id("b"), "127.0.0.1:7001"]], slotKeys: new Array(16384).fill(2), slotBytes: new Array(16384).fill(10) });
  assert.deepEqual([stats.moves[0].keysEst, stats.moves[0].bytesEst], [16384, 81920]);
  assert.equal(stats.nodes[1].addr, "127.0.0.1:7001");
  assert.equal(stats.tolerance, 0);
  assert.equal(stats.script(), stats.script("valkey9"));
});

test("bad inputs: PlanError naming the problem", () => {
  const cases = [
    [() => kr.plan.rebalance({ [id("a")]: [[0, 100]], [id("b")]: [[50, 16383]] }), "ERR_KEYROUTE_PLAN_OVERLAP", { name: "SlotOverlapError", slot: 50, first: id("a"), second: id("b") }],
    [() => kr.plan.rebalance({ [id("a")]: [[0, 100]] }), "ERR_KEYROUTE_PLAN_UNCOVERED", { name: "UncoveredSlotsError", ranges: [[101, 16383]] }],
    [() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { weights: { z: 1 } }), "ERR_KEYROUTE_PLAN_UNKNOWN_NODE", { name: "UnknownNodeError", id: "z" }],
    [() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { weights: { [id("a")]: "-1" } }), "ERR_KEYROUTE_PLAN_BAD_WEIGHT", { name: "BadWeightError", text: "-1" }],
    [() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { drain: [id("a")] }), "ERR_KEYROUTE_PLAN_ALL_WEIGHTS_ZERO", {}],
    [() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [id("a")] }), "ERR_KEYROUTE_PLAN_DUPLICATE_NODE", { id: id("a") }],
    [() => kr.plan.rebalance({ [id("a")]: [[9, 3]] }), "ERR_KEYROUTE_PLAN_BAD_RANGE", { id: id("a") }],
    [() => kr.plan.rebalance({}), "ERR_KEYROUTE_PLAN_NO_NODES", {}],
    [() => kr.plan.rebalance("garbage line"), "ERR_KEYROUTE_PLAN_BAD_NODES_LINE", { line: 1 }],
    [() => kr.plan.rebalance(THREE.replace("0-5460", "0-5459 [5460->-" + id("b") + "]")), "ERR_KEYROUTE_PLAN_OPEN_SLOTS", { name: "OpenSlotsError", slots: [5460] }],
    [() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { slotKeys: [1, 2] }), "ERR_KEYROUTE_PLAN_BAD_SLOT_STATS", {}],
    [() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [id("b")], targets: { [id("b")]: 1000 } }), "ERR_KEYROUTE_PLAN_INFEASIBLE", {}],
    [() => kr.plan.rebalance(THREE, { add: [id("d")] }).script("legacy"), "ERR_KEYROUTE_PLAN_NO_ADDRESS", { id: id("d") }],
  ];
  for (const [fn, code, fields] of cases) {
    assert.throws(fn, (err) => {
      assert.ok(err instanceof kr.PlanError && err instanceof kr.KeyrouteError, String(err));
      assert.equal(err.code, code, err.message);
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(err[k], v, k);
      return true;
    });
  }
  for (const bad of [5, null, [[0, 1]], { a: "0-1" }, { a: [[0]] }, { a: [[-1, 5]] }]) {
    assert.throws(() => kr.plan.rebalance(bad), { name: "TypeError" });
  }
  assert.throws(() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { tolerance: -1 }), { name: "TypeError" });
  assert.throws(() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [5] }), { name: "TypeError" });
  assert.throws(() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [{ id: id("b"), addr: 7 }] }), { name: "TypeError" });
  assert.throws(() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { drain: [null] }), { name: "TypeError" });
  assert.throws(() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { weights: { [id("a")]: null } }), { name: "TypeError" });
});

test("hostile node ids and addresses are PlanErrors, never part of a script", () => {
  const hostile = ["x$(touch${IFS}pwned)", "`touch pwned`", "a'b", "id;touch pwned", "", "abc", "A".repeat(40), "g".repeat(40)];
  for (const bad of hostile) {
    const fns = [
      () => kr.plan.rebalance({ [bad]: [[0, 16383]] }),
      () => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [{ id: bad, addr: "10.0.0.1:7000" }] }),
    ];
    // One field of a CLUSTER NODES line.
    if (bad !== "" && !bad.includes(" ")) fns.push(() => kr.plan.rebalance(`${bad} 10.0.0.1:7000@17000 master - 0 0 1 connected 0-16383\n`));
    for (const fn of fns) {
      assert.throws(fn, (err) => {
        assert.ok(err instanceof kr.PlanError, String(err));
        assert.equal(err.code, "ERR_KEYROUTE_PLAN_BAD_NODE_ID");
        assert.equal(err.id, bad);
        return true;
      });
    }
  }
  for (const addr of ["$(touch pwned):7000", "10.0.0.1:1;touch pwned", "h' 'x:7000", "-h:7000", "10.0.0.1", "10.0.0.1:0", "10.0.0.1:65536"]) {
    const fns = [() => kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [{ id: id("b"), addr }] })];
    if (!addr.includes(" ")) fns.push(() => kr.plan.rebalance(`${id("a")} ${addr}@17000 master - 0 0 1 connected 0-16383\n`));
    for (const fn of fns) {
      assert.throws(fn, (err) => {
        assert.ok(err instanceof kr.PlanError, String(err));
        assert.equal(err.code, "ERR_KEYROUTE_PLAN_BAD_ADDRESS");
        assert.equal(err.addr, addr);
        return true;
      });
    }
  }
  for (const addr of ["::1:7000", "[::1]:7000", "redis-a.example:6379", "10.0.0.1:65535"]) {
    kr.plan.rebalance({ [id("a")]: [[0, 16383]] }, { add: [{ id: id("b"), addr }] });
  }
  const legacy = kr.plan.rebalance(THREE, { add: [{ id: id("d"), addr: "127.0.0.1:7003" }] }).script("legacy");
  assert.ok(legacy.includes(`'127.0.0.1' '7003' '${id("a")}' '${id("d")}'`), legacy);
});

test("no input makes the wasm module trap: random layouts, weights, targets and text", () => {
  let s = 99;
  const rand = (n) => ((s = (s * 1103515245 + 12345) % 2 ** 31), s % n);
  const weights = ["0", "1", "2/3", "1.5", "1/0", "99999999999999999999999999999999999999999", "", "x", "-1", 0, 1e21, 3];
  let failures = 0;
  for (let i = 0; i < 500; i++) {
    const layout = {};
    for (let n = 0, at = 0; n < 1 + rand(4); n++) {
      const end = n === 3 ? 16383 : Math.min(16383 + rand(3), at + rand(9000));
      layout[`${n}`.repeat(40)] = [[at, end]];
      at = end + 1 - rand(2);
    }
    const options = {
      weights: Object.fromEntries(Object.keys(layout).slice(0, rand(3)).map((id) => [id, weights[rand(weights.length)]])),
      add: rand(2) ? [`e${rand(3)}`.repeat(20)] : [],
      drain: rand(4) === 0 ? ["0".repeat(40)] : [],
      targets: rand(5) === 0 ? { ["0".repeat(40)]: rand(20000) } : {},
      tolerance: rand(3) * rand(100),
    };
    for (const current of [layout, Object.entries(layout).map(([id, [[a, b]]]) => `${id} 127.0.0.1:1@2 master - 0 0 1 connected ${a}-${b}`).join("\n")]) {
      try {
        const p = kr.plan.rebalance(current, options);
        if (p.movesTotal !== p.lowerBound) failures++;
      } catch (err) {
        if (!(err instanceof kr.PlanError || err instanceof TypeError)) {
          failures++;
          console.log(err);
        }
      }
    }
  }
  assert.equal(failures, 0);
});
