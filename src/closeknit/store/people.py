"""Who is who: grouping identities into people.

Identities are joined into one person by evidence, never by a display name alone:

* the same normalised email address, phone number or account id *is* the same identity (see
  :mod:`closeknit.ingest.records`), whatever source it was seen in;
* identity links from imports with confidence at or above :data:`AUTO_MERGE_CONFIDENCE`: a
  contact card listing an address, a number and a profile; a LinkedIn connection with its email;
  a Mastodon profile field; an X mention pairing a handle with its account id;
* derived links (recomputed each time, stored in ``identity_links`` with ``source_id`` NULL):
  a profile URL and the account it points to (``https://x.com/ada`` and X handle ``ada``), and a
  WhatsApp contact name equal to exactly one address-book name of a phone number (WhatsApp
  shows the phone's address-book name for saved contacts, so the match is the address book's own
  evidence; an ambiguous name is only a suggestion);
* the user's own identities (``me``): all of them are person 0;
* the user's manual decisions (``merge``/``split``), which always win.

Name-only matches become suggestions (:func:`suggest_merges`) for the user to accept or reject.

The grouping is recomputed from those facts after every import, so it never drifts. Person ids are small
integers (person 0 is the user), kept in ``person_keys`` against the group's smallest identity
id, so a person keeps their id across imports.
"""

from __future__ import annotations

from collections import Counter

import duckdb
import pyarrow as pa

import re
import unicodedata

from closeknit.core.normalize import profile_key
from closeknit.ingest.base import ImportContext
from closeknit.ingest.records import Ident
from closeknit.store.cache import bump_revision
from closeknit.store.schema import SELF_PERSON_ID

__all__ = [
    "AUTO_MERGE_CONFIDENCE",
    "resolve_people",
    "load_context",
    "get_setting",
    "set_setting",
    "suggest_merges",
    "name_key",
]

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


def load_context(con: duckdb.DuckDBPyConnection, *, without_source: int | None = None) -> ImportContext:
    """The :class:`ImportContext` for the next import: the user's identities, phone region and time zone.

    ``without_source`` leaves out the identities that source found to be yours (a source read again
    must find them again itself, as its old rows and what they taught are replaced)."""
    rows = con.execute("SELECT channel, kind, value FROM me WHERE origin IS DISTINCT FROM ?",
                       [None if without_source is None else f"import:{without_source}"]).fetchall()
    region = get_setting(con, "region")
    ctx = ImportContext(self_idents=frozenset(Ident(c, k, v) for c, k, v in rows), tz=get_setting(con, "timezone"))
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
        bump_revision(con)
        return
    known = {r[0] for r in idents}
    _store_derived_links(con)
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

    # short stable ids: a group keeps the id of its smallest identity (the DSU root)
    keys = dict(con.execute("SELECT rep_identity, person_id FROM person_keys").fetchall())
    next_id = max(keys.values(), default=SELF_PERSON_ID) + 1
    new_keys: list[tuple[int, int]] = []
    person_of: dict[int, int] = {}
    for iid, *_ in idents:
        root = dsu.find(iid)
        if root in self_roots:
            person_of[iid] = SELF_PERSON_ID
            continue
        pid = keys.get(root)
        if pid is None:
            pid = keys[root] = next_id
            next_id += 1
            new_keys.append((root, pid))
        person_of[iid] = pid
    if new_keys:
        con.register("_nk", pa.table({"r": pa.array([k for k, _ in new_keys], pa.int64()),
                                      "p": pa.array([v for _, v in new_keys], pa.int64())}))
        try:
            con.execute("INSERT INTO person_keys SELECT r, p FROM _nk")
        finally:
            con.unregister("_nk")

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
        bump_revision(con)  # every import and decision ends here: kept measures are now stale
    finally:
        con.unregister("_map")
        con.unregister("_people")


def name_key(name: str | None) -> str:
    """A display name folded for comparison: accents and case dropped, punctuation to spaces.

    >>> name_key("  José  O'Neil ")
    'jose o neil'
    """
    if not name:
        return ""
    n = unicodedata.normalize("NFKD", name)
    n = "".join(c for c in n if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[^\w]+", " ", n).split())


def _store_derived_links(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the derived links (profile URL -> account; WhatsApp name -> address-book phone)."""
    con.execute("DELETE FROM identity_links WHERE source_id IS NULL")
    rows = con.execute("SELECT id, channel, kind, value, display_name FROM identities").fetchall()
    by_key = {(c, k, v): i for i, c, k, v, _ in rows}
    links: list[tuple[int, int, str, float]] = []
    for iid, channel, kind, value, _ in rows:
        if kind != "url":
            continue
        target = profile_key(value)
        if target and target[0] != "web" and target != (channel, kind, value) and target in by_key:
            links.append((iid, by_key[target], f"profile URL {value} is {target[0]} {target[2]}", 1.0))
    # address-book names of phone numbers (vCard FN, SMS/call-log contact names)
    phone_names: dict[str, set[int]] = {}
    for iid, channel, kind, value, dname in rows:
        if kind == "phone" and dname:
            phone_names.setdefault(name_key(dname), set()).add(iid)
    for iid, channel, kind, value, _ in rows:
        if channel == "whatsapp" and kind == "name":
            phones = phone_names.get(name_key(value))
            if phones and len(phones) == 1:
                (pid,) = phones
                links.append(
                    (iid, pid, f"WhatsApp contact name {value!r} is the address-book name of exactly one phone number", 0.9)
                )
    if links:
        con.executemany("INSERT INTO identity_links VALUES (?, ?, ?, ?, NULL)", links)


def suggest_merges(con: duckdb.DuckDBPyConnection, *, limit: int = 100) -> list[dict]:
    """Pairs of people who may be one person, from names only - for the user to decide.

    Evidence considered: the same folded display name on two people (0.6), a name equal to
    another person's email local part with its dots/underscores as spaces (0.5). Pairs the user
    rejected (``closeknit people reject``) are left out. The user is never suggested.
    """
    people = con.execute(
        """
        SELECT p.id, p.display_name, list(DISTINCT i.channel ORDER BY i.channel),
               list(DISTINCT i.value) FILTER (WHERE i.kind = 'email'),
               list(DISTINCT coalesce(i.display_name, CASE WHEN i.kind = 'name' THEN i.value END))
                   FILTER (WHERE i.display_name IS NOT NULL OR i.kind = 'name'),
               min(i.id)
        FROM people p JOIN identities i ON i.person_id = p.id
        WHERE NOT p.is_self GROUP BY p.id, p.display_name
        """
    ).fetchall()
    rejected = {
        frozenset((int(a), int(b))) for a, b in con.execute("SELECT a, b FROM decisions WHERE kind = 'reject'").fetchall()
    }
    rep_of = {}
    for pid, _, _, _, _, rep in people:
        rep_of[pid] = rep
    rep_members = dict(con.execute("SELECT person_id, list(id) FROM identities GROUP BY person_id").fetchall())
    by_name: dict[str, list[int]] = {}
    by_local: dict[str, list[tuple[int, str]]] = {}
    info = {}
    for pid, dname, channels, emails, names, _ in people:
        info[pid] = (dname, channels)
        for n in set(names or []) | ({dname} if dname else set()):
            k = name_key(n)
            if k and " " in k or (k and len(k) > 2):
                by_name.setdefault(k, []).append(pid)
        for e in emails or []:
            local = name_key(e.split("@", 1)[0].replace(".", " ").replace("_", " "))
            if " " in local:
                by_local.setdefault(local, []).append((pid, e))
    out: dict[frozenset, dict] = {}

    def _rejected(a: int, b: int) -> bool:
        ma, mb = set(rep_members.get(a, [])), set(rep_members.get(b, []))
        return any(len(r & ma) == 1 and len(r & mb) == 1 for r in rejected)

    for k, pids in by_name.items():
        pids = sorted(set(pids))
        for i, a in enumerate(pids):
            for b in pids[i + 1 :]:
                key = frozenset((a, b))
                if key not in out and not _rejected(a, b):
                    out[key] = {"a": a, "b": b, "score": 0.6, "evidence": [f"both are named {k!r}"]}
    for k, items in by_local.items():
        for a in by_name.get(k, []):
            for b, email in items:
                if a == b:
                    continue
                key = frozenset((a, b))
                if _rejected(a, b):
                    continue
                s = out.setdefault(key, {"a": min(a, b), "b": max(a, b), "score": 0.0, "evidence": []})
                s["score"] = min(0.8, s["score"] + 0.5) if s["score"] else 0.5
                s["evidence"].append(f"{email} looks like the name {k!r}")
    res = []
    for s in out.values():
        for side in ("a", "b"):
            s[f"{side}_name"], s[f"{side}_channels"] = info[s[side]]
        res.append(s)
    res.sort(key=lambda s: (-s["score"], str(s["a_name"]), s["a"], s["b"]))
    return res[:limit]


def _rep(con: duckdb.DuckDBPyConnection, pid: int) -> int:
    return con.execute("SELECT min(id) FROM identities WHERE person_id = ?", [pid]).fetchall()[0][0]


def decide(con: duckdb.DuckDBPyConnection, kind: str, a: int, b: int) -> None:
    """Record the user's decision about people ``a`` and ``b`` (person ids) and regroup, in one
    transaction. ``merge``: they are one person; ``reject``: they are not (never suggest them
    again); ``split``: identity ``b`` leaves person ``a`` and becomes a person of its own.
    Decisions are kept by identity ids, so they survive re-imports."""
    from closeknit.core.errors import NotFoundError, UsageError

    if kind in ("merge", "reject"):
        if a == b:
            raise UsageError(f"{a} and {b} are already one person")
        x, y = _rep(con, a), _rep(con, b)
        if x is None or y is None:
            raise NotFoundError(f"no person {a if x is None else b}")
    elif kind == "split":
        hit = con.execute("SELECT count(*) FROM identities WHERE person_id = ? AND id = ?", [a, b]).fetchall()[0][0]
        if not hit:
            raise NotFoundError(f"identity {b} is not one of person {a}'s")
        others = con.execute("SELECT min(id) FROM identities WHERE person_id = ? AND id <> ?", [a, b]).fetchall()[0][0]
        if others is None:
            raise UsageError(f"identity {b} is the only identity of person {a}; nothing to split")
        x, y = others, b
    else:
        raise UsageError(f"unknown decision {kind!r} (merge, reject or split)")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("INSERT INTO decisions VALUES (?, ?, ?, now())", [kind, str(x), str(y)])
        resolve_people(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
