"""Fit the shipped "who will you talk to next" model and write its weights.

The model is fit on the *validation* period (70–85 % of the timestamps) of SNAP
email-Eu-core-temporal, with queries made exactly as in benchmarks/contacts.py (DyGLib protocol,
negative seed 1, features from events before each query's cutoff). Events of the test period
(after 85 %) are not even loaded into the fit. Deterministic: re-running gives the same file.

    .venv/bin/python scripts/fit_contacts.py            # writes src/closeknit/relate/contacts_model.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from contacts import DATA, load_edges, validation_set  # noqa: E402

from closeknit.relate.predict import MODEL_FILE, fit_contacts  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("-o", "--output", type=Path, default=ROOT / "src" / "closeknit" / "relate" / MODEL_FILE)
    args = ap.parse_args(argv)
    src, dst, ts = load_edges(args.data)
    X, y = validation_set(src, dst, ts)
    model = fit_contacts(X, y)
    model.meta.update(
        {
            "fit_on": "SNAP email-Eu-core-temporal, validation period (70-85% timestamp quantiles), DyGLib queries, negative seed 1",
            "fit_by": "scripts/fit_contacts.py",
            "score": "log-odds that src contacts dst next; known_pair weights when src wrote to dst before the cutoff, else new_pair",
        }
    )
    args.output.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"wrote {args.output} ({len(y):,} validation queries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
