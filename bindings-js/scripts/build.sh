#!/usr/bin/env bash
# Builds the npm package `keyroute` into bindings-js/pkg/: exactly the files
# `npm pack` ships (package.json, README.md, the two license texts, dist/).
#
#   cargo (wasm32) -> wasm-bindgen --target web -> wasm-opt -O3 -> hex JSON
#   -> esbuild (ESM + workerd over one shared chunk, CJS) + tsc (declarations)
#
# twice: the full wasm for `keyroute`, and one built with only the `slots`
# feature (no policies, commands, cluster maps, plans or pools) for
# `keyroute/slots`.
#
# dist/ (the exports map is npm/package.json):
#   keyroute.js        ESM for browsers and bundlers; imports keyroute-core.js
#                      and the bytes, keyroute_wasm.json (a JSON module)
#   keyroute.cjs       CJS (require, Jest): a few lines over keyroute-impl.cjs,
#                      which requires keyroute_wasm.json
#   node.js            Node's import: re-exports keyroute.cjs, so that import
#                      and require share one instance
#   workerd.js         Cloudflare Workers: imports keyroute-core.js and
#                      keyroute_bg.wasm (Workers may not compile bytes)
#   keyroute_bg.wasm   the wasm itself; keyroute_wasm.json: it in hex
#   slots*.js/.cjs, keyroute_slots_*: the same for keyroute/slots
# No entry reads a file or uses import.meta: a bundle of any of them keeps
# working wherever it is moved.
# Reasons: docs/npm-packaging.md, "The package layout".
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
JS=$ROOT/bindings-js
BUILD=$JS/build
PKG=$JS/pkg
DIST=$PKG/dist
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '==> %s\n' "$*"; }

if [ ! -x "$JS/node_modules/.bin/esbuild" ]; then
  log "npm ci (bindings-js)"
  (cd "$JS" && npm ci --no-audit --no-fund --loglevel=error)
fi
BIN=$JS/node_modules/.bin

# The CLI must be exactly the version of the crate in Cargo.lock, or it
# refuses the module ("uses a different bindgen format").
want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/[^0-9.]/, ""); print; exit}' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "error: wasm-bindgen CLI $want is required (found '${have:-none}'); run scripts/setup.sh" >&2
  exit 1
fi

log "cargo build (wasm32-unknown-unknown, release, --features slots)"
# Built first and copied aside: both builds write the same artifact path, and
# the full one should be what is left there.
cargo build --release --target wasm32-unknown-unknown -p keyroute-wasm \
  --no-default-features --features slots
SLOTS_IN=$(mktemp --suffix=.wasm)
trap 'rm -f "$SLOTS_IN"' EXIT
cp "$ROOT/target/wasm32-unknown-unknown/release/keyroute_wasm.wasm" "$SLOTS_IN"

log "cargo build (wasm32-unknown-unknown, release)"
# The regex crates (hashing policies) are two thirds of the code; built for
# size they take ~95 KB less and policies stay linear-time. The slot, map and
# command hot paths keep opt-level 3.
cargo build --release --target wasm32-unknown-unknown -p keyroute-wasm \
  --config 'profile.release.package.regex-automata.opt-level="s"' \
  --config 'profile.release.package.regex-syntax.opt-level="s"'
WASM_IN=$ROOT/target/wasm32-unknown-unknown/release/keyroute_wasm.wasm

rm -rf "$BUILD" "$PKG"
mkdir -p "$BUILD" "$DIST"

log "wasm-bindgen $have --target web"
# --omit-default-module-path: no `new URL(..., import.meta.url)` in the glue;
# every entry supplies the bytes or the compiled module itself.
wasm-bindgen --target web --omit-default-module-path --remove-producers-section \
  --out-name keyroute_glue --out-dir "$BUILD/glue" "$WASM_IN"

wasm-bindgen --target web --omit-default-module-path --remove-producers-section \
  --out-name keyroute_slots_glue --out-dir "$BUILD/glue-slots" "$SLOTS_IN"

# The glue's JSDoc repeats the Rust docs of every export: nothing reads it
# (the package's declarations come from js/*.ts) and it cost ~3 KB of
# gzipped dist/keyroute.js.
node -e '
  const fs = require("fs");
  for (const f of process.argv.slice(1)) {
    fs.writeFileSync(f, fs.readFileSync(f, "utf8").replace(/^[ \t]*\/\*\*[\s\S]*?\*\/\n/gm, ""));
  }
' "$BUILD/glue/keyroute_glue.js" "$BUILD/glue-slots/keyroute_slots_glue.js"

log "wasm-opt -O3"
"$BIN/wasm-opt" -O3 "$BUILD/glue/keyroute_glue_bg.wasm" -o "$DIST/keyroute_bg.wasm"
"$BIN/wasm-opt" -O3 "$BUILD/glue-slots/keyroute_slots_glue_bg.wasm" -o "$DIST/keyroute_slots_bg.wasm"

# The payloads of the default entries (ESM and CJS read the same file): the
# optimised wasm as one hex string in a JSON document.
payload() {
  node -e '
    const fs = require("fs");
    const [wasm, out] = process.argv.slice(1);
    fs.writeFileSync(out, JSON.stringify(fs.readFileSync(wasm).toString("hex")));
  ' "$1" "$2"
}
payload "$DIST/keyroute_bg.wasm" "$DIST/keyroute_wasm.json"
payload "$DIST/keyroute_slots_bg.wasm" "$DIST/keyroute_slots_wasm.json"

log "tsc (type check, declarations) + dts-bundle-generator"
(cd "$JS" && "$BIN/tsc" -p tsconfig.json && "$BIN/tsc" -p tsconfig.types.json)
# One self-contained declaration file from the per-module ones (tsc has
# already dropped @internal members), so that the ESM and CJS copies need no
# sibling files.
for name in keyroute slots; do
  (cd "$JS" && "$BIN/dts-bundle-generator" --silent --no-banner --no-check --inline-declare-global \
    --project tsconfig.bundle-types.json -o "$BUILD/$name.d.ts" "$BUILD/types/$name.d.ts")
  if grep -nE '^\s*(import|export .* from)' "$BUILD/$name.d.ts"; then
    echo "error: $name.d.ts must be self-contained" >&2
    exit 1
  fi
  cp "$BUILD/$name.d.ts" "$DIST/$name.d.ts"
  cp "$BUILD/$name.d.ts" "$DIST/$name.d.cts"
done
printf 'declare const wasmModule: WebAssembly.Module;\nexport default wasmModule;\n' \
  > "$DIST/keyroute_bg.wasm.d.ts"

log "esbuild"
# ESM: the browser/bundler entry and the workerd entry of each wasm share
# one chunk (the wrapper and the glue), so the package carries that code once
# in ESM (and once in CJS). The payloads stay beside the entries.
common=(--bundle --platform=neutral --target=es2020 --supported:import-attributes=true --legal-comments=none --log-level=warning
  --external:./keyroute_wasm.json --external:./keyroute_slots_wasm.json)
"$BIN/esbuild" "${common[@]}" --format=esm --splitting --outdir="$DIST" \
  --chunk-names=keyroute-core keyroute="$JS/js/entry.ts" workerd="$JS/js/entry-workerd.ts" \
  --external:./keyroute_bg.wasm
# CJS: the code in keyroute-impl.cjs behind a small keyroute.cjs. Node's
# `import` entry (node.js) imports keyroute.cjs, and Node's ESM loader scans
# every CommonJS file it imports for export names (cjs-module-lexer): the
# indirection keeps that scan to a few lines instead of 165 KB (measured:
# import() 2-3x slower than require() without it).
"$BIN/esbuild" "$JS/js/entry.ts" "${common[@]}" --format=cjs --outfile="$DIST/keyroute-impl.cjs"
cp "$JS/js/keyroute.cjs" "$DIST/keyroute.cjs"
cp "$JS/js/node.js" "$DIST/node.js"
"$BIN/esbuild" "${common[@]}" --format=esm --splitting --outdir="$DIST" \
  --chunk-names=slots-core slots="$JS/js/entry-slots.ts" slots-workerd="$JS/js/entry-slots-workerd.ts" \
  --external:./keyroute_slots_bg.wasm
"$BIN/esbuild" "$JS/js/entry-slots.ts" "${common[@]}" --format=cjs --outfile="$DIST/slots.cjs"
cp "$JS/js/slots-node.js" "$DIST/slots-node.js"

version=$(cargo metadata --no-deps --format-version 1 \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
      console.log(JSON.parse(s).packages.find(p=>p.name==="keyroute-wasm").version)})')
node -e '
  const fs = require("fs");
  const [src, out, version] = process.argv.slice(1);
  const pkg = JSON.parse(fs.readFileSync(src, "utf8"));
  pkg.version = version;
  fs.writeFileSync(out, JSON.stringify(pkg, null, 2) + "\n");
' "$JS/npm/package.json" "$PKG/package.json" "$version"
cp "$JS/npm/README.md" "$PKG/README.md"
cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$PKG/"
# For resolvers that ignore "exports" (TypeScript's node10, old bundlers):
# keyroute/slots is then this directory.
mkdir -p "$PKG/slots"
cp "$JS/npm/slots/package.json" "$PKG/slots/package.json"

wasm_bytes=$(stat -c %s "$DIST/keyroute_bg.wasm")
js_gzip=$(gzip -9 -c "$DIST/keyroute.js" | wc -c)
log "built keyroute@$version in bindings-js/pkg: wasm $wasm_bytes bytes, dist/keyroute.js $(stat -c %s "$DIST/keyroute.js") bytes ($js_gzip gzipped)"
slots_wasm_bytes=$(stat -c %s "$DIST/keyroute_slots_bg.wasm")
slots_js_gzip=$(gzip -9 -c "$DIST/slots.js" | wc -c)
log "keyroute/slots: wasm $slots_wasm_bytes bytes, dist/slots.js $(stat -c %s "$DIST/slots.js") bytes ($slots_js_gzip gzipped)"
