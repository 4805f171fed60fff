// The declarations' literal types of every enumerated option against
// tests/vectors/names.json, the names the core parses (its `ALL` / `NAMES`
// lists), so that TypeScript accepts exactly what the core does.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PKG, VECTORS_DIR } from "./helpers.mjs";

const NAMES = JSON.parse(readFileSync(join(VECTORS_DIR, "names.json"), "utf8")).names;
const DTS = readFileSync(join(PKG, "dist", "keyroute.d.ts"), "utf8");
// Spellings of keyroute 0.1 still accepted, marked deprecated in the types.
const DEPRECATED = new Set(["preferReplica", "roundRobin"]);

/** The string literals of the type after `pattern` (found after `within`, if given), up to its `;`. */
function literals(pattern, within) {
  let from = 0;
  if (within !== undefined) {
    from = DTS.search(within);
    assert.ok(from >= 0, `no ${within} in keyroute.d.ts`);
  }
  const rest = DTS.slice(from);
  const at = rest.search(pattern);
  assert.ok(at >= 0, `no ${pattern} in keyroute.d.ts`);
  let depth = 0;
  let end = at + rest.slice(at).match(pattern)[0].length;
  for (; end < rest.length; end++) {
    const c = rest[end];
    if (c === "{" || c === "(") depth++;
    else if (c === "}" || c === ")") depth--;
    else if (c === ";" && depth === 0) break;
  }
  const type = rest.slice(at, end).replace(/\/\*[\s\S]*?\*\//g, "");
  return [...type.matchAll(/"([^"]*)"/g)].map((m) => m[1]).filter((n) => !DEPRECATED.has(n));
}

const WHERE = {
  scheme: [/export type Scheme =/],
  hash: [/export type TwemproxyHash =/],
  spymemcached_hash: [/export type SpymemcachedHash =/],
  format: [/format\?:/, /export interface PoolOptions/],
  char_sign: [/charSign\?:/, /export interface PoolOptions/],
  redis_rb_id: [/redisRbId\?:/, /export interface PoolOptions/],
  jedis: [/jedis\?:/, /export interface PoolOptions/],
  compatibility: [/compatibility\?:/, /export interface PoolOptions/],
  jump_hash: [/jumpHash\?:/, /export interface PoolOptions/],
  algorithm: [/algorithm\?:/, /export interface PoolOptions/],
  read_from: [/export type ReadFrom =/],
  mode: [/export type Mode =/],
  script_kind: [/export type ScriptKind =/],
  slot_scheme: [/scheme\?:/, /export interface SlotOptions/],
  keyless_reason: [/readonly reason:/, /class KeylessCommandError/],
};

test("every option of names.json has its place in the declarations", () => {
  assert.deepEqual(Object.keys(WHERE).sort(), Object.keys(NAMES).sort());
});

for (const [option, [pattern, within]] of Object.entries(WHERE)) {
  test(`declared literals are the core's names: ${option}`, () => {
    assert.deepEqual(literals(pattern, within), NAMES[option]);
  });
}
