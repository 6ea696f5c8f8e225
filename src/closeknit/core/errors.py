"""One error hierarchy for the whole library.

Every error says what happened and how to fix it; the CLI prints ``str(err)`` as one line and
exits with ``err.exit_code``.
"""

from __future__ import annotations

__all__ = [
    "CloseknitError",
    "UsageError",
    "UnknownFormatError",
    "UnsafeInputError",
    "InputError",
    "StoreError",
    "NotFoundError",
]


class CloseknitError(Exception):
    """Base class: a problem the user can act on."""

    exit_code = 1


class UsageError(CloseknitError):
    """The command was called in a way that cannot work."""

    exit_code = 2


class InputError(CloseknitError):
    """An input file could not be read at all (missing, wrong encoding, not the format)."""


class UnknownFormatError(InputError):
    """No importer recognises the input."""


class UnsafeInputError(InputError):
    """The input is hostile or beyond sane limits (zip bomb, path traversal, entity expansion)."""


class StoreError(CloseknitError):
    """The store cannot be opened or written."""


class NotFoundError(CloseknitError):
    """A person, identity or source named by the user does not exist."""
