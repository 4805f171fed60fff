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
