"""Kept measures: a revision counter and the views computed for one revision.

Every import and every decision ends in :func:`closeknit.store.people.resolve_people`, which
bumps the store's ``revision`` (one row in ``meta``). Measures computed for a revision are kept
in ``view_cache`` as the JSON of the API call that made them (view name + its parameters), so a
page or a report reads them instead of recomputing; a newer revision makes them stale, and the
next :meth:`closeknit.Closeknit.materialise` replaces them, or a view computed on demand
(:meth:`closeknit.Closeknit.view`) is added.

Beside the views, the relationship engine's tables of the revision are kept (the schema
:data:`KEPT_SCHEMA`, one row of ``info`` naming the revision, the
model and the ``as_of`` they were computed for): a view that is not kept (a story nobody
asked for yet, a draft check) reads them instead of building the measures again.
"""

from __future__ import annotations

from typing import Any

import duckdb

#: The schema of the store holding the engine's tables of the revision
#: (:data:`closeknit.relate.personal.KEPT_TABLES`).
KEPT_SCHEMA = "kept"


def kept_schema(con: duckdb.DuckDBPyConnection) -> str:
    """:data:`KEPT_SCHEMA` of the store behind ``con``, named with its database (a store file called
    ``kept.duckdb`` would make the bare name ambiguous), quoted for SQL."""
    db = con.execute("SELECT current_database()").fetchall()[0][0]
    return '"{}"."{}"'.format(db.replace('"', '""'), KEPT_SCHEMA)

__all__ = ["revision", "bump_revision", "drop_views", "kept_view", "is_kept", "kept_keys", "put_view", "put_views",
           "kept_measures", "kept_schema", "KEPT_SCHEMA"]


def revision(con: duckdb.DuckDBPyConnection) -> int:
    """The store's revision: 0 for a store nothing was imported into, +1 per import or decision."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'revision'").fetchall()
    except duckdb.CatalogException:
        return 0
    return int(row[0][0]) if row else 0


def bump_revision(con: duckdb.DuckDBPyConnection) -> None:
    """Count one more change to what the measures read (call inside the writing transaction), and
    drop the views kept for earlier revisions: they are never read again, and what a deletion
    (``sources remove``, ``people forget``) removed must not stay behind in them."""
    con.execute(
        "INSERT INTO meta VALUES ('revision', '1') "
        "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR)"
    )
    drop_views(con)


def drop_views(con: duckdb.DuckDBPyConnection) -> None:
    """Delete every kept view (the next ``materialise`` computes them again): for a change that
    alters what the measures read without being a new revision, e.g. accurate scores."""
    has_cache = con.execute("SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                            "AND schema_name = 'main' AND table_name = 'view_cache'").fetchall()[0][0]
    if has_cache:
        con.execute("DELETE FROM view_cache")
    con.execute(f"DROP SCHEMA IF EXISTS {kept_schema(con)} CASCADE")


def kept_measures(con: duckdb.DuckDBPyConnection, rev: int, model: str) -> tuple[bool, float | None]:
    """Whether the engine's tables are kept for ``rev`` and ``model``, and the ``as_of`` they are for."""
    try:
        row = con.execute(f"SELECT as_of FROM {kept_schema(con)}.info WHERE revision = ? AND model = ?", [rev, model]).fetchall()
    except duckdb.CatalogException:
        return False, None
    return (True, row[0][0]) if row else (False, None)


def kept_view(con: duckdb.DuckDBPyConnection, rev: int, model: str, view: str, key: str) -> str | None:
    """The payload kept for ``view`` and ``key`` at ``rev`` and ``model``, or None."""
    try:
        row = con.execute("SELECT payload FROM view_cache WHERE revision = ? AND model = ? AND view = ? AND key = ?",
                          [rev, model, view, key]).fetchall()
    except duckdb.CatalogException:  # a store written before view_cache existed, opened read-only
        return None
    return row[0][0] if row else None


def is_kept(con: duckdb.DuckDBPyConnection, rev: int, model: str, view: str, key: str) -> bool:
    """Whether a payload is kept for ``view`` and ``key`` at ``rev`` and ``model``."""
    try:
        return bool(con.execute("SELECT count(*) FROM view_cache WHERE revision = ? AND model = ? AND view = ? AND key = ?",
                                [rev, model, view, key]).fetchall()[0][0])
    except duckdb.CatalogException:
        return False


def kept_keys(con: duckdb.DuckDBPyConnection, rev: int, model: str) -> set[tuple[str, str]]:
    """(view, key) of every view kept for ``rev`` and ``model``."""
    try:
        return set(con.execute("SELECT view, key FROM view_cache WHERE revision = ? AND model = ?", [rev, model]).fetchall())
    except duckdb.CatalogException:
        return set()


def put_view(con: duckdb.DuckDBPyConnection, rev: int, model: str, view: str, key: str, payload: str) -> None:
    """Keep one view computed for ``rev`` (what is kept for other revisions or models goes)."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM view_cache WHERE revision <> ? OR model <> ? OR (view = ? AND key = ?)",
                    [rev, model, view, key])
        con.execute("INSERT INTO view_cache VALUES (?, ?, ?, ?, ?)", [rev, model, view, key, payload])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def put_views(con: duckdb.DuckDBPyConnection, rev: int, model: str, views: dict[tuple[str, str], str],
              tables: dict[str, Any] | None = None, as_of: float | None = None) -> None:
    """Replace the kept views by ``views`` (computed for ``rev``), and the kept engine tables by
    ``tables`` (name -> Arrow table, computed for ``as_of``), in one transaction: interrupted, the
    store keeps neither."""
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM view_cache")
        con.executemany("INSERT INTO view_cache VALUES (?, ?, ?, ?, ?)",
                        [(rev, model, v, k, p) for (v, k), p in views.items()])
        schema = kept_schema(con)
        con.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        if tables is not None:
            con.execute(f"CREATE SCHEMA {schema}")
            for name, table in tables.items():
                con.register("_kept_table", table)
                con.execute(f"CREATE TABLE {schema}.{name} AS SELECT * FROM _kept_table")
                con.unregister("_kept_table")
            con.execute(f"CREATE TABLE {schema}.info (revision BIGINT, model VARCHAR, as_of DOUBLE)")
            con.execute(f"INSERT INTO {schema}.info VALUES (?, ?, ?)", [rev, model, as_of])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
