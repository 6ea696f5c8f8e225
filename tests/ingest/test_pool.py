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


def test_records_cross_to_the_importing_process_whole():
    """Workers send Interactions pickled as their fields (records.Interaction.__reduce__): every
    field, none left at its default here, comes back equal, and a copy is a copy."""
    import copy
    import pickle
    from dataclasses import fields
    from datetime import datetime, timezone

    from closeknit.ingest.records import Ident, Interaction

    ada, bo = Ident("email", "email", "ada@example.org", "Ada"), Ident("email", "email", "bo@example.org", None)
    rec = Interaction("m1", "reply", "email", datetime(2024, 3, 1, 9, tzinfo=timezone.utc), ada, ((bo, "cc"),), "group",
                      "t1", "m0", "hello", 12.5)
    assert all(getattr(rec, f.name) != f.default for f in fields(Interaction))
    back = pickle.loads(pickle.dumps(rec, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == rec and type(back) is Interaction
    assert copy.copy(rec) == rec and copy.deepcopy(rec) == rec
