// The wasm-bindgen glue of the slots wasm (keyroute-wasm built with only its
// `slots` feature; generated into build/glue-slots by scripts/build.sh).

import * as generated from "../build/glue-slots/keyroute_slots_glue.js";
import type { Backend, Glue, RawExports, SlotGlue } from "./wasm.js";

export const { initSync } = generated;
export const initAsync = generated.default;

const glue: SlotGlue = {
  keySlot: generated.keySlot,
  hashTag: generated.hashTag,
  patternSlot: generated.patternSlot,
  crc16: generated.crc16,
  codisSlot: generated.codisSlot,
  slotScheme: generated.slotScheme,
  slotSchemeNames: generated.slotSchemeNames,
};

/**
 * The backend for an instance of the slots wasm. It has the key exports of
 * src/scratch.rs and the glue of src/slot.rs only; wasm.ts reaches for the
 * rest (argument vectors, policy results, error descriptions) only on behalf
 * of commands, policies and pools, which this entry cannot create.
 */
export function backend(exports: unknown): Backend {
  return { raw: exports as RawExports, glue: glue as Glue };
}
