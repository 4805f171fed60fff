// The sharded clients' MGET of 1000 keys over 4 standalone redis-servers on
// loopback (started here, stopped by PID), against the same work by hand:
// group the keys with Pool.indexesFor, one MGET per shard in parallel,
// reassemble in the caller's order. ioredis: ShardedRedis.mget vs the
// wrapped clients' mget; node-redis: createShardedClient().mGet vs the
// wrapped clients' mGet. The pipeline rows: a pipeline of one GET per key
// (ShardedRedis.pipeline(), ShardedClient.multi().execAsPipeline()) against
// one client pipeline per shard of that shard's GETs, in parallel, the
// [err, reply] pairs or replies put back in the caller's order. Results
// are checked equal before timing; the
// contenders alternate call by call; the median over passes of the mean
// microseconds per MGET is reported, in wall time and in this process's
// CPU time (the "client CPU" rows: what the client spends, see race). ratio = by hand / keyroute (> 1:
// keyroute is faster; 1.00: the adapter costs nothing measurable).
//
//   node bench/js/bench_sharded.mjs [--passes 11] [--calls 200] [--keys 1000]
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { devRequire, loadKeyroute, opt, root } from "./harness.mjs";
import { record } from "./rows.mjs";

const PASSES = Number(opt("--passes", "11"));
const CALLS = Number(opt("--calls", "200"));
const KEYS = Number(opt("--keys", "1000"));
const WARMUP = 2;

const { Redis } = devRequire("ioredis");
const nodeRedis = devRequire("redis");
const { startShards } = await import(pathToFileURL(join(root, "bindings-js/tests/sharded-servers.mjs")).href);

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Median over passes of the mean µs per call, contenders alternating call
 * by call: `[wall, cpu]`, each `[by hand, keyroute]`. Wall time is what a
 * caller waits (the servers' work included); CPU time is this process's
 * own (getrusage: the client's work, preemption by other processes left
 * out), where the adapter's overhead shows without the loopback's noise.
 */
async function race(contenders) {
  const wall = contenders.map(() => []);
  const cpu = contenders.map(() => []);
  const cpuNow = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  for (let p = 0; p < WARMUP + PASSES; p++) {
    const total = contenders.map(() => 0n);
    const used = contenders.map(() => 0);
    for (let i = 0; i < CALLS; i++) {
      const order = (p + i) % 2 ? [1, 0] : [0, 1];
      for (const c of order) {
        const c0 = cpuNow();
        const t0 = process.hrtime.bigint();
        await contenders[c]();
        total[c] += process.hrtime.bigint() - t0;
        used[c] += cpuNow() - c0;
      }
    }
    if (p >= WARMUP) {
      total.forEach((t, c) => wall[c].push(Number(t) / CALLS / 1000));
      used.forEach((t, c) => cpu[c].push(t / CALLS));
    }
  }
  return [wall.map(median), cpu.map(median)];
}

/** The by-hand MGET: one per shard, in parallel, reassembled. */
function byHand(pool, clients, keys, mget) {
  const idx = pool.indexesFor(keys);
  const groups = clients.map(() => []);
  const where = clients.map(() => []);
  idx.forEach((s, i) => {
    groups[s].push(keys[i]);
    where[s].push(i);
  });
  return Promise.all(groups.map((g, s) => (g.length ? mget(clients[s], g) : []))).then((replies) => {
    const out = new Array(keys.length);
    replies.forEach((r, s) => where[s].forEach((i, j) => (out[i] = r[j])));
    return out;
  });
}

const kr = await loadKeyroute();
const servers = await startShards(4, { nutcracker: false });
const closers = [];
try {
  const options = { scheme: "twemproxy-ketama", hash: "fnv1a_64" };
  const pool = new kr.Pool(servers.specs, options);
  const keys = Array.from({ length: KEYS }, (_, i) => `bench:user:${i}`);
  const io = servers.ports.map((port) => new Redis({ host: "127.0.0.1", port }));
  closers.push(() => io.forEach((c) => c.disconnect()));
  const sharded = new kr.ShardedRedis(new Map(servers.specs.map((s, i) => [s, io[i]])), options);
  await sharded.mset(keys.flatMap((k, i) => [k, `value-${i}-${"x".repeat(24)}`]));
  const nr = [];
  for (const port of servers.ports) {
    const c = nodeRedis.createClient({ socket: { host: "127.0.0.1", port } });
    await c.connect();
    nr.push(c);
  }
  closers.push(() => Promise.all(nr.map((c) => c.close())));
  const nodeSharded = kr.createShardedClient({ shards: new Map(servers.specs.map((s, i) => [s, nr[i]])), ...options });

  // A pipeline of one GET per key: by hand, one client pipeline per shard.
  const ioPipe = (p, ks) => {
    for (const k of ks) p.get(k);
    return p.exec();
  };
  const nodePipe = (m, ks) => {
    for (const k of ks) m.get(k);
    return m.execAsPipeline();
  };
  const rows = [
    ["ioredis: ShardedRedis.mget", () => byHand(pool, io, keys, (c, g) => c.mget(g)), () => sharded.mget(keys)],
    ["node-redis: ShardedClient.mGet", () => byHand(pool, nr, keys, (c, g) => c.mGet(g)), () => nodeSharded.mGet(keys)],
    ["ioredis: ShardedPipeline, GETs", () => byHand(pool, io, keys, (c, g) => ioPipe(c.pipeline(), g)), () => ioPipe(sharded.pipeline(), keys)],
    ["node-redis: execAsPipeline, GETs", () => byHand(pool, nr, keys, (c, g) => nodePipe(c.multi(), g)), () => nodePipe(nodeSharded.multi(), keys)],
  ];
  console.log(`MGET of ${KEYS} keys, and a pipeline of ${KEYS} GETs, over 4 shards (redis-server on loopback); node ${process.version}; median of ${PASSES} passes x ${CALLS} calls after ${WARMUP} warm-up`);
  console.log(`${"case".padEnd(46)}${"by hand µs".padStart(12)}${"keyroute µs".padStart(13)}${"ratio".padStart(8)}`);
  for (const [name, hand, ours] of rows) {
    const [a, b] = [await hand(), await ours()];
    if (JSON.stringify(a) !== JSON.stringify(b) || a.some((v) => v === null || (Array.isArray(v) && v[1] === null))) throw new Error(`${name}: results differ`);
    const [[h, o], [hc, oc]] = await race([hand, ours]);
    record("sharded", name, "by hand", h * 1000, o * 1000);
    record("sharded", `${name} (client CPU)`, "by hand", hc * 1000, oc * 1000);
    console.log(`${name.padEnd(46)}${h.toFixed(1).padStart(12)}${o.toFixed(1).padStart(13)}${((h / o).toFixed(2) + "x").padStart(8)}`);
    console.log(`${`${name} (client CPU)`.padEnd(46)}${hc.toFixed(1).padStart(12)}${oc.toFixed(1).padStart(13)}${((hc / oc).toFixed(2) + "x").padStart(8)}`);
  }
} finally {
  for (const c of closers) await c();
  await servers.stop();
}
