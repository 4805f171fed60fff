// Bounds, in the JS package: more shards than a map holds, MOVED storms,
// huge rings, keys larger than Redis allows, pools by the thousand, objects
// dropped without free(), and `using`. Each is a typed error or the right
// answer within a memory ceiling, never a wasm trap, a misroute or growth
// without bound. Memory is read from a fresh instance of dist/keyroute.js.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as kr from "keyroute";
import { instrumented } from "./helpers.mjs";

const host = (i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`;
const MiB = 1024 * 1024;

function shardsReply(n, owningFrom) {
  const out = [];
  for (let i = 0; i < n; i++) {
    const slots = i >= owningFrom ? [i - owningFrom, i - owningFrom] : [];
    out.push(["slots", slots, "nodes", [["port", 7000, "endpoint", host(i), "role", "master"]]]);
  }
  return out;
}

test("more than 65535 shards are a TopologyError, never a misroute", () => {
  assert.throws(() => kr.Cluster.fromShards(shardsReply(70_000, 65_535)), (err) => {
    assert.ok(err instanceof kr.TopologyError, String(err));
    assert.equal(err.code, "ERR_KEYROUTE_TOO_MANY_SHARDS");
    assert.equal(err.max, 65535);
    return true;
  });
  const m = kr.Cluster.fromShards(shardsReply(65_535, 65_535 - 16384));
  for (const slot of [0, 1, 4464, 16383]) assert.equal(m.nodeForSlot(slot).host, host(65_535 - 16384 + slot));
  m.free();
});

test("a MOVED storm to new nodes routes right, forgets the rest, reads only what changed", () => {
  // 70,000 MOVEDs, each to a node never seen: the map kept every node and
  // re-read the whole node list after each one.
  const m = kr.Cluster.fromSlots([[0, 16383, ["10.0.0.1", 7000]]]);
  const n = 70_000;
  for (let i = 0; i < n; i++) {
    const slot = (i * 7) % 16384;
    const r = m.applyRedirect(`MOVED ${slot} ${host(i)}:${7000 + (i % 7)}`);
    assert.equal(r.slot, slot);
    if (i % 997 === 0) assert.equal(m.nodeForSlot(slot).addr, `${host(i)}:${7000 + (i % 7)}`);
  }
  assert.equal(m.nodes.length, 16384);
  assert.equal(m.shards.length, 16384);
  for (let i = n - 16384; i < n; i += 101) {
    const node = m.nodeFor(String.fromCharCode(97 + (i % 26)) + i, { readFrom: "preferReplica" });
    assert.equal(node.role, "primary");
  }
  for (let i = n - 16384; i < n; i++) {
    const node = m.nodeForSlot((i * 7) % 16384);
    if (node.addr !== `${host(i)}:${7000 + (i % 7)}`) assert.fail(`slot ${(i * 7) % 16384}: ${node.addr}`);
  }
  const groups = m.groupByNode(["a", "b", "c"]);
  assert.equal(groups.reduce((s, g) => s + g.positions.length, 0), 3);
  m.free();
});

test("huge rings are PartitionErrors naming the limit", () => {
  const servers = ["10.0.0.1:6379", "10.0.0.2:6379", "10.0.0.3:6379"];
  for (const [scheme, vnodes] of [["node-hashring", 5e7], ["uhashring", 2 ** 31 - 1]]) {
    assert.throws(() => new kr.Pool(servers, { scheme, vnodes }), (err) => {
      assert.ok(err instanceof kr.PartitionError, String(err));
      assert.equal(err.code, "ERR_KEYROUTE_PARTITION_TOO_MANY_POINTS");
      assert.equal(err.max, 4194304);
      assert.ok(err.points > err.max);
      return true;
    });
  }
  assert.equal(kr.keySlot("foo"), 12182);
});

test("keys of 2 GiB and over 512 MiB are RangeErrors before wasm, never a trap", async () => {
  const { m, memory } = await instrumented();
  const before = memory();
  // Allocated, not written: no page is touched unless it is copied.
  const huge = new Uint8Array(2 ** 31);
  const over = new Uint8Array(512 * MiB + 1);
  const pool = new m.Pool(["10.0.0.1:6379", "10.0.0.2:6379"], { scheme: "jump" });
  const cluster = m.Cluster.fromSlots([[0, 16383, ["10.0.0.1", 7000]]], { policy: m.HashPolicy.enterpriseStandard() });
  const policy = new m.HashPolicy(["(?<tag>.*)"]);
  const table = new m.CommandTable();
  for (const key of [huge, over]) {
    for (const call of [
      () => m.keySlot(key),
      () => m.keySlots(["a", key]),
      () => m.hashTag(key),
      () => m.crc16(key),
      () => m.patternSlot(key),
      () => pool.nodeFor(key),
      () => pool.indexesFor([key]),
      () => cluster.nodeFor(key),
      () => cluster.groupByNode(["a", key]),
      () => policy.keySlot(key),
      () => m.commandKeys(["SORT", key, "BY", "x"]),
      () => table.check(["MGET", "a", key]),
    ]) {
      assert.throws(call, (err) => {
        assert.ok(err instanceof RangeError, `${call}: ${err}`);
        assert.equal(err.code, "ERR_OUT_OF_RANGE");
        assert.match(err.message, /536870912/);
        return true;
      });
    }
  }
  // A command whose keys the JS side finds from the table's ranges never
  // copies them into wasm: the key comes back as given.
  assert.equal(m.commandKeys(["GET", huge])[0], huge);
  // Nothing was copied into wasm memory, and everything still works.
  assert.ok(memory() - before < 8 * MiB, `${memory() - before} bytes`);
  assert.equal(m.keySlot("foo"), 12182);
  assert.equal(m.keySlot(new Uint8Array(64 * 1024)), m.keySlot(Buffer.alloc(64 * 1024)));
  pool.free();
  cluster.free();
  policy.free();
  table.free();
});

test("many nutcracker pools are read in linear time", () => {
  let yaml = "";
  for (let i = 0; i < 50_000; i++) yaml += `p${i}:\n  listen: 127.0.0.1:${1 + (i % 60000)}\n  servers:\n   - 10.0.0.1:6379:1\n`;
  const pool = kr.Pool.fromNutcracker(yaml, { pool: "p49999" });
  assert.deepEqual(pool.servers, ["10.0.0.1:6379:1"]);
  pool.free();
  assert.throws(() => kr.Pool.fromNutcracker(yaml + "p7:\n  listen: 1.1.1.1:1\n  servers:\n   - 1.1.1.1:1:1\n", { pool: "p1" }), {
    name: "ConfigError",
    pool: "p7",
  });
});

test("100,000 maps and pools dropped without free() share their tables", async () => {
  // Each Cluster held a 32 KiB slot table in wasm memory until a finalizer
  // ran (3.3 GB for these), each Pool its ring (670 MB).
  const { m, memory } = await instrumented();
  const slots = [[0, 5460, ["10.0.0.1", 7000]], [5461, 10922, ["10.0.0.2", 7001]], [10923, 16383, ["10.0.0.3", 7002]]];
  const keep = m.Cluster.fromSlots(slots);
  let before = memory();
  for (let i = 0; i < 100_000; i++) m.Cluster.fromSlots(slots);
  const clusters = memory() - before;
  const servers = ["10.0.0.1:6379:1", "10.0.0.2:6379:1", "10.0.0.3:6379:1"];
  const keepPool = new m.Pool(servers, { scheme: "twemproxy-ketama" });
  before = memory();
  for (let i = 0; i < 100_000; i++) new m.Pool(servers, { scheme: "twemproxy-ketama" });
  const pools = memory() - before;
  console.log(`# wasm memory for 100,000 dropped: Cluster ${(clusters / MiB).toFixed(1)} MiB, Pool ${(pools / MiB).toFixed(1)} MiB`);
  assert.ok(clusters < 160 * MiB, `${clusters} bytes`);
  assert.ok(pools < 48 * MiB, `${pools} bytes`);
  // Sharing never changes an answer: a map that moves a slot has its own table.
  const a = m.Cluster.fromSlots(slots);
  const b = m.Cluster.fromSlots(slots);
  a.applyRedirect("MOVED 0 10.0.0.9:7000");
  assert.equal(a.nodeForSlot(0).host, "10.0.0.9");
  assert.equal(b.nodeForSlot(0).host, "10.0.0.1");
  assert.equal(keep.nodeForSlot(0).host, "10.0.0.1");
  for (const x of [keep, keepPool, a, b]) x.free();
});

test("every class with free() has [Symbol.dispose] (using)", () => {
  assert.equal(typeof Symbol.dispose, "symbol", "this Node has Symbol.dispose");
  const objects = [
    kr.Cluster.fromSlots([[0, 16383, ["10.0.0.1", 7000]]]),
    new kr.CommandTable(),
    new kr.HashPolicy(["(?<tag>.*)"]),
    new kr.Pool(["10.0.0.1:6379"], { scheme: "jump" }),
  ];
  for (const o of objects) {
    assert.equal(o[Symbol.dispose], o.free, o.constructor.name);
    o[Symbol.dispose]();
    // Freed: using it now is an error, not a wrong answer.
    assert.throws(() => (o instanceof kr.Cluster ? o.nodeForSlot(0) : o instanceof kr.Pool ? o.nodeFor("a") : o instanceof kr.HashPolicy ? o.keySlot("a") : o.check(["GET", "a"])));
  }
});
