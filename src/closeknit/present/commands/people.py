"""people: everyone you interact with, and deciding who is who."""

from __future__ import annotations

import click

from closeknit.core.errors import NotFoundError, UsageError
from closeknit.present.common import (
    columns_option,
    db_option,
    emit,
    emit_frame,
    emit_json,
    format_options,
    open_api,
    open_store,
    stdout_console,
)
from closeknit.store.people import resolve_people, suggest_merges
from closeknit.api import MEASURE_SORTS
from closeknit.store.queries import PEOPLE_SORTS, find_person

#: The table's columns by default (fits 80 columns); --columns all for every one.
PEOPLE_TABLE = ["person", "interactions", "last_contact", "stage", "intimacy", "trust"]


@click.group("people", invoke_without_command=True, epilog="\b\nExample:\n  closeknit people --sort last --limit 20\n  closeknit people --sort intimacy --limit 15\n"
             "  closeknit people --columns person,channels,n_out,n_in --csv\n"
             "  closeknit people show \"Ada Lovelace\"\n  closeknit people suggest\n")
@click.option("--sort", type=click.Choice(PEOPLE_SORTS + MEASURE_SORTS), default="interactions", show_default=True,
              help="Sort order (the relationship measures sort highest first).")
@click.option("--limit", type=int, default=None, help="Show at most N people.")
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
        df = ck.people(sort=sort, limit=limit, include_silent=include_silent)
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
    with open_api(ctx.obj["db"], read_only=True) as ck:
        res = ck.identities(person)
    if as_json:
        emit_json(res)
        return
    if as_csv:
        emit_frame(res["identities"], [], as_csv=True)
        return
    emit_frame(res["identities"], ["channel", "kind", "value", "display_name", "formats"],
               title=f"{res['person']} (person {res['person_id']})")
    if len(res["evidence"]):
        emit_frame(res["evidence"], ["a", "b", "reason", "confidence", "origin"], title="Why these are one person")


@people_cmd.command("suggest", epilog="\b\nExample:\n  closeknit people suggest\n  closeknit people suggest --accept 1,3\n"
                    "  closeknit people suggest --accept-all --min-score 0.7\n  closeknit people reject 1234 5678     # never suggest again\n")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--min-score", type=float, default=0.0, help="Only pairs scoring at least this.")
@click.option("--accept", "accept", default=None, help="Merge the pairs of these ranks (1,3,4), as listed.")
@click.option("--accept-all", is_flag=True, help="Merge every pair listed (with --min-score: those scoring at least that).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def people_suggest(ctx, limit, min_score, accept, accept_all, as_json):
    """People who may be one person, ranked by evidence: accept them (--accept, --accept-all,
    merge) or reject them.

    Evidence: the same name in any order and script, an email address that spells a name, the
    same contacts on both sides. closeknit never merges on a name alone; these pairs wait for you.
    """
    from closeknit.store.people import accept_suggestions

    ranks: list[int] = []
    if accept:
        try:
            ranks = sorted({int(x) for x in accept.split(",") if x.strip()})
        except ValueError:
            raise UsageError(f"--accept takes ranks such as 1,3,4, not {accept!r}") from None
    with open_store(ctx.obj["db"], read_only=not (ranks or accept_all)) as store:
        sugg = [s for s in suggest_merges(store.con, limit=limit) if s["score"] >= min_score]
        for i, s in enumerate(sugg, 1):
            s["rank"] = i
        if ranks or accept_all:
            bad = [r for r in ranks if not 1 <= r <= len(sugg)]
            if bad:
                raise UsageError(f"no suggestion of rank {bad[0]} (there are {len(sugg)})")
            chosen = sugg if accept_all else [sugg[r - 1] for r in ranks]
            n = accept_suggestions(store.con, [(s["a"], s["b"]) for s in chosen])
            click.echo(f"Merged {n} pair{'s' if n != 1 else ''}.")
            return
    if as_json:
        emit_json(sugg)
        return
    for s in sugg:
        s["evidence"] = "; ".join(s["evidence"])
        s["a_channels"] = ", ".join(s["a_channels"])
        s["b_channels"] = ", ".join(s["b_channels"])
    emit(sugg, ["rank", "a", "a_name", "a_channels", "b", "b_name", "b_channels", "score", "evidence"], title="Suggested merges")
    if sugg:
        stdout_console().print("Accept: closeknit people suggest --accept 1,2 (or --accept-all)    Reject: closeknit people reject A B")


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

    The person with more history (interactions) keeps their id; the other id keeps naming them.
    """
    with open_store(ctx.obj["db"]) as store:
        pa_, pb = find_person(store.con, a), find_person(store.con, b)
        if pa_ == pb:
            raise UsageError(f"{a!r} and {b!r} are already one person ({pa_})")
        ra, rb = _rep(store.con, pa_), _rep(store.con, pb)
    _decide(ctx.obj["db"], "merge", str(ra), str(rb))
    with open_store(ctx.obj["db"], read_only=True) as store:
        kept = find_person(store.con, str(pa_))
    other = pb if kept == pa_ else pa_
    click.echo(f"Merged {a} and {b}: person {kept} (the one with more history) holds both; {other} still names them.")


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


@people_cmd.command("forget", epilog="\b\nExample:\n  closeknit people forget \"Dominic Hale\"\n  closeknit people forget 42 --yes\n")
@click.argument("person")
@click.option("--yes", is_flag=True, help="Do not ask before forgetting.")
@click.pass_context
def people_forget(ctx, person, yes):
    """Forget PERSON: their identities and every interaction that involves nobody else but you.

    Interactions with other people too (group chats, emails with several recipients) stay,
    without them. Nothing removed stays in the store file: it is rewritten afterwards. A later
    import of an archive that holds them brings them back.
    """
    from closeknit.store.sources import forget_person, forget_plan

    with open_store(ctx.obj["db"]) as store:
        pid = find_person(store.con, person)
        plan = forget_plan(store.con, pid)
        click.echo(f"{plan['name']} (person {pid}): {plan['identities']} identities and {plan['interactions_removed']:,} "
                   f"interactions will be removed; {plan['interactions_kept_without_them']:,} interactions with "
                   "others stay, without them.")
        if not yes and not click.confirm("Forget them?", default=False):
            raise SystemExit(1)
        forget_person(store, pid)
    click.echo(f"Forgot {plan['name']}.")


COMMANDS = [people_cmd]
