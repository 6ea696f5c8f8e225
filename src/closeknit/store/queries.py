"""Read-only views over the canonical tables, shared by the CLI, the Python API and tests."""

from __future__ import annotations

import re
from typing import Any

import duckdb

from closeknit.store.schema import SELF_PERSON_ID

__all__ = [
    "people_overview",
    "sources_table",
    "doctor_report",
    "PEOPLE_SORTS",
    "dyad_sql",
    "find_person",
    "person_label",
    "person_identities",
    "person_evidence",
    "activity_by_channel",
]

PEOPLE_SORTS = ("interactions", "name", "first", "last", "out", "in", "channels")

#: Every (interaction, other person) pair between the user and someone else, with direction:
#: ``out`` when the user acted and the other took part, ``in`` when the other acted and the user
#: took part. The unit of every per-relationship view.
dyad_sql = f"""
SELECT i.id AS interaction_id, i.ts, i.channel, i.kind, i.visibility,
       CASE WHEN a.person_id = {SELF_PERSON_ID} THEN 'out' ELSE 'in' END AS direction,
       CASE WHEN a.person_id = {SELF_PERSON_ID} THEN p.person_id ELSE a.person_id END AS person_id
FROM interactions i
JOIN identities a ON a.id = i.actor_id
JOIN interaction_participants ip ON ip.interaction_id = i.id
JOIN identities p ON p.id = ip.identity_id
WHERE (a.person_id = {SELF_PERSON_ID}) <> (p.person_id = {SELF_PERSON_ID})
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict[str, Any]]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def people_overview(
    con: duckdb.DuckDBPyConnection, *, sort: str = "interactions", limit: int | None = None, include_silent: bool = False
) -> list[dict[str, Any]]:
    """One row per person other than the user: channels, interactions each way, first/last contact.

    A group message counts once for each person it connects the user with. People with no
    interaction with the user (only seen in follow lists or other people's threads) are left
    out unless ``include_silent``.
    """
    order = {
        "interactions": "interactions DESC, name",
        "name": "lower(name), person_id",
        "first": "first_contact NULLS LAST, name",
        "last": "last_contact DESC NULLS LAST, name",
        "out": "n_out DESC, name",
        "in": "n_in DESC, name",
        "channels": "len(channels) DESC, interactions DESC, name",
    }[sort]
    join = "LEFT JOIN" if include_silent else "JOIN"
    sql = f"""
    WITH d AS ({dyad_sql}),
    agg AS (
        SELECT person_id,
               count(DISTINCT interaction_id) AS interactions,
               count(DISTINCT interaction_id) FILTER (WHERE direction = 'out') AS n_out,
               count(DISTINCT interaction_id) FILTER (WHERE direction = 'in') AS n_in,
               list(DISTINCT channel ORDER BY channel) AS channels,
               min(ts) AS first_contact, max(ts) AS last_contact
        FROM d GROUP BY person_id
    )
    SELECT p.id AS person_id, p.display_name AS name,
           coalesce(agg.channels, []) AS channels,
           coalesce(agg.interactions, 0) AS interactions,
           coalesce(agg.n_out, 0) AS n_out, coalesce(agg.n_in, 0) AS n_in,
           agg.first_contact, agg.last_contact
    FROM people p {join} agg ON agg.person_id = p.id
    WHERE NOT p.is_self
    ORDER BY {order}
    """
    if limit:
        sql += f" LIMIT {int(limit)}"
    return _rows(con, sql)


def sources_table(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return _rows(
        con,
        "SELECT id, format, path, imported_at, parser_version, n_records AS records, n_added AS added, "
        "n_present AS already_present, n_errors AS unreadable, n_identities AS identities FROM sources ORDER BY id",
    )


def doctor_report(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Store health: counts per table, errors per source, identities nobody can name."""
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]  # noqa: S608
        for t in (
            "sources",
            "people",
            "identities",
            "interactions",
            "interaction_participants",
            "identity_links",
            "import_errors",
            "message_scores",
        )
    }
    unresolved = con.execute(
        """
        SELECT count(*) FROM identities i
        WHERE i.kind IN ('account_id', 'uid') AND i.display_name IS NULL
          AND (SELECT count(*) FROM identities j WHERE j.person_id = i.person_id) = 1
        """
    ).fetchall()[0][0]
    errors = _rows(
        con,
        "SELECT s.id AS source_id, s.format, s.path, count(e.source_id) AS errors FROM sources s "
        "JOIN import_errors e ON e.source_id = s.id GROUP BY ALL ORDER BY s.id",
    )
    me = con.execute("SELECT count(*) FROM me").fetchall()[0][0]
    per_channel = _rows(con, "SELECT channel, count(*) AS interactions FROM interactions GROUP BY channel ORDER BY 2 DESC")
    return {
        "people": counts["people"],
        "identities": counts["identities"],
        "interactions": counts["interactions"],
        "import_errors": counts["import_errors"],
        "sources": counts["sources"],
        "participants": counts["interaction_participants"],
        "identity_links": counts["identity_links"],
        "message_scores": counts["message_scores"],
        "self_identities": me,
        "unresolved_identities": unresolved,
        "interactions_per_channel": per_channel,
        "errors_per_source": errors,
    }


#: ``Ana Souza (id 180)``: :func:`person_label`'s form, which :func:`find_person` reads back.
_LABEL = re.compile(r"^(.*) \(id (-?\d+)\)$", re.S)


def person_label(name: str, person_id: int) -> str:
    """A person named so that nobody else shares the label: ``Ana Souza (id 180)``. Where two
    people have one name (the same name on two services, not merged: closeknit people suggest),
    lists show this and error messages name candidates this way; :func:`find_person` takes it."""
    return f"{name} (id {person_id})"


def find_person(con: duckdb.DuckDBPyConnection, ref: str) -> int:
    """The person ``ref`` names: a person id, an identity value (address, number, handle), a name,
    or a name labelled with its id (:func:`person_label`).

    Raises :class:`NotFoundError` when nothing or more than one person matches, listing candidates.
    """
    from closeknit.core.errors import NotFoundError
    from closeknit.core.normalize import normalize_email, normalize_handle, normalize_phone

    ref = ref.strip()
    labelled = _LABEL.match(ref)
    if labelled:  # the id decides, if it is that person's (else the text is read as a whole, below)
        hit = con.execute("SELECT id FROM people WHERE id = ? AND display_name = ?",
                          [int(labelled.group(2)), labelled.group(1)]).fetchall()
        if hit:
            return hit[0][0]
    if ref.lstrip("-").isdigit():
        hit = con.execute("SELECT id FROM people WHERE id = ?", [int(ref)]).fetchall()
        if hit:
            return hit[0][0]
        # the id of a person merged into another (see closeknit.store.people._assign_ids)
        try:
            hit = con.execute("SELECT a.person_id FROM person_aliases a JOIN people p ON p.id = a.person_id "
                              "WHERE a.alias = ?", [int(ref)]).fetchall()
        except duckdb.CatalogException:  # a store of schema version 1, opened read-only
            hit = []
        if hit:
            return hit[0][0]
    values = {ref, ref.lower(), normalize_handle(ref)}
    for v in (normalize_email(ref), normalize_phone(ref)):
        if v:
            values.add(v)
    hit = con.execute(
        "SELECT DISTINCT person_id FROM identities WHERE value IN (SELECT unnest(?))", [sorted(values)]
    ).fetchall()
    if len(hit) == 1:
        return hit[0][0]
    for sql in (
        "SELECT id, display_name FROM people WHERE lower(display_name) = lower(?) ORDER BY id",
        "SELECT DISTINCT p.id, p.display_name FROM people p JOIN identities i ON i.person_id = p.id "
        "WHERE lower(i.display_name) = lower(?) ORDER BY p.id",
        "SELECT id, display_name FROM people WHERE contains(lower(display_name), lower(?)) ORDER BY id",
    ):
        hit = con.execute(sql, [ref]).fetchall()
        if len(hit) == 1:
            return hit[0][0]
        if len(hit) > 1:
            cands = ", ".join(person_label(n, i) for i, n in hit[:8])
            raise NotFoundError(f"{ref!r} matches {len(hit)} people: {cands}; use the id")
    raise NotFoundError(f"nobody called {ref!r} in the store (see: closeknit people)")


def person_identities(con: duckdb.DuckDBPyConnection, person_id: int) -> list[dict[str, Any]]:
    """Every identity of a person, with the formats and files it was seen in."""
    return _rows(
        con,
        """
        WITH mine AS (SELECT id FROM identities WHERE person_id = ?),
        seen AS (
            SELECT actor_id AS ident, source_id FROM interactions WHERE actor_id IN (SELECT id FROM mine)
            UNION SELECT ip.identity_id, i.source_id FROM interaction_participants ip
                JOIN interactions i ON i.id = ip.interaction_id WHERE ip.identity_id IN (SELECT id FROM mine)
            UNION SELECT id, first_source FROM identities WHERE id IN (SELECT id FROM mine)
            UNION SELECT a, source_id FROM identity_links WHERE a IN (SELECT id FROM mine)
            UNION SELECT b, source_id FROM identity_links WHERE b IN (SELECT id FROM mine)
        )
        SELECT i.id AS identity_id, i.channel, i.kind, i.value, i.display_name,
               list(DISTINCT s.format ORDER BY s.format) FILTER (WHERE s.format IS NOT NULL) AS formats,
               list(DISTINCT s.path ORDER BY s.path) FILTER (WHERE s.path IS NOT NULL) AS files
        FROM identities i LEFT JOIN seen ON seen.ident = i.id LEFT JOIN sources s ON s.id = seen.source_id
        WHERE i.person_id = ?
        GROUP BY ALL ORDER BY i.channel, i.kind, i.value
        """,
        [person_id, person_id],
    )


def person_evidence(con: duckdb.DuckDBPyConnection, person_id: int) -> list[dict[str, Any]]:
    """Why these identities are one person: the links and decisions that joined them."""
    links = _rows(
        con,
        """
        SELECT ia.channel || ' ' || ia.value AS a, ib.channel || ' ' || ib.value AS b, l.reason, l.confidence,
               coalesce(s.format, 'derived') AS origin
        FROM identity_links l JOIN identities ia ON ia.id = l.a JOIN identities ib ON ib.id = l.b
        LEFT JOIN sources s ON s.id = l.source_id
        WHERE ia.person_id = ? AND ib.person_id = ?
        ORDER BY l.confidence DESC, a, b
        """,
        [person_id, person_id],
    )
    decisions = _rows(
        con,
        """
        SELECT d.kind, ia.value AS a, ib.value AS b, d.made_at FROM decisions d
        JOIN identities ia ON ia.id = TRY_CAST(d.a AS BIGINT) JOIN identities ib ON ib.id = TRY_CAST(d.b AS BIGINT)
        WHERE d.kind IN ('merge', 'split') AND (ia.person_id = ? OR ib.person_id = ?)
        ORDER BY d.made_at
        """,
        [person_id, person_id],
    )
    for d in decisions:
        links.append({"a": d["a"], "b": d["b"], "reason": f"you decided: {d['kind']}", "confidence": 1.0, "origin": "manual"})
    return links


def activity_by_channel(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(month 'YYYY-MM', channel, interactions) for every month with activity, oldest first."""
    return con.execute(
        """SELECT strftime(date_trunc('month', ts AT TIME ZONE 'UTC'), '%Y-%m') AS month, channel, count(*)
           FROM interactions WHERE ts IS NOT NULL GROUP BY ALL ORDER BY month, channel"""
    ).fetchall()
