// The JS fast paths against the wasm core and the naive oracle, on random
// keys. keySlot(string) hashes short text in JS (ASCII as it is, any other
// over the UTF-8 bytes TextEncoder would write) and keySlot(bytes) short
// keys in JS; keySlots, hashTag and crc16 always run in wasm. Lengths cluster
// around every threshold: the JS/wasm splits (64 bytes or units), the scratch
// buffer (64 KiB, and a third of it for strings) and the batch size (4096).
import assert from "node:assert/strict";
import { test } from "node:test";
import { crc16, hashTag, keySlot, keySlots } from "keyroute";
import { mismatches, naiveSlot, randomBytes, randomString, rng } from "./helpers.mjs";

const SEED = 0x5eed1234;
test(`random strings: keySlot(string) = keySlot(bytes) = wasm batch = wasm tag/crc = naive (seed ${SEED})`, () => {
  const r = rng(SEED);
  const strings = [];
  for (let i = 0; i < 6000; i++) strings.push(randomString(r, i % 3 === 0));
  const batch = keySlots(strings);
  const check = mismatches();
  strings.forEach((s, i) => {
    const bytes = new TextEncoder().encode(s);
    const want = naiveSlot(bytes);
    const what = `#${i} (${s.length} units)`;
    check(`${what} Buffer.from = TextEncoder`, Buffer.compare(Buffer.from(s), Buffer.from(bytes)), 0);
    check(`${what} keySlot(string)`, keySlot(s), want);
    check(`${what} keySlot(bytes)`, keySlot(bytes), want);
    check(`${what} keySlots`, batch[i], want);
    check(`${what} crc16(hashTag)`, crc16(hashTag(s)) & 0x3fff, want);
  });
  check.done();
});

test(`random byte keys: keySlot = keySlots = naive (seed ${SEED + 1})`, () => {
  const r = rng(SEED + 1);
  const keys = [];
  for (let i = 0; i < 6000; i++) keys.push(randomBytes(r));
  const batch = keySlots(keys);
  const check = mismatches();
  keys.forEach((k, i) => {
    const want = naiveSlot(k);
    check(`#${i} keySlot`, keySlot(k), want);
    check(`#${i} keySlots`, batch[i], want);
    check(`#${i} crc16(hashTag)`, crc16(hashTag(k)) & 0x3fff, want);
  });
  check.done();
});

test("tag shapes around the JS/wasm split, in text and bytes", () => {
  const check = mismatches();
  const pads = [0, 1, 7, 8, 9, 62, 63, 64, 65, 66, 200];
  for (const a of pads) {
    for (const b of pads) {
      for (const shape of [
        (x, y) => `${x}{${y}}z`, // a tag of length b
        (x, y) => `${x}{${y}`, // unterminated
        (x, y) => `${x}{}${y}}`, // empty tag, later brace
        (x, y) => `${x}{{${y}}}`, // tag starting with {
        (x, y) => `${x}é{${y}}`, // non-ASCII before the tag
        (x, y) => `${x}{${y}é}`, // non-ASCII inside the tag
      ]) {
        const s = shape("p".repeat(a), "t".repeat(b));
        const want = naiveSlot(Buffer.from(s));
        check(JSON.stringify(s.slice(0, 30)), keySlot(s), want);
        check(`${JSON.stringify(s.slice(0, 30))} bytes`, keySlot(Buffer.from(s)), want);
      }
    }
  }
  check.done();
});

test("keySlots over more keys than one batch holds, in mixed kinds", () => {
  const r = rng(SEED + 2);
  const keys = [];
  for (let i = 0; i < 10000; i++) {
    const s = randomString(r, i % 2 === 0).slice(0, 60);
    keys.push(i % 5 === 0 ? Buffer.from(s) : i % 7 === 0 ? new TextEncoder().encode(s) : s);
  }
  const got = keySlots(keys);
  const check = mismatches();
  keys.forEach((k, i) => check(`#${i}`, got[i], naiveSlot(typeof k === "string" ? Buffer.from(k) : k)));
  check.done();
  assert.deepEqual(keySlots([]), new Uint16Array(0));
  assert.deepEqual(keySlots(new Set(["a", "{a}"])), Uint16Array.of(15495, 15495));
  assert.deepEqual(keySlots(["", ""]), Uint16Array.of(0, 0));
});
