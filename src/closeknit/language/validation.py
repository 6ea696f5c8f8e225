"""The validation figures of a language model, computed one way for the benchmark, the training
script and the regression test.

``figures(predict, root)`` scores the fixed development splits (``closeknit.language.data``) with
``predict(texts) -> (intimacy, disclosure)`` and returns:

* ``questions_r``: Pearson r of intimacy with the questions' validation ratings;
* ``mint_r`` and ``mint_<lang>_r``: Pearson r on the MINT development split, all and per language;
* ``disclosure_auc``: ROC AUC of ``disclosure`` for "discloses anything" (emotional or information)
  on the CL-Aff development split; ``disclosure_intimacy_auc`` the same for ``intimacy``;
* with ``pairs`` (a CSV of ``lang,intimate,plain`` minimal pairs): ``pairs_<lang>``, the share of
  pairs whose intimate sentence scores higher on intimacy, and ``pairs`` over all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from closeknit.language.pairs import pairs_accuracy, read_pairs
from closeknit.language.data import disclosure_split, load_disclosure, load_mint, load_questions, mint_split, pearson, roc_auc

__all__ = ["figures"]

Predict = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]


class _Outputs:
    """A ``predict`` function seen as a scorer (``score_arrays``), for ``pairs.pairs_accuracy``."""

    def __init__(self, predict: Predict):
        self.predict = predict

    def score_arrays(self, texts: list[str]) -> dict[str, np.ndarray]:
        inti, disc = self.predict(list(texts))
        return {"intimacy": np.asarray(inti), "disclosure": np.asarray(disc)}


def figures(predict: Predict, root: Path, pairs: Path | None = None) -> dict[str, float]:
    root = Path(root)
    out: dict[str, float] = {}
    q = load_questions(root, "val")
    out["questions_r"] = pearson(predict(q.texts)[0], q.y)
    mint = load_mint(root)
    dev = mint.subset(mint_split(mint)[1])
    pm = np.asarray(predict(dev.texts)[0])
    out["mint_r"] = pearson(pm, dev.y)
    lang = np.array(dev.lang)
    for lg in sorted(set(dev.lang)):
        out[f"mint_{lg}_r"] = pearson(pm[lang == lg], dev.y[lang == lg])
    d = load_disclosure(root)
    dd = d.subset(disclosure_split(d)[1])
    inti, disc = predict(dd.texts)
    out["disclosure_auc"] = roc_auc(disc, dd.any)
    out["disclosure_intimacy_auc"] = roc_auc(inti, dd.any)
    if pairs is not None:
        res = pairs_accuracy(_Outputs(predict), read_pairs(pairs))
        out.update({f"pairs_{lang}" if lang != "all" else "pairs": r["share"] for lang, r in res.items()})
    return {k: round(float(v), 4) for k, v in out.items()}
