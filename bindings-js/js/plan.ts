// Resharding plans: the fewest slot moves to reach target weights, or the
// least load moved to balance a per-slot load, as the
// `keyroute.reshard-plan/1` JSON and as scripts, byte-identical to the CLI's;
// the per-slot load (a file, or measured through ioredis or node-redis with
// the core's probe) and the load report.

import { Cluster } from "./cluster.js";
import { fromWasm } from "./error-classes.js";
import { invalidArgument, invalidValue } from "./argument-errors.js";
import { WasmLoadProbe, WasmRebalance, wasmOtherPrimaries, wasmSlotLoadFromJson, wasmSlotLoadToJson } from "./glue.js";
import { encodeReply } from "./reply.js";
import { checkReady } from "./state.js";

/** A slot move: `from` gives `to` the slots of `ranges` (inclusive, ascending). */
export interface Move {
  readonly seq: number;
  readonly from: string;
  readonly to: string;
  readonly ranges: readonly (readonly [number, number])[];
  readonly slots: number;
  readonly keysEst: number | null;
  readonly bytesEst: number | null;
  /** In a load plan: the load the move carries. */
  readonly load: number | null;
}

/** One node of a plan: its weight, exact quota and slot counts. */
export interface PlanNode {
  readonly id: string;
  readonly addr: string | null;
  /** Exact weight, `"3"` or `"3/2"`. */
  readonly weight: string;
  /** Exact quota `16384 * w / W`, `"n/d"`. */
  readonly quota: string;
  readonly before: number;
  readonly target: number;
  readonly after: number;
  readonly keysBefore: number | null;
  readonly keysAfterEst: number | null;
  /** In a load plan: its load before. */
  readonly loadBefore: number | null;
  /** In a load plan: its exact target share of the load, `"n/d"`. */
  readonly loadTarget: string | null;
  /** In a load plan: the least load within the tolerance. */
  readonly loadMin: number | null;
  /** In a load plan: the most load within the tolerance. */
  readonly loadMax: number | null;
  /** In a load plan: its load after. */
  readonly loadAfter: number | null;
  /** In a load plan: the load of its slots that may not move (open or held). */
  readonly loadPinned: number | null;
}

/** What a load plan balances, and how well. */
export interface PlanLoad {
  /** `keys`, `memory`, `slot-stats:<statistic>` or `file`. */
  readonly by: string;
  /** Keys sampled per slot, for a memory load. */
  readonly sample: number | null;
  /** How far from its target share a node may end, in percent (exact: `"5"`, `"5/2"`). */
  readonly tolerance: string;
  readonly total: number;
  /** The least load any plan must move. */
  readonly lowerBound: number;
  /** The load this plan moves. */
  readonly moved: number;
  /** The most load any node may carry within the tolerance. */
  readonly allowance: number;
  readonly withinTolerance: boolean;
  /** Slots heavier than `allowance`. */
  readonly hotSlots: readonly { readonly slot: number; readonly load: number; readonly node: string }[];
  /** Nodes outside the tolerance after the plan, and why. */
  readonly outside: readonly { readonly id: string; readonly reason: string }[];
}

/** How a plan is carried out: Valkey 9+, Redis 8.4+, or any version slot by slot. */
export type ScriptKind = "valkey9" | "redis84" | "legacy";

/** Options of {@link rebalance}. */
export interface RebalanceOptions {
  /** Weights by node id (default 1): integers, decimals or fractions (`"2/3"`), read exactly. */
  weights?: Readonly<Record<string, number | string>>;
  /** Nodes to add, empty: ids, `{ id, addr }` or `[id, addr]`. */
  add?: readonly (string | { readonly id: string; readonly addr?: string } | readonly [string, string])[];
  /** Nodes to empty (weight 0). */
  drain?: readonly string[];
  /** Explicit target slot counts by node id. */
  targets?: Readonly<Record<string, number>>;
  /** How far from its quota a node may stay, in slots (default 0: the strict rule). */
  tolerance?: number;
  /** Keys per slot (16384 entries), for the keys-moved estimates. */
  slotKeys?: readonly number[];
  /** Bytes per slot (16384 entries), for the bytes-moved estimates. */
  slotBytes?: readonly number[];
  /** A per-slot load: balance it instead of the slot counts. */
  load?: SlotLoad;
  /** With `load`: how far from its target share a node may end, in percent (default 5). */
  loadTolerance?: number | string;
  /** Open slots in `CLUSTER NODES` text: refused (default) or held where they are. */
  openSlots?: OpenSlots;
}

/** What to do with open (migrating or importing) slots in `CLUSTER NODES` text. */
export type OpenSlots = "refuse" | "hold";

/** The current layout: `CLUSTER NODES` text, a {@link Cluster}, or `{ id: [[start, end], ...] }`. */
export type Layout = string | Cluster | Readonly<Record<string, readonly (readonly [number, number])[]>>;

interface PlanJson {
  state_fingerprint: string;
  policy: { tolerance_slots?: number; by?: string; sample?: number | null; load_tolerance_pct?: string };
  nodes: {
    id: string; addr: string | null; weight: string; quota: string; before: number; target: number; after: number;
    keys_before: number | null; keys_after_est: number | null; load_before?: number; load_target?: string;
    load_min?: number; load_max?: number; load_after?: number; load_pinned?: number;
  }[];
  lower_bound_moves: number;
  moves_total: number;
  load?: {
    total: number; lower_bound: number; moved: number; within_tolerance: boolean; allowance: number;
    hot_slots: { slot: number; load: number; node: string }[]; outside: { id: string; reason: string }[];
  };
  moves: { seq: number; from: string; to: string; ranges: [number, number][]; slots: number; keys_est: number | null; bytes_est: number | null; load?: number }[];
}

/** A resharding plan. Plain data: it holds no wasm memory. */
export class Plan {
  /** The plan as `keyroute.reshard-plan/1` JSON, exactly as `keyroute plan rebalance --format json` prints it (without the newline). */
  readonly json: string;
  /** `sha256:` of the current layout the plan is for. */
  readonly fingerprint: string;
  readonly nodes: readonly PlanNode[];
  /** The proven minimum number of slot moves (the plan moves exactly this many). */
  readonly lowerBound: number;
  readonly movesTotal: number;
  readonly moves: readonly Move[];
  /** How far from its quota a node was allowed to stay, in slots (0 in a load plan). */
  readonly tolerance: number;
  /** In a load plan: what it balances and how well; else `null`. */
  readonly load: PlanLoad | null;
  /** @internal */
  readonly _scripts: Record<ScriptKind, string>;

  /** @internal */
  constructor(json: string, scripts: Record<ScriptKind, string>) {
    const p = JSON.parse(json) as PlanJson;
    this.json = json;
    this._scripts = scripts;
    this.fingerprint = p.state_fingerprint;
    this.lowerBound = p.lower_bound_moves;
    this.movesTotal = p.moves_total;
    this.tolerance = p.policy.tolerance_slots ?? 0;
    const l = p.load;
    this.load =
      l === undefined
        ? null
        : {
            by: p.policy.by ?? "",
            sample: p.policy.sample ?? null,
            tolerance: p.policy.load_tolerance_pct ?? "",
            total: l.total,
            lowerBound: l.lower_bound,
            moved: l.moved,
            allowance: l.allowance,
            withinTolerance: l.within_tolerance,
            hotSlots: l.hot_slots,
            outside: l.outside,
          };
    this.nodes = p.nodes.map((n) => ({
      id: n.id,
      addr: n.addr,
      weight: n.weight,
      quota: n.quota,
      before: n.before,
      target: n.target,
      after: n.after,
      keysBefore: n.keys_before,
      keysAfterEst: n.keys_after_est,
      loadBefore: n.load_before ?? null,
      loadTarget: n.load_target ?? null,
      loadMin: n.load_min ?? null,
      loadMax: n.load_max ?? null,
      loadAfter: n.load_after ?? null,
      loadPinned: n.load_pinned ?? null,
    }));
    this.moves = p.moves.map((m) => ({
      seq: m.seq,
      from: m.from,
      to: m.to,
      ranges: m.ranges,
      slots: m.slots,
      keysEst: m.keys_est,
      bytesEst: m.bytes_est,
      load: m.load ?? null,
    }));
  }

  /** The JSON document as an object (so `JSON.stringify(plan)` gives the plan's JSON). */
  toJSON(): unknown {
    return JSON.parse(this.json);
  }

  /**
   * A POSIX shell script that carries the plan out with `redis-cli` (default:
   * Valkey 9+). Every id and address in it is quoted for the shell.
   * @throws {PlanError} (`ERR_KEYROUTE_PLAN_NO_ADDRESS`) for the legacy
   * script when a node has no address.
   */
  script(kind: ScriptKind = "valkey9"): string {
    if (kind !== "valkey9" && kind !== "redis84" && kind !== "legacy") {
      throw invalidValue("kind", '"valkey9", "redis84" or "legacy"', kind);
    }
    const text = this._scripts[kind];
    // The description of the error that kept this script from being written.
    if (text.startsWith("{")) throw fromWasm(text);
    return text;
  }
}

function openSlots(v: unknown): OpenSlots {
  if (v === undefined) return "refuse";
  if (v === "refuse" || v === "hold") return v;
  throw invalidValue("options.openSlots", '"refuse" or "hold"', v);
}

function input(current: Layout, open: OpenSlots = "refuse"): WasmRebalance {
  if (typeof current === "string") return WasmRebalance.fromClusterNodes(current, open);
  if (current instanceof Cluster) return WasmRebalance.fromSlotMap(current._map);
  if (current === null || typeof current !== "object" || Array.isArray(current)) {
    throw invalidArgument("current", "CLUSTER NODES text, a Cluster or { id: [[start, end], ...] }", current);
  }
  const r = new WasmRebalance();
  for (const [id, ranges] of Object.entries(current)) {
    if (!Array.isArray(ranges)) throw invalidArgument(`current[${JSON.stringify(id)}]`, "an array of [start, end]", ranges);
    const flat = new Uint16Array(2 * ranges.length);
    ranges.forEach((pair, i) => {
      const ok = Array.isArray(pair) && pair.length === 2 && pair.every((s) => Number.isInteger(s) && s >= 0 && s < 65536);
      if (!ok) throw invalidArgument(`current[${JSON.stringify(id)}][${i}]`, "a [start, end] pair of slot numbers", pair);
      flat[2 * i] = pair[0];
      flat[2 * i + 1] = pair[1];
    });
    r.node(id, undefined, flat);
  }
  return r;
}

function str(v: unknown, what: string): string {
  if (typeof v === "string") return v;
  throw invalidArgument(what, "a string", v);
}

function counts(v: readonly number[] | undefined, what: string): Float64Array | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || !v.every((x) => Number.isSafeInteger(x) && x >= 0)) {
    throw invalidArgument(what, "an array of non-negative integers", v);
  }
  return Float64Array.from(v);
}

/**
 * The fewest slot moves that bring the cluster to its target weights:
 * targets by exact quota, moves equal to the proven lower bound, no slot
 * moved twice, the same plan for the same input in any order.
 * @throws {PlanError} naming the problem (open slots, overlaps, unknown node ids, bad weights...).
 */
export function rebalance(current: Layout, options: RebalanceOptions = {}): Plan {
  checkReady();
  let r: WasmRebalance | undefined;
  try {
    r = input(current, openSlots(options.openSlots));
    for (const a of options.add ?? []) {
      const [id, addr] = typeof a === "string" ? [a, undefined] : Array.isArray(a) ? a : [(a as { id: unknown }).id, (a as { addr?: unknown }).addr];
      r.add(str(id, "an added node's id"), addr === undefined ? undefined : str(addr, "an added node's addr"));
    }
    for (const [id, w] of Object.entries(options.weights ?? {})) {
      if (typeof w !== "number" && typeof w !== "string") throw invalidArgument(`weights[${JSON.stringify(id)}]`, "a number or a string", w);
      r.weight(id, String(w));
    }
    for (const id of options.drain ?? []) r.drain(str(id, "a drained node's id"));
    for (const [id, t] of Object.entries(options.targets ?? {})) {
      if (!Number.isInteger(t) || t < 0 || t > 16384) throw invalidArgument(`targets[${JSON.stringify(id)}]`, "a slot count in 0..16384", t);
      r.target(id, t);
    }
    const tolerance = options.tolerance ?? 0;
    if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > 16384) {
      throw invalidArgument("options.tolerance", "a slot count in 0..16384", tolerance);
    }
    r.tolerance(tolerance);
    if (options.slotKeys !== undefined || options.slotBytes !== undefined) {
      r.slotStats(counts(options.slotKeys, "options.slotKeys"), counts(options.slotBytes, "options.slotBytes"));
    }
    if (options.load !== undefined) {
      if (!(options.load instanceof SlotLoad)) throw invalidArgument("options.load", "a SlotLoad", options.load);
      r.load(options.load.by, options.load.sample ?? undefined, options.load._values);
      if (options.loadTolerance !== undefined) {
        const t = options.loadTolerance;
        if (typeof t !== "number" && typeof t !== "string") throw invalidArgument("options.loadTolerance", "a number or a string", t);
        r.loadTolerance(String(t));
      }
    } else if (options.loadTolerance !== undefined) {
      throw invalidArgument("options.loadTolerance", "nothing without options.load", options.loadTolerance);
    }
    const text = r.plan();
    const plan = new Plan(text.json, { valkey9: text.valkey9, redis84: text.redis84, legacy: text.legacy });
    text.free();
    return plan;
  } catch (e) {
    throw e instanceof Error ? e : fromWasm(e);
  } finally {
    r?.free();
  }
}

/**
 * The load of every slot (16384 non-negative integers) and where it comes
 * from. Plain data: it holds no wasm memory.
 */
export class SlotLoad {
  /** `keys`, `memory`, `slot-stats:<statistic>` or `file`. */
  readonly by: string;
  /** Keys sampled per slot, for a memory load. */
  readonly sample: number | null;
  /** The load of all slots. */
  readonly total: number;
  /** @internal */
  readonly _values: Float64Array;

  /** @internal */
  constructor(by: string, sample: number | null, values: Float64Array) {
    this.by = by;
    this.sample = sample;
    this._values = values;
    let total = 0;
    for (const v of values) total += v;
    this.total = total;
  }

  /**
   * A load file's text: a JSON object of slot numbers to integer loads,
   * e.g. `{"0": 120, "5461": 7}`; slots not named carry 0.
   * @throws {PlanError} naming the offset of what is wrong.
   */
  static fromJson(text: string): SlotLoad {
    checkReady();
    if (typeof text !== "string") throw invalidArgument("text", "a string", text);
    try {
      return new SlotLoad("file", null, Float64Array.from(wasmSlotLoadFromJson(text)));
    } catch (e) {
      throw e instanceof Error ? e : fromWasm(e);
    }
  }

  /** The load as the text {@link SlotLoad.fromJson} reads (and `keyroute plan load --format slots` prints, without the newline). */
  toJson(): string {
    checkReady();
    return wasmSlotLoadToJson(this._values);
  }

  /** The load of one slot. */
  get(slot: number): number {
    if (!Number.isInteger(slot) || slot < 0 || slot >= 16384) throw invalidArgument("slot", "a slot number 0..16383", slot);
    return this._values[slot];
  }
}

/** One node of a {@link LoadReport}. */
export interface NodeShare {
  readonly id: string;
  readonly addr: string | null;
  readonly weight: string;
  readonly slots: number;
  readonly slotShare: string;
  readonly load: number;
  /** Its share of the load, 4 decimals (`null` without load). */
  readonly loadShare: string | null;
  /** Its exact target share of the load, `"n/d"`. */
  readonly target: string;
  /** How far from its target, in percent, 2 decimals. */
  readonly deviationPct: string | null;
}

interface ReportJson {
  by: string;
  sample: number | null;
  total: number;
  imbalance: string | null;
  nodes: { id: string; addr: string | null; weight: string; slots: number; slot_share: string; load: number; load_share: string | null; target: string; deviation_pct: string | null }[];
  hottest: { slot: number; load: number; node: string }[];
}

/** A cluster's load: per node, the hottest slots, the imbalance. Plain data. */
export class LoadReport {
  /** `keyroute.load-report/1` JSON, exactly as `keyroute plan load --format json` prints it (without the newline). */
  readonly json: string;
  readonly by: string;
  readonly sample: number | null;
  readonly total: number;
  /** The largest node load over the mean, 4 decimals (`null` without load). */
  readonly imbalance: string | null;
  readonly nodes: readonly NodeShare[];
  /** The heaviest slots, heaviest first. */
  readonly hottest: readonly { readonly slot: number; readonly load: number; readonly node: string }[];

  /** @internal */
  constructor(json: string) {
    const r = JSON.parse(json) as ReportJson;
    this.json = json;
    this.by = r.by;
    this.sample = r.sample;
    this.total = r.total;
    this.imbalance = r.imbalance;
    this.hottest = r.hottest;
    this.nodes = r.nodes.map((n) => ({
      id: n.id,
      addr: n.addr,
      weight: n.weight,
      slots: n.slots,
      slotShare: n.slot_share,
      load: n.load,
      loadShare: n.load_share,
      target: n.target,
      deviationPct: n.deviation_pct,
    }));
  }

  /** The JSON document as an object. */
  toJSON(): unknown {
    return JSON.parse(this.json);
  }
}

/** Options of {@link loadReport}. */
export interface LoadReportOptions {
  /** Weights by node id (default 1), for the target shares. */
  weights?: Readonly<Record<string, number | string>>;
  /** How many of the heaviest slots to list (default 10). */
  top?: number;
  openSlots?: OpenSlots;
}

/**
 * The load report of `current` under `load`: per node its load and slot
 * shares and distance from its target, the hottest slots, the imbalance.
 * @throws {PlanError} naming the problem.
 */
export function loadReport(current: Layout, load: SlotLoad, options: LoadReportOptions = {}): LoadReport {
  checkReady();
  if (!(load instanceof SlotLoad)) throw invalidArgument("load", "a SlotLoad", load);
  const top = options.top ?? 10;
  if (!Number.isInteger(top) || top < 0 || top > 16384) throw invalidArgument("options.top", "an integer in 0..16384", top);
  let r: WasmRebalance | undefined;
  try {
    r = input(current, openSlots(options.openSlots));
    for (const [id, w] of Object.entries(options.weights ?? {})) {
      if (typeof w !== "number" && typeof w !== "string") throw invalidArgument(`weights[${JSON.stringify(id)}]`, "a number or a string", w);
      r.weight(id, String(w));
    }
    return new LoadReport(r.loadReport(load.by, load.sample ?? undefined, load._values, top));
  } catch (e) {
    throw e instanceof Error ? e : fromWasm(e);
  } finally {
    r?.free();
  }
}

/**
 * Sends one primary its commands, pipelined, and resolves to their replies
 * in order, an error reply as an `Error` (not a rejection).
 */
export type SendBatch = (addr: string, commands: readonly Uint8Array[][]) => Promise<readonly unknown[]>;

/** Options of {@link measureLoad}. */
export interface MeasureLoadOptions {
  /**
   * `"keys"` (`CLUSTER COUNTKEYSINSLOT`, default), `"memory"` (`MEMORY USAGE`
   * of `sample` keys per slot from `CLUSTER GETKEYSINSLOT`, default 16),
   * `"slot-stats"` or `"slot-stats:<statistic>"` (Valkey 8.0+, Redis 8.2+).
   */
  by?: string;
  sample?: number;
  openSlots?: OpenSlots;
}

const malformedReply = (at: string, problem: string): Error => invalidArgument(at, "a reply value", problem);

/**
 * The load of every slot, measured with the core's probe: `layout` is the
 * `CLUSTER NODES` text of the cluster (of every primary, so that open slots
 * are seen), `send` asks one primary (see {@link measureLoadIORedis} and
 * {@link measureLoadNodeRedis}, which do both).
 * @throws {PlanError} for a reply the probe cannot read, naming the node and command.
 */
export async function measureLoad(layout: string, send: SendBatch, options: MeasureLoadOptions = {}): Promise<SlotLoad> {
  checkReady();
  if (typeof layout !== "string") throw invalidArgument("layout", "CLUSTER NODES text", layout);
  const by = options.by ?? "keys";
  if (typeof by !== "string") throw invalidArgument("options.by", "a string", by);
  const sample = options.sample;
  if (sample !== undefined && (!Number.isInteger(sample) || sample < 0 || sample > 0xffffffff)) {
    throw invalidArgument("options.sample", "a positive integer", sample);
  }
  let r: WasmRebalance | undefined;
  let probe: WasmLoadProbe | undefined;
  try {
    r = WasmRebalance.fromClusterNodes(layout, openSlots(options.openSlots));
    probe = new WasmLoadProbe(r, by, sample);
    for (;;) {
      const round = probe.round();
      const meta = JSON.parse(round.meta) as { id: string; addr: string; commands: number }[];
      const { args, lens } = round;
      round.free();
      if (meta.length === 0) break;
      let a = 0;
      let k = 0;
      const asked = meta.map((b) => {
        const commands: Uint8Array[][] = [];
        for (let c = 0; c < b.commands; c++) {
          const argv: Uint8Array[] = [];
          const argc = lens[k++];
          for (let j = 0; j < argc; j++) {
            const len = lens[k++];
            argv.push(args.subarray(a, a + len));
            a += len;
          }
          commands.push(argv);
        }
        return send(b.addr, commands).then((replies) => {
          if (!Array.isArray(replies) || replies.length !== b.commands) {
            throw invalidArgument(`replies of ${b.addr}`, `${b.commands} replies`, replies);
          }
          return replies as unknown[];
        });
      });
      const replies = (await Promise.all(asked)).flat();
      const failed: number[] = [];
      const texts: string[] = [];
      const values = replies.map((v, i) => {
        if (v instanceof Error) {
          failed.push(i);
          texts.push(v.message.replace(/[\r\n]+/g, " "));
          return null;
        }
        return v;
      });
      probe.answer(encodeReply(values, "replies", malformedReply), Uint32Array.from(failed), texts.join("\n"));
    }
    const name = probe.by;
    const taken = probe.sample ?? null;
    return new SlotLoad(name, taken, Float64Array.from(probe.finish()));
  } catch (e) {
    throw e instanceof Error ? e : fromWasm(e);
  } finally {
    probe?.free();
    r?.free();
  }
}

/** The masters a `CLUSTER NODES` text lists, except the node that answered. */
function otherPrimaries(text: string): string[] {
  const list = wasmOtherPrimaries(text);
  return list === "" ? [] : list.split("\n");
}

interface BufferLike {
  from(b: ArrayBufferLike, offset: number, length: number): Uint8Array;
}

/** Node's `Buffer`, where there is one (client libraries take arguments as Buffers). */
function nodeBuffer(): BufferLike | undefined {
  return (globalThis as { Buffer?: BufferLike }).Buffer;
}

function asBuffer(u: Uint8Array): Uint8Array {
  const B = nodeBuffer();
  return B === undefined ? u : B.from(u.buffer, u.byteOffset, u.byteLength);
}

function hostPort(addr: string): [string, number] {
  const i = addr.lastIndexOf(":");
  return [addr.slice(0, i).replace(/^\[|\]$/g, ""), Number(addr.slice(i + 1))];
}

/** The part of an ioredis client {@link measureLoadIORedis} uses. */
export interface IORedisLoadClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  duplicate(override?: { host?: string; port?: number; lazyConnect?: boolean }): IORedisLoadClient;
  pipeline(): { callBuffer(command: string, ...args: Uint8Array[]): unknown; exec(): Promise<[Error | null, unknown][] | null> };
  disconnect(): void;
}

/** The part of a node-redis client {@link measureLoadNodeRedis} uses. */
export interface NodeRedisLoadClient {
  sendCommand(args: (string | Uint8Array)[]): Promise<unknown>;
  duplicate(override?: { socket?: { host?: string; port?: number } }): NodeRedisLoadClient;
  withTypeMapping?(mapping: Record<number, unknown>): NodeRedisLoadClient;
  connect(): Promise<unknown>;
  destroy?(): void;
  disconnect?(): Promise<unknown>;
}

async function measured<C>(
  seed: C,
  nodes: (c: C) => Promise<string>,
  open: (addr: string) => Promise<C>,
  close: (c: C) => Promise<void> | void,
  batch: (c: C, commands: readonly Uint8Array[][]) => Promise<readonly unknown[]>,
  options: MeasureLoadOptions,
): Promise<{ layout: string; load: SlotLoad }> {
  const opened = new Map<string, Promise<C>>();
  const node = (addr: string): Promise<C> => {
    let c = opened.get(addr);
    if (c === undefined) {
      c = open(addr);
      opened.set(addr, c);
    }
    return c;
  };
  try {
    let layout = await nodes(seed);
    for (const addr of otherPrimaries(layout)) layout += await nodes(await node(addr));
    const load = await measureLoad(layout, async (addr, commands) => batch(await node(addr), commands), options);
    return { layout, load };
  } finally {
    for (const c of opened.values()) await close(await c);
  }
}

/**
 * The `CLUSTER NODES` text of every primary and the load of every slot of
 * the cluster an ioredis client (connected to any node) talks to: the
 * other primaries are asked through `client.duplicate({ host, port })`,
 * pipelined, and disconnected afterwards.
 */
export async function measureLoadIORedis(client: IORedisLoadClient, options: MeasureLoadOptions = {}): Promise<{ layout: string; load: SlotLoad }> {
  const text = (v: unknown): string => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
  return measured(
    client,
    async (c) => text(await c.call("CLUSTER", "NODES")),
    async (addr) => {
      const [host, port] = hostPort(addr);
      return client.duplicate({ host, port });
    },
    (c) => c.disconnect(),
    async (c, commands) => {
      const p = c.pipeline();
      for (const [cmd, ...args] of commands) p.callBuffer(new TextDecoder().decode(cmd), ...args.map(asBuffer));
      const out = (await p.exec()) ?? [];
      return out.map(([err, v]) => err ?? v);
    },
    options,
  );
}

/**
 * {@link measureLoadIORedis} for a node-redis client (`createClient()`,
 * connected): other primaries through `client.duplicate({ socket })`,
 * replies read as bytes, commands sent together (node-redis pipelines
 * them).
 */
export async function measureLoadNodeRedis(client: NodeRedisLoadClient, options: MeasureLoadOptions = {}): Promise<{ layout: string; load: SlotLoad }> {
  const text = (v: unknown): string => (v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v));
  // Bulk strings as bytes (RESP_TYPES.BLOB_STRING is `$`): keys need not be UTF-8.
  const bytes = (c: NodeRedisLoadClient): NodeRedisLoadClient => c.withTypeMapping?.({ 36: nodeBuffer() ?? Uint8Array }) ?? c;
  return measured(
    client,
    async (c) => text(await c.sendCommand(["CLUSTER", "NODES"])),
    async (addr) => {
      const [host, port] = hostPort(addr);
      const c = client.duplicate({ socket: { host, port } });
      await c.connect();
      return c;
    },
    async (c) => {
      if (c === client) return;
      if (c.destroy !== undefined) c.destroy();
      else await c.disconnect?.();
    },
    async (c, commands) => {
      const b = bytes(c);
      const settled = await Promise.allSettled(commands.map((argv) => b.sendCommand(argv.map(asBuffer))));
      return settled.map((s) => (s.status === "fulfilled" ? s.value : s.reason instanceof Error ? s.reason : new Error(String(s.reason))));
    },
    options,
  );
}
