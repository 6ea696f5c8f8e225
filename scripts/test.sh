#!/usr/bin/env bash
# Set up (a virtualenv in .venv with the project, its test extras and the spark extra, so the Spark
# tests run in local mode), lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test,spark]'
# lint and type check (configured in pyproject.toml), then the tests
.venv/bin/ruff check --quiet .
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
