#!/usr/bin/env bash
# Tests the installed keyroute package (build.sh installs it into .venv):
# pytest over the golden vectors, the API and a real 6-node cluster (started
# and stopped by tests/cluster/harness.py), the package's doctests, then the
# stubs against the native module, then mypy --strict over the facade and
# over typed code that uses the stubs.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
MYPY_CONFIG=bindings-python/pyproject.toml

echo "== pytest (bindings-python/tests)"
# -p no:cacheprovider: no .pytest_cache left in the source tree.
"$PY" -m pytest -q -p no:cacheprovider bindings-python/tests

echo "== doctests (keyroute's docstrings)"
"$PY" -c 'import doctest, sys, keyroute; sys.exit(doctest.testmod(keyroute).failed)'
"$PY" -c 'import doctest, sys, keyroute.plan; sys.exit(doctest.testmod(keyroute.plan).failed)'

echo "== stubtest (keyroute and its submodule keyroute._native)"
"$PY" -m mypy.stubtest --mypy-config-file "$MYPY_CONFIG" keyroute

echo "== mypy --strict (the facade bindings-python/python/keyroute)"
"$PY" -m mypy --config-file "$MYPY_CONFIG" --strict bindings-python/python/keyroute

echo "== mypy --strict (bindings-python/tests, typed_usage.py included)"
"$PY" -m mypy --config-file "$MYPY_CONFIG" --strict bindings-python/tests

echo "== typed_usage.py"
"$PY" bindings-python/tests/typed_usage.py

echo "test-python: all passed"
