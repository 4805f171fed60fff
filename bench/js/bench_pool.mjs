// keyroute's Pool(scheme: "node-hashring") against npm hashring 3.2.0 itself
// (the library it reproduces, default options: its LRU cache included), on
// the same servers: per-key nodeFor vs ring.get(key), the batch indexesFor,
// and building the ring.
//
//   node bench/js/bench_pool.mjs [--keys target/bench-keys.txt] [--passes 11] [--limit 100000]
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { devRequire, loadKeyroute, main, opt, root, time } from "./harness.mjs";

const keysPath = resolve(opt("--keys", join(root, "target/bench-keys.txt")));
const LIMIT = Number(opt("--limit", "100000"));
const CHUNK = 10_000;
const HashRing = devRequire("hashring");

const servers = (n) => Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}:6379`);

function inputs(kind) {
  const strings = readFileSync(keysPath, "ascii").split("\n").filter((k) => k.length > 0).slice(0, LIMIT);
  const keys = kind === "buffers" ? strings.map((k) => Buffer.from(k)) : strings;
  const chunks = [];
  for (let i = 0; i < keys.length; i += CHUNK) chunks.push(keys.slice(i, i + CHUNK));
  return { keys, chunks };
}

async function perKey(n, kind) {
  const kr = await loadKeyroute();
  const list = servers(n);
  const ring = new HashRing(list);
  const pool = new kr.Pool(list, { scheme: "node-hashring" });
  const { keys, chunks } = inputs(kind);
  for (const k of keys) if (pool.nodeFor(k) !== ring.get(k)) throw new Error(`disagree on ${k}`);
  const incumbent = (chunk) => {
    let x = 0;
    for (let i = 0; i < chunk.length; i++) x ^= ring.get(chunk[i]).length;
    return x;
  };
  const ours = (chunk) => {
    let x = 0;
    for (let i = 0; i < chunk.length; i++) x ^= pool.nodeFor(chunk[i]).length;
    return x;
  };
  return { items: keys.length, ...time(chunks, [incumbent, ours], keys.length) };
}

async function batched(n) {
  const kr = await loadKeyroute();
  const list = servers(n);
  const ring = new HashRing(list);
  const pool = new kr.Pool(list, { scheme: "node-hashring" });
  const { keys, chunks } = inputs("strings");
  const index = new Map(list.map((s, i) => [s, i]));
  // The same answer either way: each key's server position, in order.
  const incumbent = (chunk) => {
    const out = new Uint32Array(chunk.length);
    for (let i = 0; i < chunk.length; i++) out[i] = index.get(ring.get(chunk[i]));
    return out[out.length - 1];
  };
  const ours = (chunk) => {
    const out = pool.indexesFor(chunk);
    return out[out.length - 1];
  };
  for (const chunk of chunks.slice(0, 3)) {
    if (incumbent(chunk) !== ours(chunk) || pool.indexesFor(chunk).some((x, i) => x !== index.get(ring.get(chunk[i])))) {
      throw new Error("disagree");
    }
  }
  return { items: keys.length, ...time(chunks, [incumbent, ours], keys.length) };
}

async function build(n) {
  const kr = await loadKeyroute();
  const list = servers(n);
  const reps = n >= 100 ? 5 : 50;
  const chunks = Array.from({ length: 10 }, () => reps);
  const incumbent = (r) => {
    let x = 0;
    for (let i = 0; i < r; i++) x ^= new HashRing(list).ring.length;
    return x;
  };
  const ours = (r) => {
    let x = 0;
    for (let i = 0; i < r; i++) {
      const p = new kr.Pool(list, { scheme: "node-hashring" });
      x ^= p.length;
      p.free();
    }
    return x;
  };
  return { items: reps * chunks.length, ...time(chunks, [incumbent, ours], reps * chunks.length) };
}

await main(fileURLToPath(import.meta.url), `Client-side sharding: keyroute Pool(node-hashring) vs npm hashring ${devRequire("hashring/package.json").version} on ${keysPath} (first ${LIMIT})`, {
  "nodeFor(string), 10 servers": () => perKey(10, "strings"),
  "nodeFor(string), 100 servers": () => perKey(100, "strings"),
  "nodeFor(Buffer), 100 servers": () => perKey(100, "buffers"),
  "indexesFor(10k), 10 servers": () => batched(10),
  "indexesFor(10k), 100 servers": () => batched(100),
  "build ring, 10 servers": () => build(10),
  "build ring, 100 servers": () => build(100),
  // One process per row unless --procs says more: five made this script
  // take 5.5 minutes, for ratios of 8x and more.
}, "hashring", 1);
