"""Regression tests of the shipped models on the questions validation split and the MINT dev split."""

from __future__ import annotations

import numpy as np
import pytest

from closeknit.language.data import load_mint, load_questions, mint_split, pearson

# Measured when the models were built (scripts/train_intimacy.py; see docs/language.md), less some
# slack. The accurate model must keep r >= 0.85 on the questions validation split (measured 0.865).
FLOOR = {
    "fast": {"questions": 0.66, "mint": 0.42},
    "accurate": {"questions": 0.85, "mint_en": 0.57},
}


@pytest.fixture
def qval(shared):
    return load_questions(shared / "intimacy", "val")


@pytest.fixture
def mdev(shared):
    m = load_mint(shared / "intimacy")
    return m.subset(mint_split(m)[1])


@pytest.mark.parametrize("name", ["fast", "accurate"])
def test_questions_val(name, qval, fast_scorer, accurate_scorer):
    sc = fast_scorer if name == "fast" else accurate_scorer
    r = pearson(sc.transform(qval.texts), qval.y)
    assert r >= FLOOR[name]["questions"], r


def test_mint_dev_fast(mdev, fast_scorer):
    p = fast_scorer.transform(mdev.texts)
    assert pearson(p, mdev.y) >= FLOOR["fast"]["mint"]
    lang = np.array(mdev.lang)
    for lg in ("en", "es", "pt", "it", "fr", "zh"):
        assert pearson(p[lang == lg], mdev.y[lang == lg]) > 0.25, lg


def test_mint_dev_english_accurate(mdev, accurate_scorer):
    en = np.array(mdev.lang) == "en"  # English only: keeps the test to a few seconds
    p = accurate_scorer.transform([t for t, e in zip(mdev.texts, en) if e])
    assert pearson(p, mdev.y[en]) >= FLOOR["accurate"]["mint_en"]


def test_split_is_fixed_and_disjoint(mdev, shared):
    m = load_mint(shared / "intimacy")
    tr, dev = mint_split(m)
    assert len(tr) + len(dev) == len(m) == 9491
    assert len(dev) == 1900
    assert not set(m.texts[i] + m.lang[i] for i in tr) & set(m.texts[i] + m.lang[i] for i in dev)
    assert np.array_equal(dev, mint_split(m)[1])


def test_scale_and_api(fast_scorer):
    from closeknit.language import score, score_batch

    s = score("what's your lowest point while being broke?")
    assert 0 <= s.intimacy <= 1 and 0 <= s.confidence <= 1 and s.lang == "en" and s.is_question
    lo, hi = score_batch(["Is the 9:40 train on time?", "I miss my mom so much it hurts"])
    assert hi.intimacy > lo.intimacy
    assert hi.disclosure and not lo.disclosure


def test_unlearned_language_low_confidence(fast_scorer):
    from closeknit.language.scorer import UNLEARNED_CONFIDENCE

    de, en = fast_scorer.score_batch(["Ich vermisse dich so sehr, komm bitte bald nach Hause.",
                                      "I miss you so much, please come home soon."])
    assert de.lang == "de" and de.confidence <= UNLEARNED_CONFIDENCE
    assert en.lang == "en" and en.confidence > UNLEARNED_CONFIDENCE
    nothing = fast_scorer.score("😂😂 !!")
    assert nothing.lang is None and nothing.confidence <= 0.05


def test_fit_transform_roundtrip(fast_scorer):
    from closeknit.language.model import IntimacyModel

    m = IntimacyModel(fast_scorer.model.encoder, alpha=10.0)
    texts = ["I love you", "the bus is late", "my dad died", "see attached invoice"] * 5
    y = np.array([0.9, 0.1, 0.95, 0.05] * 5)
    p = m.fit(texts, y).transform(texts)
    assert pearson(p, y) > 0.9
