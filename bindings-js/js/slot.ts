// The slot functions: keySlot, keySlots, hashTag, patternSlot, crc16. The
// `keyroute` and `keyroute/slots` entries both export these, each bundle over
// its own wasm; neither imports policy.ts here (only its type), so the slots
// entry does not pull in the full wasm's glue.

import { bytesSlot, stringSlot, textSlot } from "./crc16.js";
import { asBytes, invalidArgument, invalidValue } from "./argument-errors.js";
import * as wasm from "./wasm.js";
import type { HashPolicy } from "./policy.js";
import { initialised, notReady } from "./state.js";

import type { Key } from "./types.js";

export type { Key };

/** Options of {@link keySlot} and {@link keySlots}. */
export interface SlotOptions {
  /** Hash keys by this policy instead of the open-source hash-tag rule. */
  policy?: HashPolicy | null;
  /**
   * The slot scheme: `"redis-cluster"` (the default: CRC-16 mod 16384) or
   * `"codis"` (CRC-32 of the tag or key mod 1024, empty tags allowed).
   */
  scheme?: "redis-cluster" | "codis";
}

/** Whether `options` asks for Codis slots (the core parses the name). */
function codis(options: SlotOptions | undefined): boolean {
  const scheme = options?.scheme;
  if (scheme === undefined) return false;
  const at = typeof scheme === "string" ? wasm.slotScheme(scheme) : -1;
  if (at < 0) throw invalidValue("options.scheme", `one of ${wasm.slotSchemeNames().map((n) => JSON.stringify(n)).join(", ")}`, scheme);
  if (at === 0) return false;
  if (options?.policy !== undefined && options.policy !== null) {
    throw invalidArgument("options", "a policy or a scheme, not both (a policy applies to Redis Cluster slots)", options);
  }
  return true;
}

/** The number of hash slots in a Redis or Valkey Cluster. */
export const SLOT_COUNT = 16384;

// Short keys are hashed in JS, longer ones in wasm. Moving a key into wasm
// memory has a fixed cost (TextEncoder.encodeInto ~40-100 ns; Uint8Array#set
// plus the call ~30 ns) larger than hashing a few dozen characters in JS,
// while the wasm CRC costs less per byte. Measured on Node 20 on this
// project's 2-vCPU machines: for keys without a tag the two cross at 64-96
// UTF-16 units for strings (JS reads them with charCodeAt) and at ~40 bytes
// for byte keys; with a tag, JS reads only up to the `}`, so on the shared
// corpus (keys of 10-40 bytes, 60% tagged) a 64-byte limit for byte keys beat
// a 32-byte one (1.1-1.3x against cluster-key-slot instead of 1.0-1.1x).
// A short string that is not all ASCII is hashed here too, over the UTF-8
// bytes TextEncoder would write for it, computed unit by unit (textSlot in
// crc16.ts; proven equal to TextEncoder on random strings, lone surrogates
// included): faster than encodeInto into a buffer and the byte CRC, which
// in turn beat the trip through wasm memory (75-80 ns a key against
// 105-110, on the corpus with one non-ASCII character per key).
const STRING_JS_MAX = 64;
const BYTES_JS_MAX = 64;

/**
 * What a HashPolicy lends the slot functions, under a registry symbol on its
 * prototype (set by policy.ts): the slots entry then takes the main entry's
 * policies, hashed by the main entry's wasm. @internal
 */
export const POLICY_SLOTS: unique symbol = Symbol.for("keyroute.policySlots");

/** @internal */
export interface PolicySlots {
  slot(policy: HashPolicy, key: unknown): number;
  slotsInto(policy: HashPolicy, list: ArrayLike<unknown>, out: Uint16Array): void;
}

/** The policy's slot functions, or a `TypeError` if `value` is not a HashPolicy. */
function policySlots(value: object): PolicySlots {
  const hooks = (value as { [POLICY_SLOTS]?: PolicySlots })[POLICY_SLOTS];
  if (hooks === undefined) throw invalidArgument("options.policy", "a HashPolicy", value);
  return hooks;
}

/**
 * The hash slot of `key`, `0 <= slot < 16384`: CRC-16/XMODEM of its hash tag
 * (or of the whole key), as `CLUSTER KEYSLOT` answers. With `policy`, the
 * bytes hashed are the ones the policy picks (see {@link HashPolicy}).
 *
 * @throws {TypeError} if `key` is neither a string nor a `Uint8Array`.
 * @throws {NoRuleMatchedError} if `policy` has no rule matching the key.
 */
export function keySlot(key: Key, options?: SlotOptions): number {
  // The common call, kept small so that the engine inlines it (and the JS
  // hash) into the caller's loop: measured 5-7% faster per key than one
  // function holding every case.
  if (typeof key === "string" && options === undefined && initialised) {
    const slot = stringSlot(key, STRING_JS_MAX);
    return slot >= 0 ? slot : otherStringSlot(key);
  }
  return keySlotWith(key, options);
}

/** The slot of a string key {@link stringSlot} leaves: not ASCII, or long. */
function otherStringSlot(key: string): number {
  return key.length > STRING_JS_MAX ? wasm.keySlot(key) : textSlot(key);
}

/** {@link keySlot}, every case. */
function keySlotWith(key: Key, options: SlotOptions | undefined): number {
  if (!initialised) throw notReady();
  if (options !== undefined && codis(options)) {
    return wasm.codisSlot(typeof key === "string" ? key : key instanceof Uint8Array ? key : asBytes(key, "key"));
  }
  if (options !== undefined) {
    const policy = options?.policy;
    if (policy !== undefined && policy !== null) return policySlots(policy).slot(policy, key);
  }
  if (typeof key === "string") {
    const slot = stringSlot(key, STRING_JS_MAX);
    return slot >= 0 ? slot : otherStringSlot(key);
  }
  const bytes = key instanceof Uint8Array ? key : asBytes(key, "key");
  return bytes.length <= BYTES_JS_MAX ? bytesSlot(bytes) : wasm.keySlot(bytes);
}

/**
 * The hash slots of many keys at once, in order. String keys are packed into
 * wasm memory (a run of ASCII strings with a single `encodeInto`) and hashed
 * in bulk, one wasm call per 4096 keys or 64 KiB, which is faster per key
 * than calling {@link keySlot} in a loop.
 *
 * @throws {TypeError} if `keys` is not an array or iterable, or one of its
 *   elements is neither a string nor a `Uint8Array`.
 * @throws {NoRuleMatchedError} if `policy` has no rule matching a key
 *   (`position` says which).
 */
export function keySlots(keys: readonly Key[] | Iterable<Key>, options?: SlotOptions): Uint16Array {
  if (!initialised) throw notReady();
  let list: ArrayLike<unknown>;
  if (Array.isArray(keys)) {
    list = keys;
  } else if (
    keys !== null &&
    typeof keys === "object" &&
    !ArrayBuffer.isView(keys) &&
    typeof (keys as Iterable<unknown>)[Symbol.iterator] === "function"
  ) {
    list = Array.from(keys as Iterable<unknown>);
  } else {
    throw invalidArgument("keys", "an array of strings or Uint8Arrays", keys);
  }
  const out = new Uint16Array(list.length);
  const policy = options?.policy;
  if (codis(options)) {
    for (let i = 0; i < list.length; i++) {
      const k = list[i];
      if (typeof k !== "string" && !(k instanceof Uint8Array)) throw invalidArgument(`keys[${i}]`, "a string or a Uint8Array", k);
      out[i] = wasm.codisSlot(k);
    }
  } else if (policy !== undefined && policy !== null) {
    policySlots(policy).slotsInto(policy, list, out);
  } else {
    wasm.keySlots(list, out, BYTES_JS_MAX);
  }
  return out;
}

/**
 * @internal Fills `out` with the slots of `list` (every element checked) by
 * `policy`, as {@link keySlots} does.
 */
export function slotsInto(list: ArrayLike<unknown>, out: Uint16Array, policy: HashPolicy | null): void {
  wasm.keySlots(list, out, BYTES_JS_MAX, policy === null ? null : policy._inner);
}

/** `value` as a key, or a `TypeError` naming `what`. */
function checkKey(value: unknown, what: string): Key {
  if (typeof value === "string") return value;
  return asBytes(value, what);
}

/**
 * The bytes of `key` that Redis hashes: the content of the first `{...}` if
 * it is non-empty, else the whole key. Always a new `Uint8Array` (a string key
 * gives UTF-8 bytes).
 *
 * @throws {TypeError} if `key` is neither a string nor a `Uint8Array`.
 */
export function hashTag(key: Key): Uint8Array {
  if (!initialised) throw notReady();
  return wasm.hashTag(checkKey(key, "key"));
}

/**
 * The one slot that every key matching the glob `pattern` must be in, or
 * `null` when matching keys can be in any slot. This is the rule Redis 7.4+
 * and Valkey 8+ apply to `SCAN ... MATCH`, `KEYS` and `SORT` in cluster mode:
 * a `*`, `?`, `[` or `\` before the hash tag is complete means any slot.
 *
 * @throws {TypeError} if `pattern` is neither a string nor a `Uint8Array`.
 */
export function patternSlot(pattern: Key): number | null {
  if (!initialised) throw notReady();
  return wasm.patternSlot(checkKey(pattern, "pattern"));
}

/**
 * CRC-16/XMODEM of `data` (of its UTF-8 bytes for a string), the checksum
 * behind hash slots: `crc16("123456789") === 0x31c3`.
 *
 * @throws {TypeError} if `data` is neither a string nor a `Uint8Array`.
 */
export function crc16(data: Key): number {
  if (!initialised) throw notReady();
  return wasm.crc16(checkKey(data, "data"));
}
