// The wasm side of the wrapper: the raw numeric exports, one cached view over
// their scratch buffer, and the packing of keys into it.
//
// Keys reach wasm without the glue's per-call allocate/copy/free: strings are
// written with TextEncoder.encodeInto straight into the scratch buffer, bytes
// with Uint8Array#set, and the exports take only lengths. Keys that do not fit
// the scratch buffer (64 KiB) take the glue's generic `&[u8]` functions, whose
// allocation may grow wasm memory; every view is rebuilt when that detaches it.

import { bytesSlot } from "./crc16.js";
import { asBytes } from "./argument-errors.js";

/** The raw exports of keyroute_bg.wasm the wrapper calls (see src/scratch.rs). */
export interface RawExports {
  readonly memory: WebAssembly.Memory;
  kr_scratch_ptr(): number;
  kr_scratch_cap(): number;
  kr_slot_of(len: number): number;
  kr_pattern_slot_of(len: number): number;
  kr_crc16_of(len: number): number;
  kr_tag_range(len: number): number;
  kr_batch_lens_ptr(): number;
  kr_batch_slots_ptr(): number;
  kr_batch_max(): number;
  kr_slots_of(count: number): number;
  kr_out_ptr(): number;
  kr_positions_ptr(): number;
  kr_policy_slots_ptr(): number;
}

/** The wasm-bindgen glue functions of src/slot.rs: the path for large keys. */
export interface SlotGlue {
  keySlot(key: Uint8Array): number;
  hashTag(key: Uint8Array): Uint8Array;
  patternSlot(pattern: Uint8Array): number | undefined;
  crc16(data: Uint8Array): number;
  codisSlot(key: Uint8Array): number;
  slotScheme(name: string): number;
  slotSchemeNames(): string[];
}

/** The whole glue of the full wasm (the slots wasm has only {@link SlotGlue}). */
export interface Glue extends SlotGlue {
  stageArgs(bytes: Uint8Array, lens: Uint32Array): void;
  takeError(): string;
  /** The typed error of the last failed call (takes its description). */
  error(): Error;
}

/** A wasm HashPolicy, as the batch path uses it (see src/policy.rs). */
export interface PolicyHasher {
  slotsOf(count: number, base: number): number;
  keySlot(key: Uint8Array, position: number): number;
}

/** One initialised wasm instance. */
export interface Backend {
  readonly raw: RawExports;
  readonly glue: Glue;
}

const encoder = new TextEncoder();
const EMPTY = new Uint8Array(0);

/**
 * The most bytes one call copies into wasm memory: 512 MiB, the largest key
 * Redis accepts. wasm memory is 32-bit and cannot shrink: a larger copy may
 * not fit at all (a 2 GiB key made the allocator trap) and would hold the
 * memory for good. Past it, a RangeError before anything is copied.
 */
export const MAX_INPUT_BYTES = 512 * 1024 * 1024;

/** The RangeError for `bytes` bytes of input in one call, with Node's code. */
export function tooLarge(what: string, bytes: number): RangeError {
  const err = new RangeError(
    `keyroute: ${what} is ${bytes} bytes; at most ${MAX_INPUT_BYTES} (512 MiB, the largest Redis key) ` +
      "cross into wasm in one call",
  );
  (err as RangeError & { code: string }).code = "ERR_OUT_OF_RANGE";
  return err;
}

let raw: RawExports;
let glue: Glue;
let cap = 0;
let batchMax = 0;
// Views over wasm memory. A view of a detached (grown) memory has length 0,
// which a live view never has. `length` is what is tested: on Node 20 a
// `byteLength` read cost about 10 ns more, on every call that checks.
let scratch: Uint8Array = EMPTY;
let lens: Uint32Array = new Uint32Array(0);
let slots: Uint16Array = new Uint16Array(0);
let policySlotsView: Uint16Array = new Uint16Array(0);
// The result array of src/args.rs: a Vec whose address can change, so the
// view is checked against the address after every call that fills it.
let outView: Uint32Array = new Uint32Array(0);
let outPtr = -1;
// The key position array of src/args.rs (made on first use: the slots wasm
// has none).
let positionsView: Uint32Array = new Uint32Array(0);

export function attach(backend: Backend): void {
  raw = backend.raw;
  glue = backend.glue;
  cap = raw.kr_scratch_cap() >>> 0;
  batchMax = raw.kr_batch_max() >>> 0;
  refresh();
}

function refresh(): void {
  const buf = raw.memory.buffer;
  scratch = new Uint8Array(buf, raw.kr_scratch_ptr() >>> 0, cap);
  lens = new Uint32Array(buf, raw.kr_batch_lens_ptr() >>> 0, batchMax);
  slots = new Uint16Array(buf, raw.kr_batch_slots_ptr() >>> 0, batchMax);
}

/** The policy result array (made on first use: the slots wasm has none). */
function policySlots(): Uint16Array {
  if (policySlotsView.length === 0) {
    policySlotsView = new Uint16Array(raw.memory.buffer, raw.kr_policy_slots_ptr() >>> 0, batchMax);
  }
  return policySlotsView;
}

/** The scratch buffer (rebuilt first if memory grew), for packing argument vectors. */
export function scratchBytes(): Uint8Array {
  return scratch.length === 0 ? view() : scratch;
}

/** The batch length array; valid after `scratchBytes()`. */
export function scratchLens(): Uint32Array {
  return lens;
}

/** The JSON description of the last failure (see src/errors.rs). */
export function takeError(): string {
  return glue.takeError();
}

/** Keeps a packed argv for the next call made with `staged = true`. */
export function stage(bytes: Uint8Array, lens: Uint32Array): void {
  glue.stageArgs(bytes, lens);
  view();
}

/** How many items the length array holds. */
export function batchCapacity(): number {
  return batchMax;
}

/** The first `n` numbers of the result array the last call filled. */
export function outputs(n: number): Uint32Array {
  const ptr = raw.kr_out_ptr() >>> 0;
  // A detached view has length 0, so `length < n` catches it too (n = 0 reads nothing).
  if (ptr !== outPtr || outView.length < n) {
    outView = new Uint32Array(raw.memory.buffer, ptr, Math.max(n, 1));
    outPtr = ptr;
  }
  return outView;
}

/**
 * The `n` key positions the last `CommandTable.keys` call found: the key
 * position array, or past its capacity the result array.
 */
export function positions(n: number): Uint32Array {
  if (n > batchMax) return outputs(n);
  if (positionsView.length === 0) {
    positionsView = new Uint32Array(raw.memory.buffer, raw.kr_positions_ptr() >>> 0, batchMax);
  }
  return positionsView;
}

/** The scratch view, rebuilt first if memory grew since it was made. */
function view(): Uint8Array {
  if (scratch.length === 0) refresh();
  return scratch;
}

/**
 * UTF-8 bytes of a key, as a client sends them, for the glue's copying
 * functions: a RangeError past {@link MAX_INPUT_BYTES}.
 */
export function utf8(key: string | Uint8Array, what = "key"): Uint8Array {
  // Every UTF-16 unit is at least one byte.
  if (key.length > MAX_INPUT_BYTES) throw tooLarge(what, key.length);
  const bytes = typeof key === "string" ? encoder.encode(key) : key;
  if (bytes.length > MAX_INPUT_BYTES) throw tooLarge(what, bytes.length);
  return bytes;
}

/**
 * Writes `key` to the start of the scratch buffer and returns its length in
 * bytes, or -1 if it does not fit.
 */
export function load(key: string | Uint8Array): number {
  const v = view();
  if (typeof key === "string") {
    // Every UTF-16 unit is at least one byte, so a longer string cannot fit.
    if (key.length > cap) return -1;
    const r = encoder.encodeInto(key, v);
    return r.read === key.length ? r.written : -1;
  }
  if (key.length > cap) return -1;
  v.set(key);
  return key.length;
}

export function keySlot(key: string | Uint8Array): number {
  const len = load(key);
  return len >= 0 ? raw.kr_slot_of(len) : glue.keySlot(utf8(key));
}

export function patternSlot(pattern: string | Uint8Array): number | null {
  const len = load(pattern);
  if (len >= 0) {
    const slot = raw.kr_pattern_slot_of(len);
    return slot < 0 ? null : slot;
  }
  return glue.patternSlot(utf8(pattern)) ?? null;
}

/** The Codis slot of `key`. */
export function codisSlot(key: string | Uint8Array): number {
  return glue.codisSlot(utf8(key));
}

/** The position of the slot scheme `name` in the core's list, or -1; and the list. */
export function slotScheme(name: string): number {
  return glue.slotScheme(name);
}

export function slotSchemeNames(): string[] {
  return glue.slotSchemeNames();
}

export function crc16(data: string | Uint8Array): number {
  const len = load(data);
  return len >= 0 ? raw.kr_crc16_of(len) : glue.crc16(utf8(data));
}

export function hashTag(key: string | Uint8Array): Uint8Array {
  const len = load(key);
  if (len < 0) return glue.hashTag(utf8(key));
  const range = raw.kr_tag_range(len);
  const start = Math.floor(range / 4294967296);
  // slice() copies out of wasm memory into a plain Uint8Array.
  return scratch.slice(start, range - start * 4294967296);
}

/**
 * Fills `out[i]` with the slot of `keys[i]`. Strings are packed back to back
 * into the scratch buffer and hashed with one wasm call per pack: that beats
 * hashing them one by one in JS (measured: 57-72 against 72-108 ns/key on the
 * shared corpus, and more as the core's wasm gets faster). Short byte keys
 * are hashed in JS where they stand: copying them into wasm memory costs as
 * much as hashing them (Uint8Array#set is a builtin call per key).
 */
export function keySlots(
  keys: ArrayLike<unknown>,
  out: Uint16Array,
  bytesJsMax: number,
  policy: PolicyHasher | null = null,
): void {
  view();
  hasher = policy;
  if (policy !== null) bytesJsMax = -1; // the JS CRC knows only the hash-tag rule
  const n = keys.length;
  let i = 0;
  while (i < n) {
    const k = keys[i];
    if (typeof k === "string") {
      const next = packAscii(keys, i, out);
      i = next > i ? next : packAny(keys, i, out);
    } else if (k instanceof Uint8Array && k.length <= bytesJsMax) {
      out[i++] = bytesSlot(k);
    } else {
      i = packAny(keys, i, out);
    }
  }
}

/**
 * The fast path for a run of strings: concatenate them and encode the result
 * with a single encodeInto (one call instead of one per key, and no
 * per-key subarray). If every unit was ASCII, the byte length of each key is
 * its string length. Returns the index after the run, or `from` if the run
 * had non-ASCII text and must be packed key by key.
 */
function packAscii(keys: ArrayLike<unknown>, from: number, out: Uint16Array): number {
  const end = Math.min(keys.length, from + batchMax);
  let joined = "";
  let total = 0;
  let j = from;
  for (; j < end; j++) {
    const k = keys[j];
    if (typeof k !== "string" || total + k.length > cap) break;
    lens[j - from] = k.length;
    total += k.length;
    joined += k;
  }
  if (j === from) return from;
  const r = encoder.encodeInto(joined, scratch);
  if (r.read !== joined.length || r.written !== total) return from;
  flush(from, j - from, out);
  return j;
}

/**
 * The general path: packs strings (encodeInto at an offset) and bytes (`set`)
 * until the scratch buffer is full. A key too large for the buffer on its own
 * goes through the glue. Returns the index after the last key handled.
 */
function packAny(keys: ArrayLike<unknown>, from: number, out: Uint16Array): number {
  const end = Math.min(keys.length, from + batchMax);
  let off = 0;
  let j = from;
  for (; j < end; j++) {
    const k = keys[j];
    let len: number;
    if (typeof k === "string") {
      if (k.length > cap - off) break;
      const r = encoder.encodeInto(k, off === 0 ? scratch : scratch.subarray(off));
      if (r.read !== k.length) break;
      len = r.written;
    } else {
      // The message is built only on failure: a template per key costs more
      // than hashing the key.
      const u = k instanceof Uint8Array ? k : asBytes(k, keyName(j));
      if (u.length > cap - off) break;
      scratch.set(u, off);
      len = u.length;
    }
    lens[j - from] = len;
    off += len;
  }
  if (j > from) {
    flush(from, j - from, out);
    return j;
  }
  // keys[from] alone is larger than the scratch buffer.
  const k = keys[from] as string | Uint8Array;
  out[from] = hasher === null ? glue.keySlot(utf8(k)) : checked(hasher.keySlot(utf8(k), from));
  view();
  return from + 1;
}

function keyName(index: number): string {
  return `keys[${index}]`;
}

/** The policy of the keySlots call under way, if any. */
let hasher: PolicyHasher | null = null;

/** `result`, unless it is the -1 of a failed call: then its typed error. */
export function checked(result: number): number {
  if (result < 0) throw glue.error();
  return result;
}

function flush(from: number, count: number, out: Uint16Array): void {
  if (hasher !== null) {
    checked(hasher.slotsOf(count, from));
    view(); // the call may have grown memory
    out.set(policySlots().subarray(0, count), from);
    return;
  }
  const done = raw.kr_slots_of(count);
  if (done !== count) throw new Error(`keyroute: internal error: batch hashed ${done} of ${count} keys`);
  out.set(count === slots.length ? slots : slots.subarray(0, count), from);
}
