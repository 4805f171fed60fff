// Shared by the node --test files. scripts/test.sh copies this directory into
// a throwaway project where the packed `keyroute` tarball is installed, so
// that `import "keyroute"` resolves exactly as it would for a user.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests through bindings-js/scripts/test.sh`);
  return value;
}

/** The throwaway consumer project (its node_modules holds the packed keyroute). */
export const CONSUMER = env("KEYROUTE_CONSUMER");
/** bindings-js/: its node_modules holds the tools (esbuild, typescript, playwright-core). */
export const JS_DIR = env("KEYROUTE_JS_DIR");
/** The tarball `npm pack` made of bindings-js/pkg, installed in CONSUMER. */
export const TARBALL = env("KEYROUTE_TARBALL");
/** Where tests may write scratch files. */
export const WORK = env("KEYROUTE_WORK");
/** tests/vectors/ of the repository. */
export const VECTORS_DIR = dirname(env("KEYROUTE_VECTORS"));
/** The repository (tests/cluster/harness.py, target/release/keyroute). */
export const ROOT = dirname(dirname(VECTORS_DIR));
/** The installed package. */
export const PKG = join(CONSUMER, "node_modules", "keyroute");
/** The tarball of the companion package keyroute-wasm (the wasm files for Workers), installed beside it. */
export const WASM_TARBALL = env("KEYROUTE_WASM_TARBALL");
/** The installed keyroute-wasm. */
export const WASM_PKG = join(CONSUMER, "node_modules", "keyroute-wasm");

/**
 * The entries that export the slot functions, with their browser file and
 * the import namespace of their wasm (to tell their instantiation apart).
 */
export const SLOT_ENTRIES = [
  { spec: "keyroute", file: "dist/keyroute.js", wasmImports: "./keyroute_glue_bg.js" },
  { spec: "keyroute/slots", file: "dist/slots.js", wasmImports: "./keyroute_slots_glue_bg.js" },
];

/** A dev dependency of bindings-js (esbuild, typescript, playwright-core...). */
export const tool = createRequire(join(JS_DIR, "package.json"));

export const HERE = dirname(fileURLToPath(import.meta.url));

export function fromHex(hex) {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The golden vectors (tests/vectors/slots.json, answered by a real
 * redis-server), each with `bytes` and, where the key is text a JS client
 * could send, `text`: from `utf16` when given, else the bytes decoded if they
 * are valid UTF-8 that encodes back to the same bytes.
 */
export function loadVectors() {
  const file = env("KEYROUTE_VECTORS");
  const doc = JSON.parse(readFileSync(file, "utf8"));
  if (!Array.isArray(doc.cases) || doc.cases.length === 0) throw new Error(`${file} has no cases`);
  return doc.cases.map((c) => {
    const bytes = fromHex(c.key);
    let text = null;
    if (Array.isArray(c.utf16)) {
      text = String.fromCharCode(...c.utf16);
    } else {
      try {
        const decoded = strictUtf8.decode(bytes);
        if (Buffer.compare(Buffer.from(decoded, "utf8"), Buffer.from(bytes)) === 0) text = decoded;
      } catch {
        // not UTF-8: a bytes-only case
      }
    }
    return { name: c.name, bytes, text, slot: c.slot, utf16: c.utf16 ?? null };
  });
}

// ---- the naive oracle: written straight from the definitions ----------------

/** CRC-16/XMODEM one bit at a time. */
export function naiveCrc16(bytes) {
  let crc = 0;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Redis hash-tag rule on bytes. */
export function naiveTag(bytes) {
  const open = bytes.indexOf(0x7b);
  if (open === -1) return bytes;
  const close = bytes.indexOf(0x7d, open + 1);
  if (close === -1 || close === open + 1) return bytes;
  return bytes.subarray(open + 1, close);
}

export function naiveSlot(bytes) {
  return naiveCrc16(naiveTag(bytes)) % 16384;
}

/** A small seeded PRNG (xorshift32), so random tests are reproducible. */
export function rng(seed) {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  next.int = (n) => Math.floor(next() * n);
  return next;
}

const UNITS = [
  "{", "}", "{", "}", "a", "b", "z", "0", ":", " ", "\0", "\x7f",
  "\x80", "é", "ÿ", "€", "中", "\ufffd", "\uffff",
  "\ud83d\ude00", // a surrogate pair: 4 UTF-8 bytes
  "\ud800", "\udbff", "\udc00", "\udfff", // lone surrogates: U+FFFD on the wire
];

function randomLength(r) {
  const pick = r();
  if (pick < 0.6) return r.int(48);
  if (pick < 0.8) return 56 + r.int(20); // around the JS/wasm split
  if (pick < 0.9) return 100 + r.int(400);
  // The scratch buffer is 64 KiB (SCRATCH_LEN in bindings-js/src/scratch.rs).
  if (pick < 0.95) return 21839 + r.int(12); // 3 * 21845 = 65535
  return 65530 + r.int(10);
}

/**
 * A random string key: lengths cluster around the JS/wasm split (64), the
 * scratch buffer (64 KiB, and a third of it for strings); braces are common,
 * and a sixth of the units are not ASCII (lone surrogates included) unless
 * `asciiOnly`.
 */
export function randomString(r, asciiOnly) {
  const n = randomLength(r);
  let s = "";
  while (s.length < n) {
    if (asciiOnly || r() < 0.85) s += String.fromCharCode(32 + r.int(95));
    else s += UNITS[r.int(UNITS.length)];
    if (r() < 0.05) s += UNITS[r.int(4)]; // braces, often
  }
  return s;
}

/** Random key bytes, lengths as {@link randomString}, braces common. */
export function randomBytes(r) {
  const n = randomLength(r);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = r();
    out[i] = p < 0.05 ? 0x7b : p < 0.1 ? 0x7d : r.int(256);
  }
  return out;
}

/**
 * A checker that records every mismatch; `done()` fails listing the first
 * twenty and the total, so one run shows the whole extent of a regression.
 */
export function mismatches() {
  const failures = [];
  const check = (what, got, want) => {
    if (got !== want) failures.push(`${what}: got ${got}, want ${want}`);
  };
  check.count = () => failures.length;
  check.done = () => {
    if (failures.length > 0) {
      assert.fail(`${failures.length} mismatches, first:\n  ${failures.slice(0, 20).join("\n  ")}`);
    }
  };
  return check;
}

let instrumentedOnce = null;

/**
 * dist/keyroute.js imported afresh, with its wasm memory (a function giving
 * its size in bytes): the instance is caught as it is made. Made once per
 * test process (the entries share their wasm core module).
 */
export async function instrumented() {
  if (instrumentedOnce === null) {
    const Instance = WebAssembly.Instance;
    let instance = null;
    WebAssembly.Instance = function (module, imports) {
      instance = new Instance(module, imports);
      return instance;
    };
    try {
      const m = await import(`${pathToFileURL(join(PKG, "dist", "keyroute.js")).href}?instrumented`);
      assert.ok(instance !== null, "the wasm instance was not created synchronously");
      instrumentedOnce = { m, memory: () => instance.exports.memory.buffer.byteLength };
    } finally {
      WebAssembly.Instance = Instance;
    }
  }
  return instrumentedOnce;
}
