// HashPolicy: which bytes of a key decide its slot (Redis Software-style
// regex rules, or the open-source hash-tag rule).

import { fromWasm } from "./error-classes.js";
import { asBytes, invalidArgument } from "./argument-errors.js";
import { WasmHashPolicy } from "./glue.js";
import { POLICY_SLOTS } from "./slot.js";
import type { PolicySlots } from "./slot.js";
import { checkReady, disposable } from "./state.js";
import * as wasm from "./wasm.js";

/**
 * A hashing policy as Redis Software (Enterprise) defines one: ordered
 * regular expressions, each with a named group `tag` (`(?<tag>...)` or
 * `(?P<tag>...)`), matched anchored at the start of the key; the first rule
 * that matches decides, its `tag` is what is hashed, and a key no rule
 * matches is an error. At most 32 rules of at most 256 characters. Matching
 * is on bytes, in linear time; backreferences, look-around and `$` (whose
 * PCRE meaning the engine cannot reproduce) are refused with a `PolicyError`.
 *
 * Holds wasm memory: call `free()` when done with it (or let the garbage
 * collector do it). Objects given it as their `policy` keep their own copy.
 */
export class HashPolicy {
  /** @internal */
  readonly _inner: WasmHashPolicy;

  /**
   * @throws {PolicyError} naming the offending rule (`rule`) and the reason.
   * @throws {TypeError} if `rules` is not an array of strings.
   */
  constructor(rules: readonly string[]);
  /** @internal */
  constructor(rules: readonly string[], inner: WasmHashPolicy);
  constructor(rules: readonly string[], inner?: WasmHashPolicy) {
    checkReady();
    if (inner !== undefined) {
      this._inner = inner;
      return;
    }
    if (!Array.isArray(rules) || !rules.every((r) => typeof r === "string")) {
      throw invalidArgument("rules", "an array of strings", rules);
    }
    try {
      this._inner = new WasmHashPolicy([...rules]);
    } catch (e) {
      throw fromWasm(e);
    }
  }

  /**
   * Redis Software's standard policy: `.*\{(?<tag>.*)\}.*`, then
   * `(?<tag>.*)`. Unlike the open-source rule, `{}` is a tag (`{}a` and `{}b`
   * share a slot) and the tag runs to the last `}`.
   */
  static enterpriseStandard(): HashPolicy {
    checkReady();
    return new HashPolicy([], WasmHashPolicy.enterpriseStandard());
  }

  /** The open-source `{hash tag}` rule, the default everywhere. */
  static oss(): HashPolicy {
    checkReady();
    return new HashPolicy([], WasmHashPolicy.oss());
  }

  /** The rules' sources, in order (empty for the open-source rule). */
  get rules(): string[] {
    return this._inner.rules;
  }

  /** Whether this is the open-source hash-tag rule. */
  get isOss(): boolean {
    return this._inner.isOss;
  }

  /**
   * The slot of `key` under this policy.
   * @throws {NoRuleMatchedError} when no rule matches the key.
   */
  keySlot(key: string | Uint8Array): number {
    return policySlot(this._inner, key);
  }

  /**
   * The bytes of `key` that are hashed under this policy (a new array).
   * @throws {NoRuleMatchedError} when no rule matches the key.
   */
  hashInput(key: string | Uint8Array): Uint8Array {
    const bytes = wasm.utf8(typeof key === "string" ? key : asBytes(key, "key"));
    const tag = this._inner.hashInput(bytes);
    if (tag === undefined) throw fromWasm(wasm.takeError());
    return tag;
  }

  /** Releases the wasm memory now; the policy cannot be used afterwards. */
  /**
   * `free()`, for `using` (TypeScript 5.2+; defined where the engine has
   * `Symbol.dispose`): `using policy = new HashPolicy(rules);` frees the
   * wasm memory at the end of the block.
   */
  declare [Symbol.dispose]: () => void;

  free(): void {
    this._inner.free();
  }
}
disposable(HashPolicy);

const slotsOfPolicy: PolicySlots = {
  slot: (policy, key) => policySlot(policy._inner, key),
  slotsInto: (policy, list, out) => wasm.keySlots(list, out, -1, policy._inner),
};
Object.defineProperty(HashPolicy.prototype, POLICY_SLOTS, { value: slotsOfPolicy });

/** The slot of one key under a wasm policy. @internal */
export function policySlot(inner: WasmHashPolicy, key: unknown): number {
  const len = wasm.load(typeof key === "string" ? key : asBytes(key, "key"));
  const slot = len >= 0 ? inner.slotOfScratch(len) : inner.keySlot(wasm.utf8(key as string | Uint8Array), 0);
  return wasm.checked(slot);
}

/** `value` as a policy (or null for none), else a `TypeError` naming `what`. @internal */
export function optionalPolicy(value: unknown, what = "policy"): HashPolicy | null {
  if (value === undefined || value === null) return null;
  if (value instanceof HashPolicy) return value;
  throw invalidArgument(what, "a HashPolicy", value);
}
