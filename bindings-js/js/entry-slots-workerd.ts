// The `keyroute/slots` entry for Cloudflare Workers (dist/slots-workerd.js):
// the slots wasm as a `.wasm` import from the companion package
// keyroute-wasm, which wrangler compiles ahead of time.

import wasmModule from "keyroute-wasm/keyroute_slots_bg.wasm";
import { backend, initSync } from "./glue-slots.js";
import { init } from "./state.js";
import { checkBuild } from "./wasm-build.js";

checkBuild(wasmModule, KEYROUTE_SLOTS_BUILD);
init(() => backend(initSync({ module: wasmModule })));

export * from "./slots.js";
