"""pairs: every pair of people in contact, with closeness and every relationship measure."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click

from closeknit.core.errors import UsageError
from closeknit.present.common import columns_option, db_option, emit_frame, open_api

__all__ = ["COMMANDS", "write_csv"]

_EPILOG = """\b
Example:
  closeknit pairs --db eu.db --csv -o eu-pairs.csv
  closeknit pairs --as-of 2026-03-31 --json -o pairs.json
  closeknit pairs --events events.parquet --out pairs/
  closeknit pairs --events events.parquet --out pairs/ --memory-limit 4GB --threads 2
  closeknit pairs --engine spark --events s3a://logs/events/ --out s3a://logs/pairs/ --master yarn
"""
_TABLE = ["a", "b", "closeness", "stage", "trajectory", "contacts", "last_contact"]


def write_csv(df, out) -> None:
    """A pairs DataFrame as CSV (header, ISO times in UTC), written by Arrow's CSV writer: set-wise,
    not row by row, for millions of pairs."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    pacsv.write_csv(pa.Table.from_pandas(df, preserve_index=False), out)


def _size(ctx, param, value: str | None) -> str | None:
    """``--memory-limit``: a size DuckDB reads (:func:`closeknit.relate.engines.check_size`)."""
    if value is None:
        return None
    from closeknit.relate.engines import check_size

    try:
        return check_size(value)
    except ValueError as e:
        raise click.BadParameter(str(e)) from None


@click.command("pairs", epilog=_EPILOG)
@click.option("--as-of", "as_of", default=None,
              help="Measure as of this date (YYYY-MM-DD or ISO time, UTC): only what happened up to it is read. "
                   "Default: the latest interaction in the store.")
@click.option("--csv", "as_csv", is_flag=True, help="Every pair and every column as CSV.")
@click.option("--json", "as_json", is_flag=True, help="Every pair and every column as JSON (an array of objects).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
              help="Write to this file instead of stdout (CSV unless --json or a .json name).")
@click.option("--limit", type=click.IntRange(0, 1_000_000_000), default=20, show_default=True, help="The table shows the N closest pairs.")
@click.option("--events", "events", default=None,
              help="Measure a community's log instead of the store: events as Parquet (a file, folder or any URL the "
                   "engine reads) with the columns of the events CSV (docs/scale.md). Needs --out.")
@click.option("--out", "out", default=None,
              help="With --events: a folder for the Parquet outputs: pairs/ (partitioned by stage), norms/ (channel "
                   "norms), incoming/ (messages judged against their relationship, partitioned by verdict) and "
                   "contacts/ (the contact model of predict-contacts as of --as-of, every pair in contact both ways).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
              help="With --events: run on this machine (duckdb) or on Apache Spark (pip install 'closeknit[spark]').")
@click.option("--master", default=None, help="With --engine spark: the Spark master (local[*], spark://host:7077, yarn).")
@click.option("--remote", default=None, help="With --engine spark: a Spark Connect server (sc://host:15002).")
@click.option("--memory-limit", "memory_limit", default=None, metavar="SIZE", callback=_size,
              help="With DuckDB (the store, or --events): the most memory the engine takes, such as 4GB or 512MiB "
                   "(default: 80% of the machine's); beyond it the engine spills to a folder beside the store or --out, "
                   "removed afterwards. For a shared machine. Spark takes its memory from its own settings.")
@click.option("--threads", type=click.IntRange(1, 4096), default=None,
              help="With DuckDB: the most threads the engine runs (default: one per core).")
@columns_option(_TABLE)
@db_option
def pairs_cmd(as_of, as_csv, as_json, output, limit, events, out, engine, master, remote, memory_limit, threads,
              columns, db):
    """Every pair of people in contact (not only yours): closeness and every measure.

    One row per pair: a and b as the data names them (the handle, address, number or id of the
    source) with their ids and names, closeness with its parts (part_*), features (f_*) and
    evidence (ev_*), stage, peak stage, trajectory, first and last contact, and every relationship
    measure (familiarity, intimacy, reciprocity, trust, response rates and times, rhythm).
    --as-of reads only what happened up to that date. Without --csv, --json or -o, a table of the
    closest pairs.
    """
    if as_csv and as_json:
        raise UsageError("give --csv or --json, not both")
    if events or out or engine != "duckdb" or master or remote:
        _community(events, out, engine, master, remote, as_of, memory_limit, threads)
        return
    with open_api(db) as ck:
        df = ck.pairs(as_of=as_of, memory_limit=memory_limit, threads=threads)
    fmt = "json" if as_json or (output and not as_csv and Path(output).suffix.lower() == ".json") else "csv"
    if output:
        if fmt == "csv":
            write_csv(df, output)
        else:
            from closeknit.api import to_json

            Path(output).write_text(to_json(df) + "\n", encoding="utf-8")
        click.echo(f"{len(df):,} pairs written to {output}", err=True)
        return
    if as_csv:
        sys.stdout.flush()
        write_csv(df, sys.stdout.buffer)
        return
    if as_json:
        emit_frame(df, _TABLE, as_json=True)
        return
    top = df.sort_values(["closeness", "a_id", "b_id"], ascending=[False, True, True], kind="stable").head(limit)
    emit_frame(top, _TABLE, columns=columns,
               title=f"The {len(top)} closest of {len(df):,} pairs in contact (--csv or --json for all)")


def _community(events, out, engine, master, remote, as_of, memory_limit, threads) -> None:
    """``--events``: a community's log on DuckDB or Spark (:func:`closeknit.relate.community.run_pairs`)."""
    from closeknit.relate.community import run_pairs
    from closeknit.relate.engines import DuckDBEngine, SparkEngine, spark_session, spill_folder

    if not events or not out:
        raise UsageError("--events PATH and --out PATH go together (--engine, --master and --remote need them)")
    if engine == "duckdb" and (master or remote):
        raise UsageError("--master and --remote are for --engine spark")
    if engine == "spark" and (memory_limit or threads):
        raise UsageError("--memory-limit and --threads are for DuckDB; Spark takes them from its own settings "
                         "(spark.driver.memory, spark.executor.memory and cores: spark-submit or spark-defaults.conf)")
    from closeknit.api import parse_time

    when = parse_time(as_of)
    spill = spill_folder(out) if engine == "duckdb" else None  # beside the output: its disk has room
    eng = SparkEngine(spark_session(master, remote=remote)) if engine == "spark" else DuckDBEngine(
        temp_directory=spill, memory_limit=memory_limit, threads=threads)
    try:
        n = run_pairs(eng, events, out, as_of=when)
    finally:
        eng.close()
        if spill:
            shutil.rmtree(spill, ignore_errors=True)
    click.echo(f"{n:,} pairs written to {out}/pairs (Parquet, partitioned by stage; norms/, incoming/ and contacts/ beside; "
               f"engine: {engine})", err=True)


COMMANDS = [pairs_cmd]
