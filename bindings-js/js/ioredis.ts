// ShardedRedis: ioredis clients, one per server of a Pool, used as one.
// Duck-typed: nothing here imports ioredis.

import { invalidArgument, invalidValue } from "./argument-errors.js";
import type { Pool, PoolOptions } from "./pool.js";
import { ShardSession } from "./shard.js";
import type { ShardArg, ShardRouter } from "./shard.js";
import { commandMethods, eachShard, isCommand, methodClass, pipelineReply, runStep, sendArgv, settleAll, setUp } from "./sharded.js";
import type { IsErrorReply } from "./sharded.js";

/** ioredis's error replies are `ReplyError`s (redis-errors); anything else in a reply's place is a shard's failure. */
const isReplyError: IsErrorReply = (e) => e.name === "ReplyError";
import type { ShardingOptions } from "./sharded.js";

/** What ShardedRedis needs of an ioredis pipeline or MULTI (duck-typed). */
export interface IORedisPipelineLike {
  call(command: string, ...args: unknown[]): unknown;
  callBuffer(command: string, ...args: unknown[]): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** What ShardedRedis needs of an ioredis client (`Redis` instance; duck-typed). */
export interface IORedisClientLike {
  call(command: string, ...args: unknown[]): Promise<unknown>;
  callBuffer(command: string, ...args: unknown[]): Promise<unknown>;
  /** ioredis's `sendCommand(command)`: used with `Redis.Command` where both are there (see sendArgs). */
  sendCommand?(command: unknown): Promise<unknown>;
  pipeline(): IORedisPipelineLike;
  multi(): IORedisPipelineLike;
  quit(): Promise<unknown>;
  disconnect(): void;
}

/** Options of {@link ShardedRedis}: the pool's (or `pool`), and `strictTags`. */
export type ShardedRedisOptions = Partial<PoolOptions> & ShardingOptions & {
  /** A ready pool instead of `scheme` and its options; `shards` then keyed by alias or spec, or an array in pool order. */
  pool?: Pool;
};

type Callback = (err: Error | null, result?: unknown) => void;

/** A key, a value, an argument: as ioredis takes them. */
export type RedisKey = string | Uint8Array;
export type RedisValue = string | Uint8Array | number;

const MAP_ARGS = new Set(["mset", "msetnx", "hmset", "hset"]);

/** Node's Buffer, where there is one (ioredis runs only where there is). */
const NodeBuffer = (globalThis as { Buffer?: { from(b: ArrayBufferLike, offset: number, length: number): Uint8Array; isBuffer(v: unknown): boolean } }).Buffer;

/**
 * A byte argument as ioredis sends bytes: a Buffer. ioredis writes any
 * other Uint8Array as its `String()` ("104,105"), which is not the key
 * keyroute placed; a Buffer view over the same memory (no copy) is.
 */
function bytes(v: Uint8Array): Uint8Array {
  return NodeBuffer === undefined || NodeBuffer.isBuffer(v) ? v : NodeBuffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** ioredis's argument forms flattened: arrays, an object or Map of pairs, numbers. */
function normalize(command: string, args: unknown[]): ShardArg[] {
  const out: ShardArg[] = [command];
  const push = (v: unknown) => {
    if (typeof v === "string") out.push(v);
    else if (v instanceof Uint8Array) out.push(bytes(v));
    else if (typeof v === "number" || typeof v === "bigint") out.push(String(v));
    else if (v === null || v === undefined) out.push("");
    else out.push(String(v));
  };
  const pairs = MAP_ARGS.has(command.toLowerCase());
  for (const a of args) {
    if (Array.isArray(a)) {
      for (let i = 0; i < a.length; i++) {
        const v: unknown = a[i];
        if (typeof v === "string") out.push(v);
        else push(v);
      }
    } else if (pairs && a instanceof Map) for (const [k, v] of a) (push(k), push(v));
    else if (pairs && a !== null && typeof a === "object" && !(a instanceof Uint8Array)) {
      for (const [k, v] of Object.entries(a)) (push(k), push(v));
    } else push(a);
  }
  return out;
}

/** What {@link sendArgs} sends through: an ioredis client or pipeline. */
interface IORedisCommander {
  call(command: string, ...args: unknown[]): unknown;
  callBuffer(command: string, ...args: unknown[]): unknown;
  sendCommand?(command: unknown): unknown;
  /** True on an ioredis pipeline or MULTI. */
  isPipeline?: unknown;
}

/** What {@link sendArgs} uses of ioredis's `Command` class (`Redis.Command`). */
interface IORedisCommand {
  args: unknown[];
  stringifyArguments(): void;
  toWritable(socket: unknown): unknown;
}
interface IORedisCommandClass {
  new (name: string, args: unknown[], options: { replyEncoding: string | null; errorStack?: Error }): IORedisCommand;
  _transformer: { argument: Record<string, ((args: unknown[]) => unknown[]) | undefined> };
}
/** The client options {@link sendArgs} reads. */
interface IORedisOptions {
  enableAutoPipelining?: unknown;
  keyPrefix?: unknown;
  showFriendlyErrorStack?: unknown;
}

/** Per client prototype: its Command class if {@link probe} accepts it, else null. */
const commandClasses = new WeakMap<object, IORedisCommandClass | null>();

/**
 * `C` if it is ioredis's Command class as {@link sendArgs} builds on: made
 * with no arguments and given them after, it writes them (checked on the
 * wire form of a GET) and keeps its argument transformers where ioredis 4
 * to 6 keep them. Anything else: null, and `sendArgs` uses `call`.
 */
function probe(C: unknown): IORedisCommandClass | null {
  if (typeof C !== "function") return null;
  const c = C as unknown as IORedisCommandClass & { prototype?: Partial<IORedisCommand> };
  if (typeof c.prototype?.stringifyArguments !== "function" || typeof c.prototype.toWritable !== "function") return null;
  const argument: unknown = (c._transformer as Partial<IORedisCommandClass["_transformer"]> | undefined)?.argument;
  if (typeof argument !== "object" || argument === null) return null;
  try {
    const cmd = new c("get", [], { replyEncoding: "utf8" });
    cmd.args = ["k"];
    cmd.stringifyArguments();
    return cmd.toWritable(undefined) === "*2\r\n$3\r\nget\r\n$1\r\nk\r\n" ? c : null;
  } catch {
    return null;
  }
}

/**
 * The Command class of a client's prototype, found once: the class of the
 * command its own `call` builds, run on a stand-in that records what it is
 * given to send (`constructor` cannot tell: ioredis mixes EventEmitter's
 * into its client's prototype).
 */
function commandClass(client: IORedisCommander): IORedisCommandClass | null {
  const proto = Object.getPrototypeOf(client) as { call?: unknown } | null;
  if (proto === null) return null;
  let c = commandClasses.get(proto);
  if (c === undefined) {
    let got: unknown = null;
    const standIn = { options: {}, sendCommand: (command: unknown) => ((got = command), Promise.resolve()) };
    try {
      if (typeof proto.call === "function") (proto.call as (this: unknown, ...a: unknown[]) => unknown).call(standIn, "get", "k");
    } catch {
      got = null;
    }
    c = got === null ? null : probe((got as { constructor?: unknown }).constructor);
    commandClasses.set(proto, c);
  }
  return c;
}

/**
 * `client.call(name, args)` (`callBuffer` when `buffer`), on a client or a
 * pipeline / MULTI (where ioredis's `call` queues the command), for `args` already
 * flat (strings and Buffers, as {@link normalize} leaves them), built as
 * ioredis's `call` builds it but without its Command constructor's
 * `args.flat()`: about 100 ns per argument on Node 20, 26 us for each
 * 250-key part of a 1000-key MGET (docs/performance.md). The command is
 * made empty and given `args`, then the same argument transformer and
 * stringifying ioredis's constructor runs. Wherever ioredis's `call` does
 * more than build and send (auto-pipelining, a key prefix), or the class
 * is not as {@link probe} expects, it is ioredis's `call` itself (for
 * Buffer replies under auto-pipelining, the command's `...Buffer` method).
 */
function sendArgs(client: IORedisCommander, buffer: boolean, name: string, args: unknown[]): unknown {
  const C = typeof client.sendCommand === "function" ? commandClass(client) : null;
  const o = (client as { options?: IORedisOptions }).options;
  // A pipeline queues its commands itself: never auto-pipelined.
  const auto = Boolean(o?.enableAutoPipelining) && client.isPipeline !== true;
  if (C === null || o === undefined || auto || o.keyPrefix) {
    if (!buffer) return client.call(name, args);
    // ioredis's auto-pipelining loses the command name of `callBuffer`
    // (it re-adds it for `call` only) and throws outside any promise: the
    // command's own Buffer method where it has one.
    const own = auto ? (client as unknown as Record<string, unknown>)[`${name.toLowerCase()}Buffer`] : undefined;
    return typeof own === "function" ? (own as (a: unknown[]) => unknown).call(client, args) : client.callBuffer(name, args);
  }
  const cmd = new C(name, [], { replyEncoding: buffer ? null : "utf8", errorStack: o.showFriendlyErrorStack ? new Error() : undefined });
  const transform = C._transformer.argument[name];
  cmd.args = transform === undefined ? args : transform(args);
  cmd.stringifyArguments();
  return client.sendCommand!(cmd);
}

function splitCallback(args: unknown[]): Callback | undefined {
  return typeof args[args.length - 1] === "function" ? (args.pop() as Callback) : undefined;
}

function withCallback<T>(p: Promise<T>, cb: Callback | undefined): Promise<T> {
  if (cb !== undefined) p.then((r) => cb(null, r), (e: Error) => cb(e));
  return p;
}

const RESERVED = new Set([
  "call", "callBuffer", "pipeline", "multi", "exec", "watch", "unwatch", "discard", "quit", "disconnect",
  "connect", "duplicate", "monitor", "subscribe", "unsubscribe", "psubscribe", "punsubscribe",
  "ssubscribe", "sunsubscribe", "select", "auth", "hello", "reset", "defineCommand", "sendCommand",
  "end", "send_command", "constructor",
]);

function isClient(c: unknown): boolean {
  const o = c as Record<string, unknown> | null;
  return o !== null && typeof o === "object" && typeof o.call === "function" && typeof o.callBuffer === "function" && typeof o.pipeline === "function" && typeof o.multi === "function";
}

/** Names of the command methods per client prototype, found once. */
const methodCache = new WeakMap<object, string[]>();

/**
 * ioredis clients, one per server of a {@link Pool}, used as one, as
 * `new Redis.Cluster(nodes, options)` is: every command goes through
 * keyroute's command table to the shard its keys live on.
 *
 * - `call(command, ...args)` / `callBuffer` route any command; every command
 *   method of the wrapped client (`get`, `hgetall`, `zadd`..., and
 *   `getBuffer`-style variants) is a method here too.
 * - MGET, MSET, DEL, EXISTS, UNLINK, TOUCH over several shards are split and
 *   merged with ioredis's shapes (array in the caller's order, summed count, "OK").
 * - Any other command with keys on several shards is refused with
 *   {@link CrossShardError} before anything is sent; a keyless command
 *   outside the fan-out set with {@link KeylessCommandError}.
 * - `pipeline()` splits per shard and runs the shards concurrently;
 *   `multi()` and `watch()` run only on one shard.
 * - Keys and arguments: strings, numbers, Buffers, or any Uint8Array (sent
 *   as its bytes, where ioredis alone would send its `String()`). The
 *   wrapped clients must not have a `keyPrefix` (keys are placed as given).
 */
export class ShardedRedis {
  /** The pool that places keys. */
  readonly pool: Pool;
  /** The shards' names (alias, else the spec as written), in pool order. */
  readonly shardNames: readonly string[];
  /** The wrapped clients, in pool order. */
  readonly clients: readonly IORedisClientLike[];
  /** @internal */
  readonly _router: ShardRouter;
  /** @internal The WATCH / MULTI state of the wrapped connections. */
  readonly _session: ShardSession;

  /**
   * @param shards `{server spec: client}` (object or Map) in pool order, the
   *   specs as the scheme writes them (`"127.0.0.1:7001:1 shard0"`); with
   *   `options.pool`, keyed by alias or spec, or an array in pool order.
   * @param options `scheme` and the pool's options, or `pool`; `strictTags`.
   * @throws {TypeError} for bad shards or options; {@link PartitionError} for a bad pool.
   */
  constructor(shards: Record<string, IORedisClientLike> | Map<string, IORedisClientLike> | readonly IORedisClientLike[], options: ShardedRedisOptions) {
    const { pool, router, clients } = setUp<IORedisClientLike>(shards, options, isClient, "an ioredis client");
    clients.forEach((c, i) => {
      const prefix = (c as unknown as { options?: { keyPrefix?: unknown } }).options?.keyPrefix;
      if (prefix !== undefined && prefix !== null && prefix !== "") {
        throw invalidValue(`the client of shard ${i}`, "a client without keyPrefix (keys are routed as given)", "a keyPrefix");
      }
    });
    this.pool = pool;
    this._router = router;
    this._session = new ShardSession();
    this.shardNames = router.names;
    this.clients = Object.freeze(clients);
    const proto = Object.getPrototypeOf(clients[0]) as object;
    let names = methodCache.get(proto);
    if (names === undefined) methodCache.set(proto, (names = commandMethods(clients[0], RESERVED, "Buffer")));
    for (const name of names) {
      if (name in this) continue;
      const buffer = name.endsWith("Buffer") && !isCommand(name);
      const command = buffer ? name.slice(0, -6) : name;
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) => {
          const cb = splitCallback(args);
          return withCallback(this._send(buffer, command, args), cb);
        },
        writable: true,
        configurable: true,
      });
    }
  }

  /** Sends any command, routed by its keys; replies as ioredis's `call`. */
  call(command: string, ...args: unknown[]): Promise<unknown> {
    const cb = splitCallback(args);
    return withCallback(this._send(false, command, args), cb);
  }

  /** {@link call} with Buffer replies, as ioredis's `callBuffer`. */
  callBuffer(command: string, ...args: unknown[]): Promise<unknown> {
    const cb = splitCallback(args);
    return withCallback(this._send(true, command, args), cb);
  }

  /** @internal */
  async _send(buffer: boolean, command: unknown, args: unknown[]): Promise<unknown> {
    if (typeof command !== "string" || command === "") throw invalidArgument("command", "a command name", command);
    const argv = normalize(command, args);
    const step = this._router.plan(argv);
    // The arguments as one array, not spread: sendArgs hands it to the
    // command as it is.
    const send = (shard: number, a: readonly ShardArg[]) => sendArgs(this.clients[shard], buffer, text(a[0]), a.slice(1)) as Promise<unknown>;
    return step.kind === "one" ? send(step.shard, argv) : runStep(step, argv, send, this._router, isReplyError);
  }

  /** The index (pool order) of the shard holding `key`. */
  getShardIndexForKey(key: RedisKey): number {
    return this._router.shardOf(key);
  }

  /** The client of the shard holding `key`: for WATCH over keys the router cannot check, admin commands... */
  getShardClientForKey(key: RedisKey): IORedisClientLike {
    return this.clients[this._router.shardOf(key)];
  }

  /** The name of the shard holding `key`. */
  getShardNameForKey(key: RedisKey): string {
    return this.shardNames[this._router.shardOf(key)];
  }

  /** Runs `fn(client, name, index)` on every shard concurrently; resolves `{name: result}`. */
  async forEachShard<T>(fn: (client: IORedisClientLike, name: string, index: number) => T | Promise<T>): Promise<Record<string, T>> {
    return eachShard(this.clients, this.shardNames, fn);
  }

  /** A non-transactional pipeline, split per shard at `exec()`; `commands` as ioredis takes them. */
  pipeline(commands?: unknown[][]): ShardedPipeline {
    return new (pipelineClass(this))(this, false, commands);
  }

  /** A transaction: every command (and watched key) must be on one shard. */
  multi(commands?: unknown[][]): ShardedPipeline {
    return new (pipelineClass(this))(this, true, commands);
  }

  /**
   * WATCH on the shard of `keys` (all on the shard of every key watched
   * so far, else {@link CrossShardTransactionError}); the next `multi()`
   * must run there.
   */
  async watch(...keys: unknown[]): Promise<unknown> {
    const argv = normalize("watch", keys);
    const shard = this._session.watch(this._router, argv);
    return this.clients[shard].call("watch", ...argv.slice(1));
  }

  /** UNWATCH on the shard `watch()` used ("OK" without sending when nothing is watched). */
  async unwatch(): Promise<unknown> {
    const shard = this._session.unwatch();
    return shard === null ? "OK" : this.clients[shard].call("unwatch");
  }

  /** `quit()` on every client; resolves "OK". */
  async quit(): Promise<string> {
    await settleAll(this.clients.map((c) => c.quit()));
    return "OK";
  }

  /** `disconnect()` on every client. */
  disconnect(): void {
    for (const c of this.clients) c.disconnect();
  }
}

function text(a: ShardArg): string {
  return typeof a === "string" ? a : new TextDecoder().decode(a);
}

/** Per client prototype, its {@link ShardedPipeline} class (see methodClass). */
const pipelineClasses = new WeakMap<object, typeof ShardedPipeline>();

function pipelineClass(redis: ShardedRedis): typeof ShardedPipeline {
  const key = Object.getPrototypeOf(redis.clients[0]) as object;
  return methodClass(pipelineClasses, key, ShardedPipeline, () => methodCache.get(key) ?? [], (name) => {
    const buffer = name.endsWith("Buffer") && !isCommand(name);
    const command = buffer ? name.slice(0, -6) : name;
    return function (this: ShardedPipeline, ...args: unknown[]) {
      return this._add(buffer, command, args);
    };
  });
}

/**
 * A pipeline (or MULTI) over the shards of a {@link ShardedRedis}: chainable
 * command methods, `exec()` resolving `[err, result][]` in queue order.
 */
export class ShardedPipeline {
  /** @internal */
  readonly _queue: { buffer: boolean; argv: ShardArg[] }[] = [];

  /** @internal */
  constructor(
    readonly redis: ShardedRedis,
    readonly transaction: boolean,
    commands?: unknown[][],
  ) {
    if (commands !== undefined) {
      if (!Array.isArray(commands)) throw invalidArgument("commands", "an array of [command, ...args]", commands);
      commands.forEach((c, i) => {
        if (!Array.isArray(c)) throw invalidArgument(`commands[${i}]`, "an array [command, ...args]", c);
        this._add(false, c[0], c.slice(1));
      });
    }
  }

  /** @internal */
  _add(buffer: boolean, command: unknown, args: unknown[]): this {
    if (typeof command !== "string" || command === "") throw invalidArgument("command", "a command name", command);
    this._queue.push({ buffer, argv: normalize(command, args) });
    return this;
  }

  /** Queues any command. */
  call(command: string, ...args: unknown[]): this {
    return this._add(false, command, args);
  }

  /** Queues any command with Buffer replies. */
  callBuffer(command: string, ...args: unknown[]): this {
    return this._add(true, command, args);
  }

  /** How many commands are queued. */
  get length(): number {
    return this._queue.length;
  }

  /**
   * Checks every queued command, then sends: a pipeline per shard
   * concurrently, or the transaction on its one shard. Resolves
   * `[err, result][]` in queue order (a MULTI as ioredis's own exec does).
   * Rejects before sending anything if any command is refused.
   */
  exec(callback?: Callback): Promise<[Error | null, unknown][] | null> {
    return withCallback(this.transaction ? this._execMulti() : this._execPipeline(), callback);
  }

  private add(p: IORedisPipelineLike, buffer: boolean, argv: readonly ShardArg[]): void {
    sendArgs(p, buffer, text(argv[0]), argv.slice(1));
  }

  private async _execMulti(): Promise<[Error | null, unknown][] | null> {
    const r = this.redis;
    const shard = r._session.transaction(r._router, this._queue.map((q) => q.argv));
    if (shard === null) return [];
    const m = r.clients[shard].multi();
    for (const q of this._queue) this.add(m, q.buffer, q.argv);
    return m.exec();
  }

  private async _execPipeline(): Promise<[Error | null, unknown][]> {
    const r = this.redis;
    const plan = r._router._planPipeline(this._queue.map((q) => q.argv));
    if (plan.steps.length === 0) return [];
    const replies = await Promise.all(
      plan.sends.map(async (sends, s) => {
        const n = sends.length >>> 1;
        if (n === 0) return [];
        const p = r.clients[s].pipeline();
        for (let j = 0; j < sends.length; j += 2) {
          const q = this._queue[sends[j]];
          this.add(p, q.buffer, sendArgv(plan, sends[j], sends[j + 1], q.argv));
        }
        // [err, reply] pairs as replies: an error reply is its Error; a
        // shard whose pipeline failed whole has its error in every place.
        const out = new Array<unknown>(n);
        let got: [Error | null, unknown][];
        try {
          got = (await p.exec()) ?? [];
        } catch (e) {
          return out.fill(e instanceof Error ? e : new Error(String(e)));
        }
        for (let j = 0; j < n; j++) out[j] = got[j] === undefined ? new Error("keyroute: no reply from the shard's pipeline") : (got[j][0] ?? got[j][1]);
        return out;
      }),
    );
    return plan.steps.map((_, i): [Error | null, unknown] => {
      const reply = pipelineReply(plan, i, replies, r._router, this._queue[i].argv, isReplyError);
      return reply instanceof Error ? [reply, null] : [null, reply];
    });
  }
}

/**
 * The usual commands, typed (every other command of the wrapped client is a
 * method too, and `call` routes anything).
 */
export interface ShardedRedis {
  get(key: RedisKey): Promise<string | null>;
  getBuffer(key: RedisKey): Promise<Uint8Array | null>;
  set(key: RedisKey, value: RedisValue, ...args: RedisValue[]): Promise<string | null>;
  setBuffer(key: RedisKey, value: RedisValue, ...args: RedisValue[]): Promise<Uint8Array | null>;
  mget(...keys: (RedisKey | RedisKey[])[]): Promise<(string | null)[]>;
  mgetBuffer(...keys: (RedisKey | RedisKey[])[]): Promise<(Uint8Array | null)[]>;
  mset(...args: (RedisValue | RedisValue[] | Record<string, RedisValue> | Map<RedisKey, RedisValue>)[]): Promise<"OK">;
  del(...keys: (RedisKey | RedisKey[])[]): Promise<number>;
  unlink(...keys: (RedisKey | RedisKey[])[]): Promise<number>;
  exists(...keys: (RedisKey | RedisKey[])[]): Promise<number>;
  touch(...keys: (RedisKey | RedisKey[])[]): Promise<number>;
  incr(key: RedisKey): Promise<number>;
  incrby(key: RedisKey, by: number | string): Promise<number>;
  expire(key: RedisKey, seconds: number | string, ...args: RedisValue[]): Promise<number>;
  ttl(key: RedisKey): Promise<number>;
  type(key: RedisKey): Promise<string>;
  hget(key: RedisKey, field: RedisValue): Promise<string | null>;
  hgetBuffer(key: RedisKey, field: RedisValue): Promise<Uint8Array | null>;
  hset(key: RedisKey, ...args: (RedisValue | Record<string, RedisValue> | Map<RedisKey, RedisValue>)[]): Promise<number>;
  hgetall(key: RedisKey): Promise<Record<string, string>>;
  hdel(key: RedisKey, ...fields: RedisValue[]): Promise<number>;
  lpush(key: RedisKey, ...values: RedisValue[]): Promise<number>;
  rpush(key: RedisKey, ...values: RedisValue[]): Promise<number>;
  lrange(key: RedisKey, start: number | string, stop: number | string): Promise<string[]>;
  sadd(key: RedisKey, ...members: RedisValue[]): Promise<number>;
  smembers(key: RedisKey): Promise<string[]>;
  sinterstore(destination: RedisKey, ...keys: RedisKey[]): Promise<number>;
  zadd(key: RedisKey, ...args: RedisValue[]): Promise<number | string | null>;
  zrange(key: RedisKey, ...args: RedisValue[]): Promise<string[]>;
  rename(key: RedisKey, newKey: RedisKey): Promise<"OK">;
  eval(script: string, numKeys: number | string, ...args: RedisValue[]): Promise<unknown>;
  ping(message?: RedisValue): Promise<string>;
  dbsize(): Promise<number>;
  flushdb(...args: RedisValue[]): Promise<"OK">;
  keys(pattern: string): Promise<string[]>;
  script(subcommand: string, ...args: RedisValue[]): Promise<unknown>;
}

/** Chainable typed commands of a {@link ShardedPipeline} (every command of the client is there). */
export interface ShardedPipeline {
  get(key: RedisKey): this;
  getBuffer(key: RedisKey): this;
  set(key: RedisKey, value: RedisValue, ...args: RedisValue[]): this;
  mget(...keys: (RedisKey | RedisKey[])[]): this;
  mgetBuffer(...keys: (RedisKey | RedisKey[])[]): this;
  mset(...args: (RedisValue | RedisValue[] | Record<string, RedisValue> | Map<RedisKey, RedisValue>)[]): this;
  del(...keys: (RedisKey | RedisKey[])[]): this;
  exists(...keys: (RedisKey | RedisKey[])[]): this;
  incr(key: RedisKey): this;
  hset(key: RedisKey, ...args: (RedisValue | Record<string, RedisValue> | Map<RedisKey, RedisValue>)[]): this;
  hget(key: RedisKey, field: RedisValue): this;
  hgetall(key: RedisKey): this;
  lpush(key: RedisKey, ...values: RedisValue[]): this;
  sadd(key: RedisKey, ...members: RedisValue[]): this;
  zadd(key: RedisKey, ...args: RedisValue[]): this;
  expire(key: RedisKey, seconds: number | string, ...args: RedisValue[]): this;
  rename(key: RedisKey, newKey: RedisKey): this;
  ping(message?: RedisValue): this;
}
