#!/usr/bin/env python
"""Minimal pairs: the share of our own pairs (tests/language/minimal_pairs.csv: a more intimate
sentence and a plainer one that differ only in their private part, 10+ per language in en, es, fr,
de, pt, it, nl, zh) that each shipped model orders right, per language, on ``intimacy`` and on
``disclosure``; with ``--wrong``, the pairs it orders wrong.

    python benchmarks/minimal_pairs.py
    python benchmarks/minimal_pairs.py --model accurate --wrong
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from closeknit.language.pairs import pairs_accuracy, read_pairs  # noqa: E402
from closeknit.language.scorer import MODELS, default_scorer  # noqa: E402

PAIRS = REPO / "tests" / "language" / "minimal_pairs.csv"
LANGS = ("en", "es", "fr", "de", "pt", "it", "nl", "zh", "all")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=MODELS, action="append", help="model(s) to measure (default: all)")
    ap.add_argument("--pairs", default=str(PAIRS), help="CSV with columns lang, intimate, plain")
    ap.add_argument("--wrong", action="store_true", help="list the pairs ordered wrong (intimacy)")
    args = ap.parse_args()
    pairs = read_pairs(args.pairs)
    print(f"{len(pairs)} minimal pairs from {args.pairs}")
    print(f"{'model':<10}{'output':<12}" + "".join(f"{lang:>7}" for lang in LANGS))
    for name in args.model or MODELS:
        scorer = default_scorer(name)
        for output in ("intimacy", "disclosure"):
            res = pairs_accuracy(scorer, pairs, output)
            print(f"{name:<10}{output:<12}" + "".join(f"{res[lang]['share']:>7.0%}" for lang in LANGS))
        if args.wrong:
            res = pairs_accuracy(scorer, pairs, "intimacy")
            for lang in LANGS[:-1]:
                for hi, x, lo, y in res[lang]["wrong"]:
                    print(f"  {name} {lang}: {hi!r} {x:.3f} <= {lo!r} {y:.3f}")


if __name__ == "__main__":
    main()
