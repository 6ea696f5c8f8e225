"""Options and output helpers shared by the CLI commands."""

from __future__ import annotations

import csv
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from closeknit.core.config import resolve_db_path
from closeknit.store import Store

__all__ = ["db_option", "format_options", "open_store", "emit", "stderr_console", "stdout_console"]


def stderr_console() -> Console:
    return Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")) or None)


def stdout_console() -> Console:
    return Console(no_color=bool(os.environ.get("NO_COLOR")) or None, width=max(100, Console().width))


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
        table.add_row(*["" if r.get(c) is None else str(_jsonable(r.get(c))) for c in columns])
    stdout_console().print(table)
