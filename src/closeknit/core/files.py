"""What closeknit agrees to read and write: regular files (and folders of them), never an output
that is one of its own inputs.

``/dev/zero`` never ends, a FIFO may never deliver, a device or a socket is not an export: each is
refused with a one-line error before a byte is read, so no input can hang an import or grow it
without bound. Standard input (``-``) is the one stream commands accept on purpose.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from closeknit.core.errors import InputError, UsageError

__all__ = ["require_regular", "refuse_overwriting_inputs", "MAX_RECORD_BYTES", "RecordTooBig", "too_big"]

#: The most one record (a tweet, a message, an e-mail, a comment, a contact card) or one of its
#: fields may take, in bytes: beyond it the record is reported as unreadable and skipped. The
#: longest real record we know of, an e-mail with attachments inline, stays far below. Every
#: reader that holds one record in memory checks it here (docs/limits.md lists where).
MAX_RECORD_BYTES = 16 * 1024 * 1024


def too_big(what: str, size: int | None = None, unit: str = "bytes") -> str:
    """The one message for a record over :data:`MAX_RECORD_BYTES`: which, how big, the limit, what
    to do. ``size`` is None when reading stopped before the record's end was found.

    >>> too_big("tweet 2", 1_073_741_824)
    'tweet 2 is 1,073,741,824 bytes, over the limit of 16 MiB for one record: skipped, the rest is read (no real export has records this big: check where the file comes from)'
    """
    how = f"is {size:,} {unit}" if size is not None else "runs past the end of the file"
    return (f"{what} {how}, over the limit of {MAX_RECORD_BYTES >> 20} MiB for one record: skipped, the rest is read "
            "(no real export has records this big: check where the file comes from)")


class RecordTooBig(InputError):
    """One record over :data:`MAX_RECORD_BYTES`, already skipped by the reader that yields this:
    ``line`` (or None) is where it starts, ``size`` its size in bytes (None: to the end of the file)."""

    def __init__(self, what: str, size: int | None, line: int | None = None, unit: str = "bytes") -> None:
        super().__init__(too_big(what, size, unit))
        self.size = size
        self.line = line

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def require_regular(path: str | os.PathLike[str], *, folder_ok: bool = False, what: str = "input") -> Path:
    """``path`` if it is a regular file (or, with ``folder_ok``, a folder); else :class:`InputError`.

    >>> require_regular("/dev/zero")
    Traceback (most recent call last):
    ...
    closeknit.core.errors.InputError: /dev/zero: a character device, not a file; give closeknit a regular file (an export, a CSV, a text file)
    """
    p = Path(path).expanduser()
    try:
        st = p.stat()  # follows a symlink: what matters is what would be read
    except FileNotFoundError:
        raise InputError(f"{p}: no such file or folder") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read it ({e.strerror or e})") from None
    if stat.S_ISREG(st.st_mode) or (folder_ok and stat.S_ISDIR(st.st_mode)):
        return p
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{p}: a folder, not a file; give the {what} file itself")
    kind = next((name for test, name in _KINDS if test(st.st_mode)), "not a regular file")
    raise InputError(f"{p}: {kind}, not a file; give closeknit a regular file (an export, a CSV, a text file)")


def refuse_overwriting_inputs(output: str | os.PathLike[str], *inputs: str | os.PathLike[str] | None) -> None:
    """:class:`UsageError` if ``output`` is one of ``inputs`` (``score X.csv -o X.csv`` would empty X.csv
    before reading it)."""
    out = Path(output).expanduser()
    if not out.exists():
        return
    for i in inputs:
        if i is None or str(i) == "-":
            continue
        try:
            same = os.path.samefile(out, Path(i).expanduser())
        except OSError:
            continue
        if same:
            raise UsageError(f"{out} is also an input: writing it would destroy what is being read; choose another -o")
