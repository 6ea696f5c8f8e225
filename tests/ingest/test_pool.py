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


def _slow_task(folder: str, k: int, seconds: float = 0.3) -> int:
    import time
    from pathlib import Path

    time.sleep(seconds)
    Path(folder, f"done-{k}").touch()
    return k


def test_a_caller_that_stops_early_waits_for_the_tasks_handed_over(tmp_path):
    """Stopping early (Ctrl-C, an error) leaves no task running when the pool is then ended:
    Pool.terminate() during a large result's transfer can hang for good (see pool.in_order)."""
    p = pool.spawn_pool(2)
    try:
        got = pool.in_order(p, _slow_task, ((str(tmp_path), k) for k in range(20)), window=5)
        assert next(got) == ((str(tmp_path), 0), 0)
        got.close()  # what a consumer that stops does to the generator
        # tasks 0-4 were handed over before the first result was given back; none after
        assert sorted(f.name for f in tmp_path.iterdir()) == [f"done-{k}" for k in range(5)]
    finally:
        p.terminate()
        p.join()


class _Stop(Exception):
    pass


def test_a_ctrl_c_while_waiting_for_a_result_waits_for_that_task_too(tmp_path):
    """A Ctrl-C usually lands while the caller waits for the next result: that task is still being
    computed (or sent) by a worker, so it is among those to wait for before the pool is ended (the
    Ctrl-C test of tests/present/test_limits.py hung in CI when it was not)."""
    import signal

    def stop(signum, frame):
        raise _Stop

    p = pool.spawn_pool(2)
    old = signal.signal(signal.SIGALRM, stop)
    try:
        warm = tmp_path / "warm"
        warm.mkdir()
        p.starmap(_slow_task, [(str(warm), k, 0.1) for k in range(1, 5)], chunksize=1)  # both workers started
        # task 0 takes 1.5 s, the others 0.1 s
        got = pool.in_order(p, _slow_task, ((str(tmp_path), k, 1.5 if k == 0 else 0.1) for k in range(20)), window=5)
        signal.setitimer(signal.ITIMER_REAL, 0.5)  # while task 0 (1.5 s) is still running
        with pytest.raises(_Stop):
            next(got)
        # tasks 0-4 were handed over; the one being waited for (0) is done too, not only 1-4
        assert sorted(f.name for f in tmp_path.iterdir() if f.is_file()) == [f"done-{k}" for k in range(5)]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        p.terminate()
        p.join()


def test_workers_ignore_ctrl_c_from_their_start():
    """A Ctrl-C reaches every process of the terminal's group: workers must ignore it from the moment
    they start, not only once their initializer has run (a worker killed while importing could hold
    the pool's task lock). Their kernel signal mask says so; the caller's handler is given back."""
    import signal

    before = signal.getsignal(signal.SIGINT)
    p = pool.spawn_pool(2)
    try:
        assert signal.getsignal(signal.SIGINT) is before
        for w in p._pool:  # the pool's processes, read from /proc (Linux)
            with open(f"/proc/{w.pid}/status") as f:
                ignored = int(next(line for line in f if line.startswith("SigIgn:")).split()[1], 16)
            assert ignored & (1 << (signal.SIGINT - 1)), w.pid
    finally:
        p.terminate()
        p.join()
