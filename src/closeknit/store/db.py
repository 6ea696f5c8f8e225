"""Opening the store."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from closeknit.core.errors import StoreError
from closeknit.store.schema import DDL, MIGRATIONS, SCHEMA_VERSION

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
        self.schema_version = self._check_version(read_only)
        if not read_only:
            self.con.execute(DDL)
            self.con.execute(
                "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [str(SCHEMA_VERSION)]
            )
            if self.con.execute("SELECT count(*) FROM meta WHERE key = 'rewrite_pending'").fetchall()[0][0]:
                self.rewrite()  # a deletion was committed but its rewrite killed: finish it now

    def _check_version(self, read_only: bool) -> int:
        """The store's schema version after opening: a newer store is refused, an older one is
        migrated forward in one transaction (read-only, it is read as it is)."""
        con = self.con
        has_meta = con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'meta' AND table_schema = 'main'"
        ).fetchall()[0][0]
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() if has_meta else []
        if not row:
            return SCHEMA_VERSION  # a new store
        try:
            version = int(row[0][0])
        except ValueError:
            raise StoreError(f"{self.path}: schema version {row[0][0]!r} is not a number; is this a closeknit store?") from None
        if version > SCHEMA_VERSION:
            self.con.close()
            raise StoreError(
                f"{self.path} was written by a newer closeknit (schema version {version}; this one reads up to "
                f"{SCHEMA_VERSION}): upgrade closeknit (pip install -U closeknit)"
            )
        if version == SCHEMA_VERSION or read_only:
            return version
        con.execute("BEGIN TRANSACTION")
        try:
            for v in range(version, SCHEMA_VERSION):
                for stmt in MIGRATIONS[v]:
                    con.execute(stmt)
            con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return SCHEMA_VERSION

    def rewrite(self) -> None:
        """Write the store into a fresh file and put it in place of the old one, so that nothing
        deleted stays in the file (DuckDB reuses freed blocks but does not wipe them).

        The copy is made beside the store and renamed over it only when complete: killed midway,
        the store is the old file, as it was (the half-written copy is removed next time). A
        deletion marks the store ``rewrite_pending`` in its own transaction (:meth:`mark_rewrite`);
        the next opening of a store so marked rewrites it.
        """
        con = self.con
        con.execute("CHECKPOINT")
        tmp = self.path.with_name(self.path.name + ".rewrite")
        for p in (tmp, tmp.with_name(tmp.name + ".wal")):
            if p.exists():
                p.unlink()
        db = con.execute("SELECT current_database()").fetchall()[0][0]
        con.execute(f"ATTACH '{_sql_str(tmp)}' AS _rewrite")
        try:
            con.execute(f'COPY FROM DATABASE "{db}" TO _rewrite')
            con.execute("DELETE FROM _rewrite.meta WHERE key = 'rewrite_pending'")
            _rewrite_failpoint()
        finally:
            con.execute("DETACH _rewrite")
        con.close()
        os.replace(tmp, self.path)
        self.con = duckdb.connect(str(self.path))
        self.con.execute("SET enable_progress_bar = false")

    def mark_rewrite(self) -> None:
        """Inside a deletion's transaction: the file must be rewritten (see :meth:`rewrite`)."""
        self.con.execute("INSERT INTO meta VALUES ('rewrite_pending', '1') ON CONFLICT DO NOTHING")

    def count(self, table: str) -> int:
        return self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]  # noqa: S608 - table names are ours

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sql_str(p: Path) -> str:
    return str(p).replace("'", "''")


def _rewrite_failpoint() -> None:
    from closeknit.store.load import _failpoint

    _failpoint("rewrite", 1)
