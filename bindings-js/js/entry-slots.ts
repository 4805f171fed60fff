// The `keyroute/slots` entry (dist/slots.js and dist/slots.cjs): the slots
// wasm inlined as base64 and compiled synchronously at import, as entry.ts
// does with the full one.

import wasmBase64 from "../build/keyroute_slots_wasm_base64.js";
import { decodeBase64 } from "./base64.js";
import { backend, initAsync, initSync } from "./glue-slots.js";
import { init } from "./state.js";

const bytes = decodeBase64(wasmBase64);
init(
  () => backend(initSync({ module: bytes })),
  (error) =>
    error instanceof RangeError ? initAsync({ module_or_path: bytes }).then(backend) : undefined,
);

export * from "./slots.js";
