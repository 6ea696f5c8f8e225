"""Importing paths: find the exports in each path and import each, one source per transaction.

The one function behind :meth:`closeknit.api.Closeknit.import_`, ``closeknit import`` and the
demo. A path may be one export or hold several (a Downloads folder, a zip of zips): see
:func:`closeknit.ingest.discover.discover`; each part not read gets a row saying why
(``not_read``). A path where nothing can be read at all (missing, no export found, hostile) is
reported in its row (``error``) and the next path is imported; nothing of it is written.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ContextManager

from closeknit.core.errors import CloseknitError, UnknownFormatError
from closeknit.ingest import get_importer
from closeknit.ingest.discover import discover
from closeknit.store.db import Store
from closeknit.store.load import SourceResult, import_tree

__all__ = ["import_paths", "result_row"]


@contextlib.contextmanager
def _silent(_description: str, _total: int | None) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None


def result_row(r: SourceResult) -> dict[str, Any]:
    """One import's outcome as a row (ids as strings, as everywhere in the API)."""
    return {"path": r.path, "format": r.format, "source_id": None if r.source_id is None else str(r.source_id),
            "added": r.added, "already_present": r.present, "unreadable": r.errors, "identities": r.identities,
            "seconds": round(r.seconds, 3), "skipped": r.skipped, "error": None, "error_samples": list(r.error_samples),
            "not_read": None, "forgotten": r.forgotten}


def _row(path: str, fmt: str | None, *, error: str | None = None, not_read: str | None = None) -> dict[str, Any]:
    return {"path": path, "format": fmt, "source_id": None, "added": 0, "already_present": 0, "unreadable": 0,
            "identities": 0, "seconds": 0.0, "skipped": False, "error": error, "error_samples": [],
            "not_read": not_read, "forgotten": 0}


def import_paths(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    force: bool = False,
    progress: Callable[[str, int | None], ContextManager[Callable[[int], None]]] | None = None,
) -> list[dict[str, Any]]:
    """Import every export found in ``paths`` into ``store``: one row per export (:func:`result_row`),
    one per part not read (``not_read`` says why), and one with ``error`` set for a path that
    could not be imported at all. ``progress(description, total_bytes)`` is a context manager
    giving ``advance(n_bytes)``. With ``fmt``, only exports of that format are read, and a path
    holding none is an error."""
    progress = progress or _silent
    rows: list[dict[str, Any]] = []
    for path in paths:
        try:
            if fmt:
                get_importer(fmt)  # an unknown name is an error before anything is read
            with discover(os.fspath(path), only=fmt) as found:
                if not found.found:
                    why = "; ".join(f"{s.label}: {s.reason}" for s in found.skipped[:3])
                    what = f"no {fmt} export" if fmt else "no export closeknit can read"
                    raise UnknownFormatError(f"{path}: {what} found ({why})" if why else f"{path}: {what} found")
                rows += [_row(s.label, None, not_read=s.reason) for s in found.skipped]
                for f in found.found:
                    tree = f.tree
                    with progress(f"{f.importer.name}: {tree.path.name}", tree.total_size or None) as advance:
                        tree.tick = advance
                        rows.append(result_row(import_tree(store, tree, f.importer, force=force, label=f.label)))
        except CloseknitError as e:
            rows.append(_row(str(path), fmt, error=str(e)))
    return rows
