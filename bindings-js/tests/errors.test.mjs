// Wrong argument types are TypeErrors that say what they got, never a wasm
// trap and never a silent slot 0; keyroute's own errors are KeyrouteErrors
// with a code. The not-ready path (engines that refuse synchronous wasm
// compilation) is exercised on a fresh copy of dist/ (dist/keyroute.js). The slot
// functions' cases run on `keyroute/slots` too.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import * as kr from "keyroute";
import { PKG, SLOT_ENTRIES, WORK } from "./helpers.mjs";

const BAD = [
  [5, "number"],
  [0, "number"],
  [NaN, "number"],
  [null, "null"],
  [undefined, "undefined"],
  [true, "boolean"],
  [5n, "bigint"],
  [Symbol("k"), "symbol"],
  [{}, "object"],
  [[], "array"],
  [["a"], "array"],
  [() => "a", "function"],
  [new Int8Array(2), "Int8Array"],
  [new Uint16Array(2), "Uint16Array"],
  [new Uint8ClampedArray(2), "Uint8ClampedArray"],
  [new DataView(new ArrayBuffer(2)), "DataView"],
  [new ArrayBuffer(2), "ArrayBuffer"],
  [new Map(), "Map"],
  [new String("a"), "String"],
];

function expectTypeError(fn, what, got) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof TypeError, `${err} is not a TypeError`);
    assert.equal(err.name, "TypeError");
    assert.equal(err.code, "ERR_INVALID_ARG_TYPE");
    assert.match(err.message, new RegExp(`^keyroute: ${what.replace(/[[\]]/g, "\\$&")} must be `));
    assert.ok(err.message.endsWith(`got ${got}`), err.message);
    return true;
  });
}

for (const { spec } of SLOT_ENTRIES) {
  const kr = await import(spec);

  for (const [name, what] of [
    ["keySlot", "key"],
    ["hashTag", "key"],
    ["patternSlot", "pattern"],
    ["crc16", "data"],
  ]) {
    test(`${spec}: ${name} throws a TypeError naming what it got`, () => {
      for (const [value, got] of BAD) expectTypeError(() => kr[name](value), what, got);
      expectTypeError(() => kr[name](), what, "undefined");
    });
  }

  test(`${spec}: keySlot's message is the documented one`, () => {
    assert.throws(() => kr.keySlot(42), {
      name: "TypeError",
      message: "keyroute: key must be a string or Uint8Array, got number",
    });
  });

  test(`${spec}: keySlots refuses non-arrays and names the bad element`, () => {
    for (const [value, got] of BAD.filter(([v]) => !Array.isArray(v) && !(v instanceof Map))) {
      if (typeof value === "object" && value !== null && Symbol.iterator in value && !ArrayBuffer.isView(value)) continue;
      expectTypeError(() => kr.keySlots(value), "keys", got);
    }
    expectTypeError(() => kr.keySlots("abc"), "keys", "string");
    expectTypeError(() => kr.keySlots(new Uint8Array(3)), "keys", "Uint8Array");
    for (const [value, got] of BAD) {
      expectTypeError(() => kr.keySlots(["a", value]), "keys[1]", got);
      expectTypeError(() => kr.keySlots([Buffer.from("a"), "b", value]), "keys[2]", got);
      expectTypeError(() => kr.keySlots([value]), "keys[0]", got);
    }
    const many = Array.from({ length: 5000 }, (_, i) => `k${i}`);
    many[4500] = null;
    expectTypeError(() => kr.keySlots(many), "keys[4500]", "null");
  });

  test(`${spec}: the library still works after every error above`, () => {
    assert.equal(kr.keySlot("foo"), 12182);
    assert.deepEqual(kr.keySlots(["foo", Buffer.from("foo")]), Uint16Array.of(12182, 12182));
  });

  test(`${spec}: a Uint8Array from another realm is accepted`, async () => {
    const vm = await import("node:vm");
    const foreign = vm.runInNewContext("new Uint8Array([0x66, 0x6f, 0x6f])");
    assert.equal(foreign instanceof Uint8Array, false);
    assert.equal(kr.keySlot(foreign), 12182);
    assert.deepEqual(kr.keySlots([foreign]), Uint16Array.of(12182));
    assert.equal(kr.crc16(foreign), kr.crc16("foo"));
  });

  test(`${spec}: a policy that is not a HashPolicy is a TypeError`, () => {
    for (const [value, got] of [[{}, "object"], [5, "number"], ["oss", "string"]]) {
      expectTypeError(() => kr.keySlot("a", { policy: value }), "options.policy", got);
      expectTypeError(() => kr.keySlots(["a"], { policy: value }), "options.policy", got);
    }
  });
}

test("KeyrouteError is a real Error with name and code", () => {
  const err = new kr.KeyrouteError("keyroute: boom", "ERR_KEYROUTE_TEST", { cause: 1 });
  assert.ok(err instanceof Error);
  assert.ok(err instanceof kr.KeyrouteError);
  assert.equal(err.name, "KeyrouteError");
  assert.equal(err.code, "ERR_KEYROUTE_TEST");
  assert.equal(err.cause, 1);
  assert.ok(String(err.stack).includes("keyroute: boom"));
});

/**
 * Imports a fresh instance of an entry's browser file (from a copy of dist/:
 * the entry shares its code chunk with the workerd entry, and a module URL
 * is evaluated once per process) with WebAssembly
 * patched by `patch`; the patch stays until the returned `restore` is called,
 * since the asynchronous fallback runs after the import has returned.
 */
async function freshInstance(file, tag, patch) {
  const saved = { Module: WebAssembly.Module, instantiate: WebAssembly.instantiate };
  const restore = () => {
    WebAssembly.Module = saved.Module;
    WebAssembly.instantiate = saved.instantiate;
  };
  patch();
  try {
    const copy = mkdtempSync(join(WORK, `fresh-${tag}-`));
    cpSync(join(PKG, "dist"), join(copy, "dist"), { recursive: true });
    writeFileSync(join(copy, "package.json"), '{ "type": "module" }\n');
    const m = await import(pathToFileURL(join(copy, file)).href);
    WebAssembly.Module = saved.Module; // the synchronous attempt is over
    return { m, restore };
  } catch (err) {
    restore();
    throw err;
  }
}

for (const { spec, file, wasmImports } of SLOT_ENTRIES) {
  /** Whether a WebAssembly call is this entry's (Node itself compiles wasm too). */
  const ours = (imports) => imports !== undefined && wasmImports in imports;

  test(`${spec}: a sync-compile RangeError falls back to async: calls throw until ready`, async () => {
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    const { m, restore } = await freshInstance(file, "range-error", () => {
      const instantiate = WebAssembly.instantiate;
      WebAssembly.Module = function () {
        throw new RangeError("WebAssembly.Module(): Buffer size is over 4KB");
      };
      WebAssembly.instantiate = (source, imports) =>
        ours(imports) ? gate.then(() => instantiate(source, imports)) : instantiate(source, imports);
    });
    try {
      assert.throws(() => m.keySlot("foo"), { name: "KeyrouteError", code: "ERR_KEYROUTE_NOT_READY" });
      assert.throws(() => m.keySlots(["foo"]), { code: "ERR_KEYROUTE_NOT_READY" });
      assert.throws(() => m.hashTag("foo"), { code: "ERR_KEYROUTE_NOT_READY" });
      release();
      await m.ready;
      assert.equal(m.keySlot("foo"), 12182);
      assert.deepEqual(m.keySlots(["foo{}{bar}"]), Uint16Array.of(8363));
    } finally {
      restore();
    }
  });

  test(`${spec}: when the async fallback fails too, ready rejects and calls say why`, async () => {
    const { m, restore } = await freshInstance(file, "both-fail", () => {
      const instantiate = WebAssembly.instantiate;
      WebAssembly.Module = function () {
        throw new RangeError("too big");
      };
      WebAssembly.instantiate = (source, imports) =>
        ours(imports) ? Promise.reject(new WebAssembly.CompileError("refused")) : instantiate(source, imports);
    });
    try {
      await assert.rejects(m.ready, { name: "KeyrouteError", code: "ERR_KEYROUTE_INIT" });
      assert.throws(() => m.keySlot("foo"), (err) => {
        assert.equal(err.code, "ERR_KEYROUTE_INIT");
        assert.ok(err.cause instanceof WebAssembly.CompileError);
        return true;
      });
    } finally {
      restore();
    }
  });

  test(`${spec}: any other compile failure fails the import with a KeyrouteError`, async () => {
    await assert.rejects(
      freshInstance(file, "compile-error", () => {
        WebAssembly.Module = function () {
          throw new WebAssembly.CompileError("Wasm code generation disallowed by embedder");
        };
      }),
      (err) => {
        assert.equal(err.name, "KeyrouteError");
        assert.equal(err.code, "ERR_KEYROUTE_INIT");
        assert.ok(err.cause instanceof WebAssembly.CompileError);
        return true;
      },
    );
  });
}
