// Module shapes of the build's generated inputs.

declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

// The wasm payloads (scripts/build.sh writes them into dist/ beside the
// entries; the bundles import them by this relative name).
declare module "*_wasm.json" {
  const payload: { hex: string };
  export default payload;
}

// The build names of the two wasm modules (scripts/build.sh defines them
// for esbuild; see js/wasm-build.ts).
declare const KEYROUTE_BUILD: string;
declare const KEYROUTE_SLOTS_BUILD: string;
