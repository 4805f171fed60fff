// Every golden vector (tests/vectors/slots.json, from a real redis-server's
// CLUSTER KEYSLOT) through every entry point, as bytes and as text, in both
// of the package's entries that export the slot functions: `keyroute` and
// `keyroute/slots`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SLOT_ENTRIES, loadVectors, mismatches, naiveSlot, naiveTag } from "./helpers.mjs";

const cases = loadVectors();
const texts = cases.filter((c) => c.text !== null);

test("the vector file covers what the tests rely on", () => {
  assert.ok(cases.length >= 1000, `only ${cases.length} cases`);
  assert.ok(cases.some((c) => c.utf16 !== null), "no js/ cases with utf16");
  assert.ok(cases.some((c) => c.bytes.length > 16 * 1024), "no key larger than the scratch buffer");
  assert.ok(texts.length > cases.length / 2, `only ${texts.length} text cases`);
});

test("the naive oracle agrees with redis-server on every vector", () => {
  const check = mismatches();
  for (const c of cases) check(c.name, naiveSlot(c.bytes), c.slot);
  check.done();
});

for (const { spec } of SLOT_ENTRIES) {
  const { crc16, hashTag, keySlot, keySlots, patternSlot } = await import(spec);

  test(`${spec}: keySlot(Uint8Array) on every vector`, () => {
    const check = mismatches();
    for (const c of cases) check(c.name, keySlot(c.bytes), c.slot);
    check.done();
  });

  test(`${spec}: keySlot(Buffer) on every vector`, () => {
    const check = mismatches();
    for (const c of cases) check(c.name, keySlot(Buffer.from(c.bytes)), c.slot);
    check.done();
  });

  test(`${spec}: keySlot(string) on every vector that is text`, () => {
    const check = mismatches();
    for (const c of texts) {
      check(`${c.name} (encoding)`, Buffer.compare(Buffer.from(c.text, "utf8"), Buffer.from(c.bytes)), 0);
      check(c.name, keySlot(c.text), c.slot);
    }
    check.done();
  });

  test(`${spec}: js/ vectors: strings built from UTF-16 units, lone surrogates included`, () => {
    const js = cases.filter((c) => c.utf16 !== null);
    assert.ok(js.length > 0);
    const check = mismatches();
    for (const c of js) {
      const s = String.fromCharCode(...c.utf16);
      check(c.name, keySlot(s), c.slot);
      check(`${c.name} (batch)`, keySlots([s])[0], c.slot);
      check(`${c.name} (TextEncoder)`, Buffer.compare(Buffer.from(new TextEncoder().encode(s)), Buffer.from(c.bytes)), 0);
    }
    check.done();
  });

  test(`${spec}: keySlots on all vectors at once: bytes, Buffers, strings and a mix`, () => {
    const want = cases.map((c) => c.slot);
    const inputs = {
      bytes: cases.map((c) => c.bytes),
      buffers: cases.map((c) => Buffer.from(c.bytes)),
      mixed: cases.map((c, i) => (c.text !== null && i % 2 === 0 ? c.text : c.bytes)),
    };
    const check = mismatches();
    for (const [kind, keys] of Object.entries(inputs)) {
      const got = keySlots(keys);
      assert.ok(got instanceof Uint16Array);
      assert.equal(got.length, keys.length);
      for (let i = 0; i < keys.length; i++) check(`${kind} ${cases[i].name}`, got[i], want[i]);
    }
    const strings = keySlots(texts.map((c) => c.text));
    texts.forEach((c, i) => check(`strings ${c.name}`, strings[i], c.slot));
    check.done();
  });

  test(`${spec}: hashTag and crc16 give the slot; hashTag follows the rule`, () => {
    const check = mismatches();
    for (const c of cases) {
      const tag = hashTag(c.bytes);
      assert.ok(tag instanceof Uint8Array && !(tag instanceof Buffer));
      check(`${c.name} tag`, Buffer.compare(Buffer.from(tag), Buffer.from(naiveTag(c.bytes))), 0);
      check(`${c.name} crc16(tag)`, crc16(tag) & 0x3fff, c.slot);
      if (c.text !== null) {
        check(`${c.name} text tag`, Buffer.compare(Buffer.from(hashTag(c.text)), Buffer.from(tag)), 0);
        check(`${c.name} crc16(text)`, crc16(c.text), crc16(c.bytes));
      }
    }
    check.done();
  });

  test(`${spec}: patternSlot of a key with no glob character is its slot`, () => {
    const glob = new Set([0x2a, 0x3f, 0x5b, 0x5c]); // * ? [ \
    const literal = cases.filter((c) => !c.bytes.some((b) => glob.has(b)));
    assert.ok(literal.length > 100);
    const check = mismatches();
    for (const c of literal) {
      check(c.name, patternSlot(c.bytes), c.slot);
      if (c.text !== null) check(`${c.name} (text)`, patternSlot(c.text), c.slot);
    }
    check.done();
  });
}
