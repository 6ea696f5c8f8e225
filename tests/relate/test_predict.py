"""predict-contacts: exact features on hand-made logs, no leakage from the future, CSV contract."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from closeknit.present.cli import cli
from closeknit.relate.predict import (
    FEATURE_HELP,
    FEATURES,
    KNOWN_PAIR_FEATURES,
    NEW_PAIR_FEATURES,
    ContactModel,
    average_precision,
    contact_features,
    dygl_queries,
    fit_contacts,
    load_model,
    roc_auc,
    score_contacts,
)

H = 3600.0
A, B, C, D, E = range(5)


def feats(events, queries, n=None):
    ev = np.array(events, dtype=float).reshape(-1, 3)
    q = np.array(queries, dtype=float).reshape(-1, 3)
    X = contact_features(ev[:, 0].astype(int), ev[:, 1].astype(int), ev[:, 2], q[:, 0].astype(int), q[:, 1].astype(int), q[:, 2], n)
    return [{f: X[i, j] for j, f in enumerate(FEATURES)} for i in range(len(q))]


# a tiny office: a writes to b three times, b answers once, c writes to b and to a,
# d sends one message to both a and b (same time), e is never seen before the cutoff
LOG = [
    (A, B, 0.0),
    (C, B, 100.0),
    (C, A, 200.0),
    (D, A, 300.0),
    (D, B, 300.0),
    (A, B, 1 * H),
    (B, A, 1.5 * H),
    (A, B, 2 * H),  # exactly at the cutoff below: must not count
    (E, A, 3 * H),  # after the cutoff
]


def test_exact_pair_features():
    (f,) = feats(LOG, [(A, B, 2 * H)])
    assert f["pair_count"] == pytest.approx(math.log1p(2))
    assert f["pair_never"] == 0.0
    assert f["pair_recency"] == pytest.approx(math.log1p(1.0))  # last a→b one hour before
    day = math.exp(-2 / 24) + math.exp(-1 / 24)  # a→b at 0 h and 1 h, seen from 2 h
    assert f["pair_day"] == pytest.approx(math.log1p(day))
    assert f["back_count"] == pytest.approx(math.log1p(1))
    assert f["back_recency"] == pytest.approx(math.log1p(0.5))
    assert f["back_day"] == pytest.approx(math.log1p(math.exp(-0.5 / 24)))
    assert f["share_of_u"] == pytest.approx(0.0)  # everything a sent went to b
    assert f["share_of_u_day"] == pytest.approx(0.0)
    assert f["u_sent_since"] == 0.0
    assert f["back_share"] == pytest.approx(math.log1p(1) - math.log1p(3))  # a received from c, d, b
    week = lambda t: math.exp(-(2 * H - t) / (7 * 24 * H))  # noqa: E731
    assert f["back_share_week"] == pytest.approx(math.log1p(week(1.5 * H)) - math.log1p(week(200) + week(300) + week(1.5 * H)))


def test_exact_node_and_network_features():
    (f,) = feats(LOG, [(A, B, 2 * H)])
    assert f["dst_received"] == pytest.approx(math.log1p(4))  # a, c, d, a
    assert f["dst_senders"] == pytest.approx(math.log1p(3))  # a, c, d
    assert f["dst_active_recency"] == pytest.approx(math.log1p(0.5))  # b wrote at 1.5 h
    assert f["dst_age"] == pytest.approx(math.log1p(2.0))
    assert f["src_sent"] == pytest.approx(math.log1p(2))
    assert f["src_contacts"] == pytest.approx(math.log1p(1))
    # c and d exchanged messages with both a and b
    assert f["shared_contacts"] == pytest.approx(math.log1p(2))
    # d's message at 300 s went to both a and b
    assert f["cc_count"] == pytest.approx(math.log1p(1))
    assert f["cc_recency"] == pytest.approx(math.log1p((2 * H - 300) / H))
    assert f["cc_day"] == pytest.approx(math.log1p(math.exp(-(2 * H - 300) / (24 * H))))
    # first contacts lately: a→b at 0 s is a's only first contact; b's first senders a, c, d
    week = lambda t: math.exp(-(2 * H - t) / (7 * 24 * H))  # noqa: E731
    assert f["src_new_week"] == pytest.approx(math.log1p(week(0)))
    assert f["dst_new_week"] == pytest.approx(math.log1p(week(0) + week(100) + week(300)))


def test_never_and_unknown_people():
    # e→b: e is unknown before the cutoff, and never wrote to b; z (code 9) appears nowhere
    f, g = feats(LOG, [(E, B, 2 * H), (9, 8, 2 * H)], n=10)
    assert f["pair_never"] == 1.0 and f["pair_count"] == 0.0 and f["back_count"] == 0.0
    assert f["src_sent"] == 0.0 and f["shared_contacts"] == 0.0
    assert g["dst_received"] == 0.0 and g["dst_active_recency"] == pytest.approx(math.log1p(24 * 365 * 5))


def test_cutoff_is_strict_and_monotone():
    f0, f1, f2 = feats(LOG, [(A, B, 0.0), (A, B, 0.5), (A, B, 2 * H + 1)])
    assert f0["pair_count"] == 0.0 and f0["pair_never"] == 1.0  # the event at t=0 is not before 0
    assert f1["pair_count"] == pytest.approx(math.log1p(1))
    assert f2["pair_count"] == pytest.approx(math.log1p(3))


def _random_log(rng, n_events=600, n_nodes=25, horizon=40 * H):
    src = rng.integers(0, n_nodes, n_events)
    dst = (src + rng.integers(1, n_nodes, n_events)) % n_nodes
    # coarse integer times so that many events share a timestamp with some cutoff
    ts = np.round(rng.uniform(0, horizon, n_events) / 600) * 600
    # multi-recipient messages: copy some rows with another recipient
    k = n_events // 5
    i = rng.integers(0, n_events, k)
    src = np.r_[src, src[i]]
    dst = np.r_[dst, (src[i] + rng.integers(1, n_nodes, k)) % n_nodes]
    ts = np.r_[ts, ts[i]]
    return src, dst, ts


def test_no_leakage_from_events_at_or_after_cutoff():
    """A query's score is the same whatever happens at or after its cutoff (randomised, fixed seed)."""
    rng = np.random.default_rng(20240601)
    model = load_model()
    for trial in range(5):
        src, dst, ts = _random_log(rng)
        nq = 40
        q_src = rng.integers(0, 25, nq)
        q_dst = (q_src + rng.integers(1, 25, nq)) % 25
        q_cut = ts[rng.integers(0, len(ts), nq)]  # cutoffs exactly on event times
        full = score_contacts(src, dst, ts, q_src, q_dst, q_cut, model, n_nodes=25)
        X_full = contact_features(src, dst, ts, q_src, q_dst, q_cut, 25)
        for i in range(nq):
            c = q_cut[i]
            keep = ts < c
            # removing every event at or after the cutoff
            alone = score_contacts(src[keep], dst[keep], ts[keep], q_src[i : i + 1], q_dst[i : i + 1], q_cut[i : i + 1], model, n_nodes=25)
            # adding random events at or after the cutoff (some exactly at it)
            m = 200
            a_src = rng.integers(0, 25, m)
            a_dst = (a_src + rng.integers(1, 25, m)) % 25
            a_ts = c + np.where(rng.random(m) < 0.3, 0.0, rng.uniform(0, 10 * H, m))
            a_src = np.r_[a_src, q_src[i], q_dst[i]]  # including the very pair asked about
            a_dst = np.r_[a_dst, q_dst[i], q_src[i]]
            a_ts = np.r_[a_ts, c, c]
            more = score_contacts(
                np.r_[src, a_src], np.r_[dst, a_dst], np.r_[ts, a_ts], q_src[i : i + 1], q_dst[i : i + 1], q_cut[i : i + 1], model, n_nodes=25
            )
            X_more = contact_features(np.r_[src, a_src], np.r_[dst, a_dst], np.r_[ts, a_ts], q_src[i : i + 1], q_dst[i : i + 1], q_cut[i : i + 1], 25)
            assert alone[0] == pytest.approx(full[i], rel=1e-9, abs=1e-9), (trial, i)
            assert more[0] == pytest.approx(full[i], rel=1e-9, abs=1e-9), (trial, i)
            np.testing.assert_allclose(X_more[0], X_full[i], rtol=1e-9, atol=1e-9)


def test_query_order_does_not_matter():
    rng = np.random.default_rng(7)
    src, dst, ts = _random_log(rng)
    q_src = rng.integers(0, 25, 100)
    q_dst = (q_src + 3) % 25
    q_cut = rng.uniform(0, 40 * H, 100)
    s = score_contacts(src, dst, ts, q_src, q_dst, q_cut)
    p = rng.permutation(100)
    e = rng.permutation(len(ts))
    s2 = score_contacts(src[e], dst[e], ts[e], q_src[p], q_dst[p], q_cut[p])
    np.testing.assert_allclose(s2, s[p], rtol=1e-9, atol=1e-9)


def test_shipped_model_ranks_the_obvious():
    model = load_model()
    assert set(model.known.features) == set(KNOWN_PAIR_FEATURES)
    assert set(model.new.features) == set(NEW_PAIR_FEATURES)
    s = score_contacts(
        np.array([A, B, A, B, C]), np.array([B, A, B, A, D]), np.array([0.0, H, 2 * H, 3 * H, 0.0]),
        np.array([A, A, A]), np.array([B, C, E]), np.array([4 * H] * 3), model, n_nodes=5,
    )
    # a regular, reciprocated correspondent beats someone a never wrote to, who beats a stranger
    assert s[0] > s[1] and s[0] > s[2]


def test_model_json_round_trip_and_documented_features(tmp_path):
    model = load_model()
    again = ContactModel.from_json(model.to_json())
    X = np.random.default_rng(1).normal(size=(10, len(FEATURES)))
    X[:, FEATURES.index("pair_never")] = np.r_[np.ones(5), np.zeros(5)]
    np.testing.assert_allclose(again.decision(X), model.decision(X))
    d = json.loads(model.to_json())
    assert set(d) >= {"known_pair", "new_pair", "meta"}
    assert all(FEATURE_HELP[f] for f in FEATURES)


def test_fit_recovers_a_planted_signal():
    rng = np.random.default_rng(3)
    n = 4000
    X = rng.normal(size=(n, len(FEATURES)))
    X[:, FEATURES.index("pair_never")] = (rng.random(n) < 0.5).astype(float)
    j = FEATURES.index("back_recency")
    y = (rng.random(n) < 1 / (1 + np.exp(2.0 * X[:, j]))).astype(float)
    m = fit_contacts(X, y, l2=1e-6)
    for half in (m.known, m.new):
        coef = dict(zip(half.features, half.coef))
        assert coef["back_recency"] * 1 == pytest.approx(-2.0 * np.std(X[:, j]), rel=0.2)
        assert max(abs(c) for f, c in coef.items() if f != "back_recency") < 0.3


def test_metrics_exact():
    y = np.array([1, 0, 1, 0])
    s = np.array([0.9, 0.8, 0.7, 0.1])
    assert average_precision(y, s) == pytest.approx((1 + 2 / 3) / 2)
    assert roc_auc(y, s) == pytest.approx(0.75)
    # ties: all scores equal -> AP = positive rate, AUC = 0.5
    assert average_precision(y, np.ones(4)) == pytest.approx(0.5)
    assert roc_auc(y, np.ones(4)) == pytest.approx(0.5)


def test_dygl_queries_protocol():
    src = np.arange(10) % 3
    dst = (np.arange(10) + 1) % 3
    ts = np.arange(10, dtype=float) * 10
    qs, qd, qc, y, b = dygl_queries(src, dst, ts, lo=15.0, hi=None, batch=3, seed=0)
    # events at 20..90: 8 events -> batches of 3, 3, 2; positives then negatives per batch
    assert len(qs) == 16 and y.sum() == 8
    assert qc.tolist() == [20.0] * 6 + [50.0] * 6 + [80.0] * 4
    assert b.tolist() == [0] * 6 + [1] * 6 + [2] * 4
    assert set(qd[y == 0]) <= set(np.unique(dst))


# ------------------------------------------------------------------------------------------------
# CLI and CSV contract
# ------------------------------------------------------------------------------------------------


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


EVENTS = """src,dst,ts
ann@x.org,bob@x.org,0
eve@x.org,bob@x.org,50
cat@x.org,bob@x.org,100
cat@x.org,ann@x.org,200
ann@x.org,bob@x.org,3600
bob@x.org,ann@x.org,5400
ann@x.org,bob@x.org,7200.5
"""


def test_cli_keeps_query_columns_and_order(tmp_path):
    ev = _write(tmp_path / "events.csv", EVENTS)
    q = _write(
        tmp_path / "queries.csv",
        'id,cutoff,dst,src,note\n'
        'q1,7200,bob@x.org,ann@x.org,"hello, world"\n'
        'q2,7200.0,eve@x.org,ann@x.org,\n'
        'q3,1e2,ann@x.org,dan@x.org,new person\n',
    )
    out = tmp_path / "out" / "scored.csv"
    r = CliRunner().invoke(cli, ["predict-contacts", "--events", str(ev), "--queries", str(q), "-o", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0] == ["id", "cutoff", "dst", "src", "note", "score"]
    assert [r_[:5] for r_ in rows[1:]] == [
        ["q1", "7200", "bob@x.org", "ann@x.org", "hello, world"],
        ["q2", "7200.0", "eve@x.org", "ann@x.org", ""],
        ["q3", "1e2", "ann@x.org", "dan@x.org", "new person"],
    ]
    scores = [float(r_[5]) for r_ in rows[1:]]
    # ann writes to bob, who answers; eve only ever wrote once to bob
    assert scores[0] > scores[1]
    # the same scores as the library gives (ann 0, bob 1, cat 2, dan 3, eve 4)
    expected = score_contacts(
        np.array([0, 4, 2, 2, 0, 1, 0]), np.array([1, 1, 1, 0, 1, 0, 1]), np.array([0, 50, 100, 200, 3600, 5400, 7200.5]),
        np.array([0, 0, 3]), np.array([1, 4, 0]), np.array([7200.0, 7200.0, 100.0]), n_nodes=5,
    )
    np.testing.assert_allclose(scores, expected, rtol=1e-12)


def test_cli_empty_queries(tmp_path):
    ev = _write(tmp_path / "events.csv", EVENTS)
    q = _write(tmp_path / "queries.csv", "src,dst,cutoff\n")
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(cli, ["predict-contacts", "--events", str(ev), "--queries", str(q), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text() == "src,dst,cutoff,score\n"


@pytest.mark.parametrize(
    "events,queries,needle",
    [
        ("src,dst,time\na,b,1\n", "src,dst,cutoff\na,b,2\n", "lacks column(s) ts"),
        (EVENTS, "src,target,cutoff\na,b,2\n", "lacks column(s) dst"),
        (EVENTS, "from,to\na,b\n", "lacks column(s) src, dst, cutoff"),
        ("src,dst,ts\na,b,yesterday\n", "src,dst,cutoff\na,b,2\n", "events file"),
        (EVENTS, "src,dst,cutoff\na,b,soon\n", "column cutoff must be seconds"),
        (EVENTS, "src,dst,cutoff\na,b,\n", "column cutoff"),
        ("", "src,dst,cutoff\na,b,2\n", "empty"),
    ],
)
def test_cli_errors_are_one_line(tmp_path, events, queries, needle):
    ev = _write(tmp_path / "events.csv", events)
    q = _write(tmp_path / "queries.csv", queries)
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(cli, ["predict-contacts", "--events", str(ev), "--queries", str(q), "-o", str(out)])
    assert r.exit_code != 0
    assert r.exception is None or isinstance(r.exception, SystemExit)
    err = r.output.strip()
    assert err.count("\n") == 0 and err.startswith("Error:") and needle in err, err
    assert not out.exists()


def test_cli_missing_file(tmp_path):
    q = _write(tmp_path / "queries.csv", "src,dst,cutoff\na,b,2\n")
    r = CliRunner().invoke(cli, ["predict-contacts", "--events", str(tmp_path / "nope.csv"), "--queries", str(q), "-o", str(tmp_path / "o.csv")])
    assert r.exit_code != 0 and "not found" in r.output


def test_cli_help_ends_with_example():
    r = CliRunner().invoke(cli, ["predict-contacts", "--help"])
    assert r.exit_code == 0
    assert r.output.rstrip().splitlines()[-1].strip().startswith("closeknit predict-contacts --events")


def test_empty_log_and_chunked_expansion(monkeypatch):
    import closeknit.relate.predict as P

    e = np.zeros(0, np.int64)
    s = score_contacts(e, e, np.zeros(0), np.array([0, 1]), np.array([1, 0]), np.array([5.0, 6.0]), n_nodes=2)
    assert np.isfinite(s).all() and s[0] == s[1]
    rng = np.random.default_rng(5)
    src, dst, ts = _random_log(rng)
    qs = rng.integers(0, 25, 300)
    qd = (qs + 5) % 25
    qc = rng.uniform(0, 40 * H, 300)
    a = contact_features(src, dst, ts, qs, qd, qc)
    monkeypatch.setattr(P, "_EXPAND_CHUNK", 7)
    np.testing.assert_array_equal(contact_features(src, dst, ts, qs, qd, qc), a)


def test_explain_adds_up_to_the_score():
    model = load_model()
    X = contact_features(np.array([A, B, C]), np.array([B, A, B]), np.array([0.0, H, 2 * H]), np.array([A, A]), np.array([B, C]), np.array([3 * H, 3 * H]))
    s = model.decision(X)
    for i, half in ((0, model.known), (1, model.new)):
        rows = model.explain(X[i])
        assert len(rows) == len(half.features)
        assert sum(c for _, _, c in rows) + half.intercept == pytest.approx(s[i])
        assert abs(rows[0][2]) >= abs(rows[-1][2])


def test_shared_contacts_dense_bitset_and_sparse_paths_agree(monkeypatch):
    import closeknit.relate.predict as P

    rng = np.random.default_rng(11)
    src, dst, ts = _random_log(rng)
    src = np.r_[src, 3, 4]  # self-loops are not contacts of oneself
    dst = np.r_[dst, 3, 4]
    ts = np.r_[ts, 0.0, 0.0]
    qs = rng.integers(0, 25, 300)
    qd = (qs + rng.integers(0, 25, 300)) % 25  # some queries ask about u -> u
    qc = rng.uniform(0, 40 * H, 300)
    j = FEATURES.index("shared_contacts")
    dense = contact_features(src, dst, ts, qs, qd, qc)[:, j]
    monkeypatch.setattr(P, "_DENSE_MAX_NODES", 0)
    bitset = contact_features(src, dst, ts, qs, qd, qc)[:, j]
    monkeypatch.setattr(P, "_BITSET_MAX_NODES", 0)
    sparse = contact_features(src, dst, ts, qs, qd, qc)[:, j]
    np.testing.assert_array_equal(dense, sparse)
    np.testing.assert_array_equal(dense, bitset)
    # brute force for a few queries
    for i in range(0, 300, 37):
        before = ts < qc[i]
        nb = lambda p: {int(w) for s_, d_, w in [(s_, d_, d_ if s_ == p else s_) for s_, d_ in zip(src[before], dst[before])] if (s_ == p or d_ == p) and s_ != d_}  # noqa: E731
        assert dense[i] == pytest.approx(np.log1p(len((nb(qs[i]) & nb(qd[i])) - {int(qs[i]), int(qd[i])})))


WEEK = 7 * 24 * H


def test_three_hop_paths_exact():
    # a - c - d - b, and a - b's other tie e that leads nowhere: one 3-hop path from a to b
    log = [(A, C, 0.0), (D, C, 1 * H), (D, B, 2 * H), (B, E, 2 * H), (A, B, 3 * H), (C, D, 5 * H)]
    f, g, h = feats(log, [(A, B, 4 * H), (A, B, 6 * H), (A, D, 4 * H)])
    s = lambda *ts: sum(math.exp(-(4 * H - t) / WEEK) for t in ts)  # noqa: E731
    assert f["paths3_week"] == pytest.approx(math.log1p(s(0.0) * s(1 * H) * s(2 * H)))
    s6 = lambda *ts: sum(math.exp(-(6 * H - t) / WEEK) for t in ts)  # noqa: E731
    assert g["paths3_week"] == pytest.approx(math.log1p(s6(0.0) * s6(1 * H, 5 * H) * s6(2 * H)))
    # a to d: a - c - d and a - b - d are 2-hop paths; no tie of a's leads to a tie of d's
    assert h["paths3_week"] == 0.0
    assert h["paths2_week"] == pytest.approx(math.log1p(s(0.0) * s(1 * H) + s(3 * H) * s(2 * H)))


def test_three_hop_paths_read_each_sides_strongest_ties_only(monkeypatch):
    import closeknit.relate.predict as P

    # a's ties: c (3 messages) and e (1); both lead to b through d
    log = [(A, C, 0.0), (A, C, 1.0), (A, C, 2.0), (A, E, 0.0), (C, D, 0.0), (E, D, 0.0), (D, B, 0.0)]
    q = [(A, B, 1 * H)]
    s = lambda k: k * math.exp(-(1 * H) / WEEK)  # noqa: E731  (k messages at about time 0, seen at 1 h)
    (full,) = feats(log, q)
    assert full["paths3_week"] == pytest.approx(math.log1p((s(3) + s(1)) * s(1) * s(1)), rel=1e-6)
    monkeypatch.setattr(P, "THREE_HOP_TIES", 1)  # a's one strongest tie is c
    (capped,) = feats(log, q)
    assert capped["paths3_week"] == pytest.approx(math.log1p(s(3) * s(1) * s(1)), rel=1e-6)


def test_three_hop_paths_against_brute_force():
    rng = np.random.default_rng(3)
    src, dst, ts = _random_log(rng)
    qs = rng.integers(0, 25, 60)
    qd = (qs + rng.integers(1, 25, 60)) % 25
    qc = rng.uniform(0, 40 * H, 60)
    got = contact_features(src, dst, ts, qs, qd, qc)[:, FEATURES.index("paths3_week")]
    for i in range(60):
        c, u, v = qc[i], int(qs[i]), int(qd[i])
        tie: dict = {}
        for x, y, t in zip(src.tolist(), dst.tolist(), ts.tolist()):
            if t < c and x != y:
                tie[frozenset((x, y))] = tie.get(frozenset((x, y)), 0.0) + math.exp(-(c - t) / WEEK)
        nb = lambda p: {w for e in tie for w in e if p in e and w != p}  # noqa: E731
        top = lambda p, other: sorted(nb(p) - {other}, key=lambda w: (-tie[frozenset((p, w))], w))[:10]  # noqa: E731
        want = sum(tie[frozenset((u, a))] * tie[frozenset((a, b))] * tie[frozenset((b, v))]
                   for a in top(u, v) for b in top(v, u) if frozenset((a, b)) in tie)
        assert got[i] == pytest.approx(math.log1p(want), rel=1e-9, abs=1e-12)


def test_cli_bom_quoted_newlines_and_minimal_quoting(tmp_path):
    ev = tmp_path / "events.csv"
    ev.write_bytes(b"\xef\xbb\xbfsrc,dst,ts\na,b,1\nb,a,2\n")
    q = _write(tmp_path / "queries.csv", 'src,dst,cutoff,note\na,b,5,"two\nlines"\nb,a,1.5,plain\n')
    out = tmp_path / "o.csv"
    r = CliRunner().invoke(cli, ["predict-contacts", "--events", str(ev), "--queries", str(q), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith('src,dst,cutoff,note,score\na,b,5,"two\nlines",')
    assert "\nb,a,1.5,plain," in text


def test_bad_model_file_is_a_one_line_error(tmp_path):
    ev = _write(tmp_path / "events.csv", EVENTS)
    q = _write(tmp_path / "queries.csv", "src,dst,cutoff\na,b,2\n")
    bad = _write(tmp_path / "m.json", '{"known_pair": {"intercept": 0, "features": {"telepathy": {"coef": 1, "mean": 0, "scale": 1}}}, "new_pair": {"intercept": 0, "features": {}}}')
    r = CliRunner().invoke(cli, ["predict-contacts", "--events", str(ev), "--queries", str(q), "-o", str(tmp_path / "o.csv"), "--model", str(bad)])
    assert r.exit_code == 1 and "telepathy" in r.output and r.output.strip().count("\n") == 0
    junk = _write(tmp_path / "j.json", "not json")
    r = CliRunner().invoke(cli, ["predict-contacts", "--events", str(ev), "--queries", str(q), "-o", str(tmp_path / "o.csv"), "--model", str(junk)])
    assert r.exit_code == 1 and "not a closeknit contacts model" in r.output


def test_docstring_examples_run():
    import doctest

    import closeknit.relate.predict as P

    assert doctest.testmod(P).failed == 0


def test_nan_cutoff_refused():
    from closeknit.core.errors import InputError

    with pytest.raises(InputError):
        contact_features(np.array([0]), np.array([1]), np.array([1.0]), np.array([0]), np.array([1]), np.array([np.nan]))
