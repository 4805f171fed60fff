// Commands: which arguments are keys, whether they share a slot, where the
// command goes and how to split it, over the core's command table.

import { checkArray, load, pack } from "./argv.js";
import type { Item } from "./argv.js";
import type { Cluster, Node, RouteOptions } from "./cluster.js";
import { CommandError, fromWasm } from "./error-classes.js";
import { asBytes, invalidValue } from "./argument-errors.js";
import { WasmCommandTable } from "./glue.js";
import { HashPolicy, optionalPolicy } from "./policy.js";
import { encodeReply } from "./reply.js";
import { keySlot } from "./slot.js";
import { checkReady, disposable } from "./state.js";
import * as wasm from "./wasm.js";

import type { Argv } from "./types.js";

export type { Argv };

/**
 * `"routing"`: the keys cluster routing and CROSSSLOT use (the server's
 * getkeys procedures, sharded Pub/Sub channels included); `"keyspecs"`: what
 * `COMMAND GETKEYS` answers, with its two extra refusals.
 */
export type Mode = "routing" | "keyspecs";

/** Options of the key extraction functions. */
export interface KeyOptions {
  /** Default `"routing"`. */
  mode?: Mode;
}

/** Options of the module-level command functions. */
export interface CommandOptions extends KeyOptions {
  /** Hash keys by this policy instead of the open-source hash-tag rule. */
  policy?: HashPolicy | null;
}

/** A key argument: its position in argv and how the command uses it. */
export interface KeyPosition {
  readonly position: number;
  /** Key flags as `COMMAND GETKEYSANDFLAGS` names them (`RO`, `access`...); empty in routing mode. */
  readonly flags: readonly string[];
}

/** Where to send a command. */
export interface RoutePlan {
  /**
   * `slot`: the node serving `slot`; `any_node`: no keys, any node;
   * `all_primaries` / `all_nodes`: every primary / node (`request_policy`);
   * `multi_shard`: keys in several slots, see {@link split}; `special`: the
   * command needs its own handling.
   */
  readonly target: "slot" | "any_node" | "all_primaries" | "all_nodes" | "multi_shard" | "special";
  /** The slot, when `target` is `"slot"`. */
  readonly slot: number | null;
  /** How to combine replies from several nodes (the `response_policy` tip). */
  readonly response:
    | "one_succeeded"
    | "all_succeeded"
    | "agg_logical_and"
    | "agg_logical_or"
    | "agg_min"
    | "agg_max"
    | "agg_sum"
    | "special"
    | null;
}

/** One per-slot sub-command of a {@link Split}. */
export interface SplitPart {
  readonly slot: number;
  /** The sub-command: the original arguments (same objects), name first. */
  readonly argv: (string | Uint8Array)[];
  /** For each key of the part, its ordinal among the original command's keys. */
  readonly keys: number[];
}

// The wire codes of src/command.rs, named as the core names them
// (Route::as_str, ResponsePolicy::as_str, Merge::as_str).
const TARGETS = ["slot", "any_node", "all_primaries", "all_nodes", "multi_shard", "special"] as const;
const RESPONSES = [null, "one_succeeded", "all_succeeded", "agg_logical_and", "agg_logical_or", "agg_min", "agg_max", "agg_sum", "special"] as const;
const MERGES = ["by_key_position", "sum", "all_ok", "single"] as const;
const NO_KEYS = 16384;

/**
 * A command broken into per-slot parts, and how to put the replies back:
 * `by_key_position` (MGET: element `i` of part `p` goes to `parts[p].keys[i]`),
 * `sum` (DEL, EXISTS, UNLINK, TOUCH), `all_ok` (MSET), `single` (not split).
 */
export class Split {
  /** @internal */
  constructor(
    readonly parts: SplitPart[],
    readonly merge: "by_key_position" | "sum" | "all_ok" | "single",
    readonly keyCount: number,
  ) {}

  /**
   * The parts grouped by the node serving their slot, in order of first
   * appearance: send each node its parts (as separate commands) in one pipeline.
   */
  byNode(cluster: Cluster, options?: RouteOptions): { node: Node; parts: number[] }[] {
    const slots = Uint16Array.from(this.parts, (p) => p.slot);
    let flat: Uint32Array;
    try {
      flat = cluster._map.splitByNode(slots, cluster._readFrom(options));
    } catch (e) {
      throw fromWasm(e);
    }
    const out: { node: Node; parts: number[] }[] = [];
    for (let i = 0; i < flat.length; i += 2 + flat[i + 1]) {
      const node = flat[i];
      const replica = cluster._info[node].role === "replica" ? 1 : 0;
      out.push({ node: cluster._node(2 * node + replica), parts: Array.from(flat.subarray(i + 2, i + 2 + flat[i + 1])) });
    }
    return out;
  }
}

/**
 * Where a command's routing keys are, as src/command.rs `keyShapes` lists
 * them from the core's table (the core's `KeyShape`, read by the core too):
 * this side reads that data and never names a command itself.
 */
interface Shape {
  readonly arity: number;
  /**
   * 0: keys at `a`, `a + c`, ... up to `b` (negative: from the end), none
   * when `a` is 0 or a position is past the end; 1: a count at `a`, then
   * that many keys from `b`, then the destination at `c` (0: none); 2: only
   * the core can say.
   */
  readonly kind: number;
  readonly a: number;
  readonly b: number;
  readonly c: number;
  /** A container's subcommands, which argv[1] picks; null for any other command. */
  readonly sub: Shapes | null;
}

/**
 * Commands by lower- and upper-case name: an object without prototype
 * (measured faster to look up than a Map, and only own names are found).
 */
type Shapes = Record<string, Shape | undefined>;

function shapesObject(): Shapes {
  return Object.create(null) as Shapes;
}

const RANGE = 0;
const NUMKEYS = 1;

function parseShapes(text: string): Shapes {
  const top = shapesObject();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const f = line.split(" ");
    const bar = f[0].indexOf("|");
    const shape: Shape = {
      arity: +f[1],
      sub: f[2] === "1" ? shapesObject() : null,
      kind: +f[3],
      a: +f[4],
      b: +f[5],
      c: +f[6],
    };
    // Names are lower-case ASCII: upper-casing them changes only a-z.
    const key = f[0].slice(bar + 1);
    const map = bar < 0 ? top : top[f[0].slice(0, bar)]?.sub;
    if (map) {
      map[key] = shape;
      map[key.toUpperCase()] = shape;
    }
  }
  return top;
}

let builtinShapes: Shapes | null = null;

/** `s` with ASCII letters lower-cased, as the core folds names; `""` if `s` is not ASCII. */
function lowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return "";
  return s.toLowerCase();
}

/**
 * A count of one to nine ASCII digits, which C `atoi` reads as written; -1
 * for anything else (signs, spaces, NUL, overflow...), which the core reads.
 */
function plainCount(a: string | Uint8Array): number {
  const n = a.length;
  if (n === 0 || n > 9) return -1;
  let v = 0;
  if (typeof a === "string") {
    for (let i = 0; i < n; i++) {
      const d = a.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
  } else {
    for (let i = 0; i < n; i++) {
      const d = a[i] - 48;
      if (d < 0 || d > 9) return -1;
      v = v * 10 + d;
    }
  }
  return v;
}

// The key positions of a shape, as `(first, last, step)` of an arithmetic
// run and an optional destination after it: set by `positions` for the
// caller to read, so that neither commandKeys nor check allocates for them.
let runFirst = 0;
let runLast = -1;
let runStep = 1;
let runStore = 0;

/**
 * Sets the run of key positions of `list` by `shape` (an empty run when it
 * has none); false when only the core can read them (a count that is not
 * plain digits).
 */
function positions(shape: Shape, list: readonly unknown[]): boolean {
  const argc = list.length;
  runStore = 0;
  if (shape.kind === RANGE) {
    const first = shape.a;
    const step = shape.c > 1 ? shape.c : 1;
    const last = shape.b < 0 ? argc + shape.b : shape.b;
    // The last position the run reaches; past the end means no keys at all.
    const end = first + Math.floor((last - first) / step) * step;
    if (first === 0 || last < first || end >= argc) {
      runLast = -1;
      return true;
    }
    runFirst = first;
    runLast = end;
    runStep = step;
    return true;
  }
  const at = list[shape.a] as string | Uint8Array | undefined;
  const num = at === undefined ? 0 : plainCount(at);
  if (num < 0) return false;
  runStep = 1;
  if (num < 1 || num > argc - shape.b) {
    runLast = -1;
    return true;
  }
  runFirst = shape.b;
  runLast = shape.b + num - 1;
  runStore = shape.c;
  return true;
}

/** The keys of `list` at the run `positions` set. */
function runKeys(list: readonly unknown[]): Item[] {
  if (runLast < 0) return [];
  // One key (GET, SET...): a literal, cheaper than a push.
  if (runLast === runFirst && runStore === 0) return [list[runFirst] as Item];
  const keys: Item[] = [];
  for (let j = runFirst; j <= runLast; j += runStep) keys.push(list[j] as Item);
  if (runStore !== 0) keys.push(list[runStore] as Item);
  return keys;
}

function modeCode(options: KeyOptions | undefined): number {
  const mode = options?.mode;
  if (mode === undefined || mode === "routing") return 0;
  if (mode === "keyspecs") return 1;
  throw invalidValue("options.mode", '"routing" or "keyspecs"', mode);
}

function malformedCommand(at: string, problem: string): Error {
  const err = new CommandError(`keyroute: malformed COMMAND reply at ${at}: ${problem}`, "ERR_KEYROUTE_COMMAND_MALFORMED_REPLY");
  return Object.assign(err, { at, expected: "a reply value" });
}

/**
 * Every command the router knows: the built-in table of every Redis 7.2 /
 * Valkey 8 command and subcommand plus later ones, extensible with module
 * commands from a live `COMMAND` reply. Holds wasm memory: `free()` it when
 * done (or let the garbage collector do it).
 */
export class CommandTable {
  /** @internal */
  readonly _table: WasmCommandTable;
  /** @internal */
  readonly _policy: HashPolicy | null;

  /** @internal Whether the table is still the built-in one (no commands added). */
  _builtin = true;
  /** @internal Every command's key shape, read from the table on first use. */
  _shapes: Shapes | null = null;
  /** @internal Whether commands with a key shape are answered without a wasm call. */
  _useShapes = true;

  /** The built-in table; with `policy`, keys are checked by that policy. */
  constructor(options?: { policy?: HashPolicy | null }) {
    checkReady();
    this._policy = optionalPolicy(options?.policy, "options.policy");
    this._table = new WasmCommandTable();
    if (this._policy !== null) this._table.setPolicy(this._policy._inner);
  }

  /** The hashing policy keys are checked with (`null`: the open-source rule). */
  get policy(): HashPolicy | null {
    return this._policy;
  }

  /** How many top-level commands the table knows. */
  get size(): number {
    return this._table.size;
  }

  /** Whether the table knows a top-level command of this name (any case). */
  has(name: string | Uint8Array): boolean {
    return this._table.has(wasm.utf8(typeof name === "string" ? name : asBytes(name, "name")));
  }

  /**
   * @internal The key shape of `list`'s command if this side can read it
   * and the core would answer without an error (known command, right
   * arity, every argument a string or a Uint8Array); else null.
   */
  _shape(list: readonly unknown[]): Shape | null {
    const argc = list.length;
    const name = list[0];
    if (argc === 0 || typeof name !== "string" || !this._useShapes) return null;
    let shapes = this._shapes;
    if (shapes === null) {
      if (this._builtin) shapes = builtinShapes ??= parseShapes(this._table.keyShapes());
      else shapes = parseShapes(this._table.keyShapes());
      this._shapes = shapes;
    }
    let cmd = shapes[name] ?? shapes[lowerAscii(name)];
    if (cmd === undefined) return null;
    if (cmd.sub !== null) {
      const sub = list[1];
      if (argc === 1 || typeof sub !== "string") return null;
      cmd = cmd.sub[sub] ?? cmd.sub[lowerAscii(sub)];
      if (cmd === undefined) return null;
    }
    if (cmd.kind > NUMKEYS || (cmd.arity > 0 ? argc !== cmd.arity : argc < -cmd.arity)) return null;
    for (let i = 1; i < argc; i++) {
      const a = list[i];
      if (typeof a !== "string" && !(a instanceof Uint8Array)) return null;
    }
    return cmd;
  }

  /** @internal The typed error of the failed call on `list`. */
  _error(list: readonly unknown[]): Error {
    return fromWasm(wasm.takeError(), (_, p) => list[p] as Item);
  }

  /**
   * The key arguments of `argv` (the same objects), in the order the server
   * finds them.
   * @throws {UnknownCommandError | WrongArityError} as the server would;
   *   in keyspecs mode also {@link NoKeyArgumentsError} and {@link InvalidArgumentsError}.
   */
  commandKeys(argv: Argv, options?: KeyOptions): (string | Uint8Array)[] {
    // The common call first, small enough for the engine to inline.
    if (options === undefined && Array.isArray(argv)) {
      const shape = this._shape(argv);
      if (shape !== null && positions(shape, argv)) return runKeys(argv);
      return this._coreKeys(argv, 0);
    }
    return this._commandKeys(argv, options);
  }

  /** @internal The routing (`mode` 0) or key-spec (1) keys of `list`, by the core. */
  _coreKeys(list: readonly unknown[], mode: number): (string | Uint8Array)[] {
    const n = this._table.keys(list.length, load(list, "argv"), mode);
    if (n < 0) throw this._error(list);
    const out = wasm.positions(n);
    // Up to two keys (the keyword commands' usual answer): a literal, cheaper
    // than an array made and then filled.
    if (n === 1) return [list[out[0]] as Item];
    if (n === 2) return [list[out[0]] as Item, list[out[1]] as Item];
    const keys = new Array<string | Uint8Array>(n);
    for (let i = 0; i < n; i++) keys[i] = list[out[i]] as Item;
    return keys;
  }

  /** @internal {@link commandKeys}, every other case. */
  _commandKeys(argv: Argv, options: KeyOptions | undefined): (string | Uint8Array)[] {
    const mode = options === undefined ? 0 : modeCode(options);
    const list = checkArray(argv, "argv");
    const shape = mode === 0 ? this._shape(list) : null;
    if (shape !== null && positions(shape, list)) return runKeys(list);
    return this._coreKeys(list, mode);
  }

  /** Positions and flags of the key arguments of `argv`. */
  commandKeyPositions(argv: Argv, options?: KeyOptions): KeyPosition[] {
    const mode = modeCode(options);
    const list = checkArray(argv, "argv");
    let json: string;
    try {
      json = this._table.keysWithFlags(list.length, load(list, "argv"), mode);
    } catch (e) {
      throw fromWasm(e);
    }
    return (JSON.parse(json) as [number, string[]][]).map(([position, flags]) => ({ position, flags }));
  }

  /**
   * The one slot all keys of `argv` share, or `null` when it has none (any
   * node serves it).
   * @throws {CrossSlotError} naming the first key and the first key in another slot.
   */
  check(argv: Argv): number | null {
    const list = checkArray(argv, "argv");
    const shape = this._policy === null ? this._shape(list) : null;
    if (shape !== null && positions(shape, list)) {
      if (runLast < 0) return null;
      const slot = keySlot(list[runFirst] as Item);
      for (let j = runFirst + runStep; j <= runLast; j += runStep) {
        if (keySlot(list[j] as Item) !== slot) return this._check(list); // CROSSSLOT, from the core
      }
      if (runStore !== 0 && keySlot(list[runStore] as Item) !== slot) return this._check(list);
      return slot;
    }
    return this._check(list);
  }

  /** @internal {@link check} by the core. */
  _check(list: readonly unknown[]): number | null {
    const n = this._table.check(list.length, load(list, "argv"));
    if (n < 0) throw this._error(list);
    return n === NO_KEYS ? null : n;
  }

  /**
   * {@link check} for a MULTI/EXEC block: every key of every command must
   * share one slot, as EXEC requires.
   * @throws {CrossSlotTransactionError} with `[command, position]` of both keys.
   */
  checkTransaction(commands: readonly Argv[]): number | null {
    const list = checkArray(commands, "commands");
    const counts = new Uint32Array(list.length);
    const flat: unknown[] = [];
    list.forEach((argv, c) => {
      const items = checkArray(argv, `commands[${c}]`);
      items.forEach((a, j) => flat.push(typeof a === "string" ? a : asBytes(a, `commands[${c}][${j}]`)));
      counts[c] = items.length;
    });
    const { bytes, lens } = pack(flat, "commands");
    const n = this._table.checkTransaction(bytes, lens, counts);
    if (n < 0) throw fromWasm(wasm.takeError(), (c, p) => (list[c] as Argv)[p]);
    return n === NO_KEYS ? null : n;
  }

  /** Where `argv` goes, and how to combine replies from several nodes. */
  route(argv: Argv): RoutePlan {
    const list = checkArray(argv, "argv");
    if (this._table.route(list.length, load(list, "argv")) < 0) throw this._error(list);
    const [t, slot, r] = wasm.outputs(3);
    return { target: TARGETS[t], slot: t === 0 ? slot : null, response: RESPONSES[r] };
  }

  /**
   * `argv` broken into one command per slot (MGET, MSET, DEL, EXISTS, UNLINK,
   * TOUCH), or whole when its keys share a slot.
   * @throws {NotSplittableError} for a command whose atomicity a split would
   *   break (MSETNX...), {@link CrossSlotError} never.
   */
  split(argv: Argv): Split {
    const list = checkArray(argv, "argv");
    const n = this._table.split(list.length, load(list, "argv"));
    if (n < 0) throw this._error(list);
    const o = wasm.outputs(n);
    const parts: SplitPart[] = [];
    let i = 3;
    for (let p = 0; p < o[2]; p++) {
      const slot = o[i];
      const args = Array.from(o.subarray(i + 2, i + 2 + o[i + 1]), (j) => list[j] as Item);
      i += 2 + o[i + 1];
      const keys = Array.from(o.subarray(i + 1, i + 1 + o[i]));
      i += 1 + o[i];
      parts.push({ slot, argv: args, keys });
    }
    return new Split(parts, MERGES[o[0]], o[1]);
  }

  /**
   * Adds the commands of a raw `COMMAND` (or `COMMAND INFO`) reply the table
   * does not know, such as module commands; returns how many were added.
   * @throws {CommandError} (code `ERR_KEYROUTE_MALFORMED_REPLY`) naming the bad part.
   */
  extendFromCommandReply(reply: unknown): number {
    const resp = encodeReply(reply, "COMMAND", malformedCommand);
    try {
      return this._table.extendFromCommandReply(resp);
    } catch (e) {
      throw fromWasm(e);
    } finally {
      this._builtin = false;
      this._shapes = null;
    }
  }

  /** Releases the wasm memory now; the table cannot be used afterwards. */
  /**
   * `free()`, for `using` (TypeScript 5.2+; defined where the engine has
   * `Symbol.dispose`): `using table = new CommandTable();` frees the
   * wasm memory at the end of the block.
   */
  declare [Symbol.dispose]: () => void;

  free(): void {
    this._table.free();
  }
}
disposable(CommandTable);

let builtin: CommandTable | null = null;
const byPolicy = new WeakMap<HashPolicy, CommandTable>();

/** The table for module-level calls: the built-in one, or one per policy. */
function table(options: CommandOptions | undefined): CommandTable {
  checkReady();
  const policy = options === undefined ? null : optionalPolicy(options.policy, "options.policy");
  if (policy === null) return (builtin ??= new CommandTable());
  let t = byPolicy.get(policy);
  if (t === undefined) byPolicy.set(policy, (t = new CommandTable({ policy })));
  return t;
}

/** {@link CommandTable.commandKeys} over the built-in table. */
export function commandKeys(argv: Argv, options?: CommandOptions): (string | Uint8Array)[] {
  // `builtin` exists only once the module is ready.
  if (options === undefined && builtin !== null) return builtin.commandKeys(argv);
  return table(options).commandKeys(argv, options);
}

/** {@link CommandTable.commandKeyPositions} over the built-in table. */
export function commandKeyPositions(argv: Argv, options?: CommandOptions): KeyPosition[] {
  return table(options).commandKeyPositions(argv, options);
}

/** {@link CommandTable.check} over the built-in table. */
export function check(argv: Argv, options?: { policy?: HashPolicy | null }): number | null {
  if (options === undefined && builtin !== null) return builtin.check(argv);
  return table(options).check(argv);
}

/** {@link CommandTable.checkTransaction} over the built-in table. */
export function checkTransaction(commands: readonly Argv[], options?: { policy?: HashPolicy | null }): number | null {
  return table(options).checkTransaction(commands);
}

/** {@link CommandTable.route} over the built-in table. */
export function route(argv: Argv, options?: { policy?: HashPolicy | null }): RoutePlan {
  return table(options).route(argv);
}

/** {@link CommandTable.split} over the built-in table. */
export function split(argv: Argv, options?: { policy?: HashPolicy | null }): Split {
  return table(options).split(argv);
}
