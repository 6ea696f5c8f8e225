"""Generic interaction logs: how researchers bring their own data.

* ``events`` - a CSV (or TSV) file with a header containing at least ``src,dst,ts`` and
  optionally ``text,channel,kind,visibility,thread,duration``. ``duration`` is seconds (a number
  >= 0, for calls and meetings; empty when unknown). ``ts`` is Unix seconds (integer or
  fractional) or ISO 8601 (a time without an offset is taken as UTC).
* ``edges`` - ``src dst t`` lines without a header, separated by one space or one tab (SNAP
  temporal networks such as email-Eu-core-temporal); ``t`` in seconds from any origin.

``src``/``dst`` are opaque ids on the ``channel`` column's channel (default ``events``); they
become ``account_id`` identities. A row's native id is a hash of its content plus its ordinal
among identical rows (in file order), so re-importing the file adds nothing, a longer version of
the same log adds only its new rows, and the same event listed twice is kept twice (repeated
events are real in these logs).

These logs run to millions of rows, so they are checked set-wise: pyarrow's CSV reader streams
the member (zip members included) into a private in-memory DuckDB, which validates, hashes and
numbers the rows; the good rows come back in file order as one Interaction each.
"""

from __future__ import annotations

import codecs
import io
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO

import pyarrow as pa
import pyarrow.csv as pacsv

from closeknit.core.duck import connect
from closeknit.core.scratch import ScratchDir
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import InputTree, decode_head, sniff_encoding
from closeknit.ingest.records import KINDS, VISIBILITIES, BadRecord, Ident, Interaction, Record

__all__ = ["EventsCsvImporter", "EdgesImporter", "parse_ts"]

_NUM = re.compile(r"^-?\d+(\.\d+)?$")
_EDGE_LINE = re.compile(rb"^\S+[ \t]\S+[ \t]-?\d+(\.\d+)?\r?$")
_OPTIONAL = ("text", "channel", "kind", "visibility", "thread", "duration")
_CHUNK = 100_000
# Unix seconds beyond this (year 5138) are not seconds: refuse them rather than overflow.
_MAX_SECONDS = 1e11


def parse_ts(value: str) -> datetime:
    """Unix seconds or ISO 8601 to an aware UTC datetime (the rule the importer applies set-wise).

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
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _only_member(tree: InputTree) -> str | None:
    names = tree.names()
    return names[0] if len(names) == 1 else None


def _sql_list(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in sorted(values))


class _Staging:
    """A private in-memory DuckDB that spills to a temporary folder, for one import."""

    def __init__(self) -> None:
        self._tmp = ScratchDir()
        self.con = connect()  # no extension fetched or loaded, no progress bar on stdout
        spill = self._tmp.path / "spill"
        self.con.execute(f"SET temp_directory = '{spill}'")
        # logs of any size: past this the staging tables spill to the temporary folder, which keeps
        # an import's peak memory well under 1 GB (the store's own connection needs its share too)
        self.con.execute("SET memory_limit = '256MB'")
        self.con.execute("SET TimeZone = 'UTC'")

    def close(self) -> None:
        self.con.close()
        self._tmp.cleanup()


def _stream_csv(tree: InputTree, member: str, *, names: list[str] | None, delimiter: str, con, bad: list) -> int:
    """Stream ``member`` into table ``raw`` (rn, <columns as VARCHAR>); returns the row count."""

    def on_invalid(row) -> str:
        # pyarrow knows no row number when values may hold newlines: 0 ("row 0") says so
        bad.append((row.number or 0, f"{row.actual_columns} fields, expected {row.expected_columns}", row.text))
        return "skip"

    # pyarrow reads UTF-8; a row it cannot decode never reaches on_invalid (pyarrow decodes its
    # text first and gives up on the file). So the text is decoded first: an export in another
    # encoding (Windows-1252, UTF-16) is transcoded by pyarrow, and a UTF-8 file with bytes that
    # are not UTF-8 further on is refused at the first of them, naming it.
    encoding = sniff_encoding(tree.head(member, 1 << 16))
    utf8 = encoding in ("utf-8", "utf-8-sig")
    read_opts = pacsv.ReadOptions(block_size=8 << 20, column_names=names, autogenerate_column_names=False,
                                  encoding="utf8" if utf8 else encoding)
    parse_opts = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=names is None, invalid_row_handler=on_invalid)
    n = 0
    created = False
    with tree.open(member) as raw:
        stream = _Utf8Only(raw, member) if utf8 else raw
        try:
            reader = pacsv.open_csv(
                stream,
                read_options=read_opts,
                parse_options=parse_opts,
                convert_options=pacsv.ConvertOptions(column_types=None, strings_can_be_null=False, auto_dict_encode=False),
            )
        except pa.ArrowInvalid as e:
            raise _Unreadable(str(e)) from e
        except UnicodeDecodeError as e:  # a byte Windows-1252 leaves undefined (0x81, 0x8D ...: found by fuzzing)
            raise _not_in(encoding, e) from e
        schema = reader.schema
        try:
            cols = [f.name.strip().lower().lstrip("\ufeff") for f in schema]
        except UnicodeDecodeError as e:  # a header that is not UTF-8 (found by fuzzing)
            raise _Unreadable(f"the header line is not UTF-8 ({e})") from e
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except pa.ArrowInvalid as e:
                raise _Unreadable(str(e)) from e
            except UnicodeDecodeError as e:
                raise _not_in(encoding, e) from e
            tbl = pa.Table.from_batches([batch]).rename_columns(cols)
            try:
                tbl = tbl.cast(pa.schema([(c, pa.string()) for c in cols]))
            except pa.ArrowInvalid as e:  # bytes that are not UTF-8 (found by fuzzing)
                raise _Unreadable(str(e)) from e
            tbl = tbl.append_column("rn", pa.array(range(n, n + tbl.num_rows), pa.int64()))
            con.register("_chunk", tbl)
            if not created:
                con.execute("CREATE TABLE raw AS SELECT * FROM _chunk")
                created = True
            else:
                con.execute("INSERT INTO raw BY NAME SELECT * FROM _chunk")
            con.unregister("_chunk")
            n += tbl.num_rows
        if not created:
            con.execute("CREATE TABLE raw AS SELECT " + ", ".join(f"NULL::VARCHAR AS \"{c}\"" for c in cols) + ", 0::BIGINT AS rn WHERE false")
    return n


class _Unreadable(Exception):
    pass


def _not_in(encoding: str, e: UnicodeDecodeError) -> _Unreadable:
    """A byte the file's (sniffed) encoding cannot decode, as one line that says what to do."""
    byte = e.object[e.start] if isinstance(e.object, (bytes, bytearray)) and e.start < len(e.object) else None
    what = f"byte 0x{byte:02X}" if byte is not None else "a byte"
    name = {"cp1252": "Windows-1252", "utf-16": "UTF-16"}.get(encoding, encoding)
    return _Unreadable(f"{what} is not {name} ({e.reason}): save the file as UTF-8 and import it again")


class _Utf8Only(io.RawIOBase):
    """``raw`` as it is, checked to be UTF-8 on the way: :class:`_Unreadable` at the first byte
    that is not (a check in C, about as fast as reading)."""

    def __init__(self, raw: BinaryIO, name: str) -> None:
        self._raw = raw
        self._name = name
        self._dec = codecs.getincrementaldecoder("utf-8")()
        self._at = 0
        self._lines = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        try:
            self._dec.decode(data, final=not data)
        except UnicodeDecodeError as e:
            line = self._lines + data.count(b"\n", 0, max(e.start, 0)) + 1
            raise _Unreadable(
                f"byte {self._at + e.start:,} (line {line:,}) is not UTF-8, though the file starts as UTF-8: "
                "save it as UTF-8 (or as Windows-1252 throughout) and import it again") from None
        self._at += len(data)
        self._lines += data.count(b"\n")
        return data

    def readinto(self, b) -> int:  # noqa: ANN001
        data = self.read(len(b))
        b[: len(data)] = data
        return len(data)


def _events_from_raw(con, member: str, cols: set[str], bad: list) -> Iterator[Record]:
    """Validate ``raw``, yield its bad rows as BadRecords, its identities, and its good rows."""
    opt = {c: (f'nullif("{c}", \'\')' if c in cols else "NULL") for c in _OPTIONAL}
    con.execute(
        f"""
        CREATE TABLE ev AS
        SELECT rn, trim(src) AS src, trim(dst) AS dst, trim(ts) AS ts_raw,
               CASE WHEN regexp_full_match(trim(ts), '-?[0-9]+([.][0-9]+)?')
                    THEN CASE WHEN abs(TRY_CAST(trim(ts) AS DOUBLE)) < {_MAX_SECONDS}
                              THEN to_timestamp(TRY_CAST(trim(ts) AS DOUBLE)) END
                    ELSE TRY_CAST(trim(ts) AS TIMESTAMPTZ) END AS t,
               {opt['text']} AS text,
               coalesce({opt['channel']}, 'events') AS channel,
               lower(coalesce({opt['kind']}, 'message')) AS kind,
               lower(coalesce({opt['visibility']}, 'private')) AS visibility,
               {opt['thread']} AS thread_id,
               nullif(trim({opt['duration']}), '') AS duration_raw,
               TRY_CAST(trim({opt['duration']}) AS DOUBLE) AS duration_s
        FROM raw
        """
    )
    problems = con.execute(
        f"""
        SELECT rn, CASE WHEN src IS NULL OR src = '' OR dst IS NULL OR dst = '' THEN 'empty src or dst'
                        WHEN t IS NULL THEN 'unreadable timestamp ''' || coalesce(ts_raw, '') || ''''
                        WHEN kind NOT IN ({_sql_list(KINDS)}) THEN 'unknown kind ''' || kind || ''''
                        WHEN duration_raw IS NOT NULL AND NOT coalesce(duration_s >= 0 AND isfinite(duration_s), false)
                             THEN 'duration ''' || duration_raw || ''' is not a number of seconds >= 0'
                        ELSE 'unknown visibility ''' || visibility || '''' END,
               concat_ws(',', src, dst, ts_raw, text)
        FROM ev
        WHERE src IS NULL OR src = '' OR dst IS NULL OR dst = '' OR t IS NULL
           OR kind NOT IN ({_sql_list(KINDS)}) OR visibility NOT IN ({_sql_list(VISIBILITIES)})
           OR (duration_raw IS NOT NULL AND NOT coalesce(duration_s >= 0 AND isfinite(duration_s), false))
        ORDER BY rn
        """
    ).fetchall()
    errs = [(rn, msg, exc) for rn, msg, exc in problems] + [(n - 1, msg, exc) for n, msg, exc in bad]
    for rn, msg, exc in sorted(errs, key=lambda e: e[0]):
        yield BadRecord(f"{member} row {rn + 1}", msg, exc)  # data rows, counted from 1 after any header
    bad_rns = [e[0] for e in problems]
    con.execute("CREATE TEMP TABLE bad_rn (rn BIGINT)")
    if bad_rns:
        con.execute("INSERT INTO bad_rn SELECT unnest(?)", [bad_rns])
    for channel, value in con.execute(
        "SELECT DISTINCT channel, v FROM (SELECT channel, src AS v FROM ev UNION ALL SELECT channel, dst FROM ev) "
        "WHERE v IS NOT NULL AND v <> '' AND channel IS NOT NULL ORDER BY 1, 2"
    ).fetchall():
        yield Ident(channel, "account_id", value)
    rel = con.sql(
        """
        WITH good AS (
            SELECT *, md5(concat_ws(chr(31), src, dst, ts_raw, channel, kind, visibility, coalesce(text, ''),
                                     coalesce(thread_id, ''), duration_raw)) AS h
            FROM ev WHERE rn NOT IN (SELECT rn FROM bad_rn)
        )
        SELECT left(h, 24) || CASE WHEN row_number() OVER w > 1 THEN '#' || (row_number() OVER w - 1) ELSE '' END
                   AS native_id,
               kind, channel, t AS ts, src, dst, visibility, thread_id, text, duration_s
        FROM good
        WINDOW w AS (PARTITION BY h ORDER BY rn)
        ORDER BY rn
        """
    )
    for batch in rel.to_arrow_reader(_CHUNK):
        for nid, kind, channel, ts, src, dst, vis, thread, text, duration in zip(*(c.to_pylist() for c in batch.columns)):
            yield Interaction(nid, kind, channel, ts, Ident(channel, "account_id", src),
                              ((Ident(channel, "account_id", dst), "recipient"),), vis, thread, None, text, duration)


@register
class EventsCsvImporter(Importer):
    name = "events"
    channel = "events"
    version = "2"
    description = "CSV/TSV interaction log with a src,dst,ts header (+ optional text,channel,kind,visibility,thread,duration)"

    def detect(self, tree: InputTree) -> int:
        m = _only_member(tree)
        if m is None or not m.lower().endswith((".csv", ".tsv", ".txt")):
            return 0
        head = decode_head(tree.head(m, 4096)).lstrip("\ufeff")
        first = head.splitlines()[0] if head else ""
        cols = {c.strip().strip('"').lower() for c in re.split(r"[,\t]", first)}
        return 8 if {"src", "dst", "ts"} <= cols else 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        member = _only_member(tree) or sorted(tree.names())[0]
        first = decode_head(tree.head(member, 65536)).lstrip("\ufeff").splitlines()
        header = first[0] if first else ""
        delim = "\t" if header.count("\t") > header.count(",") else ","
        cols = {c.strip().strip('"').lower() for c in header.split(delim)}
        missing = {"src", "dst", "ts"} - cols
        if missing:
            yield BadRecord("row 1", f"header lacks {', '.join(sorted(missing))}; expected src,dst,ts[,text,...]", header[:200])
            return
        st = _Staging()
        try:
            bad: list = []
            try:
                _stream_csv(tree, member, names=None, delimiter=delim, con=st.con, bad=bad)
            except _Unreadable as e:
                yield BadRecord(member, f"unreadable CSV: {e}")
                return
            yield from _events_from_raw(st.con, member, cols, bad)
        finally:
            st.close()


@register
class EdgesImporter(Importer):
    name = "edges"
    channel = "events"
    version = "2"
    description = "'src dst t' lines without a header, space- or tab-separated (SNAP temporal networks)"

    def detect(self, tree: InputTree) -> int:
        m = _only_member(tree)
        if m is None:
            return 0
        lines = [ln for ln in tree.head(m, 4096).splitlines()[:20] if ln.strip()]
        if len(lines) > 1:
            lines = lines[:-1]  # the last line may be cut off by the 4 KiB head
        return 5 if lines and all(_EDGE_LINE.match(ln) for ln in lines) else 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        member = _only_member(tree) or sorted(tree.names())[0]
        head = tree.head(member, 4096)
        delim = "\t" if b"\t" in head.split(b"\n", 1)[0] else " "
        st = _Staging()
        try:
            bad: list = []
            try:
                _stream_csv(tree, member, names=["src", "dst", "ts"], delimiter=delim, con=st.con, bad=bad)
            except _Unreadable as e:
                yield BadRecord(member, f"unreadable edge list: {e}")
                return
            yield from _events_from_raw(st.con, member, {"src", "dst", "ts"}, bad)
        finally:
            st.close()
