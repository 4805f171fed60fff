// The Cloudflare Workers entry (dist/workerd.js). Workers forbid compiling
// wasm from bytes at run time; wrangler turns this `.wasm` import into a
// compiled WebAssembly.Module, which may be instantiated.

import wasmModule from "./keyroute_bg.wasm";
import { backend, initSync } from "./glue.js";
import { init } from "./state.js";

init(() => backend(initSync({ module: wasmModule })));

export * from "./keyroute.js";
