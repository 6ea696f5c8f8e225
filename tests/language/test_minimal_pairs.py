"""Minimal pairs (tests/language/minimal_pairs.csv, sentences we wrote): the data file, the measure,
and the bar each shipped model must clear (set by whoever ships a model; None: not yet enforced)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from closeknit.language.pairs import pairs_accuracy, read_pairs

PAIRS_FILE = Path(__file__).parent / "minimal_pairs.csv"
LANGS = ("en", "es", "fr", "de", "pt", "it", "nl", "zh")
#: The share of pairs each model must order right in every language (intimacy output): what the
#: shipped models reached when they were built (docs/language.md: every language 0.8 or more, 0.95
#: and 0.90 over all), kept as a floor. The issue's target, 0.95 in every language, is not reached.
MIN_SHARE: dict[str, float | None] = {"fast": 0.8, "accurate": 0.8}


def test_pairs_file():
    pairs = read_pairs(PAIRS_FILE)
    per = Counter(lang for lang, _, _ in pairs)
    assert set(per) == set(LANGS) and min(per.values()) >= 10 and len(pairs) >= 80
    assert all(hi.strip() and lo.strip() and hi != lo for _, hi, lo in pairs)
    assert len({hi for _, hi, _ in pairs}) == len(pairs) == len({lo for _, _, lo in pairs})


class _ByLength:
    """Scores a text by its length: enough to check the counting, not a model."""

    def score_arrays(self, texts):
        return {"intimacy": np.array([len(t) for t in texts], float)}


def test_pairs_accuracy_counts():
    res = pairs_accuracy(_ByLength(), [("en", "longer one", "short"), ("en", "tie", "tie"), ("de", "a", "bb")])
    assert res["en"] == {"n": 2, "right": 1, "share": 0.5, "wrong": [("tie", 3.0, "tie", 3.0)]}
    assert res["de"] == {"n": 1, "right": 0, "share": 0.0, "wrong": [("a", 1.0, "bb", 2.0)]}
    assert res["all"] == {"n": 3, "right": 1, "share": 1 / 3}


@pytest.mark.parametrize("model", sorted(MIN_SHARE))
def test_shipped_model_orders_minimal_pairs(model, request):
    bar = MIN_SHARE[model]
    if bar is None:
        pytest.skip(f"no bar set for the {model} model yet (MIN_SHARE)")
    scorer = request.getfixturevalue(f"{model}_scorer")
    res = pairs_accuracy(scorer, read_pairs(PAIRS_FILE))
    low = {lang: round(res[lang]["share"], 3) for lang in LANGS if res[lang]["share"] < bar}
    assert not low, (low, {lang: res[lang]["wrong"] for lang in low})
