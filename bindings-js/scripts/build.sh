#!/usr/bin/env bash
# Builds the npm package `keyroute` into bindings-js/pkg/: exactly the files
# `npm pack` ships (package.json, README.md, the two license texts, dist/);
# and its companion `keyroute-wasm` into bindings-js/pkg-wasm/: the same wasm
# as files, for runtimes that import wasm modules (Cloudflare Workers).
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
#                      keyroute-wasm/keyroute_bg.wasm (Workers may not
#                      compile bytes)
#   keyroute_wasm.json the wasm in hex
#   slots*.js/.cjs, keyroute_slots_*: the same for keyroute/slots
# pkg-wasm/ (package keyroute-wasm, the same version):
#   keyroute_bg.wasm, keyroute_slots_bg.wasm   the two wasm modules, each with
#                      a `keyroute_build` custom section naming the build, so
#                      that the Workers entries refuse a keyroute-wasm of
#                      another build
# The raw wasm is not in `keyroute` itself: every other runtime reads the
# hex, and carrying both doubled the tarball.
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
PKG_WASM=$JS/pkg-wasm
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

rm -rf "$BUILD" "$PKG" "$PKG_WASM"
mkdir -p "$BUILD" "$DIST" "$PKG_WASM"

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

version=$(cargo metadata --no-deps --format-version 1 \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
      console.log(JSON.parse(s).packages.find(p=>p.name==="keyroute-wasm").version)})')

log "wasm-opt -O3"
"$BIN/wasm-opt" -O3 "$BUILD/glue/keyroute_glue_bg.wasm" -o "$BUILD/keyroute_bg.wasm"
"$BIN/wasm-opt" -O3 "$BUILD/glue-slots/keyroute_slots_glue_bg.wasm" -o "$BUILD/keyroute_slots_bg.wasm"

# The build's name: the version and the first 16 hex digits of the SHA-256
# of the optimised wasm. It goes into the Workers entry (esbuild --define)
# and, as the custom section `keyroute_build`, into keyroute-wasm's copy of
# the module, so that a keyroute-wasm from another build is refused with a
# message saying which version to install (docs/npm-packaging.md).
build_id() { printf '%s+%s' "$version" "$(sha256sum "$1" | cut -c1-16)"; }
BUILD_ID=$(build_id "$BUILD/keyroute_bg.wasm")
SLOTS_BUILD_ID=$(build_id "$BUILD/keyroute_slots_bg.wasm")
with_section() {
  node -e '
    const fs = require("fs");
    const [wasm, out, id] = process.argv.slice(1);
    const leb = (n) => { const b = []; do { let x = n & 0x7f; n >>>= 7; if (n) x |= 0x80; b.push(x); } while (n); return b; };
    const name = Buffer.from("keyroute_build"), payload = Buffer.from(id);
    const body = Buffer.concat([Buffer.from(leb(name.length)), name, payload]);
    fs.writeFileSync(out, Buffer.concat([fs.readFileSync(wasm), Buffer.from([0]), Buffer.from(leb(body.length)), body]));
  ' "$1" "$2" "$3"
}
with_section "$BUILD/keyroute_bg.wasm" "$PKG_WASM/keyroute_bg.wasm" "$BUILD_ID"
with_section "$BUILD/keyroute_slots_bg.wasm" "$PKG_WASM/keyroute_slots_bg.wasm" "$SLOTS_BUILD_ID"

# The payloads of the default entries (ESM and CJS read the same file): the
# optimised wasm as one hex string, in an object ({"hex": ...}). Not a bare
# string: the CommonJS bundle wraps a default import in esbuild's __toESM,
# whose Object.create(Object.getPrototypeOf(value)) on a string turned
# String.prototype into a dictionary, and every charCodeAt of the process
# (the user's code included) ran about five times slower.
payload() {
  node -e '
    const fs = require("fs");
    const [wasm, out] = process.argv.slice(1);
    fs.writeFileSync(out, JSON.stringify({ hex: fs.readFileSync(wasm).toString("hex") }));
  ' "$1" "$2"
}
payload "$BUILD/keyroute_bg.wasm" "$DIST/keyroute_wasm.json"
payload "$BUILD/keyroute_slots_bg.wasm" "$DIST/keyroute_slots_wasm.json"

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
for f in keyroute_bg keyroute_slots_bg; do
  printf 'declare const wasmModule: WebAssembly.Module;\nexport default wasmModule;\n' \
    > "$PKG_WASM/$f.wasm.d.ts"
done

log "esbuild"
# ESM: the browser/bundler entry and the workerd entry of each wasm share
# one chunk (the wrapper and the glue), so the package carries that code once
# in ESM (and once in CJS). The payloads stay beside the entries.
# Whitespace only is minified (names and code stay as written, for stack
# traces and readers): about 11 KB less gzipped per bundle.
common=(--bundle --platform=neutral --target=es2020 --supported:import-attributes=true --legal-comments=none --log-level=warning --minify-whitespace
  --external:./keyroute_wasm.json --external:./keyroute_slots_wasm.json)
"$BIN/esbuild" "${common[@]}" --format=esm --splitting --outdir="$DIST" \
  --chunk-names=keyroute-core keyroute="$JS/js/entry.ts" workerd="$JS/js/entry-workerd.ts" \
  --external:keyroute-wasm/* \
  --define:KEYROUTE_BUILD="\"$BUILD_ID\"" --define:KEYROUTE_SLOTS_BUILD="\"$SLOTS_BUILD_ID\""
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
  --external:keyroute-wasm/* \
  --define:KEYROUTE_BUILD="\"$BUILD_ID\"" --define:KEYROUTE_SLOTS_BUILD="\"$SLOTS_BUILD_ID\""
"$BIN/esbuild" "$JS/js/entry-slots.ts" "${common[@]}" --format=cjs --outfile="$DIST/slots.cjs"
cp "$JS/js/slots-node.js" "$DIST/slots-node.js"

# Both manifests get the crate's version; keyroute's optional peer
# dependency on keyroute-wasm is that exact version.
manifest() {
  node -e '
    const fs = require("fs");
    const [src, out, version] = process.argv.slice(1);
    const pkg = JSON.parse(fs.readFileSync(src, "utf8"));
    pkg.version = version;
    if (pkg.peerDependencies && "keyroute-wasm" in pkg.peerDependencies) pkg.peerDependencies["keyroute-wasm"] = version;
    fs.writeFileSync(out, JSON.stringify(pkg, null, 2) + "\n");
  ' "$1" "$2" "$version"
}
manifest "$JS/npm/package.json" "$PKG/package.json"
manifest "$JS/npm-wasm/package.json" "$PKG_WASM/package.json"
cp "$JS/npm/README.md" "$PKG/README.md"
cp "$JS/npm-wasm/README.md" "$PKG_WASM/README.md"
cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$PKG/"
cp "$ROOT/LICENSE-MIT" "$ROOT/LICENSE-APACHE" "$PKG_WASM/"
# For resolvers that ignore "exports" (TypeScript's node10, old bundlers):
# keyroute/slots is then this directory.
mkdir -p "$PKG/slots"
cp "$JS/npm/slots/package.json" "$PKG/slots/package.json"

wasm_bytes=$(stat -c %s "$BUILD/keyroute_bg.wasm")
js_gzip=$(gzip -9 -c "$DIST/keyroute.js" | wc -c)
log "built keyroute@$version in bindings-js/pkg: wasm $wasm_bytes bytes, dist/keyroute.js $(stat -c %s "$DIST/keyroute.js") bytes ($js_gzip gzipped)"
slots_wasm_bytes=$(stat -c %s "$BUILD/keyroute_slots_bg.wasm")
slots_js_gzip=$(gzip -9 -c "$DIST/slots.js" | wc -c)
log "keyroute/slots: wasm $slots_wasm_bytes bytes, dist/slots.js $(stat -c %s "$DIST/slots.js") bytes ($slots_js_gzip gzipped)"
