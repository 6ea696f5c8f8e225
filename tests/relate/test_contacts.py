"""The contact model as of one moment, in SQL (:mod:`closeknit.relate.contacts`), is the model of
``predict-contacts`` (:mod:`closeknit.relate.predict`): every feature of every pair in contact, both
ways, equals what the numpy computation gives for the same events and the same cutoff.

Tolerance: counts, recencies and shared contacts agree to 1e-12. The decayed counts (``*_day``,
``*_week``, the 2- and 3-hop paths) agree within 1e-8 relative or 1e-9 absolute: numpy reads them
off prefix log-sum-exps whose running offsets grow with the number of pairs (to ~10^6 on
email-Eu-core), which leaves ~10^-9 of relative error there; the SQL sums the weights directly.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from closeknit.relate.community import community, contacts_sql
from closeknit.relate.engines import DuckDBEngine
from closeknit.relate.predict import FEATURES, contact_features, encode_ids, load_model, score_contacts
from tests.relate.helpers import email_eu_core_parquet

DECAYED = [f for f in FEATURES if f.endswith(("_day", "_week"))]


def _directed(c: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``src, dst, ts`` of the contact sequence's rows ``a, b, a_acts, ts``."""
    a, b, acts = c["a"].to_numpy(), c["b"].to_numpy(), c["a_acts"].to_numpy(zero_copy_only=False)
    return np.where(acts, a, b), np.where(acts, b, a), c["ts"].to_numpy().astype(float)


def _numpy_features(eng, rel, got: pa.Table) -> np.ndarray:
    """``contact_features`` over the engine's contact sequence ``c``, for the rows of ``got``, at
    the cutoff the SQL used (one second after ``as_of``)."""
    src, dst, ts = _directed(eng.arrow("SELECT a, b, a_acts, ts FROM c"))
    # np.unique keeps the ids' order, so ties between equally strong ties break the same way
    (es, ed, qs, qd), n = encode_ids(src, dst, got["src"].to_numpy(), got["dst"].to_numpy())
    return contact_features(es, ed, ts, qs, qd, np.full(len(qs), float(rel.as_of) + 1.0), n)


def assert_features_equal(got: pa.Table, X: np.ndarray) -> None:
    for j, f in enumerate(FEATURES):
        sql = got[f].to_numpy(zero_copy_only=False).astype(float)
        if f in DECAYED:
            np.testing.assert_allclose(sql, X[:, j], rtol=1e-8, atol=1e-9, err_msg=f)
        else:
            np.testing.assert_allclose(sql, X[:, j], rtol=1e-12, atol=1e-12, err_msg=f)
    score = load_model().decision(X)
    np.testing.assert_allclose(got["score"].to_numpy(), score, rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(got["chance"].to_numpy(), 1 / (1 + np.exp(-score)), rtol=1e-8, atol=1e-10)


def _contacts(path: str):
    eng = DuckDBEngine()
    rel = community(eng, path)
    rel.build("contacts")
    return eng, rel, eng.arrow("SELECT * FROM contacts ORDER BY src, dst")


def test_email_eu_core_sql_is_the_numpy_model(shared, tmp_path):
    eng, rel, got = _contacts(email_eu_core_parquet(shared, tmp_path / "eu.parquet"))
    assert got.num_rows == 32_128  # the 16,064 pairs in contact, both ways
    # 7,199 directions never written in (only the other side wrote): the new-pair half of the model
    # scores those; the other 24,929 are the directed pairs of the log (self-mail left out)
    assert got.schema.field("pair_never").type == pa.float64()
    assert pc.sum(got["pair_never"]).as_py() == 7_199
    assert_features_equal(got, _numpy_features(eng, rel, got))
    eng.close()


def test_cns_sql_is_the_numpy_model(shared, tmp_path):
    from tests.relate.test_spark import _cns

    eng, rel, got = _contacts(_cns(shared, tmp_path))
    assert got.num_rows == 1_760
    assert_features_equal(got, _numpy_features(eng, rel, got))
    eng.close()


H = 3600.0
WEEK = 7 * 24 * H


def test_a_small_log_by_hand(tmp_path):
    """ana and bo write to each other; cy writes to both at once; dee knows cy and ana."""
    t0 = 1.7e9
    ev = [("ana", "bo", t0), ("ana", "bo", t0 + H), ("bo", "ana", t0 + 2 * H), ("ana", "cy", t0 + 3 * H),
          ("cy", "ana", t0 + 4 * H), ("cy", "bo", t0 + 4 * H), ("dee", "cy", t0 + 5 * H), ("ana", "dee", t0 + 5 * H)]
    path = tmp_path / "ev.parquet"
    pq.write_table(pa.table({"src": [e[0] for e in ev], "dst": [e[1] for e in ev], "ts": [e[2] for e in ev]}), path)
    eng = DuckDBEngine()
    community(eng, str(path)).build("contacts")
    rows = {(r["src"], r["dst"]): r for r in eng.arrow(contacts_sql()).to_pylist()}
    eng.close()
    assert len(rows) == 10  # 5 pairs in contact, both ways
    k = t0 + 5 * H + 1  # the clock: one second after the last event

    def hours(t):
        return math.log(1 + (k - t) / H)

    def s(*times):  # messages either way, decayed over a week
        return sum(math.exp(-(k - t) / WEEK) for t in times)

    ab, ba = rows[("ana", "bo")], rows[("bo", "ana")]
    want = {
        "pair_count": math.log(3), "back_count": math.log(2), "pair_never": 0.0, "pair_recency": hours(t0 + H),
        "u_sent_since": math.log(3),  # ana wrote to cy and to dee after her last message to bo
        "src_sent": math.log(5), "src_contacts": math.log(4), "dst_received": math.log(4),
        "dst_senders": math.log(3),  # ana and cy wrote to bo
        "dst_age": hours(t0),
        "cc_count": math.log(2), "cc_recency": hours(t0 + 4 * H),  # cy's one message to both
        "shared_contacts": math.log(2),  # cy; dee knows ana only
        "shared_recency": hours(t0 + 4 * H),
        "paths2_week": math.log(1 + s(t0 + 3 * H, t0 + 4 * H) * s(t0 + 4 * H)),  # ana-cy-bo
        "paths3_week": math.log(1 + s(t0 + 5 * H) * s(t0 + 5 * H) * s(t0 + 4 * H)),  # ana-dee-cy-bo
    }
    assert {f: ab[f] for f in want} == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert ba["cc_count"] == ab["cc_count"] and ba["paths3_week"] == pytest.approx(ab["paths3_week"], rel=1e-12)
    # dee never wrote to ana (ana wrote to dee): the new-pair half of the model scores that direction
    assert rows[("dee", "ana")]["pair_never"] == 1.0 and rows[("dee", "ana")]["back_count"] == math.log(2)
    model = load_model()
    for r in rows.values():
        x = np.array([[r[f] for f in FEATURES]])
        assert r["score"] == pytest.approx(float(model.decision(x)[0]), rel=1e-12)


def test_the_personal_view_reads_the_model_as_of_now(demo_built, tmp_path):
    """``attention`` gives each fading tie the model's chances from the engine's contacts table:
    the chances the numpy model gives for the owner (person 0) and them, from the same events."""
    from closeknit.api import Closeknit
    from closeknit.relate.personal import attention
    from tests.conftest import copy_demo

    with Closeknit(copy_demo(demo_built, tmp_path), read_only=False) as ck:
        rel = ck.measures()
        try:
            fading = [r for r in attention(rel) if r["reason"] == "fading"]
            c = rel.sql("SELECT a, b, a_acts, ts FROM c")
            as_of = float(rel.as_of)
        finally:
            rel.close()
    src, dst, ts = _directed(c)
    others = np.array([r["b"] for r in fading])
    me = np.zeros(len(others), dtype=np.int64)
    (es, ed, qs, qd), n = encode_ids(src, dst, np.r_[me, others], np.r_[others, me])
    p = 1 / (1 + np.exp(-score_contacts(es, ed, ts, qs, qd, np.full(len(qs), as_of + 1.0), n_nodes=n)))
    k = len(others)
    assert [r["chance_you_write"] for r in fading] == pytest.approx(p[:k].tolist(), rel=1e-9)
    assert [r["chance_they_write"] for r in fading] == pytest.approx(p[k:].tolist(), rel=1e-9)
    # the fading close friend of the demo: the model puts the owner's writing to her next at 54 %
    assert round(fading[0]["chance_you_write"], 4) == 0.5406
