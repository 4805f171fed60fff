// The default entry (dist/keyroute.js and dist/keyroute.cjs): the wasm bytes
// come from dist/keyroute_wasm.json (hex), a JSON module that `require`,
// `import ... with { type: "json" }` and every bundler load with no
// configuration, and are compiled synchronously at import, so `import` and
// `require` need no `init()` and no file access. Both builds read the same
// JSON file: the package carries the bytes once for them (and once as the
// raw .wasm for workerd, which may not compile bytes).

import wasmPayload from "./keyroute_wasm.json" with { type: "json" };
import { decodeHex } from "./hex.js";
import { backend, initAsync, initSync } from "./glue.js";
import { init } from "./state.js";

const bytes = decodeHex(wasmPayload.hex);
init(
  () => backend(initSync({ module: bytes })),
  // Old Chromium WebViews refuse to compile more than 4 KB synchronously on
  // the main thread (a RangeError); compile asynchronously there and let
  // `ready` say when.
  (error) =>
    error instanceof RangeError ? initAsync({ module_or_path: bytes }).then(backend) : undefined,
);

export * from "./keyroute.js";
