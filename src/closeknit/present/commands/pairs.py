"""pairs: every pair of people in contact, with closeness and every relationship measure."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import click

from closeknit.core.errors import UsageError
from closeknit.present.commands.relate import _parse_as_of, as_of_option, ensure_scores
from closeknit.present.common import db_option, emit, open_store

__all__ = ["COMMANDS", "write_table"]

_EPILOG = """\b
Example:
  closeknit pairs --db eu.db --csv -o eu-pairs.csv
  closeknit pairs --as-of 2026-03-31 --json -o pairs.json
"""


def write_table(table, path: str | None, fmt: str) -> None:
    """Write an Arrow table as CSV or JSON (an array of objects) to ``path``, or stdout when None.
    Written set-wise (Arrow's CSV writer, DuckDB's JSON writer), never row by row in Python."""
    tmp = None
    target = path
    if path is None:
        tmp = tempfile.NamedTemporaryFile(prefix="closeknit-pairs-", suffix="." + fmt, delete=False)
        tmp.close()
        target = tmp.name
    try:
        if fmt == "csv":
            import pyarrow.csv as pacsv

            pacsv.write_csv(table, target)
        else:
            import duckdb

            con = duckdb.connect()
            try:
                con.register("t", table)
                con.execute("SET TimeZone = 'UTC'")
                esc = str(target).replace("'", "''")
                con.execute(f"COPY (SELECT * FROM t) TO '{esc}' (FORMAT JSON, ARRAY true)")
            finally:
                con.close()
        if tmp is not None:
            with open(target, "rb") as f:
                shutil.copyfileobj(f, sys.stdout.buffer)
            sys.stdout.buffer.flush()
    finally:
        if tmp is not None:
            os.unlink(target)


@click.command("pairs", epilog=_EPILOG)
@as_of_option
@click.option("--csv", "as_csv", is_flag=True, help="Write every pair and every column as CSV.")
@click.option("--json", "as_json", is_flag=True, help="Write every pair and every column as JSON (an array of objects).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout (CSV unless --json or a .json name).")
@click.option("--limit", type=int, default=20, show_default=True, help="Without --csv/--json/-o: show the N closest pairs.")
@db_option
def pairs_cmd(as_of, as_csv, as_json, output, limit, db):
    """Every pair of people in contact (not only yours): closeness and every measure.

    One row per pair: a and b as the data names them (the handle, address, number or id of the
    source), closeness with its parts (part_*), features (f_*) and evidence (ev_*), stage, peak
    stage, trajectory, first and last contact, and every relationship measure (familiarity,
    intimacy, reciprocity, trust, response rates and times, rhythm). --as-of uses only what
    happened up to that date. Without --csv, --json or -o, shows the closest pairs.
    """
    from closeknit.relate.pairs import pairs

    if as_csv and as_json:
        raise UsageError("give --csv or --json, not both")
    with open_store(db) as store:
        quiet = bool(as_csv or as_json or output)
        ensure_scores(store, quiet=quiet)
        table = pairs(store.con, as_of=_parse_as_of(as_of))
    if as_csv or as_json or output:
        fmt = "json" if as_json or (output and not as_csv and Path(output).suffix.lower() == ".json") else "csv"
        write_table(table, output, fmt)
        if output:
            click.echo(f"{table.num_rows:,} pairs written to {output}", err=True)
        return
    top = table.sort_by([("closeness", "descending")]).slice(0, limit).to_pylist()
    for r in top:
        r["closeness"] = round(r["closeness"], 3)
        r["last_contact"] = r["last_contact"].strftime("%Y-%m-%d") if r["last_contact"] else None
    emit(top, ["a", "b", "closeness", "stage", "trajectory", "contacts", "last_contact"],
         title=f"The {len(top)} closest of {table.num_rows:,} pairs in contact (--csv or --json for all)")


COMMANDS = [pairs_cmd]
