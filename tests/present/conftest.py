"""The demo store, built once for the web tests, and `closeknit serve` running on it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import copy_demo


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory, demo_built) -> Path:
    return copy_demo(demo_built, tmp_path_factory.mktemp("webdemo"))


@pytest.fixture(scope="session")
def served(demo_db):
    """`closeknit serve --port 0` on a copy of the demo store: (base URL, token, db path, process).
    One server for the session (starting one keeps the measures: seconds); the tests that write
    (an import, a reject, a split) leave what the others check true."""
    import shutil

    db = demo_db.parent / f"served-{os.getpid()}-{time.monotonic_ns()}.duckdb"
    shutil.copy(demo_db, db)
    proc = subprocess.Popen([sys.executable, "-m", "closeknit.present.cli", "serve", "--port", "0", "--db", str(db)],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    url = None
    deadline = time.monotonic() + 600  # it keeps the measures first: minutes on a loaded machine
    lines = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r"(http://127\.0\.0\.1:\d+)/\?token=(\S+)", line)
        if m:
            url = m.group(1), m.group(2)
            break
    if url is None:
        proc.kill()
        pytest.fail("closeknit serve did not start: " + "".join(lines))
    yield url[0], url[1], db, proc
    proc.terminate()
    proc.wait(timeout=60)  # a loaded machine takes its time
