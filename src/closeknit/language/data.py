"""Readers for the labelled intimacy and disclosure datasets and their fixed development splits.

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
    "Disclosure",
    "load_disclosure",
    "disclosure_split",
    "roc_auc",
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


#: The fixed CL-Aff development split: 20 % of the distinct sentences, drawn with this seed.
DISCLOSURE_DEV_SEED = 20200207
_R_ESCAPE = None


def _unescape_r(text: str) -> str:
    """CL-Aff texts carry R escape artefacts such as ``<U+0092>`` (Windows-1252 bytes written as
    code points): map each back to the character it stands for."""
    import re

    global _R_ESCAPE
    if _R_ESCAPE is None:
        _R_ESCAPE = re.compile(r"<U\+([0-9A-Fa-f]{4,8})>")

    def one(m) -> str:
        cp = int(m.group(1), 16)
        if 0x80 <= cp <= 0x9F:
            try:
                return bytes([cp]).decode("cp1252")
            except UnicodeDecodeError:
                return ""
        return chr(cp)

    return _R_ESCAPE.sub(one, text)


@dataclass
class Disclosure:
    texts: list[str]
    emotional: np.ndarray  # 0/1
    information: np.ndarray  # 0/1

    @property
    def any(self) -> np.ndarray:
        return np.maximum(self.emotional, self.information)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx) -> Disclosure:
        idx = np.asarray(idx, dtype=np.int64)
        return Disclosure([self.texts[i] for i in idx], self.emotional[idx], self.information[idx])


def load_disclosure(root: Path) -> Disclosure:
    """CL-Aff OffMyChest (``disclosure/claff_offmychest_train.csv``): sentences with binary
    emotional and information disclosure labels."""
    path = Path(root) / "disclosure" / "claff_offmychest_train.csv"
    texts, emo, info = [], [], []
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            texts.append(_unescape_r(row["full_text"]))
            emo.append(int(row["Emotional_disclosure"]))
            info.append(int(row["Information_disclosure"]))
    return Disclosure(texts, np.asarray(emo, np.float32), np.asarray(info, np.float32))


def disclosure_split(data: Disclosure, seed: int = DISCLOSURE_DEV_SEED, fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, dev_idx): fixed, grouped by text (a repeated sentence is on one side only)."""
    groups: dict[str, list[int]] = {}
    for i, t in enumerate(data.texts):
        groups.setdefault(t, []).append(i)
    keys = sorted(groups)
    order = np.random.default_rng(seed).permutation(len(keys))
    n_dev = int(round(fraction * len(keys)))
    dev = sorted(i for rank, k in enumerate(order) if rank < n_dev for i in groups[keys[k]])
    train = sorted(i for rank, k in enumerate(order) if rank >= n_dev for i in groups[keys[k]])
    return np.asarray(train, np.int64), np.asarray(dev, np.int64)


def roc_auc(score, label) -> float:
    """Area under the ROC curve (ties count half), without scikit-learn."""
    s = np.asarray(score, np.float64)
    y = np.asarray(label) > 0
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), np.float64)
    sorted_s = s[order]
    # average ranks over ties
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    npos, nneg = int(y.sum()), int((~y).sum())
    if npos == 0 or nneg == 0:
        return float("nan")
    return float((ranks[y].sum() - npos * (npos + 1) / 2.0) / (npos * nneg))
