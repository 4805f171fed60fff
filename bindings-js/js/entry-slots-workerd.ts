// The `keyroute/slots` entry for Cloudflare Workers (dist/slots-workerd.js):
// the slots wasm as a `.wasm` import, which wrangler compiles ahead of time.

import wasmModule from "./keyroute_slots_bg.wasm";
import { backend, initSync } from "./glue-slots.js";
import { init } from "./state.js";

init(() => backend(initSync({ module: wasmModule })));

export * from "./slots.js";
