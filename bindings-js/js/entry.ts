// The default entry (dist/keyroute.js and dist/keyroute.cjs): the wasm bytes
// are inlined as base64 and compiled synchronously at import, so `import` and
// `require` need no `init()`, no bundler configuration and no file access.

import wasmBase64 from "../build/keyroute_wasm_base64.js";
import { decodeBase64 } from "./base64.js";
import { backend, initAsync, initSync } from "./glue.js";
import { init } from "./state.js";

const bytes = decodeBase64(wasmBase64);
init(
  () => backend(initSync({ module: bytes })),
  // Old Chromium WebViews refuse to compile more than 4 KB synchronously on
  // the main thread (a RangeError); compile asynchronously there and let
  // `ready` say when.
  (error) =>
    error instanceof RangeError ? initAsync({ module_or_path: bytes }).then(backend) : undefined,
);

export * from "./keyroute.js";
