"""Fit the shipped closeness weights and write ``src/closeknit/relate/closeness_model.json``.

Label (``--label``, default ``mix``), never Facebook friendship nor any label closeness is
validated against:

* ``persistence``: is the pair, in contact before a date, still in contact in the next period?
  (Strong ties last; Granovetter 1973, Burt 2000.) Until 2026-12-07 (s5) the only label; it
  rewards frequency above all.
* ``reciprocal``: is the pair in contact *both ways* in the next period? (Persistent mobile-phone
  ties are the reciprocated ones, Hidalgo & Rodriguez-Sickert 2008; close friends named in surveys
  are told apart better by contact both ways than by contact counts.)
* ``mix`` (shipped): half of each, a soft label (0, 1/2 or 1) - the pair lasts, and lasts both ways.

Time splits (``benchmarks/closeness.py`` :data:`FIT_SPLITS`): SNAP email-Eu-core-temporal as of its
50 % time quantile, label up to 75 %; CNS calls + SMS as of day 14, label in days 14-21. The later
periods (email-Eu-core 75-100 %, CNS days 21-28) are held out for the check in
benchmarks/closeness.py. Two logs, equal weight each.

Each feature is standardised with the pooled mean and standard deviation (each log weighted
equally), then an L2-regularised logistic regression (Newton). A feature whose weight comes out
against its a priori direction (``closeness.FEATURES``) is dropped (weight 0) and the rest refit.
Features with no variation in these logs (``private``: everything is private; ``intimacy``: no
text) keep a priori weights, marked ``"fitted": false``. Deterministic.

    .venv/bin/python scripts/fit_closeness.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from closeness import DATA, FIT_LABELS, fit_splits, pair_table  # noqa: E402

from closeknit.relate.closeness import FEATURES, MODEL_FILE, ClosenessModel, Part  # noqa: E402

#: Not learnable from the logs above: a priori weight, mean and scale (standardised units).
A_PRIORI = {
    # Marsden & Campbell 1984: emotional intensity is the best single indicator of closeness
    "intimacy": Part(coef=0.5, mean=0.2, scale=0.2, fitted=False),
    # a private channel is a stronger sign than a public reply (Gilbert & Karahalios 2009)
    "private": Part(coef=0.25, mean=0.8, scale=0.3, fitted=False),
}
L2 = 1.0
LABEL_MEANS = {
    "persistence": "the pair is in contact again in the next period",
    "reciprocal": "the pair is in contact both ways in the next period",
    "mix": "half persistence (in contact again in the next period), half reciprocal persistence (both ways)",
}


def training_sets(data: Path = DATA, label: str = "mix"):
    """``(log name, pair table as of the fit date, label)`` for each log's fitting split."""
    out = []
    for sp in fit_splits(data):
        p = pair_table(sp.events, sp.fit[0])
        out.append((sp.name, p, FIT_LABELS[label](p, sp.events, *sp.fit)))
    return out


def fit(sets, features: list[str]) -> tuple[float, dict[str, Part]]:
    X = np.vstack([np.column_stack([np.nan_to_num(p[f"f_{f}"].astype(float)) for f in features]) for _, p, _ in sets])
    y = np.concatenate([y for _, _, y in sets])
    w = np.concatenate([np.full(len(y_), len(y) / (len(sets) * len(y_))) for _, _, y_ in sets])
    mean = (X * w[:, None]).sum(0) / w.sum()
    scale = np.sqrt((((X - mean) ** 2) * w[:, None]).sum(0) / w.sum())
    active = [i for i in range(len(features)) if scale[i] > 1e-9]
    while True:
        Z = np.column_stack([(X[:, active] - mean[active]) / scale[active], np.ones(len(X))])
        beta = np.zeros(Z.shape[1])
        reg = np.r_[np.full(len(active), L2), 0.0]
        for _ in range(100):
            p = 1 / (1 + np.exp(-np.clip(Z @ beta, -35, 35)))
            g = Z.T @ (w * (p - y)) + reg * beta
            H = (Z * (w * p * (1 - p))[:, None]).T @ Z + np.diag(reg + 1e-9)
            step = np.linalg.solve(H, g)
            beta -= step
            if np.abs(step).max() < 1e-10:
                break
        wrong = [i for i, b in zip(active, beta[:-1]) if b * FEATURES[features[i]][1] < 0]
        if not wrong:
            break
        active = [i for i in active if i not in wrong]
    coef = dict(zip([features[i] for i in active], beta[:-1]))
    parts = {f: Part(float(coef.get(f, 0.0)), float(mean[i]), float(scale[i]) if scale[i] > 1e-9 else 1.0, True)
             for i, f in enumerate(features)}
    return float(beta[-1]), parts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "src" / "closeknit" / "relate" / MODEL_FILE)
    ap.add_argument("--label", choices=sorted(FIT_LABELS), default="mix")
    args = ap.parse_args(argv)
    sets = training_sets(args.data, args.label)
    learn = [f for f in FEATURES if f not in A_PRIORI]
    intercept, parts = fit(sets, learn)
    parts.update(A_PRIORI)
    model = ClosenessModel(intercept, {f: parts[f] for f in FEATURES}, {
        "label": f"{args.label}: {LABEL_MEANS[args.label]}",
        "fit_on": "; ".join(f"{n}: {len(y):,} pairs, mean label {y.mean():.3f}" for n, _, y in sets),
        "splits": "email-Eu-core as of its 50% time quantile, label up to 75%; CNS as of day 14, label in days 14-21 "
                  "(email-Eu-core 75-100% and CNS days 21-28 held out)",
        "l2": L2,
        "fit_by": "scripts/fit_closeness.py",
    })
    args.output.write_text(model.to_json() + "\n", encoding="utf-8")
    for f, p in model.parts.items():
        print(f"  {f:13s} coef {p.coef:+.3f}  mean {p.mean:.3f}  scale {p.scale:.3f}{'' if p.fitted else '  (a priori)'}")
    print(f"  intercept {intercept:+.3f}\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
