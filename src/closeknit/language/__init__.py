"""closeknit's language layer: how intimate a text is, in which language, and what it does.

    from closeknit.language import score, score_batch
    score("what's your lowest point while being broke?").intimacy   # 0..1

See docs/language.md for the scale, the models and their measured accuracy.
"""

from __future__ import annotations

from closeknit.language.detectors import asks_personal, discloses, is_question
from closeknit.language.scorer import IntimacyScorer, Score, default_scorer, score, score_batch

__all__ = ["score", "score_batch", "Score", "IntimacyScorer", "default_scorer", "is_question", "asks_personal", "discloses"]
