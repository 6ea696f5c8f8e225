"""The scorer: intimacy, disclosure, confidence, language and the detectors, for one text or a batch.

    >>> from closeknit.language import score, score_batch
    >>> s = score("what's your lowest point while being broke?")
    >>> round(s.intimacy, 2), round(s.confidence, 2), s.lang, s.is_question, s.personal_question, round(s.disclosure, 2)
    (0.5, 0.5, 'en', True, True, 0.24)

Scale: ``intimacy`` is in [0, 1] for every source: 0 = impersonal, 1 = most intimate, defined as
(MINT rating - 1) / 4, i.e. 0.25 per point of the 1-5 rating that MINT's annotators gave tweets.
Question texts from Pei & Jurgens are scored on the same scale.

``confidence`` in [0, 1] is calibrated: it estimates the probability that the intimacy is within
0.125 (half a rating point) of what annotators would say, fitted on held-out rows of the training
languages from the language identifier's certainty, the text length and the score
(``confidence_features``). For texts in a language
the model has not learned (anything but en, es, pt, it, fr, zh) it is capped at
``UNLEARNED_CONFIDENCE``; texts with no letters get ``NO_TEXT_CONFIDENCE`` and empty texts 0.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from closeknit.language import detectors, langid
from closeknit.language.model import load_model, read_meta

__all__ = ["Score", "OUTPUTS", "IntimacyScorer", "confidence_features", "score", "score_batch", "default_scorer",
           "UNLEARNED_CONFIDENCE", "MODELS"]

UNLEARNED_CONFIDENCE = 0.1
NO_TEXT_CONFIDENCE = 0.05
MODELS = ("fast", "accurate")
DEFAULT_MODEL = "fast"


#: What :meth:`IntimacyScorer.score_arrays` returns for each text, in this order (the columns
#: ``closeknit score`` appends, the fields of :class:`Score`, the keys of the API's JSON).
OUTPUTS = ("intimacy", "disclosure", "confidence", "lang", "is_question", "personal_question")


@dataclass(frozen=True)
class Score:
    """The scores of one text: ``intimacy`` 0..1, ``disclosure`` 0..1 (how much the writer reveals
    about themselves), ``confidence`` 0..1, ``lang`` (ISO 639-1 or None), ``is_question``,
    ``personal_question`` (a question asking the reader about themselves)."""

    intimacy: float
    disclosure: float
    confidence: float
    lang: str | None
    is_question: bool
    personal_question: bool


class IntimacyScorer:
    """An intimacy model plus language identification, confidence and the detectors."""

    def __init__(self, model, *, version: str, learned: list[str], conf_coef=None):
        self.model = model
        self.version = version
        self.learned = frozenset(learned)
        self.conf_coef = np.asarray(conf_coef if conf_coef is not None else [0.0] * 6, np.float64)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(cls, name: str = DEFAULT_MODEL) -> IntimacyScorer:
        """Load a shipped model: ``fast`` (USE multilingual, default for bulk) or ``accurate`` (fine-tuned e5)."""
        if name not in MODELS:
            from closeknit.core.errors import UsageError

            raise UsageError(f"unknown intimacy model {name!r} (choose from {', '.join(MODELS)})")
        meta = read_meta(name)
        return cls(load_model(name), version=meta["version"], learned=meta["learned_languages"],
                   conf_coef=meta["confidence"]["coef"])

    def transform(self, texts) -> np.ndarray:
        """Intimacy (0..1) of each text, as a float32 array."""
        texts = list(texts)
        return self.model.predict(texts)[0] if texts else np.zeros(0, np.float32)

    # ------------------------------------------------------------------ scoring
    def score(self, text: str) -> Score:
        """Score one text."""
        return self.score_batch([text])[0]

    def score_arrays(self, texts) -> dict[str, np.ndarray | list]:
        """Columnar batch scoring: the :data:`OUTPUTS` of each text (numpy float arrays for
        intimacy, disclosure and confidence; lists for the others)."""
        texts = ["" if t is None else str(t) for t in texts]
        n = len(texts)
        if n == 0:
            return {"intimacy": np.zeros(0), "disclosure": np.zeros(0), "confidence": np.zeros(0), "lang": [],
                    "is_question": [], "personal_question": []}
        # each distinct text once: archives repeat "ok", "thanks", "😂" thousands of times
        uniq, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
        u_inti, u_disc, u_ntok = self.model.predict([str(t) for t in uniq])
        inti = u_inti.astype(np.float64)[inverse]
        disc = u_disc.astype(np.float64)[inverse]
        ntok = u_ntok[inverse]
        codes, probs = langid.identify_batch(texts)
        conf = 1.0 / (1.0 + np.exp(-(confidence_features(codes, probs, ntok, self.learned, inti) @ self.conf_coef)))
        for i, c in enumerate(codes):
            if c is None:
                conf[i] = 0.0 if not texts[i].strip() else min(conf[i], NO_TEXT_CONFIDENCE)
                if not texts[i].strip():
                    inti[i] = 0.0
                    disc[i] = 0.0
            elif c not in self.learned:
                conf[i] = min(conf[i], UNLEARNED_CONFIDENCE)
        isq = [detectors.is_question(t) for t in texts]
        pers = [q and detectors.asks_personal(t, float(s)) for t, s, q in zip(texts, inti, isq)]
        return {"intimacy": inti, "disclosure": disc, "confidence": conf, "lang": codes, "is_question": isq,
                "personal_question": pers}

    def score_batch(self, texts) -> list[Score]:
        """Score many texts at once (much faster than one by one)."""
        a = self.score_arrays(texts)
        return [
            Score(float(a["intimacy"][i]), float(a["disclosure"][i]), float(a["confidence"][i]), a["lang"][i],
                  bool(a["is_question"][i]), bool(a["personal_question"][i]))
            for i in range(len(a["lang"]))
        ]


def confidence_features(codes, probs, ntok, learned, intimacy) -> np.ndarray:
    """The confidence model's inputs, one row per text: 1, the language is one the model learned,
    the language identifier's certainty, log(1 + tokens), and the score itself and its square
    (errors grow towards the intimate end, where ratings are rarer). Training fits the coefficients."""
    n = len(codes)
    known = np.fromiter((c in learned for c in codes), dtype=np.float64, count=n)
    s = np.asarray(intimacy, np.float64)
    return np.stack([np.ones(n), known, np.asarray(probs, np.float64), np.log1p(np.asarray(ntok, np.float64)), s, s * s], 1)


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _cached(name: str) -> IntimacyScorer:
    return IntimacyScorer.load(name)


def default_scorer(name: str = DEFAULT_MODEL) -> IntimacyScorer:
    """The shipped scorer, loaded once per process."""
    with _lock:
        return _cached(name)


def score(text: str, model: str = DEFAULT_MODEL) -> Score:
    """Intimacy, confidence, language and detector flags of one text."""
    return default_scorer(model).score(text)


def score_batch(texts, model: str = DEFAULT_MODEL) -> list[Score]:
    """``score`` for many texts."""
    return default_scorer(model).score_batch(texts)


def _sigmoid(x: float) -> float:  # pragma: no cover - helper kept for clarity in docs
    return 1.0 / (1.0 + math.exp(-x))
