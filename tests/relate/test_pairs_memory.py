"""How ``closeknit.relate.pairs`` keeps its memory down: tables released as soon as they are used,
a spill folder beside the store, removed afterwards. (Its speed is measured in benchmarks/relate.py.)"""

from __future__ import annotations

from closeknit.core.duck import connect
from closeknit.relate.measures import Relationships
from closeknit.relate.pairs import _spill_dir, pairs
from closeknit.store import Store
from tests.relate.helpers import DAY, T0, Timeline, email_eu_core_parquet


def _log() -> Timeline:
    tl = Timeline()
    for d in range(0, 60, 3):  # 1 and 2 talk every third day; 2 and 3 once; 1 calls 3
        tl.add(d, "out", a=1, b=2).add(d + 1, "in", a=1, b=2)
    tl.add(5, "out", a=2, b=3).add(9, "out", "call", a=1, b=3, duration=120)
    return tl


def test_released_tables_leave_the_pairs_as_they_were():
    now = (T0 + 70 * DAY).timestamp()
    whole = Relationships(_log().table(), as_of=now)
    lean = Relationships(_log().table(), as_of=now)
    try:
        lean.release_input()
        lean.build("dyads")
        lean.release("panel")
        lean.build("closeness")
        lean.release("e")  # and its view c
        assert sorted(lean._built) == ["closeness", "dyads"]
        tables = {r[0] for r in lean._con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()}
        assert tables == {"closeness", "dyads"}
        assert lean.pairs().to_pylist() == whole.pairs().to_pylist()
        assert [(r["a"], r["b"], r["contacts"]) for r in lean.pairs().to_pylist()] == [(1, 2, 40), (1, 3, 1), (2, 3, 1)]
    finally:
        whole.close()
        lean.close()


def test_the_engine_spills_beside_the_store_and_cleans_up(tmp_path):
    db = tmp_path / "store" / "s.duckdb"
    db.parent.mkdir()
    with Store(str(db)) as st:
        spill = _spill_dir(st.con)
        assert spill is not None and spill.startswith(str(db.parent) + "/.closeknit-spill-")
        (tmp_path / "store" / spill.rsplit("/", 1)[1]).rmdir()
        assert pairs(st.con).num_rows == 0  # an empty store: no pairs, and no folder left behind
    assert sorted(p.name for p in db.parent.iterdir()) == ["s.duckdb"]
    assert _spill_dir(connect()) is None  # an in-memory store: the engine's default


def test_an_interrupted_events_run_leaves_no_half_written_output(shared, tmp_path):
    """Ctrl-C once `pairs --events` has written its first table: the run ends with the one line, and
    the folder it made is gone (no norms of this run for a reader to take beside older pairs)."""
    import signal
    import subprocess
    import sys
    import time

    log = email_eu_core_parquet(shared, tmp_path / "eu.parquet")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "closeknit.present.cli", "pairs", "--events", str(log), "--out", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while not (out / "norms").exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run ended before its first table was written: " + proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 130, err
    assert err == "Interrupted.\n"  # one line (DuckDB's "Query interrupted" is Ctrl-C, not an unexpected error)
    assert not out.exists()


def test_a_table_made_in_the_written_join_order_leaves_the_engine_as_it_was():
    """``written_order`` turns DuckDB's join-order optimizer off for one statement only (the contact
    model's paths, :data:`closeknit.relate.contacts.WRITTEN_ORDER`), also when the statement fails."""
    import pytest

    from closeknit.relate.contacts import WRITTEN_ORDER
    from closeknit.relate.engines import DuckDBEngine

    assert WRITTEN_ORDER == {"ct_paths"}
    eng = DuckDBEngine()
    eng.table("t", "SELECT x.i, y.j FROM range(3) x(i) JOIN range(3) y(j) ON x.i = y.j", written_order=True)
    assert eng.con.execute("SELECT i, j FROM t ORDER BY i").fetchall() == [(0, 0), (1, 1), (2, 2)]
    setting = "SELECT current_setting('disabled_optimizers')"
    assert eng.con.execute(setting).fetchone() == ("",)
    with pytest.raises(Exception, match="no_such_table"):
        eng.table("u", "SELECT * FROM no_such_table", written_order=True)
    assert eng.con.execute(setting).fetchone() == ("",)
    eng.close()
