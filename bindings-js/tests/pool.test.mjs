// Client-side sharding: every partition vector (tests/vectors/partition/,
// answers of nutcracker, ruby-redis, php-predis, uhashring, pymemcache, npm
// hashring, libmemcached and the written definitions) reproduced through
// `Pool`, the npm `hashring` package itself asked live, and typed errors for
// bad configurations (never a wasm trap).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { VECTORS_DIR, fromHex, rng, tool } from "./helpers.mjs";

const PARTITION = join(VECTORS_DIR, "partition");
// file: (minimum pools, minimum answers), as core/tests/partition_vectors.rs
const SCHEME_FILES = {
  "redis-rb-4.json": [18, 6000],
  "redis-rb-hashring.json": [9, 3400],
  "predis.json": [9, 3500],
  "predis-ketama.json": [9, 3500],
  "uhashring.json": [14, 4000],
  "uhashring-ketama.json": [17, 4500],
  "pymemcache.json": [5, 1700],
  "node-hashring.json": [29, 10400],
  "libmemcached-ketama.json": [10, 4000],
  "jump.json": [12, 4000],
  "rendezvous.json": [5, 1500],
  "maglev.json": [6, 1800],
  "go-redis-ring.json": [6, 2200],
  "go-redis-ring-v5.json": [7, 2900],
  "python-memcached.json": [10, 3700],
  "phpredis-array.json": [21, 8100],
  "spymemcached-ketama.json": [29, 7800],
  "spymemcached-array-mod.json": [17, 4600],
  "dalli.json": [15, 5400],
};
// The file's option names, as Pool's options.
const OPTION_NAMES = { vnode_count: "vnodes", default_port: "defaultPort", jump_hash: "jumpHash", table_size: "tableSize", hash_tag: "hashTag" };
// The schemes whose library is Python: "text" keys were given to it as str.
const PYTHON_LIBRARIES = new Set(["uhashring", "uhashring-ketama", "pymemcache"]);

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function load(name) {
  return JSON.parse(readFileSync(join(PARTITION, name), "utf8"));
}

/** The key as text, if its bytes are UTF-8 that encodes back to them. */
function asText(bytes) {
  try {
    const s = strictUtf8.decode(bytes);
    return Buffer.compare(Buffer.from(s, "utf8"), Buffer.from(bytes)) === 0 ? s : null;
  } catch {
    return null;
  }
}

function keysOf(doc, pool) {
  const keys = doc.keys.map((k) => fromHex(k.key));
  const bulky = pool.bulk ?? (pool.servers ?? []).length >= 25;
  if (bulky) keys.push(...doc.bulk_keys.map((k) => fromHex(k.key)));
  return keys;
}

/** indexFor, indexesFor and nodeFor all equal the real answers; returns how many were compared. */
function checkPool(pool, keys, want, name) {
  assert.equal(keys.length, want.length, `${name}: answer count`);
  const asked = [];
  const answers = [];
  keys.forEach((k, i) => {
    if (k !== null && want[i] !== null) {
      asked.push(k);
      answers.push(want[i]);
    }
  });
  const got = asked.map((k) => pool.indexFor(k));
  const bad = [];
  got.forEach((g, i) => {
    if (g !== answers[i]) bad.push([asked[i], answers[i], g]);
  });
  assert.equal(bad.length, 0, `${name}: ${bad.length} of ${asked.length} differ, e.g. ${JSON.stringify(bad.slice(0, 3))}`);
  assert.deepEqual(Array.from(pool.indexesFor(asked)), got, `${name} (indexesFor)`);
  for (let i = 0; i < Math.min(50, asked.length); i++) assert.equal(pool.nodeFor(asked[i]), pool.servers[got[i]], name);
  return asked.length;
}

function options(o) {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [OPTION_NAMES[k] ?? k, v]));
}

for (const [file, [minPools, minAnswers]] of Object.entries(SCHEME_FILES)) {
  test(`partition vectors: ${file}`, (t) => {
    const doc = load(file);
    // "python-bytes" pools: the Python library was given `bytes` and hashed
    // str(b'...'); a JS key has no such form (the Python binding tests them).
    const pools = doc.pools.filter((p) => p.key_form !== "python-bytes");
    assert.ok(pools.length >= minPools, `${pools.length} pools`);
    let checked = 0;
    for (const p of pools) {
      // A pool given to the library as a mapping is given to Pool as one.
      const servers = p.entries ? Object.fromEntries(p.entries) : p.servers;
      const pool = new kr.Pool(servers, { scheme: doc.scheme, ...options(p.options) });
      assert.equal(pool.scheme, doc.scheme);
      assert.deepEqual([...pool.servers], p.servers);
      const bytes = keysOf(doc, p);
      const texts = bytes.map(asText);
      if (PYTHON_LIBRARIES.has(doc.scheme)) {
        // The library got str keys: the same text (or, as UTF-8 bytes, the same answer).
        checked += checkPool(pool, texts, p.nodes, `${file} ${p.name}`);
        checkPool(pool, bytes.map((b, i) => (texts[i] === null ? null : b)), p.nodes, `${file} ${p.name} as bytes`);
      } else {
        // The library got the bytes (node-hashring: Buffers, `key + ''`).
        checked += checkPool(pool, bytes, p.nodes, `${file} ${p.name}`);
        checkPool(pool, texts, p.nodes, `${file} ${p.name} as text`);
      }
      // Keys the library has no server for (phpredis-array) are refused,
      // one at a time and in a batch.
      for (const i of p.refused ?? []) {
        const refused = { name: "PartitionError", code: "ERR_KEYROUTE_PARTITION_NO_SERVER_FOR_KEY" };
        assert.throws(() => pool.indexFor(bytes[i]), refused);
        assert.throws(() => pool.nodeFor(bytes[i]), refused);
        assert.throws(() => pool.indexesFor([new Uint8Array([120]), bytes[i]]), refused);
      }
      pool.free();
    }
    assert.ok(checked >= minAnswers, `${checked} answers`);
    t.diagnostic(`${pools.length} pools, ${checked} answers agree with ${doc.source?.system ?? doc.scheme}`);
  });
}

test("partition vectors: twemproxy.json (nutcracker 0.5.0 over redis-server)", (t) => {
  const doc = load("twemproxy.json");
  assert.ok(doc.pools.length >= 700);
  const keys = keysOf(doc, { bulk: false });
  const all = keysOf(doc, { bulk: true });
  const texts = all.map(asText);
  let checked = 0;
  doc.pools.forEach((p, n) => {
    const pool = kr.Pool.fromNutcracker(p.yaml);
    assert.equal(pool.scheme, `twemproxy-${p.distribution}`);
    const asked = p.bulk ? all : keys;
    checked += checkPool(pool, asked, p.nodes, p.name);
    if (n % 8 === 0) checkPool(pool, texts.slice(0, asked.length), p.nodes, `${p.name} as text`);
    pool.free();
  });
  assert.ok(checked > 250_000, `${checked} answers`);
  t.diagnostic(`${doc.pools.length} pools, ${checked} answers agree with nutcracker`);
});

test("partition vectors: twemproxy-ejected.json (withLive)", () => {
  const doc = load("twemproxy-ejected.json");
  let checked = 0;
  for (const p of doc.pools) {
    const full = kr.Pool.fromNutcracker(p.yaml);
    const pool = full.withLive(p.live);
    assert.deepEqual(pool.live, p.live);
    assert.equal(full.live, null);
    assert.ok(p.live.includes(false));
    checked += checkPool(pool, keysOf(doc, p), p.nodes, p.name);
  }
  assert.ok(checked > 4000);
});

test("partition vectors: nutcracker-configs.json (which configurations nutcracker accepts)", () => {
  const configs = load("nutcracker-configs.json").configs;
  assert.ok(configs.length >= 35);
  for (const c of configs) {
    const names = c.yaml
      .split("\n")
      .filter((l) => l.endsWith(":") && !l.startsWith(" ") && !l.startsWith("#"))
      .map((l) => l.slice(0, -1).replace(/^['"]|['"]$/g, ""));
    if (c.name === "random-distribution") {
      // nutcracker accepts it; keyroute refuses what nobody can reproduce.
      assert.throws(() => kr.Pool.fromNutcracker(c.yaml, { pool: "p" }), { name: "ConfigError", pool: "p", field: "distribution" });
      continue;
    }
    if (c.nutcracker_accepts) {
      for (const name of names.length ? names : ["p"]) assert.equal(kr.Pool.fromNutcracker(c.yaml, { pool: name }).name, name, c.name);
    } else {
      assert.throws(() => kr.Pool.fromNutcracker(c.yaml, { pool: "p" }), kr.ConfigError, c.name);
    }
  }
});

test("npm hashring 3.2.0 itself agrees with Pool(scheme: 'node-hashring') on random keys", (t) => {
  const HashRing = tool("hashring");
  assert.equal(tool("hashring/package.json").version, "3.2.0");
  const rand = rng(20250611);
  const randomKey = () => {
    const n = 1 + rand.int(40);
    const kind = rand.int(3);
    if (kind === 0) return Array.from({ length: n }, () => String.fromCharCode(32 + rand.int(95))).join("");
    if (kind === 1) return Array.from({ length: n }, () => String.fromCodePoint([0x41 + rand.int(26), 0xe9, 0x4e2d, 0x1f600, 0xd800][rand.int(5)])).join("");
    return Uint8Array.from({ length: n }, () => rand.int(256));
  };
  const keys = Array.from({ length: 4000 }, randomKey);
  const configs = [];
  for (const n of [10, 100]) {
    const hosts = Array.from({ length: n }, (_, i) => `10.0.${i >> 8}.${i & 255}:${6379 + (i % 3)}`);
    configs.push([`${n}`, hosts, hosts, {}, {}]);
    const weights = hosts.map((_, i) => 1 + (i % 4));
    const byName = Object.fromEntries(hosts.map((h, i) => [h, weights[i]]));
    configs.push([`${n} weighted`, hosts.map((h, i) => `${h}:${weights[i]}`), byName, {}, {}]);
    configs.push([`${n} hash_ring`, hosts, hosts, { compatibility: "hash_ring" }, { compatibility: "hash_ring" }]);
    configs.push([`${n} vnodes 100`, hosts, hosts, { "vnode count": 100 }, { vnodes: 100 }]);
  }
  const cache = ["cache-a:11211", "cache-b:11211", "cache-c:11211"];
  configs.push(["default port", cache, cache, { "default port": 11211 }, { defaultPort: 11211 }]);
  let compared = 0;
  for (const [name, servers, theirs, theirOptions, ours] of configs) {
    const ring = new HashRing(theirs, "md5", { "max cache size": 1, ...theirOptions });
    const pool = new kr.Pool(servers, { scheme: "node-hashring", ...ours });
    const names = Array.isArray(theirs) ? theirs : Object.keys(theirs);
    const batch = pool.indexesFor(keys);
    keys.forEach((k, i) => {
      const want = names.indexOf(ring.get(typeof k === "string" ? k : Buffer.from(k)));
      assert.equal(pool.indexFor(k), want, `${name}: ${JSON.stringify(typeof k === "string" ? k : Buffer.from(k).toString("hex"))}`);
      assert.equal(batch[i], want, name);
    });
    compared += keys.length;
    pool.free();
  }
  t.diagnostic(`${configs.length} rings x ${keys.length} keys: ${compared} answers equal hashring.get`);
});

test("bad configurations: typed errors naming the problem", () => {
  const servers = ["127.0.0.1:7000", "127.0.0.1:7001"];
  const check = (fn, Class, code, fields = {}) => {
    try {
      fn();
    } catch (e) {
      assert.ok(e instanceof Class, `${code}: ${e}`);
      assert.ok(e instanceof kr.KeyrouteError);
      assert.equal(e.code, code, e.message);
      assert.equal(e.name, Class.name);
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(e[k], v, `${code}.${k}`);
      return e;
    }
    assert.fail(`no error (${code})`);
  };
  check(() => new kr.Pool([], { scheme: "jump" }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_NO_SERVERS");
  const ketama = check(() => new kr.Pool(servers, { scheme: "ketama" }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_UNKNOWN_SCHEME", { value: "ketama" });
  assert.match(ketama.message, /expected one of "twemproxy-ketama", "twemproxy-modula", /);
  check(() => new kr.Pool(["a:1 x", "b:1 x"], { scheme: "twemproxy-ketama" }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_DUPLICATE_NAME");
  check(() => new kr.Pool(servers, { scheme: "jump", hash: "md5" }), kr.OptionNotApplicableError, "ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE", { option: "hash" });
  const sha1 = check(() => new kr.Pool(servers, { scheme: "twemproxy-ketama", hash: "sha1" }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_UNKNOWN_HASH", { value: "sha1" });
  assert.match(sha1.message, /expected one of "one_at_a_time", "md5", .*"jenkins"/);
  check(() => new kr.Pool(servers, { scheme: "twemproxy-ketama", hashTag: "{" }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_BAD_HASH_TAG");
  check(() => new kr.Pool(servers, { scheme: "twemproxy-ketama", charSign: "usigned" }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_BAD_OPTION", { option: "char_sign", value: "usigned" });
  check(() => new kr.Pool(servers, { scheme: "twemproxy-ketama", hashtagg: "{}" }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_UNKNOWN_OPTION", { option: "hashtagg" });
  check(() => new kr.Pool(servers, { scheme: "node-hashring", vnodes: 0 }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_BAD_OPTION");
  check(() => new kr.Pool(servers, { scheme: "maglev", tableSize: 4 }), kr.PartitionError, "ERR_KEYROUTE_PARTITION_BAD_TABLE_SIZE");
  check(() => new kr.Pool(["127.0.0.1:7000:0"], { scheme: "predis" }), kr.ServerSpecError, "ERR_KEYROUTE_PARTITION_BAD_SERVER", { server: "127.0.0.1:7000:0" });
  check(() => new kr.Pool(servers, { scheme: "jump" }).withLive([true, false]), kr.OptionNotApplicableError, "ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE");
  const yaml = (body) => `p:\n  listen: 127.0.0.1:22121\n${body}`;
  const e = check(() => kr.Pool.fromNutcracker(yaml("  distribution: random\n  servers:\n   - 127.0.0.1:7000:1\n")), kr.ConfigError, "ERR_KEYROUTE_CONFIG_FIELD", { pool: "p", field: "distribution" });
  assert.ok(e.cause instanceof kr.PartitionError && e.cause.code === "ERR_KEYROUTE_PARTITION_RANDOM_DISTRIBUTION");
  check(() => kr.Pool.fromNutcracker(yaml("  hash: sha1\n  servers:\n   - 127.0.0.1:7000:1\n")), kr.ConfigError, "ERR_KEYROUTE_CONFIG_FIELD", { pool: "p", field: "hash" });
  check(() => kr.Pool.fromNutcracker(yaml("  servers:\n")), kr.ConfigError, /** empty list */ "ERR_KEYROUTE_CONFIG_FIELD", { pool: "p", field: "servers" });
  check(() => kr.Pool.fromNutcracker(yaml("  servers:\n   - 127.0.0.1:7000:1\n"), { pool: "q" }), kr.ConfigError, "ERR_KEYROUTE_CONFIG_UNKNOWN_POOL", { pool: "q" });
  check(() => kr.Pool.fromNutcracker(yaml("  servers:\n   - 127.0.0.1:7000:1\n") + yaml("  servers:\n   - 127.0.0.1:7000:1\n").replace("p:", "q:")), kr.ConfigError, "ERR_KEYROUTE_CONFIG_POOL_NOT_CHOSEN");
  check(() => kr.Pool.fromNutcracker("p: [\n"), kr.ConfigError, "ERR_KEYROUTE_CONFIG_SYNTAX");
  // Arguments of the wrong type: TypeErrors with Node's codes.
  assert.throws(() => new kr.Pool("127.0.0.1:7000", { scheme: "jump" }), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  // Option names and values are the core's to check: PartitionErrors naming them.
  assert.throws(() => new kr.Pool(servers, { scheme: "jump", typo: 1 }), { name: "PartitionError", code: "ERR_KEYROUTE_PARTITION_UNKNOWN_OPTION" });
  assert.throws(() => new kr.Pool(servers, { scheme: "node-hashring", defaultPort: 70000 }), { name: "PartitionError", code: "ERR_KEYROUTE_PARTITION_BAD_OPTION" });
  assert.throws(() => new kr.Pool(servers, { scheme: "node-hashring", defaultPort: 1.5 }), { name: "TypeError", code: "ERR_INVALID_ARG_VALUE" });
  const pool = new kr.Pool(servers, { scheme: "jump" });
  assert.throws(() => pool.indexFor(42), { name: "TypeError", code: "ERR_INVALID_ARG_TYPE" });
  assert.throws(() => pool.indexesFor("abc"), { name: "TypeError" });
  assert.throws(() => pool.indexesFor(["a", 1]), { name: "TypeError", message: /keys\[1\]/ });
  // Still usable after every error above.
  assert.equal(pool.indexesFor(["a", "b"]).length, 2);
});

test("large keys and large batches take the generic path with the same answers", () => {
  const pool = new kr.Pool(Array.from({ length: 7 }, (_, i) => `127.0.0.1:${7000 + i}`), { scheme: "twemproxy-ketama", hash: "md5" });
  const big = "k".repeat(40000) + "é";
  const keys = [big, "a", Buffer.from(big), ...Array.from({ length: 9000 }, (_, i) => (i % 3 ? `key:${i}` : Buffer.from(`käy:${i}`)))];
  const one = keys.map((k) => pool.indexFor(k));
  assert.deepEqual(Array.from(pool.indexesFor(keys)), one);
  assert.deepEqual(Array.from(pool.indexesFor(new Set(keys.slice(3)))), one.slice(3));
  assert.equal(one[0], one[2]);
});

test("Codis slots: every case of codis.json, one key at a time and in a batch", () => {
  const doc = JSON.parse(readFileSync(join(VECTORS_DIR, "codis.json"), "utf8"));
  assert.ok(doc.cases.length >= 500);
  const keys = doc.cases.map((c) => fromHex(c.key));
  const want = doc.cases.map((c) => c.slot);
  assert.deepEqual(keys.map((k) => kr.keySlot(k, { scheme: "codis" })), want);
  assert.deepEqual(Array.from(kr.keySlots(keys, { scheme: "codis" })), want);
  assert.equal(kr.keySlot("foo", { scheme: "codis" }), 289);
  assert.equal(kr.keySlot("foo", { scheme: "redis-cluster" }), 12182);
  assert.throws(() => kr.keySlot("foo", { scheme: "codys" }), /codis/);
});
