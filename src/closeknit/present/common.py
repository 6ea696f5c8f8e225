"""Options and output helpers shared by the CLI commands."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from closeknit.core.config import resolve_db_path
from closeknit.present.safe import clean
from closeknit.store import Store
from closeknit.present.words import NAMED, shared_names
from closeknit.store.queries import person_label

__all__ = ["db_option", "format_options", "columns_option", "open_store", "open_api", "emit", "emit_frame",
           "emit_json", "stderr_console", "stdout_console", "rich_progress", "keep_measures"]


def stderr_console() -> Console:
    return Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")) or None)


def stdout_console() -> Console:
    """Tables on stdout, as wide as the terminal (``COLUMNS``; 80 when it cannot tell)."""
    return Console(no_color=bool(os.environ.get("NO_COLOR")) or None)


@contextlib.contextmanager
def rich_progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """The API's ``progress`` hook as a transient progress bar on stderr (only on a terminal)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = stderr_console()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(description, total=total)
        yield lambda n: progress.advance(task, n)


def open_api(db: str | None, *, read_only: bool = False, demo: bool = False, create: bool = False):
    """The :class:`closeknit.api.Closeknit` behind a command (``--db``), with progress bars.

    Commands that measure open read-write so that the scores they compute are kept. Only commands
    that add data pass ``create``: a mistyped ``--db`` for any other is an error, not a new store."""
    from closeknit.api import Closeknit

    return Closeknit(db, read_only=read_only, progress=rich_progress, demo=demo, create=create)


def keep_measures(ck: Any) -> None:
    """After a command changed the store (an import, a decision, a removal): keep the measures
    for its new revision (:meth:`closeknit.Closeknit.materialise`, with progress on stderr), so
    the next page or command reads them instead of computing them. Interrupted, nothing is kept
    and the store is as the change left it: the measures are computed when next needed.
    ``CLOSEKNIT_KEEP_MEASURES=0`` skips it (a script making many changes in a row)."""
    if os.environ.get("CLOSEKNIT_KEEP_MEASURES", "1") == "0" or ck.views_kept():
        return
    res = ck.materialise()
    err = stderr_console()
    if err.is_terminal:  # like the progress bars: for a person watching, not for a script's output
        err.print(f"Kept the measures of revision {res['revision']} ({res['views']} views, {res['seconds']:.1f} s): "
                  "pages and commands read them.", highlight=False)


def db_option(f: Callable) -> Callable:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False),
        default=None,
        help="Store file (default: $CLOSEKNIT_DB, else the closeknit data directory).",
    )(f)


def format_options(f: Callable) -> Callable:
    f = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(f)
    f = click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")(f)
    return f


def columns_option(default: Sequence[str]) -> Callable[[Callable], Callable]:
    """``--columns a,b,c`` (or ``all``): the table's columns; ``default`` keeps it within 80 columns."""
    def deco(f: Callable) -> Callable:
        return click.option("--columns", "columns", default=None, metavar="COLS",
                            help=f"Table columns, comma-separated, or 'all' (default: {','.join(default)}). "
                                 "--json and --csv always give every column.")(f)
    return deco


def _pick_columns(spec: str | None, default: Sequence[str], available: Sequence[str]) -> list[str]:
    if not spec:
        return list(default)
    if spec.strip() == "all":
        return list(available)
    cols = [c.strip() for c in spec.split(",") if c.strip()]
    bad = [c for c in cols if c not in available]
    if bad:
        from closeknit.core.errors import UsageError

        raise UsageError(f"unknown column(s) {', '.join(bad)} (choose from {', '.join(available)})")
    return cols


def _cell(v: Any, *, table: bool) -> str:
    """One value as text: lists joined, times as dates in tables and ISO in CSV, floats rounded."""
    import math

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (list, tuple)) or (hasattr(v, "tolist") and not isinstance(v, (str, bytes)) and not hasattr(v, "isoformat")):
        v = v.tolist() if hasattr(v, "tolist") else v
        if isinstance(v, list):
            return (", " if table else ";").join(str(x) for x in v)
    if hasattr(v, "isoformat"):
        try:
            import pandas as pd

            if v is pd.NaT:
                return ""
        except ImportError:  # pragma: no cover
            pass
        return v.strftime("%Y-%m-%d %H:%M") if table and hasattr(v, "hour") else v.isoformat()
    if isinstance(v, float) and table:
        return f"{v:.3f}" if abs(v) < 1 else f"{v:,.2f}"
    return str(v)


def emit_json(obj: Any) -> None:
    """An API result as the JSON every ``--json`` prints (:func:`closeknit.api.to_json`)."""
    from closeknit.api import to_json

    click.echo(to_json(obj))


def names_apart(df: Any) -> Any:
    """``df`` for a table, where people who share a name in it are told apart: ``Ana Souza (id
    180)`` (:func:`closeknit.present.words.shared_names`). JSON and CSV keep the name beside its id."""
    named = [(n, i) for n, i in NAMED if n in df.columns and i in df.columns]
    if df.empty or not named:
        return df
    shared = shared_names((name, pid) for n, i in named for name, pid in zip(df[n], df[i]))
    if not shared:
        return df
    df = df.copy()
    for n, i in named:
        df[n] = [person_label(name, pid) if name in shared else name for name, pid in zip(df[n], df[i])]
    return df


def emit_frame(df: Any, default_columns: Sequence[str], *, as_json: bool = False, as_csv: bool = False,
               columns: str | None = None, title: str | None = None, right: Sequence[str] = ()) -> None:
    """An API DataFrame: ``--json`` and ``--csv`` give all of it; the table shows ``default_columns``
    (or ``--columns``) and folds long cells to fit the terminal."""
    if as_json:
        emit_json(df)
        return
    if as_csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(list(df.columns))
        tty = sys.stdout.isatty()  # data for a file stays exact; on a terminal no control character passes
        for r in df.itertuples(index=False):
            w.writerow([clean(_cell(v, table=False)) if tty else _cell(v, table=False) for v in r])
        return
    cols = _pick_columns(columns, default_columns, list(df.columns))
    df = names_apart(df)
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in cols:
        numeric = str(df[c].dtype).startswith(("int", "float", "Int", "Float"))
        table.add_column(c.replace("_", " "), overflow="fold", justify="right" if numeric or c in right else "left")
    for r in df[cols].itertuples(index=False):
        table.add_row(*[Text(clean(_cell(v, table=True))) for v in r])  # no markup, no control characters
    stdout_console().print(table)


def open_store(db: str | None, *, read_only: bool = False, demo: bool = False, create: bool = False) -> Store:
    """The store named by ``--db`` (or the default). Only commands that add data pass ``create``:
    a mistyped ``--db`` for any other command is an error, not a new empty store."""
    return Store(resolve_db_path(db, demo=demo), read_only=read_only, create=create)


def _jsonable(v: Any) -> Any:
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def emit(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    *,
    as_json: bool = False,
    as_csv: bool = False,
    title: str | None = None,
    json_obj: Any = None,
) -> None:
    """Print ``rows`` as a rich table (default), JSON (``json_obj`` if given) or CSV."""
    if as_json:
        obj = json_obj if json_obj is not None else [{c: _jsonable(r.get(c)) for c in columns} for r in rows]
        click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=_jsonable))
        return
    if as_csv:
        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else _jsonable(r.get(c)) for c in columns])
        return
    table = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        table.add_column(c.replace("_", " "), overflow="fold")
    for r in rows:
        table.add_row(*[Text("" if r.get(c) is None else clean(_jsonable(r.get(c)))) for c in columns])
    stdout_console().print(table)
