"""The loader: one transaction per source, errors from the importer or the writer thread roll back."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from closeknit.ingest.records import BadRecord, Ident, Interaction
from closeknit.store.load import BATCH_ROWS, load_records

T0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
ADA, BOB = Ident("events", "account_id", "ada"), Ident("events", "account_id", "bob")


def _records(n: int, fail_at: int | None = None):
    for i in range(n):
        if i == fail_at:
            raise RuntimeError("importer broke")
        yield Interaction(f"e{i}", "message", "events", T0, ADA, ((BOB, "recipient"),), text=f"t{i}")


def _load(store, recs, **kw):
    return load_records(store, recs, fmt="test", path="p", fingerprint="f", parser_version="1", **kw)


def test_batches_written_by_the_writer_thread(store):
    n = BATCH_ROWS * 2 + 5
    r = _load(store, _records(n))
    assert (r.added, r.present, store.count("interactions"), store.count("interaction_participants")) == (n, 0, n, n)
    again = _load(store, _records(n))
    assert (again.added, again.present) == (0, n)


def _scratch_dirs() -> set:
    import tempfile
    from pathlib import Path

    from closeknit.core.scratch import SCRATCH_PREFIX

    return set(Path(tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*"))


def test_the_store_is_written_compressed_and_the_staged_files_removed(store):
    """Batches are staged as Parquet files; the store's own tables are compressed, and the staged
    files are gone after an import and after a failed one."""
    before = _scratch_dirs()
    n = BATCH_ROWS + 5
    _load(store, _records(n))
    store.con.execute("CHECKPOINT")
    kinds = {r[0] for r in store.con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('interactions') WHERE column_name = 'kind'").fetchall()}
    assert kinds and "Uncompressed" not in kinds  # one repeated value: stored as a constant or dictionary
    texts = {r[0] for r in store.con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('interactions') WHERE column_name = 'text' "
        "AND segment_type = 'VARCHAR'").fetchall()}
    assert texts == {"ZSTD"}  # the schema's choice for texts (cheaper to write than the default)
    assert _scratch_dirs() == before
    with pytest.raises(RuntimeError, match="importer broke"):
        _load(store, _records(BATCH_ROWS + 10, fail_at=BATCH_ROWS + 5))
    assert _scratch_dirs() == before


def test_importer_failure_after_queued_batches_rolls_back(store):
    _load(store, _records(10))
    with pytest.raises(RuntimeError, match="importer broke"):
        _load(store, _records(BATCH_ROWS * 2 + 100, fail_at=BATCH_ROWS * 2 + 50))
    assert (store.count("interactions"), store.count("sources"), store.count("interaction_participants")) == (10, 1, 10)
    # the connection is usable afterwards
    assert _load(store, _records(20)).added == 10


def test_writer_failure_is_raised_and_rolls_back(store):
    def bad():
        yield from _records(5)
        yield Interaction("x", "message", "events", datetime(2025, 1, 1), ADA)  # naive time: refused

    with pytest.raises(ValueError, match="naive timestamp"):
        _load(store, bad())
    assert store.count("interactions") == 0


CAROL = Ident("events", "account_id", "carol")


def _parts(store) -> list[tuple]:
    return store.con.execute(
        "SELECT i.native_id, p.identity_id, p.role FROM interaction_participants p JOIN interactions i ON i.id = p.interaction_id "
        "ORDER BY ALL").fetchall()


def test_a_repeated_native_id_keeps_its_first_occurrence_with_its_participants(store):
    def rec(nid, *parts):
        return Interaction(nid, "message", "events", T0, ADA, parts, text=nid)

    r = _load(store, [rec("a", (BOB, "recipient")), rec("b", (CAROL, "recipient")),
                      rec("a", (CAROL, "mentioned")),  # the repeat is not stored, nor its participant
                      rec("c", (BOB, "recipient"), (CAROL, "mentioned"), (BOB, "recipient"))])  # Bob once
    assert (r.added, r.present, r.identities) == (3, 0, 3)
    assert _parts(store) == sorted([("a", BOB.id, "recipient"), ("b", CAROL.id, "recipient"), ("c", BOB.id, "recipient"),
                                    ("c", CAROL.id, "mentioned")])


def test_bad_records_are_kept_as_errors(store):
    def recs():
        yield from _records(3)
        yield BadRecord("line 9", "unreadable date", "x" * 500)

    r = _load(store, recs())
    assert (r.added, r.errors) == (3, 1)
    assert store.con.execute("SELECT location, error, length(excerpt) FROM import_errors").fetchall() == [
        ("line 9", "unreadable date", 200)]


def test_sweep_removes_only_scratch_of_dead_imports(tmp_path):
    import os
    import subprocess
    import sys

    from closeknit.core.scratch import sweep_stale_scratch

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    for name, pid in (("closeknit-import-dead", dead_pid), ("closeknit-import-live", os.getppid()),
                      ("closeknit-import-mine", os.getpid()), ("other-dead", dead_pid)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "owner.pid").write_text(str(pid))
    (tmp_path / "closeknit-import-young").mkdir()  # no pid file yet, just created: kept
    old = tmp_path / "closeknit-import-old"  # no pid file, two days old: an abandoned folder
    old.mkdir()
    os.utime(old, (0, 0))
    assert sweep_stale_scratch(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "closeknit-import-live", "closeknit-import-mine", "closeknit-import-young", "other-dead"]


def test_a_full_scratch_disk_is_a_clear_error_and_writes_nothing(store, monkeypatch):
    import errno

    from closeknit.core.errors import StoreError
    from closeknit.store import load

    _load(store, _records(10))
    calls = []

    def full(table, where, **kw):
        calls.append(where)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(load.pq, "write_table", full)
    with pytest.raises(StoreError, match="no space left for this import's scratch files in .*set TMPDIR"):
        _load(store, _records(BATCH_ROWS + 5))
    assert calls and (store.count("interactions"), store.count("sources")) == (10, 1)
    monkeypatch.undo()
    assert _load(store, _records(20)).added == 10  # the store is usable afterwards
