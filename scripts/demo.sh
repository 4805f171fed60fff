#!/usr/bin/env bash
# make demo: show the main job (key -> slot) from every front end.
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python scripts/demo.py
