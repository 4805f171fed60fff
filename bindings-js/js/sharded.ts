// The routing shared by the sharded clients (ioredis.ts, node-redis.ts):
// which shard each command goes to, how a split command's replies go back
// together, which keyless commands fan out, and when a transaction may run.
// Everything here runs before a byte is sent.

import { load } from "./argv.js";
import { CommandTable } from "./command.js";
import {
  CommandError,
  CrossShardError,
  CrossShardTransactionError,
  KeylessCommandError,
  ShardingError,
  UnroutableCommandError,
  fromWasm,
} from "./error-types.js";
import { describe, invalidArgument, invalidValue } from "./errors.js";
import { Pool } from "./pool.js";
import type { PoolOptions } from "./pool.js";
import * as wasm from "./wasm.js";

/** A command argument as sent: a string (UTF-8) or bytes. */
export type ShardArg = string | Uint8Array;

/** A split sub-command: its shard, its argv (name first), its keys' ordinals. */
export interface Part {
  shard: number;
  argv: ShardArg[];
  keys: number[];
}

/** How a fan-out command's replies combine. */
export const enum Combine {
  First,
  Sum,
  And,
  Concat,
}

export const enum Merge {
  ByKeyPosition,
  Sum,
  AllOk,
  Single,
}

/** Where one command goes. */
export type Step =
  | { kind: "one"; shard: number }
  | { kind: "split"; parts: Part[]; merge: Merge; keyCount: number }
  | { kind: "fanout"; combine: Combine };

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function text(a: ShardArg | undefined): string {
  if (a === undefined) return "";
  return typeof a === "string" ? a : decoder.decode(a);
}

/** The command's name as messages show it: `MGET`, `SCRIPT LOAD`. */
export function commandName(argv: readonly ShardArg[]): string {
  const name = text(argv[0]).toUpperCase();
  if ((name === "SCRIPT" || name === "CLIENT" || name === "CONFIG" || name === "OBJECT" || name === "MEMORY") && argv.length > 1) {
    return `${name} ${text(argv[1]).toUpperCase()}`;
  }
  return name;
}

function fanOut(argv: readonly ShardArg[]): Combine | null {
  const name = text(argv[0]).toUpperCase();
  const sub = argv.length > 1 ? text(argv[1]).toUpperCase() : "";
  if (name === "PING" || name === "FLUSHDB" || name === "FLUSHALL") return Combine.First;
  if (name === "SCRIPT" && (sub === "LOAD" || sub === "FLUSH")) return Combine.First;
  if (name === "DBSIZE") return Combine.Sum;
  if (name === "SCRIPT" && sub === "EXISTS") return Combine.And;
  if (name === "KEYS") return Combine.Concat;
  return null;
}

/** The name a shard goes by: the alias of its server spec, else the spec. */
export function shardName(spec: string): string {
  const space = spec.indexOf(" ");
  return space >= 0 ? spec.slice(space + 1) : spec;
}

/** Sets the read-only fields of a freshly built error. */
function withFields<E extends Error>(err: E, fields: Record<string, unknown>): E {
  return Object.assign(err, fields);
}

/** `err` with the pipeline position of the refused command in its message. */
export function atPosition(err: unknown, position: number, what = "pipeline"): unknown {
  if (!(err instanceof ShardingError)) return err;
  err.message = `keyroute: command ${position} of the ${what}: ${err.message.replace(/^keyroute: /, "")}`;
  return withFields(err, { position });
}

/** Options every sharded client reads besides the pool's. */
export interface ShardingOptions {
  /**
   * A command that is not split (RENAME, SINTERSTORE, EVAL with keys, a
   * transaction) runs only when all its keys carry one identical hash tag
   * under the pool's own scheme (twemproxy's `hashTag`, the `{...}` rule
   * of Predis or rendezvous, redis-rb's...), or are one key repeated, even
   * if they happen to share a shard today. A scheme that hashes whole keys
   * has no tags. Default `false`: one shard suffices.
   */
  strictTags?: boolean;
}

/**
 * Routes argvs over a pool: the pool's placement, the built-in command
 * table, and the shards' names.
 * @internal
 */
export class Router {
  readonly table = new CommandTable();
  readonly names: readonly string[];

  constructor(
    readonly pool: Pool,
    readonly strict: boolean,
  ) {
    this.names = Object.freeze(pool.servers.map(shardName));
  }

  /** The shard holding `key`. */
  shardOf(key: ShardArg): number {
    return this.pool.indexFor(key);
  }

  private unroutable(argv: readonly ShardArg[], json: string): Error {
    const cause = fromWasm(json);
    if (!(cause instanceof CommandError)) return cause;
    const name = commandName(argv);
    return withFields(new UnroutableCommandError(`keyroute: ${name || "(empty command)"} cannot be routed: ${cause.message.replace(/^keyroute: /, "")}`, "ERR_KEYROUTE_UNROUTABLE", { cause }), { command: name || null });
  }

  private crossShard(argv: readonly ShardArg[], json: string): Error {
    const d = JSON.parse(json) as { message: string; shards: number[]; strict: boolean };
    const names = d.shards.map((i) => this.names[i]);
    const command = commandName(argv);
    const message = d.strict
      ? `keyroute: ${command} has keys without one common hash tag (strictTags), on shards ${names.join(", ")}`
      : `keyroute: ${command} has keys on several shards (${names.join(", ")}) and cannot be split`;
    return withFields(new CrossShardError(message, "ERR_KEYROUTE_CROSS_SHARD"), {
      command,
      shards: Object.freeze(names),
      shardIndexes: Object.freeze(d.shards),
      strict: d.strict,
    });
  }

  /** Where `argv` goes, or the typed refusal. */
  step(argv: ShardArg[]): Step {
    const staged = load(argv, "argv");
    const n = this.table._table.splitByPool(this.pool._inner, argv.length, staged, this.strict);
    if (n < 0) {
      const json = wasm.takeError();
      throw json.includes('"ERR_KEYROUTE_CROSS_SHARD"') ? this.crossShard(argv, json) : this.unroutable(argv, json);
    }
    const o = wasm.outputs(n);
    const merge = o[0] as Merge;
    const keyCount = o[1];
    if (keyCount === 0) {
      const combine = fanOut(argv);
      if (combine === null) {
        const name = commandName(argv);
        throw withFields(
          new KeylessCommandError(`keyroute: ${name} has no keys: run it on a shard's own client (forEachShard, getShardClientForKey)`, "ERR_KEYROUTE_KEYLESS"),
          { command: name },
        );
      }
      return { kind: "fanout", combine };
    }
    if (merge === Merge.Single) return { kind: "one", shard: o[3] };
    const parts: Part[] = [];
    let i = 3;
    for (let p = 0; p < o[2]; p++) {
      const shard = o[i];
      const n = o[i + 1];
      const sub = new Array<ShardArg>(n);
      for (let j = 0; j < n; j++) sub[j] = argv[o[i + 2 + j]];
      i += 2 + n;
      const k = o[i];
      const keys = new Array<number>(k);
      for (let j = 0; j < k; j++) keys[j] = o[i + 1 + j];
      i += 1 + k;
      parts.push({ shard, argv: sub, keys });
    }
    return { kind: "split", parts, merge, keyCount };
  }

  /** Each key of `argv`: its shard and its tag (`null`: hashed whole). */
  keys(argv: ShardArg[]): { key: ShardArg; shard: number; tag: string | null }[] {
    const staged = load(argv, "argv");
    const n = this.table._table.keyShards(this.pool._inner, argv.length, staged);
    if (n < 0) throw this.unroutable(argv, wasm.takeError());
    const o = wasm.outputs(n).slice();
    const out = [];
    for (let i = 0; i < n; i += 4) {
      const key = argv[o[i]];
      let tag: string | null = null;
      if (o[i + 2] !== 0xffffffff) {
        const bytes = typeof key === "string" ? encoder.encode(key) : key;
        tag = latin1(bytes.subarray(o[i + 2], o[i + 2] + o[i + 3]));
      }
      out.push({ key, shard: o[i + 1], tag });
    }
    return out;
  }

  /**
   * The one shard of a transaction: every key of every command (and every
   * watched key, on `watched`) on it, and under strictTags one common tag.
   * Keyless commands go along.
   */
  transactionShard(commands: ShardArg[][], watched?: { shard: number; keys: ShardArg[] } | null): number {
    let first: { at: number; shard: number; name: string } | null = null;
    let strictFirst: { at: number; tag: string | null; key: string; name: string } | null = null;
    const visit = (at: number, name: string, entries: { key: ShardArg; shard: number; tag: string | null }[]) => {
      for (const e of entries) {
        if (first === null) first = { at, shard: e.shard, name };
        else if (first.shard !== e.shard) throw this.crossTransaction(first, { at, shard: e.shard, name }, false);
        if (this.strict) {
          const key = typeof e.key === "string" ? e.key : latin1(e.key);
          if (strictFirst === null) strictFirst = { at, tag: e.tag, key, name };
          else if (!(strictFirst.tag !== null && strictFirst.tag === e.tag) && !(strictFirst.tag === null && e.tag === null && strictFirst.key === key)) {
            throw this.crossTransaction({ at: strictFirst.at, shard: first.shard, name: strictFirst.name }, { at, shard: e.shard, name }, true);
          }
        }
      }
    };
    if (watched) {
      visit(-1, "WATCH", watched.keys.map((k) => ({ key: k, shard: this.shardOf(k), tag: this.keys(["EXISTS", k])[0].tag })));
    }
    commands.forEach((argv, i) => {
      let entries;
      try {
        entries = this.keys(argv);
      } catch (e) {
        throw atPosition(e, i, "transaction");
      }
      visit(i, commandName(argv), entries);
    });
    if (first === null) {
      throw new KeylessCommandError("keyroute: a transaction without keys: run it on a shard's own client (forEachShard, getShardClientForKey)", "ERR_KEYROUTE_KEYLESS");
    }
    return (first as { shard: number }).shard;
  }

  private crossTransaction(a: { at: number; shard: number; name: string }, b: { at: number; shard: number; name: string }, strict: boolean): Error {
    const where = (x: { at: number; name: string }) => (x.at < 0 ? "WATCH" : `${x.at} (${x.name})`);
    const shards = a.shard === b.shard ? [a.shard] : [a.shard, b.shard];
    const names = shards.map((s) => this.names[s]);
    const why = strict ? `have no common hash tag (strictTags; shards ${names.join(", ")})` : `touch shards ${names.join(", ")}`;
    return withFields(
      new CrossShardTransactionError(
        `keyroute: transaction commands ${where(a)} and ${where(b)} ${why}; a non-transactional pipeline can split them`,
        "ERR_KEYROUTE_CROSS_SHARD_TRANSACTION",
      ),
      { command: b.name, shards: Object.freeze(names), shardIndexes: Object.freeze(shards), strict, commands: Object.freeze([a.at, b.at]), position: b.at < 0 ? null : b.at },
    );
  }
}

function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

function isOk(v: unknown): boolean {
  if (v === "OK") return true;
  return v instanceof Uint8Array && v.length === 2 && v[0] === 0x4f && v[1] === 0x4b;
}

/** The reply of a split command from its parts' replies (errors already handled). */
export function mergeReplies(merge: Merge, parts: Part[], keyCount: number, replies: unknown[]): unknown {
  switch (merge) {
    case Merge.ByKeyPosition: {
      const out = new Array<unknown>(keyCount).fill(null);
      parts.forEach((p, i) => {
        const r = replies[i];
        if (Array.isArray(r)) p.keys.forEach((k, j) => (out[k] = r[j]));
      });
      return out;
    }
    case Merge.Sum:
      return replies.reduce((a: number, r) => a + Number(r), 0);
    default:
      return replies.find((r) => !isOk(r)) ?? replies[0];
  }
}

/** The reply of a fan-out command from every shard's reply. */
export function combineReplies(combine: Combine, replies: unknown[]): unknown {
  switch (combine) {
    case Combine.First:
      return replies[0];
    case Combine.Sum:
      return replies.reduce((a: number, r) => a + Number(r), 0);
    case Combine.And: {
      const arrays = replies.map((r) => (Array.isArray(r) ? r : []));
      const len = Math.min(...arrays.map((a) => a.length));
      const truthy = (v: unknown) => v === 1 || v === true || v === "1";
      const bools = arrays.some((a) => typeof a[0] === "boolean");
      return Array.from({ length: len }, (_, i) => {
        const all = arrays.every((a) => truthy(a[i]));
        return bools ? all : all ? 1 : 0;
      });
    }
    default:
      return replies.flatMap((r) => (Array.isArray(r) ? r : []));
  }
}

/** Waits for every promise; rejects with the first rejection in order, else the values. */
export async function settleAll(promises: Promise<unknown>[]): Promise<unknown[]> {
  const settled = await Promise.allSettled(promises);
  const failed = settled.find((s) => s.status === "rejected");
  if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value);
}

const POOL_OPTION_NAMES = new Set([
  "scheme", "hash", "hashTag", "charSign", "redisRbId", "jedis", "defaultPort",
  "compatibility", "vnodes", "jumpHash", "tableSize", "tag",
]);

/** What both constructors accept besides the clients. */
/** `fn(client, name, index)` on every shard concurrently, as `{name: result}`. */
export async function eachShard<C, T>(
  clients: readonly C[],
  names: readonly string[],
  fn: (client: C, name: string, index: number) => T | Promise<T>,
): Promise<Record<string, T>> {
  if (typeof fn !== "function") throw invalidArgument("fn", "a function", fn);
  const results = await settleAll(clients.map(async (c, i) => fn(c, names[i], i)));
  const out: Record<string, T> = {};
  names.forEach((n, i) => (out[n] = results[i] as T));
  return out;
}

export interface ShardSetup<C> {
  pool: Pool;
  clients: C[];
  strict: boolean;
}

/**
 * The pool and the clients in pool order, from `shards` (an object or Map
 * `{server spec: client}` in pool order, or, with `options.pool`, keyed by
 * alias or spec, or an array in pool order) and the options.
 * @internal
 */
export function setUp<C>(
  shards: unknown,
  options: unknown,
  isClient: (c: unknown) => boolean,
  clientKind: string,
  extraOptions: readonly string[],
): ShardSetup<C> {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an object", options);
  const o = options as Record<string, unknown>;
  const poolOptions: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    if (POOL_OPTION_NAMES.has(k)) poolOptions[k] = o[k];
    else if (k !== "pool" && k !== "strictTags" && !extraOptions.includes(k)) {
      throw invalidValue("options", `pool options, pool, strictTags${extraOptions.map((e) => `, ${e}`).join("")}`, k);
    }
  }
  const strict = o.strictTags ?? false;
  if (typeof strict !== "boolean") throw invalidArgument("options.strictTags", "a boolean", strict);
  let entries: [string | null, unknown][];
  if (shards instanceof Map) entries = [...shards.entries()].map(([k, v]) => [typeof k === "string" ? k : null, v]);
  else if (Array.isArray(shards)) entries = shards.map((c) => [null, c]);
  else if (shards !== null && typeof shards === "object") entries = Object.entries(shards);
  else throw invalidArgument("shards", "an object or Map {server: client}", shards);
  if (entries.length === 0) throw invalidValue("shards", "at least one shard", "an empty collection");
  entries.forEach(([k, c], i) => {
    if (!isClient(c)) throw invalidArgument(`shards[${JSON.stringify(k ?? i)}]`, clientKind, c);
  });
  let pool: Pool;
  let clients: C[];
  if (o.pool !== undefined) {
    if (!(o.pool instanceof Pool)) throw invalidArgument("options.pool", "a keyroute Pool", o.pool);
    if (Object.keys(poolOptions).length > 0) throw invalidValue("options", "either pool or pool options", Object.keys(poolOptions)[0]);
    pool = o.pool;
    if (entries.length !== pool.length) {
      throw invalidValue("shards", `one client per server of the pool (${pool.length})`, `${entries.length} clients`);
    }
    if (Array.isArray(shards)) clients = entries.map(([, c]) => c as C);
    else {
      const byName = new Map(entries.map(([k, c]) => [k, c]));
      clients = pool.servers.map((spec) => {
        const c = byName.get(shardName(spec)) ?? byName.get(spec);
        if (c === undefined) throw invalidValue("shards", `a client for every server of the pool, keyed by alias or spec`, `nothing for ${JSON.stringify(spec)}`);
        return c as C;
      });
      const known = new Set(pool.servers.flatMap((s) => [s, shardName(s)]));
      for (const [k] of entries) if (k === null || !known.has(k)) throw invalidValue("shards", "keys naming the pool's servers", k === null ? describe(k) : k);
    }
  } else {
    if (Array.isArray(shards)) throw invalidArgument("shards", "an object or Map {server spec: client} (an array needs options.pool)", shards);
    if (poolOptions.scheme === undefined) throw invalidArgument("options.scheme", "a scheme name (or options.pool)", undefined);
    const specs = entries.map(([k]) => {
      if (k === null) throw invalidArgument("shards", "keys that are server specs", null);
      return k;
    });
    pool = new Pool(specs, poolOptions as unknown as PoolOptions);
    clients = entries.map(([, c]) => c as C);
  }
  return { pool, clients, strict };
}

/** Function-valued properties along `obj`'s prototype chain that name commands of `table`. */
export function commandMethods(obj: object, table: CommandTable, reserved: ReadonlySet<string>, suffix?: string): string[] {
  const out = new Set<string>();
  for (let p: object | null = obj; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (reserved.has(name) || out.has(name) || name.startsWith("_")) continue;
      const d = Object.getOwnPropertyDescriptor(p, name);
      if (d === undefined || typeof d.value !== "function") continue;
      const base = suffix !== undefined && name.endsWith(suffix) ? name.slice(0, -suffix.length) : name;
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(base) || reserved.has(base)) continue;
      if (table.has(base)) out.add(name);
    }
  }
  return [...out];
}

export { ShardingError };
