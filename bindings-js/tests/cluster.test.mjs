// Cluster maps without a server: every reply shape ioredis and node-redis
// return, routing, redirects, and typed errors (never a wasm trap) for
// malformed replies, redirects and keys.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as kr from "keyroute";
import { rng } from "./helpers.mjs";

const ID = (n) => String(n).repeat(40).slice(0, 40);
// CLUSTER SLOTS as ioredis returns it: arrays, hosts as strings, ports as numbers.
const SLOTS = [
  [0, 5460, ["127.0.0.1", 7000, ID(1), []], ["127.0.0.1", 7003, ID(4), []]],
  [5461, 10922, ["127.0.0.1", 7001, ID(2), []], ["127.0.0.1", 7004, ID(5), []]],
  [10923, 16383, ["127.0.0.1", 7002, ID(3), []], ["127.0.0.1", 7005, ID(6), []]],
];
const shardNode = (n, port, role, extra = []) => [
  "id", ID(n), "port", port, "ip", "127.0.0.1", "endpoint", "127.0.0.1", "role", role,
  "replication-offset", 98, "health", "online", ...extra,
];
// CLUSTER SHARDS as ioredis returns it under RESP2: flat key/value arrays.
const SHARDS = [
  ["slots", [0, 5460], "nodes", [shardNode(1, 7000, "master"), shardNode(4, 7003, "replica")]],
  ["slots", [5461, 10922], "nodes", [shardNode(2, 7001, "master"), shardNode(5, 7004, "replica")]],
  ["slots", [10923, 16383], "nodes", [shardNode(3, 7002, "master"), shardNode(6, 7005, "replica")]],
];
const flatToObject = (flat) => Object.fromEntries(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));
const flatToMap = (flat) => new Map(Array.from({ length: flat.length / 2 }, (_, i) => [flat[2 * i], flat[2 * i + 1]]));

function layout(c) {
  const out = [];
  for (let s = 0; s < 16384; s += 97) out.push(c.nodeForSlot(s).port);
  return out.join();
}

test("every reply shape gives the same map", () => {
  const want = layout(kr.Cluster.fromSlots(SLOTS));
  const shapes = {
    "SHARDS RESP2 flat arrays": kr.Cluster.fromShards(SHARDS),
    "SHARDS RESP3 objects": kr.Cluster.fromShards(SHARDS.map((s) => ({ ...flatToObject(s), nodes: flatToObject(s).nodes.map(flatToObject) }))),
    "SHARDS RESP3 Maps": kr.Cluster.fromShards(SHARDS.map((s) => { const m = flatToMap(s); m.set("nodes", m.get("nodes").map(flatToMap)); return m; })),
    "SHARDS Buffers": kr.Cluster.fromShards(SHARDS.map((s) => s.map((v) => (typeof v === "string" ? Buffer.from(v) : Array.isArray(v) && typeof v[0] !== "number" ? v.map((n) => n.map((f) => (typeof f === "string" ? Buffer.from(f) : f))) : v)))),
    "SHARDS camelCase fields": kr.Cluster.fromShards(SHARDS.map((s) => ({ slots: flatToObject(s).slots, nodes: flatToObject(s).nodes.map((n) => { const o = flatToObject(n); o.replicationOffset = o["replication-offset"]; delete o["replication-offset"]; o.tlsPort = 17000; return o; }) }))),
    "SLOTS node-redis clusterSlots()": kr.Cluster.fromSlots(SLOTS.map(([from, to, m, ...r]) => ({ from, to, master: { host: m[0], port: m[1], id: m[2] }, replicas: r.map((n) => ({ host: n[0], port: n[1], id: n[2] })) }))),
    "SLOTS bigint ports, string numbers": kr.Cluster.fromSlots(SLOTS.map(([a, b, ...ns]) => [String(a), BigInt(b), ...ns.map((n) => [n[0], BigInt(n[1]), n[2]])])),
  };
  for (const [name, c] of Object.entries(shapes)) {
    assert.equal(layout(c), want, name);
    assert.deepEqual(c.unassigned(), [], name);
    assert.equal(c.shards.length, 3, name);
    c.free();
  }
});

test("nodes are plain frozen objects, one per node and role", () => {
  const c = kr.Cluster.fromShards(SHARDS, { answeredBy: "127.0.0.1" });
  const n = c.nodeFor("{user1000}.following");
  assert.deepEqual(n, {
    host: "127.0.0.1", port: 7000, tlsPort: null, id: ID(1), ip: "127.0.0.1", hostname: null,
    availabilityZone: null, health: "online", role: "primary", addr: "127.0.0.1:7000",
  });
  assert.ok(Object.isFrozen(n));
  assert.equal(c.nodeFor("{user1000}.x"), n, "the same object every time");
  const r = c.nodeFor("{user1000}", { readFrom: "prefer_replica" });
  assert.deepEqual([r.port, r.role], [7003, "replica"]);
  const rr = new Set(Array.from({ length: 4 }, () => c.nodeFor("a", { readFrom: "round_robin" }).port));
  assert.deepEqual([...rr].sort(), [7002, 7005]);
  assert.equal(c.nodeFor("a", { readFrom: { azAffinity: "eu-1" } }).role, "replica");
  assert.deepEqual(c.nodes.map((x) => `${x.port}:${x.role}`), ["7000:primary", "7003:replica", "7001:primary", "7004:replica", "7002:primary", "7005:replica"]);
  assert.deepEqual(c.shards[1].slots, [[5461, 10922]]);
  assert.equal(c.keySlot("{a}b"), kr.keySlot("a"));
  assert.throws(() => c.nodeFor("a", { readFrom: "replica" }), { name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
  assert.throws(() => c.nodeFor(5), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => c.nodeForSlot(16384), { name: "TypeError" });
});

test("groupByNode keeps positions, per node and per slot", () => {
  const c = kr.Cluster.fromSlots(SLOTS);
  const keys = ["a", Buffer.from("b"), "{a}c", "x", "{a}d", "ü"];
  const groups = c.groupByNode(keys);
  const seen = [];
  for (const g of groups) {
    assert.equal(g.role, "primary");
    for (const s of g.slots) {
      for (const p of s.positions) {
        assert.equal(kr.keySlot(keys[p]), s.slot);
        assert.equal(c.nodeFor(keys[p]), g.node);
        seen.push(p);
      }
    }
    assert.deepEqual([...g.positions], g.slots.flatMap((s) => [...s.positions]));
  }
  assert.deepEqual(seen.sort(), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...groups[0].slots[0].positions], [0, 2, 4]);
  assert.deepEqual(c.groupByNode([]), []);
  const replicas = c.groupByNode(keys, { readFrom: "prefer_replica" });
  assert.ok(replicas.every((g) => g.role === "replica" && g.node.role === "replica"));
  assert.throws(() => c.groupByNode(["a", null]), { name: "TypeError", message: "keyroute: keys[1] must be a string or Uint8Array, got null" });
});

test("applyRedirect: MOVED updates the map, ASK does not; every error form", () => {
  const c = kr.Cluster.fromShards(SHARDS);
  const slot = kr.keySlot("{user1000}");
  const before = c.copy();
  const ask = c.applyRedirect(`ASK ${slot} 127.0.0.1:7001`);
  assert.deepEqual(ask, { kind: "ask", slot, host: "127.0.0.1", port: 7001, addr: "127.0.0.1:7001" });
  assert.ok(c.equals(before));
  // ioredis ReplyError and node-redis ErrorReply carry the text as `message`.
  const err = Object.assign(new Error(`MOVED ${slot} 127.0.0.1:7001`), { name: "ReplyError" });
  assert.equal(c.applyRedirect(err).kind, "moved");
  assert.equal(c.nodeFor("{user1000}").port, 7001);
  assert.ok(!c.equals(before));
  // A failover: the replica named by MOVED becomes the primary.
  c.applyRedirect(Buffer.from(`-MOVED 0 127.0.0.1:7003`));
  assert.equal(c.nodeForSlot(0).port, 7003);
  assert.equal(c.nodeForSlot(0, { readFrom: "prefer_replica" }).port, 7000);
  // A new node; an endpoint without a host is the answering node.
  c.applyRedirect("MOVED 1 :7999", { answeredBy: "10.0.0.5" });
  assert.equal(c.nodeForSlot(1).addr, "10.0.0.5:7999");
  for (const [text, reason] of [
    ["MOVED", "notARedirect"], ["ERR wrong", "notARedirect"], ["MOVED 99999 h:1", "badSlot"], ["MOVED -1 h:1", "badSlot"],
    ["MOVED 1 host", "badEndpoint"], ["MOVED 1 h:0", "badEndpoint"], ["MOVED 1 h:99999", "badEndpoint"], ["MOVED 1 :7000", "unknownHost"],
    ["", "notARedirect"], ["MOVED 1 h:1 extra", "notARedirect"],
  ]) {
    assert.throws(() => c.applyRedirect(text), { name: "RedirectError", code: "ERR_KEYROUTE_REDIRECT", reason }, text);
    assert.throws(() => kr.parseRedirect(text), { name: "RedirectError", reason }, text);
  }
  for (const bad of [5, null, {}, undefined]) assert.throws(() => c.applyRedirect(bad), { name: "TypeError" });
  assert.deepEqual(kr.parseRedirect("ASK 5 [::1]:7000"), { kind: "ask", slot: 5, host: "::1", port: 7000, addr: "::1:7000" });
});

test("unassigned slots and SlotNotServedError", () => {
  const c = kr.Cluster.fromSlots([[0, 100, ["h", 1]], [200, 16383, ["h", 2]]]);
  assert.deepEqual(c.unassigned(), [[101, 199]]);
  assert.throws(() => c.nodeForSlot(150), (err) => {
    assert.ok(err instanceof kr.SlotNotServedError && err instanceof kr.TopologyError);
    assert.deepEqual([err.name, err.code, err.slot], ["SlotNotServedError", "ERR_KEYROUTE_SLOT_NOT_SERVED", 150]);
    return true;
  });
  const empty = kr.Cluster.fromSlots([]);
  assert.deepEqual(empty.unassigned(), [[0, 16383]]);
  assert.throws(() => empty.groupByNode(["a"]), { name: "SlotNotServedError" });
});

test("malformed replies: TopologyError naming the part", () => {
  const cases = [
    [() => kr.Cluster.fromSlots("nope"), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SLOTS"],
    [() => kr.Cluster.fromSlots([[0, 1]]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SLOTS[0]"],
    [() => kr.Cluster.fromSlots([[0, 1, ["h", "port"]]]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SLOTS[0][2][1]"],
    [() => kr.Cluster.fromSlots([[0, 1, ["h", 1.5]]]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SLOTS[0][2][1]"],
    [() => kr.Cluster.fromSlots([[0, 1, ["h", 70000]]]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SLOTS[0][2][1]"],
    [() => kr.Cluster.fromSlots([[5, 1, ["h", 1]]]), "ERR_KEYROUTE_BAD_RANGE", "CLUSTER SLOTS[0]"],
    [() => kr.Cluster.fromSlots([[0, 1, ["h", Symbol("x")]]]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SLOTS[0][2][1]"],
    [() => kr.Cluster.fromSlots([[0, 1, [new Date(), 1]]]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SLOTS[0][2][0]"],
    [() => kr.Cluster.fromSlots([[0, 1, ["", 1]]]), "ERR_KEYROUTE_NO_ADDRESS", "CLUSTER SLOTS[0][2]"],
    [() => kr.Cluster.fromSlots([[0, 10, ["a", 1]], [5, 20, ["b", 2]]]), "ERR_KEYROUTE_OVERLAP", null],
    [() => kr.Cluster.fromShards([["slots", [0, 1], "nodes", [["port", 1, "role", "replica", "endpoint", "h"]]]]), "ERR_KEYROUTE_NO_PRIMARY", null],
    [() => kr.Cluster.fromShards([["slots", [0], "nodes", []]]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SHARDS[0].slots"],
    [() => kr.Cluster.fromShards([{ slots: [0, 1], nodes: [{ port: 1, role: "boss", endpoint: "h" }] }]), "ERR_KEYROUTE_MALFORMED_REPLY", "CLUSTER SHARDS[0].nodes[0].role"],
  ];
  for (const [fn, code, at] of cases) {
    assert.throws(fn, (err) => {
      assert.ok(err instanceof kr.TopologyError, String(err));
      assert.equal(err.code, code, err.message);
      if (at !== null) assert.equal(err.at, at, err.message);
      return true;
    });
  }
  const cyclic = [[0, 1]];
  cyclic[0].push(cyclic);
  assert.throws(() => kr.Cluster.fromSlots(cyclic), { name: "TopologyError", code: "ERR_KEYROUTE_MALFORMED_REPLY" });
  assert.throws(() => kr.Cluster.fromSlots(SLOTS, { answeredBy: 5 }), { name: "TypeError" });
  assert.throws(() => kr.Cluster.fromSlots(SLOTS, { policy: "x" }), { name: "TypeError" });
});

test("a policy routes by its rules", () => {
  const p = kr.HashPolicy.enterpriseStandard();
  const c = kr.Cluster.fromSlots(SLOTS, { policy: p });
  assert.equal(c.policy, p);
  assert.equal(c.keySlot("{}a"), 0);
  assert.equal(c.nodeFor("{}a").port, 7000);
  assert.equal(c.nodeFor("x".repeat(50000) + "{}").port, c.nodeForSlot(kr.keySlot("x".repeat(50000) + "{}", { policy: p })).port);
  const groups = c.groupByNode(["{}a", "{}b", "{}c"]);
  assert.equal(groups.length, 1);
  assert.deepEqual([...groups[0].slots[0].positions], [0, 1, 2]);
  const strict = kr.Cluster.fromSlots(SLOTS, { policy: new kr.HashPolicy(["user:(?<tag>\\d+)"]) });
  assert.throws(() => strict.nodeFor("other"), { name: "NoRuleMatchedError" });
  assert.throws(() => strict.groupByNode(["user:1", "user:2", "other"]), { name: "NoRuleMatchedError", position: 2 });
  const s = kr.split(["MGET", "a", "b", "{a}c"]);
  const byNode = s.byNode(kr.Cluster.fromSlots(SLOTS));
  assert.deepEqual(byNode.map((g) => [g.node.port, g.parts]), [[7002, [0]], [7000, [1]]]);
});

test("no input makes the wasm module trap: random replies, argv and redirects", () => {
  const next = rng(7);
  const atoms = [0, 1, -1, 16383, 16384, 65536, 2 ** 53, 1.5, NaN, "", "?", "x", "master", "replica", "slots", "nodes",
    "port", "endpoint", "role", "health", "fail", "127.0.0.1", null, true, Buffer.from([0xff, 0xfe]), 10n ** 30n];
  const random = (depth) => {
    if (depth > 4 || next() < 0.4) return atoms[next.int(atoms.length)];
    const n = next.int(6);
    const arr = Array.from({ length: n }, () => random(depth + 1));
    return next() < 0.2 ? Object.fromEntries(arr.map((v, i) => [`k${i}`, v])) : arr;
  };
  const words = ["GET", "SET", "MGET", "EVAL", "XREAD", "STREAMS", "SORT", "BY", "STORE", "GEORADIUS", "ZUNIONSTORE", "OBJECT", "ENCODING", "MIGRATE", "KEYS", "0", "1", "2", "-1", "99999999999", "", "{", "}", "a", "{a}b"];
  let failures = 0;
  for (let i = 0; i < 3000; i++) {
    const reply = random(0);
    for (const fn of [() => kr.Cluster.fromSlots(reply), () => kr.Cluster.fromShards(reply), () => new kr.CommandTable().extendFromCommandReply(reply)]) {
      try {
        fn();
      } catch (err) {
        if (!(err instanceof kr.KeyrouteError)) failures++, console.log(err);
      }
    }
    const argv = Array.from({ length: 1 + next.int(8) }, () => words[next.int(words.length)]);
    for (const fn of [kr.commandKeys, kr.check, kr.route, kr.split, (a) => kr.commandKeyPositions(a, { mode: "keyspecs" })]) {
      try {
        fn(argv);
      } catch (err) {
        if (!(err instanceof kr.KeyrouteError)) failures++, console.log(argv, err);
      }
    }
    const text = `${["MOVED", "ASK", "moved", ""][next.int(4)]} ${words[next.int(words.length)]} ${words[next.int(words.length)]}:${words[next.int(words.length)]}`;
    try {
      kr.parseRedirect(text);
    } catch (err) {
      if (!(err instanceof kr.RedirectError)) failures++, console.log(text, err);
    }
  }
  assert.equal(failures, 0);
  // And the module still answers.
  assert.equal(kr.check(["MGET", "{t}a", "{t}b"]), kr.keySlot("t"));
});

test("fromIORedis / fromNodeRedis: SHARDS, or SLOTS where the server has no SHARDS", async () => {
  const asked = [];
  const io = (shards) => ({
    options: { host: "10.1.1.1" },
    call: async (...argv) => {
      asked.push(argv.join(" "));
      if (argv[1] === "SHARDS") {
        if (shards === null) throw Object.assign(new Error("ERR unknown subcommand 'SHARDS'"), { name: "ReplyError" });
        return shards;
      }
      return [[0, 16383, ["", 7000]]];
    },
  });
  const a = await kr.Cluster.fromIORedis(io(SHARDS));
  assert.equal(a.nodeForSlot(0).port, 7000);
  const b = await kr.Cluster.fromIORedis(io(null));
  assert.equal(b.nodeForSlot(0).addr, "10.1.1.1:7000"); // the empty host is the client's
  assert.deepEqual(asked, ["CLUSTER SHARDS", "CLUSTER SHARDS", "CLUSTER SLOTS"]);
  // A malformed SHARDS reply is an error, not a reason to fall back.
  await assert.rejects(kr.Cluster.fromIORedis(io([["slots"]])), { name: "TopologyError" });
  const nr = {
    options: { socket: { host: "10.2.2.2" } },
    sendCommand: async (argv) => (argv[1] === "SHARDS" ? Promise.reject(new Error("ERR unknown")) : [[0, 16383, ["?", 7001]]]),
  };
  assert.equal((await kr.Cluster.fromNodeRedis(nr)).nodeForSlot(5).addr, "10.2.2.2:7001");
});

/** Every group as plain data, for comparing two groupings. */
function groupsData(groups) {
  return groups.map((g) => ({
    addr: g.node.addr,
    role: g.role,
    nodeRole: g.node.role,
    positions: [...g.positions],
    slots: g.slots.map((s) => [s.slot, [...s.positions]]),
  }));
}

/** What `fn` returns as plain data, or the error it throws (name, code, message, fields). */
function outcome(fn) {
  try {
    return groupsData(fn());
  } catch (err) {
    return { error: err.name, code: err.code, message: err.message, ...err };
  }
}

test("groupByNode equals the core's own grouping: random keys, every read-from, policies, errors", () => {
  const next = rng(0x9e3779b9);
  const pick = (a) => a[next.int(a.length)];
  const parts = ["a", "b", "user:", "{t}", "{", "}", "{}", "ü", "\u{1F600}", "\uD800", "x".repeat(70), "7", ":"];
  const key = () => {
    let s = "";
    for (let n = next.int(5); n >= 0; n--) s += pick(parts);
    if (next.int(500) === 0) s += "y".repeat(17000); // larger than the scratch buffer
    return next.int(3) === 0 ? Buffer.from(s) : s;
  };
  const SHARDS_REPLICAS = SHARDS.map((s, i) => [
    "slots", s[1], "nodes", [...s[3], shardNode(7 + i, 7006 + i, "replica", ["availability-zone", i % 2 ? "z1" : "z2"])],
  ]);
  const layouts = [
    [(o) => kr.Cluster.fromSlots(SLOTS, o)],
    [(o) => kr.Cluster.fromShards(SHARDS_REPLICAS, o)],
    [(o) => kr.Cluster.fromSlots([[0, 100, ["h", 1]], [200, 16383, ["h", 2]]], o)],
  ];
  const policies = [undefined, kr.HashPolicy.enterpriseStandard(), new kr.HashPolicy(["user:(?<tag>\\d*)", "(?<tag>.)"])];
  const reads = [undefined, { readFrom: "primary" }, { readFrom: "prefer_replica" }, { readFrom: "round_robin" }, { readFrom: { azAffinity: "z1" } }];
  let compared = 0;
  for (const [make] of layouts) {
    for (const policy of policies) {
      for (const read of reads) {
        // Two maps in the same state: reads that take turns advance alike.
        const ours = make({ policy });
        const core = make({ policy });
        for (let round = 0; round < 25; round++) {
          const n = [0, 1, 2, 5, 40, 300, 1500][next.int(7)];
          const keys = Array.from({ length: n }, key);
          if (next.int(20) === 0 && n > 0) keys[next.int(n)] = pick([null, 5, {}, new Uint16Array(2)]);
          const a = outcome(() => ours.groupByNode(keys, read));
          const b = outcome(() => core._groupByNodeWasm(keys, core._readFrom(read)));
          assert.deepEqual(a, b, `layout ${layouts.findIndex((l) => l[0] === make)}, round ${round}`);
          compared++;
        }
      }
    }
  }
  assert.ok(compared > 1000);
  // A map changed by MOVED routes by its new owner.
  const c = kr.Cluster.fromSlots(SLOTS);
  const before = c.groupByNode(["a"])[0].node.port;
  c.applyRedirect(`MOVED ${kr.keySlot("a")} 127.0.0.1:${before === 7000 ? 7001 : 7000}`);
  assert.notEqual(c.groupByNode(["a"])[0].node.port, before);
  assert.deepEqual(groupsData(c.groupByNode(["a", "b"])), groupsData(c._groupByNodeWasm(["a", "b"], 0)));
  // Iterables, and groups' slots made once.
  const g = c.groupByNode(new Set(["a", "b", "{a}c"]));
  assert.equal(g[0].slots, g[0].slots);
});

test("read strategies are named as the core names them; 0.1's spellings still work", () => {
  const c = kr.Cluster.fromSlots([[0, 16383, ["127.0.0.1", 7000], ["127.0.0.1", 7004]]]);
  for (const name of ["prefer_replica", "prefer-replica", "preferReplica"]) {
    assert.equal(c.nodeFor("a", { readFrom: name }).port, 7004, name);
  }
  assert.throws(
    () => c.nodeFor("a", { readFrom: "prefer_replicas" }),
    (e) => e instanceof TypeError && e.code === "ERR_INVALID_ARG_VALUE" && /expected "primary", "prefer_replica", "round_robin"/.test(e.message),
  );
});
