// Keys larger than the 16 KiB scratch buffer take the glue's allocating path;
// its allocations grow wasm memory, which detaches every cached view. These
// tests cross that boundary from both sides and then check the hot path still
// reads the right memory.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import * as kr from "keyroute";
import { PKG, mismatches, naiveCrc16, naiveSlot, naiveTag, rng } from "./helpers.mjs";

const SCRATCH = 16 * 1024;

function filled(n, seed) {
  const r = rng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = 0x20 + r.int(0x5f);
  // No braces unless a test adds them (the whole key is hashed) and no glob
  // characters (* ? [ \), so that the key is also a literal pattern.
  const avoid = new Set([0x7b, 0x7d, 0x2a, 0x3f, 0x5b, 0x5c]);
  for (let i = 0; i < n; i++) if (avoid.has(out[i])) out[i] = 0x78;
  return out;
}

function keysAroundScratch() {
  const keys = [];
  for (const n of [SCRATCH - 1, SCRATCH, SCRATCH + 1, 64 * 1024, 64 * 1024 + 3, 300_000]) {
    const bytes = filled(n, n);
    keys.push(bytes, Buffer.from(bytes), Buffer.from(bytes).toString("latin1"));
    const tagged = Buffer.concat([Buffer.from(bytes), Buffer.from("{late-tag}")]);
    keys.push(tagged, tagged.toString("latin1"));
  }
  // Multi-byte text whose UTF-8 form straddles the scratch size.
  for (const [unit, count] of [
    ["é", SCRATCH / 2],
    ["é", SCRATCH / 2 + 1],
    ["€", 5461],
    ["€", 5462],
    ["\ud83d\ude00", SCRATCH / 4],
    ["\ud83d\ude00", SCRATCH / 4 + 1],
    ["\ud800", 5462], // lone surrogates: 3 bytes each once replaced
    ["中", 30_000],
  ]) {
    keys.push(unit.repeat(count), `{${unit.repeat(count)}}`, `a{}${unit.repeat(count)}`);
  }
  return keys;
}

const bytesOf = (k) => (typeof k === "string" ? new TextEncoder().encode(k) : k);

test("keys around and beyond the scratch buffer, through every function", () => {
  const keys = keysAroundScratch();
  const batch = kr.keySlots(keys);
  const check = mismatches();
  keys.forEach((k, i) => {
    const bytes = bytesOf(k);
    const what = `#${i} (${typeof k === "string" ? "string" : k.constructor.name}, ${bytes.length} bytes)`;
    const want = naiveSlot(bytes);
    check(`${what} keySlot`, kr.keySlot(k), want);
    check(`${what} keySlots`, batch[i], want);
    check(`${what} patternSlot`, kr.patternSlot(k), want);
    check(`${what} crc16`, kr.crc16(k), naiveCrc16(bytes));
    check(`${what} hashTag`, Buffer.compare(Buffer.from(kr.hashTag(k)), Buffer.from(naiveTag(bytes))), 0);
  });
  check.done();
});

test("a 64 KiB key: the same slot as text, bytes and Buffer", () => {
  const text = "k".repeat(64 * 1024 - 1) + "é";
  const want = naiveSlot(Buffer.from(text));
  assert.equal(kr.keySlot(text), want);
  assert.equal(kr.keySlot(Buffer.from(text)), want);
  assert.equal(kr.keySlot(new TextEncoder().encode(text)), want);
  assert.deepEqual(kr.keySlots([text, "a", text]), Uint16Array.of(want, 15495, want));
});

/** Imports a fresh dist/keyroute.js and captures its wasm instance. */
async function instrumented(tag) {
  const Instance = WebAssembly.Instance;
  let instance = null;
  WebAssembly.Instance = function (module, imports) {
    instance = new Instance(module, imports);
    return instance;
  };
  try {
    const m = await import(`${pathToFileURL(join(PKG, "dist", "keyroute.js")).href}?${tag}`);
    assert.ok(instance !== null, "the wasm instance was not created synchronously");
    return { m, memory: instance.exports.memory };
  } finally {
    WebAssembly.Instance = Instance;
  }
}

function smallKeys() {
  return ["foo", "{user1000}.following", Buffer.from("foo{}{bar}"), "é", ""];
}
const SMALL_SLOTS = [12182, 3443, 8363, 10180, 0];

test("memory growth from large keySlots calls, then every path is right again", async () => {
  const { m, memory } = await instrumented("growth");
  const start = memory.buffer.byteLength;
  let grew = 0;
  const check = mismatches();
  // Every view in use before the first growth.
  check("XREAD keys before", m.commandKeys(["XREAD", "STREAMS", "a", "0"]).join(" "), "a");
  for (let round = 0; round < 8; round++) {
    const size = (1 << 20) * (1 + (round % 3)); // 1..3 MiB
    const big = filled(size, round);
    const bigText = `r${round}:` + Buffer.from(big.subarray(0, size >> 1)).toString("latin1");
    const before = memory.buffer.byteLength;
    const got = m.keySlots([...smallKeys(), big, bigText, ...smallKeys(), bigText + "é"]);
    if (memory.buffer.byteLength > before) grew++;
    const want = [...SMALL_SLOTS, naiveSlot(big), naiveSlot(Buffer.from(bigText)), ...SMALL_SLOTS,
      naiveSlot(Buffer.from(bigText + "é"))];
    want.forEach((w, i) => check(`round ${round} keySlots #${i}`, got[i], w));
    // Straight after a growth: the raw exports through rebuilt views.
    smallKeys().forEach((k, i) => check(`round ${round} keySlot #${i}`, m.keySlot(k), SMALL_SLOTS[i]));
    check(`round ${round} keySlot(big)`, m.keySlot(big), naiveSlot(big));
    check(`round ${round} hashTag`, Buffer.from(m.hashTag("a{bc}d")).toString(), "bc");
    check(`round ${round} patternSlot`, m.patternSlot("{user1000}:*"), 3443);
    check(`round ${round} crc16`, m.crc16("123456789"), 0x31c3);
    check(`round ${round} long string`, m.keySlot("x".repeat(100)), naiveSlot(Buffer.from("x".repeat(100))));
    // Keys the core finds (keyword procedures): its key position array
    // through a rebuilt view.
    check(`round ${round} XREAD keys`, m.commandKeys(["XREAD", "COUNT", "1", "STREAMS", `a${round}`, "b", "0", "0"]).join(" "), `a${round} b`);
    check(`round ${round} SORT keys`, m.commandKeys(["SORT", "s", "BY", "w_*", "STORE", `d${round}`]).join(" "), `s d${round}`);
  }
  check.done();
  assert.ok(memory.buffer.byteLength > start, `memory did not grow (${start} bytes)`);
  assert.ok(grew >= 1, "no call grew memory");
});

test("the shared instance survives the same treatment", () => {
  for (let round = 0; round < 4; round++) {
    const big = filled((1 + round) << 20, 100 + round);
    assert.equal(kr.keySlot(big), naiveSlot(big));
    assert.deepEqual(Array.from(kr.keySlots(smallKeys())), SMALL_SLOTS);
    assert.equal(kr.keySlot("foo"), 12182);
  }
});
