"""Every DuckDB connection closeknit opens, opened one way: no extension is ever fetched or loaded.

DuckDB downloads and loads "known" extensions on demand (``sqlite_scanner`` for a SQLite file,
``httpfs`` for a URL, ``motherduck`` for ``md:``): that is network traffic and code from outside
this machine. Every connection in closeknit comes from :func:`connect`, which turns both off.
"""

from __future__ import annotations

import duckdb

__all__ = ["connect", "SAFE_CONFIG"]

#: No extension is installed or auto-loaded, community extensions are refused.
SAFE_CONFIG = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
}


def connect(database: str = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with :data:`SAFE_CONFIG` (and no progress bar on stdout).

    >>> connect().execute("SELECT current_setting('autoload_known_extensions')").fetchall()
    [(False,)]
    """
    con = duckdb.connect(database, read_only=read_only, config=dict(SAFE_CONFIG))
    # DuckDB would draw its own progress bar on stdout, which carries our data (CSV, JSON)
    con.execute("SET enable_progress_bar = false")
    return con
