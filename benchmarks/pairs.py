"""``closeknit pairs`` end to end on real logs: rows, time and peak memory.

For SNAP email-Eu-core-temporal (imported as ``edges``) and the Copenhagen Networks Study calls +
SMS (written to a temporary events CSV with ``kind`` and ``duration``: calls ``-1`` (not connected)
become 0 s; no ``channel`` column, so that a participant's id is one person across calls and texts -
identities are per channel; never copied into the repository), this imports the log into a temporary store, then
runs ``closeknit pairs --csv -o FILE`` in a fresh process and reports the rows written, the wall
time and the peak resident memory of that process (the import is timed apart).

    .venv/bin/python benchmarks/pairs.py
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "interactions"
_TIMED = """import json, resource, subprocess, sys, time
t = time.perf_counter(); r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"rc": r.returncode, "err": r.stderr[-2000:], "s": time.perf_counter() - t,
                  "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"""


def timed(cmd: list[str]) -> dict:
    """Run ``cmd`` in a fresh process: wall seconds and its peak RSS (MB)."""
    out = subprocess.run([sys.executable, "-c", _TIMED, *cmd], capture_output=True, text=True, check=True).stdout
    res = json.loads(out)
    if res["rc"] != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {res['err']}")
    return res


def cns_events_csv(data: Path, out: Path) -> int:
    rows = []
    with open(data / "cns" / "sms.csv", newline="") as f:
        for r in csv.DictReader(f):
            rows.append((int(r["timestamp"]), r["from"], r["to"], "message", ""))
    with open(data / "cns" / "calls.csv", newline="") as f:
        for r in csv.DictReader(f):
            rows.append((int(r["timestamp"]), r["from"], r["to"], "call", str(max(int(r["duration"]), 0))))
    rows.sort()
    with open(out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["src", "dst", "ts", "kind", "duration"])
        for ts, s, d, kind, dur in rows:
            w.writerow([s, d, ts, kind, dur])
    return len(rows)


def run(name: str, log: Path, tmp: Path) -> str:
    ck = str(Path(sys.executable).with_name("closeknit"))
    db, out = tmp / f"{name}.duckdb", tmp / f"{name}-pairs.csv"
    imp = timed([ck, "import", str(log), "--db", str(db)])
    res = timed([ck, "pairs", "--db", str(db), "--csv", "-o", str(out)])
    with open(out) as f:
        rows = sum(1 for _ in f) - 1
    return (f"{name}: {rows:,} pairs in contact; closeknit pairs {res['s']:.1f} s, peak memory {res['peak_mb']:.0f} MB "
            f"(import {imp['s']:.1f} s)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="closeknit_pairs_bench_") as t:
        tmp = Path(t)
        print(run("email-Eu-core", args.data / "email-Eu-core-temporal.txt", tmp), flush=True)
        n = cns_events_csv(args.data, tmp / "cns.csv")
        print(f"(CNS: {n:,} calls and text messages written as an events CSV with duration)", flush=True)
        print(run("CNS calls + SMS", tmp / "cns.csv", tmp), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
