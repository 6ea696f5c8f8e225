"""Helpers shared by the Meta, LinkedIn, Mastodon and Telegram importers (not an importer).

* :class:`JsonCursor` - walks a JSON document of any size with bounded memory: the caller
  descends into the objects and arrays it cares about and decodes each item with the C
  scanner of :mod:`json` (``raw_decode``), which is several times faster than an
  event-per-token parser such as ijson's and keeps only the current item in memory.
  Optionally repairs ``\\xNN`` escapes (Telegram Desktop writes them; they are not JSON).
* :func:`fix_mojibake` - Meta's "Download Your Information" JSON writes every UTF-8 byte as
  its own ``\\u00XX`` escape; this turns ``"t\\u00c3\\u00a6nkt"`` back into ``"tænkt"``.
* :func:`utc_ms`, :func:`utc_s` - epoch numbers to aware UTC datetimes without strptime.
"""

from __future__ import annotations

import codecs
import io
import json
import re
from collections.abc import Collection, Iterator
from datetime import datetime, timezone
from typing import Any, BinaryIO

import orjson

from closeknit.core.files import MAX_RECORD_BYTES, too_big
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import BadRecord

__all__ = ["JsonCursor", "JsonStreamError", "JsonItemTooBig", "MAX_DOCUMENT_BYTES", "JsonDocumentTooBig", "load_bounded",
           "read_document", "fix_mojibake", "repair_x_escapes", "utc_ms", "utc_s", "Seq", "bad"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_UTC = timezone.utc
_fromts = datetime.fromtimestamp
_WS = re.compile(r"[ \t\n\r]*")
_HEX = frozenset("0123456789abcdefABCDEF")
# stepping over a value too big to decode: the text up to the next character that matters
_SKIP_OUT = re.compile(r'[^"\[\]{}]*')
_SKIP_STR = re.compile(r'[^"\\]*')
_SKIP_SCALAR = re.compile(r"[^,\]}\s]*")


def utc_ms(ms: int | float) -> datetime:
    """Milliseconds since the epoch to an aware UTC datetime.

    >>> utc_ms(1620119347772).isoformat()
    '2021-05-04T09:09:07.772000+00:00'
    """
    return _fromts(ms / 1000, _UTC)


def utc_s(s: int | float | str) -> datetime:
    """Seconds since the epoch (number or numeric string) to an aware UTC datetime."""
    return _fromts(float(s), _UTC)


def fix_mojibake(s: str) -> str:
    """Undo Meta's byte-per-escape encoding; strings that are already right come back as they are.

    >>> fix_mojibake("t\\u00c3\\u00a6nkt"), fix_mojibake("tænkt"), fix_mojibake("plain")
    ('tænkt', 'tænkt', 'plain')
    """
    if s.isascii():
        return s
    try:
        return s.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def repair_x_escapes(text: str) -> str:
    r"""Turn the ``\xNN`` escapes Telegram Desktop writes into JSON's ``\u00NN``.

    >>> repair_x_escapes(r'"a\x01b" "\\x41"')
    '"a\\u0001b" "\\\\x41"'
    """
    i = text.find("\\x")
    if i < 0:
        return text
    out = []
    last = 0
    n = len(text)
    while i >= 0:
        j = i
        while j > 0 and text[j - 1] == "\\":
            j -= 1
        if (i - j) % 2 == 0 and i + 3 < n and text[i + 2] in _HEX and text[i + 3] in _HEX:
            out.append(text[last:i])
            out.append("\\u00")
            last = i + 2
        i = text.find("\\x", i + 2)
    out.append(text[last:])
    return "".join(out)


_HEXB = frozenset(b"0123456789abcdefABCDEF")


def _repair_x_bytes(data: bytes) -> bytes:
    """:func:`repair_x_escapes` on UTF-8 bytes (the same escapes; ``bytes.find`` is much faster)."""
    i = data.find(b"\\x")
    if i < 0:
        return data
    out = []
    last = 0
    n = len(data)
    while i >= 0:
        j = i
        while j > 0 and data[j - 1] == 92:
            j -= 1
        if (i - j) % 2 == 0 and i + 3 < n and data[i + 2] in _HEXB and data[i + 3] in _HEXB:
            out.append(data[last:i])
            out.append(b"\\u00")
            last = i + 2
        i = data.find(b"\\x", i + 2)
    out.append(data[last:])
    return b"".join(out)


class JsonStreamError(ValueError):
    """The document is not JSON where the cursor stands (``pos`` is a character offset)."""


class JsonItemTooBig(JsonStreamError):
    """The value at the cursor was over ``MAX_RECORD_BYTES`` (``size`` characters): it was stepped
    over without being decoded, and the cursor stands after it (reading can go on)."""

    def __init__(self, message: str, size: int) -> None:
        super().__init__(message)
        self.size = size


class JsonCursor:
    """A forward-only reader over a JSON document in a binary stream.

    Use :meth:`object` to iterate the keys of the object at the cursor (consume each value
    with :meth:`value`, :meth:`skip`, :meth:`object` or :meth:`array` before the next key) and
    :meth:`array` likewise for the elements of an array.

    >>> import io
    >>> c = JsonCursor(io.BytesIO(b'{"a": 1, "items": [{"x": 1}, {"x": 2}]}'))
    >>> out = []
    >>> for key in c.object():
    ...     if key == "items":
    ...         out += [c.value() for _ in c.array()]
    ...     else:
    ...         _ = c.skip()
    >>> out
    [{'x': 1}, {'x': 2}]
    """

    def __init__(self, stream: BinaryIO | io.RawIOBase, *, repair_x: bool = False, chunk: int = 1 << 20) -> None:
        self._stream = stream
        self._dec = codecs.getincrementaldecoder("utf-8")("replace")
        self._repair = repair_x
        self._chunk = chunk
        self._carry = b""  # bytes of a possibly cut \xNN escape kept back for the repair
        self.buf = ""
        self.pos = 0
        self.eof = False
        self._base = 0  # characters dropped from the front of buf so far
        self._first = True
        self._scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]  # raw_decode without its Python frame

    # -- buffer
    def _refill(self) -> bool:
        if self.eof:
            return False
        raw = self._stream.read(self._chunk)
        if not raw:
            self.eof = True
            data, self._carry = self._carry, b""
            if self._repair:
                data = _repair_x_bytes(data)
            text = self._dec.decode(data, final=True)
        else:
            if self._repair:
                # keep back a possibly incomplete escape (and the backslash run before it); the
                # repair works on the bytes: an ASCII "\\xNN" never sits inside a UTF-8 sequence
                data = self._carry + raw if self._carry else raw
                cut = len(data)
                back = data.rfind(b"\\", max(0, cut - 4))
                if back >= 0:
                    cut = back
                    while cut > 0 and data[cut - 1] == 92:
                        cut -= 1
                    data, self._carry = data[:cut], data[cut:]
                else:
                    self._carry = b""
                raw = _repair_x_bytes(data)
            text = self._dec.decode(raw)
        if self._first and text:
            text = text.lstrip("\ufeff")
            self._first = False
        if self.pos > (1 << 20) and self.pos > len(self.buf) // 2:
            self._base += self.pos
            self.buf = self.buf[self.pos :]
            self.pos = 0
        self.buf += text
        return True

    def _peek(self) -> str:
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()  # type: ignore[union-attr]  # matches the empty string
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._refill():
                return ""

    @property
    def offset(self) -> int:
        """Character offset of the cursor in the document (for error locations)."""
        return self._base + self.pos

    def _fail(self, what: str) -> JsonStreamError:
        return JsonStreamError(f"character {self.offset:,}: {what}")

    # -- reading
    def value(self) -> Any:
        """Decode the whole value at the cursor and step over it."""
        buf, pos = self.buf, self.pos
        if pos >= len(buf) or buf[pos] in " \t\n\r":
            if not self._peek():
                raise self._fail("unexpected end of document")
        while True:
            try:
                val, end = self._scan(self.buf, self.pos)
            except (json.JSONDecodeError, StopIteration) as e:
                over = len(self.buf) - self.pos > MAX_RECORD_BYTES
                if self.eof or over:
                    msg = e.msg if isinstance(e, json.JSONDecodeError) else "Expecting value"
                    fail = self._fail(f"not JSON ({msg})")
                    if over:
                        start, size = self.offset, self._skip_value()
                        if size is not None and size > MAX_RECORD_BYTES:
                            raise JsonItemTooBig(f"character {start:,}: {too_big('one item', size, 'characters')}",
                                                 size) from None
                    raise fail from None
                self._refill()
                continue
            if end >= len(self.buf) and not self.eof:
                # a number could be cut short at the end of the buffer: read on and redo
                self._refill()
                continue
            if end - self.pos > MAX_RECORD_BYTES:  # decoded with at most one chunk more than the limit
                start, size, self.pos = self.offset, end - self.pos, end
                raise JsonItemTooBig(f"character {start:,}: {too_big('one item', size, 'characters')}", size)
            self.pos = end
            return val

    skip = value

    def _skip_value(self) -> int | None:
        """Step over the value at the cursor without decoding it (only strings and brackets are
        followed; memory stays bounded): its length in characters, or None when the document ends
        first. Called when more than the limit is buffered after the cursor and the value could
        not be decoded: a value shorter than that is not JSON, and it is not stepped over (the
        cursor stays, the length is returned)."""
        start = self.offset
        buf, i = self.buf, self.pos
        depth = 0
        in_str = False
        scalar = buf[i] not in '"[{'
        while True:
            n = len(buf)
            while i < n:
                if scalar:
                    i = _SKIP_SCALAR.match(buf, i).end()  # type: ignore[union-attr]  # matches the empty string
                    if i < n:
                        return self._skipped_to(i, start)
                elif in_str:
                    i = _SKIP_STR.match(buf, i).end()  # type: ignore[union-attr]
                    if i >= n:
                        break
                    if buf[i] == "\\":
                        if i + 1 >= n:
                            break  # the escaped character is in the next chunk
                        i += 2
                        continue
                    in_str = False
                    i += 1
                    if not depth:
                        return self._skipped_to(i, start)
                else:
                    c = buf[i]
                    i += 1
                    if c == '"':
                        in_str = True
                    elif c in "[{":
                        depth += 1
                    elif c in "]}":
                        depth -= 1
                        if depth <= 0:
                            return self._skipped_to(i, start)
                    else:
                        i = _SKIP_OUT.match(buf, i).end()  # type: ignore[union-attr]
            # the value runs past the buffer, which holds more than the limit: it is over the
            # limit, and what was stepped over can go (the refill drops it)
            self.pos = i
            if not self._refill():
                return None
            buf, i = self.buf, self.pos

    def _skipped_to(self, i: int, start: int) -> int:
        size = self._base + i - start
        if size > MAX_RECORD_BYTES:
            self.pos = i
        return size

    def kind(self) -> str:
        """``"{"``, ``"["``, or another first character of the value at the cursor."""
        return self._peek()

    def object(self) -> Iterator[str]:
        """Iterate the keys of the object at the cursor; the caller consumes each value."""
        if self._peek() != "{":
            raise self._fail("expected an object")
        self.pos += 1
        first = True
        while True:
            c = self._peek()
            if c == "}":
                self.pos += 1
                return
            if not first:
                if c != ",":
                    raise self._fail("expected ',' or '}'")
                self.pos += 1
                c = self._peek()
            first = False
            if c != '"':
                raise self._fail("expected a key")
            key = self.value()
            if self._peek() != ":":
                raise self._fail("expected ':'")
            self.pos += 1
            yield key

    def array(self) -> Iterator[int]:
        """Iterate the elements of the array at the cursor (yields their index); the caller consumes each."""
        if self._peek() != "[":
            raise self._fail("expected an array")
        self.pos += 1
        i = 0
        while True:
            c = self._peek()
            if c == "]":
                self.pos += 1
                return
            if i:
                if c != ",":
                    raise self._fail("expected ',' or ']'")
                self.pos += 1
                if self._peek() == "]":  # tolerate a trailing comma
                    self.pos += 1
                    return
            elif c == "":
                raise self._fail("unexpected end of document")
            yield i
            i += 1


#: The most of one JSON document (a Messenger thread file, a profile, a friends list) held in
#: memory at once, in bytes (read whole) or characters (kept from the arrays read item by item).
#: Meta splits a thread into files of at most 10,000 messages: a real ``message_N.json`` is a few
#: MB (10,000 messages of 500 bytes: 5 MB), so 64 MiB is over ten times the biggest we expect, and
#: its Python objects (several times the JSON) stay within the import's memory budget.
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024


class JsonDocumentTooBig(JsonStreamError):
    """What a document keeps is over :data:`MAX_DOCUMENT_BYTES`: it was not read."""


class _Chained:
    """``head`` (already read), then the rest of ``stream``."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head, self._stream = io.BytesIO(head), stream

    def read(self, n: int = -1) -> bytes:
        return self._head.read(n) or self._stream.read(n)


def read_document(tree: InputTree, member: str, lists: Collection[str] = ()) -> Any:
    """The JSON document of ``member`` (:func:`load_bounded`, decoded by orjson). Whatever makes it
    unreadable (not JSON, bad UTF-8, over the size limit, a read error) is a :class:`ValueError`
    or :class:`OSError` whose message says what, for the caller to report against ``member``."""
    with tree.open(member) as f:
        return load_bounded(f, lists, loads=orjson.loads)


def load_bounded(stream: BinaryIO, lists: Collection[str] = (), *, loads: Any = json.loads) -> Any:
    """The JSON document in ``stream``, with memory bounded.

    Up to :data:`MAX_DOCUMENT_BYTES` it is read whole and decoded by ``loads`` (``orjson.loads``:
    the fast path). A bigger document must be an object whose big part is the arrays under the
    keys ``lists`` (``messages``): it is read key by key with :class:`JsonCursor`, those arrays
    item by item, an item over :data:`~closeknit.core.files.MAX_RECORD_BYTES` stepped over and
    replaced by its :class:`JsonItemTooBig` (the caller reports it at its index); when what is kept
    passes ``MAX_DOCUMENT_BYTES`` characters, :class:`JsonDocumentTooBig`. Other decoding errors are
    :class:`JsonStreamError` (or whatever ``loads`` raises).
    """
    head = stream.read(MAX_DOCUMENT_BYTES + 1)
    if len(head) <= MAX_DOCUMENT_BYTES:
        return loads(head)
    cur = JsonCursor(_Chained(head, stream))  # type: ignore[arg-type]
    del head
    over = JsonDocumentTooBig(f"the file is over {MAX_DOCUMENT_BYTES >> 20} MiB, the limit of one file of this kind "
                              f"read at once: skipped (real exports split their data into smaller files; check where it comes from)")
    if not lists or cur.kind() != "{":
        raise over
    doc: dict[str, Any] = {}
    kept = 0
    for key in cur.object():
        if key in lists and cur.kind() == "[":
            items: list[Any] = []
            for _ in cur.array():
                at = cur.offset
                try:
                    items.append(cur.value())
                except JsonItemTooBig as e:
                    items.append(e)
                    continue
                kept += cur.offset - at
                if kept > MAX_DOCUMENT_BYTES:
                    raise over
            doc[key] = items
        else:
            at = cur.offset
            try:
                doc[key] = cur.value()
            except JsonItemTooBig:
                raise over from None
            kept += cur.offset - at
            if kept > MAX_DOCUMENT_BYTES:
                raise over
    if cur.kind():
        raise cur._fail("more after the end of the document")
    return doc


class Seq:
    """Ordinal of identical keys, so two identical records stay two but keep stable ids."""

    __slots__ = ("seen",)

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, key: str) -> str:
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        return key if n == 0 else f"{key}#{n}"

    def clear(self) -> None:
        self.seen.clear()


def bad(location: str, message: str, excerpt: object = None) -> BadRecord:
    """A :class:`BadRecord` with a short excerpt of whatever ``excerpt`` is."""
    ex = None if excerpt is None else (excerpt if isinstance(excerpt, str) else repr(excerpt))[:200]
    return BadRecord(location, message, ex)
