// Cross-language agent for the JS sharded clients (contract: one JSON
// request on stdin, one JSON reply on stdout). "client": "ioredis" uses
// ShardedRedis, "node-redis" createShardedClient; keyroute comes from
// bindings-js/pkg (bash bindings-js/scripts/build.sh), the clients from
// bindings-js/node_modules.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const JS = join(ROOT, "bindings-js");
const require = createRequire(join(JS, "package.json"));

// Python's option names, as the orchestrator writes them.
const OPTION_NAMES = {
  hash: "hash", hash_tag: "hashTag", char_sign: "charSign", redis_rb_id: "redisRbId", jedis: "jedis",
  default_port: "defaultPort", compatibility: "compatibility", vnodes: "vnodes", jump_hash: "jumpHash",
  table_size: "tableSize", tag: "tag",
};

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

const hex = (b) => (b === null || b === undefined ? null : Buffer.from(b).toString("hex"));

async function main() {
  const req = await readStdin();
  const kr = await import(pathToFileURL(join(JS, "pkg", "dist", "node.js")).href);
  const options = { scheme: req.scheme };
  for (const [k, v] of Object.entries(req.options ?? {})) {
    if (!(k in OPTION_NAMES)) throw new Error(`unknown pool option ${k}`);
    options[OPTION_NAMES[k]] = v;
  }
  const keys = (req.keys ?? []).map((h) => Buffer.from(h, "hex"));
  const values = (req.values ?? []).map((h) => Buffer.from(h, "hex"));
  if (req.op === "write" && values.length !== keys.length) throw new Error("keys and values differ in length");
  const half = keys.length >> 1;
  const servers = req.servers;
  if (req.client === "ioredis") {
    const { Redis } = require("ioredis");
    const shards = new Map(servers.map((s) => [s.spec, new Redis({ host: s.host, port: s.port, maxRetriesPerRequest: 1, retryStrategy: () => null })]));
    const r = new kr.ShardedRedis(shards, options);
    try {
      if (req.op === "write") {
        if (half > 0) await r.mset(keys.slice(0, half).flatMap((k, i) => [k, values[i]]));
        const p = r.pipeline();
        for (let i = half; i < keys.length; i++) p.set(keys[i], values[i]);
        for (const [err] of await p.exec()) if (err) throw err;
        return { ok: true };
      }
      if (req.op === "read") {
        const mget = keys.length ? await r.mgetBuffer(keys) : [];
        const p = r.pipeline();
        for (const k of keys) p.getBuffer(k);
        const pipeline = (await p.exec()).map(([err, v]) => {
          if (err) throw err;
          return hex(v);
        });
        return { mget: mget.map(hex), pipeline };
      }
      throw new Error(`unknown op ${req.op}`);
    } finally {
      await r.quit();
    }
  }
  if (req.client === "node-redis") {
    const nodeRedis = require("redis");
    const shards = new Map();
    for (const s of servers) {
      const c = nodeRedis.createClient({ socket: { host: s.host, port: s.port, reconnectStrategy: false } });
      c.on("error", () => {});
      shards.set(s.spec, c);
    }
    const plain = kr.createShardedClient({ shards, ...options });
    await plain.connect();
    const c = plain.withTypeMapping({ [nodeRedis.RESP_TYPES.BLOB_STRING]: Buffer });
    try {
      if (req.op === "write") {
        if (half > 0) await c.mSet(keys.slice(0, half).map((k, i) => [k, values[i]]));
        const m = c.multi();
        for (let i = half; i < keys.length; i++) m.set(keys[i], values[i]);
        await m.execAsPipeline();
        return { ok: true };
      }
      if (req.op === "read") {
        const mget = keys.length ? await c.mGet(keys) : [];
        const m = c.multi();
        for (const k of keys) m.get(k);
        const pipeline = await m.execAsPipeline();
        return { mget: mget.map(hex), pipeline: pipeline.map(hex) };
      }
      throw new Error(`unknown op ${req.op}`);
    } finally {
      await plain.close();
    }
  }
  throw new Error(`unknown client ${req.client} (ioredis or node-redis)`);
}

main().then(
  (reply) => {
    process.stdout.write(`${JSON.stringify(reply)}\n`);
    process.exitCode = 0;
  },
  (err) => {
    process.stderr.write(`${err && err.stack ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
