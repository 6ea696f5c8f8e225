"""The store is closeknit's or nothing; everything closeknit creates is owner-only; scratch goes away.

Each test runs the real command in a child process (as a user would), under a loose umask (022),
and checks real file modes.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from closeknit.core.scratch import SCRATCH_PREFIX
from closeknit.store import Store
from tests.store.test_interrupt import _write_edges, snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _cli(*args, env=None, umask=0o022) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "closeknit.present.cli", *map(str, args)], capture_output=True,
                          text=True, env=env, preexec_fn=lambda: os.umask(umask))


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


def test_a_sqlite_file_is_refused_before_duckdb_touches_it(tmp_path):
    lite = tmp_path / "notes.db"
    with sqlite3.connect(lite) as c:
        c.execute("CREATE TABLE t (x)")
    before = lite.read_bytes()
    env = dict(os.environ, HOME=str(tmp_path / "home"))
    for cmd in (["people"], ["import", FIXTURES / "calls" / "calls-2024.xml"], ["doctor"]):
        r = _cli(*cmd, "--db", lite, env=env)
        assert r.returncode == 1, r.stderr
        assert r.stderr == f"Error: {lite} is not a closeknit store (a SQLite database); check --db or CLOSEKNIT_DB\n"
    assert lite.read_bytes() == before
    assert not (tmp_path / "home").exists()  # DuckDB never made ~/.duckdb/extensions


def test_other_files_are_refused_and_left_as_they_were(tmp_path):
    text, empty, other = tmp_path / "hosts", tmp_path / "empty.duckdb", tmp_path / "other.duckdb"
    text.write_text("127.0.0.1 localhost\n")
    empty.write_bytes(b"")
    con = duckdb.connect(str(other))
    con.execute("CREATE TABLE accounts (id INT)")
    con.close()
    expect = {text: "not a DuckDB file", empty: "an empty file"}
    for p, what in expect.items():
        with pytest.raises(Exception) as e:
            Store(p)
        assert str(e.value) == f"{p} is not a closeknit store ({what}); check --db or CLOSEKNIT_DB"
    with pytest.raises(Exception) as e:
        Store(other)
    assert str(e.value) == f"{other} is a DuckDB database but not a closeknit store; check --db or CLOSEKNIT_DB"
    assert text.read_text() == "127.0.0.1 localhost\n" and empty.read_bytes() == b""
    con = duckdb.connect(str(other), read_only=True)
    assert con.execute("SELECT table_name FROM information_schema.tables").fetchall() == [("accounts",)]
    con.close()


@pytest.mark.parametrize("cmd", [["people"], ["sources"], ["doctor"], ["me"], ["attention"], ["circles"],
                                 ["person", "Ada"], ["check", "--incoming"], ["score", "--store"]])
def test_a_mistyped_db_for_a_reading_command_creates_nothing(tmp_path, cmd):
    typo = tmp_path / "closknit.duckdb"
    r = _cli(*cmd, "--db", typo)
    assert (r.returncode, r.stderr) == (1, f"Error: no store at {typo}; import something first (closeknit import PATH) or check --db\n")
    assert list(tmp_path.iterdir()) == []


def test_store_folder_wal_and_scratch_are_owner_only_and_sigterm_removes_scratch(tmp_path):
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    _write_edges(small, 1000)
    _write_edges(big, 300_000)
    db = tmp_path / "new" / "deeper" / "s.duckdb"
    r = _cli("import", "--db", db, small)
    assert r.returncode == 0, r.stderr
    assert _mode(db) == 0o600
    assert _mode(db.parent) == 0o700 and _mode(db.parent.parent) == 0o700
    before = snapshot(db)

    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, CLOSEKNIT_FAILPOINT="batch_written:1", TMPDIR=str(tmp))
    proc = subprocess.Popen([sys.executable, "-m", "closeknit.present.cli", "import", "--db", str(db), str(big)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
                            preexec_fn=lambda: os.umask(0o022))
    assert proc.stderr.readline().startswith("FAILPOINT batch_written:1")
    scratch = sorted(tmp.iterdir())
    assert [p.name.startswith(SCRATCH_PREFIX) for p in scratch] == [True, True]  # the loader's and the CSV importer's
    made = [p for d in scratch for p in d.rglob("*")] + scratch
    assert {oct(_mode(p)) for p in made if p.is_dir()} == {"0o700"}
    files = [p for p in made if p.is_file()]
    assert {p.suffix for p in files} >= {".parquet", ".pid"}
    assert {oct(_mode(p)) for p in files} == {"0o600"}
    proc.terminate()  # SIGTERM, as a system shutdown or `kill` sends
    assert proc.wait(timeout=60) == 130
    assert proc.stderr.read() == "Interrupted; nothing was written for the unfinished source.\n"
    assert list(tmp.iterdir()) == []
    assert snapshot(db) == before
    wal = Path(f"{db}.wal")
    assert not wal.exists() or _mode(wal) == 0o600


def test_every_command_sweeps_dead_scratch_and_old_stores_are_tightened(tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    db.chmod(0o644)  # as stores were created before
    tmp = tmp_path / "tmp"
    dead = tmp / (SCRATCH_PREFIX + "dead")
    dead.mkdir(parents=True)
    (dead / "owner.pid").write_text("999999999")  # no such process
    (dead / "i000000.parquet").write_bytes(b"message texts")
    r = _cli("sources", "--db", db, env=dict(os.environ, TMPDIR=str(tmp)))
    assert r.returncode == 0, r.stderr
    assert list(tmp.iterdir()) == []
    r = _cli("me", "--db", db, "region", "GB")
    assert r.returncode == 0 and _mode(db) == 0o600


def test_output_files_are_owner_only(tmp_path):
    texts = tmp_path / "t.txt"
    texts.write_text("how are you holding up?\nthe meeting is at noon\n")
    out = tmp_path / "scored.csv"
    r = _cli("score", texts, "-o", out)
    assert r.returncode == 0, r.stderr
    assert _mode(out) == 0o600 and len(out.read_text().splitlines()) == 3


def test_a_zip_declaring_millions_of_members_is_refused_before_its_directory_is_read(tmp_path):
    import struct

    from closeknit.core.errors import UnsafeInputError
    from closeknit.ingest.inputs import ZipTree

    # only a ZIP64 end record that declares 6,000,000 members and a 324 MB directory: the refusal
    # must come from these 98 bytes, not from reading (and building objects for) the directory
    n, size = 6_000_000, 324_000_000
    z = tmp_path / "six-million.zip"
    z.write_bytes(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, size, 0)
                  + struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)
                  + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    with pytest.raises(UnsafeInputError) as e:
        ZipTree(z)
    assert str(e.value) == f"{z}: 6,000,000 members is beyond the limit of 2,000,000; refusing"
