// Cluster: the core's SlotMap, built from the replies ioredis and node-redis
// return, routing keys to plain node objects made once per node.

import { pack } from "./argv.js";
import { fromWasm, TopologyError } from "./error-types.js";
import { asBytes, invalidArgument, invalidValue } from "./errors.js";
import { WasmSlotMap, wasmParseRedirect } from "./glue.js";
import { HashPolicy, optionalPolicy } from "./policy.js";
import { encodeReply, rawShards, rawSlots } from "./reply.js";
import { keySlot } from "./slot.js";
import { checkReady, disposable } from "./state.js";
import * as wasm from "./wasm.js";
import type {
  ClusterOptions,
  IORedisLike,
  Node,
  NodeGroup,
  NodeRedisLike,
  ReadFrom,
  Redirect,
  RouteOptions,
  Shard,
  SlotGroup,
} from "./cluster-types.js";

export type {
  ClusterOptions,
  IORedisLike,
  Node,
  NodeGroup,
  NodeRedisLike,
  ReadFrom,
  Redirect,
  RouteOptions,
  Shard,
  SlotGroup,
};

interface NodeInfo {
  host: string;
  port: number;
  role: "primary" | "replica";
}

/** A NodeGroup over the flat result of src/cluster.rs `groupByNode`. */
class Group implements NodeGroup {
  readonly role: "primary" | "replica";
  readonly positions: Uint32Array;
  #slots: SlotGroup[] | null = null;

  constructor(
    readonly node: Node,
    private readonly flat: Uint32Array,
    private readonly head: number,
    private readonly count: number,
    start: number,
    n: number,
  ) {
    this.role = node.role;
    this.positions = flat.subarray(start, start + n);
  }

  get slots(): readonly SlotGroup[] {
    if (this.#slots === null) {
      const out: SlotGroup[] = [];
      let pos = this.positions.byteOffset / 4;
      for (let s = 0, i = this.head; s < this.count; s++, i += 2) {
        out.push({ slot: this.flat[i], positions: this.flat.subarray(pos, pos + this.flat[i + 1]) });
        pos += this.flat[i + 1];
      }
      this.#slots = out;
    }
    return this.#slots;
  }
}

const decoder = new TextDecoder();

function malformed(at: string, problem: string): Error {
  const err = new TopologyError(`keyroute: malformed reply at ${at}: ${problem}`, "ERR_KEYROUTE_MALFORMED_REPLY");
  return Object.assign(err, { at, expected: "a reply value" });
}

function optionalHost(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  throw invalidArgument(what, "a string", value);
}

/**
 * The text of a `MOVED`/`ASK` error: a string, bytes, or an error object
 * whose `message` is the text (ioredis's `ReplyError`, node-redis's
 * `ErrorReply`).
 */
export function redirectText(error: unknown): string {
  if (typeof error === "string") return error;
  if (error instanceof Uint8Array) return decoder.decode(error);
  if (error !== null && typeof error === "object" && typeof (error as Error).message === "string") {
    return (error as Error).message;
  }
  throw invalidArgument("error", "a string, bytes or an Error with a MOVED/ASK message", error);
}

function redirect(json: string): Redirect {
  const r = JSON.parse(json) as Redirect;
  return Object.freeze({ ...r, addr: `${r.host}:${r.port}` });
}

/**
 * Parses a `MOVED`/`ASK` error without a map to apply it to.
 * @throws {RedirectError} if it is not one.
 */
export function parseRedirect(error: unknown, options?: { answeredBy?: string }): Redirect {
  checkReady();
  try {
    return redirect(wasmParseRedirect(redirectText(error), optionalHost(options?.answeredBy, "answeredBy")));
  } catch (e) {
    throw fromWasm(e);
  }
}

/**
 * A Redis or Valkey Cluster map: which node serves each of the 16384 slots.
 * Build it from a `CLUSTER SHARDS` or `CLUSTER SLOTS` reply (or with
 * `Cluster.fromIORedis(client)`), route with `nodeFor` and `groupByNode`, and
 * keep it right with `applyRedirect`. Holds wasm memory: `free()` it when done
 * (or let the garbage collector do it).
 */
export class Cluster {
  /** @internal */
  readonly _map: WasmSlotMap;
  /** @internal */
  _policy: HashPolicy | null;
  /** @internal */
  _answeredBy: string | undefined;
  /** @internal */
  _zone = "";
  /** @internal */
  _info: NodeInfo[] = [];
  /** @internal */
  _objs: Node[] = [];

  private constructor(map: WasmSlotMap, options: ClusterOptions | undefined) {
    this._map = map;
    this._answeredBy = options?.answeredBy;
    this._policy = optionalPolicy(options?.policy, "options.policy");
    if (this._policy !== null) map.setPolicy(this._policy._inner);
    this._refresh();
  }

  /** @internal */
  static _build(reply: unknown, options: ClusterOptions | undefined, root: string, shards: boolean): Cluster {
    checkReady();
    const host = optionalHost(options?.answeredBy, "options.answeredBy");
    const policy = optionalPolicy(options?.policy, "options.policy");
    const resp = encodeReply(shards ? rawShards(reply) : rawSlots(reply), root, malformed);
    let map: WasmSlotMap;
    try {
      map = shards ? WasmSlotMap.fromShards(resp, host) : WasmSlotMap.fromSlots(resp, host);
    } catch (e) {
      throw fromWasm(e);
    }
    return new Cluster(map, { answeredBy: host, policy });
  }

  /**
   * The map from a `CLUSTER SLOTS` reply: raw (ioredis `cluster("SLOTS")`,
   * RESP2 or RESP3) or as node-redis's `clusterSlots()` returns it.
   * @throws {TopologyError} naming the malformed part (`at`).
   */
  static fromSlots(reply: unknown, options?: ClusterOptions): Cluster {
    return Cluster._build(reply, options, "CLUSTER SLOTS", false);
  }

  /**
   * The map from a `CLUSTER SHARDS` reply (Redis 7+, Valkey), raw: RESP2
   * flat key/value arrays (ioredis `call("CLUSTER", "SHARDS")`) or RESP3
   * maps (Map or plain objects). Failed and loading nodes never serve reads.
   * @throws {TopologyError} naming the malformed part (`at`).
   */
  static fromShards(reply: unknown, options?: ClusterOptions): Cluster {
    return Cluster._build(reply, options, "CLUSTER SHARDS", true);
  }

  /**
   * The map of the cluster an ioredis client talks to (`new Redis(...)`
   * connected to any node; a `Redis.Cluster` works too, asking a node of its
   * choice): asks `CLUSTER SHARDS`, falling back to `CLUSTER SLOTS` only when
   * the server refuses it. Nodes advertised without an address get
   * `options.answeredBy`, else the client's host.
   * @throws {TopologyError} if the reply is malformed.
   */
  static async fromIORedis(client: IORedisLike, options?: ClusterOptions): Promise<Cluster> {
    const host = options?.answeredBy ?? client.options?.host;
    const opts = { ...options, answeredBy: host };
    let reply: unknown;
    try {
      reply = await client.call("CLUSTER", "SHARDS");
    } catch {
      return Cluster.fromSlots(await client.call("CLUSTER", "SLOTS"), opts);
    }
    return Cluster.fromShards(reply, opts);
  }

  /** {@link Cluster.fromIORedis} for a node-redis client (`createClient()`, connected). */
  static async fromNodeRedis(client: NodeRedisLike, options?: ClusterOptions): Promise<Cluster> {
    const host = options?.answeredBy ?? client.options?.socket?.host;
    const opts = { ...options, answeredBy: host };
    let reply: unknown;
    try {
      reply = await client.sendCommand(["CLUSTER", "SHARDS"]);
    } catch {
      return Cluster.fromSlots(await client.sendCommand(["CLUSTER", "SLOTS"]), opts);
    }
    return Cluster.fromShards(reply, opts);
  }

  /** @internal Re-reads the node list after the map changed. */
  _refresh(): void {
    this._info = JSON.parse(this._map.nodesJson()) as NodeInfo[];
    this._objs = [];
  }

  /** @internal The node object for `2 * index + (1 if replica)`. */
  _node(packed: number): Node {
    const known = this._objs[packed];
    if (known !== undefined) return known;
    const info = this._info[packed >>> 1];
    const node = Object.freeze({
      ...info,
      role: packed & 1 ? "replica" : "primary",
      addr: `${info.host}:${info.port}`,
    }) as Node;
    this._objs[packed] = node;
    return node;
  }

  /** @internal The read-from code of src/cluster.rs, setting the zone first. */
  _readFrom(options: RouteOptions | undefined): number {
    const rf = options?.readFrom;
    if (rf === undefined || rf === "primary") return 0;
    if (rf === "preferReplica") return 1;
    if (rf === "roundRobin") return 2;
    if (rf !== null && typeof rf === "object" && typeof rf.azAffinity === "string") {
      if (rf.azAffinity !== this._zone) {
        this._map.setZone(rf.azAffinity);
        this._zone = rf.azAffinity;
      }
      return 3;
    }
    throw invalidValue(
      "options.readFrom",
      '"primary", "preferReplica", "roundRobin" or { azAffinity: zone }',
      rf,
    );
  }

  /** The hashing policy keys are routed by (`null`: the open-source rule). */
  get policy(): HashPolicy | null {
    return this._policy;
  }

  /** Every node known, primaries and replicas, each with its role. */
  get nodes(): Node[] {
    return this._info.map((n, i) => this._node(2 * i + (n.role === "replica" ? 1 : 0)));
  }

  /** Every shard, in order of first appearance in the reply. */
  get shards(): Shard[] {
    const shards = JSON.parse(this._map.shardsJson()) as { primary: number; replicas: number[]; slots: [number, number][] }[];
    return shards.map((s) => ({
      primary: this._node(2 * s.primary),
      replicas: s.replicas.map((r) => this._node(2 * r + 1)),
      slots: s.slots,
    }));
  }

  /** Slots no shard serves, as inclusive `[start, end]` ranges. */
  unassigned(): [number, number][] {
    const flat = this._map.unassigned();
    const out: [number, number][] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
    return out;
  }

  /**
   * The slot of `key` under this cluster's policy.
   * @throws {NoRuleMatchedError} if the policy has no rule for it.
   */
  keySlot(key: string | Uint8Array): number {
    return keySlot(key, this._policy === null ? undefined : { policy: this._policy });
  }

  /**
   * The node that serves `key` for this kind of read.
   * @throws {SlotNotServedError} if no shard serves its slot.
   * @throws {NoRuleMatchedError} if the cluster's policy has no rule for it.
   */
  nodeFor(key: string | Uint8Array, options?: RouteOptions): Node {
    const rf = options === undefined ? 0 : this._readFrom(options);
    if (this._policy === null) return this._node(wasm.checked(this._map.nodeForSlot(keySlot(key), rf)));
    const k = typeof key === "string" ? key : asBytes(key, "key");
    const len = wasm.load(k);
    const r = len >= 0 ? this._map.nodeForScratch(len, rf) : this._map.nodeForKey(wasm.utf8(k), rf);
    return this._node(wasm.checked(r));
  }

  /**
   * The node that serves `slot` for this kind of read.
   * @throws {SlotNotServedError} if no shard serves it.
   */
  nodeForSlot(slot: number, options?: RouteOptions): Node {
    if (!Number.isInteger(slot) || slot < 0 || slot >= 16384) {
      throw invalidArgument("slot", "an integer in 0..16383", slot);
    }
    return this._node(wasm.checked(this._map.nodeForSlot(slot, this._readFrom(options))));
  }

  /**
   * Groups keys by the node that serves them and, within a node, by slot,
   * keeping each key's position in `keys` so replies can be put back in
   * order. Groups come in order of first appearance; every key of one slot
   * goes to one node, even when reads take turns.
   */
  groupByNode(keys: readonly (string | Uint8Array)[], options?: RouteOptions): NodeGroup[] {
    const rf = this._readFrom(options);
    const list = Array.isArray(keys) ? keys : Array.from(keys as Iterable<string | Uint8Array>);
    const { bytes, lens } = pack(list, "keys");
    let flat: Uint32Array;
    try {
      flat = this._map.groupByNode(bytes, lens, rf);
    } catch (e) {
      throw fromWasm(e);
    }
    const groups: NodeGroup[] = [];
    let at = 1;
    let pos = flat.length - list.length;
    for (let g = flat[0]; g > 0; g--) {
      const count = flat[at + 2];
      let n = 0;
      for (let i = at + 4, end = i + 2 * count; i < end; i += 2) n += flat[i];
      groups.push(new Group(this._node(2 * flat[at] + flat[at + 1]), flat, at + 3, count, pos, n));
      at += 3 + 2 * count;
      pos += n;
    }
    return groups;
  }

  /**
   * Applies a `MOVED`/`ASK` error and returns it parsed: `MOVED` updates the
   * map (a replica named by it was promoted; an unknown node is added),
   * `ASK` leaves it unchanged. `error` is the text, bytes, or an ioredis /
   * node-redis error object.
   * @throws {RedirectError} if it is not a redirect.
   */
  applyRedirect(error: unknown, options?: { answeredBy?: string }): Redirect {
    const text = redirectText(error);
    const host = optionalHost(options?.answeredBy, "options.answeredBy") ?? this._answeredBy;
    let json: string;
    try {
      json = this._map.applyRedirect(text, host);
    } catch (e) {
      throw fromWasm(e);
    }
    this._refresh();
    return redirect(json);
  }

  /** An independent copy (same policy). */
  copy(): Cluster {
    const c = new Cluster(this._map.copy(), { answeredBy: this._answeredBy, policy: null });
    c._policy = this._policy;
    return c;
  }

  /** Whether `other` routes every slot to the same nodes, with the same policy. */
  equals(other: Cluster): boolean {
    return other instanceof Cluster && this._map.equals(other._map);
  }

  /** Releases the wasm memory now; the map cannot be used afterwards. */
  free(): void {
    this._map.free();
  }
}
disposable(Cluster);
