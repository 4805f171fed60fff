// Pool: client-side sharding, a server list routed exactly as twemproxy, a
// client library or a written definition routes it; and what changing a
// pool's configuration moves (plan.movedKeys, plan.movedFraction).

import { fromWasm } from "./error-classes.js";
import { asBytes, invalidArgument, invalidValue } from "./argument-errors.js";
import { WasmPool, wasmMovedFraction } from "./glue.js";
import { checkReady, disposable } from "./state.js";
import * as wasm from "./wasm.js";

/** A sharding scheme: one real implementation's behaviour. */
export type Scheme =
  | "twemproxy-ketama"
  | "twemproxy-modula"
  | "libmemcached-ketama"
  | "predis"
  | "predis-ketama"
  | "redis-rb-4"
  | "redis-rb-5"
  | "redis-rb-hashring"
  | "jedis"
  | "uhashring"
  | "uhashring-ketama"
  | "node-hashring"
  | "pymemcache"
  | "jump"
  | "rendezvous"
  | "maglev"
  | "go-redis-ring"
  | "go-redis-ring-v5"
  | "python-memcached"
  | "phpredis-array"
  | "dalli"
  | "spymemcached-ketama"
  | "spymemcached-array-mod";

/** A twemproxy key hash (`hash:` in nutcracker's configuration). */
export type TwemproxyHash =
  | "one_at_a_time"
  | "md5"
  | "crc16"
  | "crc32"
  | "crc32a"
  | "fnv1_64"
  | "fnv1a_64"
  | "fnv1_32"
  | "fnv1a_32"
  | "hsieh"
  | "murmur"
  | "jenkins";

/** A spymemcached `DefaultHashAlgorithm` (`hash` of the spymemcached schemes). */
export type SpymemcachedHash = "native" | "crc" | "fnv1_64" | "fnv1a_64" | "fnv1_32" | "fnv1a_32" | "ketama";

/**
 * Options of {@link Pool}. Each scheme reads only its own; giving another
 * scheme's option is a `PartitionError` (`ERR_KEYROUTE_PARTITION_OPTION_NOT_APPLICABLE`).
 */
export interface PoolOptions {
  /** The scheme (required). */
  scheme: Scheme;
  /**
   * twemproxy: the key hash (`fnv1a_64` by default; any of twemproxy's 12 names);
   * spymemcached-ketama, spymemcached-array-mod: a `DefaultHashAlgorithm` (`native`, `crc`,
   * `fnv1_64`, `fnv1a_64`, `fnv1_32`, `fnv1a_32`, `ketama`; ketama and native by default).
   */
  hash?: TwemproxyHash | SpymemcachedHash;
  /** twemproxy: the two `hash_tag` characters, e.g. `"{}"`. */
  hashTag?: string | Uint8Array;
  /** twemproxy: how `char` widens on the platform reproduced (default `"signed"`). */
  charSign?: "signed" | "unsigned";
  /** redis-rb: the default node id form (default `"with_db"`). */
  redisRbId?: "with_db" | "without_db";
  /** Jedis: the releases whose point names to reproduce (default `"4"`). */
  jedis?: "2.9" | "3" | "4";
  /** npm hashring: `'default port'`. */
  defaultPort?: number;
  /** npm hashring: `compatibility` (default `"ketama"`). */
  compatibility?: "ketama" | "hash_ring";
  /** npm hashring: `'vnode count'` (40); uhashring: `vnodes` (160). */
  vnodes?: number;
  /** jump: the key hash (default `"xxh3"`). */
  jumpHash?: "xxh3" | "xxh64";
  /** maglev: the table size, a prime (65537 by default). */
  tableSize?: number;
  /**
   * jedis, jump, rendezvous, maglev: the tag rule, `"none"`, `"redis"`, `"redis-rb"`, `"jedis"` or two characters;
   * redis-rb-4, redis-rb-5: `Distributed`'s `tag:` as a Ruby pattern's source (e.g. `"\\{(.+?)\\}"`), or `"none"`.
   */
  tag?: string | Uint8Array;
  /** redis-rb-hashring: points per node (`HashRing.new(nodes, replicas)`, 160); uhashring-ketama: words per digest (4). */
  replicas?: number;
  /** npm hashring: the digest (`new HashRing(servers, algorithm)`), `"md5"` by default; phpredis-array: RedisArray's `algorithm` (also `"crc32b"`; CRC-32 when unset). */
  algorithm?: "md5" | "sha1" | "sha224" | "sha256" | "sha384" | "sha512" | "crc32b";
  /** phpredis-array: RedisArray's `consistent` (a ring of 160 MD5 points per host). */
  consistent?: boolean;
  /** dalli: keys as `Dalli::Client` hands them to its ring (empty keys refused, the namespace prefixed, keys over 250 characters shortened with an MD5). */
  clientKeys?: boolean;
  /** dalli (with `clientKeys`): the client's `namespace`. */
  namespace?: string;
  /** spymemcached-ketama: `KetamaNodeKeyFormatter.Format`, how servers are named on the ring (default `"spymemcached"`). */
  format?: "spymemcached" | "libmemcached";
}

/** Servers in the library's own mapping form (npm hashring): `{"host:port": weight}` or `{"host:port": {weight, vnodes}}`. */
export type ServerMapping = Readonly<Record<string, number | Readonly<Record<string, unknown>>>>;

/** Options of {@link Pool.fromNutcracker}. */
export interface NutcrackerOptions {
  /** The pool's name (required when the configuration has several). */
  pool?: string;
}

type PoolKey = string | Uint8Array;

/** An index from wasm, or the core's refusal of the key (0xffffffff: a key the library has no server for). */
function checked(index: number): number {
  if (index === 0xffffffff) throw fromWasm(wasm.takeError());
  return index;
}

/**
 * The pool's options as the wasm constructor takes them: names and values
 * (strings, numbers, or `null` for bytes, whose runs follow in `bytes`).
 * The core parses every name and value.
 */
function optionArgs(o: Record<string, unknown>): [string[], (string | number | boolean | null)[], Uint8Array, Uint32Array] {
  const names: string[] = [];
  const values: (string | number | boolean | null)[] = [];
  const runs: Uint8Array[] = [];
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (k === "scheme" || v === undefined) continue;
    names.push(k);
    if (typeof v === "string" || typeof v === "boolean") values.push(v);
    else if (typeof v === "number") {
      if (!Number.isSafeInteger(v) || v < 0) throw invalidValue(`options.${k}`, "a non-negative integer", v);
      values.push(v);
    } else {
      runs.push(asBytes(v, `options.${k}`).slice());
      values.push(null);
    }
  }
  const bytes = new Uint8Array(runs.reduce((n, r) => n + r.length, 0));
  let at = 0;
  for (const r of runs) (bytes.set(r, at), (at += r.length));
  return [names, values, bytes, Uint32Array.from(runs, (r) => r.length)];
}

/**
 * A list of servers routed by one sharding scheme, exactly as the real
 * implementation routes it: twemproxy 0.5.0 (ketama, modula, all 12 hashes),
 * libmemcached, Predis, redis-rb, Jedis, uhashring, npm hashring, pymemcache,
 * jump, rendezvous, maglev.
 *
 * Keys are bytes: a `string` key is hashed as its UTF-8 encoding. For
 * `node-hashring` a `Uint8Array` key is hashed as the library hashes a
 * `Buffer` (`key + ''`: UTF-8 decoding, invalid sequences as U+FFFD).
 *
 * Holds wasm memory: call `free()` when done with it (or let the garbage
 * collector do it).
 */
export class Pool {
  /** @internal */
  readonly _inner: WasmPool;
  /** The servers as written, in configuration order. */
  readonly servers: readonly string[];
  /** The scheme. */
  readonly scheme: Scheme;
  /** The nutcracker pool's name, or `null` for a pool built from a list. */
  readonly name: string | null;
  /** nutcracker `auto_eject_hosts: true` (always `false` for a list). */
  readonly autoEjectHosts: boolean;
  /** Which servers are live, as given to {@link Pool.withLive}, or `null`. */
  readonly live: readonly boolean[] | null;
  /** @internal backends (`host:port` or path), for movedKeys */
  readonly _addresses: readonly string[];

  /**
   * A pool of servers written `host:port[:weight][ alias]` (or
   * `/path[:weight][ alias]`), routed by `options.scheme`.
   * @throws {PartitionError} for an unknown scheme or option value, an empty
   *   list, a zero weight, duplicate names, an option the scheme lacks...
   * @throws {TypeError} if `servers` is not an array of strings.
   */
  constructor(servers: readonly string[] | ServerMapping, options: PoolOptions);
  /** @internal */
  constructor(servers: readonly string[], options: PoolOptions, inner: WasmPool, live?: readonly boolean[]);
  constructor(servers: readonly string[] | ServerMapping, options: PoolOptions, inner?: WasmPool, live?: readonly boolean[]) {
    checkReady();
    if (inner === undefined && servers !== null && typeof servers === "object" && !Array.isArray(servers)) {
      // The library's own mapping form: every entry goes to the core, which
      // honours it or refuses it (never read as the list of its keys).
      if (options === null || typeof options !== "object") throw invalidArgument("options", "an object with a scheme", options);
      const o = options as unknown as Record<string, unknown>;
      if (typeof o.scheme !== "string") throw invalidArgument("options.scheme", "a string", o.scheme);
      const keys: string[] = [];
      const numbers: number[] = [];
      const counts: number[] = [];
      const fieldNames: string[] = [];
      const fieldValues: unknown[] = [];
      for (const [k, v] of Object.entries(servers as Record<string, unknown>)) {
        keys.push(k);
        if (typeof v === "number") {
          numbers.push(v);
          counts.push(0);
        } else if (v !== null && typeof v === "object" && !Array.isArray(v)) {
          numbers.push(NaN);
          const fields = Object.entries(v as Record<string, unknown>);
          counts.push(fields.length);
          for (const [f, x] of fields) (fieldNames.push(f), fieldValues.push(x));
        } else {
          numbers.push(NaN);
          counts.push(0xffffffff);
        }
      }
      try {
        inner = WasmPool.fromEntries(o.scheme, keys, Float64Array.from(numbers), Uint32Array.from(counts), fieldNames, fieldValues, ...optionArgs(o));
      } catch (e) {
        throw e instanceof Error ? e : fromWasm(e);
      }
    }
    if (inner === undefined) {
      if (!Array.isArray(servers)) throw invalidArgument("servers", "an array of strings", servers);
      servers.forEach((s, i) => {
        if (typeof s !== "string") throw invalidArgument(`servers[${i}]`, 'a string such as "host:port:weight"', s);
      });
      if (options === null || typeof options !== "object") throw invalidArgument("options", "an object with a scheme", options);
      const o = options as unknown as Record<string, unknown>;
      const scheme = o.scheme;
      if (typeof scheme !== "string") throw invalidArgument("options.scheme", "a string", scheme);
      try {
        inner = new WasmPool(scheme, [...servers], ...optionArgs(o));
      } catch (e) {
        throw e instanceof Error ? e : fromWasm(e);
      }
    }
    this._inner = inner;
    this.servers = Object.freeze(inner.servers);
    this._addresses = inner.addresses;
    this.scheme = inner.scheme as Scheme;
    this.name = inner.name ?? null;
    this.autoEjectHosts = inner.autoEjectHosts;
    this.live = live === undefined ? null : Object.freeze([...live]);
  }

  /**
   * The pool named `pool` of a nutcracker YAML configuration (its only pool
   * when `pool` is not given), routed as twemproxy 0.5.0 routes it.
   * @throws {ConfigError} naming the pool and field (`pool`, `field`); a
   *   server list the scheme refuses has the `PartitionError` as `cause`.
   */
  static fromNutcracker(yaml: string, options: NutcrackerOptions = {}): Pool {
    checkReady();
    if (typeof yaml !== "string") throw invalidArgument("yaml", "a string", yaml);
    const pool = options?.pool;
    if (pool !== undefined && typeof pool !== "string") throw invalidArgument("options.pool", "a string", pool);
    let inner: WasmPool;
    try {
      inner = WasmPool.fromNutcracker(yaml, pool);
    } catch (e) {
      throw e instanceof Error ? e : fromWasm(e);
    }
    return new Pool([], { scheme: inner.scheme as Scheme }, inner);
  }

  /** The position, in the list as given, of the server that holds `key`. */
  indexFor(key: PoolKey): number {
    const len = wasm.load(typeof key === "string" ? key : asBytes(key, "key"));
    return checked(len >= 0 ? this._inner.indexOfScratch(len) : this._inner.indexFor(wasm.utf8(key)));
  }

  /** The server that holds `key`, exactly as the configuration wrote it. */
  nodeFor(key: PoolKey): string {
    return this.servers[this.indexFor(key)];
  }

  /**
   * The position of every key's server, in order. Keys are packed into wasm
   * memory and routed with one call per 4096 keys or 64 KiB.
   * @throws {TypeError} if `keys` is not an array or iterable of keys.
   */
  indexesFor(keys: readonly PoolKey[] | Iterable<PoolKey>): Uint32Array {
    let list: ArrayLike<unknown>;
    if (Array.isArray(keys)) list = keys;
    else if (keys !== null && typeof keys === "object" && !ArrayBuffer.isView(keys) && typeof (keys as Iterable<unknown>)[Symbol.iterator] === "function") {
      list = Array.from(keys as Iterable<unknown>);
    } else if (typeof keys === "string" || ArrayBuffer.isView(keys)) {
      throw invalidArgument("keys", "an array of keys (use indexFor for one key)", keys);
    } else throw invalidArgument("keys", "an array or iterable of keys", keys);
    const out = new Uint32Array(list.length);
    indexes(this._inner, list, out);
    return out;
  }

  /**
   * twemproxy only: the pool with only the servers marked `true` live
   * (`auto_eject_hosts` ejected the others), its continuum rebuilt as
   * nutcracker rebuilds it. One flag per server, in configuration order.
   * @throws {PartitionError} for another scheme, a wrong length or no live server.
   */
  withLive(live: readonly boolean[]): Pool {
    if (!Array.isArray(live) || !live.every((b) => typeof b === "boolean")) {
      throw invalidArgument("live", "an array of booleans", live);
    }
    let inner: WasmPool;
    try {
      inner = this._inner.withLive(Uint8Array.from(live, (b) => (b ? 1 : 0)));
    } catch (e) {
      throw e instanceof Error ? e : fromWasm(e);
    }
    return new Pool([], { scheme: this.scheme }, inner, live);
  }

  /** The number of servers. */
  get length(): number {
    return this.servers.length;
  }

  /** Releases the wasm memory now; the pool cannot be used afterwards. */
  /**
   * `free()`, for `using` (TypeScript 5.2+; defined where the engine has
   * `Symbol.dispose`): `using pool = new Pool(servers);` frees the
   * wasm memory at the end of the block.
   */
  declare [Symbol.dispose]: () => void;

  free(): void {
    this._inner.free();
  }
}
disposable(Pool);

const encoder = new TextEncoder();

/** Fills `out` with the indexes of `keys`, one wasm call per packed batch. */
function indexes(inner: WasmPool, keys: ArrayLike<unknown>, out: Uint32Array): void {
  const n = keys.length;
  const max = wasm.batchCapacity();
  let i = 0;
  while (i < n) {
    const scratch = wasm.scratchBytes();
    const lens = wasm.scratchLens();
    const cap = scratch.length;
    const end = Math.min(n, i + max);
    // A run of ASCII strings: one encodeInto for all of them.
    let joined = "";
    let total = 0;
    let j = i;
    for (; j < end; j++) {
      const k = keys[j];
      if (typeof k !== "string" || total + k.length > cap) break;
      lens[j - i] = k.length;
      total += k.length;
      joined += k;
    }
    if (j > i) {
      const r = encoder.encodeInto(joined, scratch);
      if (r.read !== joined.length || r.written !== total) j = i;
    }
    if (j === i) {
      // The general path: key by key until the buffer is full.
      let off = 0;
      for (; j < end; j++) {
        const k = keys[j];
        let len: number;
        if (typeof k === "string") {
          if (k.length > cap - off) break;
          const r = encoder.encodeInto(k, scratch.subarray(off));
          if (r.read !== k.length) break;
          len = r.written;
        } else {
          const u = asBytes(k, `keys[${j}]`);
          if (u.length > cap - off) break;
          scratch.set(u, off);
          len = u.length;
        }
        lens[j - i] = len;
        off += len;
      }
    }
    if (j === i) {
      // keys[i] alone is larger than the scratch buffer.
      const k = keys[i];
      out[i] = checked(inner.indexFor(wasm.utf8(typeof k === "string" ? k : asBytes(k, `keys[${i}]`))));
      i += 1;
      continue;
    }
    const count = j - i;
    const done = inner.indexesOf(count);
    if (done < 0) throw fromWasm(wasm.takeError());
    if (done !== count) throw new Error(`keyroute: internal error: batch routed ${done} of ${count} keys`);
    out.set(wasm.outputs(count).subarray(0, count), i);
    i = j;
  }
}

/** A key whose server changes: `[key, old server, new server]`, servers as written. */
export type MovedKey = [key: PoolKey, oldNode: string, newNode: string];

/**
 * The keys of `keys` whose backend (`host:port` or socket path) changes from
 * `oldPool` to `newPool`, in the order given, with the servers as
 * {@link Pool.nodeFor} names them.
 */
export function movedKeys(oldPool: Pool, newPool: Pool, keys: readonly PoolKey[] | Iterable<PoolKey>): MovedKey[] {
  if (!(oldPool instanceof Pool)) throw invalidArgument("oldPool", "a Pool", oldPool);
  if (!(newPool instanceof Pool)) throw invalidArgument("newPool", "a Pool", newPool);
  const list = Array.isArray(keys) ? keys : keys !== null && typeof keys === "object" && !ArrayBuffer.isView(keys) ? Array.from(keys as Iterable<PoolKey>) : null;
  if (list === null) throw invalidArgument("keys", "an array or iterable of keys", keys);
  const a = oldPool.indexesFor(list);
  const b = newPool.indexesFor(list);
  const [oa, na] = [oldPool._addresses, newPool._addresses];
  const out: MovedKey[] = [];
  for (let i = 0; i < list.length; i++) {
    if (oa[a[i]] !== na[b[i]]) out.push([list[i], oldPool.servers[a[i]], newPool.servers[b[i]]]);
  }
  return out;
}

/** An exact share of the key-hash space: `num / den` (decimal strings, `den` a power of two), and `value` as a float. */
export interface Share {
  readonly num: string;
  readonly den: string;
  readonly value: number;
}

/** What {@link MovedFraction} was computed over. */
export type Basis = "hash_space" | "hash_sample" | "key_sample";

/** Options of {@link movedFraction}. */
export interface MovedFractionOptions {
  /** The sample size `2^k` for the schemes measured on a sample (jump, rendezvous, pymemcache, maglev of two sizes); clamped to 4..28, default 20. */
  sampleLog2?: number;
}

/** `bits`: the core's float value as its IEEE 754 bits (src/pool.rs `share_json`). */
interface RawShare { num: string; log2den: number; bits: string }

const float = new DataView(new ArrayBuffer(8));

function share(s: RawShare): Share {
  float.setBigUint64(0, BigInt(s.bits));
  return Object.freeze({ num: s.num, den: (1n << BigInt(s.log2den)).toString(), value: float.getFloat64(0) });
}

/** The share of the key-hash space each old server hands to each new server, exact. Plain data. */
export class MovedFraction {
  /** The share whose backend changes. */
  readonly moved: Share;
  /** The moved share that goes to a backend the old configuration lacks. */
  readonly toAdded: Share;
  /** The moved share that leaves a backend the new configuration lacks. */
  readonly fromRemoved: Share;
  /** The moved share between backends both configurations have. */
  readonly betweenKept: Share;
  /** Old x new: `matrix[i][j]` is the share old server `i` held and new server `j` holds. */
  readonly matrix: readonly (readonly Share[])[];
  /** The old servers as configured (the rows). */
  readonly oldNodes: readonly string[];
  /** The new servers as configured (the columns). */
  readonly newNodes: readonly string[];
  /** `"hash_space"` (exact over every hash value), `"hash_sample"` or `"key_sample"` (exact for a documented sample). */
  readonly basis: Basis;
  /** Width of the key hash in bits (`null` for a key sample). */
  readonly bits: number | null;
  /** The sample has `2^log2Samples` values (`null` when exact). */
  readonly log2Samples: number | null;
  /** Whether the figures hold for the whole hash space. */
  readonly exact: boolean;
  /** What makes the change move more keys than it should, or the figures describe real keys less well. */
  readonly warnings: readonly string[];

  /** @internal */
  constructor(json: string) {
    const f = JSON.parse(json) as {
      moved: RawShare; toAdded: RawShare; fromRemoved: RawShare; betweenKept: RawShare; matrix: RawShare[][];
      oldNodes: string[]; newNodes: string[]; basis: Basis; bits: number | null; log2Samples: number | null;
      exact: boolean; warnings: string[];
    };
    this.moved = share(f.moved);
    this.toAdded = share(f.toAdded);
    this.fromRemoved = share(f.fromRemoved);
    this.betweenKept = share(f.betweenKept);
    this.matrix = Object.freeze(f.matrix.map((row) => Object.freeze(row.map(share))));
    this.oldNodes = Object.freeze(f.oldNodes);
    this.newNodes = Object.freeze(f.newNodes);
    this.basis = f.basis;
    this.bits = f.bits;
    this.log2Samples = f.log2Samples;
    this.exact = f.exact;
    this.warnings = Object.freeze(f.warnings);
  }
}

/**
 * Where the key-hash space goes from `oldPool` to `newPool`: exact shares
 * per old and new server (interval arithmetic for rings, residues for
 * modula, table diff for maglev), with warnings.
 * @throws {PartitionError} (`ERR_KEYROUTE_PARTITION_DIFFERENT_KEY_HASH`) when
 *   the two pools hash keys differently; use {@link movedKeys} then.
 */
export function movedFraction(oldPool: Pool, newPool: Pool, options: MovedFractionOptions = {}): MovedFraction {
  if (!(oldPool instanceof Pool)) throw invalidArgument("oldPool", "a Pool", oldPool);
  if (!(newPool instanceof Pool)) throw invalidArgument("newPool", "a Pool", newPool);
  const k = options?.sampleLog2;
  if (k !== undefined && (typeof k !== "number" || !Number.isInteger(k) || k < 0 || k > 64)) {
    throw invalidArgument("options.sampleLog2", "an integer in 0..64", k);
  }
  try {
    return new MovedFraction(wasmMovedFraction(oldPool._inner, newPool._inner, k));
  } catch (e) {
    throw e instanceof Error ? e : fromWasm(e);
  }
}
