"""Scoring text files: .txt (one text per line), .csv / .tsv with a header, or standard input.

The output is CSV with every input column kept, rows in input order, plus ``intimacy`` and
``confidence`` (numbers with 4 decimals). Input is read and written in chunks, so memory stays
bounded however long the file.
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

__all__ = ["score_file", "CHUNK"]

CHUNK = 8192
OUT_COLUMNS = ("intimacy", "confidence")


def _open_text(src: str) -> TextIO:
    if src == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8-sig", errors="strict", newline="")
    p = Path(src)
    if not p.exists():
        raise InputError(f"cannot read {src}: no such file")
    if p.is_dir():
        raise InputError(f"cannot read {src}: it is a folder, not a file")
    require_regular(p)  # /dev/zero or a FIFO would never end
    try:
        return open(p, encoding="utf-8-sig", errors="strict", newline="")
    except OSError as e:
        raise InputError(f"cannot read {src}: {e.strerror or e}") from None


def _decode_error(src: str, e: UnicodeDecodeError) -> InputError:
    return InputError(f"{'standard input' if src == '-' else src} is not UTF-8 text "
                      f"(byte 0x{e.object[e.start]:02x} cannot be decoded); save it as UTF-8 and retry")


def _lines(f: TextIO) -> Iterator[list[str]]:
    for line in f:
        yield [line.rstrip("\r\n")]


def score_file(src: str, out: TextIO, *, text_column: str = "text", scorer=None, chunk: int = CHUNK) -> int:
    """Score ``src`` (path or ``-``) and write CSV to ``out``; returns the number of rows."""
    if scorer is None:
        from closeknit.language.scorer import default_scorer

        scorer = default_scorer()
    suffix = Path(src).suffix.lower() if src != "-" else ""
    f = _open_text(src)
    try:
        try:
            if suffix in (".csv", ".tsv"):
                reader = csv.reader(f, delimiter="\t" if suffix == ".tsv" else ",")
                try:
                    header = next(reader)
                except StopIteration:
                    raise InputError(f"{src} is empty: expected a header line with a {text_column!r} column") from None
                if text_column not in header:
                    shown = ", ".join(header[:8]) + (", …" if len(header) > 8 else "")
                    raise InputError(f"{src} has no column {text_column!r} (columns: {shown}); choose one with --text-column")
                col = header.index(text_column)
                rows: Iterator[list[str]] = reader
            else:
                header, col, rows = ["text"], 0, _lines(f)
            keep = [i for i, h in enumerate(header) if h not in OUT_COLUMNS]
            w = csv.writer(out, lineterminator="\n")
            w.writerow([header[i] for i in keep] + list(OUT_COLUMNS))
            n = 0
            buf: list[list[str]] = []
            for row in rows:
                buf.append(row)
                if len(buf) >= chunk:
                    n += _flush(buf, w, scorer, col, keep, len(header))
                    buf = []
            if buf:
                n += _flush(buf, w, scorer, col, keep, len(header))
            return n
        except UnicodeDecodeError as e:
            raise _decode_error(src, e) from None
        except csv.Error as e:
            raise InputError(f"{src} is not a readable {suffix[1:] or 'text'} file: {e}") from None
    finally:
        if src != "-":
            f.close()


def _flush(buf, w, scorer, col, keep, width) -> int:
    texts = [r[col] if col < len(r) else "" for r in buf]
    a = scorer.score_arrays(texts)
    inti, conf = a["intimacy"], a["confidence"]
    for r, x, c in zip(buf, inti.tolist(), conf.tolist()):
        if len(r) < width:
            r = r + [""] * (width - len(r))
        w.writerow([r[i] for i in keep] + [f"{x:.4f}", f"{c:.4f}"])
    return len(buf)
