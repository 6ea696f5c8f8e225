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


class _Profiled:
    """A DuckDB connection that records how many rows each operator of one statement made (DuckDB's
    own profile of it): every call goes to the connection as it is."""

    def __init__(self, con, statement_start: str, out) -> None:
        self._con, self._start, self._out = con, statement_start, str(out)

    def __getattr__(self, name):
        return getattr(self._con, name)

    def execute(self, sql, *args, **kwargs):
        if not sql.startswith(self._start):
            return self._con.execute(sql, *args, **kwargs)
        self._con.execute("SET enable_profiling = 'json'")
        self._con.execute(f"SET profiling_output = '{self._out}'")
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            self._con.execute("SET enable_profiling = 'no_output'")

    def operator_rows(self) -> list[int]:
        import json

        def walk(node) -> list[int]:
            return [node.get("intermediate_rows", 0)] + [n for child in node.get("children", []) for n in walk(child)]

        with open(self._out, encoding="utf-8") as f:
            return [n for op in json.load(f)["operator"] for n in walk(op)]


def test_the_contact_paths_never_meet_every_tie_of_a_hub(tmp_path):
    """The 3-hop paths of each pair join its two ends first (at most ties^2 rows a pair) and only
    then look up the middle hop. In the order DuckDB's optimizer chose, one end met the middle hop's
    ties first, so every pair next to a hub met all the hub's ties: at 5x10^7 events that did not
    finish under 8 GB. On a small log with two hubs the same fault shows in the rows the statement
    makes: 4,976,563 in DuckDB's order against 190,791 in the written one, for 13,625 pairs (measured
    2026-12-07 by emptying contacts.WRITTEN_ORDER); no operator may make more than ties^2 a pair."""
    from closeknit.relate.community import community
    from closeknit.relate.engines import DuckDBEngine
    from closeknit.relate.predict import THREE_HOP_TIES
    from tests.relate.helpers import hub_log_parquet

    eng = DuckDBEngine()
    profiled = _Profiled(eng.con, "CREATE OR REPLACE TEMP TABLE ct_paths ", tmp_path / "profile.json")
    eng.con = profiled
    rel = community(eng, hub_log_parquet(tmp_path / "hubs.parquet"))
    rel.build("contacts")
    n_pairs = eng.scalar("SELECT count(*) FROM closeness")
    rows = profiled.operator_rows()
    assert n_pairs == 13_625 and len(rows) > 10
    assert max(rows) <= THREE_HOP_TIES ** 2 * n_pairs, max(rows)
    # the paths were made: of the pairs in contact, both ways, those with a 3-hop path between them
    assert eng.con.execute("SELECT count(*) FILTER (WHERE paths3_week > 0), count(*) FROM contacts").fetchall() == [(3_882, 27_250)]
