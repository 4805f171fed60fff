// Routing against a real Redis Cluster: 3 primaries and 3 replicas of
// Debian's redis-server on loopback, started by tests/cluster/harness.py and
// stopped in after() whatever happens (a watchdog also stops them if this
// process dies). Mirrors core/tests/cluster_live.rs and command_live.rs:
// maps from every client's replies, 10,000 keys written with no MOVED,
// replica reads, a live slot migration (ASK, then MOVED), a failover, and
// check() verdicts equal to the server's own inside MULTI.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import * as kr from "keyroute";
import { ROOT, VECTORS_DIR, WORK, fromHex, loadVectors, tool } from "./helpers.mjs";
import { RawConnection } from "./resp.mjs";

const { Redis } = tool("ioredis");
const nodeRedis = tool("redis");
const PYTHON = process.env.KEYROUTE_PYTHON || "python3";
const HARNESS = join(ROOT, "tests", "cluster", "harness.py");
const CLI = join(ROOT, "target", "release", "keyroute");
const HOST = "127.0.0.1";

let stateFile = null;
let ports = [];
const closers = [];

/** A plain ioredis connection to one node (never Redis.Cluster). */
function redis(port) {
  const r = new Redis({ host: HOST, port, maxRetriesPerRequest: 2, retryStrategy: () => null });
  closers.push(() => r.disconnect());
  return r;
}

async function shards(client) {
  return kr.Cluster.fromShards(await client.call("CLUSTER", "SHARDS"), { answeredBy: HOST });
}

/** The error a promise rejects with, or null. */
const failure = (promise) => promise.then(() => null, (e) => e);

before(() => {
  mkdirSync(WORK, { recursive: true });
  // A failed start stops what it started; a started cluster is stopped by
  // after(), or by the harness's watchdog if this process dies first.
  const out = execFileSync(PYTHON, [HARNESS, "start", "--owner", String(process.pid)], {
    encoding: "utf8",
    timeout: 180_000,
  });
  const file = join(WORK, `cluster-${process.pid}.json`);
  writeFileSync(file, out);
  stateFile = file;
  ports = JSON.parse(out).nodes.map((n) => n.port);
});

after(async () => {
  for (const close of closers) {
    try {
      await close();
    } catch {
      // already closed
    }
  }
  if (stateFile !== null) execFileSync(PYTHON, [HARNESS, "stop", stateFile], { stdio: "inherit" });
});

test("maps from CLUSTER SLOTS and SHARDS: ioredis (RESP2), node-redis (RESP2 and RESP3)", async (t) => {
  const seed = redis(ports[0]);
  const maps = {
    "ioredis cluster('SLOTS')": kr.Cluster.fromSlots(await seed.cluster("SLOTS"), { answeredBy: HOST }),
    "ioredis call('CLUSTER', 'SHARDS')": await shards(seed),
    "ioredis callBuffer SLOTS": kr.Cluster.fromSlots(await seed.callBuffer("CLUSTER", "SLOTS")),
    "ioredis callBuffer SHARDS": kr.Cluster.fromShards(await seed.callBuffer("CLUSTER", "SHARDS")),
    "Cluster.fromIORedis": await kr.Cluster.fromIORedis(seed),
  };
  for (const RESP of [2, 3]) {
    const c = nodeRedis.createClient({ socket: { host: HOST, port: ports[0] }, RESP });
    c.on("error", () => {});
    await c.connect();
    closers.push(() => c.destroy());
    maps[`node-redis RESP${RESP} clusterSlots()`] = kr.Cluster.fromSlots(await c.clusterSlots(), { answeredBy: HOST });
    maps[`node-redis RESP${RESP} sendCommand SHARDS`] = kr.Cluster.fromShards(await c.sendCommand(["CLUSTER", "SHARDS"]));
    maps[`Cluster.fromNodeRedis RESP${RESP}`] = await kr.Cluster.fromNodeRedis(c);
  }
  const ref = maps["ioredis call('CLUSTER', 'SHARDS')"];
  assert.equal(ref.shards.length, 3);
  assert.ok(ref.nodes.every((n) => n.id !== null && n.id.length === 40));
  for (const [name, m] of Object.entries(maps)) {
    assert.deepEqual(m.unassigned(), [], name);
    for (let slot = 0; slot < 16384; slot++) {
      if (m.nodeForSlot(slot).addr !== ref.nodeForSlot(slot).addr) assert.fail(`${name}: slot ${slot}`);
      if (m.nodeForSlot(slot, { readFrom: "prefer_replica" }).role !== "replica") assert.fail(`${name}: slot ${slot} replica`);
    }
  }
  t.diagnostic(`${Object.keys(maps).length} maps agree on all 16384 slots`);
});

/** 10,000 keys: every vector key (binary, hash-tag edge forms, lone surrogates, up to 64 KiB), then generated ones. */
function corpusKeys() {
  const keys = loadVectors().map((c) => (c.text !== null ? c.text : Buffer.from(c.bytes)));
  for (let i = 0; keys.length < 10_000; i++) keys.push(`key:${i}:{t${i % 97}}`);
  return keys;
}

test("10,000 keys SET on the primary keyroute picks: zero MOVED; replica reads with no redirect", async (t) => {
  const map = await shards(redis(ports[0]));
  const keys = corpusKeys();
  const groups = map.groupByNode(keys);
  assert.equal(groups.length, 3);
  let written = 0;
  const moved = [];
  for (const g of groups) {
    assert.equal(g.role, "primary");
    const p = redis(g.node.port).pipeline();
    for (const pos of g.positions) {
      assert.equal(map.nodeFor(keys[pos]), g.node);
      p.set(keys[pos], String(pos));
    }
    for (const [err] of await p.exec()) {
      if (err === null) written++;
      else if (err.message.startsWith("MOVED")) moved.push(err.message);
      else throw err;
    }
  }
  assert.deepEqual(moved, [], "keys sent to the wrong node");
  assert.equal(written, keys.length);

  const replicas = map.groupByNode(keys, { readFrom: "prefer_replica" });
  assert.equal(replicas.length, 3);
  let read = 0;
  for (const g of replicas) {
    assert.equal(g.role, "replica");
    const r = redis(g.node.port);
    assert.equal(await r.readonly(), "OK");
    const p = r.pipeline();
    for (const pos of g.positions) p.get(keys[pos]);
    for (const [err] of await p.exec()) {
      assert.equal(err, null, `replica read redirected: ${err?.message}`);
      read++;
    }
  }
  t.diagnostic(`${written} keys written with 0 MOVED; ${read} read from replicas`);
});

/** Whether argv[1] of this command names a subcommand. */
const containers = new Map();
function isContainer(name) {
  const key = Buffer.from(name).toString("latin1").toLowerCase();
  if (!containers.has(key)) {
    let sub = false;
    try {
      kr.commandKeys([name, "\u0000no-such-subcommand"]);
    } catch (e) {
      sub = e instanceof kr.UnknownCommandError && e.subcommand !== null;
    }
    containers.set(key, sub);
  }
  return containers.get(key);
}

test("check() verdicts equal the server's: QUEUED, MOVED slot, CROSSSLOT, arity, unknown", async (t) => {
  const doc = JSON.parse(readFileSync(join(VECTORS_DIR, "getkeys.json"), "utf8"));
  const map = await shards(redis(ports[0]));
  const conn = await RawConnection.open(ports[0]);
  closers.push(() => conn.close());
  // The getkeys corpus, plus each argv with every argument but the name (and
  // a subcommand) given the same hash tag, so keys share a slot.
  const corpus = [];
  for (const c of doc.cases) {
    const argv = c.argv.map((h) => Buffer.from(fromHex(h)));
    const fixed = argv.length > 1 && isContainer(argv[0]) ? 2 : 1;
    corpus.push(argv, argv.map((a, i) => (i < fixed || a.length === 0 ? a : Buffer.concat([Buffer.from("{t}"), a]))));
  }
  const counts = { agreed: 0, crossslot: 0, moved: 0, queued: 0, skipped: 0, noMulti: 0 };
  const failures = [];
  const todo = corpus.filter((argv) => {
    const skip = argv.length === 1 || argv[0].toString("latin1").toLowerCase() === "multi";
    if (skip) counts.skipped++;
    return !skip;
  });
  for (let i = 0; i < todo.length; i += 200) {
    const batch = todo.slice(i, i + 200);
    const replies = await conn.pipeline(batch.flatMap((argv) => [["MULTI"], argv, ["DISCARD"]]));
    batch.forEach((argv, j) => {
      const [multi, server, discard] = replies.slice(3 * j, 3 * j + 3);
      assert.equal(multi, "OK");
      const err = server?.error ?? null;
      if (err !== null && /not allowed|inside MULTI|inside a transaction/i.test(err)) {
        counts.noMulti++; // refused inside MULTI before routing (WATCH...)
        return;
      }
      assert.equal(discard?.error === undefined || discard.error.includes("without MULTI"), true);
      let ours;
      try {
        ours = kr.check(argv);
      } catch (e) {
        ours = e;
      }
      let ok;
      if (ours === null) ok = server === "QUEUED";
      else if (typeof ours === "number") {
        if (server === "QUEUED") ok = map.nodeForSlot(ours).port === ports[0];
        else if (err?.startsWith("MOVED ")) ok = err.split(" ")[1] === String(ours);
        else ok = false;
        if (ok) counts[server === "QUEUED" ? "queued" : "moved"]++;
      } else if (ours instanceof kr.CrossSlotError) {
        ok = err?.startsWith("CROSSSLOT") === true;
        if (ok) counts.crossslot++;
      } else if (ours instanceof kr.UnknownCommandError) {
        ok = /unknown (command|subcommand)/.test(err ?? "");
      } else if (ours instanceof kr.WrongArityError) {
        ok = /wrong number of arguments/.test(err ?? "");
      } else ok = false;
      if (ok) counts.agreed++;
      else failures.push(`${argv.map((a) => a.toString("latin1")).join(" ")}: server ${JSON.stringify(server)}, keyroute ${ours}`);
    });
  }
  t.diagnostic(
    `${counts.agreed} verdicts agree (${counts.crossslot} CROSSSLOT, ${counts.moved} MOVED, ${counts.queued} QUEUED here); ` +
      `skipped: ${counts.noMulti} refused inside MULTI (no_multi), ${counts.skipped} one-word or MULTI`,
  );
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} differ`);
  assert.ok(counts.agreed > 2500 && counts.crossslot > 300 && counts.moved > 300, JSON.stringify(counts));
});

test("a plan from the live CLUSTER NODES equals the CLI's; a Cluster gives the same plan", async () => {
  const seed = redis(ports[0]);
  const text = await seed.call("CLUSTER", "NODES");
  const map = await shards(seed);
  const heavy = map.shards[0].primary.id;
  const plan = kr.plan.rebalance(text, { weights: { [heavy]: 2 } });
  const file = join(WORK, `nodes-${process.pid}.txt`);
  writeFileSync(file, text);
  const cli = execFileSync(CLI, ["plan", "rebalance", "--nodes-file", file, "--weight", `${heavy}=2`, "--format", "json"], { encoding: "utf8" });
  assert.equal(plan.json + "\n", cli);
  assert.equal(kr.plan.rebalance(map, { weights: { [heavy]: 2 } }).json, plan.json);
  assert.ok(plan.movesTotal > 0 && plan.movesTotal === plan.lowerBound);
});

test("the load measured through ioredis and node-redis equals the CLI's measurement; so do the report and the plan", async () => {
  const seed = redis(ports[0]);
  const writer = new Redis.Cluster([{ host: HOST, port: ports[0] }], { redisOptions: { maxRetriesPerRequest: 2 } });
  closers.push(() => writer.disconnect());
  for (const [tag, n] of [["{load-a}", 300], ["{load-b}", 40], ["{load-c}", 7]]) {
    await writer.mset(Object.fromEntries(Array.from({ length: n }, (_, i) => [`${tag}:${i}`, String(i)])));
  }
  const viaIORedis = await kr.plan.measureLoadIORedis(seed);
  const c = nodeRedis.createClient({ socket: { host: HOST, port: ports[0] } });
  await c.connect();
  closers.push(() => c.destroy());
  const viaNodeRedis = await kr.plan.measureLoadNodeRedis(c);
  const { layout, load } = viaIORedis;
  assert.deepEqual([...viaNodeRedis.load._values], [...load._values]);
  assert.equal(load.by, "keys");
  assert.ok(load.get(kr.keySlot("{load-a}")) >= 300);
  const cli = (...args) => execFileSync(CLI, ["plan", ...args, "--cluster", `${HOST}:${ports[0]}`, "--by", "keys", "--format", "json"], { encoding: "utf8" });
  assert.equal(kr.plan.loadReport(layout, load).json + "\n", cli("load"));
  assert.equal(kr.plan.rebalance(layout, { load }).json + "\n", cli("rebalance"));
  const memory = await kr.plan.measureLoadIORedis(seed, { by: "memory", sample: 4 });
  assert.deepEqual([memory.load.by, memory.load.sample], ["memory", 4]);
  assert.ok(memory.load.get(kr.keySlot("{load-a}")) > 0);
});

test("a live slot migration: ASK during it (map unchanged), MOVED after it (map updated)", async () => {
  const map = await shards(redis(ports[0]));
  const c = map.copy();
  const key = "{migrating}key";
  const slot = kr.keySlot(key);
  const src = c.nodeForSlot(slot);
  const dst = c.shards.map((s) => s.primary).find((p) => p.port !== src.port);
  const a = redis(src.port);
  const b = redis(dst.port);
  assert.equal(await a.set(key, "v1"), "OK");
  await b.call("CLUSTER", "SETSLOT", slot, "IMPORTING", src.id);
  await a.call("CLUSTER", "SETSLOT", slot, "MIGRATING", dst.id);
  await a.call("MIGRATE", HOST, dst.port, "", 0, 5000, "KEYS", key);

  const ask = await failure(a.get(key));
  assert.ok(ask instanceof Error && ask.message.startsWith("ASK"), String(ask));
  const before = c.copy();
  assert.deepEqual(c.applyRedirect(ask), { kind: "ask", slot, host: HOST, port: dst.port, addr: `${HOST}:${dst.port}` });
  assert.ok(c.equals(before), "ASK must not change the map");
  const [[e1], [e2, value]] = await b.pipeline().call("ASKING").get(key).exec();
  assert.deepEqual([e1, e2, value], [null, null, "v1"]);

  for (const s of c.shards) await redis(s.primary.port).call("CLUSTER", "SETSLOT", slot, "NODE", dst.id);
  const moved = await failure(a.get(key));
  assert.ok(moved instanceof Error && moved.message.startsWith("MOVED"), String(moved));
  const r = c.applyRedirect(moved);
  assert.deepEqual([r.kind, r.slot], ["moved", slot]);
  assert.equal(c.nodeFor(key).port, dst.port);
  assert.equal(await redis(c.nodeFor(key).port).get(key), "v1");
});

test("a failover: the refreshed map writes to the new primary; a stale one learns it from MOVED", async () => {
  const seed = redis(ports[0]);
  const stale = await shards(seed);
  const key = "{failover}key";
  const slot = kr.keySlot(key);
  const old = stale.nodeForSlot(slot);
  const newPort = stale.shards.find((s) => s.primary === old).replicas[0].port;
  assert.equal(await redis(newPort).call("CLUSTER", "FAILOVER"), "OK");

  const deadline = Date.now() + 60_000;
  let fresh = stale;
  while (fresh.nodeForSlot(slot).port !== newPort) {
    assert.ok(Date.now() < deadline, "the failover did not happen");
    await sleep(100);
    fresh = await shards(seed);
  }
  const primary = redis(fresh.nodeFor(key).port);
  for (;;) {
    const err = await failure(primary.set(key, "after"));
    if (err === null) break;
    assert.ok(!err.message.startsWith("MOVED"), err.message);
    assert.ok(Date.now() < deadline, err.message);
    await sleep(100);
  }

  const oldConn = redis(old.port);
  let moved;
  for (;;) {
    moved = await failure(oldConn.set(key, "x"));
    if (moved?.message.startsWith("MOVED")) break;
    assert.ok(Date.now() < deadline, String(moved));
    await sleep(100);
  }
  stale.applyRedirect(moved);
  assert.equal(stale.nodeForSlot(slot).port, newPort);
  const replica = stale.nodeForSlot(slot, { readFrom: "prefer_replica" });
  assert.deepEqual([replica.port, replica.role], [old.port, "replica"]);
  assert.equal(await redis(newPort).get(key), "after");
});
