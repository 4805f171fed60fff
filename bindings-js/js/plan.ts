// Resharding plans: the fewest slot moves to reach target weights, as the
// `keyroute.reshard-plan/1` JSON and as scripts, byte-identical to the CLI's.

import { Cluster } from "./cluster.js";
import { fromWasm } from "./error-classes.js";
import { invalidArgument, invalidValue } from "./argument-errors.js";
import { WasmRebalance } from "./glue.js";
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
}

/** The current layout: `CLUSTER NODES` text, a {@link Cluster}, or `{ id: [[start, end], ...] }`. */
export type Layout = string | Cluster | Readonly<Record<string, readonly (readonly [number, number])[]>>;

interface PlanJson {
  state_fingerprint: string;
  policy: { tolerance_slots: number };
  nodes: { id: string; addr: string | null; weight: string; quota: string; before: number; target: number; after: number; keys_before: number | null; keys_after_est: number | null }[];
  lower_bound_moves: number;
  moves_total: number;
  moves: { seq: number; from: string; to: string; ranges: [number, number][]; slots: number; keys_est: number | null; bytes_est: number | null }[];
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
  /** How far from its quota a node was allowed to stay, in slots. */
  readonly tolerance: number;
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
    this.tolerance = p.policy.tolerance_slots;
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
    }));
    this.moves = p.moves.map((m) => ({
      seq: m.seq,
      from: m.from,
      to: m.to,
      ranges: m.ranges,
      slots: m.slots,
      keysEst: m.keys_est,
      bytesEst: m.bytes_est,
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

function input(current: Layout): WasmRebalance {
  if (typeof current === "string") return WasmRebalance.fromClusterNodes(current);
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
    r = input(current);
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
