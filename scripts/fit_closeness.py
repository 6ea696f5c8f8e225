"""Fit the shipped closeness weights and write ``src/closeknit/relate/closeness_model.json``.

Label: **tie persistence** - is the pair, in contact before a date, still in contact in the next
period? (Strong ties last; Granovetter 1973, Burt 2000.) It needs no survey and is not the label
closeness is validated against. Two real logs, equal weight each:

* SNAP email-Eu-core-temporal as of its 50 % time quantile, persistence up to its 75 % point
  (the last quarter is kept for the held-out check in benchmarks/closeness.py);
* CNS calls + SMS as of day 14, persistence in days 14-28 (Facebook friendship is never used).

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

from closeness import CNS_T0, DATA, DAY, in_contact_after, labels, load_cns, load_eu, pair_table, quantile_times  # noqa: E402

from closeknit.relate.closeness import FEATURES, MODEL_FILE, ClosenessModel, Part  # noqa: E402

#: Not learnable from the logs above: a priori weight, mean and scale (standardised units).
A_PRIORI = {
    # Marsden & Campbell 1984: emotional intensity is the best single indicator of closeness
    "intimacy": Part(coef=0.5, mean=0.2, scale=0.2, fitted=False),
    # a private channel is a stronger sign than a public reply (Gilbert & Karahalios 2009)
    "private": Part(coef=0.25, mean=0.8, scale=0.3, fitted=False),
}
L2 = 1.0


def training_sets(data: Path = DATA):
    eu = load_eu(data)
    q50, q75 = quantile_times(eu, [0.5, 0.75])
    cns, _ = load_cns(data)
    out = []
    for name, ev, t0, t1 in (("email-Eu-core", eu, q50, q75), ("CNS", cns, CNS_T0 + 14 * DAY, CNS_T0 + 28 * DAY)):
        p = pair_table(ev, t0)
        y = labels(p, in_contact_after(ev, t0, t1)).astype(float)
        out.append((name, p, y))
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
    args = ap.parse_args(argv)
    sets = training_sets(args.data)
    learn = [f for f in FEATURES if f not in A_PRIORI]
    intercept, parts = fit(sets, learn)
    parts.update(A_PRIORI)
    model = ClosenessModel(intercept, {f: parts[f] for f in FEATURES}, {
        "label": "tie persistence: the pair is in contact again in the next period",
        "fit_on": "; ".join(f"{n}: {len(y):,} pairs, {y.mean():.1%} persist" for n, _, y in sets),
        "splits": "email-Eu-core as of its 50% time quantile, contact up to 75%; CNS as of day 14, contact in days 14-28",
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
