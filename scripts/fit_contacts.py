"""Fit the shipped "who will you talk to next" model and write its weights.

The model is fit on the *validation* period (70–85 % of the timestamps) of every development log
of benchmarks/contacts.py (SNAP email-Eu-core-temporal and the CNS calls + SMS), each log weighing
the same, with queries made exactly as there (DyGLib protocol, random negatives, seed 1,
features from events before each query's cutoff). Events of the test periods
(after 85 %) are not used by the fit. Deterministic: re-running gives the same file.

    .venv/bin/python scripts/fit_contacts.py            # writes src/closeknit/relate/contacts_model.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from contacts import INTERACTIONS, dev_sets, fit_on, validation_set  # noqa: E402

from closeknit.relate.predict import MODEL_FILE  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=INTERACTIONS)
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "src" / "closeknit" / "relate" / MODEL_FILE)
    args = ap.parse_args(argv)
    val = {name: validation_set(*log) for name, log in dev_sets(args.data).items()}
    model = fit_on(val)
    n = sum(len(v[1]) for v in val.values())
    model.meta.update(
        {
            "fit_on": "validation periods (70-85% timestamp quantiles) of " + " and ".join(val)
                      + ", equal weight each; DyGLib queries, random negatives, seed 1",
            "fit_by": "scripts/fit_contacts.py",
            "score": "log-odds that src contacts dst next; known_pair weights when src wrote to dst before the cutoff, else new_pair",
        }
    )
    args.output.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({n:,} validation queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
