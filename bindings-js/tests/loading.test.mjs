// How the package loads: synchronously under require() and import, one wasm
// instance per Node process, the files it ships, and what its entries must
// not contain (no fs, path, __dirname, import.meta or top-level await).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import * as esm from "keyroute"; // a static import: usable with no await
import { CONSUMER, PKG, TARBALL, WASM_PKG, WASM_TARBALL, WORK, tool } from "./helpers.mjs";

const require = createRequire(join(CONSUMER, "package.json"));
const API = [
  "BadWeightError",
  "Cluster",
  "CommandError",
  "CommandTable",
  "ConfigError",
  "CrossShardError",
  "CrossShardTransactionError",
  "CrossSlotError",
  "CrossSlotTransactionError",
  "DifferentKeyHashError",
  "HashPolicy",
  "InvalidArgumentsError",
  "InvalidRuleError",
  "KeylessCommandError",
  "KeyrouteError",
  "MovedFraction",
  "NoKeyArgumentsError",
  "NoRuleMatchedError",
  "NotColocatedError",
  "NotSplittableError",
  "OpenSlotsError",
  "OptionNotApplicableError",
  "PartialReplyError",
  "PartialWriteError",
  "PartitionError",
  "Plan",
  "PlanError",
  "PolicyError",
  "Pool",
  "RedirectError",
  "SLOT_COUNT",
  "ServerEntryError",
  "ServerSpecError",
  "ShardRouter",
  "ShardSession",
  "ShardedClient",
  "ShardedMulti",
  "ShardedPipeline",
  "ShardedRedis",
  "ShardingError",
  "SlotNotServedError",
  "SlotOverlapError",
  "Split",
  "TagPatternError",
  "TopologyError",
  "TransactionStateError",
  "UncoveredSlotsError",
  "UnknownCommandError",
  "UnknownNodeError",
  "UnroutableCommandError",
  "WrongArityError",
  "applyReduce",
  "check",
  "checkTransaction",
  "commandKeyPositions",
  "commandKeys",
  "crc16",
  "createShardedClient",
  "hashTag",
  "keySlot",
  "keySlots",
  "parseRedirect",
  "patternSlot",
  "plan",
  "ready",
  "route",
  "split",
];

test("import: ready at once, exactly the public API", async () => {
  assert.deepEqual(Object.keys(esm).sort(), API);
  assert.equal(esm.keySlot("foo"), 12182);
  assert.equal(esm.SLOT_COUNT, 16384);
  const state = await Promise.race([esm.ready.then(() => "resolved"), new Promise((r) => setImmediate(r, "pending"))]);
  assert.equal(state, "resolved");
});

test("require: synchronous, exactly the public API", () => {
  const cjs = require("keyroute");
  assert.deepEqual(Object.keys(cjs).sort(), API);
  assert.equal(cjs.keySlot("foo"), 12182);
});

test("import and require share one instance", () => {
  const cjs = require("keyroute");
  for (const name of API) assert.equal(esm[name], cjs[name], name);
  assert.ok(new cjs.KeyrouteError("m", "C") instanceof esm.KeyrouteError);
});

function node(args, input) {
  return execFileSync(process.execPath, args, { cwd: CONSUMER, encoding: "utf8", input }).trim();
}

test("fresh processes: require, import and --input-type=module, no await", () => {
  assert.equal(node(["-e", 'console.log(require("keyroute").keySlot("foo"))']), "12182");
  assert.equal(
    node(["--input-type=module", "-e", 'import { keySlot } from "keyroute"; console.log(keySlot("foo"))']),
    "12182",
  );
  assert.equal(
    node(["--input-type=commonjs", "-"], 'const k = require("keyroute"); console.log(k.keySlots(["a", "b"]).join())'),
    "15495,3300",
  );
});

test("loading leaves the built-in prototypes as V8 keeps them (fast properties)", () => {
  // A bundler helper that once ran Object.create(String.prototype) turned it
  // into a dictionary, which made every charCodeAt in the process (the
  // user's code included) about five times slower. %HasFastProperties says
  // so without timing anything.
  const protos = "[String, Array, Object, Uint8Array, Function, Number, Map].map((c) => %HasFastProperties(c.prototype)).join()";
  const want = "true,true,true,true,true,true,true";
  for (const load of ['require("keyroute")', 'require("keyroute/slots")']) {
    assert.equal(node(["--allow-natives-syntax", "-e", `${load}; console.log(${protos})`]), want, load);
  }
  for (const entry of ["keyroute", "keyroute/slots"]) {
    const code = `import "${entry}"; console.log(${protos})`;
    assert.equal(node(["--allow-natives-syntax", "--input-type=module", "-e", code]), want, entry);
  }
});

test("require(esm) of the browser entries works, so they have no top-level await", (t) => {
  const [major, minor] = process.versions.node.split(".").map(Number);
  if (major < 20 || (major === 20 && minor < 19) || (major === 22 && minor < 12)) {
    t.skip(`require(esm) needs Node >= 20.19 or >= 22.12; this is ${process.version}`);
    return;
  }
  for (const file of ["keyroute.js", "slots.js"]) {
    const out = node(["-e", `console.log(require(${JSON.stringify(join(PKG, "dist", file))}).keySlot("foo"))`]);
    assert.equal(out, "12182", file);
  }
});

function listFiles(dir, root = dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path, root) : [relative(root, path)];
  });
}

test("the tarball holds exactly package.json, README.md, the licenses, dist/ and slots/package.json", () => {
  assert.deepEqual(listFiles(PKG).sort(), [
    "LICENSE-APACHE",
    "LICENSE-MIT",
    "README.md",
    "dist/keyroute-core.js",
    "dist/keyroute-impl.cjs",
    "dist/keyroute.cjs",
    "dist/keyroute.d.cts",
    "dist/keyroute.d.ts",
    "dist/keyroute.js",
    "dist/keyroute_slots_wasm.json",
    "dist/keyroute_wasm.json",
    "dist/node.js",
    "dist/slots-core.js",
    "dist/slots-node.js",
    "dist/slots-workerd.js",
    "dist/slots.cjs",
    "dist/slots.d.cts",
    "dist/slots.d.ts",
    "dist/slots.js",
    "dist/workerd.js",
    "package.json",
    "slots/package.json",
  ]);
  const pkg = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  assert.equal(pkg.name, "keyroute");
  assert.equal(pkg.type, "module");
  assert.ok(!("dependencies" in pkg), "keyroute has no runtime dependencies");
  // Workers take the wasm files from keyroute-wasm, of exactly this version;
  // nothing else needs it, so npm does not install it on its own.
  assert.deepEqual(pkg.peerDependencies, { "keyroute-wasm": pkg.version });
  assert.deepEqual(pkg.peerDependenciesMeta, { "keyroute-wasm": { optional: true } });
  // `types` first in every condition object (TypeScript reads them in order).
  const walk = (o) => {
    if (o && typeof o === "object") {
      const keys = Object.keys(o);
      if (keys.includes("types")) assert.equal(keys[0], "types", JSON.stringify(o));
      Object.values(o).forEach(walk);
    }
  };
  walk(pkg.exports);
  assert.equal(readFileSync(join(PKG, "dist/keyroute.d.ts"), "utf8"), readFileSync(join(PKG, "dist/keyroute.d.cts"), "utf8"));
  assert.equal(readFileSync(join(PKG, "dist/slots.d.ts"), "utf8"), readFileSync(join(PKG, "dist/slots.d.cts"), "utf8"));
  // keyroute/slots for resolvers without "exports" support.
  const legacy = JSON.parse(readFileSync(join(PKG, "slots/package.json"), "utf8"));
  assert.deepEqual(legacy, { main: "../dist/slots.cjs", module: "../dist/slots.js", types: "../dist/slots.d.cts" });
});

test("keyroute-wasm holds exactly the two modules, their types, the licenses and its README", () => {
  assert.deepEqual(listFiles(WASM_PKG).sort(), [
    "LICENSE-APACHE",
    "LICENSE-MIT",
    "README.md",
    "keyroute_bg.wasm",
    "keyroute_bg.wasm.d.ts",
    "keyroute_slots_bg.wasm",
    "keyroute_slots_bg.wasm.d.ts",
    "package.json",
  ]);
  const pkg = JSON.parse(readFileSync(join(WASM_PKG, "package.json"), "utf8"));
  const main = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  assert.equal(pkg.name, "keyroute-wasm");
  assert.equal(pkg.version, main.version);
  assert.equal(pkg.license, main.license);
  assert.deepEqual(Object.keys(pkg.exports).sort(), ["./keyroute_bg.wasm", "./keyroute_slots_bg.wasm", "./package.json"]);
});

const ENTRIES = [
  "dist/keyroute.js",
  "dist/keyroute.cjs",
  "dist/keyroute-impl.cjs",
  "dist/keyroute-core.js",
  "dist/workerd.js",
  "dist/slots.js",
  "dist/slots.cjs",
  "dist/slots-core.js",
  "dist/slots-workerd.js",
];
// The require() calls the CJS files make: their own wasm payload, a JSON file
// every bundler and Jest load with no configuration, and keyroute.cjs its code.
const PAYLOAD_REQUIRE = /\brequire\("\.\/(keyroute(_slots)?_wasm\.json|keyroute-impl\.cjs)"\)/g;
const FORBIDDEN = [
  /import\.meta/,
  /__dirname/,
  /__filename/,
  /\brequire\s*\(/,
  /["'](node:)?(fs|path|url|module|fs\/promises)["']/,
  /readFileSync/,
  /new URL\(/,
  /\bprocess\./,
];

test("grep guard: no Node built-ins, file paths or import.meta in the entries", () => {
  for (const entry of ENTRIES) {
    const text = readFileSync(join(PKG, entry), "utf8").replace(PAYLOAD_REQUIRE, "");
    for (const pattern of FORBIDDEN) {
      const hit = text.match(pattern);
      assert.equal(hit, null, `${entry} contains ${hit?.[0]} (${pattern})`);
    }
  }
});

test("no top-level await in any entry (parsed, not grepped)", () => {
  const ts = tool("typescript");
  for (const entry of [...ENTRIES, "dist/node.js", "dist/slots-node.js"]) {
    const source = ts.createSourceFile(entry, readFileSync(join(PKG, entry), "utf8"), ts.ScriptTarget.Latest, true);
    const found = [];
    const visit = (node, inFunction) => {
      const isFunction = ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node);
      if (!inFunction && (ts.isAwaitExpression(node) || (ts.isForOfStatement(node) && node.awaitModifier))) {
        found.push(source.getLineAndCharacterOfPosition(node.getStart()).line + 1);
      }
      ts.forEachChild(node, (child) => visit(child, inFunction || isFunction));
    };
    visit(source, false);
    assert.deepEqual(found, [], `${entry}: top-level await on lines ${found.join(", ")}`);
  }
});

const importOf = (name) => new RegExp(`from\\s*["']\\./${name.replace(/\./g, "\\.")}["']`);
const jsonImportOf = (name) => new RegExp(`from\\s*["']\\./${name.replace(/\./g, "\\.")}["']\\s*with\\s*\\{\\s*type:\\s*["']json["']\\s*\\}`);
const requireOf = (name) => new RegExp(`require\\(["']\\./${name.replace(/\./g, "\\.")}["']\\)`);

for (const [label, wasmFile, payload, esm, cjs, workerd, core] of [
  ["keyroute", "keyroute_bg.wasm", "keyroute_wasm.json", "keyroute.js", "keyroute-impl.cjs", "workerd.js", "keyroute-core.js"],
  ["keyroute/slots", "keyroute_slots_bg.wasm", "keyroute_slots_wasm.json", "slots.js", "slots.cjs", "slots-workerd.js", "slots-core.js"],
]) {
  test(`${label}: the wasm once as ${payload} for ESM and CJS; keyroute-wasm's ${wasmFile} for workerd is the same module, named by its build`, () => {
    const read = (f) => readFileSync(join(PKG, "dist", f), "utf8");
    const parsed = JSON.parse(read(payload));
    // An object, never a bare string (see "loading leaves the built-in prototypes").
    assert.deepEqual(Object.keys(parsed), ["hex"]);
    const wasm = Buffer.from(parsed.hex, "hex");
    assert.equal(wasm.toString("hex"), parsed.hex, `${payload} is hex`);
    // keyroute-wasm's file: these bytes, then one custom section
    // "keyroute_build" holding "<version>+<first 16 hex digits of their SHA-256>".
    const file = readFileSync(join(WASM_PKG, wasmFile));
    assert.ok(file.subarray(0, wasm.length).equals(wasm), `keyroute-wasm/${wasmFile} starts with the payload's module`);
    const version = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8")).version;
    const id = `${version}+${createHash("sha256").update(wasm).digest("hex").slice(0, 16)}`;
    const name = Buffer.from("keyroute_build");
    const body = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(id)]);
    assert.ok(body.length < 128);
    assert.deepEqual(file.subarray(wasm.length), Buffer.concat([Buffer.from([0, body.length]), body]));
    assert.deepEqual(
      WebAssembly.Module.customSections(new WebAssembly.Module(file), "keyroute_build").map((b) => Buffer.from(b).toString()),
      [id],
    );
    assert.ok(read(workerd).includes(JSON.stringify(id)), `${workerd} checks for build ${id}`);
    assert.match(read(esm), jsonImportOf(payload), `${esm} imports ${payload} as JSON`);
    assert.match(read(cjs), requireOf(payload), `${cjs} requires ${payload}`);
    assert.match(read(workerd), new RegExp(`from\\s*["']keyroute-wasm/${wasmFile.replace(/\./g, "\\.")}["']`), `${workerd} imports keyroute-wasm/${wasmFile}`);
    assert.match(read(esm), importOf(core));
    assert.match(read(workerd), importOf(core));
    // No entry carries the bytes itself, and only workerd names the .wasm.
    for (const f of [esm, cjs, workerd, core]) {
      const text = read(f);
      assert.equal(/[A-Za-z0-9+/]{2000,}/.test(text), false, `${f} must not inline the wasm`);
      if (f !== workerd) assert.equal(/_bg\.wasm/.test(text), false, `${f} must not reference a .wasm file`);
      if (f !== esm && f !== cjs) assert.equal(/_wasm\.json/.test(text), false, `${f} must not load the payload`);
    }
    assert.equal(/keyroute_glue/.test(read(core)), label === "keyroute", "each entry over its own glue");
  });
}

test("size budget: the packed tarballs", () => {
  const tarball = statSync(TARBALL).size;
  const wasmTarball = statSync(WASM_TARBALL).size;
  const wasm = statSync(join(WASM_PKG, "keyroute_bg.wasm")).size;
  console.log(
    `# ${relative(WORK, TARBALL)}: ${tarball} bytes packed; ${relative(WORK, WASM_TARBALL)}: ${wasmTarball} bytes packed; ` +
      `keyroute_bg.wasm: ${wasm} bytes`,
  );
  // Measured: 800,003 bytes packed (the wasm gzipped once raw, ~305 KB, and
  // once as hex JSON, ~343 KB; the wrapper once in ESM and once in CJS,
  // ~37 KB each; the declarations; keyroute/slots ~35 KB). Before the
  // payload was shared: 1.33 MB (base64 in keyroute.js and keyroute.cjs).
  // Then five more client schemes (go-redis Ring v5 and v9, python-memcached,
  // phpredis RedisArray, Dalli, redis-rb's bare HashRing), npm hashring's
  // digests (SHA-1, SHA-224..512), redis-rb tag patterns, servers given as
  // mappings, Codis slots and the input bounds of the hardening work:
  // 901,313 bytes of wasm, 917,516 bytes packed. The budgets moved with them.
  // spymemcached's two locators (seven Java String hashes, its node keys
  // with an IP literal parser, the weighted ketama): from 934,359 to
  // 950,836 bytes of wasm, 960,875 bytes packed. Then the shard fault rules,
  // and every core error's own code with the class tree that names each
  // code's class (the strings of about a hundred codes and 37 classes):
  // about 10 KB more. Then load-aware plans (the balancer, the load probe
  // and its reply reading, the load report): about 196 KB more wasm,
  // 1,151,942 bytes of wasm and 1,124,126 bytes packed before the error
  // codes. The budgets moved with them.
  // Then the raw .wasm left `keyroute` for the companion keyroute-wasm,
  // which only Workers need: keyroute carries the module once (hex), which
  // the 700 kB budget of the package is for.
  assert.ok(wasm <= 1180 * 1024, `wasm is ${wasm} bytes, budget 1180 KiB`);
  assert.ok(tarball <= 700 * 1000, `the keyroute tarball is ${tarball} bytes, budget 700 kB`);
  assert.ok(wasmTarball <= 480 * 1000, `the keyroute-wasm tarball is ${wasmTarball} bytes, budget 480 kB`);
});

test("size budget: keyroute/slots", () => {
  const wasm = statSync(join(WASM_PKG, "keyroute_slots_bg.wasm")).size;
  const files = ["dist/slots.js", "dist/slots-core.js", "dist/keyroute_slots_wasm.json"];
  const js = files.reduce((n, f) => n + statSync(join(PKG, f)).size, 0);
  const gz = files.reduce((n, f) => n + gzipSync(readFileSync(join(PKG, f)), { level: 9 }).length, 0);
  console.log(`# dist/keyroute_slots_bg.wasm: ${wasm} bytes; what a browser loads for keyroute/slots (${files.join(", ")}): ${js} bytes, gzipped: ${gz} bytes`);
  // Measured: 18,843 bytes of wasm (the core's slot code, its CRC tables and
  // the allocator the glue's large-key path uses), 43,582 bytes of slots.js,
  // 19,265 gzipped, when slots.js inlined the wasm as base64; as three files
  // (entry, code, hex payload) 56,753 bytes, 18,331 gzipped. With Codis
  // slots (keySlot(k, { scheme: "codis" }): CRC-32 and its table) 22,103
  // bytes of wasm, 21,476 gzipped.
  assert.ok(wasm <= 24 * 1024, `slots wasm is ${wasm} bytes, budget 24 KiB`);
  assert.ok(gz <= 24 * 1024, `slots.js gzipped is ${gz} bytes, budget 24 KiB`);
});
