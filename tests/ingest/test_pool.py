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


def test_tables_go_through_a_file_and_the_file_is_gone(tmp_path):
    """A worker's tables reach the importing process through a memory-mapped file, deleted once
    read; the tables stay readable after that."""
    import pyarrow as pa

    a = pa.table({"native_id": ["x", None, "z\u00e9"], "n": [1, 2, None]})
    b = pa.table({"row": pa.array([0, 2], pa.int64())})
    name = pool.tables_to_file((a, b), str(tmp_path))
    assert len(list(tmp_path.iterdir())) == 2
    got = pool.tables_from_file(name)
    assert list(tmp_path.iterdir()) == []
    assert [t.to_pylist() for t in got] == [a.to_pylist(), b.to_pylist()]
    assert got[0].schema == a.schema and got[1].schema == b.schema
