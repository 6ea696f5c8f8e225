"""Importing paths: detect each path's format and import it, one source per transaction.

The one function behind :meth:`closeknit.api.Closeknit.import_`, ``closeknit import`` and the
demo. A path that cannot be imported at all (missing, unknown format, hostile) is reported in its
row (``error``) and the next path is imported; nothing of it is written.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any, ContextManager

from closeknit.core.errors import CloseknitError
from closeknit.ingest import detect_format, get_importer, open_tree
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
            "seconds": round(r.seconds, 3), "skipped": r.skipped, "error": None, "error_samples": list(r.error_samples)}


def import_paths(
    store: Store,
    paths: Sequence[str | os.PathLike[str]],
    *,
    fmt: str | None = None,
    force: bool = False,
    progress: Callable[[str, int | None], ContextManager[Callable[[int], None]]] | None = None,
) -> list[dict[str, Any]]:
    """Import each of ``paths`` into ``store``; one row per path (:func:`result_row`, or a row
    with ``error`` set when the path could not be imported at all). ``progress(description,
    total_bytes)`` is a context manager giving ``advance(n_bytes)``."""
    progress = progress or _silent
    rows: list[dict[str, Any]] = []
    for path in paths:
        try:
            tree = open_tree(path)
            importer = get_importer(fmt) if fmt else detect_format(tree)
            with progress(f"{importer.name}: {tree.path.name}", tree.total_size or None) as advance:
                tree.tick = advance
                rows.append(result_row(import_tree(store, tree, importer, force=force)))
        except CloseknitError as e:
            rows.append({"path": str(path), "format": fmt, "source_id": None, "added": 0, "already_present": 0,
                         "unreadable": 0, "identities": 0, "seconds": 0.0, "skipped": False, "error": str(e),
                         "error_samples": []})
    return rows
