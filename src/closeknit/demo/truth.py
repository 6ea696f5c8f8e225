"""Who is who in the demo: the simulated life knows which simulated person each address, number,
handle, account id and (unique) name belongs to, so a store person can be mapped to the simulated person
most of its identities belong to. Used to measure `closeknit people suggest` on the demo
(benchmarks/suggest.py, tests/store/test_suggest.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from closeknit.core.normalize import normalize_email, normalize_handle, normalize_phone

__all__ = ["truth", "true_pairs"]


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
    """Pairs of store people that are one simulated person."""
    inv: dict[int, list[int]] = defaultdict(list)
    for pid, lp in t.items():
        inv[lp].append(pid)
    return {frozenset(p) for v in inv.values() for p in combinations(sorted(v), 2)}
