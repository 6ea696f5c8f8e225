"""Where things live: the store path (``--db`` > ``CLOSEKNIT_DB`` > XDG data dir)."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_path

__all__ = ["data_dir", "default_db_path", "demo_db_path", "resolve_db_path"]

APP = "closeknit"


def data_dir() -> Path:
    """The user's data directory for closeknit (``$XDG_DATA_HOME/closeknit`` on Linux)."""
    return user_data_path(APP, appauthor=False)


def default_db_path() -> Path:
    """The main store: ``<data dir>/closeknit.duckdb``."""
    return data_dir() / "closeknit.duckdb"


def demo_db_path() -> Path:
    """The demo store, kept beside the main one so the demo never touches real data."""
    return data_dir() / "demo.duckdb"


def resolve_db_path(explicit: str | os.PathLike[str] | None = None, *, demo: bool = False) -> Path:
    """``explicit`` if given, else ``$CLOSEKNIT_DB``, else the default (or demo) path."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("CLOSEKNIT_DB")
    if env:
        return Path(env).expanduser()
    return demo_db_path() if demo else default_db_path()
