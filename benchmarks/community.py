"""Synthetic community logs, and the pairs pipeline timed on DuckDB and on Spark.

    # a log: 100k people, 10M events, as Parquet files in a folder
    python benchmarks/community.py generate --people 100000 --events 10000000 --out /tmp/ev10m
    # the pairs on each engine: wall time and peak memory (this process and its children: Spark's JVM)
    python benchmarks/community.py run --engine duckdb --events /tmp/ev10m --out /tmp/pairs-d
    python benchmarks/community.py run --engine spark --master 'local[2]' --events /tmp/ev10m --out /tmp/pairs-s

The generator (vectorised numpy, written in chunks, so 10^9 events is a matter of disk and time,
not memory) models what makes real logs hard:

* heavy-tailed activity and degrees: each person has a Pareto weight (``--alpha``); both ends of a
  tie are drawn in proportion to it (Chung-Lu), so a few people have thousands of ties;
* hubs: ``--hubs K --hub-degree D`` adds K accounts in contact with D people each (a platform's
  official account, a community manager): the skew the Spark plan must survive;
* heavy-tailed tie strength: events per tie are log-normal (median ~5, mean ``events/ties``);
* ties form and fade: each tie lives from a uniform start for an exponential lifetime (mean a
  quarter of the span), and its events fall inside it;
* bursts: a tie's events come in sessions (about 4 events each) minutes apart;
* reciprocity: each tie has its own share of events sent by each side (Beta(2, 2): most ties are
  two-way, some lopsided); 5% of events are calls with a duration, 10% go to groups.
"""

from __future__ import annotations

import argparse
import os
import shutil
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

T0 = 1.6e9  # 2020-09-13: the log starts here
DAY = 86400.0


def _pick(cdf: np.ndarray, k: int, rng) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(k)), len(cdf) - 1)


def generate(people: int, events: int, out: str | Path, *, seed: int = 1, span_days: float = 730.0,
             alpha: float = 1.3, events_per_tie: float = 20.0, hubs: int = 0, hub_degree: int = 0,
             chunk: int = 5_000_000) -> int:
    """Write about ``events`` events among ``people`` people as Parquet files in ``out``; returns
    the number of events written."""
    rng = np.random.default_rng(seed)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    w = rng.pareto(alpha, people) + 1.0
    w[:hubs] = 0  # hubs get their ties below, not from the weights
    cdf = np.cumsum(w) / w.sum()
    span = span_days * DAY
    hub_events = hubs * hub_degree * 2
    ties_left = max(1, int((events - hub_events) / events_per_tie))
    written = part = 0
    sigma = 1.4
    mu = np.log(events_per_tie) - sigma * sigma / 2  # log-normal with mean events_per_tie
    while ties_left > 0 or part == 0 and hubs:
        k = min(ties_left, max(1, int(chunk / events_per_tie)))
        ties_left -= k
        u, v = _pick(cdf, k, rng), _pick(cdf, k, rng)
        if part == 0 and hubs:  # the hubs' ties: each with 1-3 events
            hu = np.repeat(np.arange(hubs), hub_degree)
            hv = rng.integers(hubs, people, hubs * hub_degree)
            u, v = np.concatenate([u, hu]), np.concatenate([v, hv])
        v = np.where(u == v, (v + 1) % people, v)
        n_t = len(u)
        per = np.maximum(1, np.round(rng.lognormal(mu, sigma, n_t))).astype(np.int64)
        if part == 0 and hubs:
            per[k:] = rng.integers(1, 4, n_t - k)
        start = rng.uniform(0, span, n_t)
        life = np.minimum(rng.exponential(span / 4, n_t), span - start) + 60.0
        share = rng.beta(2.0, 2.0, n_t)  # the share of the tie's events sent by u
        tie = np.repeat(np.arange(n_t), per)
        m = len(tie)
        # sessions of ~4 events: each event joins one of its tie's sessions, minutes apart inside it
        sessions = np.maximum(1, per // 4)
        sess_of = (rng.random(m) * sessions[tie]).astype(np.int64)
        sess_base = np.concatenate([[0], np.cumsum(sessions)[:-1]])
        sess_u = rng.random(int(sessions.sum()))  # each session's place in the tie's life
        at = (sess_of + sess_u[sess_base[tie] + sess_of]) / sessions[tie]
        ts = np.floor(T0 + start[tie] + life[tie] * at + rng.exponential(600.0, m))
        by_u = rng.random(m) < share[tie]
        src = np.where(by_u, u[tie], v[tie])
        dst = np.where(by_u, v[tie], u[tie])
        r = rng.random(m)
        call = r < 0.05
        kind = pa.DictionaryArray.from_arrays(pa.array(call.astype(np.int8)), pa.array(["message", "call"]))
        vis = pa.DictionaryArray.from_arrays(pa.array((rng.random(m) < 0.10).astype(np.int8)),
                                             pa.array(["private", "group"]))
        dur = np.where(call, np.round(rng.lognormal(5.0, 1.0, m)), np.nan)
        t = pa.table({
            "src": pc.cast(pa.array(src), pa.string()), "dst": pc.cast(pa.array(dst), pa.string()),
            "ts": pa.array(ts), "channel": pa.array(np.where(call, "phone", "chat")),
            "kind": kind.cast(pa.string()), "visibility": vis.cast(pa.string()),
            "duration": pa.array(dur, mask=~call),
        })
        pq.write_table(t, out / f"part-{part:05d}.parquet", row_group_size=1_000_000)
        written += m
        part += 1
        if part > 1 and ties_left <= 0:
            break
    return written


class PeakRSS:
    """Peak resident memory of this process and all its children (Spark's JVM), sampled."""

    def __init__(self, every: float = 0.2) -> None:
        import psutil  # type: ignore[import-untyped]

        self.proc, self.every, self.peak, self._stop = psutil.Process(), every, 0, threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psutil

        while not self._stop.is_set():
            total = 0
            for p in [self.proc, *self.proc.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.every)

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._t.join()
        self.peak = max(self.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its children so far: Spark's JVM is a child that
    is never waited for, so ``time`` would not count it."""
    import psutil

    procs = [psutil.Process()]
    procs += procs[0].children(recursive=True)
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def _shuffle_report(spark, path: str) -> None:
    """Per stage: tasks, input, shuffle read and write bytes, from Spark's own REST API (the driver's
    UI on loopback), written to ``path`` and summed on stdout; docs/scale.md scales these."""
    import json
    import urllib.request

    url = spark.sparkContext.uiWebUrl
    if not url:
        return
    app = spark.sparkContext.applicationId
    with urllib.request.urlopen(f"{url}/api/v1/applications/{app}/stages?status=complete") as r:  # noqa: S310 - loopback
        stages = json.load(r)
    rows = [{k: st.get(k) for k in ("stageId", "name", "numTasks", "inputBytes", "shuffleReadBytes", "shuffleWriteBytes",
                                    "executorRunTime", "memoryBytesSpilled", "diskBytesSpilled")} for st in stages]
    Path(path).write_text(json.dumps(sorted(rows, key=lambda x: x["stageId"]), indent=1))
    tot = lambda k: sum(x[k] or 0 for x in rows)  # noqa: E731
    print(f"stages={len(rows)} input={tot('inputBytes') / 2**20:.0f}MiB shuffle_write={tot('shuffleWriteBytes') / 2**20:.0f}MiB "
          f"shuffle_read={tot('shuffleReadBytes') / 2**20:.0f}MiB spilled_disk={tot('diskBytesSpilled') / 2**20:.0f}MiB "
          f"(per stage: {path})")


def run(engine: str, events: str, out: str, master: str | None, shuffle_partitions: int | None,
        memory_limit: str | None, driver_memory: str | None) -> None:
    from closeknit.relate.community import run_pairs
    from closeknit.relate.engines import DuckDBEngine, SparkEngine, spark_session, spill_folder

    eng: Any
    spill = None
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        if engine == "spark":
            conf = {"spark.ui.showConsoleProgress": "false"}
            if driver_memory:
                conf["spark.driver.memory"] = driver_memory
            spark = spark_session(master or "local[2]", shuffle_partitions=shuffle_partitions, conf=conf)
            spark.sparkContext.setLogLevel("ERROR")
            t_start = time.perf_counter() - t0
            eng = SparkEngine(spark)
        else:
            t_start = 0.0
            spill = spill_folder(out)  # as `closeknit pairs --events` does
            eng = DuckDBEngine(memory_limit=memory_limit, temp_directory=spill)
        n = run_pairs(eng, events, out)
        wall = time.perf_counter() - t0
        cpu = _cpu_seconds()
        if engine == "spark":
            _shuffle_report(spark, out + ".stages.json")
        eng.close()
        if spill:
            shutil.rmtree(spill, ignore_errors=True)
    n_ev = pq.ParquetDataset(events).count_rows() if hasattr(pq.ParquetDataset, "count_rows") else sum(
        pq.ParquetFile(os.path.join(events, f)).metadata.num_rows for f in os.listdir(events) if f.endswith(".parquet"))
    print(f"engine={engine} master={master or ('local[2]' if engine == 'spark' else '-')} events={n_ev:,} pairs={n:,} "
          f"wall={wall:.1f}s (session start {t_start:.1f}s) cpu={cpu:.1f}s peak_rss={mem.peak / 2**30:.2f}GiB")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="write a synthetic community log as Parquet")
    g.add_argument("--people", type=int, default=100_000)
    g.add_argument("--events", type=int, default=1_000_000)
    g.add_argument("--out", required=True)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--span-days", type=float, default=730.0)
    g.add_argument("--alpha", type=float, default=1.3, help="Pareto exponent of activity (smaller: heavier tail)")
    g.add_argument("--events-per-tie", type=float, default=20.0)
    g.add_argument("--hubs", type=int, default=0)
    g.add_argument("--hub-degree", type=int, default=0)
    r = sub.add_parser("run", help="the pairs of a log on one engine: wall time and peak memory")
    r.add_argument("--engine", choices=["duckdb", "spark"], required=True)
    r.add_argument("--events", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--master", default=None)
    r.add_argument("--shuffle-partitions", type=int, default=None)
    r.add_argument("--memory-limit", default=None, help="DuckDB's memory_limit")
    r.add_argument("--driver-memory", default=None, help="spark.driver.memory (local mode: the whole JVM)")
    a = ap.parse_args(argv)
    if a.cmd == "generate":
        t0 = time.perf_counter()
        n = generate(a.people, a.events, a.out, seed=a.seed, span_days=a.span_days, alpha=a.alpha,
                     events_per_tie=a.events_per_tie, hubs=a.hubs, hub_degree=a.hub_degree)
        print(f"{n:,} events among {a.people:,} people written to {a.out} in {time.perf_counter() - t0:.1f}s")
    else:
        run(a.engine, a.events, a.out, a.master, a.shuffle_partitions, a.memory_limit, a.driver_memory)
    return 0


if __name__ == "__main__":
    sys.exit(main())
