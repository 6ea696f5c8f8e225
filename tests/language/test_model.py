"""Regression tests of the shipped models on our fixed development splits (never fitted on).

The floors are the figures measured when the models were built (``scripts/train_intimacy.py``,
quoted in docs/language.md and kept in ``model/<name>.json``) less 0.02: a retrained or broken
model that falls below them fails here. The fast model is checked on every development row; the
accurate one (about 20 texts a second a core) on a fixed sample, against the figures that same
sample gave at build time.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from closeknit.language.data import disclosure_split, load_disclosure, load_mint, load_questions, mint_split, pearson, roc_auc
from closeknit.language.model import MODEL_DIR

SLACK = 0.02
# measured at build time (docs/language.md); the test asserts each minus SLACK
BUILT = {
    "fast": {"questions_r": 0.8749, "mint_r": 0.6407, "mint_en_r": 0.6532, "disclosure_auc": 0.7039},
    "accurate": {"questions_r": 0.8928, "mint_en_r": 0.6997, "disclosure_auc_sample": 0.7502},
}


def _predict(sc, texts):
    a = sc.score_arrays(list(texts))
    return np.asarray(a["intimacy"]), np.asarray(a["disclosure"], np.float64)


@pytest.fixture
def dev(shared):
    root = shared / "intimacy"
    q = load_questions(root, "val")
    m = load_mint(root)
    md = m.subset(mint_split(m)[1])
    d = load_disclosure(root)
    dd = d.subset(disclosure_split(d)[1])
    return q, md, dd


def _sample(n: int, k: int) -> np.ndarray:
    return np.sort(np.random.default_rng(11).permutation(n)[:k])


def test_fast_reaches_its_validation_figures(dev, fast_scorer):
    q, md, dd = dev
    got = {"questions_r": pearson(_predict(fast_scorer, q.texts)[0], q.y)}
    pm = _predict(fast_scorer, md.texts)[0]
    lang = np.array(md.lang)
    got["mint_en_r"] = pearson(pm[lang == "en"], md.y[lang == "en"])
    got["mint_r"] = pearson(pm, md.y)
    got["disclosure_auc"] = roc_auc(_predict(fast_scorer, dd.texts)[1], dd.any)
    for k, v in BUILT["fast"].items():
        assert got[k] >= v - SLACK, (k, got[k], v)


def test_accurate_reaches_its_validation_figures(dev, accurate_scorer):
    q, md, dd = dev
    lang = np.array(md.lang)
    en = np.flatnonzero(lang == "en")
    ds = _sample(len(dd), 600)
    got = {"questions_r": pearson(_predict(accurate_scorer, q.texts)[0], q.y),
           "mint_en_r": pearson(_predict(accurate_scorer, [md.texts[i] for i in en])[0], md.y[en]),
           "disclosure_auc_sample": roc_auc(_predict(accurate_scorer, [dd.texts[i] for i in ds])[1], dd.any[ds])}
    for k, v in BUILT["accurate"].items():
        assert got[k] >= v - SLACK, (k, got[k], v)


def test_confidence_is_calibrated_on_held_out_rows(dev, fast_scorer):
    """Texts with higher confidence have smaller errors (MINT development split, never fitted on
    for intimacy; the confidence model saw only its other half)."""
    _, md, _ = dev
    a = fast_scorer.score_arrays(md.texts)
    err = np.abs(np.asarray(a["intimacy"]) - md.y)
    conf = np.asarray(a["confidence"])
    lo, hi = np.quantile(conf, [0.25, 0.75])
    assert err[conf >= hi].mean() < err[conf <= lo].mean()
    # and it is a probability of being within 0.125: predicted and observed rates agree to 0.1
    assert abs(conf.mean() - (err <= 0.125).mean()) < 0.1


def test_meta_pins_the_weights():
    from closeknit.language import e5, model

    for name in ("fast", "accurate"):
        meta = json.loads((MODEL_DIR / f"{name}.json").read_text())
        assert meta["version"].startswith(f"intimacy-{name}-2-")
    assert json.loads((MODEL_DIR / "accurate.json").read_text())["base"].endswith(e5.E5_SHA256 + ")")
    assert json.loads((MODEL_DIR / "fast.json").read_text())["base"].endswith(model.USE_SHA256 + ")")


def test_scale_and_api(fast_scorer):
    from closeknit.language import score, score_batch

    s = score("what's your lowest point while being broke?")
    assert 0 <= s.intimacy <= 1 and 0 <= s.confidence <= 1 and s.lang == "en" and s.is_question
    lo, hi = score_batch(["Is the 9:40 train on time?", "I miss my mom so much it hurts"])
    assert hi.intimacy > lo.intimacy + 0.2
    assert hi.disclosure > 0.5 > lo.disclosure


def test_repeated_texts_score_once_and_alike(fast_scorer):
    a = fast_scorer.score_arrays(["ok", "I miss you", "ok", "", "ok"])
    assert a["intimacy"][0] == a["intimacy"][2] == a["intimacy"][4]
    assert a["intimacy"][3] == 0.0 and a["confidence"][3] == 0.0


def test_unlearned_language_low_confidence(fast_scorer):
    from closeknit.language.scorer import UNLEARNED_CONFIDENCE

    de, en = fast_scorer.score_batch(["Ich vermisse dich so sehr, komm bitte bald nach Hause.",
                                      "I miss you so much, please come home soon."])
    assert de.lang == "de" and de.confidence <= UNLEARNED_CONFIDENCE
    assert en.lang == "en" and en.confidence > UNLEARNED_CONFIDENCE
    nothing = fast_scorer.score("😂😂 !!")
    assert nothing.lang is None and nothing.confidence <= 0.05


@pytest.mark.parametrize("name", ["fast", "accurate"])
def test_tiers_agree_on_the_obvious(name, fast_scorer, accurate_scorer):
    sc = fast_scorer if name == "fast" else accurate_scorer
    hi, lo = sc.score_batch(["My mother died last night and I can't stop crying.", "Happy birthday!"])
    assert hi.intimacy > lo.intimacy and hi.disclosure > lo.disclosure


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="worker processes are used only with two cores or more")
def test_worker_processes_score_exactly_as_one_process(fast_scorer, accurate_scorer, monkeypatch):
    """A call large enough for worker processes (forced here with small thresholds: 23 texts in
    chunks of 5, over two or more workers) gives the same scores as one process, in order."""
    import closeknit.language.model as M

    texts = [f"{w} {i}" for i, w in enumerate(["I was diagnosed with cancer last month", "Happy birthday!",
                                               "can we talk tonight? I miss you", "The meeting moved to 3pm",
                                               "Mi madre murió anoche", "Je suis tellement seul depuis le divorce",
                                               "what's your salary?", "lol ok", ""] * 3)][:23]
    for sc in (fast_scorer, accurate_scorer):
        one = sc.model.predict(texts)
        monkeypatch.setattr(M, "CHUNK", 5)
        monkeypatch.setattr(M.FastModel, "PARALLEL_FROM", 2)
        monkeypatch.setattr(M.AccurateModel, "PARALLEL_FROM", 2)
        many = sc.model.predict(texts)
        monkeypatch.undo()
        assert len(many[0]) == 23
        np.testing.assert_allclose(many[0], one[0], rtol=0, atol=1e-6)
        np.testing.assert_allclose(many[1], one[1], rtol=0, atol=1e-6)
        np.testing.assert_array_equal(many[2], one[2])


def _handlers(texts: list[str]) -> np.ndarray:
    """Per text: (SIGTERM is the default action, SIGINT is ignored) in the process that scores it."""
    import signal

    state = (signal.getsignal(signal.SIGTERM) == signal.SIG_DFL, signal.getsignal(signal.SIGINT) == signal.SIG_IGN)
    return np.array([state] * len(texts))


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="worker processes are used only with two cores or more")
def test_scoring_workers_leave_signals_to_the_parent():
    """The CLI turns SIGTERM into KeyboardInterrupt (a clean rollback); a forked scoring worker must
    not inherit that, or the pool's own SIGTERM at its end prints the worker's traceback (seen under
    the demo's output). Workers: SIGTERM default, Ctrl-C ignored; the parent's handlers untouched."""
    import signal

    import closeknit.language.model as M
    from closeknit.present.cli import _terminate

    old = signal.signal(signal.SIGTERM, _terminate)
    try:
        in_workers = M._in_workers(_handlers, [str(i) for i in range(8)], parallel_from=2)
        assert in_workers.tolist() == [[True, True]] * 8
        assert signal.getsignal(signal.SIGTERM) is _terminate
        assert M._in_workers(_handlers, ["one text"], parallel_from=2).tolist() == [[False, False]]  # this process
    finally:
        signal.signal(signal.SIGTERM, old)
