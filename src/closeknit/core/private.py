"""Owner-only files: everything closeknit creates is readable by its owner alone.

The store holds the most private data people have. Files are created with the process umask, and
DuckDB creates its write-ahead log and spill files itself, so closeknit tightens the umask of its
own process to owner-only (``0o077``: files 0600, folders 0700) before it creates anything: the
CLI does so first thing, and so does opening a :class:`closeknit.store.Store` or a scratch folder
from Python. It only ever removes permissions from the umask, never adds any.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["owner_only", "make_private"]

_PRIVATE_UMASK = 0o077


def owner_only() -> None:
    """Make every file this process creates from now on owner-only (umask |= 0o077)."""
    old = os.umask(_PRIVATE_UMASK)
    os.umask(old | _PRIVATE_UMASK)


def make_private(path: Path) -> None:
    """Take group and other permissions off ``path`` if it is ours and has any (older stores were
    created 0644); anything that cannot be changed is left as it is."""
    try:
        st = path.stat()
        if st.st_mode & 0o077 and st.st_uid == os.getuid():
            path.chmod(st.st_mode & 0o700)
    except OSError:
        pass
