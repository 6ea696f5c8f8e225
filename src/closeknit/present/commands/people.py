"""people: everyone you interact with, and deciding who is who."""

from __future__ import annotations

import click

from closeknit.core.errors import UsageError
from closeknit.present.common import (
    columns_option,
    db_option,
    emit_frame,
    emit_json,
    format_options,
    keep_measures,
    open_api,
    open_store,
    stdout_console,
)
from closeknit.api import MEASURE_SORTS
from closeknit.store.queries import PEOPLE_SORTS, find_person, person_label

#: The table's columns by default (fits 80 columns); --columns all for every one.
PEOPLE_TABLE = ["person", "interactions", "last_contact", "stage", "intimacy", "trust"]


@click.group("people", invoke_without_command=True, epilog="\b\nExample:\n  closeknit people --sort last --limit 20\n  closeknit people --sort intimacy --limit 15\n"
             "  closeknit people --columns person,channels,n_out,n_in --csv\n"
             "  closeknit people show \"Ada Lovelace\"\n  closeknit people suggest\n")
@click.option("--sort", type=click.Choice(PEOPLE_SORTS + MEASURE_SORTS), default="interactions", show_default=True,
              help="Sort order (the relationship measures sort highest first).")
@click.option("--limit", type=click.IntRange(0, 1_000_000_000), default=None, help="Show at most N people (0: all).")
@click.option("--all", "include_silent", is_flag=True, help="Include people with no interaction with you.")
@columns_option(PEOPLE_TABLE)
@format_options
@db_option
@click.pass_context
def people_cmd(ctx, sort, limit, include_silent, columns, as_json, as_csv, db):
    """Everyone you interact with: one row per person across all channels.

    n_out counts what you sent or did towards them, n_in what they sent or did towards you.
    stage, familiarity, intimacy, reciprocity and trust are the relationship measures
    (see closeknit person NAME and docs/relate.md); texts are scored first if needed.
    Subcommands decide who is who: show, suggest, merge, split, reject.
    Python: closeknit.open().people(sort=..., limit=...).
    """
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        return
    with open_api(db) as ck:
        df = (ck.view if as_json else ck.kept)("people", sort=sort, limit=limit, include_silent=include_silent)
    emit_frame(df, PEOPLE_TABLE, as_json=as_json, as_csv=as_csv, columns=columns, title=f"People ({len(df)})")


@people_cmd.command("show", epilog="\b\nExample:\n  closeknit people show ada@example.org\n")
@click.argument("person")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (person_id, person, identities, evidence).")
@click.option("--csv", "as_csv", is_flag=True, help="Print the identities as CSV.")
@click.pass_context
def people_show(ctx, person, as_json, as_csv):
    """Every identity of PERSON (id, name, address, number or handle), with where it came from.

    Python: closeknit.open().identities(PERSON).
    """
    with open_api(ctx.obj["db"]) as ck:
        res = (ck.view if as_json else ck.kept)("identities", person)
    if as_json:
        emit_json(res)
        return
    if as_csv:
        emit_frame(res["identities"], [], as_csv=True)
        return
    emit_frame(res["identities"], ["channel", "kind", "value", "display_name", "formats"],
               title=person_label(res['person'], res['person_id']))
    if len(res["evidence"]):
        emit_frame(res["evidence"], ["a", "b", "reason", "confidence", "origin"], title="Why these are one person")


@people_cmd.command("suggest", epilog="\b\nExample:\n  closeknit people suggest\n  closeknit people suggest --accept 1,3\n"
                    "  closeknit people suggest --accept-all --min-score 0.7\n  closeknit people reject 1234 5678     # never suggest again\n")
@click.option("--limit", type=click.IntRange(1, 1_000_000), default=50, show_default=True, help="Show at most N pairs.")
@click.option("--min-score", type=click.FloatRange(0.0, 1.0), default=0.0, help="Only pairs scoring at least this.")
@click.option("--accept", "accept", default=None, help="Merge the pairs of these ranks (1,3,4), as listed.")
@click.option("--accept-all", is_flag=True, help="Merge every pair listed (with --min-score: those scoring at least that).")
@format_options
@click.pass_context
def people_suggest(ctx, limit, min_score, accept, accept_all, as_json, as_csv):
    """People who may be one person, ranked by evidence: accept them (--accept, --accept-all,
    merge) or reject them.

    Evidence: the same name in any order and script, an email address that spells a name, the
    same contacts on both sides. closeknit never merges on a name alone; these pairs wait for you.
    Python: closeknit.open().suggest(), .accept([1, 3]).
    """
    ranks: list[int] = []
    if accept:
        try:
            ranks = sorted({int(x) for x in accept.split(",") if x.strip()})
        except ValueError:
            raise UsageError(f"--accept takes ranks such as 1,3,4, not {accept!r}") from None
    if ranks or accept_all:
        with open_api(ctx.obj["db"]) as ck:
            n = ck.accept(None if accept_all else ranks, limit=limit, min_score=min_score)
            if n:
                keep_measures(ck)
        click.echo(f"Merged {n} pair{'s' if n != 1 else ''}.")
        return
    with open_api(ctx.obj["db"]) as ck:
        df = (ck.view if as_json else ck.kept)("suggest", limit=limit, min_score=min_score)
    emit_frame(df, ["rank", "a", "a_channels", "b", "b_channels", "score", "evidence"], as_json=as_json,
               as_csv=as_csv, title="Suggested merges")
    if len(df) and not (as_json or as_csv):
        stdout_console().print("Accept: closeknit people suggest --accept 1,2 (or --accept-all)    Reject: closeknit people reject A B")


@people_cmd.command("merge", epilog="\b\nExample:\n  closeknit people merge \"Ada L.\" ada@example.org\n")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (decision, a_id, b_id, person_id, person).")
@click.pass_context
def people_merge(ctx, a, b, as_json):
    """Make A and B one person (ids, names, addresses or handles). Survives re-imports.

    The person with more history (interactions) keeps their id; the other id keeps naming them.
    Python: closeknit.open(read_only=False).merge(A, B).
    """
    with open_api(ctx.obj["db"]) as ck:
        res = ck.merge(a, b)
        keep_measures(ck)
    if as_json:
        emit_json(res)
        return
    other = res["b_id"] if res["person_id"] == res["a_id"] else res["a_id"]
    click.echo(f"Merged {a} and {b}: person {res['person_id']} (the one with more history) holds both; {other} still names them.")


@people_cmd.command("reject", epilog="\b\nExample:\n  closeknit people reject \"Alex Kim\" alex@other.example\n")
@click.argument("a")
@click.argument("b")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (decision, a_id, b_id).")
@click.pass_context
def people_reject(ctx, a, b, as_json):
    """Record that A and B are different people: they are never suggested again.

    Python: closeknit.open(read_only=False).reject(A, B).
    """
    with open_api(ctx.obj["db"]) as ck:
        res = ck.reject(a, b)
        keep_measures(ck)
    if as_json:
        emit_json(res)
        return
    click.echo(f"{a} and {b} will not be suggested again.")


@people_cmd.command("split", epilog="\b\nExample:\n  closeknit people split \"Alex Kim\" alex@other.example\n")
@click.argument("person")
@click.argument("identity")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (decision, person_id, person, new_person_id, new_person).")
@click.pass_context
def people_split(ctx, person, identity, as_json):
    """Take IDENTITY (its id or value) out of PERSON: it becomes a person of its own.

    Python: closeknit.open(read_only=False).split(PERSON, IDENTITY).
    """
    with open_api(ctx.obj["db"]) as ck:
        res = ck.split(person, identity)
        keep_measures(ck)
    if as_json:
        emit_json(res)
        return
    click.echo(f"{identity} is now a person of its own.")


@people_cmd.command("forget", epilog="\b\nExample:\n  closeknit people forget \"Dominic Hale\"\n  closeknit people forget 42 --yes\n")
@click.argument("person")
@click.option("--yes", is_flag=True, help="Do not ask before forgetting.")
@click.pass_context
def people_forget(ctx, person, yes):
    """Forget PERSON: their identities and every interaction that involves nobody else but you.

    Interactions with other people too (group chats, emails with several recipients) stay,
    without them. Nothing removed stays in the store file: it is rewritten afterwards. The
    decision is kept: a later import of an archive that holds them leaves them out (the store
    keeps a salted hash of each of their identities, not the identities).
    """
    from closeknit.store.sources import forget_person, forget_plan

    with open_store(ctx.obj["db"]) as store:
        pid = find_person(store.con, person)
        plan = forget_plan(store.con, pid)
        click.echo(f"{person_label(plan['name'], pid)}: {plan['identities']} identities and {plan['interactions_removed']:,} "
                   f"interactions will be removed; {plan['interactions_kept_without_them']:,} interactions with "
                   "others stay, without them.")
        if not yes and not click.confirm("Forget them?", default=False):
            click.echo("Nothing forgotten: the store is as it was.")
            raise SystemExit(1)
        forget_person(store, pid)
    with open_api(ctx.obj["db"]) as ck:
        keep_measures(ck)
    click.echo(f"Forgot {plan['name']}.")


COMMANDS = [people_cmd]
