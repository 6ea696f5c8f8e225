"""Benchmark: every relationship measure for N interactions among P people (default 10M / 100k).

    python benchmarks/relate.py                     # 10,000,000 interactions, 100,000 people
    python benchmarks/relate.py --n 1000000 --people 10000

1. Generates a store directly with SQL (not through the importers): identities and people,
   interactions (messages, replies, likes, mentions, calls, meetings, follows, posts) over three
   years between people who mostly talk within a circle of ~50 contacts, one participant each,
   and a ``message_scores`` row for every text (random intimacy, confidence and flags).
2. In a fresh process (so the peak memory is the measures' own): extracts the all-pairs dyad-event
   table (``dyad_events(scope="all")``) and computes ALL measures - monthly panel with cumulative
   familiarity/intimacy/reciprocity/trust/stage, per-pair summary with trajectory, stage changes,
   channel norms, and the judgement of every received message (``incoming``) - then a baseline
   in the same process: a plain count per pair (GROUP BY a, b) over the same dyad-event table.
Prints the times, the ratio to the baseline and the peak resident memory (ru_maxrss).

With ``--pairs``, step 2 instead runs ``closeknit.relate.pairs`` on the store - what ``closeknit
pairs`` computes: extraction, the measures of every pair, closeness with its shared contacts, and
the names - and reports its rows, time and peak memory.

    python benchmarks/relate.py --pairs --memory-limit 5GB
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def generate(db: Path, n: int, people: int, seed: float = 0.42) -> float:
    from closeknit.store import Store

    t0 = time.perf_counter()
    with Store(db) as st:
        con = st.con
        con.execute(f"SELECT setseed({seed})")
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO sources (id, format, path, fingerprint, parser_version, imported_at, n_records, n_added, "
                    "n_present, n_errors, n_identities) VALUES (1, 'bench', 'generated', 'x', '1', now(), ?, ?, 0, 0, ?)", [n, n, people])
        con.execute(f"""INSERT INTO identities SELECT i, 'email', 'email', 'p' || i || '@example.org', 'Person ' || i, i, 1
                        FROM range({people}) t(i)""")
        con.execute(f"INSERT INTO people SELECT i, 'Person ' || i, i = 0 FROM range({people}) t(i)")
        con.execute("INSERT INTO person_keys SELECT id, id FROM identities")
        # who talks to whom: actors skewed (some people are much more active), partners mostly within
        # a circle of ~50 nearby ids, sometimes anyone
        con.execute(f"""
        CREATE TEMP TABLE g AS
        SELECT i AS id,
               CAST(floor({people} * pow(random(), 1.5)) AS BIGINT) AS actor,
               random() AS r_kind, random() AS r_other, random() AS r_far, random() AS r_ts, random() AS r_x
        FROM range({n}) t(i)""")
        con.execute("""
        INSERT INTO interactions
        SELECT id, 1, 'bench', 'n' || id,
               CASE WHEN r_kind < 0.60 THEN 'whatsapp' WHEN r_kind < 0.70 THEN 'email' WHEN r_kind < 0.85 THEN 'twitter'
                    WHEN r_kind < 0.90 THEN 'linkedin' WHEN r_kind < 0.95 THEN 'phone' ELSE 'meeting' END,
               CASE WHEN r_kind < 0.60 THEN 'message' WHEN r_kind < 0.70 THEN 'message' WHEN r_kind < 0.76 THEN 'reply'
                    WHEN r_kind < 0.82 THEN 'like' WHEN r_kind < 0.84 THEN 'mention' WHEN r_kind < 0.845 THEN 'follow'
                    WHEN r_kind < 0.85 THEN 'post' WHEN r_kind < 0.90 THEN 'message' WHEN r_kind < 0.95 THEN 'call'
                    ELSE 'meeting' END,
               TIMESTAMPTZ '2023-01-01 00:00:00+00' + to_seconds(CAST(r_ts * 3 * 365 * 86400 AS BIGINT)),
               actor,
               CASE WHEN r_kind >= 0.70 AND r_kind < 0.85 THEN 'public' WHEN r_kind < 0.03 THEN 'group' ELSE 'private' END,
               NULL, NULL, NULL,
               CASE WHEN r_kind < 0.76 OR (r_kind >= 0.85 AND r_kind < 0.90) THEN CAST(20 + r_x * 200 AS INTEGER) END,
               CASE WHEN r_kind >= 0.90 THEN 60 + r_x * 3600 END
        FROM g""")
        con.execute(f"""
        INSERT INTO interaction_participants
        SELECT g.id,
               CASE WHEN r_far < 0.9   -- a circle of ~50 ids either side, closer ones more often
                    THEN (actor + {people} + (CASE WHEN r_x < 0.5 THEN 1 ELSE -1 END)
                          * (1 + CAST(floor(pow(r_other, 2) * 25) AS BIGINT))) % {people}
                    ELSE CAST(floor(r_other * {people}) AS BIGINT) END,
               'recipient'
        FROM g JOIN interactions i ON i.id = g.id WHERE i.kind <> 'post'""")
        from closeknit.relate.inputs import current_model_version

        con.execute(f"""
        INSERT INTO message_scores (interaction_id, model_version, model, intimacy, confidence, lang, is_question,
                                    personal_question, disclosure)
        SELECT i.id, '{current_model_version()}', 'fast', least(1.0, greatest(0.0, 0.3 + (g.r_x - 0.5) * 0.5 + (g.r_other - 0.5) * 0.2)),
               0.3 + g.r_far * 0.5, 'en', g.r_x > 0.7, g.r_x > 0.93,
               CAST(g.r_other > 0.85 AS DOUBLE)
        FROM interactions i JOIN g ON g.id = i.id WHERE i.text_len IS NOT NULL""")
        # the participant of a self-loop would be dropped by the measures anyway; keep the table honest
        con.execute("DELETE FROM interaction_participants WHERE identity_id = (SELECT actor_id FROM interactions i "
                    "WHERE i.id = interaction_participants.interaction_id)")
        con.execute("DROP TABLE g")
        con.execute("COMMIT")
        con.execute("CHECKPOINT")
    return time.perf_counter() - t0


def measure(db: Path, threads: int | None, memory_limit: str | None) -> dict:
    import duckdb

    from closeknit.relate.inputs import dyad_events, post_counts
    from closeknit.relate.measures import Relationships

    out: dict = {}
    con = duckdb.connect(str(db), read_only=True)
    t0 = time.perf_counter()
    ev = dyad_events(con, scope="all")
    posts = post_counts(con)
    out["extract_s"] = time.perf_counter() - t0
    out["dyad_events"] = ev.num_rows
    con.close()

    rel = Relationships(ev, posts, threads=threads, memory_limit=memory_limit,
                        temp_directory=f"{tempfile.gettempdir()}/closeknit_relate_spill")
    # baseline: a plain count per pair over the same dyad-event table, same engine, same process
    t = time.perf_counter()
    rel.rows("SELECT count(*) FROM (SELECT a, b, count(*) AS n FROM ev_in GROUP BY a, b)")
    out["baseline_s"] = time.perf_counter() - t
    for name in ("e", "c", "panel", "dyads", "norms", "incoming"):
        t = time.perf_counter()
        rel.build(name)
        out[f"{name}_s"] = time.perf_counter() - t
        if name == "e":  # the engine has its own copy now; let the Arrow input go
            rel._con.unregister("ev_in")
            rel.events = None
            del ev
    out["measures_s"] = sum(out[f"{n}_s"] for n in ("e", "c", "panel", "dyads", "norms", "incoming"))
    counts = rel.rows("""SELECT (SELECT count(*) FROM panel) AS panel_rows, (SELECT count(*) FROM dyads) AS pairs,
                                (SELECT count(*) FROM incoming) AS judged,
                                (SELECT count(*) FROM incoming WHERE verdict <> 'fine') AS flagged""")[0]
    out.update({k: int(v) for k, v in counts.items()})
    stages = rel.rows("SELECT stage, count(*) AS n FROM dyads GROUP BY stage ORDER BY stage")
    out["pairs_per_stage"] = {int(r["stage"]): int(r["n"]) for r in stages}
    out["ratio"] = out["measures_s"] / out["baseline_s"]
    out["total_s"] = out["extract_s"] + out["measures_s"]
    rel.close()
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return out


def measure_pairs(db: Path, memory_limit: str | None) -> dict:
    import duckdb

    from closeknit.relate.pairs import pairs

    con = duckdb.connect(str(db), read_only=True)
    t0 = time.perf_counter()
    t = pairs(con, memory_limit=memory_limit)
    out = {"pairs_s": time.perf_counter() - t0, "rows": t.num_rows, "columns": t.num_columns,
           "mean_closeness": float(t["closeness"].to_numpy().mean())}
    con.close()
    out["peak_rss_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="interactions")
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=None, help="store to (re)use (default: a temporary file)")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--memory-limit", default="5GB", help="DuckDB memory limit of the measures engine (spills beyond)")
    ap.add_argument("--pairs", action="store_true", help="time closeknit.relate.pairs (closeknit pairs) instead")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:
        res = measure_pairs(args.db, args.memory_limit) if args.pairs else measure(args.db, args.threads, args.memory_limit)
        print(json.dumps(res))
        return
    tmp = None
    db = args.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="closeknit_relate_bench_")
        db = Path(tmp.name) / "bench.duckdb"
    try:
        if not db.exists():
            gen_s = generate(db, args.n, args.people)
            print(f"generated {args.n:,} interactions among {args.people:,} people in {gen_s:.1f}s -> {db}", flush=True)
        cmd = [sys.executable, __file__, "--measure-only", "--db", str(db)]
        if args.threads:
            cmd += ["--threads", str(args.threads)]
        cmd += ["--memory-limit", args.memory_limit] + (["--pairs"] if args.pairs else [])
        res = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    finally:
        if tmp is not None:
            tmp.cleanup()
    if args.pairs:
        print(f"closeknit.relate.pairs: {res['rows']:,} pairs x {res['columns']} columns in {res['pairs_s']:.1f} s "
              f"(target < 120 s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); "
              f"peak memory {res['peak_rss_gb']:.2f} GB (target < 8 GB); mean closeness {res['mean_closeness']:.3f}")
        return
    print(f"dyad events: {res['dyad_events']:,}  pairs: {res['pairs']:,}  panel rows (pair-months): {res['panel_rows']:,}  "
          f"messages judged: {res['judged']:,} (flagged {res['flagged']:,})")
    print(f"pairs per stage: {res['pairs_per_stage']}")
    print(f"extract from store   {res['extract_s']:7.1f} s")
    for k in ("e", "c", "panel", "dyads", "norms", "incoming"):
        print(f"  {k:18} {res[k + '_s']:7.1f} s")
    print(f"all measures         {res['measures_s']:7.1f} s")
    print(f"total                {res['total_s']:7.1f} s   (target < 120 s; load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores)")
    print(f"baseline count/pair  {res['baseline_s']:7.2f} s   ratio measures/baseline = {res['ratio']:.0f}x")
    print(f"peak memory (RSS)    {res['peak_rss_gb']:7.2f} GB  (target < 8 GB)")


if __name__ == "__main__":
    main()
