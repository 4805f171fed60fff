// Shared by bench_cluster.mjs, bench_command.mjs and bench_pool.mjs (and
// bench_slot.mjs's processes and timer): every row runs in fresh child
// processes (JIT state of one row must not bias the next), several per row
// (--procs, default 5) taken in turns with the other rows, because one
// process's JIT decisions (what got inlined, which feedback the first calls
// left) move a ratio by more than the noise within a process. Within a
// process the two contenders alternate chunk by chunk, each pass covers
// every input once (the same inputs for both), and the median ns per item
// over the passes is reported after warm-up passes. Of the processes, the
// one with the median ratio is reported, with the lowest and highest ratios
// beside it. Times are the process's CPU time (cpuNow). ratio = incumbent /
// keyroute (> 1: keyroute is faster).
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

/** Warm-up passes before the timed ones. */
export const WARMUP = 5;

/** Whether this process is a row's first (see runRow). */
export const firstProcess = (process.env.KEYROUTE_BENCH_PROC ?? "0") === "0";

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * CPU time this process has used, in ns: what a timed chunk is charged.
 * Wall time would also charge the time the process spent preempted, and on
 * a shared 2-CPU machine one preemption (a few ms) is as long as a whole
 * pass of a command row, landing on one contender at random; getrusage
 * counts to the microsecond on Linux.
 */
export function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

/** Times `contenders` ([incumbent, ours], each `chunk => sink`) over `chunks`. */
export function time(chunks, contenders, items, passes = Number(opt("--passes", "11")), warmup = WARMUP) {
  const times = [[], []];
  let sink = 0;
  for (let p = 0; p < warmup + passes; p++) {
    const total = [0, 0];
    chunks.forEach((chunk, j) => {
      for (const c of (p + j) % 2 ? [1, 0] : [0, 1]) {
        const t0 = cpuNow();
        sink ^= contenders[c](chunk) | 0;
        total[c] += cpuNow() - t0;
      }
    });
    if (p >= warmup) for (const c of [0, 1]) times[c].push(total[c] / items);
  }
  return { incumbent: median(times[0]), ours: median(times[1]), sink };
}

/**
 * Runs each row of `rows` (name -> async () => result) in `--procs` child
 * processes of `script` (default `defaultProcs`) and prints the table;
 * `--row NAME` runs one row and prints JSON.
 */
export async function main(script, title, rows, incumbentName, defaultProcs = 5) {
  const only = opt("--row", null);
  if (only !== null) {
    process.stdout.write(JSON.stringify({ name: only, ...(await rows[only]()) }) + "\n");
    return;
  }
  const procs = Number(opt("--procs", String(defaultProcs)));
  console.log(`${title}; node ${process.version}; per row ${procs} processes, each the median of ${opt("--passes", "11")} passes after ${WARMUP} warm-up`);
  const runs = Object.fromEntries(Object.keys(rows).map((name) => [name, []]));
  for (let r = 0; r < procs; r++) {
    for (const name of Object.keys(rows)) runs[name].push(runRow(script, name, r));
  }
  const results = Object.keys(rows).map((name) => medianRun(runs[name]));
  const pad = (s, n) => String(s).padEnd(n);
  const num = (x, n) => x.toFixed(1).padStart(n);
  console.log(`${pad("case", 34)}${pad("items", 8)}${`${incumbentName} ns`.padStart(18)}${"keyroute ns".padStart(13)}${"ratio".padStart(8)}  (processes)`);
  const bench = basename(script, ".mjs").replace(/^bench_/, "");
  for (const r of results) {
    record(bench, r.name, incumbentName, r.incumbent, r.ours);
    console.log(`${pad(r.name, 34)}${pad(r.items, 8)}${num(r.incumbent, 18)}${num(r.ours, 13)}${((r.incumbent / r.ours).toFixed(2) + "x").padStart(8)}  ${r.spread}`);
  }
  return results;
}

/**
 * One row in a fresh process of `script`: its JSON result. The child reads
 * its turn `proc` from KEYROUTE_BENCH_PROC (0: the first, which prints
 * what a row prints once).
 */
export function runRow(script, name, proc = 0) {
  const child = spawnSync(process.execPath, [script, ...args, "--row", name], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, KEYROUTE_BENCH_PROC: String(proc) },
  });
  if (child.status !== 0) throw new Error(`row ${name} failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split("\n").pop());
}

/**
 * Of one row's runs (each `{incumbent, ours}`), the run with the median
 * ratio, and `spread`: the lowest and highest ratios ("1.9-2.3x").
 */
export function medianRun(results) {
  const ratio = (r) => r.incumbent / r.ours;
  const sorted = [...results].sort((a, b) => ratio(a) - ratio(b));
  const spread = `${ratio(sorted[0]).toFixed(2)}-${ratio(sorted[sorted.length - 1]).toFixed(2)}x`;
  return { ...sorted[(sorted.length - 1) >> 1], spread };
}
