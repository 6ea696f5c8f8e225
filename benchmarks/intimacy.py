#!/usr/bin/env python
"""Accuracy and speed of the shipped intimacy models.

Prints, for each model: Pearson r on the questions validation split and on the fixed MINT
development split (overall and per language), model load time, single-text latency, and the
throughput of `closeknit score` on N tweet-length texts (a fresh process, start-up included).

    python benchmarks/intimacy.py                       # both models; 100,000 texts for fast, 2,000 for accurate
    python benchmarks/intimacy.py --model fast --n 100000
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from closeknit.language.data import MINT_LANGS, load_mint, load_questions, mint_split, pearson  # noqa: E402


def accuracy(name: str, root: Path) -> None:
    from closeknit.language.scorer import IntimacyScorer

    t = time.perf_counter()
    sc = IntimacyScorer.load(name)
    sc.score("warm-up")
    load = time.perf_counter() - t
    qv = load_questions(root, "val")
    mint = load_mint(root)
    _, dev = mint_split(mint)
    md = mint.subset(dev)
    pq = sc.transform(qv.texts)
    pd = sc.transform(md.texts)
    lang = np.array(md.lang)
    print(f"[{name}] version {sc.version}")
    print(f"  questions val (n={len(qv)}): r = {pearson(pq, qv.y):.3f}")
    print(f"  MINT dev (n={len(md)}): r = {pearson(pd, md.y):.3f}")
    for lg in MINT_LANGS.values():
        m = lang == lg
        print(f"    {lg} (n={m.sum()}): r = {pearson(pd[m], md.y[m]):.3f}")
    # calibration of the confidence on rows never used for fitting: P(|error| <= 0.125)
    conf = sc.score_arrays(md.texts)["confidence"]
    hit = np.abs(pd - md.y) <= 0.125
    bins = np.quantile(conf, [0, 0.25, 0.5, 0.75, 1.0])
    parts = []
    for lo, hi in zip(bins[:-1], bins[1:]):
        m = (conf >= lo) & (conf <= hi)
        parts.append(f"{conf[m].mean():.2f}->{hit[m].mean():.2f}")
    print(f"  confidence on MINT dev: mean {conf.mean():.3f}, observed within 0.125: {hit.mean():.3f}; "
          f"by quartile (predicted->observed) {' '.join(parts)}")
    lat = []
    for text in md.texts[:200]:
        t = time.perf_counter()
        sc.score(text)
        lat.append(time.perf_counter() - t)
    code = ("import time; t = time.perf_counter(); from closeknit.language.scorer import IntimacyScorer; "
            f"IntimacyScorer.load({name!r}).score('hello there'); print(time.perf_counter() - t)")
    fresh = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()[-1])
    print(f"  model load: {load:.2f} s in this process; {fresh:.2f} s in a fresh process (imports and first text included)")
    print(f"  single text: median {statistics.median(lat) * 1000:.1f} ms, p95 {np.percentile(lat, 95) * 1000:.1f} ms")


def throughput(name: str, root: Path, n: int) -> None:
    mint = load_mint(root)
    rng = np.random.default_rng(0)
    texts = [mint.texts[i].replace("\n", " ") for i in rng.integers(0, len(mint), n)]
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "texts.txt"
        src.write_text("\n".join(texts) + "\n", encoding="utf-8")
        out = Path(d) / "out.csv"
        exe = [sys.executable, "-m", "closeknit.present.cli", "score", str(src), "-o", str(out), "--model", name]
        import resource

        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(exe, check=True)
        dt = time.perf_counter() - t
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        rows = sum(1 for _ in open(out, encoding="utf-8")) - 1
    assert rows == n, (rows, n)
    print(f"  closeknit score, {n:,} tweets ({np.mean([len(t) for t in texts]):.0f} chars avg), start-up included: "
          f"{dt:.1f} s = {n / dt:,.0f} texts/s  (cores: {os.cpu_count()}, load avg {os.getloadavg()[0]:.1f}); "
          f"CPU time {cpu:.1f} s = {n / cpu:,.0f} texts per CPU-second")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "intimacy")
    ap.add_argument("--model", choices=["fast", "accurate", "both"], default="both")
    ap.add_argument("--n", type=int, default=None, help="texts for the throughput run (default 100,000 fast / 2,000 accurate)")
    args = ap.parse_args()
    for name in ("fast", "accurate") if args.model == "both" else (args.model,):
        accuracy(name, args.data)
        throughput(name, args.data, args.n or (100_000 if name == "fast" else 2_000))


if __name__ == "__main__":
    main()
