"""What the terminal gets from data: no control character ever reaches it raw.

A sender's name, a message or a file name can hold escape sequences (``ESC [ 2 J`` clears the
screen, OSC 8 writes links, OSC 52 writes the clipboard) and rich markup (``[blink]``). Every
place that shows data on a terminal passes it through :func:`clean` (plain text: tables, error
lines) or :func:`markup` (text inside a rich markup string). JSON output needs neither: JSON
escapes control characters itself; CSV is cleaned only when it goes to a terminal.
"""

from __future__ import annotations

import re
from typing import Any

from rich.markup import escape

__all__ = ["clean", "markup"]

# C0 controls but tab and newline, DEL, C1 controls (0x9b is a one-byte CSI on some terminals),
# and the bidirectional overrides and isolates that make a line read differently than it is.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group())
    return f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}"


def clean(value: Any) -> str:
    r"""``value`` as text with every control character shown as its escape, not sent.

    >>> clean("Lena\x1b[2J Fischer")
    'Lena\\x1b[2J Fischer'
    >>> clean("two\nlines\ttab")
    'two\nlines\ttab'
    """
    s = value if isinstance(value, str) else str(value)
    return _CONTROL.sub(_visible, s)


def markup(value: Any) -> str:
    """:func:`clean`, with rich markup escaped, for data inside a rich markup string.

    >>> markup("[blink]Ada")
    '\\\\[blink]Ada'
    """
    return escape(clean(value))
