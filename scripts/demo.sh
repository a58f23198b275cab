#!/usr/bin/env bash
# One command from a fresh clone to a served demo: set up, generate the county into ./fanzha-demo
# (first run only) and serve it on 127.0.0.1:8000. Extra arguments go to `fanzha demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/fanzha demo --data-dir "${FANZHA_DEMO_DIR:-fanzha-demo}" --port "${PORT:-8000}" "$@"
