// The Cloudflare Workers entry (dist/workerd.js). Workers forbid compiling
// wasm from bytes at run time; wrangler turns this `.wasm` import into a
// compiled WebAssembly.Module, which may be instantiated. The file comes
// from the companion package keyroute-wasm (docs/npm-packaging.md).

import wasmModule from "keyroute-wasm/keyroute_bg.wasm";
import { backend, initSync } from "./glue.js";
import { init } from "./state.js";
import { checkBuild } from "./wasm-build.js";

checkBuild(wasmModule, KEYROUTE_BUILD);
init(() => backend(initSync({ module: wasmModule })));

export * from "./keyroute.js";
