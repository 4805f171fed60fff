// The Workers entries import the wasm from the companion package
// keyroute-wasm, which npm installs separately: its module must be the one
// this build of keyroute was made with, or the glue would call into a wasm
// of another version. scripts/build.sh names the build (version + SHA-256
// prefix of the wasm) in the module's `keyroute_build` custom section and
// in these entries; see docs/npm-packaging.md, "The Workers companion".

import { KeyrouteError } from "./error-base.js";

/** Throws unless `module` carries the build name `expected`. */
export function checkBuild(module: WebAssembly.Module, expected: string): void {
  let found: string | undefined;
  try {
    const sections = WebAssembly.Module.customSections(module, "keyroute_build");
    if (sections.length === 1) found = new TextDecoder().decode(sections[0]);
  } catch {
    found = undefined;
  }
  if (found === expected) return;
  const version = expected.slice(0, expected.indexOf("+"));
  const what =
    found === undefined
      ? "a wasm module that is not keyroute-wasm's"
      : `keyroute-wasm ${found.slice(0, found.indexOf("+"))} (build ${found})`;
  throw new KeyrouteError(
    `keyroute ${version} (build ${expected}) needs keyroute-wasm of the same build, and found ${what}; ` +
      `install the matching version: npm install keyroute-wasm@${version}`,
    "ERR_KEYROUTE_INIT",
  );
}
