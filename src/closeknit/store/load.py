"""Writing what an importer yields into the store: one source, one transaction.

Every importer yields :class:`~closeknit.ingest.records.Interaction` records; :meth:`_Writer.add`
is the one place one becomes a row. Rows are gathered into column batches and moved into DuckDB
as Arrow tables, so the cost per record is a few appends in Python and the database does the rest
set-wise. A writer thread
stages each batch as Parquet files in a scratch folder while the importer parses the next one;
at the end, one transaction reads them back, hashes the stable ids set-wise and adds what the
store does not have yet (an anti-join on the stable id), with its participants, identities,
links and errors. An interrupted import (an exception, Ctrl-C, ``kill -9``) leaves the store
exactly as it was.
"""

from __future__ import annotations

import errno
import gc
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from closeknit.core.errors import StoreError
from closeknit.core.ids import sql_stable_id
from closeknit.core.scratch import ScratchDir, sweep_stale_scratch
from closeknit.ingest.base import ImportContext, Importer
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import BadRecord, Ident, IdentityLink, Interaction, SelfIdentity, ThreadMerge
from closeknit.store.db import Store
from closeknit.store.people import load_context, resolve_people

__all__ = ["SourceResult", "load_records", "import_tree", "BATCH_ROWS"]

BATCH_ROWS = 100_000
#: A batch is also written once its texts hold this many characters (long emails): with the batch
#: being filled, one queued and one being written, this bounds what the loader holds in memory.
BATCH_TEXT_CHARS = 24_000_000
#: DuckDB's memory budget while a source is imported (the rest of closeknit keeps the default).
IMPORT_MEMORY_LIMIT = "512MB"


def _scratch_full(e: OSError, folder) -> StoreError | None:
    """A clear error for a full disk under the scratch folder (None for any other OSError)."""
    if e.errno != errno.ENOSPC and "No space left on device" not in str(e):
        return None
    err = StoreError(
        f"no space left for this import's scratch files in {folder.parent}: free some space there, or set "
        "TMPDIR to a folder with more room (an import stages about as much as the archive's texts take); "
        "nothing was written to the store"
    )
    err.__cause__ = e
    return err


def _failpoint(name: str, count: int, released: Callable[[], bool] = lambda: False) -> None:
    """Test hook: ``CLOSEKNIT_FAILPOINT=batch_written:3`` stops the 3rd batch write here.

    The process announces itself on stderr and waits (until ``released()``: an aborted import
    goes on to clean up), so a test can kill it at a known point of an import (see
    tests/store/test_interrupt.py). Unset, this costs one dict lookup.
    """
    fp = os.environ.get("CLOSEKNIT_FAILPOINT")
    if fp and fp == f"{name}:{count}":
        sys.stderr.write(f"FAILPOINT {fp}\n")
        sys.stderr.flush()
        deadline = time.monotonic() + 3600
        while not released() and time.monotonic() < deadline:
            time.sleep(0.05)


_EXCERPT = 200

# A batch of interactions as staged; ids are computed in SQL when the store reads it (md5, set-wise).
_R_SCHEMA = pa.schema(
    [
        ("native_id", pa.string()),
        ("kind", pa.string()),
        ("channel", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("actor_id", pa.int64()),
        ("visibility", pa.string()),
        ("thread_id", pa.string()),
        ("reply_native", pa.string()),
        ("text", pa.string()),
        ("duration_s", pa.float64()),
    ]
)
_E_SCHEMA = pa.schema([("location", pa.string()), ("error", pa.string()), ("excerpt", pa.string())])
# participants point at their interaction by row number in the batch
_PR_SCHEMA = pa.schema([("rn", pa.int64()), ("identity_id", pa.int64()), ("role", pa.string())])
# Staged files are read back once, by the same import: no compression (a third of the write's
# CPU for text), dictionaries only for the few-valued columns, no statistics.
_PARQUET = {"compression": "none", "use_dictionary": ["kind", "channel", "visibility", "role"],
            "write_statistics": False}


def _clean(values: list) -> list:
    """Strings with lone surrogates (broken exports) cannot be stored; replace the bad code points."""
    return [v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v for v in values]


def _array(values, typ: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=typ)
    except (UnicodeEncodeError, pa.ArrowInvalid):
        if typ != pa.string():
            raise
        return pa.array(_clean(list(values)), type=typ)


def _table(rows: list[tuple], schema: pa.Schema) -> pa.Table:
    cols: list[Sequence[object]] = list(zip(*rows)) if rows else [[] for _ in schema]
    return pa.Table.from_arrays([_array(c, f.type) for c, f in zip(cols, schema)], schema=schema)


@dataclass
class SourceResult:
    """What one import did. ``skipped`` is True when the same file was imported before."""

    path: str
    format: str
    source_id: int | None
    added: int = 0
    present: int = 0
    errors: int = 0
    identities: int = 0
    seconds: float = 0.0
    skipped: bool = False
    error_samples: list[str] = field(default_factory=list)
    #: identities of people forgotten on request that this import left out (closeknit people forget)
    forgotten: int = 0

    @property
    def records(self) -> int:
        return self.added + self.present


class _Writer:
    def __init__(self, store: Store, source_id: int, fmt: str) -> None:
        self.con = store.con
        self.sid = source_id
        self.fmt = fmt
        self.rows: list[tuple] = []
        self.parts: list[tuple] = []
        self.ident_ids: dict[Ident, int] = {}
        self.idents: dict[int, list] = {}
        self.links: list[tuple[int, int, str, float]] = []
        self.selves: dict[int, tuple[Ident, str]] = {}
        self.thread_renames: dict[str, str] = {}  # ThreadMerge records: old thread id -> new
        self.errors: list[tuple[str, str, str | None]] = []
        self.present = 0
        self._chars = 0
        key = f"'{fmt.replace(chr(39), chr(39) * 2)}|' || "
        self._id_sql = sql_stable_id(key + "native_id")
        self._reply_sql = sql_stable_id(key + "reply_native")

    def ident(self, ident: Ident) -> int:
        iid = self.ident_ids.get(ident)
        if iid is not None:
            return iid
        iid = ident.id
        self.ident_ids[ident] = iid
        row = self.idents.get(iid)
        if row is None:
            self.idents[iid] = [ident.channel, ident.kind, ident.value, ident.name]
        elif ident.name and row[3] != ident.name:
            row[3] = ident.name  # the latest name seen wins
        return iid

    def add(self, rec: Interaction) -> None:
        ts = rec.ts
        if ts is not None and ts.tzinfo is None:
            raise ValueError(f"{self.fmt} importer yielded a naive timestamp for {rec.native_id!r}")
        ids = self.ident_ids
        actor = rec.actor
        if actor is not None:
            actor_id = ids.get(actor)
            if actor_id is None:
                actor_id = self.ident(actor)
        else:
            actor_id = None
        rows = self.rows
        rn = len(rows)
        text = rec.text
        rows.append(
            (rec.native_id, rec.kind, rec.channel, ts, actor_id, rec.visibility, rec.thread, rec.reply_to, text,
             rec.duration_s)
        )
        if text:
            self._chars += len(text)
        parts = self.parts
        for ident, role in rec.participants:  # the same person twice in one record: one row (merge_stage)
            pid = ids.get(ident)
            if pid is None:
                pid = self.ident(ident)
            parts.append((rn, pid, role))
        if len(self.rows) >= BATCH_ROWS or self._chars >= BATCH_TEXT_CHARS:
            self.flush()

    # -- staging runs on its own thread, overlapping the parse of the next batch: pyarrow releases
    # the GIL while it writes a Parquet file, so on two cores the two cost about the larger of
    # them rather than their sum. The writer thread never touches the DuckDB connection.
    def start(self) -> None:
        # Batches are staged as Parquet files in a scratch folder and reach the store in one
        # INSERT ... SELECT inside the final transaction: DuckDB keeps a transaction's own appends
        # in memory, so a million long emails appended batch by batch inside the store's
        # transaction grew past 1 GB, while one large INSERT ... SELECT writes straight to disk.
        # Parquet rather than a scratch DuckDB table: pyarrow writes a batch without the GIL at
        # about 1 GB/s, where staging 1M emails in DuckDB cost 8 s of CPU (its Arrow scan and
        # inserts); ids are hashed once, set-wise, when the store reads the files back.
        sweep_stale_scratch()  # scratch folders of imports that were killed
        self._tmp = ScratchDir()
        self._files_i: list[str] = []
        self._files_p: list[str] = []
        self._seq = 0
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._writer_loop, name="closeknit-store-writer", daemon=True)
        self._thread.start()

    def close_stage(self) -> None:
        """Delete the staged files (after the store's transaction ended)."""
        tmp = getattr(self, "_tmp", None)  # the stage exists from start() until here
        if tmp is None:
            return
        del self._tmp
        tmp.cleanup()

    def _writer_loop(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    self._write_now(*item)
                except OSError as e:  # handed to the caller at the next batch or at the end
                    self._error = _scratch_full(e, self._tmp.path) or e
                except BaseException as e:
                    self._error = e

    def _write(self, rtab: pa.Table, ptab: pa.Table) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((rtab, ptab))

    def _stop_writer(self) -> None:
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop the writer without writing what is still queued (the caller rolls back)."""
        if getattr(self, "_thread", None) is not None and self._thread.is_alive():
            if self._error is None:
                self._error = RuntimeError("import aborted")
            self._queue.put(None)
            self._thread.join()

    def flush(self) -> None:
        if not self.rows:
            return
        rtab = _table(self.rows, _R_SCHEMA)
        ptab = _table(self.parts, _PR_SCHEMA)
        self.rows, self.parts, self._chars = [], [], 0
        self._write(rtab, ptab)

    def _write_now(self, rtab: pa.Table, ptab: pa.Table) -> None:
        """Stage one batch as two Parquet files, rows numbered (``seq``) in the order they came."""
        base = self._seq
        self._seq += rtab.num_rows
        k = len(self._files_i)
        rtab = rtab.append_column("seq", pa.array(range(base, base + rtab.num_rows), pa.int64()))
        ptab = pa.table({"seq": pc.add(ptab["rn"], base), "identity_id": ptab["identity_id"], "role": ptab["role"]})
        fi = str(self._tmp.path / f"i{k:06d}.parquet")
        fp = str(self._tmp.path / f"p{k:06d}.parquet")
        pq.write_table(rtab, fi, **_PARQUET)
        pq.write_table(ptab, fp, **_PARQUET)
        self._files_i.append(fi)
        self._files_p.append(fp)
        _failpoint("batch_written", len(self._files_i), lambda: self._error is not None)

    def merge_stage(self) -> None:
        """Inside the store's transaction: add the staged interactions the store does not have yet.

        Each id keeps its first occurrence (lowest ``seq``) and that occurrence's participants.
        """
        if not self._files_i:
            return
        con = self.con
        files = {"i": self._files_i}
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE _first AS SELECT {self._id_sql} AS id, min(seq) AS seq "
            "FROM read_parquet($i) GROUP BY ALL", files)
        con.execute(
            "CREATE OR REPLACE TEMP TABLE _new AS SELECT f.id, f.seq FROM _first f "
            "WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.id = f.id)"
        )
        con.execute(f"INSERT INTO interaction_sources SELECT id, {int(self.sid)}::INTEGER FROM _first")
        total, new = con.execute("SELECT (SELECT count(*) FROM _first), (SELECT count(*) FROM _new)").fetchall()[0]
        self.present = total - new
        renames = self.thread_renames
        if renames:  # threads the importer found to be one after yielding their rows
            con.register("_b_t", pa.table({"old": _array(list(renames), pa.string()),
                                            "new": _array(list(renames.values()), pa.string())}))
        try:
            con.execute(
                f"""INSERT INTO interactions
                SELECT n.id, {int(self.sid)}::INTEGER, '{self.fmt}', s.native_id, s.channel, s.kind, s.ts, s.actor_id,
                       s.visibility, {"coalesce(t.new, s.thread_id)" if renames else "s.thread_id"},
                       CASE WHEN s.reply_native IS NOT NULL AND s.reply_native <> '' THEN {self._reply_sql} END,
                       s.text, length(s.text)::INTEGER, s.duration_s
                FROM read_parquet($i) s JOIN _new n ON n.seq = s.seq
                {"LEFT JOIN _b_t t ON t.old = s.thread_id" if renames else ""}""",
                files,
            )
        finally:
            if renames:
                con.unregister("_b_t")
        # DISTINCT: the same person twice in one record with the same role is one row; set-wise, on the
        # database's threads, rather than a check of each record in Python (2026-12: 0.65 us a meeting)
        con.execute(
            "INSERT INTO interaction_participants SELECT DISTINCT n.id, p.identity_id, p.role "
            "FROM read_parquet($p) p JOIN _new n ON n.seq = p.seq",
            {"p": self._files_p},
        )
        con.execute("DROP TABLE _first")
        con.execute("DROP TABLE _new")

    def finish(self) -> None:
        """Inside the store's transaction: staged interactions, identities, links, owners, errors."""
        self.merge_stage()
        con = self.con
        if self.idents:
            ids = list(self.idents)
            rows = list(self.idents.values())
            tab = pa.table(
                {
                    "id": pa.array(ids, pa.int64()),
                    "channel": pa.array([r[0] for r in rows], pa.string()),
                    "kind": pa.array([r[1] for r in rows], pa.string()),
                    "value": pa.array([r[2] for r in rows], pa.string()),
                    "name": pa.array([r[3] for r in rows], pa.string()),
                }
            )
            con.register("_b_id", tab)
            try:
                con.execute(
                    "UPDATE identities SET display_name = b.name FROM _b_id b "
                    "WHERE identities.id = b.id AND b.name IS NOT NULL AND identities.display_name IS DISTINCT FROM b.name"
                )
                con.execute(
                    "INSERT INTO identities SELECT b.id, b.channel, b.kind, b.value, b.name, b.id, ? FROM _b_id b "
                    "WHERE NOT EXISTS (SELECT 1 FROM identities i WHERE i.id = b.id)",
                    [self.sid],
                )
                con.execute("INSERT INTO identity_sources SELECT id, ? FROM _b_id", [self.sid])
            finally:
                con.unregister("_b_id")
        if self.links:
            links = list(dict.fromkeys(self.links))
            con.register("_b_l", pa.table({
                "a": pa.array([x[0] for x in links], pa.int64()),
                "b": pa.array([x[1] for x in links], pa.int64()),
                "reason": pa.array([x[2] for x in links], pa.string()),
                "confidence": pa.array([x[3] for x in links], pa.float64()),
            }))
            try:
                con.execute(
                    "INSERT INTO identity_links SELECT n.a, n.b, n.reason, n.confidence, ? FROM _b_l n "
                    "WHERE NOT EXISTS (SELECT 1 FROM identity_links l WHERE l.a = n.a AND l.b = n.b AND l.reason = n.reason)",
                    [self.sid],
                )
            finally:
                con.unregister("_b_l")
        for iid, (ident, evidence) in self.selves.items():
            con.execute(
                "INSERT INTO me SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM me WHERE identity_id = ?)",
                [iid, ident.channel, ident.kind, ident.value, f"import:{self.sid}", evidence, iid],
            )
        if self.errors:
            con.register("_b_e", _table(self.errors, _E_SCHEMA))
            try:
                con.execute("INSERT INTO import_errors SELECT ?, location, error, excerpt FROM _b_e", [self.sid])
            finally:
                con.unregister("_b_e")


def load_records(
    store: Store,
    records: Iterable[object],
    *,
    fmt: str,
    path: str,
    fingerprint: str,
    parser_version: str,
    on_error: Callable[[BadRecord], None] | None = None,
    settings: str | None = None,
    replace: int | None = None,
) -> SourceResult:
    """Write ``records`` as one new source, in one transaction. Returns what it did.

    ``settings`` is stored with the source (see :func:`closeknit.store.sources.settings_key`).
    With ``replace``, source ``replace`` is deleted in the same transaction first (its rows are
    replaced by what ``records`` hold now): killed midway, the store keeps the old rows.
    """
    con = store.con
    t0 = time.perf_counter()
    # Bulk loading creates millions of short-lived tuples and no reference cycles worth chasing:
    # the cyclic GC's repeated full scans cost up to a third of the import time, so it is paused
    # for the import and restored after (reference counting still frees everything as usual).
    gc_was_enabled = gc.isenabled()
    gc.disable()
    # an import streams: DuckDB's buffers need not grow with the archive (it spills beyond this)
    con.execute(f"SET memory_limit = '{IMPORT_MEMORY_LIMIT}'")
    w: _Writer | None = None
    in_transaction = False
    forgotten = 0
    try:
        w = _Writer(store, 0, fmt)
        w.start()
        for rec in records:
            if isinstance(rec, Interaction):
                w.add(rec)
            elif isinstance(rec, BadRecord):
                exc = rec.excerpt[:_EXCERPT] if rec.excerpt else None
                w.errors.append((rec.location, rec.message, exc))
                if on_error:
                    on_error(rec)
            elif isinstance(rec, Ident):
                w.ident(rec)
            elif isinstance(rec, IdentityLink):
                w.links.append((w.ident(rec.a), w.ident(rec.b), rec.reason, float(rec.confidence)))
            elif isinstance(rec, SelfIdentity):
                w.selves[w.ident(rec.ident)] = (rec.ident, rec.evidence)
            elif isinstance(rec, ThreadMerge):
                w.thread_renames.update(rec.renames)
            else:
                raise TypeError(f"{fmt} importer yielded {type(rec).__name__}, which is not a record")
        w.flush()
        w._stop_writer()
        # everything the store gets from this source, in one transaction
        con.execute("BEGIN TRANSACTION")
        in_transaction = True
        sid = w.sid = con.execute("SELECT nextval('source_seq')").fetchall()[0][0]
        if replace is not None:
            from closeknit.store.sources import drop_source

            # what the old rows held counts as already present when it comes back
            con.execute("CREATE OR REPLACE TEMP TABLE _was AS SELECT interaction_id AS id FROM interaction_sources "
                        "WHERE source_id = ? UNION SELECT id FROM interactions WHERE source_id = ?", [replace, replace])
            drop_source(con, replace, keep_shared=False)
            store.mark_rewrite()  # what the old rows held must not stay in the file
            _failpoint("replaced", 1)
        w.finish()
        from closeknit.store.sources import keep_forgotten_out

        forgotten = keep_forgotten_out(con, sid)  # a person forgotten on request stays forgotten
        if forgotten:
            store.mark_rewrite()  # their bytes must not stay in the file
        added = con.execute("SELECT count(*) FROM interactions WHERE source_id = ?", [sid]).fetchall()[0][0]
        if replace is not None:
            back = con.execute("SELECT count(*) FROM interactions WHERE source_id = ? AND id IN (SELECT id FROM _was)",
                               [sid]).fetchall()[0][0]
            con.execute("DROP TABLE _was")
            added -= back
            w.present += back
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sid, fmt, path, fingerprint, parser_version, datetime.now(timezone.utc), added + w.present, added,
             w.present, len(w.errors), len(w.idents), settings],
        )
        resolve_people(con)
        con.execute("COMMIT")
        in_transaction = False
    except BaseException:
        if w is not None:
            w.abort()
        if in_transaction:
            con.execute("ROLLBACK")
        raise
    finally:
        if w is not None:
            w.close_stage()
        if gc_was_enabled:
            gc.enable()
        con.execute("RESET memory_limit")
    if replace is not None or forgotten:
        store.rewrite()  # the replaced or forgotten rows' bytes must not stay in the file
    return SourceResult(
        path=path,
        format=fmt,
        source_id=sid,
        added=added,
        present=w.present,
        errors=len(w.errors),
        identities=len(w.idents),
        seconds=time.perf_counter() - t0,
        error_samples=[f"{loc}: {err}" for loc, err, _ in w.errors[:5]],
        forgotten=forgotten,
    )


def import_tree(
    store: Store,
    tree: InputTree,
    importer: Importer,
    *,
    force: bool = False,
    on_error: Callable[[BadRecord], None] | None = None,
    label: str | None = None,
    replace: int | None = None,
) -> SourceResult:
    """Import ``tree`` with ``importer`` into ``store``.

    A file already imported with the same parser version is skipped (its interactions are
    reported as already present) unless ``force`` is set; re-reading it would add nothing.
    ``replace`` names a source whose rows this import replaces (closeknit sources refresh).
    ``label`` is the path stored for the source (default: the tree's path; a part of a zip found
    by :func:`closeknit.ingest.discover.discover` passes its display path).
    """
    from closeknit.store.sources import settings_key

    fp = tree.fingerprint()
    path = label or str(tree.path.resolve())
    settings = settings_key(store.con, importer)
    if replace is None:
        # the same file imported before: unchanged (skipped), or read again in place of the old
        # rows when the importer or the settings that change its meaning changed since (or --force)
        row = store.con.execute(
            "SELECT id, n_records, parser_version, settings FROM sources WHERE format = ? AND fingerprint = ? "
            "ORDER BY id DESC LIMIT 1",
            [importer.name, fp],
        ).fetchone()
        if row:
            if not force and row[2] == importer.version and (row[3] is None or row[3] == settings):
                return SourceResult(path=path, format=importer.name, source_id=row[0], present=row[1], skipped=True)
            replace = row[0]
    ctx: ImportContext = load_context(store.con, without_source=replace)
    records = importer.read(tree, ctx)
    try:
        return load_records(
            store,
            records,
            fmt=importer.name,
            path=path,
            fingerprint=fp,
            parser_version=importer.version,
            on_error=on_error,
            settings=settings,
            replace=replace,
        )
    finally:
        # An import that fails or is stopped (Ctrl-C) ends its importer here, and with it the importer's
        # worker processes. Left to the interpreter's exit (the error's traceback keeps the reader alive),
        # multiprocessing's finalizer ended a pool that was still sending results, and that can hang for good:
        # CI saw an interrupted mbox import that never exited (2026-12-07).
        close = getattr(records, "close", None)
        if close is not None:
            close()
