// Shared by bench_cluster.mjs and bench_command.mjs: every row runs in a
// fresh child process (JIT state of one row must not bias the next); within
// a row the two contenders alternate chunk by chunk, each pass covers every
// input once, and the median ns per item over the passes is reported after
// warm-up passes. ratio = incumbent / keyroute (> 1: keyroute is faster).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { record } from "./rows.mjs";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const args = process.argv.slice(2);
export const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : args[i + 1];
};
export const devRequire = createRequire(join(root, "bindings-js/package.json"));
const pkgDir = resolve(process.env.KEYROUTE_PKG ?? join(root, "bindings-js/pkg"));

export function loadKeyroute() {
  return import(pathToFileURL(join(pkgDir, "dist/node.js")).href);
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Times `contenders` ([incumbent, ours], each `chunk => sink`) over `chunks`. */
export function time(chunks, contenders, items, passes = Number(opt("--passes", "11")), warmup = 3) {
  const times = [[], []];
  let sink = 0;
  for (let p = 0; p < warmup + passes; p++) {
    const total = [0n, 0n];
    chunks.forEach((chunk, j) => {
      for (const c of (p + j) % 2 ? [1, 0] : [0, 1]) {
        const t0 = process.hrtime.bigint();
        sink ^= contenders[c](chunk) | 0;
        total[c] += process.hrtime.bigint() - t0;
      }
    });
    if (p >= warmup) for (const c of [0, 1]) times[c].push(Number(total[c]) / items);
  }
  return { incumbent: median(times[0]), ours: median(times[1]), sink };
}

/**
 * Runs each row of `rows` (name -> async () => result) in a child process of
 * `script` and prints the table; `--row NAME` runs one row and prints JSON.
 */
export async function main(script, title, rows, incumbentName) {
  const only = opt("--row", null);
  if (only !== null) {
    process.stdout.write(JSON.stringify({ name: only, ...(await rows[only]()) }) + "\n");
    return;
  }
  console.log(`${title}; node ${process.version}; median of ${opt("--passes", "11")} passes after 3 warm-up`);
  const results = [];
  for (const name of Object.keys(rows)) {
    const child = spawnSync(process.execPath, [script, ...args, "--row", name], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "inherit"],
    });
    if (child.status !== 0) throw new Error(`row ${name} failed (exit ${child.status})`);
    results.push(JSON.parse(child.stdout.trim().split("\n").pop()));
  }
  const pad = (s, n) => String(s).padEnd(n);
  const num = (x, n) => x.toFixed(1).padStart(n);
  console.log(`${pad("case", 34)}${pad("items", 8)}${`${incumbentName} ns`.padStart(18)}${"keyroute ns".padStart(13)}${"ratio".padStart(8)}`);
  const bench = basename(script, ".mjs").replace(/^bench_/, "");
  for (const r of results) {
    record(bench, r.name, incumbentName, r.incumbent, r.ours);
    console.log(`${pad(r.name, 34)}${pad(r.items, 8)}${num(r.incumbent, 18)}${num(r.ours, 13)}${((r.incumbent / r.ours).toFixed(2) + "x").padStart(8)}`);
  }
  return results;
}
