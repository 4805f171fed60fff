// The package as bundlers see it: esbuild for Node (the bundle must keep
// working after it is moved: no __dirname, no side file), for browsers (the
// self-contained ESM entry) and for Cloudflare Workers (the workerd entry,
// run here with a plugin doing what wrangler does with a .wasm import); then
// the same for `keyroute/slots`, whose bundles must not carry the full wasm.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, test } from "node:test";
import { gzipSync } from "node:zlib";
import { CONSUMER, PKG, WORK, tool } from "./helpers.mjs";

const esbuild = tool("esbuild");
const dir = mkdtempSync(join(WORK, "bundle-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const KEYS = ["foo", "{user1000}.following", "foo{}{bar}", "é", "\ud800abc", "x".repeat(70000)];

// The consumers live in the consumer project, where `keyroute` is installed.
const appSource = (importLine) => `${importLine}
const keys = ${JSON.stringify(KEYS)};
const slots = keys.map((k) => keySlot(k));
const batch = Array.from(keySlots(keys));
if (slots.join() !== batch.join()) throw new Error("keySlot and keySlots disagree");
console.log(slots.join());
`;
writeFileSync(join(CONSUMER, "app-esm.mjs"), appSource('import { keySlot, keySlots } from "keyroute";'));
writeFileSync(join(CONSUMER, "app-cjs.cjs"), appSource('const { keySlot, keySlots } = require("keyroute");'));

function expected() {
  const out = execFileSync(process.execPath, [join(CONSUMER, "app-esm.mjs")], { cwd: CONSUMER, encoding: "utf8" });
  assert.ok(out.startsWith("12182,3443,8363,10180,4221,"), out);
  return out.trim();
}

// wrangler turns `import m from "x.wasm"` into a compiled WebAssembly.Module;
// this plugin does the same from the file the import resolves to (the
// workerd entries import it from the companion package keyroute-wasm).
const wasmAsModule = {
  name: "wasm-module",
  setup(build) {
    build.onResolve({ filter: /\.wasm$/ }, (args) => ({
      path: args.path.startsWith(".")
        ? join(args.resolveDir, args.path)
        : createRequire(join(args.resolveDir, "index.js")).resolve(args.path),
      namespace: "wasm",
    }));
    build.onLoad({ filter: /.*/, namespace: "wasm" }, (args) => ({
      contents: `export default new WebAssembly.Module(Uint8Array.from(atob(${JSON.stringify(
        readFileSync(args.path).toString("base64"),
      )}), (c) => c.charCodeAt(0)));`,
      loader: "js",
    }));
  },
};

for (const [name, entry, format, ext] of [
  ["ESM", "app-esm.mjs", "esm", "mjs"],
  ["CJS", "app-cjs.cjs", "cjs", "cjs"],
]) {
  test(`esbuild --platform=node (${name}): the bundle runs after being moved`, async () => {
    const built = join(dir, `node-${format}`, `app.${ext}`);
    const result = await esbuild.build({
      entryPoints: [join(CONSUMER, entry)],
      bundle: true,
      platform: "node",
      format,
      outfile: built,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs).join("\n");
    assert.match(inputs, /node_modules\/keyroute\/dist\/(node\.js|keyroute\.cjs)/);
    const elsewhere = join(dir, "elsewhere", format);
    mkdirSync(elsewhere, { recursive: true });
    renameSync(built, join(elsewhere, `app.${ext}`));
    rmSync(join(dir, `node-${format}`), { recursive: true, force: true });
    const out = execFileSync(process.execPath, [join(elsewhere, `app.${ext}`)], { cwd: elsewhere, encoding: "utf8" });
    assert.equal(out.trim(), expected());
  });
}

test("esbuild --platform=browser picks dist/keyroute.js; the bundle has no Node built-ins", async () => {
  const result = await esbuild.build({
    entryPoints: [join(CONSUMER, "app-esm.mjs")],
    bundle: true,
    platform: "browser",
    format: "esm",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((p) => p.endsWith("node_modules/keyroute/dist/keyroute.js")), inputs.join(", "));
  assert.ok(!inputs.some((p) => p.endsWith(".cjs")), inputs.join(", "));
  const text = result.outputFiles[0].text;
  for (const bad of [/import\.meta/, /\brequire\s*\(/, /__dirname/, /["']node:/]) assert.doesNotMatch(text, bad);
});

test("esbuild --conditions=workerd: the .wasm import, instantiated like wrangler does", async () => {
  const result = await esbuild.build({
    entryPoints: [join(CONSUMER, "app-esm.mjs")],
    bundle: true,
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    format: "esm",
    outfile: join(dir, "workerd", "app.mjs"),
    metafile: true,
    plugins: [wasmAsModule],
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((p) => p.endsWith("node_modules/keyroute/dist/workerd.js")), inputs.join(", "));
  assert.ok(inputs.some((p) => p.endsWith("keyroute_bg.wasm")), inputs.join(", "));
  const out = execFileSync(process.execPath, [join(dir, "workerd", "app.mjs")], { encoding: "utf8" });
  assert.equal(out.trim(), expected());
  // Without the plugin, the .wasm import stays an import for the host to resolve.
  const plain = await esbuild.build({
    entryPoints: [join(PKG, "dist", "workerd.js")],
    bundle: true,
    platform: "neutral",
    format: "esm",
    write: false,
    external: ["*.wasm"],
    logLevel: "silent",
  });
  assert.match(plain.outputFiles[0].text, /from\s+["']keyroute-wasm\/keyroute_bg\.wasm["']/);
});

test("workerd: a keyroute-wasm of another build is refused at import, saying which version to install", async () => {
  const version = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8")).version;
  const real = readFileSync(createRequire(join(PKG, "index.js")).resolve("keyroute-wasm/keyroute_bg.wasm"));
  const name = Buffer.from("keyroute_build");
  const at = real.lastIndexOf(name);
  assert.ok(at > 0, "keyroute-wasm's module has a keyroute_build section");
  // The same module with another build name of the same length.
  const other = Buffer.from(real);
  const id = other.subarray(at + name.length);
  id[id.length - 1] = id[id.length - 1] === 0x30 ? 0x31 : 0x30;
  const found = id.toString();
  const swapped = join(dir, "other-build.wasm");
  writeFileSync(swapped, other);
  const outfile = join(dir, "workerd-other", "app.mjs");
  await esbuild.build({
    entryPoints: [join(CONSUMER, "app-esm.mjs")],
    bundle: true,
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    format: "esm",
    outfile,
    logLevel: "silent",
    // The swapped module, loaded as wrangler would by wasmAsModule.
    plugins: [
      {
        name: "other-build",
        setup(build) {
          build.onResolve({ filter: /^keyroute-wasm\/keyroute_bg\.wasm$/ }, () => ({ path: swapped, namespace: "wasm" }));
        },
      },
      wasmAsModule,
    ],
  });
  let failure;
  try {
    execFileSync(process.execPath, [outfile], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    failure = error;
  }
  assert.ok(failure, "the bundle must not run against another build's wasm");
  assert.match(failure.stderr, /KeyrouteError/);
  assert.ok(failure.stderr.includes(`found keyroute-wasm ${version} (build ${found})`), failure.stderr);
  assert.ok(failure.stderr.includes(`npm install keyroute-wasm@${version}`), failure.stderr);
});

// ---- keyroute/slots ---------------------------------------------------------

writeFileSync(join(CONSUMER, "app-slots.mjs"), appSource('import { keySlot, keySlots } from "keyroute/slots";'));

test("esbuild --platform=browser of keyroute/slots alone: slots' own files only, no full wasm, small", async () => {
  const result = await esbuild.build({
    entryPoints: [join(CONSUMER, "app-slots.mjs")],
    bundle: true,
    platform: "browser",
    format: "esm",
    minify: true,
    outfile: join(dir, "slots-browser", "app.mjs"),
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs).filter((p) => p.includes("node_modules/keyroute/"));
  assert.deepEqual(inputs.map((p) => p.slice(p.indexOf("node_modules/keyroute/"))).sort(), [
    "node_modules/keyroute/dist/keyroute_slots_wasm.json",
    "node_modules/keyroute/dist/slots-core.js",
    "node_modules/keyroute/dist/slots.js",
  ]);
  const file = join(dir, "slots-browser", "app.mjs");
  const text = readFileSync(file, "utf8");
  for (const bad of [/import\.meta/, /\brequire\s*\(/, /__dirname/, /["']node:/, /keyroute_glue/]) assert.doesNotMatch(text, bad);
  const full = ["keyroute.js", "keyroute-core.js", "keyroute_wasm.json"]
    .map((f) => gzipSync(readFileSync(join(PKG, "dist", f)), { level: 9 }).length)
    .reduce((a, b) => a + b);
  const gz = gzipSync(text, { level: 9 }).length;
  console.log(`# browser bundle importing keyroute/slots: ${text.length} bytes, ${gz} gzipped (the full entry's files: ${full} gzipped)`);
  assert.ok(gz < 24 * 1024, `${gz} bytes gzipped`);
  assert.ok(gz * 10 < full);
  const out = execFileSync(process.execPath, [file], { encoding: "utf8" });
  assert.equal(out.trim(), expected());
});

test("esbuild --platform=node of keyroute/slots (CJS): the bundle runs after being moved", async () => {
  const built = join(dir, "slots-node", "app.cjs");
  const result = await esbuild.build({
    entryPoints: [join(CONSUMER, "app-slots.mjs")],
    bundle: true,
    platform: "node",
    format: "cjs",
    outfile: built,
    metafile: true,
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs).join("\n");
  assert.match(inputs, /node_modules\/keyroute\/dist\/slots(-node\.js|\.cjs)/);
  assert.doesNotMatch(inputs, /dist\/keyroute\.(c?js)/);
  const elsewhere = join(dir, "elsewhere", "slots");
  mkdirSync(elsewhere, { recursive: true });
  renameSync(built, join(elsewhere, "app.cjs"));
  const out = execFileSync(process.execPath, [join(elsewhere, "app.cjs")], { cwd: elsewhere, encoding: "utf8" });
  assert.equal(out.trim(), expected());
});

test("esbuild --conditions=workerd of keyroute/slots: its own .wasm import, instantiated like wrangler does", async () => {
  const result = await esbuild.build({
    entryPoints: [join(CONSUMER, "app-slots.mjs")],
    bundle: true,
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    format: "esm",
    outfile: join(dir, "slots-workerd", "app.mjs"),
    metafile: true,
    plugins: [wasmAsModule],
    logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile.inputs);
  assert.ok(inputs.some((p) => p.endsWith("node_modules/keyroute/dist/slots-workerd.js")), inputs.join(", "));
  assert.ok(inputs.some((p) => p.endsWith("keyroute_slots_bg.wasm")), inputs.join(", "));
  assert.ok(!inputs.some((p) => p.endsWith("keyroute_bg.wasm")), inputs.join(", "));
  const out = execFileSync(process.execPath, [join(dir, "slots-workerd", "app.mjs")], { encoding: "utf8" });
  assert.equal(out.trim(), expected());
});
