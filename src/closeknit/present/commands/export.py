"""export, interactions: the store for other tools, and its messages as a listing."""

from __future__ import annotations

import click

from closeknit.export import FORMATS
from closeknit.present.common import columns_option, db_option, emit_frame, format_options, open_api, stderr_console

__all__ = ["COMMANDS"]

_EXPORT_EPILOG = """\b
Example:
  closeknit export --to gexf ~/gephi          # open relationships.gexf in Gephi
  closeknit export --to sqlite ~/datasette    # datasette closeknit.db -m metadata.json
  closeknit export --to parquet ~/tables
"""


@click.command("export", epilog=_EXPORT_EPILOG)
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--to", "to", type=click.Choice(FORMATS), required=True,
              help="parquet or csv (every table), sqlite (for Datasette, with full-text search), graphml or gexf "
                   "(the relationship graph, for Gephi and networkx), convokit (a ConvoKit corpus).")
@click.option("--json", "as_json", is_flag=True, help="Print the files written (path, bytes) as JSON.")
@db_option
def export_cmd(folder, to, as_json, db):
    """Write the store into FOLDER for the tools you already use.

    Parquet and CSV: one file per canonical table (people, identities, interactions, ...) and
    per measure table (relationships, pairs, relationship_months, channel_norms). SQLite: the
    same in closeknit.db with metadata.json for Datasette. GraphML and GEXF: people as nodes,
    pairs in contact as edges with their measures. ConvoKit: utterances, speakers,
    conversations. Python: closeknit.open().export(TO, FOLDER).
    """
    with open_api(db) as ck:
        df = ck.export(to, folder)
    if as_json:
        emit_frame(df, [], as_json=True)
        return
    stderr_console().print(f"Wrote {len(df)} file(s), {df.bytes.sum() / 1e6:.1f} MB, in "
                           f"{df.attrs['seconds']:.1f} s to {folder}", highlight=False)
    for p in df.path:
        click.echo(p)


_INTERACTIONS_EPILOG = """\b
Example:
  closeknit interactions "Priya Raman" --limit 20
  closeknit interactions --channel linkedin --since 2026-08-01 --csv
"""


@click.command("interactions", epilog=_INTERACTIONS_EPILOG)
@click.argument("who", required=False)
@click.option("--channel", default=None, help="Only this channel (email, whatsapp, twitter, ...).")
@click.option("--since", default=None, help="Only from this date or ISO time on (UTC unless it has a zone).")
@click.option("--limit", type=click.IntRange(0, 1_000_000_000), default=50, show_default=True, help="At most N, newest first (0: all).")
@columns_option(["ts", "person", "channel", "kind", "text"])
@format_options
@db_option
def interactions_cmd(who, channel, since, limit, columns, as_json, as_csv, db):
    """Messages, calls, meetings and posts, newest first; with WHO, only those between you and them.

    Python: closeknit.open().interactions(WHO, channel=..., since=...).
    """
    with open_api(db) as ck:
        df = (ck.view if as_json else ck.kept)("interactions", who, channel=channel, since=since, limit=limit or None)
    if not (as_json or as_csv):
        df = df.assign(text=df["text"].map(lambda t: (" ".join(t.split())[:60]) if isinstance(t, str) else ""))  # NaN: no text
    emit_frame(df, ["ts", "person", "channel", "kind", "text"], as_json=as_json, as_csv=as_csv, columns=columns,
               title=f"Interactions ({len(df)})")


COMMANDS = [export_cmd, interactions_cmd]
