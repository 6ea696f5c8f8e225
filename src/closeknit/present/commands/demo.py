"""demo: a fictional life, written as real export files and imported through the real importers."""

from __future__ import annotations

import json
from pathlib import Path

import click

from closeknit.api import Closeknit, to_jsonable
from closeknit.core.config import resolve_db_path
from closeknit.present.commands.data import summary_table
from closeknit.present.common import emit_frame, rich_progress, stderr_console

SHOWN = 25


_EXAMPLE = """\b
Example:
  closeknit demo
  closeknit demo --seed 3 --out /tmp/nora --db /tmp/nora.duckdb
  closeknit people --db /tmp/nora.duckdb --sort channels
"""


@click.command("demo", epilog=_EXAMPLE)
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=7, show_default=True, help="Seed of the simulated life (same seed, same files).")
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Folder for the export files (default: demo-exports beside the demo store).")
@click.option("--db", "db", type=click.Path(dir_okay=False), default=None,
              help="Demo store file (default: $CLOSEKNIT_DB, else demo.duckdb in the closeknit data directory). "
                   "It is recreated; the main store is never touched.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (exports, imports, people) instead of tables.")
def demo_cmd(seed, out, db, as_json):
    """Build a demo store from a fictional person's two years online.

    Simulates Nora Castell's life (about 170 people, 25,000 messages, calls and meetings,
    2024-09-01 to 2026-10-31), writes it out as genuine export files (an X archive, a Gmail
    mbox, WhatsApp chats, a Facebook Messenger download, a LinkedIn export, SMS and call
    backups, a calendar, an address book), then imports them with the same importers as
    `closeknit import` into a separate demo store. Formats whose importer is missing are
    skipped with a warning. Same seed, byte-identical files.
    """
    from closeknit.demo.build import build_demo
    from closeknit.demo.episodes import EPISODES

    err = stderr_console()
    store_path = resolve_db_path(db, demo=True)
    out_dir = Path(out).expanduser() if out else store_path.parent / "demo-exports"
    warn = (lambda m: err.print(f"[yellow]Warning:[/yellow] {m}", highlight=False))
    if not as_json:
        err.print(f"Writing the demo exports to {out_dir}", highlight=False)
    res = build_demo(store_path, out_dir, seed=seed, warn=warn, progress=None if as_json else rich_progress)
    with Closeknit(store_path, read_only=True) as ck:
        people = ck.people()
        rels = ck.relationships()
        att = ck.attention()
        inc = ck.incoming()
        n_inter = ck.store.count("interactions")
        per_channel = ck.con.execute(
            "SELECT channel, count(*) FROM interactions GROUP BY channel ORDER BY 2 DESC").fetchall()
    if as_json:
        obj = {
            "seed": seed, "store": str(store_path), "exports_dir": str(out_dir),
            "life": {"people": len(res.life.people), "events": len(res.life.events)},
            "exports": [{"path": str(e.path), "format": e.format, "channel": e.channel,
                         "imported": e not in res.skipped} for e in res.exports],
            "imports": res.results,
            "failures": [{"path": p, "error": m} for p, m in res.failures],
            "interactions": n_inter, "interactions_per_channel": dict(per_channel), "scored": res.scored,
            "seconds": {"simulate": round(res.seconds_simulate, 3), "write": round(res.seconds_write, 3),
                        "import": round(res.seconds_import, 3), "score": round(res.seconds_score, 3)},
            "episodes": [{"key": e.key, "person": e.display_name, "channel": e.channel,
                          "dates": [d.isoformat() for d in e.dates], "flag": e.flag} for e in EPISODES],
            "people": people,
        }
        click.echo(json.dumps(to_jsonable(obj), ensure_ascii=False, indent=2))
    else:
        if res.results:
            err.print(summary_table(res.results))
        emit_frame(people.head(SHOWN), ["person", "channels", "interactions", "last_contact"],
                   title=f"People ({len(people)}; the first {min(SHOWN, len(people))} shown)")
        click.echo(f"{n_inter:,} interactions on {len(per_channel)} channels in {store_path}")
        click.echo(f"Exports: {out_dir}   (simulate {res.seconds_simulate:.1f}s, write {res.seconds_write:.1f}s, "
                   f"import {res.seconds_import:.1f}s, score {res.seconds_score:.1f}s)")
        click.echo("Designed episodes to look for (see docs/demo.md):")
        for e in EPISODES:
            click.echo(f"  {e.display_name:15} {e.channel:9} {e.dates[-1]}  {e.key.replace('_', ' ')}")
        emit_frame(rels.head(15), ["person", "stage", "trajectory", "intimacy", "trust"],
                   title=f"Relationships (the {min(15, len(rels))} closest; closeknit people --sort closeness for all)")
        lines = [f"  attention: {r.person} - {r.reason}: {r.explanation}"
                 for r in att.itertuples() if r.reason in ("newcomer", "fading")][:3]
        lines += [f"  ran ahead: {r.person} on {r.channel} {r.when:%Y-%m-%d} ({r.verdict}, stage before: {r.stage_before})"
                  for r in inc.head(3).itertuples()]
        if lines:
            click.echo("Found in the demo life (closeknit attention, closeknit check --incoming):")
            for line in lines:
                click.echo(line)
        click.echo(f"Next: closeknit people --db {store_path}")
    if res.failures:
        raise SystemExit(1)


COMMANDS = [demo_cmd]
