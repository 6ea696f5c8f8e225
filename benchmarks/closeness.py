"""Closeness against what is known about ties, on real logs; and the circles it draws.

Data (read from ../shared/data/interactions, never copied): SNAP email-Eu-core-temporal and the
Copenhagen Networks Study (CNS: calls with duration, text messages, Facebook friendships).

1. **CNS, Facebook friends** (a weak, public label, never used to fit): as of the end of the study,
   among pairs in contact by call or SMS, ROC AUC of ``closeness`` for friends vs non-friends, beside
   contact count, reciprocity (balance of contacts each way) and "contact both ways", same run.
   Also as of day 14.
2. **Tie persistence, held out**: the weights are fit (scripts/fit_closeness.py) on persistence
   from the first half of email-Eu-core to its third quarter and from the first two weeks of CNS to
   the last two. Here: email-Eu-core as of its 75 % point, is the pair in contact in the last
   quarter? (time split never used to fit), beside contact count.
3. **Circles on email-Eu-core**: for each person with at least 20 contacts in the last 365 days of
   the log, Fisher-Jenks on closeness on the frequency scale (5 layers, as ``closeknit circles``);
   the mean cumulative layer sizes and their scaling ratio, beside the same on closeness odds (the
   cut until 2026-12-07) and on contact frequency.

    .venv/bin/python benchmarks/closeness.py
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from closeknit.relate.inputs import EVENT_COLUMNS
from closeknit.relate.measures import Relationships
from closeknit.relate.predict import roc_auc

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "interactions"
DAY = 86400.0
#: Where the logs' clocks start. Both give seconds from the start of their collection, not Unix
#: times; off-hours contact (closeness ``offhours``) needs the weekday and the hour, so each log is
#: placed on a Unix clock whose weekdays and hours match what its own rhythm shows:
#: * CNS: the fewest texts fall at 04:00-06:00 of ``t mod 1 day`` (6 in the 05:00 hour, rising from
#:   06:00) and on the days ``t // 1 day`` = 6 and 0 (mod 7) (days 6, 13, 14, 27 are the quietest):
#:   t = 0 is taken as Sunday 00:00 local time (1970-01-04 00:00 on the Unix clock).
#: * email-Eu-core: days 5 and 6 (mod 7) carry 3 % of the mail (weekends), so day 0 is a Monday;
#:   the quietest hour of ``t mod 1 day`` is 03:00 and mail rises from 05:00, as from 07:00 in an
#:   office: the log is taken as 2 hours behind local time (day 0 = Monday 1970-01-05, + 2 hours).
CNS_T0 = 3 * DAY
EU_T0 = 4 * DAY + 2 * 3600.0


def log_events(src, dst, ts, kind, channel, duration=None) -> pa.Table:
    """A dyad-event table (:data:`EVENT_COLUMNS`) from a directed log with integer ids: one row per
    event, ``a < b``; no text (no intimacy scores); everything private."""
    src, dst, ts = np.asarray(src, np.int64), np.asarray(dst, np.int64), np.asarray(ts, np.float64)
    keep = src != dst
    src, dst, ts = src[keep], dst[keep], ts[keep]
    kind, channel = np.asarray(kind)[keep], np.asarray(channel)[keep]
    n = len(ts)
    month = ts.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
    dur = np.full(n, np.nan) if duration is None else np.asarray(duration, np.float64)[keep]
    nul = pa.nulls(n)
    cols = {
        "interaction_id": pa.array(np.arange(n, dtype=np.int64)), "a": pa.array(np.minimum(src, dst)),
        "b": pa.array(np.maximum(src, dst)), "a_acts": pa.array(src < dst), "ts": pa.array(ts),
        "month": pa.array(month), "channel": pa.array(channel.astype(str)), "kind": pa.array(kind.astype(str)),
        "visibility": pa.array(np.full(n, "private")), "role": pa.array(np.full(n, "recipient")),
        "intimacy": nul.cast(pa.float64()), "confidence": nul.cast(pa.float64()), "is_question": nul.cast(pa.bool_()),
        "personal_question": nul.cast(pa.bool_()), "disclosure": nul.cast(pa.float64()),
        "addresses_you": nul.cast(pa.bool_()), "text_len": nul.cast(pa.int32()),
        "duration_s": pa.array(dur, from_pandas=True), "thread_id": nul.cast(pa.string()), "reply_to": nul.cast(pa.int64()),
    }
    return pa.table({c: cols[c] for c in EVENT_COLUMNS})


def load_eu(data: Path = DATA) -> pa.Table:
    d = np.loadtxt(data / "email-Eu-core-temporal.txt", dtype=np.int64)
    n = len(d)
    return log_events(d[:, 0], d[:, 1], d[:, 2] + EU_T0, np.full(n, "message"), np.full(n, "email"))


def _csv(path: Path) -> np.ndarray:
    return np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)


def load_cns(data: Path = DATA) -> tuple[pa.Table, set[tuple[int, int]]]:
    """CNS calls (duration -1 = not connected: 0 s) and SMS, times from :data:`CNS_T0`; and the
    Facebook friend pairs (a < b)."""
    sms = _csv(data / "cns" / "sms.csv")
    calls = _csv(data / "cns" / "calls.csv")
    fb = _csv(data / "cns" / "fb_friends.csv")
    ns, nc = len(sms), len(calls)
    ev = log_events(np.r_[sms[:, 1], calls[:, 1]], np.r_[sms[:, 2], calls[:, 2]], np.r_[sms[:, 0], calls[:, 0]] + CNS_T0,
                    np.r_[np.full(ns, "message"), np.full(nc, "call")], np.r_[np.full(ns, "sms"), np.full(nc, "phone")],
                    np.r_[np.full(ns, np.nan), np.maximum(calls[:, 3], 0)])
    friends = {(int(min(a, b)), int(max(a, b))) for a, b in fb}
    return ev, friends


def pair_table(events: pa.Table, as_of: float, model=None) -> dict[str, np.ndarray]:
    """``Relationships(...).pairs()`` as of ``as_of`` (events after it are ignored), as numpy columns."""
    rel = Relationships(events, as_of=float(as_of), closeness_model=model)
    try:
        t = rel.pairs()
    finally:
        rel.close()
    return {c: t[c].to_numpy(zero_copy_only=False) for c in t.column_names}


def in_contact_after(events: pa.Table, t0: float, t1: float) -> set[tuple[int, int]]:
    ts = events["ts"].to_numpy()
    kind = events["kind"].to_numpy(zero_copy_only=False)
    sel = (ts > t0) & (ts <= t1) & np.isin(kind, ["message", "reply", "comment", "call", "meeting"])
    a, b = events["a"].to_numpy()[sel], events["b"].to_numpy()[sel]
    return set(zip(a.tolist(), b.tolist()))


def in_contact_both_ways_after(events: pa.Table, t0: float, t1: float) -> set[tuple[int, int]]:
    """Pairs with contact from each side in (t0, t1]."""
    ts = events["ts"].to_numpy()
    kind = events["kind"].to_numpy(zero_copy_only=False)
    sel = (ts > t0) & (ts <= t1) & np.isin(kind, ["message", "reply", "comment", "call", "meeting"])
    a, b = events["a"].to_numpy()[sel], events["b"].to_numpy()[sel]
    by_a = events["a_acts"].to_numpy(zero_copy_only=False)[sel].astype(bool)
    return set(zip(a[by_a].tolist(), b[by_a].tolist())) & set(zip(a[~by_a].tolist(), b[~by_a].tolist()))


def labels(p: dict, pairs: set) -> np.ndarray:
    return np.array([(int(a), int(b)) in pairs for a, b in zip(p["a"], p["b"])])


def _persistence(p, ev, t0, t1):
    return labels(p, in_contact_after(ev, t0, t1)).astype(float)


def _reciprocal(p, ev, t0, t1):
    return labels(p, in_contact_both_ways_after(ev, t0, t1)).astype(float)


#: The labels closeness can be fit on (scripts/fit_closeness.py ``--label``): label(pair table as of
#: t0, events, t0, t1) -> one value per pair. Facebook friendship is never one of them.
FIT_LABELS = {
    "persistence": _persistence,  # in contact again in (t0, t1]
    "reciprocal": _reciprocal,  # in contact both ways in (t0, t1]
    "mix": lambda p, ev, t0, t1: (_persistence(p, ev, t0, t1) + _reciprocal(p, ev, t0, t1)) / 2,
}


@dataclass
class Split:
    """One log's time splits: fit as of ``fit[0]`` on the label over ``fit``; held out: as of
    ``test[0]``, the label over ``test`` (never seen by the fit)."""

    name: str
    events: pa.Table
    fit: tuple[float, float]
    test: tuple[float, float]


def fit_splits(data: Path = DATA) -> list[Split]:
    """email-Eu-core: fit 50 % -> 75 % of its time quantiles, held out 75 % -> end; CNS calls + SMS:
    fit day 14 -> 21, held out day 21 -> 28 (the end)."""
    eu = load_eu(data)
    q50, q75 = quantile_times(eu, [0.5, 0.75])
    cns, _ = load_cns(data)
    return [Split("email-Eu-core", eu, (q50, q75), (q75, float(np.max(eu["ts"].to_numpy())))),
            Split("CNS", cns, (CNS_T0 + 14 * DAY, CNS_T0 + 21 * DAY), (CNS_T0 + 21 * DAY, float(np.max(cns["ts"].to_numpy()))))]


def baselines(p: dict) -> dict[str, np.ndarray]:
    """The simple tie-strength measures closeness is compared with, from the same table."""
    ab, ba = p["contacts_ab"].astype(float), p["contacts_ba"].astype(float)
    return {"contact count": ab + ba, "reciprocity (balance)": np.minimum(ab, ba) / np.maximum(ab, ba),
            "contact both ways": ((ab > 0) & (ba > 0)).astype(float)}


def single_features(p: dict, y: np.ndarray) -> str:
    """ROC AUC of each closeness feature alone (unknown counts as 0), for reading the model."""
    from closeknit.relate.closeness import FEATURES

    return ", ".join(f"{f} {roc_auc(y, np.nan_to_num(p[f'f_{f}'].astype(float))):.3f}" for f in FEATURES)


def quantile_times(events: pa.Table, qs) -> list[float]:
    return [float(x) for x in np.quantile(events["ts"].to_numpy(), qs)]


def fb_data_pairs(p: dict, friends: set[tuple[int, int]]) -> np.ndarray:
    """Pairs both of whose people have at least one Facebook friendship in the data. Someone with
    none (33 of the 608 people in contact) most likely gave no Facebook data: their pairs are not
    known non-friends, so the label is missing there, not negative."""
    people = {x for pair in friends for x in pair}
    return np.array([int(a) in people and int(b) in people for a, b in zip(p["a"], p["b"])])


def auc_row(y: np.ndarray, p: dict, score: np.ndarray | None = None) -> str:
    """ROC AUC of closeness (or ``score``) and of each baseline, for the pairs of ``p``."""
    row = [f"closeness {roc_auc(y, p['closeness'] if score is None else score):.3f}"]
    return ", ".join(row + [f"{k} {roc_auc(y, v):.3f}" for k, v in baselines(p).items()])


def versus_count(y: np.ndarray, p: dict, n: int = 1000, seed: int = 0) -> str:
    """Closeness's ROC AUC minus contact count's, with a paired bootstrap 95 % interval over the
    pairs (``n`` resamples, fixed seed) and the share of resamples where closeness is not ahead."""
    count = (p["contacts_ab"] + p["contacts_ba"]).astype(float)
    rng = np.random.default_rng(seed)
    d = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if y[i].all() or not y[i].any():
            continue
        d.append(roc_auc(y[i], p["closeness"][i]) - roc_auc(y[i], count[i]))
    lo, hi = np.quantile(d, [0.025, 0.975])
    return (f"closeness - count {roc_auc(y, p['closeness']) - roc_auc(y, count):+.3f} "
            f"(paired bootstrap 95 % [{lo:+.3f}, {hi:+.3f}]; not ahead in {np.mean(np.array(d) <= 0):.0%})")


def subset(p: dict, keep: np.ndarray) -> dict:
    return {k: v[keep] for k, v in p.items()}


def validate(data: Path = DATA) -> list[str]:
    out = []
    cns, friends = load_cns(data)
    end = float(np.max(cns["ts"].to_numpy()))
    for label, as_of in (("end of study (day 28)", end), ("day 14", CNS_T0 + 14 * DAY)):
        t0 = time.perf_counter()
        p = pair_table(cns, as_of)
        secs = time.perf_counter() - t0
        y = labels(p, friends)
        out.append(f"CNS Facebook friends as of {label}: {len(y)} pairs in contact, {int(y.sum())} friends; ROC AUC "
                   + auc_row(y, p) + f"; {versus_count(y, p)}  ({secs:.1f} s)")
        has = fb_data_pairs(p, friends)
        q = subset(p, has)
        out.append(f"  pairs both of whose people have Facebook data: {int(has.sum())} pairs, {int(y[has].sum())} friends; "
                   + auc_row(y[has], q) + f"; {versus_count(y[has], q)}")
        out.append("  each feature alone, those pairs (read, never fit on): " + single_features(q, y[has]))
        calls = q["ev_talks"] > 0
        for name, keep in (("with calls", calls), ("texts only", ~calls)):
            out.append(f"  {name} (of those): {int(keep.sum())} pairs, {y[has][keep].mean():.1%} friends; "
                       + auc_row(y[has][keep], subset(q, keep)))
    for sp in fit_splits(data):
        p = pair_table(sp.events, sp.test[0])
        for name in ("persistence", "reciprocal"):
            y = FIT_LABELS[name](p, sp.events, *sp.test) > 0
            out.append(f"{sp.name} held out, {name} (as of the test split, label over the rest): {len(y)} pairs, "
                       f"{y.mean():.1%} positive; ROC AUC " + auc_row(y, p))
        out.append("  each feature alone (persistence): " + single_features(p, FIT_LABELS["persistence"](p, sp.events, *sp.test) > 0))
    return out


def model_score(p: dict, model) -> np.ndarray:
    """Closeness log-odds of ``model`` from a pair table's feature columns: the formula of
    :func:`closeknit.relate.closeness.closeness_sql` (an unknown feature's part is 0), in numpy."""
    z = np.full(len(p["a"]), model.intercept)
    for f, part in model.parts.items():
        x = p[f"f_{f}"].astype(float)
        z += np.nan_to_num(part.coef * (x - part.mean) / part.scale)
    return z


def variants(data: Path = DATA) -> list[str]:
    """Every fitting variant tried in s5 (2026-12-07), fit in this run on the fitting splits and
    scored on the held-out splits and on CNS Facebook friendship: label (persistence, reciprocal,
    mix) x the features before s5 (without ``recency``) or all, beside the shipped model."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
    from fit_closeness import A_PRIORI, fit

    from closeknit.relate.closeness import FEATURES, ClosenessModel, Part, load_closeness_model

    splits = fit_splits(data)
    fit_tabs = [pair_table(sp.events, sp.fit[0]) for sp in splits]
    test_tabs = [pair_table(sp.events, sp.test[0]) for sp in splits]
    test_y = [{n: FIT_LABELS[n](p, sp.events, *sp.test) > 0 for n in ("persistence", "reciprocal")}
              for sp, p in zip(splits, test_tabs)]
    cns, friends = load_cns(data)
    fb = []
    for day in (28, 14):
        p = pair_table(cns, CNS_T0 + day * DAY if day < 28 else float(np.max(cns["ts"].to_numpy())))
        fb.append((day, p, labels(p, friends), fb_data_pairs(p, friends)))

    def row(name: str, score) -> str:
        cells = [f"{sp.name} {n} {roc_auc(y[n], score(p)):.3f}" for sp, p, y in zip(splits, test_tabs, test_y) for n in y]
        cells += [f"FB day {d} {roc_auc(y, s):.3f} / {roc_auc(y[h], s[h]):.3f}" for d, p, y, h in fb for s in [score(p)]]
        return f"{name:34s} " + " | ".join(cells)

    out = ["held-out ROC AUC (email-Eu-core as of 75 %, CNS as of day 21; persistence / reciprocal persistence after) "
           "and CNS Facebook friends (all pairs / pairs with Facebook data on both sides)"]
    for b in ("contact count", "contact both ways", "reciprocity (balance)"):
        out.append(row(b, lambda p, b=b: baselines(p)[b]))
    out.append(row("shipped model (closeness_model.json)", lambda p: p["closeness"]))
    learn = [f for f in FEATURES if f not in A_PRIORI]
    for label in FIT_LABELS:
        sets = [(sp.name, p, FIT_LABELS[label](p, sp.events, *sp.fit)) for sp, p in zip(splits, fit_tabs)]
        for feats, fname in ((["recency"], "without recency"), ([], "all features")):
            intercept, parts = fit(sets, [f for f in learn if f not in feats])
            parts.update(A_PRIORI)
            model = ClosenessModel(intercept, {f: parts.get(f, Part(0.0, 0.0, 1.0, True)) for f in FEATURES}, {})
            out.append(row(f"{label}, {fname}", lambda p, m=model: model_score(p, m)))
            out.append("    " + " ".join(f"{f} {pt.coef:+.2f}" for f, pt in model.parts.items() if pt.fitted and pt.coef))
    shipped = load_closeness_model()
    check = max(float(np.max(np.abs(1 / (1 + np.exp(-model_score(p, shipped))) - p["closeness"]))) for p in test_tabs)
    out.append(f"(numpy scoring against the engine's closeness, shipped model: max difference {check:.1e})")
    return out


def circles_report(data: Path = DATA, min_contacts: int = 20, k: int = 5, days: float = 365.0) -> list[str]:
    """Per ego with >= ``min_contacts`` people in contact over the last ``days``: the layers of
    ``closeknit circles`` (Jenks on closeness odds), and Jenks on contact frequency for reference;
    mean cumulative layer sizes and the ratio between successive layers."""
    from closeknit.relate.closeness import frequency_scale
    from closeknit.relate.personal import circle_layers

    eu = load_eu(data)
    end = float(np.max(eu["ts"].to_numpy()))
    rel = Relationships(eu, as_of=end)
    try:
        rel.build("closeness")
        t = rel.sql(f"""SELECT k.a, k.b, k.closeness, count(c.ts) AS n FROM closeness k
                        JOIN c ON c.a = k.a AND c.b = k.b AND c.ts > {end - days * DAY} GROUP BY ALL""")
    finally:
        rel.close()
    a, b = t["a"].to_numpy(), t["b"].to_numpy()
    clo, n = t["closeness"].to_numpy(), t["n"].to_numpy().astype(float)
    ego = np.r_[a, b]
    odds = clo / np.maximum(1 - clo, 1e-12)
    freq = np.array([frequency_scale(x) for x in clo])
    out = []
    for name, vals in (("closeness on the frequency scale, as closeknit circles", np.r_[freq, freq]),
                       ("closeness odds, as until 2026-12-07", np.r_[odds, odds]), ("contact frequency", np.r_[n, n])):
        cum = []
        for e in np.unique(ego):
            v = vals[ego == e]
            if len(v) < min_contacts:
                continue
            breaks, lay = circle_layers(v.tolist(), k)
            if len(breaks) == k:
                layers = np.array(lay)
                cum.append([int((layers <= i).sum()) for i in range(1, k + 1)])
        mean = np.array(cum, float).mean(axis=0)
        out.append(f"circles on email-Eu-core ({name}), {len(cum)} egos with >= {min_contacts} people in contact in the "
                   f"last {days:.0f} days: mean cumulative sizes " + " / ".join(f"{x:.1f}" for x in mean)
                   + "; relative to layer 1: " + " / ".join(f"{x / mean[0]:.1f}" for x in mean)
                   + "; ratio between successive layers " + " / ".join(f"{r:.1f}" for r in mean[1:] / mean[:-1]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--variants", action="store_true", help="also fit and score every fitting variant tried")
    args = ap.parse_args(argv)
    if not (args.data / "cns" / "sms.csv").exists():
        print(f"missing {args.data}/cns", file=sys.stderr)
        return 1
    for line in validate(args.data) + (variants(args.data) if args.variants else []) + circles_report(args.data):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
