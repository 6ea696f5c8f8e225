"""people: everyone you interact with, and deciding who is who."""

from __future__ import annotations

import json

import click

from closeknit.core.errors import NotFoundError, UsageError
from closeknit.present.common import db_option, emit, format_options, open_store, stdout_console
from closeknit.store.people import resolve_people, suggest_merges
from closeknit.store.queries import (
    PEOPLE_SORTS,
    find_person,
    people_overview,
    person_evidence,
    person_identities,
)

from closeknit.present.commands.data import PEOPLE_COLUMNS
from closeknit.present.commands.relate import MEASURE_COLUMNS, MEASURE_SORTS, people_columns


def _fmt_rows(rows, as_json, as_csv):
    for r in rows:
        if not (as_json or as_csv):
            r["channels"] = ", ".join(r["channels"])
            for k in ("first_contact", "last_contact"):
                r[k] = r[k].strftime("%Y-%m-%d") if r.get(k) else None
        elif as_csv:
            r["channels"] = ";".join(r["channels"])
    return rows


@click.group("people", invoke_without_command=True, epilog="\b\nExample:\n  closeknit people --sort last --limit 20\n  closeknit people --sort intimacy --limit 15\n"
             "  closeknit people show \"Ada Lovelace\"\n  closeknit people suggest\n")
@click.option("--sort", type=click.Choice(PEOPLE_SORTS + MEASURE_SORTS), default="interactions", show_default=True,
              help="Sort order (the relationship measures sort highest first).")
@click.option("--limit", type=int, default=None, help="Show at most N people.")
@click.option("--all", "include_silent", is_flag=True, help="Include people with no interaction with you.")
@format_options
@db_option
@click.pass_context
def people_cmd(ctx, sort, limit, include_silent, as_json, as_csv, db):
    """Everyone you interact with: one row per person across all channels.

    n_out counts what you sent or did towards them, n_in what they sent or did towards you.
    stage, familiarity, intimacy, reciprocity and trust are the relationship measures
    (see closeknit person NAME and docs/relate.md); texts are scored first if needed.
    Subcommands decide who is who: show, suggest, merge, split, reject.
    """
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        return
    by_measure = sort in MEASURE_SORTS
    with open_store(db) as store:
        rows = people_overview(store.con, sort="interactions" if by_measure else sort,
                               limit=None if by_measure else limit, include_silent=include_silent)
        measures = people_columns(store) if rows else {}
    for r in rows:
        r.update(measures.get(r["person_id"], {"stage": "stranger", "stage_rank": 0}))
    if by_measure:
        key = "stage_rank" if sort == "stage" else sort
        rows.sort(key=lambda r: -(r.get(key) if r.get(key) is not None else -1))
        rows = rows[:limit] if limit else rows
    emit(_fmt_rows(rows, as_json, as_csv), PEOPLE_COLUMNS + MEASURE_COLUMNS, as_json=as_json, as_csv=as_csv,
         title=f"People ({len(rows)})")


@people_cmd.command("show", epilog="\b\nExample:\n  closeknit people show ada@example.org\n")
@click.argument("person")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def people_show(ctx, person, as_json):
    """Every identity of PERSON (id, name, address, number or handle), with where it came from.
    """
    with open_store(ctx.obj["db"]) as store:
        pid = find_person(store.con, person)
        name = store.con.execute("SELECT display_name FROM people WHERE id = ?", [pid]).fetchall()[0][0]
        idents = person_identities(store.con, pid)
        evidence = person_evidence(store.con, pid)
    if as_json:
        click.echo(json.dumps({"person_id": pid, "name": name, "identities": idents, "evidence": evidence},
                              ensure_ascii=False, indent=2, default=str))
        return
    for r in idents:
        r["formats"] = ", ".join(r["formats"] or [])
        r["files"] = "\n".join(r["files"] or [])
    emit(idents, ["identity_id", "channel", "kind", "value", "display_name", "formats", "files"], title=f"{name} (person {pid})")
    if evidence:
        emit(evidence, ["a", "b", "reason", "confidence", "origin"], title="Why these are one person")


@people_cmd.command("suggest", epilog="\b\nExample:\n  closeknit people suggest\n  closeknit people merge 1234 5678      # accept\n  closeknit people reject 1234 5678     # never suggest again\n")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def people_suggest(ctx, limit, as_json):
    """People who may be one person, from their names only: accept with merge, or reject.

    closeknit never merges on a name alone; these pairs wait for your decision.
    """
    with open_store(ctx.obj["db"], read_only=True) as store:
        sugg = suggest_merges(store.con, limit=limit)
    if as_json:
        click.echo(json.dumps(sugg, ensure_ascii=False, indent=2, default=str))
        return
    for s in sugg:
        s["evidence"] = "; ".join(s["evidence"])
        s["a_channels"] = ", ".join(s["a_channels"])
        s["b_channels"] = ", ".join(s["b_channels"])
    emit(sugg, ["a", "a_name", "a_channels", "b", "b_name", "b_channels", "score", "evidence"], title="Suggested merges")
    if sugg:
        stdout_console().print("Accept: closeknit people merge A B    Reject: closeknit people reject A B")


def _rep(con, pid: int) -> int:
    return con.execute("SELECT min(id) FROM identities WHERE person_id = ?", [pid]).fetchall()[0][0]


def _decide(db, kind: str, a: str, b: str) -> None:
    with open_store(db) as store:
        con = store.con
        con.execute("BEGIN TRANSACTION")
        con.execute("INSERT INTO decisions VALUES (?, ?, ?, now())", [kind, a, b])
        resolve_people(con)
        con.execute("COMMIT")


@people_cmd.command("merge", epilog="\b\nExample:\n  closeknit people merge \"Ada L.\" ada@example.org\n")
@click.argument("a")
@click.argument("b")
@click.pass_context
def people_merge(ctx, a, b):
    """Make A and B one person (ids, names, addresses or handles). Survives re-imports.
    """
    with open_store(ctx.obj["db"]) as store:
        pa_, pb = find_person(store.con, a), find_person(store.con, b)
        if pa_ == pb:
            raise UsageError(f"{a!r} and {b!r} are already one person ({pa_})")
        ra, rb = _rep(store.con, pa_), _rep(store.con, pb)
    _decide(ctx.obj["db"], "merge", str(ra), str(rb))
    click.echo(f"Merged {a} and {b}.")


@people_cmd.command("reject", epilog="\b\nExample:\n  closeknit people split \"Alex Kim\" alex@other.example\n")
@click.argument("a")
@click.argument("b")
@click.pass_context
def people_reject(ctx, a, b):
    """Record that A and B are different people: they are never suggested again."""
    with open_store(ctx.obj["db"]) as store:
        ra, rb = _rep(store.con, find_person(store.con, a)), _rep(store.con, find_person(store.con, b))
    _decide(ctx.obj["db"], "reject", str(ra), str(rb))
    click.echo(f"{a} and {b} will not be suggested again.")


@people_cmd.command("split")
@click.argument("person")
@click.argument("identity")
@click.pass_context
def people_split(ctx, person, identity):
    """Take IDENTITY (its id or value) out of PERSON: it becomes a person of its own.
    """
    with open_store(ctx.obj["db"]) as store:
        pid = find_person(store.con, person)
        hits = store.con.execute(
            "SELECT id FROM identities WHERE person_id = ? AND (CAST(id AS VARCHAR) = ? OR lower(value) = lower(?))",
            [pid, identity, identity],
        ).fetchall()
        if len(hits) != 1:
            raise NotFoundError(f"{identity!r} is not one identity of {person!r} (see: closeknit people show {person!r})")
        others = store.con.execute("SELECT min(id) FROM identities WHERE person_id = ? AND id <> ?", [pid, hits[0][0]]).fetchall()
        if others[0][0] is None:
            raise UsageError(f"{identity!r} is the only identity of {person!r}; nothing to split")
    _decide(ctx.obj["db"], "split", str(others[0][0]), str(hits[0][0]))
    click.echo(f"{identity} is now a person of its own.")


COMMANDS = [people_cmd]
