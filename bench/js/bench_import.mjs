// What loading keyroute costs a Node process, against cluster-key-slot 1.1.2
// (the slot function of ioredis): cold `import()` and `require()` of each
// package's main entry, resolved through node_modules as a user's code
// resolves them (keyroute's exports map: `import` -> dist/node.js,
// `require` -> dist/keyroute.cjs, both instantiating the full wasm).
//
//   node bench/js/bench_import.mjs [--runs 21]
//
// Every sample is a fresh `node` process. Before the clock starts, that
// process has already loaded empty modules with the same loader (an empty
// .mjs and an empty .cjs through import(), an empty .cjs through require()),
// so the loaders' own start-up is not counted: for import() that includes
// the first CommonJS module it imports (both packages' Node ESM entries are
// CommonJS underneath: measured, ~10-14 ms for cluster-key-slot otherwise). Reported: the median over the runs, in ms, and
// ratios; keyroute's ESM/CJS ratio is the one the package promises to keep
// small (at most 1.25x, or within 3 ms).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { record } from "./rows.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
const runs = Number(opt("--runs", "21"));
const pkgDir = resolve(process.env.KEYROUTE_PKG ?? join(root, "bindings-js/pkg"));
const cksDir = join(root, "bindings-js/node_modules/cluster-key-slot");

// A throwaway project whose node_modules holds both packages.
mkdirSync(join(root, "target"), { recursive: true });
const dir = mkdtempSync(join(root, "target", "bench-import-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, "node_modules"));
symlinkSync(pkgDir, join(dir, "node_modules", "keyroute"), "dir");
symlinkSync(cksDir, join(dir, "node_modules", "cluster-key-slot"), "dir");
writeFileSync(join(dir, "package.json"), '{ "name": "bench-import", "private": true }\n');
writeFileSync(join(dir, "empty.mjs"), "export {};\n");
writeFileSync(join(dir, "empty.cjs"), "module.exports = {};\n");
// Each probe uses what it loaded, so nothing is left unevaluated.
writeFileSync(
  join(dir, "probe.mjs"),
  `await import("./empty.mjs");
await import("./empty.cjs");
const spec = process.argv[2];
const t0 = performance.now();
const m = await import(spec);
const ms = performance.now() - t0;
const f = m.keySlot ?? m.default;
if (f("foo") !== 12182) throw new Error(spec + ": wrong slot");
console.log(ms);
`,
);
writeFileSync(
  join(dir, "probe.cjs"),
  `require("./empty.cjs");
const spec = process.argv[2];
const t0 = performance.now();
const m = require(spec);
const ms = performance.now() - t0;
const f = m.keySlot ?? m;
if (f("foo") !== 12182) throw new Error(spec + ": wrong slot");
console.log(ms);
`,
);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

function sample(probe, spec) {
  return Number(execFileSync(process.execPath, [join(dir, probe), spec], { cwd: dir, encoding: "utf8" }).trim());
}

const rows = [
  ["import()", "probe.mjs"],
  ["require()", "probe.cjs"],
];
// keyroute/slots: the slot functions over their own 19 KB wasm.
const SPECS = ["keyroute", "keyroute/slots", "cluster-key-slot"];
const result = {};
// Interleaved, so that a noisy moment hits every package alike.
for (const [label, probe] of rows) {
  const samples = Object.fromEntries(SPECS.map((s) => [s, []]));
  for (let i = 0; i < runs; i++) for (const spec of SPECS) samples[spec].push(sample(probe, spec));
  result[label] = Object.fromEntries(SPECS.map((s) => [s, median(samples[s])]));
}

const fmt = (x) => x.toFixed(2).padStart(15);
console.log(`import cost in Node ${process.version}: median of ${runs} fresh processes, ms after the loaders' start-up`);
console.log(`${"".padEnd(10)}${SPECS.map((s) => s.padStart(17)).join("")}   vs cluster-key-slot`);
for (const [label] of rows) {
  const r = result[label];
  const ratios = SPECS.slice(0, 2).map((s) => `${s} ${(r[s] / r["cluster-key-slot"]).toFixed(1)}x`).join(", ");
  console.log(`${label.padEnd(10)}${SPECS.map((s) => fmt(r[s]) + "  ").join("")} ${ratios}`);
  for (const s of SPECS.filter((s) => s !== "cluster-key-slot")) {
    record("import", `${label} ${s} (ns per import)`, "cluster-key-slot", r["cluster-key-slot"] * 1e6, r[s] * 1e6);
  }
}
const esm = result["import()"].keyroute;
const cjs = result["require()"].keyroute;
const ok = esm <= 1.25 * cjs || esm - cjs <= 3;
console.log(
  `keyroute import() / require(): ${(esm / cjs).toFixed(2)}x (${(esm - cjs).toFixed(2)} ms): ` +
    (ok ? "within the promise (<= 1.25x or <= 3 ms)" : "OVER the promise (<= 1.25x or <= 3 ms)"),
);
