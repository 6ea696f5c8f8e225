#!/usr/bin/env bash
# Set up (a virtualenv in .venv with the project, its test extras and the spark extra, so the Spark
# tests run in local mode), lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
# The browser tests drive the system's headless Chromium; install it where we can (root with apt),
# otherwise those tests skip and say why.
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null 2>&1 \
            || echo "note: could not install chromium and chromium-driver; the browser tests will skip" >&2
    fi
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test,spark]'
# lint and type check (configured in pyproject.toml), then the tests, one worker per core (pytest-xdist).
# Each test file runs whole on one worker (--dist loadfile): a file's module fixtures (the demo store
# built under strace, the web server) are made once, and two Spark tests never run side by side.
# Pass -n 0 to run in one process (pytest -s output, pdb).
.venv/bin/ruff check --quiet .
.venv/bin/mypy
exec .venv/bin/python -m pytest -n auto --dist loadfile "$@"
