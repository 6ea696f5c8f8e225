"""Import speed and memory for every format: `python benchmarks/ingest.py [--n 1000000] [--only twitter,mbox]`.

For each generator in benchmarks/gen/<name>.py (``generate(out_dir, n_messages, seed) -> path``):
1. write an export of about N messages in the real format;
2. baseline, measured in the same run: the importer's parse alone (records consumed, nothing
   stored), in a fresh process;
3. the full import into a new store, in a fresh process, with its peak memory (max RSS).
Prints messages/second for both, the ratio (how much the store write costs), and peak memory:
the importing process's, and the largest worker process's where an importer starts workers
(at most ``min(CPUs, 4)`` of them run beside the importing process), and the highest sum of
all of them at one moment (``total MB``, sampled every 20 ms: each one's anonymous resident
memory plus the largest file-backed resident set, so that the libraries every process maps are
counted once; reading /proc/PID/smaps_rollup for exact figures took 6 ms per read and slowed
the import it measured).

``--repeat N`` imports each export N times and prints every run and the median (the machine's
speed varies by about 10% from run to run); ``--data DIR`` keeps the generated exports in DIR
and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

CHILD = r"""
import json, os, resource, sys, threading, time
from closeknit.ingest import get_importer, open_tree
from closeknit.ingest.records import Interaction
from closeknit.store import Store
from closeknit.store.load import import_tree
from closeknit.store.people import load_context
mode, fmt, path, db = sys.argv[1:5]
tree = open_tree(path)
imp = get_importer(fmt)

def _rss_kb(pid):  # (anonymous, file-backed) resident kB: /proc/PID/status is cheap to read
    anon = file = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
                elif line.startswith("RssFile:"):
                    file = int(line.split()[1])
    except OSError:
        pass
    return anon, file

def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []

total_peak = [0]
def _sample():  # this process and its workers together, every 20 ms (Linux /proc)
    me = os.getpid()
    while True:
        got = [_rss_kb(me)] + [_rss_kb(c) for c in _children(me)]
        # private memory of each, plus the libraries' pages once (they map the same files)
        total_peak[0] = max(total_peak[0], sum(a for a, _ in got) + max(f for _, f in got))
        time.sleep(0.02)
threading.Thread(target=_sample, daemon=True).start()
t0 = time.perf_counter()
if mode == "parse":
    n = 0
    for r in imp.read(tree, load_context(Store(db).con)):
        n += isinstance(r, Interaction)
    out = {"interactions": n}
else:
    st = Store(db)
    r = import_tree(st, tree, imp)
    st.close()
    out = {"interactions": r.added, "errors": r.errors}
out["seconds"] = time.perf_counter() - t0
out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# worker processes (mbox, WordPress, Disqus): the largest one's peak; they run beside this one
out["worker_rss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
# all processes at once (sampled: their anonymous memory plus the largest file-backed set)
out["total_rss_mb"] = total_peak[0] / 1024
print("RESULT " + json.dumps(out))
"""


def _child(mode: str, fmt: str, path: Path, db: Path) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, mode, fmt, str(path), str(db)], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"{fmt} {mode} failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout[r.stdout.rindex("RESULT ") + len("RESULT "):].splitlines()[0])


def _generators(only: set[str] | None):
    for p in sorted((HERE / "gen").glob("*.py")):
        if p.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"gen_{p.stem}", p)
        if spec is None or spec.loader is None:
            raise RuntimeError(f"cannot load the generator {p}")
        mod = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mod)
        fmt = getattr(mod, "FORMAT", p.stem)
        if only and p.stem not in only and fmt not in only:
            continue
        yield p.stem, fmt, mod


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="messages per format (default 1,000,000)")
    ap.add_argument("--only", default="", help="comma-separated generator or format names")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--repeat", type=int, default=1, help="full imports per format; the median is printed")
    ap.add_argument("--data", type=Path, help="keep generated exports here and reuse them")
    args = ap.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()} or None
    print(f"{'generator':12} {'format':10} {'messages':>10} {'parse/s':>10} {'import/s':>10} {'ratio':>6} "
          f"{'peak MB':>8} {'worker MB':>9} {'total MB':>8} {'parse MB':>8} {'gen s':>6}")
    for name, fmt, _mod in _generators(only):
        with tempfile.TemporaryDirectory(prefix=f"ck-bench-{name}-") as tmp:
            d = Path(tmp)
            t = time.perf_counter()
            path = _export(name, args, d)
            gen_s = time.perf_counter() - t
            parse = _child("parse", fmt, path, d / "parse.duckdb")
            p_rate = parse["interactions"] / parse["seconds"]
            rates = []
            for k in range(args.repeat):
                full = _child("import", fmt, path, d / f"store{k}.duckdb")
                n = full["interactions"]
                rates.append(n / full["seconds"])
                print(
                    f"{name:12} {fmt:10} {n:>10,} {p_rate:>10,.0f} {rates[-1]:>10,.0f} {rates[-1] / p_rate:>6.2f} "
                    f"{full['max_rss_mb']:>8,.0f} {full['worker_rss_mb']:>9,.0f} {full['total_rss_mb']:>8,.0f} "
                    f"{parse['max_rss_mb']:>8,.0f} {gen_s:>6.1f}",
                    flush=True,
                )
                (d / f"store{k}.duckdb").unlink(missing_ok=True)
            if args.repeat > 1:
                print(f"{name:12} {fmt:10} median import/s {statistics.median(rates):,.0f} over {len(rates)} runs "
                      f"({min(rates):,.0f}-{max(rates):,.0f})", flush=True)


def _export(name: str, args, scratch: Path) -> Path:
    """The generated export: in ``--data`` (made once, reused), else in the run's scratch folder."""
    if args.data is None:
        return _generate(name, scratch / "export", args.n, args.seed)
    out = args.data / f"{name}-{args.n}-{args.seed}"
    done = out / "PATH"
    if done.exists():
        return Path(done.read_text(encoding="utf-8"))
    path = _generate(name, out, args.n, args.seed)
    done.write_text(str(path), encoding="utf-8")
    return path


GEN_CHILD = r"""
import importlib.util, sys
from pathlib import Path
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
out = Path(sys.argv[2]); out.mkdir(parents=True, exist_ok=True)
print(mod.generate(out, int(sys.argv[3]), int(sys.argv[4])))
"""


def _generate(name: str, out: Path, n: int, seed: int) -> Path:
    # in a child: Linux keeps a process's peak RSS across exec, so a parent that had generated
    # the data itself would hand its peak to every child it starts
    r = subprocess.run([sys.executable, "-c", GEN_CHILD, str(HERE / "gen" / f"{name}.py"), str(out), str(n), str(seed)],
                       capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"generator {name} failed:\n{r.stderr[-2000:]}")
    return Path(r.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
