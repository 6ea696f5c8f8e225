"""Writing what an importer yields into the store: one source, one transaction.

Records are gathered into column batches and moved into DuckDB as Arrow tables, so the cost per
record is a few appends in Python and the database does the rest set-wise: drop what the store
already has (an anti-join on the stable id), insert the rest, attach participants of the new
interactions. Everything for a source happens inside one transaction: an interrupted import
(an exception, Ctrl-C, ``kill -9``) leaves the store exactly as it was.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pyarrow as pa

from closeknit.core.ids import stable_id
from closeknit.ingest.base import ImportContext, Importer
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import BadRecord, Ident, IdentityLink, Interaction, SelfIdentity
from closeknit.store.db import Store
from closeknit.store.people import load_context, resolve_people

__all__ = ["SourceResult", "load_records", "import_tree", "BATCH_ROWS"]

BATCH_ROWS = 100_000
_EXCERPT = 200

_I_SCHEMA = pa.schema(
    [
        ("id", pa.int64()),
        ("source_id", pa.int32()),
        ("format", pa.string()),
        ("native_id", pa.string()),
        ("channel", pa.string()),
        ("kind", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("actor_id", pa.int64()),
        ("visibility", pa.string()),
        ("thread_id", pa.string()),
        ("reply_to", pa.int64()),
        ("text", pa.string()),
        ("text_len", pa.int32()),
        ("duration_s", pa.float64()),
    ]
)
_P_SCHEMA = pa.schema([("interaction_id", pa.int64()), ("identity_id", pa.int64()), ("role", pa.string())])


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

    @property
    def records(self) -> int:
        return self.added + self.present


class _Batch:
    __slots__ = ("cols", "p_i", "p_id", "p_role")

    def __init__(self) -> None:
        self.cols: list[list] = [[] for _ in _I_SCHEMA]
        self.p_i: list[int] = []
        self.p_id: list[int] = []
        self.p_role: list[str] = []

    def __len__(self) -> int:
        return len(self.cols[0])


class _Writer:
    def __init__(self, store: Store, source_id: int, fmt: str) -> None:
        self.con = store.con
        self.sid = source_id
        self.fmt = fmt
        self.batch = _Batch()
        self.idents: dict[int, list] = {}
        self.links: list[tuple[int, int, str, float]] = []
        self.selves: dict[int, tuple[Ident, str]] = {}
        self.errors: list[tuple[str, str, str | None]] = []
        self.present = 0

    def ident(self, ident: Ident) -> int:
        iid = ident.id
        row = self.idents.get(iid)
        if row is None:
            self.idents[iid] = [ident.channel, ident.kind, ident.value, ident.name]
        elif ident.name and row[3] != ident.name:
            row[3] = ident.name  # the latest name seen wins
        return iid

    def add(self, rec: Interaction) -> None:
        b = self.batch
        c = b.cols
        iid = stable_id(self.fmt, rec.native_id)
        ts = rec.ts
        if ts is not None and ts.tzinfo is None:
            raise ValueError(f"{self.fmt} importer yielded a naive timestamp for {rec.native_id!r}")
        text = rec.text
        c[0].append(iid)
        c[1].append(self.sid)
        c[2].append(self.fmt)
        c[3].append(rec.native_id)
        c[4].append(rec.channel)
        c[5].append(rec.kind)
        c[6].append(ts)
        c[7].append(self.ident(rec.actor) if rec.actor is not None else None)
        c[8].append(rec.visibility)
        c[9].append(rec.thread)
        c[10].append(stable_id(self.fmt, rec.reply_to) if rec.reply_to else None)
        c[11].append(text)
        c[12].append(len(text) if text is not None else None)
        c[13].append(rec.duration_s)
        for ident, role in rec.participants:
            b.p_i.append(iid)
            b.p_id.append(self.ident(ident))
            b.p_role.append(role)
        if len(c[0]) >= BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        b = self.batch
        if not len(b):
            return
        itab = pa.Table.from_arrays([pa.array(col, type=f.type) for col, f in zip(b.cols, _I_SCHEMA)], schema=_I_SCHEMA)
        ptab = pa.Table.from_arrays(
            [pa.array(b.p_i, pa.int64()), pa.array(b.p_id, pa.int64()), pa.array(b.p_role, pa.string())], schema=_P_SCHEMA
        )
        con = self.con
        con.register("_b_i", itab)
        con.register("_b_p", ptab)
        try:
            self.present += con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT id FROM _b_i) b "
                "WHERE EXISTS (SELECT 1 FROM interactions i WHERE i.id = b.id AND i.source_id <> ?)",
                [self.sid],
            ).fetchall()[0][0]
            con.execute(
                "CREATE OR REPLACE TEMP TABLE _new AS "
                "SELECT * FROM _b_i b WHERE NOT EXISTS (SELECT 1 FROM interactions i WHERE i.id = b.id) "
                "QUALIFY row_number() OVER (PARTITION BY b.id) = 1"
            )
            con.execute("INSERT INTO interactions SELECT * FROM _new")
            con.execute(
                "INSERT INTO interaction_participants "
                "SELECT DISTINCT p.interaction_id, p.identity_id, p.role FROM _b_p p "
                "WHERE p.interaction_id IN (SELECT id FROM _new)"
            )
            con.execute("DROP TABLE _new")
        finally:
            con.unregister("_b_i")
            con.unregister("_b_p")
        self.batch = _Batch()

    def finish(self) -> None:
        self.flush()
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
            finally:
                con.unregister("_b_id")
        if self.links:
            con.executemany(
                "INSERT INTO identity_links SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
                "(SELECT 1 FROM identity_links WHERE a = ? AND b = ? AND reason = ?)",
                [(a, b, r, c, self.sid, a, b, r) for a, b, r, c in dict.fromkeys(self.links)],
            )
        for iid, (ident, evidence) in self.selves.items():
            con.execute(
                "INSERT INTO me SELECT ?, ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM me WHERE identity_id = ?)",
                [iid, ident.channel, ident.kind, ident.value, f"import:{self.sid}", evidence, iid],
            )
        if self.errors:
            con.executemany(
                "INSERT INTO import_errors VALUES (?, ?, ?, ?)",
                [(self.sid, loc, err, exc) for loc, err, exc in self.errors],
            )


def load_records(
    store: Store,
    records: Iterable[object],
    *,
    fmt: str,
    path: str,
    fingerprint: str,
    parser_version: str,
    on_error: Callable[[BadRecord], None] | None = None,
) -> SourceResult:
    """Write ``records`` as one new source, in one transaction. Returns what it did."""
    con = store.con
    t0 = time.perf_counter()
    con.execute("BEGIN TRANSACTION")
    try:
        sid = con.execute("SELECT nextval('source_seq')").fetchall()[0][0]
        w = _Writer(store, sid, fmt)
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
            else:
                raise TypeError(f"{fmt} importer yielded {type(rec).__name__}, which is not a record")
        w.finish()
        added = con.execute("SELECT count(*) FROM interactions WHERE source_id = ?", [sid]).fetchall()[0][0]
        con.execute(
            "INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [sid, fmt, path, fingerprint, parser_version, datetime.now(timezone.utc), added + w.present, added,
             w.present, len(w.errors), len(w.idents)],
        )
        resolve_people(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
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
    )


def import_tree(
    store: Store,
    tree: InputTree,
    importer: Importer,
    *,
    force: bool = False,
    on_error: Callable[[BadRecord], None] | None = None,
) -> SourceResult:
    """Import ``tree`` with ``importer`` into ``store``.

    A file already imported with the same parser version is skipped (its interactions are
    reported as already present) unless ``force`` is set; re-reading it would add nothing.
    """
    fp = tree.fingerprint()
    path = str(tree.path.resolve())
    if not force:
        row = store.con.execute(
            "SELECT id, n_records FROM sources WHERE format = ? AND fingerprint = ? AND parser_version = ? "
            "ORDER BY id DESC LIMIT 1",
            [importer.name, fp, importer.version],
        ).fetchall()
        row = row[0] if row else None
        if row:
            return SourceResult(path=path, format=importer.name, source_id=row[0], present=row[1], skipped=True)
    ctx: ImportContext = load_context(store.con)
    return load_records(
        store,
        importer.read(tree, ctx),
        fmt=importer.name,
        path=path,
        fingerprint=fp,
        parser_version=importer.version,
        on_error=on_error,
    )
