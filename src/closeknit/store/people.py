"""Who is who: grouping identities into people.

Identities are joined into one person by evidence: identity links from imports with confidence
at or above :data:`AUTO_MERGE_CONFIDENCE` (a contact card listing an address and a number,
say), the user's own identities (all of them are person 0), and the user's manual decisions
(``merge``/``split``), which always win. Display names never merge people on their own.

The grouping is recomputed from those facts after every import, so it never drifts: a person's
id is the smallest identity id in the group (person 0 for the user).
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pyarrow as pa

from closeknit.ingest.base import ImportContext
from closeknit.ingest.records import Ident
from closeknit.store.schema import SELF_PERSON_ID

__all__ = ["AUTO_MERGE_CONFIDENCE", "resolve_people", "load_context", "get_setting", "set_setting"]

AUTO_MERGE_CONFIDENCE = 0.9
# Kinds whose display names are worth showing before raw values.
_NAME_PRIORITY = {"name": 0, "email": 1, "phone": 2, "handle": 1, "account_id": 3, "url": 3, "uid": 4}


def get_setting(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute(
        "SELECT b FROM decisions WHERE kind = 'setting' AND a = ? ORDER BY made_at DESC LIMIT 1", [key]
    ).fetchall()
    return row[0][0] if row else None


def set_setting(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("INSERT INTO decisions VALUES ('setting', ?, ?, now())", [key, value])


def load_context(con: duckdb.DuckDBPyConnection) -> ImportContext:
    """The :class:`ImportContext` for the next import: the user's identities and phone region."""
    rows = con.execute("SELECT channel, kind, value FROM me").fetchall()
    region = get_setting(con, "region")
    ctx = ImportContext(self_idents=frozenset(Ident(c, k, v) for c, k, v in rows))
    if region:
        ctx.region = region
    return ctx


class _DSU:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        p = self.parent
        root = x
        while p.get(root, root) != root:
            root = p[root]
        while p.get(x, x) != root:
            p[x], x = root, p[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            if ra < rb:
                self.parent[rb] = ra
            else:
                self.parent[ra] = rb


def resolve_people(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute ``identities.person_id`` and the ``people`` table from the evidence."""
    idents = con.execute("SELECT id, kind, value, display_name FROM identities").fetchall()
    if not idents:
        con.execute("DELETE FROM people")
        return
    known = {r[0] for r in idents}
    dsu = _DSU()
    decisions = con.execute(
        "SELECT kind, a, b, made_at FROM decisions WHERE kind IN ('merge', 'split') ORDER BY made_at"
    ).fetchall()
    # `split PERSON IDENTITY` makes the identity stand alone: automatic links touching it are
    # ignored from then on, and so are manual merges made before the split.
    split_at = {int(b): t for kind, _a, b, t in decisions if kind == "split"}
    for a, b in con.execute(
        "SELECT a, b FROM identity_links WHERE confidence >= ?", [AUTO_MERGE_CONFIDENCE]
    ).fetchall():
        if a in known and b in known and a not in split_at and b not in split_at:
            dsu.union(a, b)
    for kind, a, b, t in decisions:
        if kind != "merge":
            continue
        a, b = int(a), int(b)
        if a in known and b in known and not any(x in split_at and split_at[x] > t for x in (a, b)):
            dsu.union(a, b)
    selves = {r[0] for r in con.execute("SELECT identity_id FROM me").fetchall()} & known
    self_roots = {dsu.find(s) for s in selves}

    person_of: dict[int, int] = {}
    for iid, *_ in idents:
        root = dsu.find(iid)
        person_of[iid] = SELF_PERSON_ID if root in self_roots else root

    # display name: the most frequent name in the group, preferring real names over raw values
    names: dict[int, Counter] = {}
    for iid, kind, value, dname in idents:
        pid = person_of[iid]
        c = names.setdefault(pid, Counter())
        if dname:
            c[(0, dname)] += 1
        else:
            c[(1 + _NAME_PRIORITY.get(kind, 5), value)] += 1
    people_ids = list(names)
    display = [min(names[p].items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))[0][1] for p in people_ids]

    mapping = pa.table({"id": pa.array(list(person_of), pa.int64()), "pid": pa.array(list(person_of.values()), pa.int64())})
    people = pa.table(
        {
            "id": pa.array(people_ids, pa.int64()),
            "display_name": pa.array(display, pa.string()),
            "is_self": pa.array([p == SELF_PERSON_ID for p in people_ids], pa.bool_()),
        }
    )
    con.register("_map", mapping)
    con.register("_people", people)
    try:
        con.execute(
            "UPDATE identities SET person_id = m.pid FROM _map m WHERE identities.id = m.id AND identities.person_id <> m.pid"
        )
        con.execute("DELETE FROM people")
        con.execute("INSERT INTO people SELECT * FROM _people")
    finally:
        con.unregister("_map")
        con.unregister("_people")
