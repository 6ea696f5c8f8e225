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

from closeknit.core.duck import insert_rows
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
    "accept_suggestions",
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
    idents = con.execute("SELECT id, kind, value, display_name, person_id FROM identities").fetchall()
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

    person_of = _assign_ids(con, idents, dsu, self_roots)

    # display name: the most frequent name in the group, preferring real names over raw values
    names: dict[int, Counter] = {}
    for iid, kind, value, dname, _ in idents:
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


def _assign_ids(con: duckdb.DuckDBPyConnection, idents: list[tuple], dsu: _DSU, self_roots: set[int]) -> dict[int, int]:
    """Identity id -> person id for the groups of ``dsu``; person ids are short and stable.

    A group keeps the person id its identities had (the id kept in ``person_keys`` against the
    group's smallest identity for groups seen before). When a merge joins groups that were two
    people, the person with more history (interactions) keeps their id, and the other id becomes an
    alias of it (``person_aliases``), so both keep naming the person. A group split off a person
    takes a new id, the larger part keeping the old one.
    """
    keys = dict(con.execute("SELECT rep_identity, person_id FROM person_keys").fetchall())
    known_people = {r[0] for r in con.execute("SELECT id FROM people").fetchall()}
    next_id = max([*keys.values(), *known_people, SELF_PERSON_ID], default=SELF_PERSON_ID) + 1
    groups: dict[int, list[int]] = {}
    for iid, *_rest in idents:
        groups.setdefault(dsu.find(iid), []).append(iid)
    current = {r[0]: r[4] for r in idents}
    cands_of: dict[int, list[int]] = {}
    seen: dict[int, int] = {}
    for root, members in groups.items():
        if root in self_roots:
            continue
        c = list(dict.fromkeys([p for p in (keys.get(root),) if p is not None]
                               + sorted({current[i] for i in members if current[i] in known_people})))
        cands_of[root] = c
        for p in c:
            seen[p] = seen.get(p, 0) + 1
    history: dict[int, int] = {}
    if any(len(c) > 1 for c in cands_of.values()) or any(n > 1 for n in seen.values()):
        # a merge or a split: interactions per identity decide who keeps an id
        per_ident = dict(con.execute(
            """SELECT iid, count(*) FROM (SELECT actor_id AS iid FROM interactions WHERE actor_id IS NOT NULL
               UNION ALL SELECT identity_id FROM interaction_participants) GROUP BY 1""").fetchall())
        history = {root: sum(per_ident.get(i, 0) for i in members) for root, members in groups.items()}
    person_of: dict[int, int] = {}
    used: set[int] = {SELF_PERSON_ID}
    set_keys: dict[int, int] = {}
    aliases: dict[int, int] = {}
    # an id two groups could keep (after a split) goes to the one with more history
    winner: dict[int, int] = {}
    for root, c in cands_of.items():
        for p in c:
            if seen[p] > 1:
                w = winner.get(p)
                if w is None or (history.get(root, 0), len(groups[root]), -root) > (
                        history.get(w, 0), len(groups[w]), -w):
                    winner[p] = root
    # groups in the order of their identities (new people get ids in the order they were met)
    for root, members in groups.items():
        if root in self_roots:
            for iid in members:
                person_of[iid] = SELF_PERSON_ID
            continue
        cands = [p for p in cands_of[root] if p not in used and winner.get(p, root) == root]
        if not cands:
            pid = next_id
            next_id += 1
        elif len(cands) == 1:
            pid = cands[0]
        else:  # a merge of people: the one with more history keeps their id
            hist = _person_history(con, cands)
            pid = max(cands, key=lambda p: (hist.get(p, 0), -p))
            for other in cands:
                if other != pid:
                    aliases[other] = pid
        used.add(pid)
        if keys.get(root) != pid:
            set_keys[root] = pid
        for iid in members:
            person_of[iid] = pid
    if set_keys:
        insert_rows(con, "INSERT OR REPLACE INTO person_keys SELECT * FROM _rows", list(set_keys.items()), [pa.int64(), pa.int64()])
    if aliases:
        for old, new in aliases.items():
            con.execute("UPDATE person_aliases SET person_id = ? WHERE person_id = ?", [new, old])
        insert_rows(con, "INSERT OR REPLACE INTO person_aliases SELECT * FROM _rows", list(aliases.items()), [pa.int64(), pa.int64()])
    return person_of


def _person_history(con: duckdb.DuckDBPyConnection, pids: list[int]) -> dict[int, int]:
    """Interactions each of ``pids`` (as the store knew them before this resolution) took part in."""
    return dict(con.execute(
        """SELECT d.person_id, count(*) FROM (SELECT actor_id AS iid FROM interactions WHERE actor_id IS NOT NULL
           UNION ALL SELECT identity_id FROM interaction_participants) x
           JOIN identities d ON d.id = x.iid WHERE d.person_id IN (SELECT unnest(?)) GROUP BY 1""", [pids]).fetchall())


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
    for iid, _channel, kind, _value, dname in rows:
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
        insert_rows(con, "INSERT INTO identity_links SELECT *, NULL FROM _rows", links, [pa.int64(), pa.int64(), pa.string(), pa.float64()])


def _name_variants(name: str) -> tuple[str, str]:
    """``(key, ordered)`` of a display name: its tokens folded (accents, case, punctuation),
    written in Latin letters whatever the script (anyascii), sorted (``key``, so "Souza Ana" and
    "Ana Souza" meet) and in their order (``ordered``).

    >>> _name_variants("Souza, Ana")
    ('ana souza', 'souza ana')
    >>> _name_variants("Анна Соуза")[0]
    'anna souza'
    """
    from anyascii import anyascii

    folded = name_key(anyascii(name_key(name)))
    return " ".join(sorted(folded.split())), folded


def _contacts(con: duckdb.DuckDBPyConnection, pids: set[int]) -> dict[int, set[int]]:
    """The people each of ``pids`` shares an interaction with (you left out)."""
    if not pids:
        return {}
    rows = con.execute(
        """WITH involved AS (
               SELECT i.id AS iid, d.person_id AS pid FROM interactions i JOIN identities d ON d.id = i.actor_id
               UNION SELECT p.interaction_id, d.person_id FROM interaction_participants p JOIN identities d ON d.id = p.identity_id
           ), mine AS (SELECT * FROM involved WHERE pid IN (SELECT unnest(?)))
           SELECT m.pid, list(DISTINCT o.pid) FROM mine m JOIN involved o ON o.iid = m.iid AND o.pid <> m.pid
           WHERE o.pid <> 0 GROUP BY m.pid""", [sorted(pids)]).fetchall()
    return {pid: set(others) for pid, others in rows}


def suggest_merges(con: duckdb.DuckDBPyConnection, *, limit: int | None = 100) -> list[dict]:
    """Pairs of people who may be one person, ranked, for the user to decide (never merged alone).

    Evidence (scores add up, at most 0.95):

    * the same name in any order and any script (0.6): "Souza Ana" on WhatsApp and "Ana Souza" on
      Telegram, "Анна Соуза" and "Anna Souza" (transliterated with anyascii);
    * a name equal to another person's email local part, dots and underscores as spaces (0.5; only
      for pairs whose names do not already match);
    * the same contacts on both sides: each person you both share an interaction with adds 0.1
      (up to 0.3), for pairs that a name already brings together.

    Shared numbers and addresses need no suggestion: one number or address is one identity, so the
    people holding it are already one. Pairs the user rejected (``closeknit people reject``) are
    left out; the user is never suggested.
    """
    people = con.execute(
        """
        SELECT p.id, p.display_name, list(DISTINCT i.channel ORDER BY i.channel),
               list(DISTINCT i.value) FILTER (WHERE i.kind = 'email'),
               list(DISTINCT coalesce(i.display_name, CASE WHEN i.kind = 'name' THEN i.value END))
                   FILTER (WHERE i.display_name IS NOT NULL OR i.kind = 'name')
        FROM people p JOIN identities i ON i.person_id = p.id
        WHERE NOT p.is_self GROUP BY p.id, p.display_name
        """
    ).fetchall()
    rejected = {
        frozenset((int(a), int(b))) for a, b in con.execute("SELECT a, b FROM decisions WHERE kind = 'reject'").fetchall()
    }
    rep_members = {k: set(v) for k, v in con.execute("SELECT person_id, list(id) FROM identities GROUP BY person_id").fetchall()}
    by_name: dict[str, list[tuple[int, str, str]]] = {}
    by_local: dict[str, list[tuple[int, str]]] = {}
    info = {}
    for pid, dname, channels, emails, names in people:
        info[pid] = (dname, channels)
        for n in set(names or []) | ({dname} if dname else set()):
            key, ordered = _name_variants(n)
            if key and (" " in key or len(key) > 2):
                by_name.setdefault(key, []).append((pid, ordered, n))
        for e in emails or []:
            local = _name_variants(e.split("@", 1)[0].replace(".", " ").replace("_", " "))[0]
            if " " in local:
                by_local.setdefault(local, []).append((pid, e))

    def _rejected(a: int, b: int) -> bool:
        ma, mb = rep_members.get(a, set()), rep_members.get(b, set())
        return any(len(r & ma) == 1 and len(r & mb) == 1 for r in rejected)

    out: dict[frozenset, dict] = {}

    def _pair(a: int, b: int) -> dict | None:
        key = frozenset((a, b))
        if a == b or _rejected(a, b):
            return None
        return out.setdefault(key, {"a": min(a, b), "b": max(a, b), "score": 0.0, "evidence": []})

    for key, hits in by_name.items():
        firsts: dict[int, tuple[str, str]] = {}
        for pid, ordered, raw in hits:
            firsts.setdefault(pid, (ordered, raw))
        pids = sorted(firsts)
        for i, a in enumerate(pids):
            for b in pids[i + 1:]:
                s = _pair(a, b)
                if s is None or s["score"] >= 0.6:
                    continue
                (oa, ra), (ob, rb) = firsts[a], firsts[b]
                if ra == rb or name_key(ra) == name_key(rb):
                    why = f"both are named {name_key(ra)!r}"
                elif oa == ob:
                    why = f"{ra!r} and {rb!r} are one name in two scripts ({key!r})"
                else:
                    why = f"{ra!r} and {rb!r} are one name in another order"
                s["score"] = 0.6
                s["evidence"].append(why)
    for local, items in by_local.items():
        for a, _o, raw in by_name.get(local, []):
            for b, email in items:
                s = _pair(a, b)
                if s is None or s["score"]:  # an address spelling the name both already have adds nothing
                    continue
                s["score"] = 0.5
                s["evidence"].append(f"{email} looks like the name {raw!r}")
    # the same contacts on both sides
    contacts = _contacts(con, {p for s in out.values() for p in (s["a"], s["b"])})
    for s in out.values():
        common = (contacts.get(s["a"], set()) & contacts.get(s["b"], set())) - {s["a"], s["b"]}
        if common:
            s["score"] = min(0.95, round(s["score"] + min(0.3, 0.1 * len(common)), 2))
            names = sorted(info[c][0] or str(c) for c in common if c in info)
            s["evidence"].append(f"{len(common)} contact{'s' if len(common) > 1 else ''} in common ({', '.join(names[:3])}"
                                 + (", ..." if len(names) > 3 else "") + ")")
    res = []
    for s in out.values():
        for side in ("a", "b"):
            s[f"{side}_name"], s[f"{side}_channels"] = info[s[side]]
        res.append(s)
    res.sort(key=lambda s: (-s["score"], str(s["a_name"]), s["a"], s["b"]))
    return res[:limit] if limit else res


def accept_suggestions(con: duckdb.DuckDBPyConnection, pairs: list[tuple[int, int]]) -> int:
    """Merge each ``(a, b)`` pair of person ids (accepted suggestions), in one transaction; returns
    how many merges were recorded. Each is a ``merge`` decision, as ``closeknit people merge``."""
    con.execute("BEGIN TRANSACTION")
    try:
        n = 0
        for a, b in pairs:
            ra = con.execute("SELECT min(id) FROM identities WHERE person_id = ?", [a]).fetchall()[0][0]
            rb = con.execute("SELECT min(id) FROM identities WHERE person_id = ?", [b]).fetchall()[0][0]
            if ra is None or rb is None or ra == rb:
                continue
            con.execute("INSERT INTO decisions VALUES ('merge', ?, ?, now())", [str(ra), str(rb)])
            n += 1
        resolve_people(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return n


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
