// Where a sharded client's 1000-key MGET spends its own time, without any
// I/O: the adapter's steps (ShardRouter.plan, the parts' argument lists,
// applyReduce) beside the by-hand steps of bench_sharded.mjs
// (Pool.indexesFor, grouping the keys, putting the replies back), each in
// CPU time per call. Not a side-by-side row: it explains those rows.
//
//   node bench/js/bench_sharded_parts.mjs [--calls 5000]
import { loadKeyroute, opt } from "./harness.mjs";

const CALLS = Number(opt("--calls", "5000"));
const kr = await loadKeyroute();
const specs = ["127.0.0.1:7001", "127.0.0.1:7002", "127.0.0.1:7003", "127.0.0.1:7004"];
const pool = new kr.Pool(specs, { scheme: "twemproxy-ketama", hash: "fnv1a_64" });
const router = kr.ShardRouter.forPool(pool);
const keys = Array.from({ length: 1000 }, (_, i) => `bench:user:${i}`);
const argv = ["mget", ...keys];
const step = router.plan(argv);
const replies = step.parts.map((p) => Array.from(p.argv.subarray(1), (pos) => `value-${pos}`));
const where = step.parts.map((p) => Array.from(p.keys));
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

const steps = [
  ["keyroute: ShardRouter.plan", () => router.plan(argv).parts.length],
  [
    "keyroute: the parts' argument lists",
    () => {
      let n = 0;
      for (const p of step.parts) {
        const a = new Array(p.argv.length - 1);
        for (let i = 1; i < p.argv.length; i++) a[i - 1] = argv[p.argv[i]];
        n += a.length;
      }
      return n;
    },
  ],
  ["keyroute: applyReduce", () => kr.applyReduce(step.reduce, replies).length],
  ["by hand: Pool.indexesFor", () => pool.indexesFor(keys).length],
  [
    "by hand: indexesFor + grouping",
    () => {
      const idx = pool.indexesFor(keys);
      const groups = specs.map(() => []);
      const at = specs.map(() => []);
      idx.forEach((s, i) => {
        groups[s].push(keys[i]);
        at[s].push(i);
      });
      return groups.length;
    },
  ],
  [
    "by hand: replies put back",
    () => {
      const out = new Array(keys.length);
      replies.forEach((r, s) => where[s].forEach((i, j) => (out[i] = r[j])));
      return out.length;
    },
  ],
];
console.log(`one MGET of ${keys.length} keys over 4 shards, no I/O; node ${process.version}; CPU µs per call over ${CALLS} calls`);
for (const [name, f] of steps) {
  for (let i = 0; i < CALLS / 2; i++) f();
  const t = cpu();
  for (let i = 0; i < CALLS; i++) f();
  console.log(`${name.padEnd(40)}${((cpu() - t) / CALLS).toFixed(1).padStart(8)}`);
}
