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
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

from closeknit.core.normalize import normalize_email, normalize_handle, normalize_phone
from closeknit.demo.build import build_demo
from closeknit.store import Store
from closeknit.store.people import accept_suggestions, suggest_merges


def truth(con, life) -> dict[int, int]:
    """Store person id -> simulated person id (by majority of their identities)."""
    names = Counter(p.name for p in life.people)
    by: dict[tuple[str, str], int] = {}
    for p in life.people:
        email = normalize_email(p.email) if p.email else None
        if email is not None:
            by[("email", email)] = p.pid
        phone = normalize_phone(p.phone) if p.phone else None
        if phone is not None:
            by[("phone", phone)] = p.pid
        if p.x_handle:
            by[("handle", normalize_handle(p.x_handle))] = p.pid
        if p.x_id:
            by[("account_id", str(p.x_id))] = p.pid
        if names[p.name] == 1:
            by[("name", p.name)] = p.pid
    votes: dict[int, Counter] = defaultdict(Counter)
    for pid, kind, value, dname in con.execute(
            "SELECT person_id, kind, value, display_name FROM identities WHERE person_id <> 0").fetchall():
        k = by.get((kind, value)) or by.get(("name", dname or "")) or by.get(("name", value))
        if k is not None:
            votes[pid][k] += 1
    return {pid: c.most_common(1)[0][0] for pid, c in votes.items()}


def true_pairs(t: dict[int, int]) -> set[frozenset]:
    inv: dict[int, list[int]] = defaultdict(list)
    for pid, lp in t.items():
        inv[lp].append(pid)
    return {frozenset(p) for v in inv.values() for p in combinations(sorted(v), 2)}


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
