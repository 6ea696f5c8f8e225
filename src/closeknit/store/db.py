"""Opening the store."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from closeknit.core.duck import connect
from closeknit.core.errors import StoreError
from closeknit.core.private import make_private, owner_only
from closeknit.store.schema import DDL, MIGRATIONS, SCHEMA_VERSION

__all__ = ["Store", "check_store_file"]

#: Bytes 8..12 of every DuckDB database file (after an 8-byte checksum).
_DUCKDB_MAGIC = b"DUCK"


def check_store_file(path: Path) -> None:
    """Refuse ``path`` before DuckDB touches it unless it is a DuckDB file.

    DuckDB would open a SQLite file by downloading an extension, and would overwrite a file it
    does not know; neither may happen to a path the user mistyped.
    """
    if not path.exists():
        raise StoreError(f"no store at {path}; import something first (closeknit import PATH) or check --db")
    if not path.is_file():
        raise StoreError(f"{path} is not a closeknit store (it is not a regular file); check --db")
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        raise StoreError(f"cannot read the store {path}: {e.strerror or e}") from None
    if head[8:12] != _DUCKDB_MAGIC:
        what = "a SQLite database" if head.startswith(b"SQLite format 3") else (
            "an empty file" if not head else "not a DuckDB file")
        raise StoreError(f"{path} is not a closeknit store ({what}); check --db or CLOSEKNIT_DB")


class Store:
    """A closeknit store: one DuckDB file, created owner-only (0600, in a 0700 folder if new).

    ``create=False`` refuses a path where no store exists yet (a mistyped ``--db`` for a command
    that only reads); an existing file must be a closeknit store, checked before DuckDB opens it.

    >>> import tempfile, os
    >>> with Store(os.path.join(tempfile.mkdtemp(), "s.duckdb")) as st:
    ...     st.count("interactions")
    0
    """

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False, create: bool = True) -> None:
        self.path = Path(path)
        owner_only()  # the store, its WAL and DuckDB's spill files
        exists = self.path.exists() or self.path.is_symlink()
        if exists or read_only or not create:
            check_store_file(self.path)
            if not read_only:
                make_private(self.path)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            self.con = connect(str(self.path), read_only=read_only)
        except duckdb.IOException as e:
            msg = str(e).splitlines()[0]
            if "lock" in msg.lower():
                raise StoreError(f"cannot open the store {self.path}: {msg}. Is another closeknit running on it? "
                                 "Use --db to choose another store.") from e
            raise StoreError(f"cannot open the store {self.path}: {msg}. It may be damaged: restore it from a "
                             "backup, or use --db to choose another store.") from e
        except duckdb.Error as e:
            raise StoreError(f"{self.path} is not a readable closeknit store ({str(e).splitlines()[0]})") from e
        try:
            if exists:
                self._check_schema()
            self.schema_version = self._check_version(read_only)
            if not read_only:
                self.con.execute(DDL)
                self.con.execute(
                    "INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING", [str(SCHEMA_VERSION)]
                )
                if self.con.execute("SELECT count(*) FROM meta WHERE key = 'rewrite_pending'").fetchall()[0][0]:
                    self.rewrite()  # a deletion was committed but its rewrite killed: finish it now
        except duckdb.Error as e:
            self.con.close()
            raise StoreError(f"the store {self.path} is damaged ({str(e).splitlines()[0]}); restore it from a backup") from e
        except BaseException:
            self.con.close()
            raise

    def _check_schema(self) -> None:
        """An existing DuckDB file must hold closeknit's tables (or none at all: a store being born)."""
        try:
            tables = {r[0] for r in self.con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
        except duckdb.Error as e:
            raise StoreError(f"the store {self.path} is damaged ({str(e).splitlines()[0]}); restore it from a backup") from e
        if tables and "meta" not in tables:
            raise StoreError(f"{self.path} is a DuckDB database but not a closeknit store; check --db or CLOSEKNIT_DB")

    def integrity_problems(self) -> list[str]:
        """Read every block of the store back: ``[]`` when it is whole, else what is wrong.

        Every column of every table must decode (a block past the end of a file cut short, or a
        damaged one, is an error). The first problem ends the check: a damaged database cannot be
        trusted for the rest.
        """
        con = self.con
        try:
            tables = [r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1").fetchall()]
            for t in tables:
                con.execute(f'SELECT max(hash(COLUMNS(*))) FROM "{t}"').fetchall()  # noqa: S608 - names from the catalog
        except duckdb.Error as e:
            return [str(e).strip().splitlines()[0]]
        except OSError as e:
            return [f"cannot read the file: {e.strerror or e}"]
        return []

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
        self.con = connect(str(self.path))

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
