// A shard killed (its redis-server stopped by PID) after the clients
// connected and before the commands run: ioredis's exec() and node-redis's
// execAsPipeline() rejection report per position, a split or fan-out that
// reached some shards rejects with PartialWriteError / PartialReplyError
// naming the shards, and the surviving shards' writes are there (read back
// over a plain socket to each server).
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import * as kr from "keyroute";
import { tool } from "./helpers.mjs";
import { HOST, raw, startShards } from "./sharded-servers.mjs";

const { Redis } = tool("ioredis");
const nodeRedis = tool("redis");

const OPTIONS = { scheme: "twemproxy-ketama", hash: "fnv1a_64" };
const DEAD = 2;

let cleanups = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c();
  cleanups = [];
});

async function servers() {
  const s = await startShards(3, { nutcracker: false });
  cleanups.push(s.stop);
  return s;
}

/** Two keys on each shard. */
function keysByShard(specs) {
  const router = kr.ShardRouter.forPool(new kr.Pool(specs, OPTIONS));
  const out = specs.map(() => []);
  for (let i = 0; out.some((k) => k.length < 2); i++) {
    const k = `f${i}`;
    const s = router.shardOf(k);
    if (out[s].length < 2) out[s].push(k);
  }
  return out;
}

async function get(port, key) {
  const [v] = await raw(port, [["GET", key]]);
  return v === null ? null : v.toString();
}

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

function checkPartial(e, names, { command, write, applied, failed }) {
  assert.ok(e instanceof kr.PartialReplyError, String(e));
  assert.ok(e instanceof kr.KeyrouteError);
  assert.ok(!(e instanceof kr.ShardingError), "not a refusal: something was sent");
  assert.equal(e instanceof kr.PartialWriteError, write);
  const code = write ? "ERR_KEYROUTE_PARTIAL_WRITE" : "ERR_KEYROUTE_PARTIAL_REPLY";
  assert.equal(e.code, code);
  assert.equal((write ? kr.PartialWriteError : kr.PartialReplyError).code, code);
  assert.equal(e.name, write ? "PartialWriteError" : "PartialReplyError");
  assert.equal(e.command, command);
  assert.equal(e.write, write);
  assert.deepEqual(e.applied, applied.map((i) => names[i]));
  assert.deepEqual(e.appliedIndexes, applied);
  assert.deepEqual(e.failed, failed.map((i) => names[i]));
  assert.deepEqual(e.shards, e.failed);
  assert.deepEqual(e.failedIndexes, failed);
  assert.deepEqual(e.shardIndexes, failed);
  assert.deepEqual(e.unanswered, e.failed);
  assert.deepEqual(Object.keys(e.errors), e.failed);
  for (const err of Object.values(e.errors)) assert.ok(err instanceof Error && !(err instanceof kr.PartialReplyError));
  assert.ok(e.cause instanceof Error);
  assert.match(e.message, new RegExp(`failed on ${failed.map((i) => names[i]).join(", ")}`));
}

/** A connection error in place: an Error that is none of keyroute's. */
function connectionError(e) {
  assert.ok(e instanceof Error, String(e));
  assert.ok(!(e instanceof kr.KeyrouteError), String(e));
}

test("ioredis: a shard killed before exec(): [err, reply] per position, partial errors for splits", async () => {
  const s = await servers();
  const names = ["shard0", "shard1", "shard2"];
  const [[a, a2], [b, b2], [d, d2]] = keysByShard(s.specs);
  const clients = s.specs.map((_, i) => new Redis({ host: HOST, port: s.ports[i], maxRetriesPerRequest: 0, retryStrategy: () => null }));
  cleanups.push(() => clients.forEach((c) => c.disconnect()));
  const r = new kr.ShardedRedis(Object.fromEntries(s.specs.map((spec, i) => [spec, clients[i]])), OPTIONS);
  await Promise.all(clients.map((c) => c.ping()));
  await s.kill(DEAD);

  const out = await r.pipeline().set(a, 1).set(d, 1).mset(a2, 2, d2, 2).get(a).mget(a, d).incr(a2).exec();
  assert.equal(out.length, 6);
  assert.deepEqual(out[0], [null, "OK"]);
  connectionError(out[1][0]);
  checkPartial(out[2][0], names, { command: "MSET", write: true, applied: [0], failed: [DEAD] });
  assert.deepEqual(out[3], [null, "1"]);
  checkPartial(out[4][0], names, { command: "MGET", write: false, applied: [0], failed: [DEAD] });
  assert.deepEqual(out[5], [null, 3]); // after the MSET's part, in queue order
  assert.deepEqual([out[2][0].position, out[4][0].position], [2, 4]);
  assert.equal(await get(s.ports[0], a2), "3");

  const mset = await rejection(r.mset(a2, "x", b2, "x", d2, "x"));
  checkPartial(mset, names, { command: "MSET", write: true, applied: [0, 1], failed: [DEAD] });
  assert.equal(mset.position, null);
  assert.equal(await get(s.ports[0], a2), "x");
  assert.equal(await get(s.ports[1], b2), "x");
  checkPartial(await rejection(r.del(a, b, d)), names, { command: "DEL", write: true, applied: [0, 1], failed: [DEAD] });
  assert.equal(await get(s.ports[0], a), null);
  checkPartial(await rejection(r.mget(b2, d2)), names, { command: "MGET", write: false, applied: [1], failed: [DEAD] });
  checkPartial(await rejection(r.flushall()), names, { command: "FLUSHALL", write: true, applied: [0, 1], failed: [DEAD] });
  assert.equal(await get(s.ports[1], b2), null);
  // Only the dead shard: its own error.
  connectionError(await rejection(r.mget(d, d2)));
});

test("node-redis: a shard killed before execAsPipeline(): the rejection carries every reply in place", async () => {
  const s = await servers();
  const [[a, a2], [b, b2], [d, d2]] = keysByShard(s.specs);
  const names = ["shard0", "shard1", "shard2"];
  const shards = {};
  for (const [i, spec] of s.specs.entries()) {
    const c = nodeRedis.createClient({ socket: { host: HOST, port: s.ports[i], reconnectStrategy: false } });
    c.on("error", () => {});
    await c.connect();
    cleanups.push(() => (c.isOpen ? c.destroy() : undefined));
    shards[spec] = c;
  }
  const c = kr.createShardedClient({ shards, ...OPTIONS });
  await s.kill(DEAD);

  const e = await rejection(c.multi().set(a, "1").set(d, "1").mSet([a2, "2", d2, "2"]).get(a).mGet([a, d]).incr(a2).execAsPipeline());
  // The first failure in queue order is what rejects; every reply is in place.
  connectionError(e);
  assert.equal(e.replies.length, 6);
  assert.equal(e.replies[0], "OK");
  assert.equal(e.replies[1], e);
  checkPartial(e.replies[2], names, { command: "MSET", write: true, applied: [0], failed: [DEAD] });
  assert.equal(e.replies[3], "1");
  checkPartial(e.replies[4], names, { command: "MGET", write: false, applied: [0], failed: [DEAD] });
  assert.equal(e.replies[5], 3);
  assert.deepEqual(e.errorIndexes, [1, 2, 4]);
  assert.equal(await get(s.ports[0], a2), "3");

  checkPartial(await rejection(c.mSet([a2, "x", b2, "x", d2, "x"])), names, { command: "MSET", write: true, applied: [0, 1], failed: [DEAD] });
  assert.equal(await get(s.ports[1], b2), "x");
  checkPartial(await rejection(c.unlink([a, b, d])), names, { command: "UNLINK", write: true, applied: [0, 1], failed: [DEAD] });
  checkPartial(await rejection(c.mGet([a2, d2])), names, { command: "MGET", write: false, applied: [0], failed: [DEAD] });
  checkPartial(await rejection(c.exists([b2, d2])), names, { command: "EXISTS", write: false, applied: [1], failed: [DEAD] });
  // Without a dead shard in it, a pipeline's error reply still rejects with it.
  const e2 = await rejection(c.multi().set(b, "s").incr(b).get(a).execAsPipeline());
  assert.ok(!(e2 instanceof kr.KeyrouteError));
  assert.deepEqual(e2.errorIndexes, [1]);
  connectionError(await rejection(c.mGet([d, d2])));
});

test("the core's partial decision through ShardRouter.partial", () => {
  const specs = ["127.0.0.1:7001:1 s0", "127.0.0.1:7002:1 s1", "127.0.0.1:7003:1 s2"];
  const router = kr.ShardRouter.forPool(new kr.Pool(specs, OPTIONS));
  const [[a], , [d]] = keysByShard(specs);
  const argv = ["MSET", a, "1", d, "2"];
  const step = router.plan(argv);
  const at = step.parts.map((p) => p.shard);
  const outcomes = at.map((s) => (s === DEAD ? "no_reply" : "reply"));
  const e = router.partial(argv, outcomes);
  assert.ok(e instanceof kr.PartialWriteError);
  assert.deepEqual(e.applied, ["s0"]);
  assert.equal(router.partial(argv, ["reply", "reply"]), null);
  assert.equal(router.partial(argv, ["no_reply", "no_reply"]), null);
  assert.throws(() => router.partial(argv, ["gone", "reply"]), TypeError);
});
