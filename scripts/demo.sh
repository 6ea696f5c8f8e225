#!/usr/bin/env bash
# Set up (a virtualenv in .venv with the project) and run the demo on a generated life.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
# --no-compile: pip would byte-compile every module of every dependency (17 s here, most of them
# never imported); Python compiles what the demo imports on first use (4 s) and keeps it.
.venv/bin/python -m pip install --quiet --disable-pip-version-check --no-compile -e .
exec .venv/bin/closeknit demo "$@"
