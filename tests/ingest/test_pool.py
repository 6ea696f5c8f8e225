"""Worker settings: how many worker processes an importer starts for its big files."""

from __future__ import annotations

import pytest

from closeknit.core.errors import UsageError
from closeknit.ingest import pool


def test_default_workers_one_per_cpu_up_to_four_the_variable_wins(monkeypatch):
    monkeypatch.delenv("CLOSEKNIT_TEST_WORKERS", raising=False)
    for cpus, want in ((1, 0), (2, 2), (3, 3), (16, 4), (None, 0)):
        monkeypatch.setattr(pool.os, "cpu_count", lambda cpus=cpus: cpus)
        assert pool.default_workers("CLOSEKNIT_TEST_WORKERS") == want, cpus
    monkeypatch.setenv("CLOSEKNIT_TEST_WORKERS", "0")
    assert pool.default_workers("CLOSEKNIT_TEST_WORKERS") == 0
    monkeypatch.setenv("CLOSEKNIT_TEST_WORKERS", " 7 ")
    assert pool.default_workers("CLOSEKNIT_TEST_WORKERS") == 7
    monkeypatch.setenv("CLOSEKNIT_TEST_WORKERS", "two")
    with pytest.raises(UsageError, match="CLOSEKNIT_TEST_WORKERS='two': expected a whole number"):
        pool.default_workers("CLOSEKNIT_TEST_WORKERS")
