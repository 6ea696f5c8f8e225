"""Precision and recall of `closeknit people suggest` on the demo, whose truth is known.

The demo's simulated life says who each identity belongs to (addresses, numbers, handles, account
ids, and names that only one simulated person has). A store person is the simulated person most of
their identities belong to; a true pair is two store people of one simulated person. Run:

    .venv/bin/python benchmarks/suggest.py [--seed 7]

Prints the pairs suggested, true and false, precision and recall (at every score), and the
duplicates left among the people after accepting every suggestion at the best threshold.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from closeknit.demo.build import build_demo
from closeknit.demo.truth import true_pairs, truth
from closeknit.store import Store
from closeknit.store.people import accept_suggestions, suggest_merges


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        res = build_demo(Path(tmp) / "demo.duckdb", Path(tmp) / "exports", seed=args.seed, score=False)
        with Store(res.store) as st:
            t = truth(st.con, res.life)
            gold = true_pairs(t)
            sugg = suggest_merges(st.con, limit=None)
            print(f"people (you left out): {st.con.execute('SELECT count(*) FROM people WHERE NOT is_self').fetchall()[0][0]}, "
                  f"mapped to the simulated life: {len(t)}; true pairs (one simulated person, two store people): {len(gold)}")
            print(f"suggestions: {len(sugg)}")
            for thr in sorted({s['score'] for s in sugg}):
                got = [s for s in sugg if s["score"] >= thr]
                tp = sum(1 for s in got if frozenset((s["a"], s["b"])) in gold)
                print(f"  score >= {thr:.2f}: {len(got)} pairs, {tp} true: precision {tp / len(got):.3f}, "
                      f"recall {tp / len(gold) if gold else 1:.3f}")
            for s in sugg:
                if frozenset((s["a"], s["b"])) not in gold:
                    print(f"  false: {s['a_name']} ({s['a']}) / {s['b_name']} ({s['b']}) {s['score']} {s['evidence']}")
            n = accept_suggestions(st.con, [(s["a"], s["b"]) for s in sugg])
            t2 = truth(st.con, res.life)
            left = len(true_pairs(t2))
            print(f"after accepting all {n}: true pairs left {left}")


if __name__ == "__main__":
    main()
