// Commands: every COMMAND GETKEYSANDFLAGS answer of a real redis-server
// (tests/vectors/getkeys.json) in keyspecs mode, and the routing API:
// check, checkTransaction, route, split, CommandTable, typed errors.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { VECTORS_DIR, fromHex, mismatches, rng } from "./helpers.mjs";

const doc = JSON.parse(readFileSync(join(VECTORS_DIR, "getkeys.json"), "utf8"));
const hex = (u) => Buffer.from(u).toString("hex");

// The server's refusals and the typed errors that must stand for them
// (core/tests/getkeys_vectors.rs maps them the same way).
const REFUSALS = {
  "ERR Invalid command specified": ["UnknownCommandError"],
  "ERR The command has no key arguments": ["NoKeyArgumentsError"],
  "ERR Invalid number of arguments specified for command": ["WrongArityError"],
  "ERR Invalid arguments specified for command": ["InvalidArgumentsError"],
};

test(`every getkeys vector in keyspecs mode (${doc.cases.length})`, () => {
  assert.ok(doc.cases.length > 1500);
  const check = mismatches();
  let unanswerable = 0;
  for (const c of doc.cases) {
    const argv = c.argv.map(fromHex);
    const name = argv.map((a) => Buffer.from(a).toString("latin1")).join(" ");
    let got;
    try {
      got = kr.commandKeyPositions(argv, { mode: "keyspecs" });
    } catch (err) {
      assert.ok(err instanceof kr.CommandError, `${name}: ${err}`);
      got = err;
    }
    if (c.keys !== undefined) {
      if (got instanceof Error) {
        check(name, got.name, "keys");
        continue;
      }
      const have = got.map((k) => [hex(argv[k.position]), k.flags]);
      check(name, JSON.stringify(have), JSON.stringify(c.keys));
      // commandKeys gives the same arguments, as the objects passed in.
      const keys = kr.commandKeys(argv, { mode: "keyspecs" });
      check(`${name} (commandKeys)`, keys.every((k, i) => k === argv[got[i].position]), true);
    } else if (c.error.includes("'command|getkeysandflags'")) {
      unanswerable++; // the server cannot be asked about a one-word argv
    } else {
      const want = REFUSALS[c.error];
      assert.ok(want, `unknown server error ${c.error}`);
      check(name, got instanceof Error ? got.name : "keys", want[0]);
    }
  }
  assert.ok(unanswerable <= 10);
  check.done();
});

test("string and byte arguments give the same keys; strings come back as given", () => {
  const argv = ["ZUNIONSTORE", "{t}out", "2", "{t}a", "{t}b"];
  assert.deepEqual(kr.commandKeys(argv), ["{t}a", "{t}b", "{t}out"]);
  const bytes = argv.map((a) => Buffer.from(a));
  assert.deepEqual(kr.commandKeys(bytes).map(String), ["{t}a", "{t}b", "{t}out"]);
  assert.deepEqual(kr.commandKeys(["GET", "ключ"]), ["ключ"]);
  assert.deepEqual(kr.commandKeyPositions(["SORT", "s", "STORE", "d"], { mode: "keyspecs" }), [
    { position: 1, flags: ["RO", "access"] },
    { position: 3, flags: ["OW", "update"] },
  ]);
  // Routing mode: sharded Pub/Sub channels are keys; no flags.
  assert.deepEqual(kr.commandKeyPositions(["SPUBLISH", "ch", "msg"]), [{ position: 1, flags: [] }]);
});

test("check: the one slot, null for no keys, CrossSlotError naming both keys", () => {
  assert.equal(kr.check(["MSET", "{t}a", "1", "{t}b", "2"]), kr.keySlot("t"));
  assert.equal(kr.check(["PING"]), null);
  assert.throws(() => kr.check(["MGET", "a", Buffer.from("b")]), (err) => {
    assert.ok(err instanceof kr.CrossSlotError && err instanceof kr.CommandError && err instanceof kr.KeyrouteError);
    assert.equal(err.name, "CrossSlotError");
    assert.equal(err.code, "ERR_KEYROUTE_CROSSSLOT");
    assert.equal(err.firstKey, "a");
    assert.deepEqual(err.otherKey, Buffer.from("b"));
    assert.deepEqual([err.firstSlot, err.otherSlot, err.firstPosition, err.otherPosition], [15495, 3300, 1, 2]);
    return true;
  });
});

test("checkTransaction: one slot across commands, or both keys named", () => {
  assert.equal(kr.checkTransaction([["SET", "{x}a", "1"], ["GET", "{x}b"], ["PING"]]), kr.keySlot("x"));
  assert.equal(kr.checkTransaction([]), null);
  assert.throws(() => kr.checkTransaction([["SET", "{x}a", "1"], ["GET", "y"]]), {
    name: "CrossSlotTransactionError",
    code: "ERR_KEYROUTE_CROSSSLOT_TRANSACTION",
    firstKey: "{x}a",
    otherKey: "y",
    firstPosition: [0, 1],
    otherPosition: [1, 1],
  });
});

test("route: targets and response policies", () => {
  assert.deepEqual(kr.route(["GET", "a"]), { target: "slot", slot: 15495, response: null });
  assert.deepEqual(kr.route(["DBSIZE"]), { target: "all_primaries", slot: null, response: "agg_sum" });
  assert.deepEqual(kr.route(["MGET", "a", "b"]), { target: "multi_shard", slot: null, response: null });
  assert.equal(kr.route(["ECHO", "x"]).target, "any_node");
  assert.deepEqual(kr.route(["PING"]), { target: "all_primaries", slot: null, response: "all_succeeded" });
  assert.throws(() => kr.route(["SUNION", "a", "b"]), { name: "CrossSlotError" });
});

test("split: per-slot sub-commands with the original arguments, and how to merge", () => {
  const s = kr.split(["MSET", "a", "1", "b", "2", "{a}c", "3"]);
  assert.ok(s instanceof kr.Split);
  assert.equal(s.merge, "all_ok");
  assert.equal(s.keyCount, 3);
  assert.deepEqual(s.parts, [
    { slot: 15495, argv: ["MSET", "a", "1", "{a}c", "3"], keys: [0, 2] },
    { slot: 3300, argv: ["MSET", "b", "2"], keys: [1] },
  ]);
  assert.equal(kr.split(["DEL", "a", "b"]).merge, "sum");
  assert.equal(kr.split(["MGET", "a", "b"]).merge, "by_key_position");
  assert.equal(kr.split(["GET", "a"]).merge, "single");
  assert.throws(() => kr.split(["MSETNX", "a", "1", "b", "2"]), {
    name: "NotSplittableError",
    code: "ERR_KEYROUTE_NOT_SPLITTABLE",
    command: "msetnx",
  });
});

test("errors name the command, the subcommand, the arity", () => {
  assert.throws(() => kr.commandKeys(["NOPE", "a"]), { name: "UnknownCommandError", command: "NOPE", subcommand: null });
  assert.throws(() => kr.commandKeys(["OBJECT", "NOPE", "a"]), {
    name: "UnknownCommandError",
    command: "object",
    subcommand: "NOPE",
  });
  assert.throws(() => kr.commandKeys(["GET"]), { name: "WrongArityError", code: "ERR_KEYROUTE_WRONG_ARITY", command: "get" });
  assert.throws(() => kr.commandKeys([]), { name: "CommandError", code: "ERR_KEYROUTE_EMPTY_COMMAND" });
  assert.throws(() => kr.commandKeys(["PING"], { mode: "keyspecs" }), { name: "NoKeyArgumentsError" });
});

test("argv items must be strings or Uint8Arrays; options are checked", () => {
  for (const [bad, got] of [[5, "number"], [null, "null"], [undefined, "undefined"], [{}, "object"], [[], "array"], [5n, "bigint"]]) {
    for (const fn of [kr.commandKeys, kr.check, kr.route, kr.split]) {
      assert.throws(() => fn(["GET", bad]), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE", message: `keyroute: argv[1] must be a string or Uint8Array, got ${got}` });
    }
    assert.throws(() => kr.checkTransaction([["GET", "a"], ["SET", "b", bad]]), { message: `keyroute: commands[1][2] must be a string or Uint8Array, got ${got}` });
  }
  for (const bad of ["GET a", 5, null, new Set(["GET"])]) {
    assert.throws(() => kr.commandKeys(bad), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  }
  assert.throws(() => kr.commandKeys(["GET", "a"], { mode: "getkeys" }), { name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
  assert.throws(() => kr.check(["GET", "a"], { policy: "oss" }), { code: "ERR_INVALID_ARG_TYPE" });
});

test("large argvs (past the 64 KiB scratch buffer, past 4096 items)", () => {
  const many = ["MGET", ...Array.from({ length: 10000 }, (_, i) => `{t}k${i}`)];
  assert.equal(kr.commandKeys(many).length, 10000);
  assert.equal(kr.check(many), kr.keySlot("t"));
  const huge = "v".repeat(1 << 20);
  assert.deepEqual(kr.commandKeys(["SET", "k", huge]), ["k"]);
  assert.deepEqual(kr.split(["MSET", "a", huge, "b", "1"]).parts[0].argv[2], huge);
  const wide = ["MSET", ...Array.from({ length: 6000 }, (_, i) => [`k${i}`, "ü".repeat(10)]).flat()];
  assert.equal(kr.split(wide).keyCount, 6000);
});

test("CommandTable: a module command learnt from a COMMAND reply, a policy", () => {
  const t = new kr.CommandTable();
  const size = t.size;
  assert.ok(size > 200 && t.has("get") && t.has("GET") && !t.has("json.get"));
  assert.throws(() => t.commandKeys(["JSON.GET", "doc", "$"]), { name: "UnknownCommandError" });
  // A COMMAND INFO entry as a RESP2 client returns it (ioredis: arrays).
  const reply = [[
    "json.get", -2, ["readonly"], 1, 1, 1, ["@json"], [],
    [["flags", ["RO", "access"], "begin_search", ["type", "index", "spec", ["index", 1]], "find_keys", ["type", "range", "spec", ["lastkey", 0, "keystep", 1, "limit", 0]]]],
    [],
  ]];
  assert.equal(t.extendFromCommandReply(reply), 1);
  assert.equal(t.size, size + 1);
  assert.deepEqual(t.commandKeys(["JSON.GET", "doc", "$"]), ["doc"]);
  assert.equal(kr.commandKeys(["GET", "x"]).length, 1); // the built-in table is untouched
  assert.throws(() => t.extendFromCommandReply([["x", () => 1]]), {
    name: "CommandError",
    code: "ERR_KEYROUTE_COMMAND_MALFORMED_REPLY",
    at: "COMMAND[0][1]",
  });
  assert.throws(() => t.extendFromCommandReply("nope"), { name: "CommandError", code: "ERR_KEYROUTE_COMMAND_MALFORMED_REPLY" });
  t.free();

  const p = kr.HashPolicy.enterpriseStandard();
  const tp = new kr.CommandTable({ policy: p });
  assert.equal(tp.policy, p);
  // The standard policy hashes an empty {} tag: {}a and {}b share a slot.
  assert.equal(tp.check(["MGET", "{}a", "{}b"]), 0);
  assert.equal(kr.check(["MGET", "{}a", "{}b"], { policy: p }), 0);
  assert.throws(() => kr.check(["MGET", "{}a", "{}b"]), { name: "CrossSlotError" });
  const strict = new kr.HashPolicy(["user:(?<tag>\\d+):.*"]);
  assert.throws(() => kr.check(["MGET", "user:1:a", "other"], { policy: strict }), {
    name: "NoRuleMatchedError",
    code: "ERR_KEYROUTE_NO_RULE_MATCHED",
    position: 2,
  });
});

/** What `fn` returns, or the error it throws (name, code, message, fields). */
function result(fn) {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: err.name, code: err.code, message: err.message, ...err };
  }
}

test("commandKeys and check answer as the core on every getkeys vector and random argv", () => {
  // Both tables are the built-in one; `core` never takes the key-shape path.
  const ours = new kr.CommandTable();
  const core = new kr.CommandTable();
  core._useShapes = false;
  const compare = (argv, what) => {
    const a = result(() => ours.commandKeys(argv));
    const b = result(() => core.commandKeys(argv));
    assert.deepEqual(a, b, `commandKeys ${what}`);
    // The same objects, not equal copies.
    if (a.value !== undefined) assert.ok(a.value.every((k, i) => k === b.value[i]), what);
    assert.deepEqual(result(() => ours.check(argv)), result(() => core.check(argv)), `check ${what}`);
  };
  const show = (argv) => argv.map((a) => (typeof a === "string" ? a : Buffer.from(a).toString("latin1"))).join(" ");
  const kelvin = (s) => s.replace(/k/gi, "\u212A");
  const cases = doc.cases.map((c) => c.argv.map(fromHex));
  let fast = 0;
  for (const bytes of cases) {
    const strings = bytes.map((a) => Buffer.from(a).toString("latin1"));
    for (const argv of [bytes, strings]) compare(argv, show(argv));
    // The name and subcommand in every case, and names no ASCII fold reaches.
    const [name, sub, ...rest] = strings;
    for (const n of [name.toLowerCase(), name.toUpperCase(), name[0].toUpperCase() + name.slice(1).toLowerCase(), kelvin(name), `${name}\0`]) {
      for (const s of sub === undefined ? [undefined] : [sub, sub.toLowerCase(), sub.toUpperCase(), kelvin(sub), bytes[1]]) {
        const argv = s === undefined ? [n] : [n, s, ...rest];
        compare(argv, show(argv));
        if (ours._shape(argv) !== null) fast++;
      }
    }
  }
  assert.ok(fast > 1000, `only ${fast} argv took the key-shape path`);
  // Random argv over the names of the corpus, with every kind of argument.
  const next = rng(0x5eed);
  const names = [...new Set(cases.map((c) => Buffer.from(c[0]).toString("latin1").toLowerCase()))];
  // Counts atoi reads in every way (signs, spaces, NUL, overflow, leading zeros).
  const words = ["{t}a", "{t}b", "a", "b", "", "0", "1", "2", "3", "-1", "STORE", "keys", "ENCODING", "get", "ü", "\uD800",
    "02", " 2", "+2", "2\0", "2x", "999999999", "4294967298", "STREAMS", "BY"];
  for (let i = 0; i < 20000; i++) {
    const name = names[next.int(names.length)];
    const argv = [next() < 0.5 ? name : name.toUpperCase()];
    for (let n = next.int(9); n > 0; n--) {
      const w = words[next.int(words.length)];
      argv.push(next() < 0.2 ? Buffer.from(w) : w);
    }
    if (next() < 0.02) argv[next.int(argv.length)] = [null, 7, {}, new Uint16Array(1)][next.int(4)];
    compare(argv, show(argv.map((a) => (typeof a === "string" || a instanceof Uint8Array ? a : String(a)))));
  }
  compare([], "[]");
  // Numkeys commands with every count word, in both argument kinds; and
  // a command placed by its key specs (MSETEX), which only the core reads.
  let counted = 0;
  for (const name of ["EVAL", "zunionstore", "ZINTER", "LMPOP", "BLMPOP", "SINTERCARD", "FCALL_RO"]) {
    for (const count of words) {
      for (let extra = 0; extra < 5; extra++) {
        const argv = [name, ...(name === "LMPOP" || name === "ZINTER" || name === "SINTERCARD" ? [] : ["x"]), count];
        for (let j = 0; j < extra; j++) argv.push(`{t}${j}`);
        if (name === "LMPOP" || name === "BLMPOP") argv.push("LEFT");
        compare(argv, show(argv));
        const bytes = argv.map((a, i) => (i > 0 && i % 2 === 0 ? Buffer.from(a) : a));
        compare(bytes, show(bytes));
        if (ours._shape(argv) !== null) counted++;
      }
    }
  }
  assert.ok(counted > 500, `only ${counted} numkeys argv took the key-shape path`);
  for (const argv of [["MSETEX", "2", "a", "1", "b", "2"], ["MSETEX", "2", "{u}a", "1", "{u}b", "2", "NX"], ["msetex", "1", "k", "v"]]) {
    compare(argv, show(argv));
  }
  // A table extended with module commands answers for them too.
  // mod.upto: a range that may end past argv (then no keys at all).
  const reply = [["mod.get", 2, ["readonly"], 1, 1, 1], ["mod.range", -3, ["readonly"], 2, -2, 2], ["mod.upto", -2, ["readonly"], 1, 3, 2]];
  for (const t of [ours, core]) t.extendFromCommandReply(reply);
  for (const argv of [["MOD.GET", "k"], ["mod.range", "x", "a", "b", "c", "d"], ["mod.range", "x"], ["mod.get"]]) compare(argv, show(argv));
  for (let n = 1; n < 7; n++) {
    const argv = ["mod.upto", ...Array.from({ length: n }, (_, i) => `{t}${i}`)];
    compare(argv, show(argv));
    assert.ok(ours._shape(argv) !== null, show(argv));
  }
  // Policies check with their own hashing (the core's path).
  const p = new kr.CommandTable({ policy: kr.HashPolicy.enterpriseStandard() });
  assert.equal(p.check(["MGET", "{}a", "{}b"]), 0);
});

test("an argv of strings loads as its UTF-8 bytes, short or long, ASCII or not (each way strings go into wasm)", () => {
  // A few items go in a character at a time; from 16 items and 128
  // characters, all-ASCII strings go in joined with one encodeInto, and any
  // other argv item by item. Each must reach the core as the bytes a
  // client sends.
  const next = rng(0xa5c11);
  const words = ["{t}a", "{t}b", "k", "", "0", "2", "STORE", "streams", "BY", "limit", "ü", "\uD800", "€uro", "{t}\u00e9", "x".repeat(70)];
  const pool = new kr.Pool(["a:1", "b:1", "c:1", "d:1"], { scheme: "twemproxy-ketama", hash: "fnv1a_64" });
  const router = kr.ShardRouter.forPool(pool);
  // Errors by class and code (their fields hold the arguments themselves,
  // strings on one side and bytes on the other).
  const outcome = (fn) => {
    const r = result(fn);
    if (r.error !== undefined) return { error: r.error, code: r.code };
    return r.value instanceof kr.Split ? { parts: r.value.parts.map((p) => [p.slot, p.keys]), merge: r.value.merge } : r;
  };
  const encoded = (argv) => argv.map((a) => new TextEncoder().encode(a));
  const answers = (argv) => ({
    keys: outcome(() => kr.commandKeyPositions(argv, { mode: "keyspecs" }).map((k) => k.position)),
    check: outcome(() => kr.check(argv)),
    route: outcome(() => kr.route(argv)),
    split: outcome(() => kr.split(argv)),
    plan: outcome(() => {
      const s = router.plan(argv);
      return s.kind === "split" ? { kind: s.kind, parts: s.parts.map((p) => [p.shard, [...p.argv], [...p.keys]]), reduce: s.reduce.kind } : s;
    }),
  });
  let joined = 0;
  for (let i = 0; i < 3000; i++) {
    const name = ["MGET", "DEL", "XREAD", "SORT", "EVAL", "MSET", "GEORADIUS", "ZUNIONSTORE"][next.int(8)];
    const argv = [name];
    // Lengths around the switch at 16 items, and long ones.
    for (let n = next() < 0.3 ? 10 + next.int(300) : next.int(20); n > 0; n--) {
      argv.push(next() < 0.97 ? words[next.int(4)] + next.int(50) : words[next.int(words.length)]);
    }
    if (argv.length >= 16 && argv.join("").length >= 128 && argv.every((a) => /^[\0-\x7f]*$/.test(a))) joined++;
    assert.deepEqual(answers(argv), answers(encoded(argv)), argv.join(" "));
  }
  assert.ok(joined > 200, `only ${joined} argv went in joined`);
});

test("keys the core finds, around the key position array's capacity (4096)", () => {
  // Keyspecs mode always asks the core; past 4096 keys the positions come
  // from the result array instead. Small calls between must not see a
  // larger call's positions.
  for (const n of [1, 2, 3, 4095, 4096, 4097, 5000]) {
    const argv = ["MGET"];
    for (let i = 0; i < n; i++) argv.push(`k${i}`);
    const keys = kr.commandKeys(argv, { mode: "keyspecs" });
    assert.equal(keys.length, n, `MGET of ${n}`);
    assert.ok(keys.every((k, i) => k === argv[i + 1]), `MGET of ${n}: keys differ`);
    assert.deepEqual(kr.commandKeys(["XREAD", "STREAMS", "x", "y", "0", "0"]), ["x", "y"]);
    assert.deepEqual(kr.commandKeys(["SORT", "s", "STORE", "d"]), ["s", "d"]);
    assert.deepEqual(kr.commandKeys(["GEORADIUS", "g", "0", "0", "1", "km"]), ["g"]);
  }
});
