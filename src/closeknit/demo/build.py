"""Build the demo: simulate the life, write the exports, import them into a fresh demo store.

The exports go through the same importers as a user's own files
(:func:`closeknit.store.imports.import_paths`, the function behind ``closeknit import``), so the
demo store is exactly what ``closeknit import`` would make of those files; then every text is
scored, as any measure would first do. The user's identities
are registered first, as ``closeknit me add`` would, for the formats that cannot tell who the
archive belongs to (WhatsApp, SMS, calls, calendar).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from closeknit.core.config import default_db_path
from closeknit.core.errors import UsageError
from closeknit.demo.life import Life, known, simulate
from closeknit.demo.writers import Export
from closeknit.demo.writers import ical, linkedin, mbox, messenger, smsbackup, twitter, vcard, whatsapp, wordpress
from closeknit.ingest import Ident, importers
from closeknit.store import Store
from closeknit.store.imports import import_paths
from closeknit.store.me import add_me

__all__ = ["WRITERS", "DemoResult", "write_exports", "user_identities", "register_me", "build_demo"]

#: Writers in import order: the address book first, then the archives.
WRITERS: tuple[Callable[[Life, Path], list[Export]], ...] = (
    vcard.write, twitter.write, mbox.write, whatsapp.write, messenger.write, linkedin.write, smsbackup.write, ical.write,
    wordpress.write,
)


@dataclass
class DemoResult:
    seed: int
    store: Path
    out: Path
    life: Life
    exports: list[Export]
    results: list[dict] = field(default_factory=list)  # rows of import_paths, one per imported export
    failures: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[Export] = field(default_factory=list)  # formats without an importer yet
    seconds_simulate: float = 0.0
    seconds_write: float = 0.0
    seconds_import: float = 0.0
    seconds_score: float = 0.0
    scored: int = 0


def write_exports(life: Life, out: Path) -> list[Export]:
    """Write every export of ``life`` under ``out``; returns them in import order."""
    out.mkdir(parents=True, exist_ok=True)
    exports: list[Export] = []
    for w in WRITERS:
        exports += w(life, out)
    return exports


def user_identities(life: Life) -> list[Ident]:
    """The user's identities as ``closeknit me add`` would register them."""
    from closeknit.core.normalize import normalize_email, normalize_handle, normalize_phone

    u = life.user
    return [
        Ident("email", "email", known(normalize_email(u.email or ""), "email address for the user")),
        Ident("phone", "phone", known(normalize_phone(u.phone or ""), "phone number for the user")),
        Ident("twitter", "handle", normalize_handle(known(u.x_handle, "X handle for the user"))),
        Ident("twitter", "account_id", known(u.x_id, "X account id for the user")),
        Ident("whatsapp", "name", whatsapp.WHATSAPP_NAME),
        Ident("messenger", "name", u.name),
        Ident("linkedin", "name", u.name),
    ]


def register_me(store: Store, idents: list[Ident]) -> None:
    """Add ``idents`` to the store's ``me`` table, as ``closeknit me add`` does."""
    add_me(store.con, idents, "closeknit demo")


def _is_demo_store(db: Path) -> bool:
    """True when ``db`` is absent, empty, or was made by the demo (never wipe anything else)."""
    if not db.exists():
        return True
    try:
        with Store(db, read_only=True) as st:
            marked = st.con.execute("SELECT count(*) FROM meta WHERE key = 'demo'").fetchall()[0][0]
            return bool(marked) or st.count("interactions") == 0
    except Exception:
        return db.stat().st_size == 0


def _check_store(db: Path) -> None:
    db = db.expanduser()
    if db.resolve() == default_db_path().resolve():
        raise UsageError(f"{db} is the main store; the demo only writes to a store of its own (use --db)")
    if not _is_demo_store(db):
        raise UsageError(f"{db} holds data that the demo did not make; choose another store with --db")


def _fresh_store(db: Path, seed: int) -> Store:
    db = db.expanduser()
    _check_store(db)
    for p in (db, db.with_name(db.name + ".wal")):
        if p.exists():
            p.unlink()
    st = Store(db)
    st.con.execute("INSERT INTO meta VALUES ('demo', ?)", [str(seed)])
    return st


def build_demo(
    db: str | Path,
    out: str | Path | None = None,
    *,
    seed: int = 7,
    warn: Callable[[str], None] | None = None,
    progress=None,
    score: bool = True,
) -> DemoResult:
    """Simulate, write the exports to ``out`` (default: ``demo-exports`` beside ``db``), recreate
    the store at ``db``, import every export whose importer is registered, and (with ``score``)
    score every text with the current intimacy model. ``progress`` as in
    :func:`closeknit.store.imports.import_paths`."""
    db = Path(db)
    out = None if out is None else Path(out)
    _check_store(db)  # before any work: never wipe a store the demo did not make
    out = out or db.expanduser().parent / "demo-exports"
    t0 = time.perf_counter()
    life = simulate(seed)
    t1 = time.perf_counter()
    exports = write_exports(life, out)
    t2 = time.perf_counter()
    res = DemoResult(seed, db, out, life, exports, seconds_simulate=t1 - t0, seconds_write=t2 - t1)
    known = importers()
    with _fresh_store(db, seed) as store:
        register_me(store, user_identities(life))
        for ex in exports:
            if ex.format not in known:
                res.skipped.append(ex)
                continue
            for row in import_paths(store, [ex.path], progress=progress):
                if row["error"] or row["not_read"]:  # every demo file is an export: a part not read is a failure
                    res.failures.append((row["path"], row["error"] or f"not read: {row['not_read']}"))
                else:
                    res.results.append(row)
        res.seconds_import = time.perf_counter() - t2
        if score:
            from closeknit.language.scorer import default_scorer
            from closeknit.language.store import score_store

            t3 = time.perf_counter()
            res.scored = score_store(store, default_scorer())
            res.seconds_score = time.perf_counter() - t3
    if warn:
        for fmt in sorted({ex.format for ex in res.skipped}):
            n = sum(1 for ex in res.skipped if ex.format == fmt)
            warn(f"no importer for format {fmt!r} yet: skipped {n} export file(s)")
    return res
