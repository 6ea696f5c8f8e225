#!/usr/bin/env python
"""Accuracy and speed of the two language models, side by side, with a baseline from the same run.

For each tier (``fast``, ``accurate``) it prints the validation figures of
``closeknit.language.validation`` (questions r, MINT r overall and per language, CL-Aff disclosure
ROC AUC, minimal pairs per language), the model's load time in a fresh process, single-text
latency after load, the throughput of ``closeknit score`` on N tweet-length texts in a fresh
process (start-up included), and the size of the files each model reads.

``--baseline-src OLD/src`` scores the same texts with an older checkout's models (run in a
subprocess with that ``src`` first on the path) so the gain is measured in the same run; the
previous release's models need ``onnxruntime``.

    python benchmarks/intimacy.py
    python benchmarks/intimacy.py --baseline-src ../old/src --n-fast 20000 --n-accurate 1000
"""

from __future__ import annotations

import argparse
import json
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

from closeknit.language.data import load_disclosure, load_mint  # noqa: E402
from closeknit.language.validation import figures  # noqa: E402

PAIRS = REPO / "tests" / "language" / "minimal_pairs.csv"

_BASELINE = """
import json, sys
sys.path.insert(0, sys.argv[1])
from closeknit.language.scorer import IntimacyScorer
texts = json.load(open(sys.argv[3], encoding="utf-8"))
a = IntimacyScorer.load(sys.argv[2]).score_arrays(texts)
json.dump([[float(x) for x in a["intimacy"]], [float(x) for x in a["disclosure"]]], open(sys.argv[4], "w"))
"""


def baseline_predict(src: Path, name: str):
    def predict(texts: list[str]):
        with tempfile.TemporaryDirectory() as d:
            inp, out = Path(d) / "in.json", Path(d) / "out.json"
            inp.write_text(json.dumps(texts), encoding="utf-8")
            subprocess.run([sys.executable, "-c", _BASELINE, str(src), name, str(inp), str(out)], check=True)
            inti, disc = json.loads(out.read_text())
        return np.asarray(inti), np.asarray(disc)

    return predict


def model_files(name: str) -> dict[str, int]:
    from closeknit.language import e5, model

    files = [model.MODEL_DIR / f"{name}.npz", model.MODEL_DIR / f"{name}.json"]
    if name == "accurate":
        files.append(e5.weights_path())
    return {str(p.name): p.stat().st_size for p in files}


def speed(name: str, root: Path, n: int) -> dict:
    from closeknit.language.scorer import IntimacyScorer

    code = ("import time; t = time.perf_counter(); from closeknit.language.scorer import IntimacyScorer; "
            f"IntimacyScorer.load({name!r}).score('hello there'); print(time.perf_counter() - t)")
    fresh = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()[-1])
    sc = IntimacyScorer.load(name)
    mint = load_mint(root)
    sc.score("warm-up")
    lat = []
    for text in mint.texts[:100]:
        t = time.perf_counter()
        sc.score(text)
        lat.append(time.perf_counter() - t)
    # distinct texts only (the scorer scores a repeated text once): MINT tweets and CL-Aff sentences
    pool = list(dict.fromkeys(t.replace("\n", " ").replace("\r", " ") for t in mint.texts + load_disclosure(root).texts))
    texts = [pool[i] for i in np.random.default_rng(0).permutation(len(pool))[:n]]
    assert len(texts) == n, f"only {len(pool)} distinct texts"
    with tempfile.TemporaryDirectory() as d:
        src = Path(d) / "texts.txt"
        src.write_text("\n".join(texts) + "\n", encoding="utf-8")
        out = Path(d) / "out.csv"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "closeknit.present.cli", "score", str(src), "-o", str(out), "--model", name],
                       check=True)
        dt = time.perf_counter() - t
    return {"load_s_fresh_process": round(fresh, 2), "latency_ms_median": round(statistics.median(lat) * 1000, 1),
            "latency_ms_p95": round(float(np.percentile(lat, 95)) * 1000, 1),
            "score_cli_texts": n, "score_cli_s": round(dt, 1), "texts_per_s_startup_included": round(n / dt),
            "files_bytes": model_files(name)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data" / "intimacy")
    ap.add_argument("--baseline-src", type=Path, default=None)
    ap.add_argument("--n-fast", type=int, default=20_000)
    ap.add_argument("--n-accurate", type=int, default=1_000)
    ap.add_argument("--no-speed", action="store_true")
    args = ap.parse_args()
    from closeknit.language.scorer import IntimacyScorer

    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f}")
    rows = {}
    for name in ("fast", "accurate"):
        sc = IntimacyScorer.load(name)

        def predict(texts, sc=sc):
            a = sc.score_arrays(texts)
            return np.asarray(a["intimacy"]), np.asarray(a["disclosure"], np.float64)

        rows[name] = figures(predict, args.data, PAIRS if PAIRS.exists() else None)
        if not args.no_speed:
            rows[name].update(speed(name, args.data, args.n_fast if name == "fast" else args.n_accurate))
        if args.baseline_src:
            rows[f"baseline {name}"] = figures(baseline_predict(args.baseline_src, name), args.data,
                                               PAIRS if PAIRS.exists() else None)
    keys = list(dict.fromkeys(k for r in rows.values() for k in r))
    print(f"{'':34}" + "".join(f"{n:>18}" for n in rows))
    for k in keys:
        print(f"{k:34}" + "".join(f"{str(r.get(k, '')):>18}" for r in rows.values()))
    if (gap := {k: round(rows['accurate'][k] - rows['fast'][k], 4) for k in rows['fast']
                if isinstance(rows['fast'][k], float) and k in rows['accurate'] and not k.startswith(('latency', 'load'))}):
        print("accurate - fast:", json.dumps(gap))


if __name__ == "__main__":
    main()
