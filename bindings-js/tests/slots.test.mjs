// keyroute/slots: the slot functions over their own small wasm. Its API, the
// same answers as the main entry on random keys, the main entry's policies,
// and that importing it compiles only its own wasm. (The golden vectors and
// the argument errors run on it in vectors.test.mjs and errors.test.mjs.)
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { test } from "node:test";
import * as main from "keyroute";
import * as slots from "keyroute/slots";
import { CONSUMER, mismatches, naiveSlot, randomBytes, randomString, rng } from "./helpers.mjs";

const require = createRequire(join(CONSUMER, "package.json"));
const API = ["KeyrouteError", "SLOT_COUNT", "crc16", "hashTag", "keySlot", "keySlots", "patternSlot", "ready"];
const SEED = 0x51075eed;

test("import and require: ready at once, exactly the slot API, one instance", async () => {
  assert.deepEqual(Object.keys(slots).sort(), API);
  const cjs = require("keyroute/slots");
  assert.deepEqual(Object.keys(cjs).sort(), API);
  for (const name of API) assert.equal(slots[name], cjs[name], name);
  assert.equal(slots.keySlot("foo"), 12182);
  assert.equal(slots.SLOT_COUNT, 16384);
  const state = await Promise.race([slots.ready.then(() => "resolved"), new Promise((r) => setImmediate(r, "pending"))]);
  assert.equal(state, "resolved");
});

test("the slot functions are the main entry's, by name and arity", () => {
  for (const name of ["crc16", "hashTag", "keySlot", "keySlots", "patternSlot"]) {
    assert.equal(typeof slots[name], "function", name);
    assert.equal(slots[name].name, main[name].name, name);
    assert.equal(slots[name].length, main[name].length, name);
  }
});

test(`10,000 random strings: every function answers as the main entry (seed ${SEED})`, () => {
  const r = rng(SEED);
  const keys = [];
  for (let i = 0; i < 10_000; i++) keys.push(randomString(r, i % 3 === 0));
  const check = mismatches();
  const batch = slots.keySlots(keys);
  const mainBatch = main.keySlots(keys);
  keys.forEach((s, i) => {
    const what = `#${i} (${s.length} units)`;
    const want = main.keySlot(s);
    check(`${what} keySlot`, slots.keySlot(s), want);
    check(`${what} keySlots`, batch[i], mainBatch[i]);
    check(`${what} keySlots = keySlot`, batch[i], want);
    check(`${what} naive`, want, naiveSlot(new TextEncoder().encode(s)));
    check(`${what} crc16`, slots.crc16(s), main.crc16(s));
    check(`${what} patternSlot`, slots.patternSlot(s), main.patternSlot(s));
    check(`${what} hashTag`, Buffer.compare(Buffer.from(slots.hashTag(s)), Buffer.from(main.hashTag(s))), 0);
  });
  check.done();
});

test(`random byte keys and Buffers: the same as the main entry (seed ${SEED + 1})`, () => {
  const r = rng(SEED + 1);
  const keys = [];
  for (let i = 0; i < 2000; i++) keys.push(i % 2 === 0 ? randomBytes(r) : Buffer.from(randomBytes(r)));
  const check = mismatches();
  const batch = slots.keySlots(keys);
  keys.forEach((k, i) => {
    const want = main.keySlot(k);
    check(`#${i} keySlot`, slots.keySlot(k), want);
    check(`#${i} keySlots`, batch[i], want);
    check(`#${i} crc16`, slots.crc16(k), main.crc16(k));
    check(`#${i} patternSlot`, slots.patternSlot(k), main.patternSlot(k));
    check(`#${i} hashTag`, Buffer.compare(Buffer.from(slots.hashTag(k)), Buffer.from(main.hashTag(k))), 0);
  });
  check.done();
});

test("a HashPolicy of the main entry gives the same slots and the same errors", () => {
  const keys = ["{}a", "{}b", "a{b}c{d}", "plain", Buffer.from("x{y}z")];
  for (const policy of [main.HashPolicy.enterpriseStandard(), main.HashPolicy.oss()]) {
    for (const k of keys) assert.equal(slots.keySlot(k, { policy }), main.keySlot(k, { policy }));
    assert.deepEqual(slots.keySlots(keys, { policy }), main.keySlots(keys, { policy }));
    assert.deepEqual(slots.keySlots(keys, { policy: null }), main.keySlots(keys));
  }
  const strict = new main.HashPolicy(["user:(?<tag>[0-9]+)"]);
  const failure = (fn) => {
    try {
      fn();
    } catch (err) {
      return { class: err.constructor, name: err.name, code: err.code, message: err.message, position: err.position };
    }
    assert.fail("no error");
  };
  assert.deepEqual(failure(() => slots.keySlot("other", { policy: strict })), failure(() => main.keySlot("other", { policy: strict })));
  const batch = ["user:1", "user:2", "other"];
  const err = failure(() => slots.keySlots(batch, { policy: strict }));
  assert.deepEqual(err, failure(() => main.keySlots(batch, { policy: strict })));
  assert.equal(err.class, main.NoRuleMatchedError);
  assert.equal(err.position, 2);
  strict.free();
});

test("KeyrouteError: a real Error with the main entry's name, code and shape", () => {
  const a = new slots.KeyrouteError("keyroute: boom", "ERR_KEYROUTE_TEST", { cause: 1 });
  const b = new main.KeyrouteError("keyroute: boom", "ERR_KEYROUTE_TEST", { cause: 1 });
  assert.ok(a instanceof Error);
  for (const key of ["name", "code", "message", "cause"]) assert.equal(a[key], b[key], key);
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
});

// A probe run before the import: records the import namespaces of every wasm
// module compiled in the process.
const PROBE = `
const seen = [];
const Module = WebAssembly.Module;
WebAssembly.Module = function (bytes) {
  const m = new Module(bytes);
  seen.push(WebAssembly.Module.imports(m).map((i) => i.module)[0] + " " + bytes.byteLength);
  return m;
};
WebAssembly.Module.imports = Module.imports;
WebAssembly.Module.exports = Module.exports;
process.on("exit", () => console.log(JSON.stringify(seen)));
`;

test("importing keyroute/slots compiles only its own small wasm (import and require)", () => {
  const probe = join(CONSUMER, "wasm-probe.cjs");
  writeFileSync(probe, PROBE);
  const runs = {
    import: ["--require", probe, "--input-type=module", "-e", 'import { keySlot } from "keyroute/slots"; keySlot("a");'],
    require: ["--require", probe, "-e", 'require("keyroute/slots").keySlot("a");'],
    main: ["--require", probe, "-e", 'require("keyroute").keySlot("a");'],
  };
  const compiled = {};
  for (const [name, args] of Object.entries(runs)) {
    const all = JSON.parse(execFileSync(process.execPath, args, { cwd: CONSUMER, encoding: "utf8" }).trim());
    // Node may compile wasm of its own (cjs-module-lexer); only keyroute's count.
    compiled[name] = all.filter((m) => m.startsWith("./keyroute"));
  }
  for (const name of ["import", "require"]) {
    assert.equal(compiled[name].length, 1, JSON.stringify(compiled[name]));
    const [namespace, bytes] = compiled[name][0].split(" ");
    assert.equal(namespace, "./keyroute_slots_glue_bg.js");
    assert.ok(Number(bytes) < 64 * 1024, `${bytes} bytes`);
  }
  // The probe does see the main entry's wasm when that is what is imported.
  assert.equal(compiled.main.length, 1);
  assert.match(compiled.main[0], /^\.\/keyroute_glue_bg\.js \d{6,}$/);
});
