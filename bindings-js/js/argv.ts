// Argument vectors and key lists into wasm memory.
//
// An argv that fits is written straight into the scratch buffer (one
// encodeInto for an all-ASCII argv of strings, joined), its lengths into the
// batch length array, and the call takes only the count. A larger one is
// packed into a fresh buffer and staged through the glue (src/args.rs).

import { asBytes, invalidArgument } from "./argument-errors.js";
import * as wasm from "./wasm.js";

/** A command argument or key: a string (sent as UTF-8) or raw bytes. */
export type Item = string | Uint8Array;

const encoder = new TextEncoder();

/** `value` if it is an array, else the `TypeError` for `what`. */
export function checkArray(value: unknown, what: string): readonly unknown[] {
  if (Array.isArray(value)) return value;
  throw invalidArgument(what, "an array of strings or Uint8Arrays", value);
}

function itemName(what: string, i: number): string {
  return `${what}[${i}]`;
}

/**
 * Loads `argv` for the next call: returns whether it was staged (too large
 * for the scratch buffer). Every item is checked: a string or a Uint8Array.
 */
export function load(argv: readonly unknown[], what: string): boolean {
  if (argv.length <= wasm.batchCapacity()) {
    const joined = argv.length >= JOIN_MIN_ITEMS ? joinedIntoScratch(argv) : NOT_JOINED;
    if (joined === JOINED) return false;
    // Strings of more units than the buffer has bytes cannot fit: not
    // copied there first only to be packed again.
    if (joined !== TOO_LARGE && intoScratch(argv, what)) return false;
  }
  const { bytes, lens } = pack(argv, what);
  wasm.stage(bytes, lens);
  return true;
}

// Strings up to this many UTF-16 units are copied with a charCodeAt loop
// when ASCII: a builtin encodeInto call (and the subarray it needs at an
// offset) costs more than copying a few dozen characters.
const ASCII_LOOP_MAX = 64;

// From this many characters in all, an argv of ASCII strings goes in with
// one encodeInto of the items joined: the engine copies each string whole,
// where the charCodeAt loop pays per character. Below it the loop wins
// (measured on Node 20: for commands of 8-9 items and ~35 characters the
// loop took half the time of the join; from ~100 characters the join
// wins, 1.6x at 64 keys of 13 characters, 2x for an MGET of 1000).
const JOIN_MIN_CHARS = 128;
// Only argvs of this many items are looked at for it, so that a command's
// argv (a few items) pays no extra pass.
const JOIN_MIN_ITEMS = 16;

const JOINED = 0;
const NOT_JOINED = 1;
const TOO_LARGE = 2;

/**
 * An argv of strings only, all ASCII, into the scratch buffer with one
 * encodeInto (JOINED); NOT_JOINED (nothing promised about the buffer) for
 * anything else, and for an argv shorter than JOIN_MIN_CHARS; TOO_LARGE
 * for strings of more UTF-16 units in all than the buffer has bytes.
 */
function joinedIntoScratch(argv: readonly unknown[]): number {
  const bytes = wasm.scratchBytes();
  const lens = wasm.scratchLens();
  const n = argv.length;
  let total = 0;
  for (let j = 0; j < n; j++) {
    const a = argv[j];
    if (typeof a !== "string") return NOT_JOINED;
    lens[j] = a.length;
    total += a.length;
  }
  if (total > bytes.length) return TOO_LARGE;
  if (total < JOIN_MIN_CHARS) return NOT_JOINED;
  // A rope, flattened once by encodeInto (measured faster than join("")).
  let joined = "";
  for (let j = 0; j < n; j++) joined += argv[j] as string;
  const r = encoder.encodeInto(joined, bytes);
  // Every unit read and one byte each: all ASCII, so each item's byte
  // length is its string length.
  return r.read === total && r.written === total ? JOINED : NOT_JOINED;
}

function intoScratch(argv: readonly unknown[], what: string): boolean {
  const bytes = wasm.scratchBytes();
  const lens = wasm.scratchLens();
  const cap = bytes.length;
  const n = argv.length;
  let off = 0;
  for (let j = 0; j < n; j++) {
    const a = argv[j];
    let len: number;
    if (typeof a === "string") {
      len = a.length;
      if (len > cap - off) return false;
      // One test per item, not per character: the units are copied (a
      // Uint8Array keeps the low byte of each) and OR-ed together; a
      // non-ASCII item is then written again by encodeInto.
      let wide = 0x80;
      if (len <= ASCII_LOOP_MAX) {
        wide = 0;
        for (let i = 0; i < len; i++) {
          const c = a.charCodeAt(i);
          wide |= c;
          bytes[off + i] = c;
        }
      }
      if (wide > 0x7f) {
        const r = encoder.encodeInto(a, bytes.subarray(off));
        if (r.read !== len) return false;
        len = r.written;
      }
    } else {
      const u = a instanceof Uint8Array ? a : asBytes(a, itemName(what, j));
      len = u.length;
      if (len > cap - off) return false;
      if (len <= ASCII_LOOP_MAX) for (let i = 0; i < len; i++) bytes[off + i] = u[i];
      else bytes.set(u, off);
    }
    lens[j] = len;
    off += len;
  }
  return true;
}

/**
 * Every item packed back to back into a new buffer, with their lengths:
 * for the glue's `&[u8]` parameters (large argvs, key lists of any size).
 */
export function pack(items: readonly unknown[], what: string): { bytes: Uint8Array; lens: Uint32Array } {
  const n = items.length;
  const lens = new Uint32Array(n);
  let bound = 0;
  let strings = true;
  for (let i = 0; i < n; i++) {
    const a = items[i];
    if (typeof a === "string") {
      bound += a.length;
    } else {
      strings = false;
      bound += (a instanceof Uint8Array ? a : asBytes(a, itemName(what, i))).length;
    }
  }
  // Every UTF-16 unit is at least one byte: refused before anything is made.
  if (bound > wasm.MAX_INPUT_BYTES) throw wasm.tooLarge(what, bound);
  if (strings) {
    // Text: try it as ASCII with one encodeInto for the lot.
    const joined = items.join("");
    const bytes = new Uint8Array(bound);
    const r = encoder.encodeInto(joined, bytes);
    if (r.read === joined.length && r.written === bound) {
      for (let i = 0; i < n; i++) lens[i] = (items[i] as string).length;
      return { bytes, lens };
    }
  }
  // UTF-8 takes at most three bytes per UTF-16 unit.
  let cap = 0;
  for (let i = 0; i < n; i++) {
    const a = items[i];
    cap += typeof a === "string" ? 3 * a.length : (a as Uint8Array).length;
  }
  const bytes = new Uint8Array(cap);
  let off = 0;
  for (let i = 0; i < n; i++) {
    const a = items[i] as Item;
    const start = off;
    if (typeof a === "string") {
      off += encoder.encodeInto(a, bytes.subarray(off)).written;
    } else {
      bytes.set(a, off);
      off += a.length;
    }
    lens[i] = off - start;
  }
  if (off > wasm.MAX_INPUT_BYTES) throw wasm.tooLarge(what, off);
  return { bytes: bytes.subarray(0, off), lens };
}
