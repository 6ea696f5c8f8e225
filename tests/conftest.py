"""Shared test fixtures.

Real export samples and datasets live in ``../shared/data`` beside the repository (never copied
into it). Tests that need them use the ``shared`` fixture, which skips with a clear reason when
the folder is absent (CI always has it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from closeknit.ingest import detect_format, get_importer, open_tree
from closeknit.store import Store
from closeknit.store.load import SourceResult, import_tree

REPO = Path(__file__).resolve().parents[1]
# Commands that change the store keep the measures of its new revision (seconds each): the tests of
# that (tests/present/test_kept.py) turn it on; elsewhere it would only slow the suite down.
os.environ.setdefault("CLOSEKNIT_KEEP_MEASURES", "0")
SHARED = Path(os.environ.get("CLOSEKNIT_SHARED", REPO.parent / "shared"))
DATA = SHARED / "data"


@pytest.fixture
def shared() -> Path:
    """``../shared/data``; skips the test when it is absent."""
    if not DATA.is_dir():
        pytest.skip(f"shared data folder not found at {DATA} (set CLOSEKNIT_SHARED)")
    return DATA


@pytest.fixture(scope="session")
def demo_built(tmp_path_factory):
    """The demo life (seed 7) built once a session through the library (a ``DemoResult``): building
    it takes tens of seconds. Nothing writes to it: each user takes its own copy (:func:`copy_demo`)."""
    from closeknit.demo.build import build_demo

    base = tmp_path_factory.mktemp("demo-built")
    res = build_demo(base / "demo.duckdb", base / "exports", seed=7)
    assert not res.failures, res.failures
    return res


def copy_demo(demo_built, folder: Path) -> Path:
    """A copy of the built demo store in ``folder`` (the same file a fresh build gives)."""
    import shutil

    folder.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(demo_built.store, folder / "demo.duckdb"))


@pytest.fixture
def store(tmp_path) -> Iterator[Store]:
    st = Store(tmp_path / "store.duckdb")
    yield st
    st.close()


@pytest.fixture
def import_path(store):
    """``import_path(path, fmt=None, force=False) -> SourceResult`` into the test store."""

    def _do(path, fmt: str | None = None, force: bool = False) -> SourceResult:
        tree = open_tree(path)
        importer = get_importer(fmt) if fmt else detect_format(tree)
        return import_tree(store, tree, importer, force=force)

    return _do


#: SQL giving an interaction's actor as "channel:kind:value" (use inside a SELECT on interactions).
ACTOR_SQL = "(SELECT channel || ':' || kind || ':' || value FROM identities d WHERE d.id = actor_id)"
#: (native_id, "channel:kind:value") of every recipient, ordered by native id.
RECIPIENTS_SQL = (
    "SELECT i.native_id, d.channel || ':' || d.kind || ':' || d.value FROM interaction_participants p "
    "JOIN interactions i ON i.id = p.interaction_id JOIN identities d ON d.id = p.identity_id "
    "WHERE p.role = 'recipient' ORDER BY 1"
)


def rows(store: Store, sql: str, params=None) -> list[tuple]:
    return store.con.execute(sql, params or []).fetchall()


def stored(path, db, fmt: str) -> tuple:
    """Import ``path`` as ``fmt`` into a new store at ``db``; what the store then holds, comparable
    with ``==``: interactions (with their actor), recipients, identities (with display names),
    import errors, identity links."""
    st = Store(db)
    try:
        import_tree(st, open_tree(path), get_importer(fmt))
        return (
            rows(st, "SELECT native_id, kind, channel, ts, visibility, thread_id, reply_to, text, "
                     f"{ACTOR_SQL} FROM interactions ORDER BY native_id"),
            rows(st, RECIPIENTS_SQL),
            rows(st, "SELECT channel, kind, value, display_name FROM identities ORDER BY ALL"),
            rows(st, "SELECT location, error, excerpt FROM import_errors ORDER BY ALL"),
            rows(st, "SELECT a, b, reason, confidence FROM identity_links ORDER BY ALL"),
        )
    finally:
        st.close()


def read_records(path, fmt: str) -> list:
    """What importer ``fmt`` yields for ``path``, comparable with ``==``: errors as their fields."""
    from closeknit.ingest.records import BadRecord
    from closeknit.store.people import load_context

    out: list[object] = []
    for r in get_importer(fmt).read(open_tree(path), load_context(Store(":memory:").con)):
        if isinstance(r, BadRecord):
            out.append(("bad", r.location, r.message, r.excerpt))
        else:
            out.append(r)
    return out
