// Module shapes of the build's generated inputs.

declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
