"""Benchmark: size and time of every export of the demo store (closeknit export --to FORMAT).

    python benchmarks/export.py                  # builds the demo (seed 7) in a temporary folder
    python benchmarks/export.py --db demo.duckdb # or exports an existing store

The store is scored first (as ``closeknit demo`` leaves it), so each time is the export alone:
reading the tables, computing the measure tables where the format has them, and writing.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import closeknit
from closeknit.export import FORMATS


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None, help="store to export (default: build the demo)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="closeknit-export-bench-"))
    db = args.db
    if db is None:
        from closeknit.demo.build import build_demo

        t0 = time.perf_counter()
        res = build_demo(tmp / "demo.duckdb", tmp / "exports")
        db = res.store
        print(f"demo built in {time.perf_counter() - t0:.1f} s: {res.scored:,} texts scored")
    with closeknit.open(db, read_only=False) as ck:
        ck.score_store()
        n = ck.store.count("interactions")
        print(f"store {db}: {n:,} interactions, {db.stat().st_size / 1e6:.1f} MB")
        print(f"{'format':10} {'files':>5} {'MB':>8} {'seconds':>8}")
        for to in FORMATS:
            df = ck.export(to, tmp / to)
            print(f"{to:10} {len(df):5d} {df.bytes.sum() / 1e6:8.2f} {df.attrs['seconds']:8.2f}")
    print(f"(written under {tmp})")


if __name__ == "__main__":
    main()
