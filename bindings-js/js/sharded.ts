// What the sharded clients (ioredis.ts, node-redis.ts) share besides their
// I/O: their construction, sending a split or a fan-out and reducing its
// replies, a pipeline's sub-commands and replies. Every decision comes from
// shard.ts (the core's shard module).

import { CommandTable } from "./command.js";
import { describe, invalidArgument, invalidValue } from "./argument-errors.js";
import { Pool } from "./pool.js";
import type { PoolOptions } from "./pool.js";
import { PartialReplyError } from "./error-classes.js";
import { ShardRouter, applyReduce } from "./shard.js";
import type { Outcome, PipelinePlan, ShardArg, Step } from "./shard.js";

/** The sub-command of `argv` at `positions`. */
export function subArgv(argv: readonly ShardArg[], positions: Uint32Array): ShardArg[] {
  const out = new Array<ShardArg>(positions.length);
  for (let i = 0; i < positions.length; i++) out[i] = argv[positions[i]];
  return out;
}

/**
 * Every promise's reply or error (the error it rejected with), once all
 * are in. One handler pair per promise writing in place, not
 * `Promise.all` over a settling `then` per promise: a pipeline makes one
 * promise per command, and the second layer of promises cost ~10% of a
 * node-redis pipeline of 1000 GETs' client time.
 */
export function settled(promises: readonly Promise<unknown>[]): Promise<unknown[]> {
  const n = promises.length;
  const out = new Array<unknown>(n);
  if (n === 0) return Promise.resolve(out);
  return new Promise((resolve) => {
    let left = n;
    for (let i = 0; i < n; i++) {
      promises[i].then(
        (v) => {
          out[i] = v;
          if (--left === 0) resolve(out);
        },
        (e: unknown) => {
          out[i] = e instanceof Error ? e : new Error(String(e));
          if (--left === 0) resolve(out);
        },
      );
    }
  });
}

/**
 * Whether an error in a reply's place is the server's error reply (the
 * client library's class for it); any other error means the shard gave
 * no reply (a lost, refused or timed-out connection).
 * @internal
 */
export type IsErrorReply = (e: Error) => boolean;

/**
 * The error standing for a split or fanned-out command some of whose sends
 * got no reply (`replies` per send, errors in place), by the core's rule:
 * a {@link PartialWriteError} / {@link PartialReplyError} naming the shards,
 * each failed shard's own error in its `errors`; the first send's own error
 * when no send got a reply; `null` when every send did.
 * @internal
 */
export function fault(router: ShardRouter, argv: readonly ShardArg[], step: Exclude<Step, { kind: "one" }>, replies: readonly unknown[], isErrorReply: IsErrorReply): Error | null {
  const first = replies.findIndex((r) => r instanceof Error && !isErrorReply(r));
  if (first < 0) return null;
  const outcomes = replies.map((r): Outcome => (r instanceof Error ? (isErrorReply(r) ? "error_reply" : "no_reply") : "reply"));
  const partial = router.partial(argv, outcomes);
  if (partial === null) return replies[first] as Error;
  const shards = step.kind === "split" ? step.parts.map((p) => p.shard) : Array.from(step.shards);
  replies.forEach((r, i) => {
    const name = router.names[shards[i]];
    if (r instanceof Error && !(name in partial.errors)) partial.errors[name] = r;
  });
  Object.defineProperty(partial, "cause", { value: replies[first], configurable: true, writable: true });
  return partial;
}

/**
 * A split or a fan-out: each part (or the command itself) sent to its
 * shard by `send`, concurrently, and the replies reduced; rejects with the
 * resulting error reply, or, when a shard gave no reply, with `fault`'s error.
 * @internal
 */
export function runStep(step: Exclude<Step, { kind: "one" }>, argv: readonly ShardArg[], send: (shard: number, argv: readonly ShardArg[]) => Promise<unknown>, router: ShardRouter, isErrorReply: IsErrorReply): Promise<unknown> {
  let sends: Promise<unknown>[];
  try {
    sends = step.kind === "split" ? step.parts.map((p) => send(p.shard, subArgv(argv, p.argv))) : Array.from(step.shards, (s) => send(s, argv));
  } catch (e) {
    return Promise.reject(e);
  }
  const finish = (replies: unknown[]): unknown => {
    const failed = fault(router, argv, step, replies, isErrorReply);
    if (failed !== null) throw failed;
    const reply = applyReduce(step.reduce, replies);
    if (reply instanceof Error) throw reply;
    return reply;
  };
  // Every reply at once when all sends succeed; when one failed, every
  // send's reply or error once all are in (the same promises, settled).
  return Promise.all(sends).then(finish, () => settled(sends).then(finish));
}

/** Whether `e` is a shard's failure rather than an error reply (a lost connection, a partial write). */
export function isFailure(e: unknown, isErrorReply: IsErrorReply): boolean {
  return e instanceof PartialReplyError || (e instanceof Error && !isErrorReply(e));
}

/** What a pipeline's send of `command` sends (`part` as in {@link PipelinePlan.sends}): the queued argv, or its part. */
export function sendArgv(plan: PipelinePlan, command: number, part: number, argv: readonly ShardArg[]): readonly ShardArg[] {
  if (part === 0) return argv;
  const step = plan.steps[command] as Extract<Step, { kind: "split" }>;
  return subArgv(argv, step.parts[part - 1].argv);
}

/**
 * Command `i`'s reply from its shards' replies (`[shard][index]`): one
 * reply as is, several reduced, or `fault`'s error when some gave none (a
 * partial error's `position` set to `i`).
 */
export function pipelineReply(plan: PipelinePlan, i: number, replies: readonly (readonly unknown[])[], router: ShardRouter, argv: readonly ShardArg[], isErrorReply: IsErrorReply): unknown {
  const { o } = plan;
  const a = plan.places[i];
  const step = plan.steps[i];
  if (step.kind === "one") return replies[o[a + 1]][o[a + 2]];
  const got = new Array<unknown>(o[a]);
  for (let j = 0; j < got.length; j++) got[j] = replies[o[a + 1 + 2 * j]][o[a + 2 + 2 * j]];
  const failed = fault(router, argv, step, got, isErrorReply);
  if (failed instanceof PartialReplyError) Object.assign(failed, { position: i });
  return failed ?? applyReduce(step.reduce, got);
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

/** What both constructors build from their arguments. */
export interface ShardSetup<C> {
  pool: Pool;
  router: ShardRouter;
  clients: C[];
}

/**
 * The pool, its router and the clients in pool order, from `shards` (an
 * object or Map `{server spec: client}` in pool order, or, with
 * `options.pool`, keyed by shard name or spec, or an array in pool order)
 * and the options.
 * @internal
 */
export function setUp<C>(
  shards: unknown,
  options: unknown,
  isClient: (c: unknown) => boolean,
  clientKind: string,
): ShardSetup<C> {
  if (options === undefined) options = {};
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an object", options);
  const o = options as Record<string, unknown>;
  const poolOptions: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    if (POOL_OPTION_NAMES.has(k)) poolOptions[k] = o[k];
    else if (k !== "pool" && k !== "strictTags") throw invalidValue("options", "pool options, pool, strictTags", k);
  }
  const strictTags = o.strictTags ?? false;
  if (typeof strictTags !== "boolean") throw invalidArgument("options.strictTags", "a boolean", strictTags);
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
  let router: ShardRouter;
  let clients: C[];
  if (o.pool !== undefined) {
    if (!(o.pool instanceof Pool)) throw invalidArgument("options.pool", "a keyroute Pool", o.pool);
    if (Object.keys(poolOptions).length > 0) throw invalidValue("options", "either pool or pool options", Object.keys(poolOptions)[0]);
    pool = o.pool;
    if (entries.length !== pool.length) {
      throw invalidValue("shards", `one client per server of the pool (${pool.length})`, `${entries.length} clients`);
    }
    router = ShardRouter.forPool(pool, { strictTags });
    if (Array.isArray(shards)) clients = entries.map(([, c]) => c as C);
    else {
      const byName = new Map(entries.map(([k, c]) => [k, c]));
      const names = router.names;
      clients = pool.servers.map((spec, i) => {
        const c = byName.get(names[i]) ?? byName.get(spec);
        if (c === undefined) throw invalidValue("shards", `a client for every server of the pool, keyed by alias or spec`, `nothing for ${JSON.stringify(spec)}`);
        return c as C;
      });
      const known = new Set([...pool.servers, ...names]);
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
    router = ShardRouter.forPool(pool, { strictTags });
    clients = entries.map(([, c]) => c as C);
  }
  return { pool, router, clients };
}

let methodTable: CommandTable | null = null;

/** Function-valued properties along `obj`'s prototype chain that name commands of the built-in table. */
export function commandMethods(obj: object, reserved: ReadonlySet<string>, suffix?: string): string[] {
  const table = (methodTable ??= new CommandTable());
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

/**
 * The subclass of `Base` for the clients of prototype `key`, with a method
 * `method(name)` on its prototype for each of `names`, made once per key
 * (`cache`): a sharded pipeline's command methods. Defining them on each
 * new pipeline cost about 0.9 ms per `pipeline()` / `multi()` on Node 20.
 * @internal
 */
export function methodClass<C extends abstract new (...args: never[]) => object>(
  cache: WeakMap<object, C>,
  key: object,
  Base: C,
  names: () => readonly string[],
  method: (name: string) => (...args: never[]) => unknown,
): C {
  let made = cache.get(key);
  if (made === undefined) {
    const Sub = class extends (Base as unknown as new (...args: unknown[]) => object) {};
    const proto = Sub.prototype as unknown as Record<string, unknown>;
    for (const name of names()) {
      if (!(name in proto)) Object.defineProperty(proto, name, { value: method(name), writable: true, configurable: true });
    }
    made = Sub as unknown as C;
    cache.set(key, made);
  }
  return made;
}

/** Whether the built-in command table knows `name`. */
export function isCommand(name: string): boolean {
  return (methodTable ??= new CommandTable()).has(name);
}
