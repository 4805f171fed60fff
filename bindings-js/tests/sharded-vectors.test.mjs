// tests/vectors/sharded.json (generated from the core by
// core/tests/sharded_vectors.rs): the planning the sharded clients do
// (ShardRouter.plan / planPipeline, ShardSession) gives exactly the core's
// steps, reduce data, refusal codes, messages, shard names and indexes,
// positions and session states, under a pool and a cluster map, with and
// without strict tags; applyReduce gives every reduce case's result.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { VECTORS_DIR } from "./helpers.mjs";

const doc = JSON.parse(readFileSync(join(VECTORS_DIR, "sharded.json"), "utf8"));

const camel = (s) => s.replace(/_(.)/g, (_, c) => c.toUpperCase());

/** The router of a placement of the file, seeded as the scenario says. */
function router(name, seed) {
  const p = doc.placements[name];
  const options = { strictTags: p.strict_tags, seed };
  if (p.kind === "pool") {
    const poolOptions = Object.fromEntries(Object.entries(p.options).map(([k, v]) => [camel(k), v]));
    return kr.ShardRouter.forPool(new kr.Pool(p.servers, { scheme: p.scheme, ...poolOptions }), options);
  }
  const cluster = kr.Cluster.fromSlots(p.slots.map(([a, b, host, port]) => [a, b, [host, port]]));
  return kr.ShardRouter.forCluster(cluster, p.primaries, options);
}

/** A Reduce as the file writes it. */
function reduceOut(r) {
  if (r.kind === "order") return { order: [...r.order] };
  if (r.kind === "random") return { random: r.pick };
  return r.kind;
}

/** A Reduce from the file. */
function reduceIn(r) {
  if (typeof r === "string") return { kind: r };
  if ("order" in r) return { kind: "order", order: Uint32Array.from(r.order) };
  return { kind: "random", pick: r.random };
}

/** A Step as the file writes it. */
function stepOut(s) {
  switch (s.kind) {
    case "one":
      return { one: s.shard };
    case "split":
      return {
        split: {
          key_count: s.keyCount,
          parts: s.parts.map((p) => ({ argv: [...p.argv], keys: [...p.keys], shard: p.shard })),
          reduce: reduceOut(s.reduce),
        },
      };
    case "fan_out":
      return { fan_out: { reduce: reduceOut(s.reduce), shards: [...s.shards] } };
    default:
      assert.fail(`unknown step ${s.kind}`);
  }
}

const CLASSES = {
  ERR_KEYROUTE_CROSS_SHARD: kr.CrossShardError,
  ERR_KEYROUTE_NOT_COLOCATED: kr.NotColocatedError,
  ERR_KEYROUTE_CROSS_SHARD_TRANSACTION: kr.CrossShardTransactionError,
  ERR_KEYROUTE_KEYLESS: kr.KeylessCommandError,
  ERR_KEYROUTE_UNROUTABLE: kr.UnroutableCommandError,
  ERR_KEYROUTE_TRANSACTION_STATE: kr.TransactionStateError,
};

/** A refusal as the file writes it, after checking its class against its code. */
function errorOut(e) {
  assert.ok(e instanceof kr.ShardingError, `${e}`);
  assert.equal(e.constructor, CLASSES[e.code], `${e.code}: ${e.constructor.name}`);
  assert.equal(e.constructor.code, e.code);
  assert.ok(e.message.startsWith("keyroute: "), e.message);
  return {
    code: e.code,
    command: e.command,
    indexes: [...(e.shardIndexes ?? [])],
    message: e.message.slice("keyroute: ".length),
    position: e.position,
    shards: [...(e.shards ?? [])],
  };
}

function state(s) {
  return { in_multi: s.inMulti, pinned: s.pinned, queued: s.queued, watching: s.watching };
}

/** Runs one op; returns what the file's `expect` says besides the state. */
function run(op, r, s) {
  switch (op.op) {
    case "plan":
      return { step: stepOut(r.plan(op.argv)) };
    case "pipeline": {
      const p = r.planPipeline(op.commands);
      return {
        pipeline: {
          batches: p.batches.map((b) => b.map((send) => [send.command, send.part])),
          replies: p.replies.map((at) => at.map(([shard, i]) => [shard, i])),
          steps: p.steps.map(stepOut),
        },
      };
    }
    case "watch":
      return { shard: s.watch(r, op.argv) };
    case "while_watching":
      return { shard: s.whileWatching(r, op.argv) };
    case "unwatch":
      return { shard: s.unwatch() };
    case "multi":
      s.multi();
      return {};
    case "queue":
      s.queue(r, op.argv);
      return {};
    case "exec":
      return { shard: s.exec() };
    case "transaction":
      return { shard: s.transaction(r, op.commands) };
    case "reset":
      return { shard: s.reset() };
    default:
      assert.fail(`unknown op ${op.op}`);
  }
}

test("the file has every placement and op kind, and refusals of every code", () => {
  assert.deepEqual(Object.keys(doc.placements).sort(), ["cluster", "cluster-strict", "pool", "pool-strict"]);
  const ops = new Set(doc.scenarios.flatMap((s) => s.ops.map((o) => o.op)));
  assert.deepEqual([...ops].sort(), ["exec", "multi", "pipeline", "plan", "queue", "reset", "transaction", "unwatch", "watch", "while_watching"]);
  const codes = new Set(doc.scenarios.flatMap((s) => s.ops.flatMap((o) => (o.expect.error ? [o.expect.error.code] : []))));
  assert.deepEqual([...codes].sort(), Object.keys(CLASSES).sort());
});

for (const scenario of doc.scenarios) {
  test(`${scenario.placement}: ${scenario.name}`, () => {
    const r = router(scenario.placement, scenario.seed);
    const names = doc.placements[scenario.placement].kind === "pool"
      ? doc.placements[scenario.placement].servers.map((s) => s.slice(s.indexOf(" ") + 1))
      : doc.placements[scenario.placement].primaries;
    assert.deepEqual([...r.names], names);
    const s = new kr.ShardSession();
    scenario.ops.forEach((op, i) => {
      const what = `op ${i} (${op.op} ${JSON.stringify(op.argv ?? op.commands ?? "")})`;
      const { state: want, ...expected } = op.expect;
      let got;
      try {
        got = run(op, r, s);
      } catch (e) {
        got = { error: errorOut(e) };
      }
      assert.deepEqual(got, expected, what);
      assert.deepEqual(state(s), want, `${what}: session state`);
    });
  });
}

/** A reply of the file as a JS client gives it. */
function replyIn(v) {
  const [[kind, x]] = Object.entries(v);
  switch (kind) {
    case "int":
    case "bool":
    case "str":
      return x;
    case "nil":
      return null;
    case "error":
      return new Error(x);
    case "array":
      return x.map(replyIn);
    default:
      assert.fail(`unknown reply ${kind}`);
  }
}

/** A JS reply as the file writes it. */
function replyOut(v) {
  if (v === null) return { nil: null };
  if (v instanceof Error) return { error: v.message };
  if (Array.isArray(v)) return { array: v.map(replyOut) };
  if (typeof v === "boolean") return { bool: v };
  if (typeof v === "number") return { int: v };
  if (typeof v === "string") return { str: v };
  assert.fail(`unexpected reply ${v}`);
}

test("applyReduce gives every reduce case's result", () => {
  assert.ok(doc.reduce.length > 0);
  const kinds = new Set();
  for (const c of doc.reduce) {
    const rule = reduceIn(c.reduce);
    kinds.add(rule.kind);
    assert.deepEqual(replyOut(kr.applyReduce(rule, c.replies.map(replyIn))), c.expect, JSON.stringify(c));
  }
  assert.deepEqual([...kinds].sort(), ["all_succeeded", "and", "concat", "max", "min", "one_succeeded", "or", "order", "random", "sum"]);
});

test("the sharding error tree: each class its static code, instances their own", () => {
  const tree = [
    [kr.ShardingError, kr.KeyrouteError, "ERR_KEYROUTE_SHARDING"],
    [kr.CrossShardError, kr.ShardingError, "ERR_KEYROUTE_CROSS_SHARD"],
    [kr.NotColocatedError, kr.CrossShardError, "ERR_KEYROUTE_NOT_COLOCATED"],
    [kr.CrossShardTransactionError, kr.CrossShardError, "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION"],
    [kr.KeylessCommandError, kr.ShardingError, "ERR_KEYROUTE_KEYLESS"],
    [kr.UnroutableCommandError, kr.ShardingError, "ERR_KEYROUTE_UNROUTABLE"],
    [kr.TransactionStateError, kr.ShardingError, "ERR_KEYROUTE_TRANSACTION_STATE"],
  ];
  for (const [Class, Parent, code] of tree) {
    assert.equal(Object.getPrototypeOf(Class), Parent, Class.name);
    assert.equal(Class.code, code, Class.name);
    const e = new Class("keyroute: m", code);
    assert.ok(e instanceof Error && e instanceof kr.KeyrouteError);
    assert.equal(e.code, code);
    assert.equal(e.name, Class.name);
  }
});

/** The error `fn` throws (fails if it returns). */
function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail("expected a refusal");
}

test("refusals carry what their kind names: transaction origins, slots, reasons, causes", () => {
  const pool = router("pool", 0);
  const session = new kr.ShardSession();
  session.watch(pool, ["WATCH", "user:1"]);
  const t = thrown(() => session.transaction(pool, [["SET", "user:1", "1"], ["GET", "user:10"]]));
  assert.ok(t instanceof kr.CrossShardTransactionError);
  assert.deepEqual([...t.positions], [null, 1]);
  assert.deepEqual([...t.commands], ["WATCH", "GET"]);
  assert.equal(t.conflict, "shards");
  assert.equal(t.slots, null);
  assert.ok(session.watching, "a refused transaction leaves the watch");
  const c = thrown(() => router("cluster", 0).plan(["RENAME", "user:1", "user:3"]));
  assert.ok(c instanceof kr.CrossShardError);
  assert.deepEqual([...c.slots], [10778, 2648]);
  const tx = thrown(() => new kr.ShardSession().transaction(router("cluster", 0), [["SET", "item:1", "1"], ["SET", "item:5", "1"]]));
  assert.equal(tx.conflict, "slots");
  assert.deepEqual([...tx.slots], [13307, 13183]);
  // "a" hashed whole and "{a}1" hashed by its tag "a": one shard, no common tag.
  const tags = thrown(() => new kr.ShardSession().transaction(router("pool-strict", 0), [["SET", "a", "1"], ["SET", "{a}1", "1"]]));
  assert.ok(tags instanceof kr.CrossShardTransactionError);
  assert.equal(tags.conflict, "tags");
  assert.equal(tags.strict, true);
  const nc = thrown(() => router("pool-strict", 0).plan(["RENAME", "a", "{a}1"]));
  assert.ok(nc instanceof kr.NotColocatedError && nc instanceof kr.CrossShardError);
  for (const [argv, reason] of [[["TIME"], "no_policy"], [["INFO"], "special"], [["SLOWLOG", "GET"], "per_shard"]]) {
    const k = thrown(() => pool.plan(argv));
    assert.ok(k instanceof kr.KeylessCommandError && k.reason === reason, `${argv}: ${k.reason}`);
  }
  const u = thrown(() => pool.plan(["GET"]));
  assert.ok(u instanceof kr.UnroutableCommandError && u.cause instanceof kr.WrongArityError, String(u.cause));
  const m = thrown(() => {
    const s = new kr.ShardSession();
    s.multi();
    s.multi();
  });
  assert.ok(m instanceof kr.TransactionStateError);
});

test("bad arguments are TypeErrors; shardOf agrees with the pool and the cluster map", () => {
  const r = router("pool", 0);
  assert.throws(() => r.plan("GET a"), TypeError);
  assert.throws(() => r.plan(["GET", 5]), TypeError);
  assert.throws(() => r.planPipeline([["GET", "a"], "GET b"]), TypeError);
  assert.throws(() => r.planPipeline([["GET", "a"], ["GET", {}]]), /commands\[1\]\[1\]/);
  assert.throws(() => new kr.ShardSession().watch(r, null), TypeError);
  assert.throws(() => kr.ShardRouter.forPool({}), TypeError);
  assert.throws(() => kr.ShardRouter.forCluster({ _map: {} }, []), TypeError);
  assert.throws(() => kr.ShardRouter.forCluster(kr.Cluster.fromSlots([[0, 16383, ["127.0.0.1", 7000]]]), [7000]), TypeError);
  assert.throws(() => kr.ShardRouter.forPool(new kr.Pool(["a:1"], { scheme: "twemproxy-ketama" }), { seed: -1 }), TypeError);
  const p = doc.placements.pool;
  const pool = new kr.Pool(p.servers, { scheme: p.scheme });
  const c = router("cluster", 0);
  for (const key of ["user:1", "user:10", "{t}x", Buffer.from([0xff, 0]), "k".repeat(40000)]) {
    assert.equal(r.shardOf(key), pool.indexFor(key));
    const slot = kr.keySlot(key);
    assert.equal(c.shardOf(key), slot <= 5460 ? 0 : slot <= 10922 ? 1 : 2);
  }
  assert.throws(() => kr.ShardRouter.forCluster(kr.Cluster.fromSlots([[0, 16383, ["127.0.0.1", 7000]]]), ["127.0.0.1:7001"]), kr.TopologyError);
});

test("partial: what a split or fan-out some of whose shards gave no reply amounts to, as the core decides", () => {
  assert.ok(doc.partial.length > 0);
  for (const c of doc.partial) {
    const r = router(c.placement, 0);
    const got = r.partial(c.argv, c.outcomes);
    const name = `${c.placement} ${c.argv.join(" ")} ${c.outcomes.join(",")}`;
    if (c.expect === null) {
      assert.equal(got, null, name);
      continue;
    }
    const e = c.expect.error;
    assert.ok(got instanceof (e.write ? kr.PartialWriteError : kr.PartialReplyError), name);
    assert.equal(got.code, e.code, name);
    assert.equal(got.message, `keyroute: ${e.message}`, name);
    assert.equal(got.command, e.command, name);
    assert.equal(got.position, e.position, name);
    assert.equal(got.write, e.write, name);
    assert.deepEqual(got.applied, e.applied, name);
    assert.deepEqual(got.appliedIndexes, e.applied_indexes, name);
    assert.deepEqual(got.shards, e.shards, name);
    assert.deepEqual(got.failed, e.shards, name);
    assert.deepEqual(got.shardIndexes, e.indexes, name);
    assert.deepEqual(got.failedIndexes, e.indexes, name);
  }
});
