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


def labels(p: dict, pairs: set) -> np.ndarray:
    return np.array([(int(a), int(b)) in pairs for a, b in zip(p["a"], p["b"])])


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


def validate(data: Path = DATA) -> list[str]:
    out = []
    cns, friends = load_cns(data)
    end = float(np.max(cns["ts"].to_numpy()))
    for label, as_of in (("end of study (day 28)", end), ("day 14", CNS_T0 + 14 * DAY)):
        t0 = time.perf_counter()
        p = pair_table(cns, as_of)
        secs = time.perf_counter() - t0
        y = labels(p, friends)
        row = [f"closeness {roc_auc(y, p['closeness']):.3f}"]
        row += [f"{k} {roc_auc(y, v):.3f}" for k, v in baselines(p).items()]
        out.append(f"CNS Facebook friends as of {label}: {len(y)} pairs in contact, {int(y.sum())} friends; ROC AUC "
                   + ", ".join(row) + f"  ({secs:.1f} s)")
        out.append("  each feature alone (read, never fit on): " + single_features(p, y))
    eu = load_eu(data)
    q75 = quantile_times(eu, [0.75])[0]
    end = float(np.max(eu["ts"].to_numpy()))
    p = pair_table(eu, q75)
    y = labels(p, in_contact_after(eu, q75, end))
    row = [f"closeness {roc_auc(y, p['closeness']):.3f}"] + [f"{k} {roc_auc(y, v):.3f}" for k, v in baselines(p).items()]
    out.append(f"email-Eu-core persistence (as of 75 %, contact in the last quarter; held out): {len(y)} pairs, "
               f"{y.mean():.1%} persist; ROC AUC " + ", ".join(row))
    out.append("  each feature alone: " + single_features(p, y))
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
    args = ap.parse_args(argv)
    if not (args.data / "cns" / "sms.csv").exists():
        print(f"missing {args.data}/cns", file=sys.stderr)
        return 1
    for line in validate(args.data) + circles_report(args.data):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
