// keyroute's Cluster.nodeFor (per key) and groupByNode (batched) against
// what ioredis's Cluster does to route a key: `slots[calculateSlot(key)]`
// (cluster-key-slot, the version ioredis itself depends on), an array of
// "host:port" per slot, then the node by that name.
//
//   node bench/js/bench_cluster.mjs [--keys target/bench-keys.txt] [--passes 11]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { devRequire, loadKeyroute, main, opt, root, time } from "./harness.mjs";

const keysPath = resolve(opt("--keys", join(root, "target/bench-keys.txt")));
const CHUNK = 10_000;
// ioredis resolves its own cluster-key-slot (1.1.1), not the hoisted one.
const cks = createRequire(devRequire.resolve("ioredis"))("cluster-key-slot");

/** A 3-primary, 3-replica layout, as a CLUSTER SLOTS reply and as ioredis keeps it. */
function layout() {
  const reply = [];
  const bounds = [[0, 5460], [5461, 10922], [10923, 16383]];
  bounds.forEach(([a, b], i) => reply.push([a, b, ["127.0.0.1", 7000 + i, `${i}`.repeat(40)], ["127.0.0.1", 7003 + i, `${i + 3}`.repeat(40)]]));
  const slots = new Array(16384);
  const nodes = {};
  for (const [a, b, ...ns] of reply) {
    const names = ns.map(([h, p]) => `${h}:${p}`);
    for (const n of names) nodes[n] ??= { host: "127.0.0.1", port: Number(n.split(":")[1]), key: n };
    for (let s = a; s <= b; s++) slots[s] = names;
  }
  return { reply, slots, nodes };
}

function inputs(kind) {
  const strings = readFileSync(keysPath, "ascii").split("\n").filter((k) => k.length > 0);
  const keys = kind === "buffers" ? strings.map((k) => Buffer.from(k)) : strings;
  const chunks = [];
  for (let i = 0; i < keys.length; i += CHUNK) chunks.push(keys.slice(i, i + CHUNK));
  return { keys, chunks };
}

async function perKey(kind) {
  const kr = await loadKeyroute();
  const { reply, slots, nodes } = layout();
  const cluster = kr.Cluster.fromSlots(reply);
  const { keys, chunks } = inputs(kind);
  for (const k of keys) {
    if (cluster.nodeFor(k).addr !== nodes[slots[cks(k)][0]].key) throw new Error(`disagree on ${k}`);
  }
  const incumbent = (chunk) => {
    let x = 0;
    for (let i = 0; i < chunk.length; i++) x ^= nodes[slots[cks(chunk[i])][0]].port;
    return x;
  };
  const ours = (chunk) => {
    let x = 0;
    for (let i = 0; i < chunk.length; i++) x ^= cluster.nodeFor(chunk[i]).port;
    return x;
  };
  return { items: keys.length, ...time(chunks, [incumbent, ours], keys.length) };
}

async function batched(kind) {
  const kr = await loadKeyroute();
  const { reply, slots, nodes } = layout();
  const cluster = kr.Cluster.fromSlots(reply);
  const { keys, chunks } = inputs(kind);
  // What a client does to fan a batch out: positions per node, in order.
  const incumbent = (chunk) => {
    const groups = new Map();
    for (let i = 0; i < chunk.length; i++) {
      const node = nodes[slots[cks(chunk[i])][0]];
      const g = groups.get(node);
      if (g === undefined) groups.set(node, [i]);
      else g.push(i);
    }
    return groups.size;
  };
  const ours = (chunk) => cluster.groupByNode(chunk).length;
  // Same node for every key either way.
  for (const chunk of chunks.slice(0, 3)) {
    for (const g of cluster.groupByNode(chunk)) {
      for (const p of g.positions) if (nodes[slots[cks(chunk[p])][0]].key !== g.node.addr) throw new Error("disagree");
    }
  }
  return { items: keys.length, ...time(chunks, [incumbent, ours], keys.length) };
}

await main(fileURLToPath(import.meta.url), `Cluster routing: keyroute vs ioredis's slots[calculateSlot(key)] on ${keysPath}`, {
  "nodeFor(string)": () => perKey("strings"),
  "nodeFor(Buffer)": () => perKey("buffers"),
  "groupByNode(10k strings)": () => batched("strings"),
  "groupByNode(10k Buffers)": () => batched("buffers"),
}, "ioredis slots[]");
