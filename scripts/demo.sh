#!/usr/bin/env bash
# Set up (a virtualenv in .venv with the project) and run the demo on a generated life.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
exec .venv/bin/closeknit demo "$@"
