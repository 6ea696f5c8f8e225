"""Scoring text files: .txt (one text per line), .csv / .tsv with a header, or standard input.

The contract of ``closeknit score``:

* **columns**: every input column, in input order, then the scores :data:`COLUMNS`
  (``intimacy``, ``disclosure``, ``confidence``: numbers 0..1 with 4 decimals; ``lang``: ISO 639-1
  or empty; ``is_question``, ``personal_question``: ``true``/``false``). A .txt input has one
  column, ``text``.
* **rows**: one output row per input row, in input order.
* **format**: CSV (a .tsv input comes back as .tsv, its delimiter kept).
* **bytes**: a .csv/.tsv row comes back byte for byte (quotes, line ending, a carriage return or
  a line break inside a quoted field, a byte-order mark), with the scores appended before its line
  ending; a row shorter than the header gets its missing fields as empty ones first. A .txt line
  comes back as the ``text`` field (quoted where CSV needs it), its line ending (``\\n`` or
  ``\\r\\n``) removed.
* **bad input**: a missing column, a binary file, a file that is not UTF-8 (e.g. Latin-1), an
  empty input, a row with more fields than the header, a header that already has a score column:
  an :class:`~closeknit.core.errors.InputError` with one line saying what to do.

Input is read and written in chunks of :data:`CHUNK` rows, so memory stays bounded however long
the file; nothing is written before the first chunk has been read and scored.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from closeknit.core.errors import InputError
from closeknit.core.files import require_regular
from closeknit.language.scorer import OUTPUTS

__all__ = ["score_file", "input_format", "CHUNK", "COLUMNS", "FORMATS"]

CHUNK = 8192
#: The columns appended to every input row (the scorer's outputs, in its order).
COLUMNS = OUTPUTS
#: Input formats: ``txt`` (one text per line), ``csv``, ``tsv`` (a header line, then rows).
FORMATS = ("txt", "csv", "tsv")
_SNIFF = 8192  # bytes looked at for a NUL (a binary file)


def _name(src: str) -> str:
    return "standard input" if src == "-" else src


def _open_text(src: str, newline: str) -> TextIO:
    if src == "-":
        buf = sys.stdin.buffer
        head = buf.peek(_SNIFF)[:_SNIFF] if hasattr(buf, "peek") else b""
        _refuse_binary(src, head)
        return io.TextIOWrapper(buf, encoding="utf-8", errors="strict", newline=newline)
    p = Path(src)
    if not p.exists():
        raise InputError(f"cannot read {src}: no such file")
    if p.is_dir():
        raise InputError(f"cannot read {src}: it is a folder, not a file")
    require_regular(p)  # /dev/zero or a FIFO would never end
    try:
        with open(p, "rb") as raw:
            _refuse_binary(src, raw.read(_SNIFF))
        return open(p, encoding="utf-8", errors="strict", newline=newline)
    except OSError as e:
        raise InputError(f"cannot read {src}: {e.strerror or e}") from None


def _refuse_binary(src: str, head: bytes) -> None:
    if b"\x00" in head:
        raise InputError(f"{_name(src)} is a binary file, not text: give a .txt, .csv or .tsv file saved as UTF-8")


def _decode_error(src: str, e: UnicodeDecodeError) -> InputError:
    return InputError(f"{_name(src)} is not UTF-8 text (byte 0x{e.object[e.start]:02x} cannot be decoded; "
                      f"Latin-1 or Windows-1252?); save it as UTF-8 and retry")


class _Recorder:
    """Lines of ``f`` (with their line endings) as the CSV reader takes them; :meth:`take` gives
    back the raw text of the record just read."""

    def __init__(self, f: TextIO, src: str):
        self.f, self.src = f, src
        self.buf: list[str] = []

    def __iter__(self) -> _Recorder:
        return self

    def __next__(self) -> str:
        line = next(self.f)
        if "\x00" in line:
            _refuse_binary(self.src, b"\x00")
        self.buf.append(line)
        return line

    def take(self) -> str:
        s = "".join(self.buf)
        self.buf = []
        return s


def _split_ending(raw: str) -> tuple[str, str]:
    for end in ("\r\n", "\n", "\r"):
        if raw.endswith(end):
            return raw[: -len(end)], end
    return raw, ""


def _field(s: str) -> str:
    """``s`` as one CSV field: quoted when it holds a comma, a quote or a line break (\\r too)."""
    if any(c in s for c in ',"\r\n'):
        return '"' + s.replace('"', '""') + '"'
    return s


def _values(a: dict, n: int) -> list[list[str]]:
    """The score columns of ``n`` texts as CSV field strings."""
    out = []
    for i in range(n):
        row = []
        for c in COLUMNS:
            v = a[c][i]
            if c in ("intimacy", "disclosure", "confidence"):
                row.append(f"{float(v):.4f}")
            elif c in ("is_question", "personal_question"):
                row.append("true" if v else "false")
            else:
                row.append("" if v is None else str(v))
        out.append(row)
    return out


def input_format(src: str, fmt: str | None = None) -> str:
    """The format ``src`` is read in: ``fmt`` when given, else from the suffix (.csv, .tsv; anything
    else, and standard input, is .txt)."""
    if fmt:
        if fmt not in FORMATS:
            raise InputError(f"unknown input format {fmt!r} (choose from {', '.join(FORMATS)})")
        return fmt
    suffix = Path(src).suffix.lower() if src != "-" else ""
    return {".csv": "csv", ".tsv": "tsv"}.get(suffix, "txt")


def score_file(src: str, out: TextIO, *, text_column: str = "text", scorer=None, chunk: int = CHUNK,
               fmt: str | None = None) -> int:
    """Score ``src`` (a path, or ``-`` for standard input) and write CSV to ``out`` (see the module
    docstring for the contract); returns the number of rows scored."""
    if scorer is None:
        from closeknit.language.scorer import default_scorer

        scorer = default_scorer()
    fmt = input_format(src, fmt)
    f = _open_text(src, newline="" if fmt != "txt" else "\n")
    try:
        try:
            records = _csv_records(f, src, fmt, text_column) if fmt != "txt" else _txt_records(f, src)
            n = 0
            buf: list[tuple[str, str, str]] = []
            for rec in records:
                buf.append(rec)
                if len(buf) >= chunk:
                    n += _flush(buf, out, scorer, "\t" if fmt == "tsv" else ",")
                    buf = []
            if buf:
                n += _flush(buf, out, scorer, "\t" if fmt == "tsv" else ",")
            return n
        except UnicodeDecodeError as e:
            raise _decode_error(src, e) from None
        except csv.Error as e:
            raise InputError(f"{_name(src)} is not a readable {fmt} file: {e}") from None
    finally:
        if src != "-":
            f.close()


# A record is (text to score, the row as it will be written without the scores, line ending).
# The header is one too, with text None.

def _txt_records(f: TextIO, src: str) -> Iterator[tuple]:
    first = True
    for line in f:
        if first:
            first = False
            if line.startswith("\ufeff"):
                line = line[1:]
            yield None, "text" + "," + ",".join(COLUMNS), "\n"
        if "\x00" in line:
            _refuse_binary(src, b"\x00")
        text = line[:-2] if line.endswith("\r\n") else line[:-1] if line.endswith("\n") else line
        yield text, _field(text), "\n"
    if first:
        raise InputError(f"{_name(src)} is empty: expected one text per line")


def _csv_records(f: TextIO, src: str, fmt: str, text_column: str) -> Iterator[tuple]:
    delim = "\t" if fmt == "tsv" else ","
    lines = _Recorder(f, src)
    reader = csv.reader(lines, delimiter=delim)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{_name(src)} is empty: expected a header line with a {text_column!r} column") from None
    raw, end = _split_ending(lines.take())
    names = [header[0].lstrip("\ufeff"), *header[1:]] if header else []
    if text_column not in names:
        shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
        raise InputError(f"{_name(src)} has no column {text_column!r} (columns: {shown}); choose one with --text-column")
    taken = [c for c in COLUMNS if c in names]
    if taken:
        raise InputError(f"{_name(src)} already has a column {taken[0]!r} (scored before?): score the original file, "
                         f"or rename that column")
    col, width = names.index(text_column), len(names)
    yield None, raw + delim + delim.join(COLUMNS), end or "\n"
    n_rows = 0
    for row in reader:
        raw, end = _split_ending(lines.take())
        n_rows += 1
        if len(row) > width:
            raise InputError(f"{_name(src)}: row {n_rows} has {len(row)} fields, the header {width}; "
                             f"quote the fields that hold a {'tab' if delim == chr(9) else 'comma'}")
        text = row[col] if col < len(row) else ""
        yield text, raw + delim * (width - max(len(row), 1)), end
    if n_rows == 0:
        raise InputError(f"{_name(src)} has a header but no rows to score")


def _flush(buf: list[tuple], out: TextIO, scorer, delim: str) -> int:
    texts = [t for t, _, _ in buf if t is not None]
    vals = iter(_values(scorer.score_arrays(texts), len(texts)))
    parts = []
    for text, raw, end in buf:
        parts.append(raw + end if text is None else raw + delim + delim.join(next(vals)) + end)
    out.write("".join(parts))
    return len(texts)
