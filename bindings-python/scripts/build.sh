#!/usr/bin/env bash
# Builds the keyroute abi3 wheel into target/wheels/ and installs it into .venv.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Only this build's wheel may match the glob below.
rm -f target/wheels/keyroute-*.whl
.venv/bin/maturin build --release -m bindings-python/Cargo.toml -o target/wheels
wheels=(target/wheels/keyroute-*.whl)
if [ "${#wheels[@]}" -ne 1 ] || [ ! -f "${wheels[0]}" ]; then
  echo "build.sh: expected exactly one wheel in target/wheels, found: ${wheels[*]}" >&2
  exit 1
fi
.venv/bin/pip install --quiet --force-reinstall --no-deps "${wheels[0]}"
echo "installed ${wheels[0]} into .venv"
