"""How things are said, the same on the terminal and in the browser: ordinals, and people who
share a name told apart."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from closeknit.store.queries import person_label

__all__ = ["ordinal", "NAMED", "shared_names", "names_apart_rows"]

#: The fields that name a person, each beside its id field (a pair's ends are ``a`` and ``b``).
NAMED = (("person", "person_id"), ("a", "a_id"), ("b", "b_id"))


def ordinal(n: int) -> str:
    """1 -> "1st", 2 -> "2nd", 11 -> "11th", 23 -> "23rd", 112 -> "112th"."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def shared_names(named: Iterable[tuple[Any, Any]]) -> set[str]:
    """The names, among ``(name, id)`` pairs, that more than one id has: two people of one name
    (the same name on two services, not merged: closeknit people suggest). A list shows each of
    them as :func:`closeknit.store.queries.person_label` (``Ana Souza (id 180)``), which every
    command that takes a person accepts."""
    ids: dict[str, set] = {}
    for name, pid in named:
        if isinstance(name, str):
            ids.setdefault(name, set()).add(pid)
    return {name for name, pids in ids.items() if len(pids) > 1}


def names_apart_rows(rows: list[dict]) -> list[dict]:
    """``rows`` (dicts, as the web app's views give them) with shared names labelled (copies)."""
    shared = shared_names((r.get(n), r.get(i)) for r in rows for n, i in NAMED if n in r and i in r)
    if not shared:
        return rows
    return [{**r, **{n: person_label(r[n], r[i]) for n, i in NAMED if n in r and i in r and r[n] in shared}}
            for r in rows]
