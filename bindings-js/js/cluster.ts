// Cluster: the core's SlotMap, built from the replies ioredis and node-redis
// return, routing keys to plain node objects made once per node.

import { pack } from "./argv.js";
import { fromWasm, TopologyError } from "./error-classes.js";
import { asBytes, invalidArgument, invalidValue } from "./argument-errors.js";
import { WasmSlotMap, wasmParseRedirect, wasmReadFromCode } from "./glue.js";
import { HashPolicy, optionalPolicy } from "./policy.js";
import { encodeReply, rawShards, rawSlots } from "./reply.js";
import { keySlot, slotsInto } from "./slot.js";
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

/** Read strategies by name, as the core parsed them: name -> code of src/cluster.rs. */
const READ_FROM = new Map<string, number>();

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

/**
 * A NodeGroup over the result of {@link Cluster.groupByNode}: its positions,
 * slot by slot, and `(slot, count)` pairs of its slots in `meta`.
 */
class Group implements NodeGroup {
  readonly role: "primary" | "replica";
  #slots: SlotGroup[] | null = null;

  constructor(
    readonly node: Node,
    readonly positions: Uint32Array,
    private readonly meta: Uint32Array,
    private readonly head: number,
    private readonly count: number,
  ) {
    this.role = node.role;
  }

  get slots(): readonly SlotGroup[] {
    if (this.#slots === null) {
      const out: SlotGroup[] = [];
      const meta = this.meta;
      let pos = 0;
      for (let i = this.head, end = i + 2 * this.count; i < end; i += 2) {
        out.push({ slot: meta[i], positions: this.positions.subarray(pos, pos + meta[i + 1]) });
        pos += meta[i + 1];
      }
      this.#slots = out;
    }
    return this.#slots;
  }
}

// Working memory of groupByNode, indexed by slot or by slot group (a batch
// has at most one group per slot): slot -> slot group (-1 when none), and
// per slot group its slot, key count, node group and first position.
const groupOfSlot = new Int32Array(16384).fill(-1);
const groupSlot = new Uint16Array(16384);
const groupCount = new Uint32Array(16384);
const groupNode = new Uint32Array(16384);
const groupStart = new Uint32Array(16384);
// Per key: its slot, then its slot group.
let keyGroups = new Uint16Array(1024);

/** Forgets the slot groups `0..count` (their slots map to none again). */
function clearGroups(count: number): void {
  for (let g = 0; g < count; g++) groupOfSlot[groupSlot[g]] = -1;
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

function redirect(r: { kind: "moved" | "ask"; slot: number; host: string; port: number }): Redirect {
  const { kind, slot, host, port } = r;
  return Object.freeze({ kind, slot, host, port, addr: `${host}:${port}` });
}

/**
 * Parses a `MOVED`/`ASK` error without a map to apply it to.
 * @throws {RedirectError} if it is not one.
 */
export function parseRedirect(error: unknown, options?: { answeredBy?: string }): Redirect {
  checkReady();
  try {
    return redirect(JSON.parse(wasmParseRedirect(redirectText(error), optionalHost(options?.answeredBy, "answeredBy"))));
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
  /** @internal See {@link Cluster._primaryNodes}; dropped when the map changes. */
  _primary: Int32Array | null = null;

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
    this._primary = null;
  }

  /**
   * @internal After a redirect: only the nodes at the indexes it changed
   * are read again (a `MOVED` costs the same however large the map).
   */
  _refreshChanged(nodes: number, changed: [number, NodeInfo][]): void {
    this._info.length = nodes;
    if (this._objs.length > 2 * nodes) this._objs.length = 2 * nodes;
    for (const [i, info] of changed) {
      this._info[i] = info;
      delete this._objs[2 * i];
      delete this._objs[2 * i + 1];
    }
    // Slots may have changed node: every cached answer is asked again.
    this._primary?.fill(-1);
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
    if (typeof rf === "string") {
      // Named as the core names them; the code per name is kept.
      let code = READ_FROM.get(rf);
      if (code === undefined) {
        code = wasmReadFromCode(rf);
        if (code < 0) throw fromWasm(wasm.takeError());
        READ_FROM.set(rf, code);
      }
      return code;
    }
    if (rf !== null && typeof rf === "object" && typeof rf.azAffinity === "string") {
      if (rf.azAffinity !== this._zone) {
        this._map.setZone(rf.azAffinity);
        this._zone = rf.azAffinity;
      }
      return 3;
    }
    throw invalidValue("options.readFrom", '"primary", "prefer_replica", "round_robin" or { azAffinity: zone }', rf);
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
    const n = list.length;
    // The slot of every key, then (in place) the slot group of every key.
    if (keyGroups.length < n) keyGroups = new Uint16Array(Math.max(n, 2 * keyGroups.length));
    const sg = keyGroups.length === n ? keyGroups : keyGroups.subarray(0, n);
    try {
      slotsInto(list, sg, this._policy);
    } catch {
      // The typed error, for the first bad key, as the core reports it.
      return this._groupByNodeWasm(list, rf);
    }
    // Slot groups and node groups in order of first appearance; the node of
    // each slot asked once, on its first key, as the core does (reads that
    // take turns advance once per slot).
    const primary = rf === 0 ? this._primaryNodes() : null;
    const nodes: number[] = [];
    const nodeKeys: number[] = [];
    const nodeSlots: number[] = [];
    let groups = 0;
    for (let i = 0; i < n; i++) {
      const slot = sg[i];
      let g = groupOfSlot[slot];
      if (g < 0) {
        let packed = primary === null ? -1 : primary[slot];
        if (packed < 0) {
          packed = this._map.nodeForSlot(slot, rf);
          if (packed < 0) {
            clearGroups(groups);
            throw fromWasm(wasm.takeError());
          }
          if (primary !== null) primary[slot] = packed;
        }
        const node = packed >>> 1;
        let ng = 0;
        while (ng < nodes.length && nodes[ng] >>> 1 !== node) ng++;
        if (ng === nodes.length) {
          nodes.push(packed);
          nodeKeys.push(0);
          nodeSlots.push(0);
        }
        g = groups++;
        groupOfSlot[slot] = g;
        groupSlot[g] = slot;
        groupCount[g] = 0;
        groupNode[g] = ng;
        nodeSlots[ng]++;
      }
      groupCount[g]++;
      sg[i] = g;
    }
    clearGroups(groups);
    // Node by node, slot group by slot group: where each one starts.
    const nodeStart = new Array<number>(nodes.length);
    const metaStart = new Array<number>(nodes.length);
    for (let g = 0; g < groups; g++) nodeKeys[groupNode[g]] += groupCount[g];
    for (let ng = 0, at = 0, m = 0; ng < nodes.length; ng++) {
      nodeStart[ng] = at;
      metaStart[ng] = m;
      at += nodeKeys[ng];
      m += 2 * nodeSlots[ng];
    }
    const meta = new Uint32Array(2 * groups);
    const cursor = nodeStart.slice();
    const metaCursor = metaStart.slice();
    for (let g = 0; g < groups; g++) {
      const ng = groupNode[g];
      groupStart[g] = cursor[ng];
      cursor[ng] += groupCount[g];
      meta[metaCursor[ng]] = groupSlot[g];
      meta[metaCursor[ng] + 1] = groupCount[g];
      metaCursor[ng] += 2;
    }
    const positions = new Uint32Array(n);
    for (let i = 0; i < n; i++) positions[groupStart[sg[i]]++] = i;
    const out: NodeGroup[] = new Array(nodes.length);
    for (let ng = 0; ng < nodes.length; ng++) {
      const start = nodeStart[ng];
      out[ng] = new Group(
        this._node(nodes[ng]),
        positions.subarray(start, start + nodeKeys[ng]),
        meta,
        metaStart[ng],
        nodeSlots[ng],
      );
    }
    return out;
  }

  /** @internal groupByNode by the core's own grouping (for its typed errors). */
  _groupByNodeWasm(list: readonly (string | Uint8Array)[], rf: number): NodeGroup[] {
    const { bytes, lens } = pack(list, "keys");
    let flat: Uint32Array;
    try {
      flat = this._map.groupByNode(bytes, lens, rf);
    } catch (e) {
      throw fromWasm(e);
    }
    const groups: NodeGroup[] = [];
    const meta = new Uint32Array(flat.length);
    let at = 1;
    let m = 0;
    let pos = flat.length - list.length;
    for (let g = flat[0]; g > 0; g--) {
      const count = flat[at + 2];
      let n = 0;
      for (let i = at + 3, end = i + 2 * count; i < end; i += 2) {
        meta[m + i - at - 3] = flat[i];
        meta[m + i - at - 2] = flat[i + 1];
        n += flat[i + 1];
      }
      groups.push(new Group(this._node(2 * flat[at] + flat[at + 1]), flat.subarray(pos, pos + n), meta, m, count));
      m += 2 * count;
      at += 3 + 2 * count;
      pos += n;
    }
    return groups;
  }

  /** @internal The packed node of each slot for primary reads (-1: not asked yet). */
  _primaryNodes(): Int32Array {
    return (this._primary ??= new Int32Array(16384).fill(-1));
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
    const r = JSON.parse(json) as Redirect & { nodes: number; changed: [number, NodeInfo][] };
    if (r.kind === "moved") this._refreshChanged(r.nodes, r.changed);
    return redirect(r);
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
  /**
   * `free()`, for `using` (TypeScript 5.2+; defined where the engine has
   * `Symbol.dispose`): `using map = Cluster.fromShards(reply);` frees the
   * wasm memory at the end of the block.
   */
  declare [Symbol.dispose]: () => void;

  free(): void {
    this._map.free();
  }
}
disposable(Cluster);
