// The core's shard module as the wasm side exposes it (src/shard.rs):
// ShardRouter plans commands and pipelines, ShardSession keeps a
// connection's MULTI/WATCH state, applyReduce puts replies together by a
// plan's rule. Every decision is the core's; this file decodes its answers.

import { checkArray, load } from "./argv.js";
import { Cluster } from "./cluster.js";
import { PartialReplyError, ShardingError, fromWasm } from "./error-classes.js";
import { asBytes, invalidArgument } from "./argument-errors.js";
import { WasmShardRouter, WasmShardSession } from "./glue.js";
import { Pool } from "./pool.js";
import { checkReady, disposable } from "./state.js";
import * as wasm from "./wasm.js";

/** A command argument as sent: a string (UTF-8) or bytes. */
export type ShardArg = string | Uint8Array;

/**
 * How the replies of a split or a fan-out become one reply (the core's
 * `Reduce`; kinds are the core's names). Under every rule but
 * `one_succeeded`, the first error reply (in
 * part or shard order) is the result.
 *
 * - `order`: the replies are arrays, concatenated in order; element
 *   `order[i]` of the concatenation is element `i` of the result (MGET);
 * - `sum`, `min`, `max`, `and`, `or`: integer replies combined, arrays of
 *   integers element by element (booleans stay booleans);
 * - `all_succeeded`: the first reply, when none failed;
 * - `one_succeeded`: the first reply that is not an error;
 * - `concat`: array replies concatenated in shard order (KEYS);
 * - `random`: the `pick`-th (modulo their count) of the replies that are
 *   not nil, or nil (RANDOMKEY).
 */
export type Reduce =
  | { readonly kind: "order"; readonly order: Uint32Array }
  | { readonly kind: "sum" | "min" | "max" | "and" | "or" | "all_succeeded" | "one_succeeded" | "concat" }
  | { readonly kind: "random"; readonly pick: number };

/** A sub-command of a split: its shard, its argv as positions in the command's argv (name first), its keys' ordinals. */
export interface Part {
  readonly shard: number;
  readonly argv: Uint32Array;
  readonly keys: Uint32Array;
}

/** Where one command goes (the core's `Step`). */
export type Step =
  | { readonly kind: "one"; readonly shard: number }
  | { readonly kind: "split"; readonly parts: readonly Part[]; readonly reduce: Reduce; readonly keyCount: number }
  | { readonly kind: "fan_out"; readonly shards: Uint32Array; readonly reduce: Reduce };

/** One command to send in a pipeline: which command, and which part of its split (`null`: the command as given). */
export interface Send {
  readonly command: number;
  readonly part: number | null;
}

/** A non-transactional pipeline planned before any I/O (the core's `Pipeline`). */
export interface Pipeline {
  /** Each command's step. */
  readonly steps: readonly Step[];
  /** Per shard, what to send to it, in order. */
  readonly batches: readonly (readonly Send[])[];
  /** Per command, where its replies are, in the order its reduce rule takes them: `[shard, index in that shard's batch]`. */
  readonly replies: readonly (readonly (readonly [number, number])[])[];
}

/**
 * @internal A pipeline's plan as the sharded clients read it, with no
 * object per send or reply place ({@link ShardRouter.planPipeline} builds
 * the public {@link Pipeline} from it): decoding a `{command, part}` per
 * send and a `[[shard, index]]` per command took more of a pipeline of
 * 1000 GETs than the core's planning (docs/performance.md).
 */
export interface PipelinePlan {
  /** Each command's step. */
  readonly steps: readonly Step[];
  /** Per shard, its sends in order, two numbers each: the command, and its part + 1 (0: the whole command). */
  readonly sends: readonly Uint32Array[];
  /** The plan's numbers: command `i`'s reply places start at `o[places[i]]`, a count, then `shard, index` pairs. */
  readonly o: Uint32Array;
  readonly places: Uint32Array;
}

/** Options of {@link ShardRouter.forPool} and {@link ShardRouter.forCluster}. */
export interface ShardRouterOptions {
  /**
   * Strict colocation: a command that is not split, and every transaction,
   * runs only when all its keys carry one hash tag by the placement's own
   * rule, or are one key repeated. Default `false`.
   */
  strictTags?: boolean;
  /** Seeds RANDOMKEY's choice of shard (the same seed, the same picks). Default: a random seed. */
  seed?: number;
}

const SIMPLE: readonly (Reduce | undefined)[] = [
  undefined,
  { kind: "sum" },
  { kind: "min" },
  { kind: "max" },
  { kind: "and" },
  { kind: "or" },
  { kind: "all_succeeded" },
  { kind: "one_succeeded" },
  { kind: "concat" },
].map((r) => (r === undefined ? r : Object.freeze(r as Reduce)));

/** Reading position in the result array while a plan is decoded (see src/shard.rs). */
let at = 0;

/**
 * The next list of a plan: a view of `o`, which is the caller's own copy
 * of the result array (one copy per plan: a typed array per list, each
 * with its own buffer, cost more than decoding the rest of the plan).
 */
function readList(o: Uint32Array): Uint32Array {
  const n = o[at];
  const list = o.subarray(at + 1, at + 1 + n);
  at += 1 + n;
  return list;
}

/** The first `n` numbers of the result array, copied out of wasm memory. */
function planOutput(n: number): Uint32Array {
  return wasm.outputs(n).slice(0, n);
}

function readReduce(o: Uint32Array): Reduce {
  const code = o[at++];
  if (code === 0) return { kind: "order", order: readList(o) };
  if (code === 9) return { kind: "random", pick: o[at++] };
  const r = SIMPLE[code];
  if (r === undefined) throw new ShardingError(`keyroute: reduce rule ${code} is unknown to this build`, "ERR_KEYROUTE_SHARDING");
  return r;
}

function readStep(o: Uint32Array, ones: readonly Step[]): Step {
  const kind = o[at++];
  if (kind === 0) return ones[o[at++]];
  if (kind === 1) {
    const keyCount = o[at];
    const n = o[at + 1];
    at += 2;
    const parts = new Array<Part>(n);
    for (let p = 0; p < n; p++) {
      const shard = o[at++];
      const argv = readList(o);
      parts[p] = { shard, argv, keys: readList(o) };
    }
    return { kind: "split", parts, reduce: readReduce(o), keyCount };
  }
  const shards = readList(o);
  return { kind: "fan_out", shards, reduce: readReduce(o) };
}

/** The answer "no shard" of src/shard.rs. */
const NONE = -2;

function shardOrNull(r: number): number | null {
  return r === NONE ? null : wasm.checked(r);
}

/** `argv` checked and loaded for the next call; whether it was staged. */
function loadArgv(argv: readonly ShardArg[]): [number, boolean] {
  const list = checkArray(argv, "argv");
  return [list.length, load(list, "argv")];
}

/** The argvs of a pipeline, loaded back to back for the next call; their lengths and whether they were staged. */
function loadCommands(commands: readonly (readonly ShardArg[])[]): [Uint32Array, boolean] {
  const list = checkArray(commands, "commands") as readonly unknown[];
  const counts = new Uint32Array(list.length);
  const flat: unknown[] = [];
  for (let i = 0; i < list.length; i++) {
    const argv = checkArray(list[i], `commands[${i}]`);
    for (let j = 0; j < argv.length; j++) {
      const a = argv[j];
      flat.push(typeof a === "string" || a instanceof Uint8Array ? a : asBytes(a, `commands[${i}][${j}]`));
    }
    counts[i] = argv.length;
  }
  return [counts, load(flat, "commands")];
}

/**
 * Places keys on shards and plans commands for a sharded client, before any
 * I/O: where each command goes (one shard, a split with its reduce rule, a
 * fan-out by the command's own tips), or why not (a {@link ShardingError}).
 * The sharded clients ({@link ShardedRedis}, {@link createShardedClient})
 * are built on it; it serves any other client library as well.
 */
export class ShardRouter {
  /** @internal */
  readonly _inner: WasmShardRouter;
  /** The shards' names, in shard order: a pool server's alias, else the server as written; a cluster primary's `host:port` as given. */
  readonly names: readonly string[];
  /** Whether strict colocation is on ({@link ShardRouterOptions.strictTags}). */
  readonly strictTags: boolean;
  /** @internal The step "all on shard i", one per shard. */
  readonly _ones: readonly Step[];

  private constructor(inner: WasmShardRouter, strictTags: boolean) {
    this._inner = inner;
    this.strictTags = strictTags;
    this.names = Object.freeze(inner.names);
    this._ones = Object.freeze(this.names.map((_, shard) => Object.freeze({ kind: "one" as const, shard })));
  }

  /** @internal */
  static _options(options: ShardRouterOptions | undefined): [boolean, number] {
    if (options === undefined) options = {};
    if (options === null || typeof options !== "object") throw invalidArgument("options", "an object", options);
    const strict = options.strictTags ?? false;
    if (typeof strict !== "boolean") throw invalidArgument("options.strictTags", "a boolean", strict);
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
      throw invalidArgument("options.seed", "an integer from 0 to 2**32 - 1", seed);
    }
    return [strict, seed];
  }

  /** A router over a pool's servers (the pool as it is now): shard `i` is server `i`. */
  static forPool(pool: Pool, options?: ShardRouterOptions): ShardRouter {
    checkReady();
    if (!(pool instanceof Pool)) throw invalidArgument("pool", "a keyroute Pool", pool);
    const [strict, seed] = ShardRouter._options(options);
    return new ShardRouter(WasmShardRouter.forPool(pool._inner, strict, seed), strict);
  }

  /**
   * A router over a cluster map (as it is now): shard `i` is the primary
   * `primaries[i]` (`host:port`), which must name every primary of the map once.
   * @throws {TopologyError} when `primaries` and the map's primaries differ.
   */
  static forCluster(cluster: Cluster, primaries: readonly string[], options?: ShardRouterOptions): ShardRouter {
    checkReady();
    if (!(cluster instanceof Cluster)) throw invalidArgument("cluster", "a keyroute Cluster", cluster);
    if (!Array.isArray(primaries) || !primaries.every((p) => typeof p === "string")) {
      throw invalidArgument("primaries", "an array of host:port strings", primaries);
    }
    const [strict, seed] = ShardRouter._options(options);
    let inner: WasmShardRouter;
    try {
      inner = WasmShardRouter.forCluster(cluster._map, [...primaries], strict, seed);
    } catch (e) {
      throw e instanceof Error ? e : fromWasm(e);
    }
    return new ShardRouter(inner, strict);
  }

  /** How many shards there are. */
  get length(): number {
    return this.names.length;
  }

  /** The shard holding `key`. */
  shardOf(key: ShardArg): number {
    const len = wasm.load(typeof key === "string" ? key : asBytes(key, "key"));
    return wasm.checked(len >= 0 ? this._inner.shardOfScratch(len) : this._inner.shardOf(wasm.utf8(key)));
  }

  /**
   * Where `argv` goes.
   * @throws {ShardingError} (a subclass) when it cannot go anywhere.
   */
  plan(argv: readonly ShardArg[]): Step {
    const [argc, staged] = loadArgv(argv);
    const o = planOutput(wasm.checked(this._inner.plan(argc, staged)));
    at = 0;
    return readStep(o, this._ones);
  }

  /**
   * Every command of a non-transactional pipeline planned at once.
   * @throws {ShardingError} when any command is refused (its `position` says which): then nothing should be sent.
   */
  planPipeline(commands: readonly (readonly ShardArg[])[]): Pipeline {
    const { steps, sends, o, places } = this._planPipeline(commands);
    const batches = sends.map((list) => {
      const batch = new Array<Send>(list.length >>> 1);
      for (let j = 0; j < batch.length; j++) {
        const part = list[2 * j + 1];
        batch[j] = { command: list[2 * j], part: part === 0 ? null : part - 1 };
      }
      return batch;
    });
    const replies = steps.map((_, i) => {
      const a = places[i];
      const where = new Array<[number, number]>(o[a]);
      for (let j = 0; j < where.length; j++) where[j] = [o[a + 1 + 2 * j], o[a + 2 + 2 * j]];
      return where;
    });
    return { steps, batches, replies };
  }

  /** @internal {@link planPipeline} as the sharded clients read it. */
  _planPipeline(commands: readonly (readonly ShardArg[])[]): PipelinePlan {
    const [counts, staged] = loadCommands(commands);
    const o = planOutput(wasm.checked(this._inner.planPipeline(counts, staged)));
    at = 0;
    const steps = new Array<Step>(o[at++]);
    for (let i = 0; i < steps.length; i++) steps[i] = readStep(o, this._ones);
    const sends = new Array<Uint32Array>(this.names.length);
    for (let s = 0; s < sends.length; s++) {
      const n = 2 * o[at];
      sends[s] = o.subarray(at + 1, at + 1 + n);
      at += 1 + n;
    }
    const places = new Uint32Array(steps.length);
    for (let i = 0; i < places.length; i++) {
      places[i] = at;
      at += 1 + 2 * o[at];
    }
    return { steps, sends, o, places };
  }

  /**
   * What `argv`, split or fanned out, amounts to when some sends got no
   * reply: `outcomes` per send (in the order of the plan's parts or
   * shards). The core's {@link PartialWriteError} or
   * {@link PartialReplyError}, or `null` when every send, or none, got a
   * reply.
   */
  partial(argv: readonly ShardArg[], outcomes: readonly Outcome[]): PartialReplyError | null {
    const codes = Uint8Array.from(outcomes, (o) => OUTCOMES.indexOf(o));
    if (codes.includes(255)) throw invalidArgument("outcomes", `each one of ${OUTCOMES.join(", ")}`, outcomes);
    const [argc, staged] = loadArgv(argv);
    const r = this._inner.partial(argc, staged, codes);
    if (r === NONE) return null;
    try {
      wasm.checked(r);
    } catch (e) {
      if (e instanceof PartialReplyError) return e;
      throw e;
    }
    return null;
  }

  /** Releases the wasm memory now; the router cannot be used afterwards. */
  free(): void {
    this._inner.free();
  }
}
disposable(ShardRouter);

/** What became of one send of a split or fan-out (the core's `Outcome`). */
export type Outcome = "reply" | "error_reply" | "no_reply";
const OUTCOMES: readonly Outcome[] = ["reply", "error_reply", "no_reply"];

/**
 * The MULTI / EXEC / WATCH state of one sharded connection (the core's
 * `Session`): a transaction runs on one shard, which the first key of WATCH
 * or of a queued command pins. Methods return the shard to send to (or
 * `null`: nothing to send), or throw the refusal; a method that throws
 * leaves the state as it was.
 */
export class ShardSession {
  /** @internal */
  readonly _inner: WasmShardSession;

  /** No transaction, nothing watched. */
  constructor() {
    checkReady();
    this._inner = new WasmShardSession();
  }

  /** WATCH `argv` (`["WATCH", key, ...]`): the shard to send it to. */
  watch(router: ShardRouter, argv: readonly ShardArg[]): number {
    return this._join(0, router, argv);
  }

  /** UNWATCH outside MULTI: the shard the watch went to, or `null` (nothing watched, nothing to send). */
  unwatch(): number | null {
    return shardOrNull(this._inner.control(0));
  }

  /** A command run at once while watching, before MULTI: its shard, the watched one. */
  whileWatching(router: ShardRouter, argv: readonly ShardArg[]): number {
    return this._join(1, router, argv);
  }

  /** MULTI: starts the transaction's queue. */
  multi(): void {
    wasm.checked(this._inner.control(1));
  }

  /** Queues `argv` in the transaction (its keys must be on the transaction's shard). */
  queue(router: ShardRouter, argv: readonly ShardArg[]): void {
    this._join(2, router, argv);
  }

  /** EXEC: the shard to run the transaction on, or `null` (nothing queued or watched: the reply is an empty list). */
  exec(): number | null {
    return shardOrNull(this._inner.control(2));
  }

  /** A whole MULTI..EXEC block at once: the shard to run it on, or `null`. */
  transaction(router: ShardRouter, commands: readonly (readonly ShardArg[])[]): number | null {
    const [counts, staged] = loadCommands(commands);
    return shardOrNull(this._inner.transaction(router._inner, counts, staged));
  }

  /** DISCARD, or a reset: the shard that was pinned (where a watch or a transaction must be released), or `null`. */
  reset(): number | null {
    return shardOrNull(this._inner.control(3));
  }

  /** The shard the transaction is pinned to, or `null`. */
  get pinned(): number | null {
    const p = this._state()[0];
    return p === 0xffffffff ? null : p;
  }

  /** Whether keys are watched. */
  get watching(): boolean {
    return this._state()[1] === 1;
  }

  /** Whether MULTI was given and EXEC or DISCARD not yet. */
  get inMulti(): boolean {
    return this._state()[2] === 1;
  }

  /** How many commands are queued. */
  get queued(): number {
    return this._state()[3];
  }

  /** @internal */
  _join(op: number, router: ShardRouter, argv: readonly ShardArg[]): number {
    const [argc, staged] = loadArgv(argv);
    return wasm.checked(this._inner.join(op, router._inner, argc, staged));
  }

  /** @internal */
  _state(): Uint32Array {
    return wasm.outputs(this._inner.state());
  }

  /** Releases the wasm memory now. */
  free(): void {
    this._inner.free();
  }
}
disposable(ShardSession);

// ---- replies ------------------------------------------------------------
// The core applies its Reduce rules through a Reply trait (core/src/shard/
// reduce.rs); JS values cannot cross into wasm, so the same rules are
// applied here, to ioredis's and node-redis's values, and checked against
// every reduce case of tests/vectors/sharded.json.

const isError = (r: unknown): r is Error => r instanceof Error;
const isNil = (r: unknown): boolean => r === null || r === undefined;
const asInt = (r: unknown): number | null => (typeof r === "number" && Number.isInteger(r) ? r : typeof r === "boolean" ? +r : null);
/** An integer reply of the same kind as `like`: a boolean stays a boolean. */
const intLike = (n: number, like: unknown): unknown => (typeof like === "boolean" && (n === 0 || n === 1) ? n === 1 : n);

type Op = (a: number, b: number) => number;
const OPS: Record<string, Op> = {
  sum: (a, b) => a + b,
  min: Math.min,
  max: Math.max,
  and: (a, b) => +(a !== 0 && b !== 0),
  or: (a, b) => +(a !== 0 || b !== 0),
};

/** Integers combined by `op`; arrays of integers element by element (the shortest array's length). */
function fold(replies: readonly unknown[], op: Op): unknown {
  if (replies.length === 0) return null;
  const first = replies[0];
  const n = asInt(first);
  if (n !== null) {
    let acc = n;
    for (let i = 1; i < replies.length; i++) {
      const m = asInt(replies[i]);
      if (m === null) return replies[i];
      acc = op(acc, m);
    }
    return intLike(acc, first);
  }
  if (!Array.isArray(first)) return first;
  const acc = first.slice();
  for (let i = 1; i < replies.length; i++) {
    const items = replies[i];
    if (!Array.isArray(items)) return items;
    if (items.length < acc.length) acc.length = items.length;
    for (let j = 0; j < acc.length; j++) {
      const x = asInt(acc[j]);
      const y = asInt(items[j]);
      if (x === null || y === null) return items[j];
      acc[j] = intLike(op(x, y), acc[j]);
    }
  }
  return acc;
}

/**
 * The reply of a split or fan-out command from its parts' (or shards')
 * replies, in order, by the plan's {@link Reduce} rule. Error replies are
 * `Error` objects, nil is `null`; the result may be an error reply too.
 */
export function applyReduce(reduce: Reduce, replies: readonly unknown[]): unknown {
  if (reduce.kind === "one_succeeded") {
    const i = replies.findIndex((r) => !isError(r));
    return i >= 0 ? replies[i] : replies.length > 0 ? replies[0] : null;
  }
  for (const r of replies) if (isError(r)) return r;
  switch (reduce.kind) {
    case "order": {
      for (const r of replies) if (!Array.isArray(r)) return r;
      // The concatenation, copied by the engine a reply at a time.
      const all: unknown[] = ([] as unknown[]).concat(...(replies as unknown[][]));
      const { order } = reduce;
      const out = new Array<unknown>(order.length);
      for (let i = 0; i < order.length; i++) {
        const j = order[i];
        if (j < all.length && all[j] !== TAKEN) {
          out[i] = all[j];
          all[j] = TAKEN;
        } else out[i] = null;
      }
      return out;
    }
    case "all_succeeded":
      return replies.length > 0 ? replies[0] : null;
    case "concat": {
      const out: unknown[] = [];
      for (const r of replies) {
        if (!Array.isArray(r)) return r;
        for (let j = 0; j < r.length; j++) out.push(r[j]);
      }
      return out;
    }
    case "random": {
      const found = replies.filter((r) => !isNil(r));
      return found.length > 0 ? found[reduce.pick % found.length] : null;
    }
    default:
      return fold(replies, OPS[reduce.kind]);
  }
}

/** An element of `order`'s concatenation already placed (each is placed once). */
const TAKEN: unknown = Symbol("taken");
