#!/usr/bin/env bash
# Tests the npm package as users get it: packs bindings-js/pkg (built by
# scripts/build.sh) with `npm pack`, installs the tarball offline into a
# throwaway project under target/js-test, and runs bindings-js/tests there
# with `node --test`, so every `import "keyroute"` goes through the published
# exports map.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
export PATH="$HOME/.cargo/bin:$PATH"
JS=$ROOT/bindings-js
WORK=$ROOT/target/js-test
VECTORS=$ROOT/tests/vectors/slots.json
log() { printf '==> %s\n' "$*"; }

if [ ! -f "$JS/pkg/package.json" ]; then
  echo "error: bindings-js/pkg is not built; run bindings-js/scripts/build.sh first" >&2
  exit 1
fi
if [ ! -f "$VECTORS" ]; then
  echo "error: $VECTORS is missing (make vectors writes it)" >&2
  exit 1
fi
if [ ! -d "$JS/node_modules/esbuild" ]; then
  log "npm ci (bindings-js)"
  (cd "$JS" && npm ci --no-audit --no-fund --loglevel=error)
fi

# The plan test compares with the CLI built from the same core (a no-op
# when it is up to date).
log "cargo build --release -p keyroute-cli"
cargo build --release -p keyroute-cli --quiet

rm -rf "$WORK"
mkdir -p "$WORK/consumer/test"
log "npm pack bindings-js/pkg bindings-js/pkg-wasm"
tarball=$(cd "$JS/pkg" && npm pack --pack-destination "$WORK" --loglevel=error 2>/dev/null | tail -n 1)
wasm_tarball=$(cd "$JS/pkg-wasm" && npm pack --pack-destination "$WORK" --loglevel=error 2>/dev/null | tail -n 1)
log "npm install --offline $tarball $wasm_tarball into target/js-test/consumer"
printf '{ "name": "keyroute-consumer", "private": true }\n' > "$WORK/consumer/package.json"
(cd "$WORK/consumer" && npm install --offline --no-audit --no-fund --loglevel=error "$WORK/$tarball" "$WORK/$wasm_tarball")
cp "$JS"/tests/*.mjs "$WORK/consumer/test/"

log "node --test"
cd "$WORK/consumer"
KEYROUTE_CONSUMER=$WORK/consumer \
KEYROUTE_JS_DIR=$JS \
KEYROUTE_WORK=$WORK \
KEYROUTE_TARBALL=$WORK/$tarball \
KEYROUTE_WASM_TARBALL=$WORK/$wasm_tarball \
KEYROUTE_VECTORS=$VECTORS \
KEYROUTE_PYTHON=${PYTHON:-python3} \
  node --test --test-reporter=spec ${KEYROUTE_JS_TESTS:-test/*.test.mjs}
