// The sharded clients over real servers: four standalone redis-servers on
// loopback and a nutcracker pool over them ("127.0.0.1:PORT:1 shardN",
// fnv1a_64, ketama). Placement is proven by reading every key back through
// nutcracker and from the one server that holds it; refusals are proven to
// send nothing by INFO commandstats on every server.
import assert from "node:assert/strict";
import { after, before, beforeEach, test } from "node:test";
import * as kr from "keyroute";
import { rng, tool } from "./helpers.mjs";
import { HOST, callsOn, raw, startShards } from "./sharded-servers.mjs";

const { Redis } = tool("ioredis");
const nodeRedis = tool("redis");
const HashRing = tool("hashring");

let servers;
const closers = [];

function ioredis(port) {
  const c = new Redis({ host: HOST, port, maxRetriesPerRequest: 1, retryStrategy: () => null });
  closers.push(() => c.disconnect());
  return c;
}

async function nodeClient(port) {
  const c = nodeRedis.createClient({ socket: { host: HOST, port, reconnectStrategy: false } });
  c.on("error", () => {});
  await c.connect();
  closers.push(() => c.destroy());
  return c;
}

function ioShards(ports = servers.ports, specs = servers.specs) {
  return Object.fromEntries(specs.map((s, i) => [s, ioredis(ports[i])]));
}

async function nodeShards(ports = servers.ports, specs = servers.specs) {
  const out = {};
  for (const [i, s] of specs.entries()) out[s] = await nodeClient(ports[i]);
  return out;
}

const OPTIONS = { scheme: "twemproxy-ketama", hash: "fnv1a_64" };

/** The error a promise rejects with (fails if it resolves). */
async function rejection(promise) {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail("expected a rejection");
}

/** Runs `fn` and asserts that no server saw any command meanwhile. */
async function sendsNothing(fn) {
  const before = await callsOn(servers.ports);
  const out = await fn();
  assert.deepEqual(await callsOn(servers.ports), before, "a refused command reached a server");
  return out;
}

/** >= 2000 keys: plain, binary (non-UTF-8 included), {tag} keys; binary values. */
function corpus(seed) {
  const r = rng(seed);
  const keys = [];
  for (let i = 0; i < 1200; i++) keys.push(`user:${seed}:${i}`);
  for (let i = 0; i < 500; i++) {
    const b = Buffer.alloc(1 + (r() % 24));
    for (let j = 0; j < b.length; j++) b[j] = r() & 0xff;
    b[0] = 0x80 | (i & 0x7f); // never valid UTF-8 first byte, and unique-ish
    keys.push(Buffer.concat([b, Buffer.from(`#${seed}:${i}`)]));
  }
  for (let i = 0; i < 400; i++) keys.push(`{tag${i % 25}}:${seed}:${i}`);
  const values = keys.map((_, i) => {
    const b = Buffer.alloc(1 + (r() % 16));
    for (let j = 0; j < b.length; j++) b[j] = r() & 0xff;
    return i % 3 === 0 ? Buffer.from(`v${i}`) : b;
  });
  return { keys, values };
}

/** Every key read through nutcracker and from every server: on exactly the pool's server. */
async function assertPlaced(pool, keys, values, { proxy = servers.proxy, ports = servers.ports } = {}) {
  const gets = keys.map((k) => ["GET", k]);
  const perServer = await Promise.all(ports.map((p) => raw(p, gets)));
  let misplaced = 0;
  keys.forEach((k, i) => {
    const want = pool.indexFor(k);
    const holders = perServer.flatMap((replies, s) => (replies[i] === null ? [] : [s]));
    if (holders.length !== 1 || holders[0] !== want || !Buffer.from(perServer[want][i]).equals(values[i])) misplaced++;
  });
  assert.equal(misplaced, 0, `${misplaced} of ${keys.length} keys misplaced`);
  if (proxy !== null) {
    const viaProxy = await raw(proxy, gets);
    const wrong = viaProxy.filter((v, i) => v === null || !Buffer.from(v).equals(values[i])).length;
    assert.equal(wrong, 0, `${wrong} keys not found through nutcracker`);
  }
}

before(async () => {
  servers = await startShards(4);
});

after(async () => {
  for (const c of closers) {
    try {
      await c();
    } catch {
      // closed already
    }
  }
  if (servers) await servers.stop();
});

beforeEach(async () => {
  if (servers) await Promise.all(servers.ports.map((p) => raw(p, [["FLUSHALL"]])));
});

test("ioredis: a 2100-key corpus written by MSET and a pipeline lands where nutcracker reads it", async () => {
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const { keys, values } = corpus(1);
  const half = keys.length >> 1;
  const pairs = keys.slice(0, half).flatMap((k, i) => [k, values[i]]);
  assert.equal(await r.mset(...pairs), "OK");
  const p = r.pipeline();
  for (let i = half; i < keys.length; i++) p.set(keys[i], values[i]);
  const res = await p.exec();
  assert.equal(res.length, keys.length - half);
  assert.ok(res.every(([e, v]) => e === null && v === "OK"));
  await assertPlaced(r.pool, keys, values);
  // Read back through the adapter: MGET (split, caller's order) and a GET pipeline.
  const got = await r.mgetBuffer(keys);
  assert.ok(got.every((v, i) => Buffer.from(v).equals(values[i])));
  const g = await keys.reduce((pl, k) => pl.getBuffer(k), r.pipeline()).exec();
  assert.ok(g.every(([e, v], i) => e === null && Buffer.from(v).equals(values[i])));
  // Counts summed over shards.
  assert.equal(await r.exists(keys), keys.length);
  assert.equal(await r.touch(keys.slice(0, 100)), 100);
  assert.equal(await r.unlink(keys.slice(0, 50)), 50);
  assert.equal(await r.del(keys.slice(0, 100)), 50);
});

test("ioredis: commands built without ioredis's call where it only builds and sends; auto-pipelining, friendly stacks and plain Uint8Array keys", async () => {
  const keys = Array.from({ length: 300 }, (_, i) => (i % 5 === 0 ? Buffer.from(`fast:${i}`) : `fast:${i}`));
  const pairs = keys.flatMap((k, i) => [k, `v${i}`]);
  const want = keys.map((_, i) => `v${i}`);
  const script = async (r) => [
    await r.mset(pairs),
    await r.mget(keys),
    (await r.mgetBuffer(keys)).map((b) => Buffer.from(b).toString()),
    await r.hset("h", { f: "1", g: "2" }),
    await r.hgetall("h"),
    await r.exists(keys),
    await r.del(keys.slice(0, 10)),
    await r.incr("fast:20").catch((e) => [e.name, e.message]),
    await r.call("ECHO", "x").catch((e) => [e.name, e.message]),
    (await r.pipeline().set("p:1", "a").get("p:1").mget(keys.slice(0, 50)).incr("fast:22").getBuffer("p:1").exec())
      .map(([e, v]) => (e ? [e.name, e.message] : v instanceof Uint8Array ? ["bytes", Buffer.from(v).toString()] : v)),
    await r.multi().set("m1", "x").getBuffer("m1").exec(),
  ];
  // Default options: ioredis's call and callBuffer are never used, on the
  // clients or on their pipelines and MULTIs.
  const shards = ioShards();
  const fail = () => assert.fail("the adapter went through ioredis's call");
  for (const c of Object.values(shards)) {
    c.call = c.callBuffer = fail;
    for (const kind of ["pipeline", "multi"]) {
      const own = c[kind].bind(c);
      c[kind] = (...a) => Object.assign(own(...a), { call: fail, callBuffer: fail });
    }
  }
  const fast = await script(new kr.ShardedRedis(shards, OPTIONS));
  assert.deepEqual(fast[1], want);
  assert.deepEqual(fast[2], want);
  assert.deepEqual(fast[4], { f: "1", g: "2" });
  assert.equal(fast[5], keys.length);
  assert.deepEqual(fast[9].slice(0, 3), ["OK", "a", [...Array(10).fill(null), ...want.slice(10, 50)]]); // 0-9 deleted above
  assert.equal(fast[9][3][0], "ReplyError");
  assert.deepEqual(fast[9][4], ["bytes", "a"]);
  assert.deepEqual(fast[10].map(([e, v]) => [e, Buffer.isBuffer(v) ? v.toString() : v]), [[null, "OK"], [null, "x"]]);
  // Auto-pipelining: ioredis's call, which queues into its auto-pipeline;
  // the same replies.
  let calls = 0;
  const auto = Object.fromEntries(servers.specs.map((s, i) => {
    const c = new Redis({ host: HOST, port: servers.ports[i], enableAutoPipelining: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    closers.push(() => c.disconnect());
    const own = c.call.bind(c);
    c.call = (...a) => (calls++, own(...a));
    return [s, c];
  }));
  await Promise.all(servers.ports.map((p) => raw(p, [["FLUSHALL"]])));
  assert.deepEqual(await script(new kr.ShardedRedis(auto, OPTIONS)), fast);
  assert.ok(calls > 0, "auto-pipelining clients were sent to without their call");
  // showFriendlyErrorStack: the same replies; an error reply's stack is
  // ioredis's friendly one, from the caller (this file), which a plain
  // error reply's (made where the reply was parsed) is not.
  const friendly = Object.fromEntries(servers.specs.map((s, i) => {
    const c = new Redis({ host: HOST, port: servers.ports[i], showFriendlyErrorStack: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
    closers.push(() => c.disconnect());
    return [s, c];
  }));
  await Promise.all(servers.ports.map((p) => raw(p, [["FLUSHALL"]])));
  const fr = new kr.ShardedRedis(friendly, OPTIONS);
  assert.deepEqual(await script(fr), fast);
  const err = await rejection(fr.incr("fast:21"));
  assert.equal(err.name, "ReplyError");
  assert.match(err.stack, /sharded\.test\.mjs/);
  const plain = await rejection(ioredis(servers.ports[fr.getShardIndexForKey("fast:21")]).incr("fast:21"));
  assert.equal(plain.message, err.message);
  assert.doesNotMatch(plain.stack, /sharded\.test\.mjs/);
  // A plain Uint8Array key is sent as its bytes, where it was placed (not
  // as "104,105", ioredis's String() of it).
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const u8 = new Uint8Array([104, 105]);
  assert.equal(await r.set(u8, "bytes"), "OK");
  const [got] = await raw(servers.ports[r.getShardIndexForKey("hi")], [["GET", "hi"]]);
  assert.equal(Buffer.from(got).toString(), "bytes");
  assert.deepEqual(await r.mget([u8, new Uint8Array([0x78])]), ["bytes", null]);
});

test("node-redis: the corpus written by mSet and execAsPipeline lands where nutcracker reads it", async () => {
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  const { keys, values } = corpus(2);
  const half = keys.length >> 1;
  assert.equal(await c.mSet(keys.slice(0, half).map((k, i) => [k, values[i]])), "OK");
  const m = c.multi();
  for (let i = half; i < keys.length; i++) m.set(keys[i], values[i]);
  const res = await m.execAsPipeline();
  assert.equal(res.length, keys.length - half);
  assert.ok(res.every((v) => v === "OK"));
  await assertPlaced(c.pool, keys, values);
  const b = c.withTypeMapping({ [nodeRedis.RESP_TYPES.BLOB_STRING]: Buffer });
  const got = await b.mGet(keys);
  assert.ok(got.every((v, i) => Buffer.isBuffer(v) && v.equals(values[i])));
  const viaSend = await c.sendCommand(["MGET", ...keys.slice(0, 300)]);
  assert.equal(viaSend.length, 300);
  assert.equal(await c.exists(keys), keys.length);
  assert.equal(await c.del(keys.slice(0, 100)), 100);
});

test("scheme node-hashring: placement equals npm hashring 3.2.0, read from the server it names", async () => {
  const specs = servers.ports.map((p) => `${HOST}:${p}`);
  const ring = new HashRing(specs);
  const shards = Object.fromEntries(specs.map((s, i) => [s, ioredis(servers.ports[i])]));
  const r = new kr.ShardedRedis(shards, { scheme: "node-hashring" });
  const nr = kr.createShardedClient({ shards: await nodeShards(servers.ports, specs), scheme: "node-hashring" });
  const keys = [];
  for (let i = 0; i < 2000; i++) keys.push(`hr:${i}`, `{t${i % 9}}hr${i}`);
  const values = keys.map((k) => Buffer.from(`value of ${k}`));
  const half = keys.length >> 1;
  assert.equal(await r.mset(keys.slice(0, half).flatMap((k, i) => [k, values[i]])), "OK");
  assert.equal(await nr.mSet(keys.slice(half).map((k, i) => [k, values[half + i]])), "OK");
  // Where the library says, and nowhere else.
  const gets = keys.map((k) => ["GET", k]);
  const perServer = await Promise.all(servers.ports.map((p) => raw(p, gets)));
  let misplaced = 0;
  keys.forEach((k, i) => {
    const named = specs.indexOf(ring.get(k));
    const holders = perServer.flatMap((rs, s) => (rs[i] === null ? [] : [s]));
    if (holders.length !== 1 || holders[0] !== named) misplaced++;
  });
  assert.equal(misplaced, 0);
  assert.equal(r.getShardNameForKey("hr:1"), ring.get("hr:1"));
});

test("reply shapes equal the plain client's on one server (ioredis)", async () => {
  const one = ioredis(servers.ports[0]);
  const spec = servers.specs[0];
  const r = new kr.ShardedRedis({ [spec]: ioredis(servers.ports[0]) }, OPTIONS);
  const script = [
    ["set", "s", "1"], ["get", "s"], ["getBuffer", "s"], ["incr", "s"], ["mset", { a: "1", b: "2" }], ["mget", "a", "b", "nope"],
    ["mgetBuffer", ["a", "b"]], ["hset", "h", { f: "1", g: "2" }], ["hgetall", "h"], ["hget", "h", "f"], ["lpush", "l", "x", "y"],
    ["lrange", "l", 0, -1], ["sadd", "st", "m"], ["smembers", "st"], ["zadd", "z", 1, "m"], ["zrange", "z", 0, -1, "WITHSCORES"],
    ["exists", "a", "b", "a"], ["del", "a", "nope"], ["expire", "s", 100], ["ttl", "s"], ["type", "h"], ["ping"], ["dbsize"],
    ["rename", "s", "s2"], ["sinterstore", "d", "st"], ["eval", "return KEYS[1]", 1, "k"], ["keys", "*"],
  ];
  const setup = async () => {
    await one.flushall();
    await one.set("s", "5");
    await one.hset("h", "f", "1");
    await one.sadd("st", "m");
  };
  for (const [name, ...args] of script) {
    await setup();
    const theirs = await one[name](...args).then((v) => ({ v }), (e) => ({ e: e.message }));
    await setup();
    const ours = await r[name](...args).then((v) => ({ v }), (e) => ({ e: e.message }));
    assert.deepEqual(ours, theirs, name);
  }
  await one.flushall();
});

test("reply shapes equal the plain client's on one server (node-redis)", async () => {
  const one = await nodeClient(servers.ports[0]);
  const spec = servers.specs[0];
  const c = kr.createShardedClient({ shards: { [spec]: await nodeClient(servers.ports[0]) }, ...OPTIONS });
  const script = [
    ["set", "s", "1"], ["get", "s"], ["incr", "s"], ["mSet", { a: "1", b: "2" }], ["mGet", ["a", "b", "nope"]],
    ["hSet", "h", { f: "1", g: "2" }], ["hGetAll", "h"], ["HGETALL", "h"], ["lPush", "l", ["x", "y"]], ["lRange", "l", 0, -1],
    ["sAdd", "st", "m"], ["sMembers", "st"], ["zAdd", "z", { score: 1, value: "m" }], ["zRangeWithScores", "z", 0, -1],
    ["exists", ["a", "b", "a"]], ["del", ["a", "nope"]], ["expire", "s", 100], ["ttl", "s"], ["type", "h"], ["ping"],
    ["dbSize"], ["rename", "s", "s2"], ["scriptExists", ["0000000000000000000000000000000000000000"]], ["keys", "*"],
  ];
  for (const [name, ...args] of script) {
    const setup = async (x) => {
      await x.sendCommand(["FLUSHALL"]).catch(() => {});
    };
    await one.sendCommand(["FLUSHALL"]);
    await one.set("s", "5");
    await one.hSet("h", "f", "1");
    const theirs = await one[name](...args).then((v) => ({ v }), (e) => ({ e: e.message }));
    await setup(one);
    await one.set("s", "5");
    await one.hSet("h", "f", "1");
    const ours = await c[name](...args).then((v) => ({ v }), (e) => ({ e: e.message }));
    assert.deepEqual(ours, theirs, name);
  }
  // The whole script queued on a MULTI and sent as a pipeline: the plain
  // client's own execAsPipeline gives the same replies. The sharded MULTI
  // reads each command through a MULTI of the wrapped client, never by
  // calling the client's own command method: those methods are made to
  // fail here.
  const pipelined = async (x, shardClient) => {
    await one.sendCommand(["FLUSHALL"]);
    await one.set("s", "5");
    await one.hSet("h", "f", "1");
    const m = x.multi();
    const stubbed = shardClient === undefined ? [] : script.map(([name]) => name);
    for (const name of stubbed) Object.defineProperty(shardClient, name, { value: () => assert.fail(`the client's own ${name} was called`), configurable: true });
    try {
      for (const [name, ...args] of script) m[name](...args);
    } finally {
      for (const name of stubbed) delete shardClient[name];
    }
    return m.execAsPipeline();
  };
  assert.deepEqual(await pipelined(c, c.clients[0]), await pipelined(one));
  await one.sendCommand(["FLUSHALL"]);
});

test("refusals reject before anything is sent, with typed errors naming command and shards", async () => {
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  // Two keys on different shards.
  let a = "a0";
  let b = null;
  for (let i = 1; b === null; i++) if (r.getShardIndexForKey(`b${i}`) !== r.getShardIndexForKey(a)) b = `b${i}`;
  const names = [r.getShardNameForKey(a), r.getShardNameForKey(b)];
  await sendsNothing(async () => {
    for (const call of [() => r.msetnx(a, 1, b, 2), () => r.rename(a, b), () => r.call("SINTERSTORE", a, a, b), () => r.eval("return 1", 2, a, b), () => c.rename(a, b), () => c.sendCommand(["MSETNX", a, "1", b, "2"]), () => c.sendCommand(["SMOVE", a, b, "m"]),
      // MSETEX: placed by its key specs (Redis 8.4 routes it keyless).
      () => r.call("MSETEX", 2, a, 1, b, 2, "EX", 10), () => c.sendCommand(["MSETEX", "2", a, "1", b, "2"])]) {
      const e = await rejection(call());
      assert.ok(e instanceof kr.CrossShardError && e instanceof kr.ShardingError && e instanceof Error, String(e));
      assert.equal(e.code, "ERR_KEYROUTE_CROSS_SHARD");
      assert.deepEqual([...e.shards], names);
      assert.match(e.message, new RegExp(`${e.command}.*${names[0]}, ${names[1]}`));
    }
    for (const call of [() => r.call("INFO"), () => r.call("CLIENT", "LIST"), () => c.sendCommand(["INFO"]), () => r.call("TIME"), () => r.call("SLOWLOG", "GET"), () => c.sendCommand(["SLOWLOG", "GET", "10"])]) {
      const e = await rejection(call());
      assert.ok(e instanceof kr.KeylessCommandError, String(e));
      assert.match(e.message, /a shard's own client/);
    }
    for (const call of [() => r.call("NOSUCHCOMMAND", "x"), () => r.call("GET"), () => c.sendCommand(["GET", "a", "b"]), () => c.sendCommand([])]) {
      const e = await rejection(call());
      assert.ok(e instanceof kr.UnroutableCommandError, String(e));
      assert.ok(e.cause instanceof kr.CommandError);
    }
    // Arguments node-redis itself refuses as a command is queued: said so,
    // with node-redis's message, and its error as the cause.
    let q = null;
    try {
      c.multi().zAdd("k");
    } catch (err) {
      q = err;
    }
    assert.ok(q instanceof kr.UnroutableCommandError, String(q));
    assert.equal(q.code, "ERR_KEYROUTE_UNROUTABLE");
    assert.match(q.message, /^keyroute: zAdd: node-redis refused its arguments: .+; correct the call's arguments$/);
    assert.ok(q.cause instanceof TypeError, String(q.cause));
    // A pipeline with one refused command sends none of them.
    const e = await rejection(r.pipeline().set("x", 1).rename(a, b).get("y").exec());
    assert.ok(e instanceof kr.CrossShardError);
    assert.equal(e.position, 1);
    const e2 = await rejection(c.multi().set("x", "1").sendCommand(["INFO"]).execAsPipeline());
    assert.ok(e2 instanceof kr.KeylessCommandError);
    assert.equal(e2.position, 1);
    // Transactions over two shards.
    const t1 = await rejection(r.multi().set(a, 1).set(b, 2).exec());
    assert.ok(t1 instanceof kr.CrossShardTransactionError && t1 instanceof kr.CrossShardError);
    assert.deepEqual([...t1.positions], [0, 1]);
    assert.deepEqual([...t1.commands], ["SET", "SET"]);
    assert.match(t1.message, /command 0 \(SET\) and command 1 \(SET\).*non-transactional pipeline/);
    const t2 = await rejection(c.multi().set(a, "1").get(b).exec());
    assert.ok(t2 instanceof kr.CrossShardTransactionError);
    const t3 = await rejection(r.watch(a, b));
    assert.ok(t3 instanceof kr.CrossShardTransactionError);
    const t4 = await rejection(r.multi().ping().exec());
    assert.ok(t4 instanceof kr.KeylessCommandError);
    const t5 = await rejection(c.watch([a, b]));
    assert.ok(t5 instanceof kr.CrossShardTransactionError);
  });
  // The same pipeline without the refused command goes through.
  assert.deepEqual(await r.pipeline().set("x", 1).get("x").exec(), [[null, "OK"], [null, "1"]]);
});

test("pipelines with an error: ioredis [err, null] at its index, node-redis rejects with the first error", async () => {
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const keys = Array.from({ length: 40 }, (_, i) => `p${i}`);
  const p = r.pipeline().set("str", "text").incr("str").mset(...keys.flatMap((k) => [k, k])).mget(keys).lpush("str", "x").dbsize();
  const out = await p.exec();
  assert.equal(out.length, 6);
  assert.deepEqual(out[0], [null, "OK"]);
  assert.ok(out[1][0] instanceof Error && /not an integer/.test(out[1][0].message));
  assert.equal(out[1][1], null);
  assert.deepEqual(out[2], [null, "OK"]);
  assert.deepEqual(out[3], [null, keys]);
  assert.ok(out[4][0] instanceof Error && /WRONGTYPE/.test(out[4][0].message));
  assert.deepEqual(out[5], [null, keys.length + 1]);
  // As plain ioredis on one server.
  const plain = await ioredis(servers.ports[0]).pipeline().set("str", "text").incr("str").exec();
  assert.equal(plain[1][0].message, out[1][0].message);
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  const e = await rejection(c.multi().set("s2", "t").incr("s2").get("s2").execAsPipeline());
  const one = await nodeClient(servers.ports[0]);
  const plainErr = await rejection(one.multi().set("s3", "t").incr("s3").get("s3").execAsPipeline());
  assert.equal(e.constructor, plainErr.constructor);
  assert.equal(e.message, plainErr.message);
});

test("transactions on one shard run atomically; watch pins the shard", async () => {
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const res = await r.multi().set("{u1}a", 1).incr("{u1}a").mget("{u1}a", "{u1}b").exec();
  assert.deepEqual(res, [[null, "OK"], [null, 2], [null, ["2", null]]]);
  const shard = r.getShardIndexForKey("{u1}a");
  assert.equal(await raw(servers.ports[shard], [["GET", "{u1}a"]]).then(([v]) => String(v)), "2");
  // WATCH then a conflicting write from elsewhere: EXEC returns null.
  assert.equal(await r.watch("{u1}a"), "OK");
  await raw(servers.ports[shard], [["SET", "{u1}a", "9"]]);
  assert.equal(await r.multi().set("{u1}a", 3).exec(), null);
  assert.equal(await r.get("{u1}a"), "9");
  // Watching a key then queueing another shard's key is refused.
  let other = null;
  for (let i = 0; other === null; i++) if (r.getShardIndexForKey(`o${i}`) !== shard) other = `o${i}`;
  await r.watch("{u1}a");
  const e = await sendsNothing(() => rejection(r.multi().set(other, 1).exec()));
  assert.ok(e instanceof kr.CrossShardTransactionError);
  assert.deepEqual([...e.positions], [null, 0]);
  assert.deepEqual([...e.commands], ["WATCH", "SET"]);
  await r.unwatch();
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  assert.deepEqual(await c.multi().set("{u2}a", "1").incr("{u2}a").get("{u2}a").exec(), ["OK", 2, "2"]);
});

test("strictTags: unsplittable commands and transactions need one common hash tag", async () => {
  // Tags count only where the pool's scheme hashes them: here twemproxy
  // with hash_tag "{}".
  const TAGGED = { ...OPTIONS, hashTag: "{}" };
  const r = new kr.ShardedRedis(ioShards(), { ...TAGGED, strictTags: true });
  const loose = new kr.ShardedRedis(ioShards(), TAGGED);
  // Two untagged keys on one shard: fine by default, refused under strictTags.
  let a = "k0";
  let b = null;
  for (let i = 1; b === null; i++) if (r.getShardIndexForKey(`k${i}`) === r.getShardIndexForKey(a)) b = `k${i}`;
  await loose.set(a, 1);
  assert.equal(await loose.rename(a, b), "OK");
  const e = await sendsNothing(() => rejection(r.rename(b, a)));
  assert.ok(e instanceof kr.NotColocatedError && e instanceof kr.CrossShardError && e.strict);
  const t = await sendsNothing(() => rejection(r.multi().set(a, 1).set(b, 1).exec()));
  assert.ok(t instanceof kr.CrossShardTransactionError && t.conflict === "tags" && t.strict);
  // Tagged keys pass; splittable commands are split as usual.
  await r.set("{t}x", 1);
  assert.equal(await r.rename("{t}x", "{t}y"), "OK");
  assert.deepEqual(await r.multi().set("{t}x", 1).get("{t}y").exec(), [[null, "OK"], [null, "1"]]);
  assert.deepEqual(await r.mget(a, "{t}y", "zz"), [null, "1", null]);
  assert.equal(await r.rename("{t}y", "{t}y"), "OK");
  const c = kr.createShardedClient({ shards: await nodeShards(), ...TAGGED, strictTags: true });
  const e2 = await rejection(c.rename(b, a));
  assert.ok(e2 instanceof kr.NotColocatedError);
  // Without hash_tag twemproxy hashes whole keys: "{t}x" and "{t}y" share
  // no tag there, whatever their braces say.
  const whole = new kr.ShardedRedis(ioShards(), { ...OPTIONS, strictTags: true });
  await whole.ping(); // connected: the clients' own handshakes are done
  const e3 = await sendsNothing(() => rejection(whole.rename("{t}x", "{t}y")));
  assert.ok(e3 instanceof kr.CrossShardError);
  // One key repeated passes: nothing can separate it from itself.
  await whole.set("{t}y", 1);
  assert.equal(await whole.rename("{t}y", "{t}y"), "OK");
});

test("fan-out set: PING, DBSIZE, FLUSHDB, SCRIPT LOAD/EXISTS/FLUSH, KEYS on every shard", async () => {
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  const keys = Array.from({ length: 60 }, (_, i) => `f${i}`);
  await r.mset(keys.flatMap((k) => [k, "1"]));
  const counts = await Promise.all(servers.ports.map((p) => raw(p, [["DBSIZE"]]).then(([n]) => n)));
  assert.ok(counts.filter((n) => n > 0).length > 1, "keys should span shards");
  assert.equal(await r.dbsize(), 60);
  assert.equal(await c.dbSize(), 60);
  assert.equal(await r.ping(), "PONG");
  assert.equal(await c.ping(), "PONG");
  assert.deepEqual((await r.keys("f*")).sort(), [...keys].sort());
  assert.deepEqual((await c.keys("f*")).sort(), [...keys].sort());
  const sha = await r.script("LOAD", "return 1");
  assert.match(sha, /^[0-9a-f]{40}$/);
  for (const p of servers.ports) assert.deepEqual(await raw(p, [["SCRIPT", "EXISTS", sha]]), [[1]]);
  // One shard without the script: EXISTS is 0 (element-wise AND).
  await raw(servers.ports[2], [["SCRIPT", "FLUSH"]]);
  assert.deepEqual(await r.script("EXISTS", sha, "0".repeat(40)), [0, 0]);
  await r.script("LOAD", "return 1");
  assert.deepEqual(await r.script("EXISTS", sha), [1]);
  assert.equal(await r.script("FLUSH"), "OK");
  assert.deepEqual(await c.sendCommand(["SCRIPT", "EXISTS", sha]), [0]);
  assert.equal(await r.flushdb(), "OK");
  assert.equal(await r.dbsize(), 0);
  const each = await r.forEachShard((client, name, i) => client.ping().then((p) => `${p}:${name}:${i}`));
  assert.deepEqual(Object.keys(each), [...r.shardNames]);
  assert.equal(each.shard1, "PONG:shard1:1");
});

/** Per server: the calls of one command (its INFO commandstats name). */
async function callsOf(command) {
  return Promise.all(
    servers.ports.map(async (p) => {
      const [info] = await raw(p, [["INFO", "commandstats"]]);
      const m = Buffer.from(info).toString("latin1").match(new RegExp(`^cmdstat_${command}:calls=(\\d+)`, "m"));
      return m === null ? 0 : Number(m[1]);
    }),
  );
}

test("fan-outs by the command tips: CONFIG SET on every shard, SLOWLOG LEN summed, WAIT 0 0 the least", async () => {
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  const own = servers.ports.map((p) => ioredis(p));
  try {
    // CONFIG SET: request_policy:all_nodes, response_policy:all_succeeded.
    assert.equal(await r.call("CONFIG", "SET", "slowlog-log-slower-than", "0"), "OK");
    for (const o of own) assert.deepEqual(await o.call("CONFIG", "GET", "slowlog-log-slower-than"), ["slowlog-log-slower-than", "0"]);
    assert.equal(await c.sendCommand(["SLOWLOG", "RESET"]), "OK");
    const keys = Array.from({ length: 40 }, (_, i) => `slow${i}`);
    await r.mset(keys.flatMap((k) => [k, "1"]));
    assert.equal(await r.ping(), "PONG");
    // A negative threshold logs nothing more: the lengths read below stay put.
    assert.equal(await c.sendCommand(["CONFIG", "SET", "slowlog-log-slower-than", "-1"]), "OK");
    for (const o of own) assert.deepEqual(await o.call("CONFIG", "GET", "slowlog-log-slower-than"), ["slowlog-log-slower-than", "-1"]);
    const lens = await Promise.all(own.map((o) => o.call("SLOWLOG", "LEN")));
    assert.ok(lens.every((n) => n > 0), `every shard logged something: ${lens}`);
    const sum = lens.reduce((a, b) => a + b, 0);
    // SLOWLOG LEN: response_policy:agg_sum.
    assert.equal(await r.call("SLOWLOG", "LEN"), sum);
    assert.equal(await c.sendCommand(["SLOWLOG", "LEN"]), sum);
    // WAIT: response_policy:agg_min; no replica anywhere acknowledges.
    const before = await callsOf("wait");
    assert.equal(await r.call("WAIT", 0, 0), 0);
    assert.equal(await c.sendCommand(["WAIT", "0", "0"]), 0);
    assert.deepEqual(await callsOf("wait"), before.map((n) => n + 2));
  } finally {
    await r.call("CONFIG", "SET", "slowlog-log-slower-than", "10000");
  }
});

test("RANDOMKEY: a key that exists, from a random shard that has one; nil when no shard has one", async () => {
  const r = new kr.ShardedRedis(ioShards(), OPTIONS);
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  const before = await callsOf("randomkey");
  assert.equal(await r.call("RANDOMKEY"), null);
  assert.equal(await c.randomKey(), null);
  assert.deepEqual(await callsOf("randomkey"), before.map((n) => n + 2), "every shard asked");
  // One key: the other shards' nil replies never win.
  await r.set("only", "1");
  for (let i = 0; i < 10; i++) assert.equal(await r.call("RANDOMKEY"), "only");
  assert.equal(await c.randomKey(), "only");
  await r.del("only");
  // Keys on every shard: each answer is one of them, and the answers span shards.
  const keys = Array.from({ length: 80 }, (_, i) => `randomkey:${i}:${i * 7919}`);
  await r.mset(keys.flatMap((k) => [k, "1"]));
  const holding = await Promise.all(servers.ports.map((p) => raw(p, [["DBSIZE"]]).then(([n]) => n)));
  assert.ok(holding.filter((n) => n > 0).length > 1, `keys should span shards: ${holding}`);
  const seen = new Set();
  for (let i = 0; i < 40; i++) {
    const k = i % 2 ? await r.call("RANDOMKEY") : await c.randomKey();
    assert.ok(keys.includes(k), String(k));
    seen.add(r.getShardIndexForKey(k));
  }
  assert.ok(seen.size > 1, "every answer from one shard");
});

test("node-redis: watch pins the shard; a write from elsewhere aborts EXEC; a cross-shard transaction sends nothing", async () => {
  const c = kr.createShardedClient({ shards: await nodeShards(), ...OPTIONS });
  const shard = c.getShardIndexForKey("{u4}a");
  assert.equal(await c.watch("{u4}a"), "OK");
  await raw(servers.ports[shard], [["SET", "{u4}a", "9"]]);
  const e = await rejection(c.multi().set("{u4}a", "3").exec());
  assert.equal(e.constructor, nodeRedis.WatchError);
  assert.equal(await c.get("{u4}a"), "9");
  let other = null;
  for (let i = 0; other === null; i++) if (c.getShardIndexForKey(`o${i}`) !== shard) other = `o${i}`;
  await c.watch(["{u4}a", "{u4}b"]);
  const t = await sendsNothing(() => rejection(c.multi().set(other, "1").exec()));
  assert.ok(t instanceof kr.CrossShardTransactionError);
  assert.deepEqual([...t.positions], [null, 0]);
  assert.equal(await c.unwatch(), "OK");
  assert.equal(await c.unwatch(), "OK");
  assert.deepEqual(await c.multi().set(other, "1").get(other).exec(), ["OK", "1"]);
});

test("constructors refuse bad input with typed errors; a Pool and shards by alias or array", async () => {
  const io = ioredis(servers.ports[0]);
  const bad = [
    [() => new kr.ShardedRedis(null, OPTIONS), TypeError],
    [() => new kr.ShardedRedis({}, OPTIONS), TypeError],
    [() => new kr.ShardedRedis({ [servers.specs[0]]: {} }, OPTIONS), TypeError],
    [() => new kr.ShardedRedis({ [servers.specs[0]]: io }, {}), TypeError],
    [() => new kr.ShardedRedis({ [servers.specs[0]]: io }, { scheme: "nope" }), kr.PartitionError],
    [() => new kr.ShardedRedis({ [servers.specs[0]]: io }, { ...OPTIONS, colour: 1 }), TypeError],
    [() => new kr.ShardedRedis({ [servers.specs[0]]: io }, { ...OPTIONS, strictTags: "yes" }), TypeError],
    [() => new kr.ShardedRedis([io], OPTIONS), TypeError],
    [() => new kr.ShardedRedis({ "not a spec": io }, OPTIONS), kr.PartitionError],
    [() => kr.createShardedClient({ shards: { [servers.specs[0]]: io }, ...OPTIONS }), TypeError],
    [() => kr.createShardedClient(undefined), TypeError],
  ];
  bad.forEach(([make, Class], i) => assert.throws(make, Class, `case ${i}`));
  const pool = new kr.Pool(servers.specs, OPTIONS);
  assert.throws(() => new kr.ShardedRedis([io], { pool }), TypeError);
  assert.throws(() => new kr.ShardedRedis({ shard0: io, shard1: io, shard2: io, nope: io }, { pool }), TypeError);
  assert.throws(() => new kr.ShardedRedis({ shard0: io }, { pool, scheme: "twemproxy-ketama" }), TypeError);
  const byAlias = new kr.ShardedRedis(Object.fromEntries(servers.specs.map((s, i) => [`shard${i}`, ioredis(servers.ports[i])]).reverse()), { pool });
  const byArray = new kr.ShardedRedis(servers.ports.map((p) => ioredis(p)), { pool });
  const fromMap = new kr.ShardedRedis(new Map(servers.specs.map((s, i) => [s, ioredis(servers.ports[i])])), OPTIONS);
  for (const k of ["a", "b", "{x}y", Buffer.from([0xff, 0x00])]) {
    const i = pool.indexFor(k);
    for (const r of [byAlias, byArray, fromMap]) {
      assert.equal(r.getShardIndexForKey(k), i);
      assert.equal(r.getShardNameForKey(k), `shard${i}`);
      assert.equal(r.getShardClientForKey(k), r.clients[i]);
    }
  }
  assert.equal(await byAlias.set("a", "1"), "OK");
  assert.equal(String((await raw(servers.ports[pool.indexFor("a")], [["GET", "a"]]))[0]), "1");
});
