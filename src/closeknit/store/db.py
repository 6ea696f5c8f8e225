"""Opening the store."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from closeknit.core.errors import StoreError
from closeknit.store.schema import DDL, SCHEMA_VERSION

__all__ = ["Store"]


class Store:
    """A closeknit store: one DuckDB file.

    >>> import tempfile, os
    >>> with Store(os.path.join(tempfile.mkdtemp(), "s.duckdb")) as st:
    ...     st.count("interactions")
    0
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not self.path.exists():
            raise StoreError(f"no store at {self.path}; import something first (closeknit import PATH)")
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            # DuckDB would draw its own progress bar on stdout, which carries our data (CSV, JSON)
            self.con = duckdb.connect(str(self.path), read_only=read_only)
            self.con.execute("SET enable_progress_bar = false")
        except duckdb.IOException as e:
            raise StoreError(
                f"cannot open the store {self.path}: {str(e).splitlines()[0]}. "
                "Is another closeknit running on it? Use --db to choose another store."
            ) from e
        except duckdb.Error as e:
            raise StoreError(f"{self.path} is not a closeknit store ({str(e).splitlines()[0]})") from e
        if not read_only:
            self.con.execute(DDL)
            self.con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [str(SCHEMA_VERSION)]
            )

    def count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608 - table names are ours

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
