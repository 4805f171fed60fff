// createShardedClient: node-redis (v5/v6) clients, one per server of a
// Pool, used as one. Duck-typed: nothing here imports redis. A command
// method's argv and reply transform are read from the wrapped client's own
// method, so every reply keeps node-redis's shape.

import { invalidArgument } from "./argument-errors.js";
import type { Pool, PoolOptions } from "./pool.js";
import { ShardSession } from "./shard.js";
import type { ShardArg, ShardRouter, Step } from "./shard.js";
import { commandMethods, eachShard, isFailure, methodClass, pipelineReply, runStep, sendArgv, settleAll, settled, setUp } from "./sharded.js";
import type { IsErrorReply } from "./sharded.js";

/**
 * node-redis's error replies are `ErrorReply`s (and its subclasses
 * `SimpleError`, `BlobError`); anything else in a reply's place is a
 * shard's failure. Told by class name, as the wrapped client's classes are
 * not imported.
 */
const isReplyError: IsErrorReply = (e) => {
  for (let p: unknown = Object.getPrototypeOf(e); p !== null && p !== Error.prototype; p = Object.getPrototypeOf(p)) {
    if ((p as { constructor?: { name?: string } }).constructor?.name === "ErrorReply") return true;
  }
  return false;
};
import type { ShardingOptions } from "./sharded.js";
import { UnroutableCommandError } from "./error-classes.js";

type Transform = ((reply: unknown, preserve?: unknown, typeMapping?: unknown) => unknown) | undefined;

/** What the sharded client needs of a node-redis MULTI (duck-typed). */
export interface NodeRedisMultiLike {
  addCommand(args: ShardArg[], transformReply?: Transform): unknown;
  exec(): Promise<unknown[]>;
  execAsPipeline(): Promise<unknown[]>;
}

/** What the sharded client needs of a node-redis client (`createClient()`; duck-typed). */
export interface NodeRedisClientLike {
  sendCommand(args: ShardArg[], options?: unknown): Promise<unknown>;
  multi(): NodeRedisMultiLike;
  watch?(keys: ShardArg | ShardArg[]): Promise<unknown>;
  unwatch?(): Promise<unknown>;
  close?(): Promise<unknown>;
  destroy?(): void;
  connect?(): Promise<unknown>;
  withTypeMapping?(mapping: unknown): NodeRedisClientLike;
}

/** Options of {@link createShardedClient}. */
export type ShardedClientOptions = Partial<PoolOptions> & ShardingOptions & {
  /** `{server spec: client}` (object or Map) in pool order; with `pool`, keyed by alias or spec, or an array in pool order. */
  shards: Record<string, NodeRedisClientLike> | Map<string, NodeRedisClientLike> | readonly NodeRedisClientLike[];
  /** A ready pool instead of `scheme` and its options. */
  pool?: Pool;
};

interface Captured {
  argv: ShardArg[] & { preserve?: unknown };
  transform: Transform;
}

const RESERVED = new Set([
  "multi", "MULTI", "watch", "WATCH", "unwatch", "UNWATCH", "select", "SELECT", "quit", "QUIT",
  "close", "destroy", "connect", "disconnect", "sendCommand", "duplicate", "withTypeMapping",
  "withCommandOptions", "withAbortSignal", "asap", "monitor", "MONITOR", "subscribe", "SUBSCRIBE",
  "unsubscribe", "UNSUBSCRIBE", "pSubscribe", "PSUBSCRIBE", "pUnsubscribe", "PUNSUBSCRIBE",
  "sSubscribe", "SSUBSCRIBE", "sUnsubscribe", "SUNSUBSCRIBE", "reset", "RESET", "hello", "HELLO",
  "auth", "AUTH", "executeIsolated", "constructor", "exec", "EXEC", "execAsPipeline", "addCommand",
]);

function isClient(c: unknown): boolean {
  const o = c as Record<string, unknown> | null;
  // An ioredis client has sendCommand and multi too, and callBuffer.
  return o !== null && typeof o === "object" && typeof o.sendCommand === "function" && typeof o.multi === "function" && typeof o.callBuffer !== "function";
}

const methodCache = new WeakMap<object, string[]>();

/**
 * The argv and reply transform the client's `method` builds from `args`,
 * read by calling the method on a stand-in that records instead of sending;
 * `null` for a method that sends nothing through the command path.
 */
function capture(client: NodeRedisClientLike, method: string, args: unknown[]): Captured | Promise<never> | null {
  const self = (client as unknown as { _self?: { _keyPrefix?: unknown } })._self;
  let got: Captured | null = null;
  const standIn = {
    _self: {
      _keyPrefix: self?._keyPrefix,
      _executeCommand(_c: unknown, parser: { redisArgs: ShardArg[]; preserve?: unknown }, _o: unknown, transform: Transform) {
        const argv = parser.redisArgs.slice() as Captured["argv"];
        argv.preserve = parser.preserve;
        got = { argv, transform };
        return Promise.resolve();
      },
    },
    _commandOptions: (client as unknown as { _commandOptions?: unknown })._commandOptions,
  };
  let r: unknown;
  try {
    r = (client as unknown as Record<string, (...a: unknown[]) => unknown>)[method].apply(standIn, args);
  } catch (e) {
    return Promise.reject(e);
  }
  if (got !== null) return got;
  // The method refused its arguments (node-redis's own error).
  if (r instanceof Promise) return r.then(() => Promise.reject(new UnroutableCommandError(`keyroute: ${method} cannot be routed; use getShardClientForKey or forEachShard`, "ERR_KEYROUTE_UNROUTABLE")));
  return null;
}

/** What {@link recorder} keeps per wrapped client. */
interface Recorder {
  readonly multi: Record<string, unknown>;
  got: Captured | null;
  /** Methods that queued nothing through `addCommand` (scripts): read by {@link capture}. */
  readonly others: Set<string>;
}

const recorders = new WeakMap<object, Recorder | null>();

/**
 * A MULTI of the wrapped client (its own `multi()`), its `addCommand`
 * replaced to record the queued argv and transform instead of queueing:
 * the MULTI's command methods build a command as the client's do (the same
 * parser, key prefix and transform), synchronously, with no promise and no
 * stand-in object per command, so queueing through it costs what
 * node-redis's own `multi().get()` does (1000 GETs: 140 µs, against 940 µs
 * through {@link capture}; docs/performance.md). `null` when the client's
 * MULTI is not built that way (checked once: a GET must record its argv),
 * or the client has a key prefix (checked by the GET too).
 */
function recorder(client: NodeRedisClientLike): Recorder | null {
  let r = recorders.get(client);
  if (r !== undefined) return r;
  r = null;
  try {
    const multi = client.multi() as unknown as Record<string, unknown>;
    const rec: Recorder = { multi, got: null, others: new Set() };
    multi.addCommand = (argv: Captured["argv"], transform: Transform) => {
      rec.got = { argv, transform };
      return multi;
    };
    (multi.get as (k: string) => unknown).call(multi, "k");
    const got = rec.got as Captured | null;
    if (got !== null && got.argv.length === 2 && got.argv[0] === "GET" && got.argv[1] === "k") r = rec;
    rec.got = null;
  } catch {
    r = null;
  }
  recorders.set(client, r);
  return r;
}

/**
 * The argv and transform `method` queues on a MULTI of `client`, through
 * its {@link recorder}, else through {@link capture}; throws node-redis's
 * refusal of the arguments as {@link UnroutableCommandError}.
 */
function queued(client: NodeRedisClientLike, method: string, args: unknown[]): Captured {
  const rec = recorder(client);
  const fn = rec?.multi[method];
  if (rec !== null && typeof fn === "function" && !rec.others.has(method)) {
    rec.got = null;
    try {
      fn.apply(rec.multi, args);
    } catch (e) {
      const why = e instanceof Error ? `: ${e.message}` : "";
      throw new UnroutableCommandError(`keyroute: ${method}: node-redis refused its arguments${why}; correct the call's arguments`, "ERR_KEYROUTE_UNROUTABLE", { cause: e });
    }
    const got = rec.got as Captured | null;
    rec.got = null;
    if (got !== null) return got;
    rec.others.add(method);
  }
  const c = capture(client, method, args);
  if (c === null) throw new UnroutableCommandError(`keyroute: ${method} cannot be queued; use getShardClientForKey`, "ERR_KEYROUTE_UNROUTABLE");
  if (c instanceof Promise) {
    c.catch(() => undefined);
    throw new UnroutableCommandError(`keyroute: ${method}: node-redis refused its arguments; correct the call's arguments`, "ERR_KEYROUTE_UNROUTABLE");
  }
  return c;
}

function typeMapping(client: NodeRedisClientLike): unknown {
  return (client as unknown as { _commandOptions?: { typeMapping?: unknown } })._commandOptions?.typeMapping;
}

/**
 * node-redis clients, one per server of a {@link Pool}, used as one, as
 * `createCluster({...})` is: `sendCommand(args)` routes any command; every
 * command method of the wrapped client (`get`, `mGet`, `hSet`, `HGETALL`...)
 * is a method here, with node-redis's reply shapes. Where each command goes,
 * how replies combine and what a transaction may touch are decided by
 * keyroute's {@link ShardRouter} and {@link ShardSession}.
 */
export class ShardedClient {
  /** The pool that places keys. */
  readonly pool: Pool;
  /** The shards' names (alias, else the spec as written), in pool order. */
  readonly shardNames: readonly string[];
  /** The wrapped clients, in pool order. */
  readonly clients: readonly NodeRedisClientLike[];
  /** @internal */
  readonly _router: ShardRouter;
  /** @internal The WATCH state of the wrapped connections (shared with `withTypeMapping`'s views). */
  readonly _session: ShardSession;

  /** @internal */
  constructor(pool: Pool, router: ShardRouter, clients: NodeRedisClientLike[], session: ShardSession = new ShardSession()) {
    this.pool = pool;
    this._router = router;
    this._session = session;
    this.shardNames = router.names;
    this.clients = Object.freeze(clients);
    for (const name of methods(clients[0])) {
      if (name in this) continue;
      Object.defineProperty(this, name, {
        value: (...args: unknown[]) => this._method(name, args),
        writable: true,
        configurable: true,
      });
    }
  }

  /** @internal */
  async _method(name: string, args: unknown[]): Promise<unknown> {
    const c = capture(this.clients[0], name, args);
    if (c === null) throw new UnroutableCommandError(`keyroute: ${name} cannot be routed; use getShardClientForKey or forEachShard`, "ERR_KEYROUTE_UNROUTABLE");
    if (c instanceof Promise) return c;
    const step = this._router.plan(c.argv);
    if (step.kind === "one") {
      const client = this.clients[step.shard] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      return client[name](...args);
    }
    return this._raw(step, c.argv, c.transform);
  }

  /** @internal Split or fan-out: raw replies reduced, then node-redis's transform. */
  async _raw(step: Exclude<Step, { kind: "one" }>, argv: Captured["argv"], transform: Transform, options?: unknown): Promise<unknown> {
    const reply = await runStep(step, argv, (s, a) => this.clients[s].sendCommand(a as ShardArg[], options), this._router, isReplyError);
    return transform ? transform(reply, argv.preserve, typeMapping(this.clients[0])) : reply;
  }

  /** Sends a raw argv (`["MGET", "a", "b"]`), routed by its keys; the reply as node-redis's `sendCommand`. */
  async sendCommand(args: ShardArg[], options?: unknown): Promise<unknown> {
    if (!Array.isArray(args)) throw invalidArgument("args", "an array of strings or Buffers", args);
    const step = this._router.plan(args);
    if (step.kind === "one") return this.clients[step.shard].sendCommand(args, options);
    return this._raw(step, args, undefined, options);
  }

  /**
   * WATCH `keys` on their shard (every key watched so far on one shard,
   * else {@link CrossShardTransactionError}, nothing sent); the next
   * `multi().exec()` must run there.
   */
  async watch(keys: ShardArg | ShardArg[]): Promise<unknown> {
    const list = Array.isArray(keys) ? keys : [keys];
    const client = this.clients[this._session.watch(this._router, ["WATCH", ...list])];
    return typeof client.watch === "function" ? client.watch(list) : client.sendCommand(["WATCH", ...list]);
  }

  /** {@link watch}. */
  WATCH(keys: ShardArg | ShardArg[]): Promise<unknown> {
    return this.watch(keys);
  }

  /** UNWATCH on the shard `watch()` used ("OK" without sending when nothing is watched). */
  async unwatch(): Promise<unknown> {
    const shard = this._session.unwatch();
    if (shard === null) return "OK";
    const client = this.clients[shard];
    return typeof client.unwatch === "function" ? client.unwatch() : client.sendCommand(["UNWATCH"]);
  }

  /** {@link unwatch}. */
  UNWATCH(): Promise<unknown> {
    return this.unwatch();
  }

  /** A queue of commands: `exec()` as one transaction on one shard, `execAsPipeline()` split per shard. */
  multi(): ShardedMulti {
    return new (multiClass(this))(this);
  }

  /** {@link multi}. */
  MULTI(): ShardedMulti {
    return new (multiClass(this))(this);
  }

  /** The same shards seen through each client's `withTypeMapping(mapping)` (e.g. Buffers for blob strings). */
  withTypeMapping(mapping: unknown): ShardedClient {
    return new ShardedClient(
      this.pool,
      this._router,
      this.clients.map((c) => {
        if (typeof c.withTypeMapping !== "function") throw invalidArgument("client", "a node-redis client with withTypeMapping", c);
        return c.withTypeMapping(mapping);
      }),
      this._session,
    );
  }

  /** The index (pool order) of the shard holding `key`. */
  getShardIndexForKey(key: ShardArg): number {
    return this._router.shardOf(key);
  }

  /** The client of the shard holding `key` (WATCH, admin commands, anything the router cannot check). */
  getShardClientForKey(key: ShardArg): NodeRedisClientLike {
    return this.clients[this._router.shardOf(key)];
  }

  /** The name of the shard holding `key`. */
  getShardNameForKey(key: ShardArg): string {
    return this.shardNames[this._router.shardOf(key)];
  }

  /** Runs `fn(client, name, index)` on every shard concurrently; resolves `{name: result}`. */
  async forEachShard<T>(fn: (client: NodeRedisClientLike, name: string, index: number) => T | Promise<T>): Promise<Record<string, T>> {
    return eachShard(this.clients, this.shardNames, fn);
  }

  /** `connect()` on every client not yet open; resolves this client. */
  async connect(): Promise<this> {
    await settleAll(this.clients.map((c) => ((c as { isOpen?: boolean }).isOpen || typeof c.connect !== "function" ? Promise.resolve() : c.connect())));
    return this;
  }

  /** `close()` on every client (pending commands finish first). */
  async close(): Promise<void> {
    await settleAll(this.clients.map((c) => (typeof c.close === "function" ? c.close() : Promise.resolve())));
  }

  /** `destroy()` on every client. */
  destroy(): void {
    for (const c of this.clients) if (typeof c.destroy === "function") c.destroy();
  }
}

function methods(client: NodeRedisClientLike): string[] {
  const proto = Object.getPrototypeOf(client) as object;
  let names = methodCache.get(proto);
  if (names === undefined) {
    // The command methods live on the prototype that holds GET; each one's
    // argv is read from the method itself, so names the table does not know
    // (scriptExists, zRangeWithScores) route too.
    let holder: object | null = client;
    while (holder !== null && !Object.prototype.hasOwnProperty.call(holder, "GET")) holder = Object.getPrototypeOf(holder) as object | null;
    names = holder === null
      ? commandMethods(client, RESERVED)
      : Object.getOwnPropertyNames(holder).filter((n) => {
          if (RESERVED.has(n) || n.startsWith("_") || !/^[A-Za-z][A-Za-z0-9_]*$/.test(n)) return false;
          const d = Object.getOwnPropertyDescriptor(holder, n);
          return d !== undefined && typeof d.value === "function";
        });
    methodCache.set(proto, names);
  }
  return names;
}

/** Per client prototype, its {@link ShardedMulti} class (see methodClass). */
const multiClasses = new WeakMap<object, typeof ShardedMulti>();

function multiClass(client: ShardedClient): typeof ShardedMulti {
  const first = client.clients[0];
  return methodClass(multiClasses, Object.getPrototypeOf(first) as object, ShardedMulti, () => methods(first), (name) =>
    function (this: ShardedMulti, ...args: unknown[]) {
      this._queue.push(queued(this.client.clients[0], name, args));
      return this;
    });
}

/**
 * The options of a pipelined command: as node-redis's own `execAsPipeline`
 * sends its commands, without the per-command timeout (`commandOptions.timeout`,
 * 5 s by default in node-redis 6), which applies to single commands only.
 * Each timeout is an `AbortSignal.timeout` with its listeners: without
 * them a pipeline of 1000 GETs took 4.2 ms instead of 20.1 ms (Node 20,
 * both measured under the same load; docs/performance.md).
 */
const PIPELINED = Object.freeze({ timeout: undefined });

/** A MULTI queue over the shards of a {@link ShardedClient}. */
export class ShardedMulti {
  /** @internal */
  readonly _queue: Captured[] = [];

  /** @internal */
  constructor(readonly client: ShardedClient) {}

  /** Queues a raw argv (reply untransformed). */
  addCommand(args: ShardArg[]): this {
    if (!Array.isArray(args)) throw invalidArgument("args", "an array of strings or Buffers", args);
    this._queue.push({ argv: args.slice(), transform: undefined });
    return this;
  }

  /** {@link addCommand}. */
  sendCommand(args: ShardArg[]): this {
    return this.addCommand(args);
  }

  /**
   * Runs the queue as one MULTI/EXEC on its one shard, the watched one if
   * `watch()` pinned it (else {@link CrossShardTransactionError}, nothing sent).
   */
  async exec(): Promise<unknown[]> {
    const c = this.client;
    const shard = c._session.transaction(c._router, this._queue.map((q) => q.argv));
    if (shard === null) return [];
    const m = c.clients[shard].multi();
    for (const q of this._queue) m.addCommand(q.argv, q.transform);
    return m.exec();
  }

  /** {@link exec}. */
  EXEC(): Promise<unknown[]> {
    return this.exec();
  }

  /**
   * Runs the queue as a pipeline split per shard (every shard's commands
   * written at once, the shards concurrently, without node-redis's
   * per-command timeout, as its own pipelines); replies in queue order, or
   * a rejection once every reply is in: with the first shard failure (a
   * lost connection, a {@link PartialWriteError}) in queue order, else the
   * first error reply. The rejection's `replies` holds every command's
   * reply or error in place and `errorIndexes` the positions of the
   * errors, as node-redis's own `MultiErrorReply` does.
   */
  async execAsPipeline(): Promise<unknown[]> {
    const c = this.client;
    const plan = c._router._planPipeline(this._queue.map((q) => q.argv));
    const replies = await Promise.all(
      plan.sends.map((sends, s) => {
        const client = c.clients[s];
        const sent = new Array<Promise<unknown>>(sends.length >>> 1);
        for (let j = 0; j < sends.length; j += 2) {
          sent[j >>> 1] = client.sendCommand(sendArgv(plan, sends[j], sends[j + 1], this._queue[sends[j]].argv) as ShardArg[], PIPELINED);
        }
        return settled(sent);
      }),
    );
    const mapping = typeMapping(c.clients[0]);
    const out = this._queue.map((q, i) => {
      const reply = pipelineReply(plan, i, replies, c._router, q.argv, isReplyError);
      return reply instanceof Error || !q.transform ? reply : q.transform(reply, q.argv.preserve, mapping);
    });
    const failed = out.find((r) => isFailure(r, isReplyError)) ?? out.find((r) => r instanceof Error);
    if (failed !== undefined) {
      const errorIndexes = out.flatMap((r, i) => (r instanceof Error ? [i] : []));
      throw Object.assign(failed as Error, { replies: out, errorIndexes });
    }
    return out;
  }
}

/** The usual commands, typed (every other command method of the wrapped client is there too). */
export interface ShardedClient {
  get(key: ShardArg): Promise<string | null>;
  set(key: ShardArg, value: ShardArg | number, options?: unknown): Promise<string | null>;
  mGet(keys: ShardArg[]): Promise<(string | null)[]>;
  mSet(pairs: [ShardArg, ShardArg][] | Record<string, ShardArg> | ShardArg[]): Promise<string>;
  del(keys: ShardArg | ShardArg[]): Promise<number>;
  unlink(keys: ShardArg | ShardArg[]): Promise<number>;
  exists(keys: ShardArg | ShardArg[]): Promise<number>;
  touch(keys: ShardArg | ShardArg[]): Promise<number>;
  incr(key: ShardArg): Promise<number>;
  hGet(key: ShardArg, field: ShardArg): Promise<string | null>;
  hSet(key: ShardArg, ...args: unknown[]): Promise<number>;
  hGetAll(key: ShardArg): Promise<Record<string, string>>;
  lPush(key: ShardArg, elements: ShardArg | ShardArg[]): Promise<number>;
  lRange(key: ShardArg, start: number, stop: number): Promise<string[]>;
  sAdd(key: ShardArg, members: ShardArg | ShardArg[]): Promise<number>;
  sMembers(key: ShardArg): Promise<string[]>;
  zAdd(key: ShardArg, members: unknown, options?: unknown): Promise<number>;
  expire(key: ShardArg, seconds: number, mode?: string): Promise<number>;
  rename(key: ShardArg, newKey: ShardArg): Promise<string>;
  ping(message?: ShardArg): Promise<string>;
  dbSize(): Promise<number>;
  keys(pattern: ShardArg): Promise<string[]>;
}

/** Chainable typed commands of a {@link ShardedMulti}. */
export interface ShardedMulti {
  get(key: ShardArg): this;
  set(key: ShardArg, value: ShardArg | number, options?: unknown): this;
  mGet(keys: ShardArg[]): this;
  mSet(pairs: [ShardArg, ShardArg][] | Record<string, ShardArg> | ShardArg[]): this;
  del(keys: ShardArg | ShardArg[]): this;
  exists(keys: ShardArg | ShardArg[]): this;
  incr(key: ShardArg): this;
  hSet(key: ShardArg, ...args: unknown[]): this;
  hGet(key: ShardArg, field: ShardArg): this;
  hGetAll(key: ShardArg): this;
  rename(key: ShardArg, newKey: ShardArg): this;
  ping(message?: ShardArg): this;
}

/**
 * node-redis clients, one per server, used as one, as `createCluster({...})`
 * is: `createShardedClient({ shards: { "127.0.0.1:7001:1 a": client, ... },
 * scheme: "twemproxy-ketama" })`.
 * @throws {TypeError} for bad shards or options; {@link PartitionError} for a bad pool.
 */
export function createShardedClient(options: ShardedClientOptions): ShardedClient {
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an object with shards", options);
  const { shards, ...rest } = options;
  const { pool, router, clients } = setUp<NodeRedisClientLike>(shards, rest, isClient, "a node-redis client");
  return new ShardedClient(pool, router, clients);
}
