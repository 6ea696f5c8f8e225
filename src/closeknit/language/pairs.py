"""Minimal pairs: does a scorer rank the more intimate of two near-identical sentences higher?

A minimal pair is two sentences in one language that differ only in their private part ("I was
diagnosed with cancer last month" / "I was promoted last month"). :func:`pairs_accuracy` gives, per
language, the share of pairs a scorer orders right (the intimate sentence strictly above the plain
one) on one of its outputs (``intimacy`` or ``disclosure``).

    >>> from closeknit.language.scorer import default_scorer
    >>> pairs_accuracy(default_scorer("fast"), [("en", "I was diagnosed with cancer", "I was promoted")])["en"]["n"]
    1
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

__all__ = ["read_pairs", "pairs_accuracy"]


def read_pairs(path: str | Path) -> list[tuple[str, str, str]]:
    """``(lang, intimate, plain)`` rows of a CSV file with those three columns."""
    with open(path, encoding="utf-8", newline="") as f:
        return [(r["lang"], r["intimate"], r["plain"]) for r in csv.DictReader(f)]


def pairs_accuracy(scorer, pairs: Iterable[tuple[str, str, str]], output: str = "intimacy") -> dict[str, dict]:
    """Per language: ``n`` pairs, ``right`` (ordered right: intimate > plain on ``output``),
    ``share`` (right / n) and ``wrong`` (the pairs ordered wrong or tied, with both scores);
    plus ``"all"`` over every language."""
    pairs = list(pairs)
    a = scorer.score_arrays([p[1] for p in pairs] + [p[2] for p in pairs])
    x = [float(v) for v in a[output]]
    n = len(pairs)
    res: dict[str, dict] = {}
    for i, (lang, hi, lo) in enumerate(pairs):
        for key in (lang, "all"):
            r = res.setdefault(key, {"n": 0, "right": 0, "wrong": []})
            r["n"] += 1
            if x[i] > x[n + i]:
                r["right"] += 1
            elif key != "all":
                r["wrong"].append((hi, round(x[i], 4), lo, round(x[n + i], 4)))
    for r in res.values():
        r["share"] = r["right"] / r["n"]
    res.get("all", {}).pop("wrong", None)
    return res
