#!/usr/bin/env bash
# Builds the npm package `keyroute` into bindings-js/pkg/: exactly the files
# `npm pack` ships (package.json, README.md, dist/).
#
#   cargo (wasm32) -> wasm-bindgen --target web -> wasm-opt -O3 -> base64
#   -> esbuild (ESM, CJS, workerd) + tsc (declarations)
#
# twice: the full wasm for `keyroute`, and one built with only the `slots`
# feature (no policies, commands, cluster maps, plans or pools) for
# `keyroute/slots`.
#
# Layout and reasons: docs/npm-packaging.md, "The package layout".
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

inline() {
  node -e '
    const fs = require("fs");
    const [wasm, out] = process.argv.slice(1);
    const b64 = fs.readFileSync(wasm).toString("base64");
    fs.writeFileSync(out + ".js", `export default ${JSON.stringify(b64)};\n`);
    fs.writeFileSync(out + ".d.ts", "declare const wasmBase64: string;\nexport default wasmBase64;\n");
  ' "$1" "$2"
}
inline "$DIST/keyroute_bg.wasm" "$BUILD/keyroute_wasm_base64"
inline "$DIST/keyroute_slots_bg.wasm" "$BUILD/keyroute_slots_wasm_base64"

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
common=(--bundle --platform=neutral --target=es2020 --legal-comments=none --log-level=warning)
"$BIN/esbuild" "$JS/js/entry.ts" "${common[@]}" --format=esm --outfile="$DIST/keyroute.js"
"$BIN/esbuild" "$JS/js/entry.ts" "${common[@]}" --format=cjs --outfile="$DIST/keyroute.cjs"
"$BIN/esbuild" "$JS/js/entry-workerd.ts" "${common[@]}" --format=esm \
  --external:./keyroute_bg.wasm --outfile="$DIST/workerd.js"
cp "$JS/js/node.js" "$DIST/node.js"
"$BIN/esbuild" "$JS/js/entry-slots.ts" "${common[@]}" --format=esm --outfile="$DIST/slots.js"
"$BIN/esbuild" "$JS/js/entry-slots.ts" "${common[@]}" --format=cjs --outfile="$DIST/slots.cjs"
"$BIN/esbuild" "$JS/js/entry-slots-workerd.ts" "${common[@]}" --format=esm \
  --external:./keyroute_slots_bg.wasm --outfile="$DIST/slots-workerd.js"
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
