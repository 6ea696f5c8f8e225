"""Who will you talk to next: accuracy on email-Eu-core (DyGLib protocol) and throughput.

Accuracy. Events of SNAP email-Eu-core-temporal are split chronologically at the 70 % and 85 %
timestamp quantiles. The model is fit on queries made the same way from the validation period
(70–85 %), with features computed from events before each query's cutoff; it is then scored on
the test period (after 85 %): chronological batches of 200 events, each event (u, v, t) a
positive query and (u, v') a negative one with v' drawn uniformly from all destination ids of the
whole dataset (fixed seed); every query of a batch has as cutoff the time of the batch's first
event. AP and ROC AUC are computed per batch and averaged. Test labels are never used to fit.
The "interacted before" baseline (u wrote to v before the cutoff) is computed in the same run;
so is the shipped model (contacts_model.json), which should give the same figures.

Throughput. A synthetic log of 1,000,000 events among 20,000 people (communities, heavy-tailed
activity, multi-recipient messages) and 100,000 queries with distinct cutoffs, scored end to end
through the CLI's CSV path (read, features, score, write).

    .venv/bin/python benchmarks/contacts.py            # both
    .venv/bin/python benchmarks/contacts.py --skip-throughput
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from closeknit.relate.predict import (
    FEATURES,
    average_precision,
    contact_features,
    dygl_queries,
    fit_contacts,
    load_model,
    roc_auc,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "interactions" / "email-Eu-core-temporal.txt"
TEST_SEED = 0
VAL_SEED = 1


def load_edges(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.loadtxt(path, dtype=np.int64)
    return d[:, 0], d[:, 1], d[:, 2].astype(np.float64)


def per_batch(y: np.ndarray, s: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    order = np.argsort(b, kind="stable")
    y, s, b = y[order], s[order], b[order]
    cuts = np.r_[0, np.nonzero(np.diff(b))[0] + 1, len(b)]
    aps, aucs = [], []
    for i, j in zip(cuts[:-1], cuts[1:]):
        aps.append(average_precision(y[i:j], s[i:j]))
        aucs.append(roc_auc(y[i:j], s[i:j]))
    return 100 * float(np.nanmean(aps)), 100 * float(np.nanmean(aucs))


def split_times(ts: np.ndarray) -> tuple[float, float]:
    val_t, test_t = np.quantile(ts, [0.70, 0.85])
    return float(val_t), float(test_t)


def validation_set(src, dst, ts, seed: int = VAL_SEED):
    """Features and labels of validation-period queries (70–85 %), for fitting."""
    val_t, test_t = split_times(ts)
    pool = np.unique(dst)
    qs, qd, qc, y, _ = dygl_queries(src, dst, ts, val_t, test_t, seed=seed, neg_pool=pool)
    # only events before the test period exist for the fit (and each row only sees ts < cutoff)
    before = ts <= test_t
    X = contact_features(src[before], dst[before], ts[before], qs, qd, qc)
    return X, y


def evaluate(path: Path = DATA) -> dict:
    src, dst, ts = load_edges(path)
    val_t, test_t = split_times(ts)
    pool = np.unique(dst)
    out: dict = {"events": len(ts)}

    t0 = time.perf_counter()
    Xv, yv = validation_set(src, dst, ts)
    model = fit_contacts(Xv, yv)
    out["fit_seconds"] = time.perf_counter() - t0

    t1 = time.perf_counter()
    qs, qd, qc, y, b = dygl_queries(src, dst, ts, test_t, None, seed=TEST_SEED, neg_pool=pool)
    X = contact_features(src, dst, ts, qs, qd, qc)
    s = model.decision(X)
    out["score_seconds"] = time.perf_counter() - t1
    out["queries"] = len(qs)
    out["batches"] = int(b.max()) + 1
    out["ap"], out["auc"] = per_batch(y, s, b)
    before = X[:, FEATURES.index("pair_count")] > 0
    out["baseline_ap"], out["baseline_auc"] = per_batch(y, before.astype(float), b)
    try:
        shipped = load_model()
        out["shipped_ap"], out["shipped_auc"] = per_batch(y, shipped.decision(X), b)
    except FileNotFoundError:
        pass
    return out


# ------------------------------------------------------------------------------------------------
# synthetic workload for throughput
# ------------------------------------------------------------------------------------------------


def synthetic(n_events: int = 1_000_000, n_queries: int = 100_000, n_people: int = 20_000, seed: int = 0):
    """A plausible message log: people in communities of ~100, each with ~40 usual contacts
    (mostly in their community) chosen with Zipf-like preference, heavy-tailed activity, a third
    of the messages are replies to a recent sender, some messages go to several recipients.
    Queries: half real later events (cutoff = their time), half random recipients."""
    rng = np.random.default_rng(seed)
    k = 40
    comm = rng.integers(0, max(n_people // 100, 1), n_people)
    order = np.argsort(comm)
    pos_in = np.empty(n_people, np.int64)
    pos_in[order] = np.arange(n_people)
    # contacts: 80 % from nearby in community order, 20 % anywhere
    near = order[np.clip(pos_in[:, None] + rng.integers(-100, 100, (n_people, k)), 0, n_people - 1)]
    far = rng.integers(0, n_people, (n_people, k))
    contacts = np.where(rng.random((n_people, k)) < 0.8, near, far)
    pref = 1.0 / np.arange(1, k + 1)
    pref /= pref.sum()
    activity = rng.pareto(1.5, n_people) + 0.1
    activity /= activity.sum()
    n_msgs = int(n_events / 1.4)
    senders = rng.choice(n_people, n_msgs, p=activity)
    recips = contacts[senders, rng.choice(k, n_msgs, p=pref)]
    t = np.sort(rng.uniform(0, 2 * 365 * 86400.0, n_msgs))
    # replies: a third of the messages answer the previous message's sender
    rep = rng.random(n_msgs) < 0.33
    rep[0] = False
    senders = np.where(rep, np.roll(recips, 1), senders)
    recips = np.where(rep, np.roll(senders, 1), recips)
    # extra recipients: repeat some messages to more of the sender's contacts
    extra = n_events - n_msgs
    which = rng.integers(0, n_msgs, extra)
    src = np.r_[senders, senders[which]]
    dst = np.r_[recips, contacts[senders[which], rng.choice(k, extra, p=pref)]]
    ts = np.r_[t, t[which]]
    ok = src != dst
    src, dst, ts = src[ok], dst[ok], ts[ok]
    o = np.argsort(ts, kind="stable")
    src, dst, ts = src[o], dst[o], ts[o]
    half = n_queries // 2
    late = rng.integers(int(0.7 * len(ts)), len(ts), half)
    qs = np.r_[src[late], src[late]]
    qd = np.r_[dst[late], rng.integers(0, n_people, n_queries - half)]
    qc = np.r_[ts[late], ts[late]]
    return src, dst, ts, qs, qd, qc


def throughput(n_events: int = 1_000_000, n_queries: int = 100_000) -> dict:
    from closeknit.present.commands.predict import predict_contacts_files

    src, dst, ts, qs, qd, qc = synthetic(n_events, n_queries)
    with tempfile.TemporaryDirectory() as tmp:
        ev, q, o = Path(tmp, "events.csv"), Path(tmp, "queries.csv"), Path(tmp, "out.csv")
        np.savetxt(ev, np.c_[src, dst, ts], fmt=["%d", "%d", "%.3f"], delimiter=",", header="src,dst,ts", comments="")
        np.savetxt(q, np.c_[qs, qd, qc], fmt=["%d", "%d", "%.3f"], delimiter=",", header="src,dst,cutoff", comments="")
        t0 = time.perf_counter()
        n = predict_contacts_files(ev, q, o)
        secs = time.perf_counter() - t0
    return {"events": len(ts), "queries": n, "seconds": secs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--skip-throughput", action="store_true")
    ap.add_argument("--skip-accuracy", action="store_true")
    args = ap.parse_args(argv)
    if not args.skip_accuracy:
        if not args.data.exists():
            print(f"missing {args.data}", file=sys.stderr)
            return 1
        r = evaluate(args.data)
        print(f"email-Eu-core: {r['events']:,} events, test {r['queries']:,} queries in {r['batches']} batches of 200 events")
        print(f"  interacted before (u wrote to v) : AP {r['baseline_ap']:.2f}  AUC {r['baseline_auc']:.2f}")
        print(f"  closeknit model (fit in this run): AP {r['ap']:.2f}  AUC {r['auc']:.2f}")
        if "shipped_ap" in r:
            print(f"  closeknit model (shipped weights): AP {r['shipped_ap']:.2f}  AUC {r['shipped_auc']:.2f}")
        print(
            f"  time: fit (features + regression on validation) {r['fit_seconds']:.1f} s, score test {r['score_seconds']:.1f} s, "
            f"total {r['fit_seconds'] + r['score_seconds']:.1f} s"
        )
    if not args.skip_throughput:
        r = throughput()
        print(
            f"throughput: {r['events']:,} events + {r['queries']:,} queries, CSV in and out: "
            f"{r['seconds']:.1f} s ({r['queries'] / r['seconds']:,.0f} queries/s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
