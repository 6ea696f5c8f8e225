"""Your own identities (the ``me`` table): how one is named, added and removed.

One place for the rule, called by :meth:`closeknit.api.Closeknit.me_add` (``closeknit me add``)
and by the demo, which registers its user the same way.
"""

from __future__ import annotations

from collections.abc import Iterable

import duckdb

from closeknit.core.errors import NotFoundError, UsageError
from closeknit.core.normalize import normalize_email, normalize_handle, normalize_phone
from closeknit.ingest import Ident
from closeknit.store.people import resolve_people

__all__ = ["ME_KINDS", "me_ident", "add_me", "remove_me"]

ME_KINDS = ("email", "phone", "handle", "account_id", "name")


def me_ident(kind: str, value: str, channel: str | None = None, region: str | None = None) -> Ident:
    """The identity ``value`` names: an email or phone (any channel), or a handle, account id or
    name on ``channel``.

    >>> me_ident("email", " Ada@Example.org ")
    Ident(channel='email', kind='email', value='ada@example.org', name=None)
    """
    if kind not in ME_KINDS:
        raise UsageError(f"unknown kind {kind!r} (choose from {', '.join(ME_KINDS)})")
    if kind == "email":
        v = normalize_email(value)
        if not v:
            raise UsageError(f"{value!r} is not an email address")
        return Ident("email", "email", v)
    if kind == "phone":
        v = normalize_phone(value, region)
        if not v:
            raise UsageError(f"{value!r} is not a phone number (add the country code, e.g. +44…)")
        return Ident("phone", "phone", v)
    if not channel:
        raise UsageError(f"a {kind} belongs to a channel: add --channel (e.g. --channel twitter)")
    return Ident(channel, kind, normalize_handle(value) if kind == "handle" else value.strip())


def add_me(con: duckdb.DuckDBPyConnection, idents: Iterable[Ident], evidence: str) -> None:
    """Record ``idents`` as yours (origin ``manual``), in one transaction, and re-resolve people."""
    con.execute("BEGIN TRANSACTION")
    try:
        for ident in idents:
            con.execute("DELETE FROM me WHERE identity_id = ?", [ident.id])
            con.execute("INSERT INTO me VALUES (?, ?, ?, ?, 'manual', ?)",
                        [ident.id, ident.channel, ident.kind, ident.value, evidence])
            con.execute(
                "INSERT INTO identities SELECT ?, ?, ?, ?, NULL, ?, NULL WHERE NOT EXISTS (SELECT 1 FROM identities WHERE id = ?)",
                [ident.id, ident.channel, ident.kind, ident.value, ident.id, ident.id],
            )
        resolve_people(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def remove_me(con: duckdb.DuckDBPyConnection, ident: Ident) -> None:
    """Forget that ``ident`` is yours; :class:`NotFoundError` if it was not."""
    if not con.execute("SELECT count(*) FROM me WHERE identity_id = ?", [ident.id]).fetchall()[0][0]:
        raise NotFoundError(f"{ident.value} is not one of your identities (see: closeknit me)")
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute("DELETE FROM me WHERE identity_id = ?", [ident.id])
        resolve_people(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
