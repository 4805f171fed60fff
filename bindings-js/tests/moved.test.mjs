// What a client-side sharding change moves: plan.movedKeys equals the keys a
// real nutcracker (and ruby-redis, php-predis) moved when its pool changed
// (tests/vectors/reshard/rings.json, written by tests/oracles/reshard_rings.py),
// and plan.movedFraction equals `keyroute plan moved --format json` share for
// share.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import * as kr from "keyroute";
import { ROOT, VECTORS_DIR, WORK, fromHex } from "./helpers.mjs";

const CLI = join(ROOT, "target", "release", "keyroute");
const DIGITS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const doc = JSON.parse(readFileSync(join(VECTORS_DIR, "reshard", "rings.json"), "utf8"));

function corpus() {
  assert.equal(doc.sequential.format, "key:{i}");
  const keys = doc.keys.map((k) => fromHex(k.key));
  for (let i = 0; i < doc.sequential.count; i++) keys.push(`key:${i}`);
  return keys;
}
const decode = (s) => Array.from(s, (c) => DIGITS.indexOf(c));

function checkCase(name, oldPool, newPool, c, keys) {
  const oldNodes = decode(c.old_nodes);
  const newNodes = decode(c.new_nodes);
  assert.equal(oldNodes.length, keys.length, name);
  assert.deepEqual(Array.from(oldPool.indexesFor(keys)), oldNodes, `${name}: old routing`);
  assert.deepEqual(Array.from(newPool.indexesFor(keys)), newNodes, `${name}: new routing`);
  const addr = (p, i) => p.servers[i];
  // The real system's moves: keys whose backend address changed.
  const moved = kr.plan.movedKeys(oldPool, newPool, keys);
  const want = [];
  keys.forEach((k, i) => {
    if (oldPool._addresses[oldNodes[i]] !== newPool._addresses[newNodes[i]]) want.push([k, addr(oldPool, oldNodes[i]), addr(newPool, newNodes[i])]);
  });
  assert.equal(moved.length, Number(c.keys_moved), `${name}: moved count`);
  assert.deepEqual(moved, want, `${name}: moved-key sets differ`);
  return moved.length;
}

test("plan.movedKeys equals the keys nutcracker moved (rings.json)", (t) => {
  const keys = corpus();
  assert.ok(doc.cases.length >= 13);
  let total = 0;
  for (const c of doc.cases) {
    const oldPool = kr.Pool.fromNutcracker(c.old_yaml);
    const newPool = kr.Pool.fromNutcracker(c.new_yaml);
    total += checkCase(c.name, oldPool, newPool, c, keys);
  }
  assert.ok(total > 80_000, `${total} moved keys`);
  t.diagnostic(`${doc.cases.length} nutcracker changes: ${total} moved keys equal`);
});

test("plan.movedKeys equals the keys ruby-redis and php-predis moved (rings.json client cases)", (t) => {
  const keys = corpus();
  let total = 0;
  for (const c of doc.client_cases) {
    const oldPool = new kr.Pool(c.old, { scheme: c.scheme });
    const newPool = new kr.Pool(c.new, { scheme: c.scheme });
    total += checkCase(c.name, oldPool, newPool, c, keys);
  }
  t.diagnostic(`${doc.client_cases.length} client changes: ${total} moved keys equal`);
});

/** `"n/2^k"`, `"0"` or `"1"` as [n, k]. */
function parseShare(s) {
  const m = /^(\d+)(?:\/2\^(\d+))?$/.exec(s);
  assert.ok(m, s);
  return [BigInt(m[1]), BigInt(m[2] ?? 0)];
}
function sameShare(ours, cli, what) {
  const [n, k] = parseShare(cli.share);
  // num / den == n / 2^k
  assert.equal(BigInt(ours.num) << k, n * BigInt(ours.den), `${what}: ${ours.num}/${ours.den} vs ${cli.share}`);
  assert.equal(ours.value, cli.fraction, what);
}

test("plan.movedFraction equals `keyroute plan moved --format json`, share for share", (t) => {
  if (!existsSync(CLI)) assert.fail(`${CLI} is missing: cargo build --release -p keyroute-cli`);
  const dir = join(WORK, "moved");
  mkdirSync(dir, { recursive: true });
  const configs = [];
  for (const name of ["ketama-fnv1a_64-3-to-4", "ketama-md5-24-to-25", "modula-md5-24-to-25", "ketama-md5-weights-5"]) {
    const c = doc.cases.find((x) => x.name === name);
    assert.ok(c, name);
    const [a, b] = [join(dir, `${name}-old.yml`), join(dir, `${name}-new.yml`)];
    writeFileSync(a, c.old_yaml);
    writeFileSync(b, c.new_yaml);
    configs.push([name, kr.Pool.fromNutcracker(c.old_yaml), kr.Pool.fromNutcracker(c.new_yaml), ["--nutcracker", a, "--to", b], {}]);
  }
  const ten = Array.from({ length: 10 }, (_, i) => `10.0.0.${i + 1}:6379`);
  for (const scheme of ["jump", "maglev", "predis-ketama", "node-hashring"]) {
    configs.push([`${scheme} 10 -> 11`, new kr.Pool(ten, { scheme }), new kr.Pool([...ten, "10.0.0.99:6379"], { scheme }),
      ["--scheme", scheme, "--servers", ten.join(","), "--to-servers", [...ten, "10.0.0.99:6379"].join(","), "--sample-log2", "12"], { sampleLog2: 12 }]);
  }
  for (const [name, oldPool, newPool, args, options] of configs) {
    const cli = JSON.parse(execFileSync(CLI, ["plan", "moved", ...args, "--format", "json"], { encoding: "utf8" }));
    const f = kr.plan.movedFraction(oldPool, newPool, options);
    sameShare(f.moved, cli.moved, `${name} moved`);
    sameShare(f.toAdded, cli.to_added, `${name} to_added`);
    sameShare(f.fromRemoved, cli.from_removed, `${name} from_removed`);
    sameShare(f.betweenKept, cli.between_kept, `${name} between_kept`);
    assert.deepEqual([...f.oldNodes], cli.old.servers, name);
    assert.deepEqual([...f.newNodes], cli.new.servers, name);
    assert.equal(f.exact, cli.basis.exact, name);
    assert.equal(f.basis.replace("_", "-"), cli.basis.kind, name);
    assert.deepEqual([...f.warnings], cli.warnings.map((w) => w.message), name);
    let nonZero = 0;
    for (const cell of cli.matrix) {
      const [i, j] = [f.oldNodes.indexOf(cell.from), f.newNodes.indexOf(cell.to)];
      sameShare(f.matrix[i][j], cell, `${name} matrix ${cell.from} -> ${cell.to}`);
    }
    for (const row of f.matrix) for (const s of row) nonZero += s.num !== "0";
    assert.equal(nonZero, cli.matrix.length, `${name}: the CLI lists every non-zero cell`);
  }
  t.diagnostic(`${configs.length} changes agree with ${CLI}`);
});

test("plan.movedFraction: a change of key hash is a typed error; exact shares add up", () => {
  const a = kr.Pool.fromNutcracker("p:\n  listen: 127.0.0.1:1\n  hash: md5\n  servers:\n   - 127.0.0.1:7000:1\n   - 127.0.0.1:7001:1\n");
  const b = kr.Pool.fromNutcracker("p:\n  listen: 127.0.0.1:1\n  hash: fnv1a_64\n  servers:\n   - 127.0.0.1:7000:1\n   - 127.0.0.1:7001:1\n");
  assert.throws(() => kr.plan.movedFraction(a, b), (e) => e instanceof kr.PartitionError && e.code === "ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH");
  assert.throws(() => kr.plan.movedFraction(a, "b"), { name: "TypeError" });
  const f = kr.plan.movedFraction(a, a);
  assert.equal(f.moved.num, "0");
  assert.ok(f.exact);
  // The matrix of an unchanged pool is its diagonal; the shares add to one.
  let sum = 0n;
  const den = 1n << 128n;
  f.matrix.forEach((row, i) => row.forEach((s, j) => {
    if (i !== j) assert.equal(s.num, "0");
    sum += (BigInt(s.num) * den) / BigInt(s.den);
  }));
  assert.equal(sum, den);
  assert.equal(JSON.parse(JSON.stringify(f)).moved.num, "0");
  assert.deepEqual(kr.plan.movedKeys(a, a, ["x", "y"]), []);
});
