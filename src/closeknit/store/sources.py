"""Correcting and deleting what is stored: read a source again, remove it, forget a person.

* :func:`settings_key` - the settings a source is read with (time zone, phone region, your own
  identities): when they or the importer's version change, the source is *stale*.
* :func:`drop_source` - inside a transaction, delete what a source holds (used by refresh and
  remove); :func:`remove_source`, :func:`refresh_sources`, :func:`forget_person` are the
  user-facing operations, each one transaction, followed by :meth:`Store.rewrite` so that
  nothing deleted stays in the store file.

Provenance: ``interaction_sources`` and ``identity_sources`` (schema v2) say which sources hold
each interaction and identity, so removing one archive keeps what another archive also holds.
The user's decisions (merge, split, reject, settings) are never touched: they are keyed by
stable identity ids, which come back when a source is read again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from closeknit.core.errors import NotFoundError
from closeknit.ingest.base import Importer
from closeknit.store.db import Store
from closeknit.store.people import get_setting, resolve_people

__all__ = ["settings_key", "drop_source", "stale_sources", "remove_source", "refresh_sources", "forget_plan",
           "forget_person", "source_summary", "keep_forgotten_out"]


def settings_key(con: duckdb.DuckDBPyConnection, importer: Importer) -> str:
    """The settings that change what ``importer`` reads, as a short JSON text.

    The phone region and the identities you declared (``closeknit me add``) matter to every
    importer; the time zone only to those whose clock times carry none (``settings`` says which).
    Identities found by imports are left out: they are evidence, not settings, and would make every
    import of one service stale the sources of all the others.
    """
    key: dict[str, Any] = {}
    if "timezone" in importer.settings:
        key["timezone"] = get_setting(con, "timezone") or "UTC"
    if "region" in importer.settings:
        key["region"] = get_setting(con, "region") or ""
    if "me" in importer.settings:
        key["me"] = [f"{c}:{k}:{v}" for c, k, v in con.execute(
            "SELECT channel, kind, value FROM me WHERE origin = 'manual' ORDER BY ALL").fetchall()]
    return json.dumps(key, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def source_summary(con: duckdb.DuckDBPyConnection, sid: int) -> dict[str, Any]:
    """What source ``sid`` holds: its interactions (alone / with other sources), identities, errors."""
    row = con.execute("SELECT format, path FROM sources WHERE id = ?", [sid]).fetchall()
    if not row:
        raise NotFoundError(f"no source {sid} (see: closeknit sources)")
    only, shared = con.execute(
        """SELECT count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM interaction_sources o
                   WHERE o.interaction_id = s.interaction_id AND o.source_id <> s.source_id)),
                  count(*) FILTER (WHERE EXISTS (SELECT 1 FROM interaction_sources o
                   WHERE o.interaction_id = s.interaction_id AND o.source_id <> s.source_id))
           FROM interaction_sources s WHERE s.source_id = ?""", [sid]).fetchall()[0]
    return {"source_id": sid, "format": row[0][0], "path": row[0][1], "interactions_only_here": only,
            "interactions_also_elsewhere": shared}


def drop_source(con: duckdb.DuckDBPyConnection, sid: int, *, keep_shared: bool = True) -> int:
    """Inside the caller's transaction: delete what source ``sid`` brought; returns interactions deleted.

    With ``keep_shared`` (remove), interactions another source also holds stay, now under that
    source; without it (read again), every interaction of the source goes and comes back as read.
    The source's links, owner identities and errors go; identities no source, interaction or
    ``closeknit me`` holds any more go too. The ``sources`` row itself is deleted.
    """
    if keep_shared:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _gone AS SELECT DISTINCT s.interaction_id AS id FROM interaction_sources s "
            "WHERE s.source_id = ? AND NOT EXISTS (SELECT 1 FROM interaction_sources o "
            "WHERE o.interaction_id = s.interaction_id AND o.source_id <> ?)", [sid, sid])
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _gone AS SELECT interaction_id AS id FROM interaction_sources "
            "WHERE source_id = ? UNION SELECT id FROM interactions WHERE source_id = ?", [sid, sid])
    n = con.execute("SELECT count(*) FROM _gone").fetchall()[0][0]
    con.execute("DELETE FROM interaction_sources WHERE source_id = ?", [sid])
    # what stays belongs to another source that holds it
    con.execute(
        "UPDATE interactions SET source_id = o.sid FROM (SELECT interaction_id, min(source_id) AS sid "
        "FROM interaction_sources GROUP BY 1) o WHERE interactions.source_id = ? AND interactions.id = o.interaction_id",
        [sid])
    _delete_interactions(con)
    con.execute("DELETE FROM identity_links WHERE source_id = ?", [sid])
    con.execute("DELETE FROM me WHERE origin = ?", [f"import:{sid}"])
    con.execute("DELETE FROM import_errors WHERE source_id = ?", [sid])
    con.execute("DELETE FROM identity_sources WHERE source_id = ?", [sid])
    con.execute("DELETE FROM sources WHERE id = ?", [sid])
    _prune_identities(con)
    return n


def _delete_interactions(con: duckdb.DuckDBPyConnection) -> None:
    """Delete the interactions listed in the temp table ``_gone`` with everything about them."""
    con.execute("DELETE FROM interaction_participants WHERE interaction_id IN (SELECT id FROM _gone)")
    con.execute("DELETE FROM message_scores WHERE interaction_id IN (SELECT id FROM _gone)")
    con.execute("DELETE FROM interaction_sources WHERE interaction_id IN (SELECT id FROM _gone)")
    con.execute("DELETE FROM interactions WHERE id IN (SELECT id FROM _gone)")
    con.execute("DROP TABLE _gone")


def _prune_identities(con: duckdb.DuckDBPyConnection) -> None:
    """Delete identities nothing holds any more (no source, no interaction, not one of yours)."""
    con.execute(
        """DELETE FROM identities WHERE first_source IS NOT NULL
           AND id NOT IN (SELECT identity_id FROM identity_sources)
           AND id NOT IN (SELECT identity_id FROM me)
           AND id NOT IN (SELECT actor_id FROM interactions WHERE actor_id IS NOT NULL)
           AND id NOT IN (SELECT identity_id FROM interaction_participants)""")
    con.execute("DELETE FROM identity_links WHERE a NOT IN (SELECT id FROM identities) OR b NOT IN (SELECT id FROM identities)")


def stale_sources(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Sources read by an older importer version or with other settings than today's, with why."""
    from closeknit.ingest.base import importers

    regs = importers()
    out = []
    for sid, fmt, path, version, settings in con.execute(
        "SELECT id, format, path, parser_version, settings FROM sources ORDER BY id"
    ).fetchall():
        cls = regs.get(fmt)
        if cls is None:
            continue
        imp = cls()
        why = []
        if version != imp.version:
            why.append(f"read by {fmt} importer version {version}, now {imp.version}")
        if settings is not None and settings != settings_key(con, imp):
            why.append(f"read with settings {settings}, now {settings_key(con, imp)}")
        if why:
            out.append({"source_id": sid, "format": fmt, "path": path, "why": "; ".join(why)})
    return out


def remove_source(store: Store, sid: int) -> dict[str, Any]:
    """Remove source ``sid`` and everything that came only from it, then rewrite the store file so
    no deleted byte stays in it. Returns what was removed."""
    summary = source_summary(store.con, sid)
    with _erasing(store) as con:
        summary["interactions_removed"] = drop_source(con, sid, keep_shared=True)
        store.mark_rewrite()
        _failpoint("remove")
    return summary


@contextmanager
def _erasing(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    """One transaction that deletes: the body's deletions, then people resolved again and the
    commit, then the store file rewritten so no deleted byte stays in it. Any error (Ctrl-C
    included) rolls the whole transaction back."""
    con = store.con
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        resolve_people(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    store.rewrite()


def refresh_sources(store: Store, ids: list[int] | None = None, *, on_result=None) -> list[dict[str, Any]]:
    """Read sources again with today's importers and settings, each in one transaction that replaces
    its rows (``ids``: those sources; default: the stale ones). One row per source: ``source_id``
    (the new id), ``path``, ``format``, ``added``, ``already_present``, ``error``."""
    from closeknit.ingest import get_importer
    from closeknit.ingest.discover import Discovery, reopen
    from closeknit.store.imports import result_row
    from closeknit.store.load import import_tree

    con = store.con
    if ids is None:
        todo = [(s["source_id"], s["format"], s["path"]) for s in stale_sources(con)]
    else:
        todo = []
        for sid in ids:
            found = con.execute("SELECT id, format, path FROM sources WHERE id = ?", [sid]).fetchall()
            if not found:
                raise NotFoundError(f"no source {sid} (see: closeknit sources)")
            todo.append(found[0])
    rows: list[dict] = []
    for sid, fmt, path in todo:
        try:
            with Discovery() as held:
                tree = reopen(path, held)
                res = import_tree(store, tree, get_importer(fmt), replace=sid, label=path)
            row = result_row(res)
            row["replaced"] = str(sid)
        except Exception as e:  # noqa: BLE001 - one source that cannot be read again keeps its rows
            if not isinstance(e, (OSError,)) and not hasattr(e, "exit_code"):
                raise
            row = {"source_id": str(sid), "path": path, "format": fmt, "added": 0, "already_present": 0,
                   "error": f"{e}; its rows are kept as they were"}
        rows.append(row)
        if on_result:
            on_result(row)
    return rows


def forget_plan(con: duckdb.DuckDBPyConnection, pid: int) -> dict[str, Any]:
    """What :func:`forget_person` would remove: identities, interactions only with them, and the
    interactions with others where they only take part (those stay, without them)."""
    if pid == 0:
        raise NotFoundError("person 0 is you; to remove your own data, remove its sources (closeknit sources remove)")
    name = con.execute("SELECT display_name FROM people WHERE id = ?", [pid]).fetchall()
    if not name:
        raise NotFoundError(f"no person {pid} (see: closeknit people)")
    _their_interactions(con, pid)
    idents = con.execute("SELECT count(*) FROM identities WHERE person_id = ?", [pid]).fetchall()[0][0]
    alone = con.execute("SELECT count(*) FROM _theirs WHERE NOT others").fetchall()[0][0]
    shared = con.execute("SELECT count(*) FROM _theirs WHERE others").fetchall()[0][0]
    con.execute("DROP TABLE _theirs")
    return {"person_id": pid, "name": name[0][0], "identities": idents, "interactions_removed": alone,
            "interactions_kept_without_them": shared}


def _their_interactions(con: duckdb.DuckDBPyConnection, pid: int) -> None:
    """Temp table ``_theirs(id, others)``: interactions person ``pid`` takes part in, and whether
    anyone else but them and you does."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _theirs AS
        WITH involved AS (
            SELECT i.id, d.person_id FROM interactions i JOIN identities d ON d.id = i.actor_id
            UNION ALL
            SELECT p.interaction_id, d.person_id FROM interaction_participants p JOIN identities d ON d.id = p.identity_id
        ), hit AS (SELECT DISTINCT id FROM involved WHERE person_id = ?)
        SELECT h.id, bool_or(v.person_id NOT IN (?, 0)) AS others
        FROM hit h JOIN involved v ON v.id = h.id GROUP BY h.id""", [pid, pid])


def _erase_identities(con: duckdb.DuckDBPyConnection) -> None:
    """Erase the identities of temp table ``_ids(id, value, display_name)``: the interactions of
    ``_theirs`` that involve nobody else are deleted, the others stay without them; links, import
    errors that quote them, provenance and the identities themselves go. Drops both tables."""
    con.execute("CREATE OR REPLACE TEMP TABLE _gone AS SELECT id FROM _theirs WHERE NOT others")
    _delete_interactions(con)
    # interactions with others stay, without them
    con.execute("UPDATE interactions SET actor_id = NULL WHERE actor_id IN (SELECT id FROM _ids)")
    con.execute("DELETE FROM interaction_participants WHERE identity_id IN (SELECT id FROM _ids)")
    con.execute("DELETE FROM identity_links WHERE a IN (SELECT id FROM _ids) OR b IN (SELECT id FROM _ids)")
    # an unreadable record that quotes them
    con.execute(
        """DELETE FROM import_errors WHERE EXISTS (SELECT 1 FROM _ids d WHERE
           contains(lower(coalesce(import_errors.excerpt, '') || import_errors.error || import_errors.location), lower(d.value))
           OR (d.display_name IS NOT NULL AND contains(lower(coalesce(import_errors.excerpt, '') || import_errors.error
               || import_errors.location), lower(d.display_name))))""")
    con.execute("DELETE FROM identity_sources WHERE identity_id IN (SELECT id FROM _ids)")
    con.execute("DELETE FROM identities WHERE id IN (SELECT id FROM _ids)")
    con.execute("DROP TABLE _ids")
    con.execute("DROP TABLE _theirs")


def _forget_salt(con: duckdb.DuckDBPyConnection, *, create: bool) -> str | None:
    """The store's salt for :data:`forgotten` keys (made at the first forget), or None."""
    got = con.execute("SELECT value FROM meta WHERE key = 'forget_salt'").fetchall()
    if got:
        return str(got[0][0])
    if not create:
        return None
    import secrets

    salt = secrets.token_hex(16)
    con.execute("INSERT INTO meta VALUES ('forget_salt', ?)", [salt])
    return salt


#: a forgotten identity's key: SHA-256 of the store's salt and the identity id (SQL, salt as $1)
_KEY_SQL = "sha256(? || CAST({col} AS VARCHAR))"


def forget_person(store: Store, pid: int) -> dict[str, Any]:
    """Forget person ``pid``: their identities, the interactions that involve nobody else but you,
    the links and import errors that name them, their place in the interactions with others; then
    rewrite the store file. The decision is kept (table ``forgotten``: a salted hash of each
    identity id, not the identity): a later import that holds them leaves them out
    (:func:`keep_forgotten_out`). Returns :func:`forget_plan`'s counts. One transaction."""
    plan = forget_plan(store.con, pid)
    with _erasing(store) as con:
        _their_interactions(con, pid)
        con.execute("CREATE OR REPLACE TEMP TABLE _ids AS SELECT id, value, display_name FROM identities WHERE person_id = ?",
                    [pid])
        salt = _forget_salt(con, create=True)
        con.execute(f"INSERT INTO forgotten SELECT DISTINCT {_KEY_SQL.format(col='id')} FROM _ids ON CONFLICT DO NOTHING",
                    [salt])
        store.mark_rewrite()
        _failpoint("forget")
        _erase_identities(con)
        con.execute("DELETE FROM person_keys WHERE person_id = ?", [pid])
        con.execute("DELETE FROM person_aliases WHERE person_id = ?", [pid])
    return plan


def keep_forgotten_out(con: duckdb.DuckDBPyConnection, sid: int) -> int:
    """Inside an import's transaction, after source ``sid``'s rows are written and before people
    are resolved: erase the identities of that source that belong to a forgotten person (their
    key is in ``forgotten``), as :func:`forget_person` did. Returns how many were kept out; the
    caller rewrites the store file when any was (no byte of them may stay)."""
    salt = _forget_salt(con, create=False)
    if salt is None:
        return 0
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE _ids AS SELECT d.id, d.value, d.display_name FROM identities d
        WHERE d.id IN (SELECT identity_id FROM identity_sources WHERE source_id = ?)
          AND {_KEY_SQL.format(col='d.id')} IN (SELECT key FROM forgotten)""", [sid, salt])
    n = con.execute("SELECT count(*) FROM _ids").fetchall()[0][0]
    if not n:
        con.execute("DROP TABLE _ids")
        return 0
    # their interactions, and whether anyone else but them and you takes part
    con.execute(
        """CREATE OR REPLACE TEMP TABLE _theirs AS
        WITH involved AS (
            SELECT i.id, i.actor_id AS ident FROM interactions i WHERE i.actor_id IS NOT NULL
            UNION ALL
            SELECT interaction_id, identity_id FROM interaction_participants
        ), hit AS (SELECT DISTINCT id FROM involved WHERE ident IN (SELECT id FROM _ids))
        SELECT h.id, bool_or(v.ident NOT IN (SELECT id FROM _ids) AND v.ident NOT IN (SELECT identity_id FROM me)
                             AND v.ident NOT IN (SELECT id FROM identities WHERE person_id = 0)) AS others
        FROM hit h JOIN involved v ON v.id = h.id GROUP BY h.id""")
    _erase_identities(con)
    return int(n)


def _failpoint(name: str) -> None:
    from closeknit.store.load import _failpoint as fp

    fp(name, 1)
