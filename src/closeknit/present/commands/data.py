"""import, sources, people, doctor, me: getting data in and seeing what is there."""

from __future__ import annotations

import os

import click
from rich import box
from rich.table import Table
from rich.text import Text

from closeknit.core.errors import UsageError
from closeknit.ingest import importers
from closeknit.present.safe import clean, markup
from closeknit.present.common import (
    columns_option,
    db_option,
    emit_frame,
    emit_json,
    format_options,
    open_api,
    keep_measures,
    open_store,
    stderr_console,
    stdout_console,
)
from closeknit.store.cache import drop_views
from closeknit.store.me import ME_KINDS
from closeknit.store.people import set_setting


def summary_table(rows) -> Table:
    """The import summary (rows of :meth:`closeknit.api.Closeknit.import_`) as a table for stderr.

    Each source is named whole (the user must be able to tell two exports apart), relative to the
    folder all of them are in, which the title names, and followed by the format it was read as:
    ``takeout-bundle.zip/takeout-001.zip (mbox)`` under "in /home/ada/Downloads", not the full path
    folded over eight lines of an 80-column terminal."""
    paths = [str(r["path"]) for r in rows]
    try:
        base = os.path.commonpath([os.path.dirname(p) for p in paths]) if paths else ""
    except ValueError:  # absolute and relative paths mixed: each is shown as it is
        base = ""
    base = "" if base in ("", os.sep) else base
    t = Table(title="Import summary" + (f" (in {clean(base)})" if base else ""), header_style="bold",
              box=box.SIMPLE_HEAD, pad_edge=False)  # no side borders: the names get the width
    for c in ("source (format)", "added", "present", "unreadable", "identities", "s"):
        t.add_column(c, justify="left" if c.startswith("source") else "right", overflow="fold")
    for r, path in zip(rows, paths):
        name = os.path.relpath(path, base) if base else path
        t.add_row(
            Text(clean(name) + f" ({r['format']}" + (", unchanged)" if r["skipped"] else ")")),
            f"{r['added']:,}",
            f"{r['already_present']:,}",
            f"{r['unreadable']:,}",
            f"{r['identities']:,}",  # an address book adds people, not interactions
            f"{r['seconds']:.1f}",
        )
    return t


@click.command("import", epilog="\b\nExample:\n  closeknit import ~/Downloads/twitter-2026-11-01.zip ~/mail/inbox.mbox\n  closeknit import ~/Downloads\n"
               "  closeknit import log.csv --format events\n")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "fmt", default=None, help="Format to read the paths as (skips detection). See --list-formats.")
@click.option("--force", is_flag=True, help="Read files again even if they were imported before unchanged.")
@click.option("--list-formats", is_flag=True, is_eager=True, expose_value=False, help="List the supported formats and exit.",
              callback=lambda ctx, _p, v: _list_formats(ctx) if v else None)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON row per path (added, already_present, unreadable, error, ...).")
@db_option
def import_cmd(paths, fmt, force, as_json, db):
    """Import export archives, folders or files into the store.

    Each PATH may be one export (a zip, an unzipped folder, a single file) or hold several (a
    folder such as ~/Downloads, a zip of zips such as a Takeout): every export found is read by
    its own importer, and everything else is listed as skipped, with the reason. A PATH where
    nothing can be read is an error. With --format, only exports of that format are read.
    Each export is written in one transaction; unreadable records are reported and skipped.
    Importing the same archive again adds nothing; a newer archive adds only what is new.
    Python: closeknit.open(read_only=False).import_(PATHS).
    """
    with open_api(db, create=True) as ck:
        df = ck.import_(list(paths), format=fmt, force=force)
        if any(not r["error"] and not r["not_read"] for r in df.to_dict("records")):
            keep_measures(ck)
    rows = df.to_dict("records")
    for r in rows:
        if r["error"]:
            click.echo(f"Error: {clean(r['error'])}", err=True)  # one line, never wrapped
    done = [r for r in rows if not r["error"] and not r["not_read"]]
    if as_json:
        emit_json(df)
    elif done:
        stderr_console().print(summary_table(done))
    for r in rows:
        if r["not_read"]:
            click.echo(f"Skipped {clean(r['path'])}: {clean(r['not_read'])}", err=True)
    for r in done:
        if r.get("forgotten"):
            click.echo(f"Left out {r['forgotten']} identities of people you asked to forget ({clean(r['path'])})", err=True)
        for s in r["error_samples"]:
            stderr_console().print(f"  [yellow]unreadable[/yellow] {markup(s)}", highlight=False)
        if r["unreadable"] > len(r["error_samples"]):
            stderr_console().print(f"  … {r['unreadable'] - len(r['error_samples'])} more: closeknit sources --errors {r['source_id']}")
    if any(r["error"] for r in rows):
        raise SystemExit(1)


def _print_formats() -> None:
    for name, cls in importers().items():
        click.echo(f"{name:12} {cls.description}")


def _list_formats(ctx: click.Context) -> None:
    """``import --list-formats``: print the formats and exit."""
    _print_formats()
    ctx.exit()


@click.group("sources", invoke_without_command=True,
             epilog="\b\nExample:\n  closeknit sources\n  closeknit sources --errors 3\n  closeknit sources refresh\n"
                    "  closeknit sources remove 3\n")
@click.option("--errors", "errors_of", type=click.IntRange(1, 2**62), default=None, help="Show the unreadable records of source ID.")
@columns_option(["source_id", "format", "path", "added", "unreadable"])
@format_options
@db_option
@click.pass_context
def sources_cmd(ctx, errors_of, columns, as_json, as_csv, db):
    """What has been imported: one row per source, with counts and errors.

    Subcommands: refresh (read sources again after an importer or a setting changed), remove.
    """
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is not None:
        return
    with open_api(db, read_only=True) as ck:
        if errors_of is not None:
            df = ck.import_errors(errors_of)
            emit_frame(df, ["location", "error", "excerpt"], as_json=as_json, as_csv=as_csv, columns=columns,
                       title=f"Unreadable records of source {errors_of}")
            return
        df = (ck.view if as_json else ck.kept)("sources")
    emit_frame(df, ["source_id", "format", "path", "added", "unreadable"], as_json=as_json, as_csv=as_csv,
               columns=columns, title="Sources")


@sources_cmd.command("refresh", epilog="\b\nExample:\n  closeknit sources refresh\n  closeknit sources refresh 3 7\n")
@click.argument("ids", nargs=-1, type=click.IntRange(1, 2**62))
@click.pass_context
def sources_refresh(ctx, ids):
    """Read sources again with today's importers and settings, replacing their rows.

    Without IDS: every source read by an older importer version, or before a setting that
    changes its meaning (closeknit me timezone / region / add) changed. Each source is replaced
    in one transaction; your merge and split decisions are kept.
    """
    from closeknit.store.sources import refresh_sources, stale_sources

    with open_store(ctx.obj["db"]) as store:
        if not ids:
            for s in stale_sources(store.con):
                click.echo(f"Source {s['source_id']} ({s['format']}, {s['path']}): {s['why']}", err=True)
        rows = refresh_sources(store, list(ids) or None)
    if rows:
        with open_api(ctx.obj["db"]) as ck:
            keep_measures(ck)
    if not rows:
        click.echo("Every source is up to date.")
    failed = False
    for r in rows:
        if r.get("error"):
            failed = True
            click.echo(f"Error: source {r['source_id']} ({r['path']}): {r['error']}", err=True)
        else:
            click.echo(f"Source {r['replaced']} read again as source {r['source_id']}: {r['added'] + r['already_present']:,} "
                       f"interactions ({r['path']})")
    if failed:
        raise SystemExit(1)


@sources_cmd.command("remove", epilog="\b\nExample:\n  closeknit sources remove 3\n  closeknit sources remove 3 --yes\n")
@click.argument("source_id", type=click.IntRange(1, 2**62))
@click.option("--yes", is_flag=True, help="Do not ask before removing.")
@click.pass_context
def sources_remove(ctx, source_id, yes):
    """Remove SOURCE_ID and everything that came only from it (what another source also holds stays).

    Nothing removed stays in the store file: it is rewritten afterwards.
    """
    from closeknit.store.sources import remove_source, source_summary

    with open_store(ctx.obj["db"]) as store:
        s = source_summary(store.con, source_id)
        click.echo(f"Source {source_id} ({s['format']}, {s['path']}): {s['interactions_only_here']:,} interactions "
                   f"only in this source will be removed ({s['interactions_also_elsewhere']:,} also held by other "
                   "sources stay), with its identities that no other source holds.")
        if not yes and not click.confirm("Remove it?", default=False):
            click.echo("Nothing removed: the store is as it was.")
            raise SystemExit(1)
        done = remove_source(store, source_id)
    with open_api(ctx.obj["db"]) as ck:
        keep_measures(ck)
    click.echo(f"Removed source {source_id}: {done['interactions_removed']:,} interactions.")


@click.command("doctor", epilog="\b\nExample:\n  closeknit doctor --json\n")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (keys people, identities, interactions, import_errors, ...).")
@db_option
def doctor_cmd(as_json, db):
    """Store health: whether the file is whole (every block read back), counts per table, import
    errors, identities nobody can name. A damaged store is an error (exit 1) that says so.
    """
    with open_api(db, read_only=True) as ck:
        rep = ck.doctor()
    if as_json:
        emit_json(rep)
        return
    con = stdout_console()
    t = Table(title=f"Store {rep['store']}", header_style="bold")
    t.add_column("what")
    t.add_column("count", justify="right")
    for k in ("sources", "people", "identities", "interactions", "participants", "identity_links", "message_scores",
              "self_identities", "import_errors", "unresolved_identities"):
        t.add_row(k.replace("_", " "), f"{rep[k]:,}")
    con.print(t)
    if rep["errors_per_source"]:
        con.print("Unreadable records per source (see: closeknit sources --errors ID):")
        for e in rep["errors_per_source"]:
            con.print(f"  {e['source_id']:>3} {e['format']:10} {e['errors']:>6}  {markup(e['path'])}", highlight=False)
    if rep["self_identities"] == 0 and rep["interactions"]:
        con.print("[yellow]No identity is known to be yours.[/yellow] Tell closeknit: closeknit me add email you@example.org")
    if rep["unresolved_identities"]:
        con.print(f"{rep['unresolved_identities']:,} identities are bare account ids nobody has named yet.")
    if rep["interactions"] and not rep["measures_kept"]:
        con.print(f"The measures of revision {rep['revision']} are not kept in the store: the first page or "
                  "command that needs them computes them (seconds to minutes on a large store).")


@click.group("me", invoke_without_command=True, epilog="\b\nExample:\n  closeknit me\n  closeknit me add email ada@example.org\n  closeknit me add handle adalovelace --channel twitter\n  closeknit me region GB\n  closeknit me timezone Europe/London\n")
@format_options
@click.pass_context
@db_option
def me_cmd(ctx, as_json, as_csv, db):
    """Your own identities, used by importers whose format does not say who you are.

    Python: closeknit.open().me(), .me_add(KIND, VALUE, channel=...), .me_remove(...).
    """
    ctx.obj = {"db": db}
    if ctx.invoked_subcommand is None:
        with open_api(db) as ck:
            res = ck.me()
        if as_json:
            emit_json(res)
            return
        emit_frame(res["identities"], ["channel", "kind", "value", "origin"], as_csv=as_csv, title="Your identities")
        if not as_csv:
            click.echo(f"Phone region for numbers without a country code: {res['region'] or 'US (default)'}")
            click.echo(f"Time zone of clock times without one (WhatsApp, floating calendar times): "
                       f"{res['timezone'] or 'UTC (default)'}")


@me_cmd.command("add")
@click.argument("kind", type=click.Choice(ME_KINDS))
@click.argument("value")
@click.option("--channel", default=None, help="Channel of a handle, account id or name (twitter, whatsapp, …).")
@click.pass_context
def me_add(ctx, kind, value, channel):
    """Add one of your identities (e.g. `closeknit me add email ada@example.org`)."""
    with open_api(ctx.obj["db"], create=True) as ck:
        i = ck.me_add(kind, value, channel=channel)
    click.echo(f"Added {i['channel']} {i['kind']} {i['value']} as yours.")


@me_cmd.command("remove")
@click.argument("kind", type=click.Choice(ME_KINDS))
@click.argument("value")
@click.option("--channel", default=None, help="Channel of a handle, account id or name.")
@click.pass_context
def me_remove(ctx, kind, value, channel):
    """Remove one of your identities."""
    with open_api(ctx.obj["db"]) as ck:
        i = ck.me_remove(kind, value, channel=channel)
    click.echo(f"Removed {i['value']}.")


@me_cmd.command("region")
@click.argument("region")
@click.pass_context
def me_region(ctx, region):
    """Set the phone region (ISO country code, e.g. GB) for numbers without a country code."""
    import phonenumbers

    region = region.upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise UsageError(f"{region!r} is not a region phonenumbers knows (use an ISO code such as US, GB, DE)")
    with open_store(ctx.obj["db"], create=True) as store:
        set_setting(store.con, "region", region)
    click.echo(f"Phone numbers without a country code will be read as {region}.")


@me_cmd.command("timezone")
@click.argument("zone")
@click.pass_context
def me_timezone(ctx, zone):
    """Set your time zone (IANA name, e.g. Europe/London) for exports whose times carry none, and
    for telling evenings and weekends.

    WhatsApp exports print your phone's wall-clock time with no zone, and calendar events may use
    "floating" times; both are read in this zone (UTC until you set one). It applies to imports
    from now on: messages already in the store keep their times. Closeness reads contact on
    evenings, nights and weekends (its ``offhours`` part) on this zone's clock, from now on.
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    zone = zone.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"{zone!r} is not a time zone (use an IANA name such as Europe/London, America/New_York or UTC)") from None
    with open_store(ctx.obj["db"], create=True) as store:
        set_setting(store.con, "timezone", zone)
        drop_views(store.con)  # kept measures read off-hours on the old clock
    click.echo(f"Clock times without a zone will be read as {zone}.")


COMMANDS = [import_cmd, sources_cmd, doctor_cmd, me_cmd]
