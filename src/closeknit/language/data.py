"""Readers for the two labelled intimacy datasets and the fixed MINT development split.

Both datasets are mapped onto closeknit's one intimacy scale, 0 (impersonal) .. 1 (most intimate):

* questions (Pei & Jurgens 2020), scores in [-1, 1]:  ``(score + 1) / 2``
* MINT (SemEval-2023 Task 9), labels in [1, 5]:       ``(label - 1) / 4``

The MINT development split (``mint_split``) is fixed once and for all: within each language the
distinct (text, language) pairs are shuffled with ``numpy.random.default_rng(MINT_DEV_SEED)`` and
the first ``round(0.2 * n)`` pairs are held out. Every row of a held-out pair (a few texts occur
twice with different labels) is in the development split, so no text is on both sides. Training
code must never fit on the development rows; ``benchmarks/intimacy.py`` reports on them.

Only the standard library and numpy are used, so the benchmark and the tests can read the data
without the training extra.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "MINT_LANGS",
    "MINT_DEV_SEED",
    "MINT_DEV_FRACTION",
    "Labelled",
    "load_questions",
    "load_mint",
    "mint_split",
    "pearson",
]

#: MINT language names -> ISO 639-1 codes.
MINT_LANGS = {"English": "en", "Spanish": "es", "Portuguese": "pt", "Italian": "it", "French": "fr", "Chinese": "zh"}
MINT_DEV_SEED = 20230909
MINT_DEV_FRACTION = 0.2


@dataclass
class Labelled:
    texts: list[str]
    y: np.ndarray  # on the 0..1 scale
    lang: list[str]  # ISO 639-1

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx) -> Labelled:
        idx = np.asarray(idx, dtype=np.int64)
        return Labelled([self.texts[i] for i in idx], self.y[idx], [self.lang[i] for i in idx])


def load_questions(root: Path, split: str = "train") -> Labelled:
    """``root`` is the ``intimacy`` data folder; split is ``train`` or ``val``."""
    path = Path(root) / "questions" / f"final_{split}.txt"
    texts, ys = [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            text, _, score = line.rpartition("\t")
            texts.append(text)
            ys.append((float(score) + 1.0) / 2.0)
    return Labelled(texts, np.asarray(ys, dtype=np.float32), ["en"] * len(texts))


def load_mint(root: Path) -> Labelled:
    path = Path(root) / "mint" / "train.csv"
    texts, ys, langs = [], [], []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            texts.append(row["text"])
            ys.append((float(row["label"]) - 1.0) / 4.0)
            langs.append(MINT_LANGS[row["language"]])
    return Labelled(texts, np.asarray(ys, dtype=np.float32), langs)


def mint_split(data: Labelled, seed: int = MINT_DEV_SEED, fraction: float = MINT_DEV_FRACTION) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, dev_idx): the fixed development split, stratified by language, grouped by text."""
    rng = np.random.default_rng(seed)
    dev: list[int] = []
    train: list[int] = []
    for lang in sorted(set(data.lang)):
        groups: dict[str, list[int]] = {}
        for i, (t, lg) in enumerate(zip(data.texts, data.lang)):
            if lg == lang:
                groups.setdefault(t, []).append(i)
        keys = sorted(groups)
        order = rng.permutation(len(keys))
        n_dev = int(round(fraction * len(keys)))
        for rank, k in enumerate(order):
            (dev if rank < n_dev else train).extend(groups[keys[k]])
    return np.asarray(sorted(train), dtype=np.int64), np.asarray(sorted(dev), dtype=np.int64)


def pearson(a, b) -> float:
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    a = a - a.mean()
    b = b - b.mean()
    d = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / d) if d > 0 else float("nan")
