// The wasm-bindgen glue (generated into build/glue by scripts/build.sh) seen
// through the interfaces of wasm.ts.

import * as generated from "../build/glue/keyroute_glue.js";
import { fromWasm } from "./error-classes.js";
import type { Backend, Glue, RawExports } from "./wasm.js";

export const { initSync } = generated;
export const initAsync = generated.default;

const glue: Glue = {
  keySlot: generated.keySlot,
  hashTag: generated.hashTag,
  patternSlot: generated.patternSlot,
  crc16: generated.crc16,
  codisSlot: generated.codisSlot,
  slotScheme: generated.slotScheme,
  slotSchemeNames: generated.slotSchemeNames,
  stageArgs: generated.stageArgs,
  takeError: generated.takeError,
  error: () => fromWasm(generated.takeError()),
};

// The wasm-bindgen classes, wrapped by the public classes of cluster.ts,
// command.ts, policy.ts, plan.ts, pool.ts and shard.ts.
export {
  CommandTable as WasmCommandTable,
  HashPolicy as WasmHashPolicy,
  Pool as WasmPool,
  movedFraction as wasmMovedFraction,
  Rebalance as WasmRebalance,
  LoadProbe as WasmLoadProbe,
  otherPrimaries as wasmOtherPrimaries,
  slotLoadFromJson as wasmSlotLoadFromJson,
  slotLoadToJson as wasmSlotLoadToJson,
  SlotMap as WasmSlotMap,
  ShardRouter as WasmShardRouter,
  ShardSession as WasmShardSession,
  parseRedirect as wasmParseRedirect,
  readFromCode as wasmReadFromCode,
} from "../build/glue/keyroute_glue.js";

/** The backend for an instance returned by `initSync` or `initAsync`. */
export function backend(exports: unknown): Backend {
  return { raw: exports as RawExports, glue };
}
