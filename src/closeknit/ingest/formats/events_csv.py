"""Generic interaction logs: how researchers bring their own data.

* ``events`` - a CSV (or TSV) file with a header containing at least ``src,dst,ts`` and
  optionally ``text,channel,kind,visibility,thread``. ``ts`` is Unix seconds (integer or
  fractional) or ISO 8601 (a time without an offset is taken as UTC).
* ``edges`` - whitespace-separated ``src dst t`` lines without a header (SNAP temporal
  networks such as email-Eu-core-temporal); ``t`` in seconds from any origin.

``src``/``dst`` are opaque ids on the ``channel`` column's channel (default ``events``); they
become ``account_id`` identities. A row's native id is its content hash plus its ordinal among
identical rows, so re-importing the file adds nothing and the same event listed twice is kept
twice (repeated events are real in these logs).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timezone

from closeknit.core.ids import content_id
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import InputTree, iter_lines
from closeknit.ingest.records import KINDS, VISIBILITIES, BadRecord, Ident, Interaction, Record

__all__ = ["EventsCsvImporter", "EdgesImporter", "parse_ts"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_NUM = re.compile(r"^-?\d+(\.\d+)?$")
_EDGE_LINE = re.compile(rb"^\s*\S+\s+\S+\s+-?\d+(\.\d+)?\s*$")


def parse_ts(value: str) -> datetime:
    """Unix seconds or ISO 8601 to an aware UTC datetime.

    >>> parse_ts("86400").isoformat()
    '1970-01-02T00:00:00+00:00'
    >>> parse_ts("2024-05-01T12:00:00+02:00").isoformat()
    '2024-05-01T10:00:00+00:00'
    """
    v = value.strip()
    if _NUM.match(v):
        return datetime.fromtimestamp(float(v), timezone.utc)
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    dt = datetime.fromisoformat(v)
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def _only_member(tree: InputTree) -> str | None:
    names = tree.names()
    return names[0] if len(names) == 1 else None


class _Seq:
    """Ordinal of identical rows, so duplicates stay distinct but stable."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, key: str) -> str:
        n = self.seen.get(key, 0)
        self.seen[key] = n + 1
        return key if n == 0 else f"{key}#{n}"


@register
class EventsCsvImporter(Importer):
    name = "events"
    channel = "events"
    version = "1"
    description = "CSV/TSV interaction log with a src,dst,ts header (+ optional text,channel,kind,visibility,thread)"

    def detect(self, tree: InputTree) -> int:
        m = _only_member(tree)
        if m is None or not m.lower().endswith((".csv", ".tsv", ".txt")):
            return 0
        head = tree.head(m, 4096).decode("utf-8", "replace").lstrip("\ufeff")
        first = head.splitlines()[0] if head else ""
        cols = {c.strip().lower() for c in re.split(r"[,\t]", first)}
        return 8 if {"src", "dst", "ts"} <= cols else 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        member = tree.names()[0]
        with tree.open(member) as raw:
            lines = iter_lines(raw)
            header = next(lines, "")
            delim = "\t" if header.count("\t") > header.count(",") else ","
            reader = csv.reader(lines, delimiter=delim)
            cols = [c.strip().lower() for c in next(csv.reader(io.StringIO(header), delimiter=delim), [])]
            missing = {"src", "dst", "ts"} - set(cols)
            if missing:
                yield BadRecord("line 1", f"header lacks {', '.join(sorted(missing))}; expected src,dst,ts[,text,...]", header)
                return
            ix = {c: i for i, c in enumerate(cols)}
            isrc, idst, its = ix["src"], ix["dst"], ix["ts"]
            opt = {k: ix.get(k) for k in ("text", "channel", "kind", "visibility", "thread")}
            seq = _Seq()
            n = len(cols)
            for lineno, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) < n:
                    yield BadRecord(f"{member} line {lineno}", f"{len(row)} fields, expected {n}", delim.join(row))
                    continue
                try:
                    ts = parse_ts(row[its])
                except (ValueError, OverflowError, OSError):
                    yield BadRecord(f"{member} line {lineno}", f"unreadable timestamp {row[its]!r}", delim.join(row))
                    continue
                src, dst = row[isrc].strip(), row[idst].strip()
                if not src or not dst:
                    yield BadRecord(f"{member} line {lineno}", "empty src or dst", delim.join(row))
                    continue
                get = lambda k: (row[opt[k]] if opt[k] is not None and row[opt[k]] != "" else None)  # noqa: E731
                channel = get("channel") or "events"
                kind = (get("kind") or "message").lower()
                if kind not in KINDS:
                    yield BadRecord(f"{member} line {lineno}", f"unknown kind {kind!r}", delim.join(row))
                    continue
                vis = (get("visibility") or "private").lower()
                if vis not in VISIBILITIES:
                    yield BadRecord(f"{member} line {lineno}", f"unknown visibility {vis!r}", delim.join(row))
                    continue
                text = get("text")
                key = content_id(src, dst, row[its], channel, kind, text)
                yield Interaction(
                    native_id=seq(key),
                    kind=kind,
                    channel=channel,
                    ts=ts,
                    actor=Ident(channel, "account_id", src),
                    participants=((Ident(channel, "account_id", dst), "recipient"),),
                    visibility=vis,
                    thread=get("thread"),
                    text=text,
                )


@register
class EdgesImporter(Importer):
    name = "edges"
    channel = "events"
    version = "1"
    description = "whitespace-separated 'src dst t' lines without a header (SNAP temporal networks)"

    def detect(self, tree: InputTree) -> int:
        m = _only_member(tree)
        if m is None:
            return 0
        lines = [ln for ln in tree.head(m, 4096).splitlines()[:20] if ln.strip()]
        if len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut off by the 4 KiB head
        return 5 if lines and all(_EDGE_LINE.match(ln) for ln in lines) else 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        member = tree.names()[0]
        seq = _Seq()
        idents: dict[str, Ident] = {}
        with tree.open(member) as raw:
            for lineno, line in enumerate(iter_lines(raw), start=1):
                parts = line.split()
                if not parts or parts[0].startswith(("#", "%")):
                    continue
                if len(parts) < 3:
                    yield BadRecord(f"{member} line {lineno}", "expected 'src dst t'", line.strip())
                    continue
                src, dst, t = parts[0], parts[1], parts[2]
                try:
                    ts = _EPOCH.fromtimestamp(float(t), timezone.utc)
                except (ValueError, OverflowError, OSError):
                    yield BadRecord(f"{member} line {lineno}", f"unreadable time {t!r}", line.strip())
                    continue
                a = idents.get(src) or idents.setdefault(src, Ident("events", "account_id", src))
                b = idents.get(dst) or idents.setdefault(dst, Ident("events", "account_id", dst))
                yield Interaction(
                    native_id=seq(f"{src} {dst} {t}"),
                    kind="message",
                    channel="events",
                    ts=ts,
                    actor=a,
                    participants=((b, "recipient"),),
                )
