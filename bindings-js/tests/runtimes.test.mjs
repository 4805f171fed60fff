// The packed package in the other JavaScript runtimes users run it in, each
// from the npm registry and pinned in package-lock.json: Bun, Deno and
// Cloudflare's workerd. Each imports `keyroute` and `keyroute/slots` the way
// its users do (bare specifiers through the consumer project's node_modules;
// for workerd, an esbuild bundle with wrangler's conditions and the .wasm as
// a Wasm module) and runs the golden vectors (tests/vectors/slots.json,
// answered by a real redis-server) through browser-check.mjs, as the browser
// tests do. Bun and Deno also load it with require().
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, join } from "node:path";
import { after, test } from "node:test";
import { CONSUMER, HERE, JS_DIR, WORK, tool } from "./helpers.mjs";

const BIN = join(JS_DIR, "node_modules", ".bin");
const VECTORS = process.env.KEYROUTE_VECTORS;
const dir = mkdtempSync(join(WORK, "runtimes-"));
after(() => rmSync(dir, { recursive: true, force: true }));

// The check script and its helper, in the consumer project so that `keyroute`
// resolves through its node_modules.
copyFileSync(join(HERE, "browser-check.mjs"), join(CONSUMER, "runtime-check.mjs"));
const script = (spec) => `import * as kr from ${JSON.stringify(spec)};
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { runVectors } from "./runtime-check.mjs";
const doc = JSON.parse(readFileSync(${JSON.stringify(VECTORS)}, "utf8"));
const result = await runVectors(kr, doc);
const required = createRequire(import.meta.url)(${JSON.stringify(spec)});
result.requireSlot = required.keySlot("foo");
result.sameInstance = required.keySlot === kr.keySlot;
console.log(JSON.stringify(result));
`;
const ENTRIES = [
  ["keyroute", "app-keyroute.mjs"],
  ["keyroute/slots", "app-slots.mjs"],
];
for (const [spec, file] of ENTRIES) writeFileSync(join(CONSUMER, file), script(spec));

function checkResult(label, out) {
  const result = JSON.parse(out.trim().split("\n").pop());
  assert.equal(result.error, undefined, result.error);
  assert.deepEqual(result.failures, [], `${label}: ${result.failureCount} failures`);
  assert.ok(result.cases >= 1000 && result.checked > 3 * result.cases, JSON.stringify(result));
  console.log(`# ${label}: ${result.checked} checks on ${result.cases} vectors; keySlot(string) ~${result.ns.toFixed(0)} ns/key`);
  return result;
}

const version = (bin, args) => execFileSync(join(BIN, bin), args, { encoding: "utf8" }).trim().split("\n")[0];

for (const [spec, file] of ENTRIES) {
  test(`Bun (${version("bun", ["--version"])}): import and require of ${spec}, every vector`, () => {
    const out = execFileSync(join(BIN, "bun"), ["run", file], {
      cwd: CONSUMER,
      encoding: "utf8",
      env: { ...process.env, BUN_INSTALL_CACHE_DIR: join(dir, "bun-cache"), DO_NOT_TRACK: "1" },
    });
    const result = checkResult(`bun ${spec}`, out);
    assert.equal(result.requireSlot, 12182);
    assert.equal(result.sameInstance, true, "Bun: import and require share one instance");
  });

  test(`${version("deno", ["--version"])}: import and require of ${spec}, every vector`, () => {
    const out = execFileSync(
      join(BIN, "deno"),
      ["run", "--quiet", "--no-prompt", `--allow-read=${CONSUMER},${VECTORS}`, "--allow-env", file],
      {
        cwd: CONSUMER,
        encoding: "utf8",
        env: { ...process.env, DENO_DIR: join(dir, "deno-dir"), DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
      },
    );
    const result = checkResult(`deno ${spec}`, out);
    assert.equal(result.requireSlot, 12182);
    assert.equal(result.sameInstance, true, "Deno: import and require share one instance");
  });
}

// workerd: the worker is what wrangler would deploy: esbuild with wrangler's
// conditions (workerd, worker, browser) picks dist/workerd.js (or
// dist/slots-workerd.js), the .wasm stays a module of its own, compiled by
// the runtime (workerd refuses to compile wasm from bytes at run time).
const esbuild = tool("esbuild");
for (const [spec, wasm] of [
  ["keyroute", "keyroute_bg.wasm"],
  ["keyroute/slots", "keyroute_slots_bg.wasm"],
]) {
  test(`workerd (${version("workerd", ["--version"])}): ${spec} in a worker, every vector`, async () => {
    const name = spec.replace("/", "-");
    const out = join(dir, `workerd-${name}`);
    mkdirSync(out, { recursive: true });
    const entry = join(CONSUMER, `worker-${name}.mjs`);
    writeFileSync(
      entry,
      `import * as kr from ${JSON.stringify(spec)};
import { runVectors } from "./runtime-check.mjs";
import vectors from "./vectors.json";
export default {
  async test() {
    const result = await runVectors(kr, vectors);
    console.log("KEYROUTE-RESULT " + JSON.stringify(result));
    if (result.failureCount !== 0) throw new Error(result.failureCount + " failures: " + result.failures.join("; "));
  },
};
`,
    );
    copyFileSync(VECTORS, join(CONSUMER, "vectors.json"));
    const built = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      format: "esm",
      outfile: join(out, "worker.js"),
      metafile: true,
      logLevel: "silent",
      // As wrangler does: the .wasm import (from keyroute-wasm) becomes a
      // module of its own beside the worker, imported by its file name.
      plugins: [
        {
          name: "wasm-beside",
          setup(build) {
            build.onResolve({ filter: /\.wasm$/ }, (args) => {
              const file = createRequire(join(args.resolveDir, "index.js")).resolve(args.path);
              copyFileSync(file, join(out, basename(file)));
              return { path: `./${basename(file)}`, external: true };
            });
          },
        },
      ],
    });
    const inputs = Object.keys(built.metafile.inputs);
    const expectedEntry = spec === "keyroute" ? "dist/workerd.js" : "dist/slots-workerd.js";
    assert.ok(inputs.some((p) => p.endsWith(`node_modules/keyroute/${expectedEntry}`)), inputs.join(", "));
    assert.ok(!inputs.some((p) => p.endsWith("_wasm.json")), "no inlined wasm in a worker");
    assert.ok(existsSync(join(out, wasm)), `${wasm} from keyroute-wasm beside the worker`);
    writeFileSync(
      join(out, "config.capnp"),
      `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "${wasm}", wasm = embed "${wasm}"),
  ],
  compatibilityDate = "2025-01-01",
);
`,
    );
    const run = spawnSync(join(BIN, "workerd"), ["test", "--verbose", join(out, "config.capnp")], {
      cwd: out,
      encoding: "utf8",
    });
    const text = `${run.stdout}\n${run.stderr}`;
    assert.equal(run.status, 0, `workerd test failed (status ${run.status}):\n${text}`);
    const line = text.split("\n").find((l) => l.includes("KEYROUTE-RESULT "));
    assert.ok(line, `no result from the worker:\n${text}`);
    checkResult(`workerd ${spec}`, line.slice(line.indexOf("KEYROUTE-RESULT ") + 16));
  });
}
