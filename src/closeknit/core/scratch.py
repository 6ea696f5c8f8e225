"""Scratch folders for imports, and the sweep that removes the ones a killed import left behind.

An import stages its batches (and some importers their set-wise work) in a private folder under
the system temp folder. A normal exit, an exception or Ctrl-C deletes it; ``kill -9`` cannot, so
each folder names its owner in ``owner.pid`` and the next import deletes folders whose owner is
gone. The store never depends on these folders: they only hold work that was never committed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path

from closeknit.core.private import owner_only

#: Every scratch folder's name starts with this.
SCRATCH_PREFIX = "closeknit-import-"
#: A folder without ``owner.pid`` (being created right now, or left by an older version) is only
#: swept when it is older than this.
_ORPHAN_AGE_S = 86_400


class ScratchDir(tempfile.TemporaryDirectory):
    """A ``TemporaryDirectory`` that records its owner's pid, so a later sweep knows when it is stale."""

    def __init__(self) -> None:
        owner_only()  # the folder is 0700 (mkdtemp); what is written in it is 0600 too
        super().__init__(prefix=SCRATCH_PREFIX)
        (Path(self.name) / "owner.pid").write_text(str(os.getpid()), encoding="ascii")

    @property
    def path(self) -> Path:
        return Path(self.name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    except OSError:  # platforms where signal 0 is not a probe: never guess "dead"
        return True
    return True


def sweep_stale_scratch(tmp_root: Path | None = None) -> int:
    """Delete scratch folders whose owning process is gone; returns how many were removed."""
    removed = 0
    for d in Path(tmp_root or tempfile.gettempdir()).glob(SCRATCH_PREFIX + "*"):
        try:
            if d.is_symlink() or not d.is_dir():
                continue
            pidf = d / "owner.pid"
            if pidf.exists():
                pid = int(pidf.read_text(encoding="ascii").strip() or "0")
                stale = pid <= 0 or (pid != os.getpid() and not _alive(pid))
            else:
                stale = time.time() - d.stat().st_mtime > _ORPHAN_AGE_S
        except (OSError, ValueError):
            continue
        if stale:
            shutil.rmtree(d, ignore_errors=True)
            removed += 1
    return removed
