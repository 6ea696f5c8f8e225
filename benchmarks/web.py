"""Benchmark: the web app's pages on the demo store and on a store of 1M interactions, and the
time to keep the measures (materialise) after an import.

    python benchmarks/web.py                  # demo + 1,000,000 interactions among 5,000 people
    python benchmarks/web.py --n 200000       # a smaller store
    python benchmarks/web.py --only demo

For each store:
1. builds it: the demo (``build_demo``), or an events CSV (``src,dst,ts,text,channel,kind,
   visibility``, the format the ``events`` importer reads) of N interactions between you and
   5,000 people (80%, how often each talks to you follows a Zipf law) and among them (20%), on
   chat, email and a public forum; half are messages with text, the rest calls, likes and
   reactions without. It is imported through the API (``Closeknit.import_``), as by ``closeknit import``;
2. materialises: scores the new texts, then computes and keeps every view
   (``Closeknit.materialise``), timed apart;
3. starts ``closeknit serve``'s app (uvicorn on 127.0.0.1) on it and times each page, twice
   (first and second request), over HTTP with the token cookie: overview, people, a person whose
   story was kept, a person whose story was not (read from the engine tables the store keeps,
   right after the start), network, sources, a draft check, and another person nobody visited;
4. runs ``closeknit person X --json`` (a new process, as a user would) for a third person nobody
   visited.

Each time is wall time, with the CPU time of this process (server threads included) beside it and
the load average of the machine at the start: on a machine shared with other work, wall time
says what a user waits, CPU time what the work costs.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

WORDS = ("the a meeting lunch tomorrow idea project thanks great see you soon call later weekend plan draft notes "
         "miss you love how are you feeling today sorry worried proud family tired happy").split()


def events_csv(path: Path, n: int, people: int = 5000, seed: int = 1) -> None:
    rng = random.Random(seed)
    cum = list(itertools.accumulate(1 / (i + 1) for i in range(people)))
    t = 1_700_000_000.0
    step = (63_000_000) / n  # about two years
    with open(path, "w", encoding="utf-8") as f:
        f.write("src,dst,ts,text,channel,kind,visibility\n")
        buf = []
        for _ in range(n):
            t += rng.random() * 2 * step
            if rng.random() < 0.8:
                other = f"p{rng.choices(range(people), cum_weights=cum)[0]}"
                a, b = ("me", other) if rng.random() < 0.45 else (other, "me")
            else:
                x, y = rng.sample(range(people), 2)
                a, b = f"p{x}", f"p{y}"
            ch = rng.choices(("chat", "email", "forum"), (6, 3, 1))[0]
            kind = rng.choices(("message", "call", "like", "reaction"), (10, 3, 4, 3))[0]
            text = " ".join(rng.choices(WORDS, k=rng.randint(3, 12))) if kind == "message" else ""
            vis = "public" if ch == "forum" else "private"
            if kind in ("like", "reaction") and ch == "email":
                kind = "message"
                text = " ".join(rng.choices(WORDS, k=5))
            buf.append(f"{a},{b},{int(t)},{text},{ch},{kind},{vis}\n")
            if len(buf) >= 20000:
                f.writelines(buf)
                buf = []
        f.writelines(buf)


def build_events_store(db: Path, n: int) -> dict:
    import closeknit
    from closeknit.demo.build import register_me
    from closeknit.ingest.records import Ident
    from closeknit.store import Store

    csv = db.with_suffix(".csv")
    t0 = time.perf_counter()
    events_csv(csv, n)
    t1 = time.perf_counter()
    with Store(db) as st:
        register_me(st, [Ident(ch, "account_id", "me") for ch in ("chat", "email", "forum")])
    with closeknit.open(db, read_only=False) as ck:
        t2 = time.perf_counter()
        res = ck.import_(csv, format="events")
        t3 = time.perf_counter()
    return {"generate_s": t1 - t0, "import_s": t3 - t2, "added": int(res["added"].sum())}


def materialise(db: Path) -> dict:
    import closeknit

    with closeknit.open(db, read_only=False) as ck:
        t0 = time.perf_counter()
        scored = ck.score_store()
        t1, c1, load = time.perf_counter(), _cpu(), os.getloadavg()[0]
        m = ck.materialise()
        t2, c2 = time.perf_counter(), _cpu()
        n = ck.con.execute("SELECT count(*) FROM interactions").fetchall()[0][0]
    return {"interactions": n, "scored": scored, "score_s": t1 - t0, "materialise_s": t2 - t1, "views": m["views"],
            "materialise_cpu": c2 - c1, "load": load}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def time_pages(db: Path) -> list[tuple[str, float, float, float]]:
    import uvicorn

    import closeknit
    from closeknit.present.web.app import Server, make_app

    t0, c0 = time.perf_counter(), _cpu()
    server = Server(db)
    start_s, start_cpu = time.perf_counter() - t0, _cpu() - c0
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    server.port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(make_app(server), log_level="warning", lifespan="off"))
    th = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    th.start()
    base = f"http://127.0.0.1:{server.port}"
    with closeknit.open(db) as ck:
        kept = {k for (k,) in ck.con.execute("SELECT key FROM view_cache WHERE view = 'person'").fetchall()}
        ppl = ck.con.execute("SELECT id FROM people WHERE id <> 0 ORDER BY id").fetchall()
    cold, cold2, cold3 = [str(p) for (p,) in ppl if str(p) not in kept][:3]
    warm = sorted(kept, key=int)[0]
    pages = [("overview", "/"), ("people", "/people"), (f"person (kept) {warm}", f"/person/{warm}"),
             (f"person (nobody visited, right after start) {cold}", f"/person/{cold}"),
             ("network", "/network"), ("sources", "/sources"),
             ("check a draft", f"/check.json?text=how+are+you+feeling+today&to={warm}"),
             (f"person (nobody visited) {cold2}", f"/person/{cold2}")]
    out = [("server start (open store, views kept already)", start_s, 0.0, start_cpu)]
    for name, path in pages:
        times: list[float] = []
        c = _cpu()
        for _ in range(2):
            req = urllib.request.Request(base + path, headers={"Cookie": f"closeknit_token={server.token}"})
            t = time.perf_counter()
            with urllib.request.urlopen(req, timeout=600) as r:
                r.read()
                assert r.status == 200, (path, r.status)
            times.append(time.perf_counter() - t)
        out.append((name, times[0], times[1], _cpu() - c))
    uv.should_exit = True
    th.join(10)
    server.close()
    cmd = [sys.executable, "-m", "closeknit.present.cli", "person", "--db", str(db), cold3, "--json"]
    times = []
    c = _children_cpu()
    for _ in range(2):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        times.append(time.perf_counter() - t)
    out.append((f"closeknit person {cold3} --json (nobody visited; a new process)", times[0], times[1],
                _children_cpu() - c))
    return out


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--only", choices=("demo", "events"), default=None)
    ap.add_argument("--dir", type=Path, default=None, help="keep the stores here (default: a temporary folder)")
    ap.add_argument("--pages-only", action="store_true", help="only time the pages of the stores already in --dir")
    args = ap.parse_args()
    tmp = args.dir or Path(tempfile.mkdtemp(prefix="closeknit-web-"))
    tmp.mkdir(parents=True, exist_ok=True)
    runs: list[tuple[str, Path, dict[str, float]]] = []
    if args.pages_only:
        for name, db in (("demo", tmp / "demo.duckdb"), (f"{args.n:,} interactions", tmp / f"events-{args.n}.duckdb")):
            if db.exists() and args.only in (None, "demo" if name == "demo" else "events"):
                print(f"\n== {name} (load average {os.getloadavg()[0]:.1f})")
                for row in time_pages(db):
                    _row(*row)
        return
    if args.only in (None, "demo"):
        from closeknit.demo.build import build_demo

        db = tmp / "demo.duckdb"
        build_demo(db, tmp / "demo-exports")
        runs.append(("demo", db, {}))
    if args.only in (None, "events"):
        db = tmp / f"events-{args.n}.duckdb"
        if db.exists():
            db.unlink()
        runs.append((f"{args.n:,} interactions", db, build_events_store(db, args.n)))
    for name, db, built in runs:
        m = materialise(db)
        print(f"\n== {name}: {m['interactions']:,} interactions")
        for k, v in built.items():
            print(f"  {k:<14} {v:,.1f}" if isinstance(v, float) else f"  {k:<14} {v:,}")
        print(f"  scoring {m['scored']:,} new texts: {m['score_s']:.1f} s; keeping {m['views']} views (materialise): "
              f"{m['materialise_s']:.1f} s (CPU {m['materialise_cpu']:.1f} s, load average {m['load']:.1f})")
        print(f"  pages (load average {os.getloadavg()[0]:.1f}): first request, second request, CPU of both")
        for row in time_pages(db):
            _row(*row)


def _row(page: str, first: float, second: float, cpu: float) -> None:
    print(f"  {page:<52} {first:7.3f} s  {second:7.3f} s  (CPU {cpu:6.2f} s)")


if __name__ == "__main__":
    main()
