// The `keyroute/slots` entry (dist/slots.js and dist/slots.cjs): the slots
// wasm from dist/keyroute_slots_wasm.json (hex), compiled synchronously at
// import, as entry.ts does with the full one.

import wasmPayload from "./keyroute_slots_wasm.json" with { type: "json" };
import { decodeHex } from "./hex.js";
import { backend, initAsync, initSync } from "./glue-slots.js";
import { init } from "./state.js";

const bytes = decodeHex(wasmPayload.hex);
init(
  () => backend(initSync({ module: bytes })),
  (error) =>
    error instanceof RangeError ? initAsync({ module_or_path: bytes }).then(backend) : undefined,
);

export * from "./slots.js";
