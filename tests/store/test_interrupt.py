"""An interrupted import (kill -9 midway) leaves the store exactly as it was."""

from __future__ import annotations

import os
import subprocess
import sys

import duckdb

from closeknit.store import Store

TABLES = ["sources", "people", "identities", "identity_links", "me", "interactions", "interaction_participants", "import_errors"]
# columns that legitimately differ between two stores: when the import ran
VOLATILE = {"sources": "* EXCLUDE (imported_at)"}


def snapshot(path) -> dict[str, tuple]:
    """Per table: row count and an order-independent checksum of every row's full content."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            t: tuple(con.execute(
                f"SELECT count(*), sum(hash(r)::HUGEINT), bit_xor(hash(r)) FROM (SELECT {VOLATILE.get(t, '*')} FROM {t}) r"
            ).fetchall()[0])
            for t in TABLES
        }
    finally:
        con.close()


def _write_edges(path, n: int) -> None:
    with open(path, "w") as f:
        for i in range(n):
            f.write(f"{i % 997} {(i * 7) % 991} {i}\n")


def _import(db, path, env=None):
    r = subprocess.run(
        [sys.executable, "-m", "closeknit.present.cli", "import", "--db", str(db), str(path)], capture_output=True, text=True,
        env=env,
    )
    assert r.returncode == 0, r.stderr


def test_kill_9_midway_leaves_store_unchanged(tmp_path):
    small, big = tmp_path / "small.txt", tmp_path / "big.txt"
    _write_edges(small, 1000)
    _write_edges(big, 600_000)
    killed_db, clean_db = tmp_path / "killed.duckdb", tmp_path / "clean.duckdb"
    for db in (killed_db, clean_db):
        _import(db, small)
    before = snapshot(killed_db)

    # the failpoint holds the import right after its 3rd batch of 100,000 rows has been written;
    # its own temp folder shows the scratch database that kill -9 leaves behind
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = dict(os.environ, CLOSEKNIT_FAILPOINT="batch_written:3", TMPDIR=str(tmp))
    proc = subprocess.Popen([sys.executable, "-m", "closeknit.present.cli", "import", "--db", str(killed_db), str(big)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    line = proc.stderr.readline()
    assert line.startswith("FAILPOINT batch_written:3"), line
    proc.kill()  # SIGKILL: no handler runs
    proc.wait()

    assert snapshot(killed_db) == before
    with Store(killed_db) as st:  # the store opens and works after the crash
        assert st.count("interactions") == 1000
    # two scratch folders: the loader's staging database and the CSV importer's own
    assert [p.name.startswith("closeknit-import-") for p in tmp.iterdir()] == [True, True]

    _import(killed_db, big, env=dict(os.environ, TMPDIR=str(tmp)))  # sweeps the dead import's scratch folder
    assert list(tmp.iterdir()) == []
    _import(clean_db, big)
    assert snapshot(killed_db) == snapshot(clean_db)
    # the small file is the first 1,000 lines of the big one: they are already present
    assert snapshot(clean_db)["interactions"][0] == 600_000
