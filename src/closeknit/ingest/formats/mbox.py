"""Email: Unix mbox files (Google Takeout, Thunderbird, mutt, mailing-list archives) and .eml.

Input: one mbox file (it starts with a ``From `` separator line), a folder or zip holding mbox
files (Google Takeout's ``Takeout/Mail/All mail Including Spam and Trash.mbox``, Thunderbird's
extension-less ``Inbox``/``Sent``), single ``.eml`` messages, or a Maildir (``cur/``, ``new/``).

How it reads. The file is streamed in 4 MiB chunks and cut at ``\\nFrom `` lines whose line
holds a ``:`` (the asctime of a real separator; a body line "From my point of view" has none).
``>From `` body lines are unescaped (mboxrd; also right for the one-level escaping of mboxo).
Headers are parsed here rather than with :mod:`email.parser`, which is ten times slower:
only the headers used below are kept, folded lines are unfolded, RFC 2047 words are decoded in
display names.

Each message is one :class:`Interaction`. Files over :data:`POOL_MIN_BYTES` are parsed by worker
processes on runs of whole messages (one per CPU up to 4; ``CLOSEKNIT_MBOX_WORKERS=N`` sets how
many, 0 none), which send the Interactions back; their threads are linked here, in file order.

The body is the first ``text/plain`` part (``text/html`` with the tags stripped
when there is none), transfer-decoded (quoted-printable, base64), decoded with its charset
falling back to UTF-8 and then cp1252, and cut to :data:`MAX_TEXT` characters.

What it yields, per message (``channel="email"``):

* ``native_id``: the Message-ID without its angle brackets; messages without one get
  ``"h:" + content_id(from, date, subject, body prefix)``.
* ``reply_to``: the first ``<id>`` of In-Reply-To (junk around it, as in
  ``<id>; from x@y on Thu, ...``, is ignored), else the last ``<id>`` of References (for
  ``In-Reply-To: Joanna Farley's message as of Nov 13``); ``kind`` is ``reply`` when there
  is a parent, else ``message``.
* ``thread``: ``"gm:" + X-GM-THRID`` (Google Takeout) when present, else the thread of any
  message it is linked to (see Threads below), else the first References id (the root), else
  the parent, else the message's own id.
* ``actor`` From; participants To/Cc/Bcc as ``recipient``/``cc``/``bcc``; the list address of
  mailing-list mail is added as a recipient when it is in neither. List mail whose From a list
  rewrote against DMARC (``"Ada Lovelace via Book club" <book-club@lists.example.org>``) is from
  its author: ``X-Original-From`` / ``Original-From``, else ``X-Original-Sender``, else the address
  of that name in Reply-To or Cc (:meth:`_State.munged_author`).
* ``visibility``: ``public`` for Usenet articles (``Newsgroups:`` or ``Path:``), ``group`` for
  mailing-list traffic (List-Id, List-Post, Mailing-List, X-Mailing-List, Precedence list or
  bulk, a Sender ``owner-*``/``*-bounces``/``*-request``/``*-admin``, Delivered-To
  ``mailing list ...``), else ``private``.

The user ("you"), one rule in :meth:`_State.guess_self`: when ``closeknit me`` lists no email
address, the sender of Sent-folder / Gmail-Sent mail, else the address taking part in the most
*personal* messages (mailing-list and Usenet traffic do not count) provided it both sent and
received personal mail and clearly leads (at least 2 messages and 10% of them, no tie). A
mailing-list archive therefore makes nobody "you". ``closeknit me add email ADDRESS`` overrides it.

Threads: the message joins the thread already known for any id its References or In-Reply-To
name (or its Outlook Thread-Index), or for its own id, so a reply naming only its parent stays in
the thread of the parent, whichever comes first in the file; a message that links two threads
already met (grandchild, root, child) makes them one, and the rows read before are renamed at
the end (:meth:`_State.thread`, one :class:`ThreadMerge` record).

A message with an unreadable Date, or one that is not a mail message at all, is reported as a
:class:`BadRecord` at ``"<file> message N (byte OFFSET)"`` and skipped.
"""

from __future__ import annotations

import binascii
import codecs
import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_tz
from pathlib import PurePosixPath
from typing import BinaryIO

from closeknit.core.ids import content_id
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.pool import default_workers, in_order, spawn_pool
from closeknit.ingest.htmltext import html_to_text
from closeknit.ingest.records import BadRecord, Ident, Interaction, Record, SelfIdentity, ThreadMerge

__all__ = ["MboxImporter", "MAX_TEXT", "parse_date", "parse_addresses", "split_mbox"]

#: Longest text stored per message (characters).
MAX_TEXT = 20_000
#: Bytes read at a time.
_CHUNK = 1 << 22
#: A message longer than this keeps only its first :data:`_KEEP` bytes (a huge attachment).
_MAX_MESSAGE = 64 << 20
_KEEP = 1 << 20
#: Largest .eml read.
_MAX_EML = 64 << 20
#: An mbox file at least this big is parsed by worker processes: one per CPU up to 4 where there
#: are two or more, ``CLOSEKNIT_MBOX_WORKERS=N`` to set how many (0: none). The importing process
#: reads the file in :data:`TASK_BYTES` pieces and hands each over cut at its last message
#: boundary (:func:`split_groups`); results come back in order as Interaction records, which the
#: store stages while the workers parse on. Below this size starting the workers costs more than they
#: save (2 CPUs: 44 MB imported in 1.6 s with workers against 1.4 s without, 132 MB in 3.2 s
#: against 3.9 s).
POOL_MIN_BYTES = 64 << 20
TASK_BYTES = 4 << 20

_UTC = timezone.utc
_MBOX_EXT = (".mbox", ".mbx", ".mbs")
_EML_EXT = (".eml",)


_ID_RE = re.compile(r"<([^<>\s]+)>")
#: The display name a list gives a From it rewrites against DMARC: "<author's name> via <list name>".
_VIA = re.compile(r"^(.+?) via \S")
_UNESCAPE_RE = re.compile(rb"^>(>*From )", re.M)
_HEADERLIKE_RE = re.compile(rb"^[!-9;-~]+[ \t]*:", re.M)
_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.I)
_BOUNDARY_RE = re.compile(r"""boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))""", re.I)
_DATE_RE = re.compile(
    r"^\s*(?:[A-Za-z]{3},?\s*)?(\d{1,2})[\s-]+([A-Za-z]{3})[a-z]*[\s-]+(\d{2,4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?"
    r"(?:\.\d+)?\s*(?:([+-])(\d\d):?(\d\d)|(UT|UTC|GMT|Z|[ECMP][SD]T)\b)?"
)
_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), start=1)}
_MONTHS_CAP = {m.capitalize(): i for m, i in _MONTHS.items()}
_ZONES = {"UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "EST": -300, "EDT": -240, "CST": -360, "CDT": -300,
          "MST": -420, "MDT": -360, "PST": -480, "PDT": -420}
#: Without a Sent label or folder, the top sender must have sent this share of the messages.
_GUESS_SHARE = 0.1
_SENT_RE = re.compile(r"^(sent|sent[ _-]?(mail|items|messages)|gesendet|envoy[ée]s|enviados)(\.mbox)?$", re.I)


def _in_sent_folder(member: str) -> bool:
    """Thunderbird "Sent", Apple Mail "Sent Messages.mbox/mbox", Gmail "Sent Mail", ..."""
    pp = PurePosixPath(member)
    return any(_SENT_RE.search(x) for x in (pp.name, pp.parent.name))


def _guarded(read, raw: bytes, *args):
    """``read(raw, *args)``, or a BadRecord (without its location) if it raises: one broken
    message never stops the import."""
    try:
        return read(raw, *args)
    except Exception as e:  # noqa: BLE001
        return BadRecord("", f"unreadable message ({type(e).__name__}: {e})", raw[:200].decode("utf-8", "replace"))
_LIST_SENDER = ("owner-",)
_LIST_SENDER_END = ("-bounces", "-request", "-admin", "-owner")

# Headers kept (lower-case).
_WANTED = frozenset(
    {
        "from", "to", "cc", "bcc", "date", "message-id", "in-reply-to", "references", "subject",
        "content-type", "content-transfer-encoding", "content-disposition", "list-id", "list-post",
        "mailing-list", "x-mailing-list", "precedence", "sender", "delivered-to", "newsgroups", "path",
        "x-gm-thrid", "x-gmail-labels", "x-original-to", "thread-index",
        "reply-to", "x-original-from", "original-from", "x-original-sender",
    }
)


# --------------------------------------------------------------------------------------------
# Splitting


def split_mbox(stream: BinaryIO, chunk: int = _CHUNK) -> Iterator[tuple[int, bytes]]:
    """Yield ``(byte offset, raw message)`` for each message of an mbox stream.

    A message is cut at a line starting ``From `` that holds a ``:`` (a separator's asctime);
    the ``From `` line itself stays at the head of the message. Memory stays bounded: a message
    bigger than 64 MiB keeps only its first MiB.

    >>> import io
    >>> [(o, m[:9]) for o, m in split_mbox(io.BytesIO(b"From a 00:00\\nX: 1\\n\\nhi\\nFrom b 1:2\\nY: 2\\n"))]
    [(0, b'From a 00'), (22, b'From b 1:')]
    """
    buf = stream.read(chunk)
    if buf.startswith(b"\xef\xbb\xbf"):
        buf = buf[3:]
    read = len(buf)  # absolute offset of the end of buf (counting a dropped BOM as offset 0)
    pos = 0  # start of the current message in buf
    msg_off = 0
    search = 0
    truncated = False
    while True:
        i = buf.find(b"\nFrom ", search)
        eol = buf.find(b"\n", i + 1) if i >= 0 else -1
        if i < 0 or eol < 0:
            more = stream.read(chunk)
            if not more:
                if pos < len(buf):
                    yield msg_off, buf[pos:]
                return
            # keep from the current message on; go on searching where we stopped
            keep_from = pos
            next_search = (i if i >= 0 else max(len(buf) - 6, pos)) - keep_from
            if len(buf) - pos > _MAX_MESSAGE and not truncated:
                # a huge message: keep its head and the last bytes (a separator may straddle)
                head = buf[pos : pos + _KEEP]
                tail = buf[max(len(buf) - 6, pos + _KEEP) :]
                buf = head + tail
                next_search = len(head)
                truncated = True
            elif truncated and len(buf) - pos > _KEEP + chunk:
                tail = buf[max(len(buf) - 6, pos + _KEEP) :]
                buf = buf[pos : pos + _KEEP] + tail
                next_search = _KEEP
            else:
                buf = buf[keep_from:]
            pos = 0
            buf += more
            read += len(more)
            search = max(next_search, 0)
            continue
        line = buf[i + 1 : eol]
        if b":" not in line:
            search = i + 1
            continue
        yield msg_off, buf[pos : i + 1]
        pos = i + 1
        msg_off = read - (len(buf) - pos)
        search = pos
        truncated = False


def _split_buffer(buf: bytes) -> Iterator[tuple[int, bytes]]:
    """:func:`split_mbox` over bytes already in memory: ``(offset in buf, raw message)``."""
    pos = search = 0
    find = buf.find
    while True:
        i = find(b"\nFrom ", search)
        if i < 0:
            break
        eol = find(b"\n", i + 1)
        if eol < 0:
            break
        if b":" not in buf[i + 1 : eol]:
            search = i + 1
            continue
        yield pos, buf[pos : i + 1]
        pos = search = i + 1
    if pos < len(buf):
        yield pos, buf[pos:]


def split_groups(stream: BinaryIO, chunk: int = _CHUNK) -> Iterator[tuple[int, bytes, bool]]:
    """Yield ``(byte offset, run of whole messages, single)``, cut where :func:`split_mbox` cuts.

    Splitting each run with :func:`_split_buffer` (unless ``single``: then the run is one
    message) gives exactly the messages of :func:`split_mbox`, offsets relative to the run. Only
    the last cut of each read is looked for, so this costs next to nothing per message. A
    message that split_mbox truncates (over 64 MiB) is truncated the same way, at the same
    reads, and comes alone (``single``: the junction of its head and tail is no separator).
    """
    buf = stream.read(chunk)
    if buf.startswith(b"\xef\xbb\xbf"):
        buf = buf[3:]
    read = len(buf)  # absolute offset of the end of buf, as in split_mbox
    start = 0  # absolute offset of buf[0]: buf always starts at a message's start
    lo = 0  # cuts are looked for from here (past the junction of a truncated message)
    truncated = False
    while True:
        if truncated:  # the huge message ends at the first cut after its kept head
            search = lo
            while True:
                i = buf.find(b"\nFrom ", search)
                eol = buf.find(b"\n", i + 1) if i >= 0 else -1
                if i < 0 or eol < 0 or b":" in buf[i + 1 : eol]:
                    break
                search = i + 1
            if i >= 0 and eol >= 0:
                yield start, buf[: i + 1], True
                buf = buf[i + 1 :]
                start = read - len(buf)
                lo = 0
                truncated = False
        if not truncated:  # the last cut of the buffer: everything before it is whole messages
            end = len(buf)
            j = -1
            while True:
                i = buf.rfind(b"\nFrom ", lo, end)
                if i < 0:
                    break
                eol = buf.find(b"\n", i + 1)
                if eol >= 0 and b":" in buf[i + 1 : eol]:
                    j = i + 1
                    break
                end = i + 5
            if j > 0:
                yield start, buf[:j], False
                buf = buf[j:]
                start = read - len(buf)
        more = stream.read(chunk)
        if not more:
            if buf:
                yield start, buf, True  # one message: every cut before it was taken
            return
        # as split_mbox: a huge message keeps its head and the last bytes (a separator may straddle)
        if len(buf) > _MAX_MESSAGE and not truncated:
            head = buf[:_KEEP]
            buf = head + buf[max(len(buf) - 6, _KEEP) :]
            lo = len(head)
            truncated = True
        elif truncated and len(buf) > _KEEP + chunk:
            buf = buf[:_KEEP] + buf[max(len(buf) - 6, _KEEP) :]
            lo = _KEEP
        buf += more
        read += len(more)


# --------------------------------------------------------------------------------------------
# Headers


#: What a header name not looked up yet gets from _HEADER_KEYS (no name holds a newline).
_MISS = "\n"
#: Header names as written (``"Message-ID"``, ``"X-Spam-Score"``) -> wanted lower-case name or None.
_HEADER_KEYS: dict[str, str | None] = {}


def _parse_headers(block: str) -> dict[str, str]:
    """Wanted headers of a header block (lower-case names, first occurrence wins, unfolded).

    A plain loop over the lines; what a name as written means (wanted as which key, or not
    wanted) is looked up once per distinct spelling, so a line costs a partition and a lookup.
    """
    out: dict[str, str] = {}
    last = None
    keys = _HEADER_KEYS
    for line in block.split("\n"):
        k, sep, v = line.partition(":")
        name = keys.get(k, _MISS)
        if name is _MISS:
            if k[:1] in (" ", "\t"):  # a folded line (never cached: its text is not a name)
                if last is not None:
                    out[last] += line
                continue
            name = k.lower()
            if name not in _WANTED and name[-1:] in (" ", "\t"):
                name = name.rstrip()
            if name not in _WANTED:
                name = None
            if len(keys) > 10_000:
                keys.clear()
            keys[k] = name
        if name is not None and sep and name not in out:
            out[name] = v
            last = name
        else:
            last = None
    for k, v in out.items():
        out[k] = v.strip()
    return out


def _decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words (``=?utf-8?q?...?=``); ``value`` unchanged if none."""
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # a malformed encoded word: keep it as written
        return value


def _clean_name(name: str) -> str | None:
    name = name.strip().strip('"').strip("'").strip()
    if "=?" in name:
        name = _decode_words(name)
    return name or None


def _fast_addresses(value: str) -> list[tuple[str, str]] | None:
    """``(name, addr)`` pairs for plain address lists, or None when the slow parser is needed."""
    if "(" in value or "\\" in value or ";" in value:
        return None
    if '"' in value:
        quoted = value.split('"')
        if len(quoted) % 2 == 0:
            return None
        for q in quoted[1::2]:  # a quoted name holding a comma or a colon needs the real parser
            if "," in q or ":" in q or "<" in q:
                return None
    elif ":" in value:
        return None
    out = []
    for piece in value.split(","):
        piece = piece.strip()
        if not piece:
            continue
        lt = piece.find("<")
        if lt >= 0:
            gt = piece.find(">", lt)
            if gt < 0:
                return None
            out.append((piece[:lt], piece[lt + 1 : gt]))
        elif " " in piece:
            return None
        else:
            out.append(("", piece))
    return out


def parse_addresses(value: str) -> list[tuple[str, str | None]]:
    """``(normalised address, display name)`` pairs of an address header; junk is dropped.

    >>> parse_addresses('Ada <Ada@Example.org>, "Doe, J." <j@x.org>, bob@y.org (Bob)')
    [('ada@example.org', 'Ada'), ('j@x.org', 'Doe, J.'), ('bob@y.org', 'Bob')]
    """
    pairs = _fast_addresses(value)
    if pairs is None:
        pairs = getaddresses([value])
    out = []
    for name, addr in pairs:
        addr = addr.strip().strip("<>").lower()
        if addr.startswith("mailto:"):
            addr = addr[7:]
        at = addr.find("@")
        if at <= 0 or at == len(addr) - 1 or " " in addr or "\t" in addr or "<" in addr:
            continue
        out.append((addr, _clean_name(name) if name else None))
    return out


# --------------------------------------------------------------------------------------------
# Dates


_OFFSETS: dict[int, timedelta] = {}


def parse_date(value: str) -> datetime:
    """An RFC 5322 date (with the usual sloppiness) as an aware UTC datetime; ValueError if
    unreadable. The rule is :func:`date_us`'s (written once); this is its value as a datetime.

    >>> parse_date("Wed, 1 Jan 2003 13:02:58 -0800 (PST)").isoformat()
    '2003-01-01T21:02:58+00:00'
    >>> parse_date("19 Jul 2000 21:30:51 -0700").isoformat()
    '2000-07-20T04:30:51+00:00'
    """
    return _EPOCH + timedelta(microseconds=date_us(value))


def _careful_date(value: str) -> datetime:
    """Every form :func:`date_us`'s fast path leaves: obsolete zones, 2-digit years, no seconds, ISO 8601."""
    m = _DATE_RE.match(value)
    if m is not None and m.group(2).lower() in _MONTHS:
        d, mon, y, hh, mm, ss, sign, oh, om, zone = m.groups()
        year = int(y)
        if len(y) == 2:
            year += 2000 if year < 50 else 1900
        elif len(y) == 3:
            year += 1900
        if sign:
            off = int(oh) * 60 + int(om)
            if sign == "-":
                off = -off
        else:
            off = _ZONES.get(zone, 0) if zone else 0
        dt = datetime(year, _MONTHS[m.group(2).lower()], int(d), int(hh), int(mm), int(ss or 0), tzinfo=_UTC)
    else:
        t = parsedate_tz(value)
        if t is None or not t[0]:
            try:  # some tools write ISO 8601
                iso = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            except ValueError:
                raise ValueError(f"unreadable Date {value[:80]!r}") from None
            return iso.replace(tzinfo=_UTC) if iso.tzinfo is None else iso.astimezone(_UTC)
        year = t[0]
        if year < 100:
            year += 2000 if year < 50 else 1900
        dt = datetime(year, t[1], t[2], t[3], t[4], min(t[5], 59), tzinfo=_UTC)
        off = (t[9] or 0) // 60
    if off:
        td = _OFFSETS.get(off)
        if td is None:
            td = _OFFSETS[off] = timedelta(minutes=off)
        dt -= td
    return dt


_EPOCH = datetime(1970, 1, 1, tzinfo=_UTC)
_US = timedelta(microseconds=1)
#: Epoch day of ``(day, month name, year)`` as written in Date headers.
_EPOCH_DAYS: dict[tuple[str, str, str], int | None] = {}


def date_us(value: str) -> int:
    """An RFC 5322 date as microseconds since the epoch (UTC); ValueError if unreadable (the one
    rule for "a date" in mail; :func:`parse_date` is its datetime).

    The common ``[Wed, ]1 Jan 2003 13:02:58 -0800`` form is worked out with integer arithmetic
    (the day number cached per date); anything else goes through :func:`_careful_date`.

    >>> date_us("Wed, 1 Jan 2003 13:02:58 -0800") == date_us("Wed, 1 Jan 2003 21:02:58 +0000")
    True
    """
    us = _fast_date_us(value)
    if us is None:
        return (_careful_date(value) - _EPOCH) // _US
    return us


def _fast_date_us(value: str) -> int | None:
    """The common form in microseconds, or None when :func:`_careful_date` must decide."""
    p = value.split()
    if p and p[0][-1:] == ",":
        del p[0]
    if len(p) < 4:
        return None
    day = _EPOCH_DAYS.get((p[0], p[1], p[2]), -1)
    if day == -1:
        day = _epoch_day(p[0], p[1], p[2])
    if day is None:
        return None
    secs = _CLOCK.get(p[3])
    if secs is None:
        secs = _clock(p[3])
        if secs is None:
            return None
    off = _ZONE_OFFSETS.get(p[4] if len(p) > 4 else "+0000")
    if off is None:
        off = _zone_offset(p[4])
        if off is None:
            return None
    return (day * 86400 + secs - off) * 1_000_000


#: ``"13:02:58"`` -> seconds into the day; ``"-0800"`` -> offset in seconds (as parse_date reads them).
_CLOCK: dict[str, int] = {}
_ZONE_OFFSETS: dict[str, int] = {}


def _epoch_day(d: str, mon: str, y: str) -> int | None:
    day = None
    mo = _MONTHS_CAP.get(mon)
    if mo and len(y) == 4:
        try:
            year = int(y)
            if 1 < year < 9999:  # _careful_date's subtraction of the zone offset stays in range
                day = datetime(year, mo, int(d)).toordinal() - 719163
        except ValueError:
            pass
    if len(_EPOCH_DAYS) > 100_000:
        _EPOCH_DAYS.clear()
    _EPOCH_DAYS[(d, mon, y)] = day
    return day


def _clock(hms: str) -> int | None:
    if len(hms) != 8 or hms[2] != ":" or hms[5] != ":":
        return None
    try:
        hh, mm, ss = int(hms[:2]), int(hms[3:5]), int(hms[6:])
    except ValueError:
        return None
    if not (0 <= hh < 24 and 0 <= mm < 60 and 0 <= ss < 60):
        return None
    if len(_CLOCK) < 100_000:
        _CLOCK[hms] = hh * 3600 + mm * 60 + ss
    return hh * 3600 + mm * 60 + ss


def _zone_offset(tz: str) -> int | None:
    if len(tz) != 5 or tz[0] not in "+-":
        return None
    try:
        off = int(tz[1:3]) * 60 + int(tz[3:])
    except ValueError:
        return None
    off = -off * 60 if tz[0] == "-" else off * 60
    if len(_ZONE_OFFSETS) < 10_000:
        _ZONE_OFFSETS[tz] = off
    return off


# --------------------------------------------------------------------------------------------
# Bodies

_CODECS: dict[str, str | None] = {}


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    c = _CODECS.get(charset, "")
    if c == "":
        try:
            c = codecs.lookup(charset.strip().lower()).name
        except LookupError:
            c = None
        _CODECS[charset] = c
    return c


def _decode_bytes(data: bytes, charset: str | None) -> str:
    c = _codec(charset)
    if c is not None:
        try:
            return data.decode(c)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _transfer_decode(data: bytes, cte: str | None) -> bytes:
    if not cte:
        return data
    cte = cte.lower()
    try:
        if "quoted-printable" in cte:
            return binascii.a2b_qp(data)
        if "base64" in cte:
            return binascii.a2b_base64(data)
    except (binascii.Error, ValueError):
        return data
    return data


def _split_part(raw: bytes) -> tuple[dict[str, str], bytes]:
    """Headers and body of a MIME part (``raw`` uses LF line ends)."""
    if raw.startswith(b"\n"):
        return {}, raw[1:]
    j = raw.find(b"\n\n")
    head, body = (raw, b"") if j < 0 else (raw[: j + 1], raw[j + 2 :])
    h = _PART_HEADS.get(head)
    if h is None:
        h = _parse_headers(head.decode("utf-8", "replace"))
        if len(head) < 512:  # the common short part heads repeat from message to message
            if len(_PART_HEADS) > 10_000:
                _PART_HEADS.clear()
            _PART_HEADS[head] = h
    return h, body


#: Parsed MIME part heads by their raw bytes (read only by the callers).
_PART_HEADS: dict[bytes, dict[str, str]] = {}


_CTYPES: dict[str, tuple[str, str | None]] = {}


def _ctype(ct: str) -> tuple[str, str | None]:
    """``(media type, charset)`` of a Content-Type value (cached; the values repeat)."""
    got = _CTYPES.get(ct)
    if got is None:
        mtype = ct.lower().split(";", 1)[0].strip() if ct else "text/plain"
        m = _CHARSET_RE.search(ct)
        got = (mtype, m.group(1) if m else None)
        if not mtype.startswith("multipart/") and len(_CTYPES) < 10_000:
            _CTYPES[ct] = got
    return got


def _body_text(headers: dict[str, str], body: bytes, depth: int = 0) -> tuple[str | None, bool]:
    """``(text, is_plain)``: the first text/plain part, or stripped HTML (is_plain False)."""
    ct = headers.get("content-type", "")
    mtype, charset = _ctype(ct)
    if mtype in ("text/plain", "text"):
        data = _transfer_decode(body[: MAX_TEXT * 4], headers.get("content-transfer-encoding"))
        return _decode_bytes(data, charset)[:MAX_TEXT], True
    if mtype.startswith("multipart/"):
        if depth > 6:
            return None, False
        m = _BOUNDARY_RE.search(ct)
        if m is None:
            return None, False
        delim = b"\n--" + (m.group(1) or m.group(2)).encode("utf-8", "replace")
        parts = (b"\n" + body).split(delim)
        html_text = None
        for part in parts[1:]:
            if part.startswith(b"--"):
                break
            nl = part.find(b"\n")
            if nl < 0:
                continue
            ph, pb = _split_part(part[nl + 1 :])
            if "attachment" in ph.get("content-disposition", "").lower():
                continue
            text, plain = _body_text(ph, pb, depth + 1)
            if text is not None:
                if plain:
                    return text, True
                if html_text is None:
                    html_text = text
        return html_text, False
    if mtype == "text/html":
        data = _transfer_decode(body[: MAX_TEXT * 8], headers.get("content-transfer-encoding"))
        return html_to_text(_decode_bytes(data, charset))[:MAX_TEXT], False
    return None, False


# --------------------------------------------------------------------------------------------
# The importer


def _first_id(value: str | None) -> str | None:
    if not value:
        return None
    m = _ID_RE.search(value)
    return m.group(1) if m else None


def _own_id(value: str | None) -> str | None:
    if not value:
        return None
    m = _ID_RE.search(value)
    if m:
        return m.group(1)
    v = value.strip().strip("<>").strip()
    return v if v and " " not in v else None


def _thread_index(value: str | None) -> str | None:
    """Outlook's Thread-Index: base64 whose first 22 bytes name the thread (the rest, 5 bytes per
    reply, the message's place in it). ``"ti:" + hex`` of those 22 bytes, or None.

    >>> _thread_index("AdQ2FNd7lJ8Mv5EQS3+Xn1Ix6PCnHw=="), _thread_index("AdQ2FNd7lJ8Mv5EQS3+Xn1Ix6PCnHwAAAGGz")
    ('ti:01d43614d77b949f0cbf91104b7f979f5231e8f0a71f', 'ti:01d43614d77b949f0cbf91104b7f979f5231e8f0a71f')
    """
    if not value:
        return None
    try:
        raw = binascii.a2b_base64(value.strip())
    except (binascii.Error, ValueError):
        return None
    return "ti:" + raw[:22].hex() if len(raw) >= 22 else None


def _list_address(h: dict[str, str]) -> str | None:
    lp = h.get("list-post")
    if lp:
        i = lp.lower().find("mailto:")
        if i >= 0:
            addr = lp[i + 7 :].split(">", 1)[0].split("?", 1)[0].strip().lower()
            if "@" in addr:
                return addr
    dt = h.get("delivered-to", "")
    if dt.lower().startswith("mailing list "):
        addr = dt[13:].strip().lower()
        if "@" in addr:
            return addr
    xml = h.get("x-mailing-list")
    if xml:
        m = _ID_RE.search(xml)
        cand = m.group(1) if m else xml.split(None, 1)[0]
        if "@" in cand:
            return cand.lower()
    return None


def _is_list(h: dict[str, str], block: str, addresses=None) -> bool:
    if "list-id" in h or "list-post" in h or "mailing-list" in h or "x-mailing-list" in h:
        return True
    prec = h.get("precedence")
    if prec and prec.strip().lower() in ("list", "bulk"):
        return True
    sender = h.get("sender")
    if sender:
        pairs = addresses(sender) if addresses is not None else [Ident("email", "email", a) for a, _ in parse_addresses(sender)]
        if pairs:
            local = pairs[0].value.split("@", 1)[0]
            if local.startswith(_LIST_SENDER) or local.endswith(_LIST_SENDER_END):
                return True
    return "Delivered-To: mailing list" in block


def _looks_like_mail(head: bytes) -> bool:
    """True if ``head`` starts with an mbox separator or RFC 822 header lines."""
    head = head.lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"From ") and b"\n" in head:
        first, rest = head.split(b"\n", 1)
        return b":" in first and _HEADERLIKE_RE.match(rest) is not None
    head = head.lstrip(b"\r\n")
    if _HEADERLIKE_RE.match(head) is None:  # the first line must be a header ("file,message" CSV is not)
        return False
    lines = head.replace(b"\r\n", b"\n").split(b"\n\n", 1)[0].split(b"\n")[:40]
    names = {ln.split(b":", 1)[0].strip().lower() for ln in lines if b":" in ln and not ln[:1].isspace()}
    return b"from" in names and (b"date" in names or b"message-id" in names or b"subject" in names)


# --------------------------------------------------------------------------------------------
# Worker processes


def _workers() -> int:
    return default_workers("CLOSEKNIT_MBOX_WORKERS")


_WORKER_STATE: _State | None = None


def _worker_init(ctx: ImportContext) -> None:
    global _WORKER_STATE
    import gc

    gc.disable()  # no reference cycles here worth the full scans (as in the loader)
    _WORKER_STATE = _State(ctx)
    _WORKER_STATE.cache_max = 50_000  # up to 4 workers beside the importing process: smaller caches


def _parse_task(in_sent_folder: bool, base: int, data: bytes, single: bool) -> tuple:
    """Parse one run of messages (from :func:`split_groups`) in a worker.

    Returns the messages' Interactions, for each what :meth:`_State.thread` was given (None for
    Gmail's own thread ids: the importing process links the runs' threads), the bad messages as
    ``(index in the run, byte offset, message, excerpt)``, the number of split items, and the
    sender counts.
    """
    st = _WORKER_STATE
    assert st is not None
    st.in_sent_folder = in_sent_folder
    st.senders, st.sent, st.lists, st.received, st.n_private = Counter(), Counter(), set(), Counter(), 0
    st.threads, st.merged = {}, {}  # each run on its own (the importing process links the runs: _State.pooled)
    recs: list[Interaction] = []
    links = []
    bad = []
    message = st.message
    k = -1
    crlf = b"\r\n" in data
    for k, (off, raw) in enumerate([(0, data)] if single else _split_buffer(data)):
        got = _guarded(message, raw, crlf)
        if got is None:
            continue
        if isinstance(got, BadRecord):
            bad.append((k, base + off, got.message, got.excerpt))
            continue
        recs.append(got)
        links.append(st.link)
    return recs, links, bad, k + 1, dict(st.senders), dict(st.sent), st.lists, dict(st.received), st.n_private


@register
class MboxImporter(Importer):
    name = "mbox"
    channel = "email"
    version = "4"  # 2 (2026-12): threads linked through every header; "you" from personal mail only
    # 3 (2026-12-07): threads merged whatever the order of their messages (union-find, ThreadMerge)
    # 4 (2026-12-07): the author of list mail whose From the list rewrote against DMARC
    description = "Email in mbox files (Google Takeout Mail, Thunderbird, mailing-list archives) or .eml messages"

    # -- detection
    def _members(self, tree: InputTree) -> list[tuple[str, str]]:
        """``(name, "mbox"|"eml")`` for every member that holds mail."""
        names = tree.names()
        out = []
        checked = 0
        for n in sorted(names):
            low = n.lower()
            base = PurePosixPath(low).name
            if base.startswith(".") or "/__macosx/" in "/" + low:
                continue
            if low.endswith(_MBOX_EXT):
                out.append((n, "mbox"))
            elif low.endswith(_EML_EXT) or PurePosixPath(low).parent.name in ("cur", "new"):
                out.append((n, "eml"))  # .eml files; Maildir messages ("cur/1700000000.M1P2.host:2,S")
            elif len(names) == 1 or ("." not in base and checked < 200):
                checked += 1
                head = tree.head(n, 4096)
                if _looks_like_mail(head):
                    out.append((n, "mbox" if head.lstrip(b"\xef\xbb\xbf").startswith(b"From ") else "eml"))
        return out

    def detect(self, tree: InputTree) -> int:
        names = tree.names()
        if len(names) == 1:
            n = names[0]
            if not _looks_like_mail(tree.head(n, 4096)):
                return 0
            return 10 if n.lower().endswith(_MBOX_EXT + _EML_EXT) else 9
        if any(n.lower().endswith(_MBOX_EXT) for n in names):
            return 8
        if any(n.lower().endswith(_EML_EXT) for n in names):
            return 6
        maildir = [n for n in names if PurePosixPath(n).parent.name in ("cur", "new")][:5]
        if maildir and any(_looks_like_mail(tree.head(n, 4096)) for n in maildir):
            return 6
        small = [n for n in names if "." not in PurePosixPath(n).name][:20]
        if small and any(_looks_like_mail(tree.head(n, 4096)) for n in small):
            return 5
        return 0

    # -- reading
    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        state = _State(ctx)
        pool = None
        try:
            for member, kind in self._members(tree):
                with tree.open(member) as f:
                    if kind == "eml":
                        data = f.read(_MAX_EML)
                        msgs: Iterator[tuple[int, bytes]] = iter([(0, data)])
                    elif tree.size(member) >= POOL_MIN_BYTES and _workers() > 0:
                        if pool is None:
                            pool = spawn_pool(_workers(), _worker_init, (ctx,))
                        yield from state.pooled(member, f, pool)
                        continue
                    else:
                        msgs = split_mbox(f)
                    yield from state.messages(member, msgs)
        except BaseException:
            if pool is not None:
                pool.terminate()
                pool = None
            raise
        finally:
            if pool is not None:
                pool.close()
                pool.join()
        renames = state.renames()
        if renames:
            yield ThreadMerge(renames)
        guess = state.guess_self()
        if guess is not None:
            yield SelfIdentity(guess, evidence=f"writes and is written to most in {tree.path.name}")


class _State:
    """Per-import caches and the sender counts for guessing the owner."""

    def __init__(self, ctx: ImportContext) -> None:
        self.ctx = ctx
        self.self_addrs = ctx.self_values("email")
        self.addr_cache: dict[str, list[Ident]] = {}
        self.piece_cache: dict[str, Ident | bool] = {}
        self.people_cache: dict[tuple, tuple[Ident | None, tuple[tuple[Ident, str], ...]]] = {}
        self.idents: dict[tuple[str, str | None], Ident] = {}
        self.senders: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()
        self.lists: set[str] = set()
        self.received: Counter[str] = Counter()
        self.n_private = 0
        #: thread of every Message-ID / Thread-Index met (see :meth:`thread`)
        self.threads: dict[str, str] = {}
        #: thread id -> the thread it was merged into (see :meth:`thread`)
        self.merged: dict[str, str] = {}
        self.link: tuple | None = None  # the last message's arguments to thread()
        self.in_sent_folder = False
        #: entries kept per cache of parsed address headers and sender/recipient sets
        self.cache_max = 100_000

    def ident(self, addr: str, name: str | None) -> Ident:
        key = (addr, name)
        i = self.idents.get(key)
        if i is None:
            if len(self.idents) > 2 * self.cache_max:
                self.idents.clear()
            i = self.idents[key] = Ident("email", "email", addr, name)
        return i

    def addresses(self, value: str | None) -> list[Ident]:
        if not value:
            return []
        got = self.addr_cache.get(value)
        if got is None:
            if len(self.addr_cache) > self.cache_max:
                self.addr_cache.clear()
            if '"' in value or "(" in value or "\\" in value or ";" in value or ":" in value:
                got = [self.ident(a, n) for a, n in parse_addresses(value)]
            else:  # plain "Name <addr>, addr" lists: each entry is parsed once per import
                got = []
                pieces = self.piece_cache
                for piece in value.split(","):
                    ident = pieces.get(piece)
                    if ident is None:
                        if len(pieces) > self.cache_max:
                            pieces.clear()
                        found = parse_addresses(piece)
                        ident = pieces[piece] = self.ident(*found[0]) if found else False
                    if isinstance(ident, Ident):  # False: no address in the piece
                        got.append(ident)
            self.addr_cache[value] = got
        return got

    def people(self, frm, to, cc, bcc) -> tuple[Ident | None, tuple[tuple[Ident, str], ...]]:
        """The actor and the participants (one role per address, To before Cc before Bcc); cached."""
        key = (frm, to, cc, bcc)
        got = self.people_cache.get(key)
        if got is not None:
            return got
        senders = self.addresses(frm)
        parts: list[tuple[Ident, str]] = []
        seen: set[str] = set()  # the sender stays a recipient of a note to self
        for value, role in ((to, "recipient"), (cc, "cc"), (bcc, "bcc")):
            for ident in self.addresses(value):
                if ident.value not in seen:
                    seen.add(ident.value)
                    parts.append((ident, role))
        if len(self.people_cache) > self.cache_max:
            self.people_cache.clear()
        got = self.people_cache[key] = (senders[0] if senders else None, tuple(parts))
        return got

    def munged_author(self, h: dict[str, str], actor: Ident) -> Ident | None:
        """The author of list mail whose From the list rewrote against DMARC, or None.

        Mailman 3 writes ``From: "<name> via <list>" <list address>`` and adds the original From to
        Reply-To, or to Cc when replies go to the list (GNU Mailman ``src/mailman/handlers/dmarc.py``,
        ``munged_headers``, as packaged in wikimedia/operations-debs-mailman3 @ 078c05b95aed); Google
        Groups writes ``'<name>' via <group>`` and keeps the author in ``X-Original-Sender`` (and
        ``X-Original-From``), as mailman/mailman issue #641 describes; RFC 5703 names the header
        ``Original-From`` (2026-12-07; until then every such message was from the list's address).
        """
        for key in ("x-original-from", "original-from"):
            got = self.addresses(h.get(key))
            if got:
                return got[0]
        m = _VIA.match(actor.name or "")
        if m is None:
            return None
        who = m.group(1).strip().strip("'\"").strip()
        got = self.addresses(h.get("x-original-sender"))
        if got:
            return self.ident(got[0].value, who or None)
        for key in ("reply-to", "cc"):
            for ident in self.addresses(h.get(key)):
                if ident.name == who:
                    return ident
        return None

    def guess_self(self) -> Ident | None:
        """The owner's address ("you"), or None when the mail does not say. The one rule:

        1. addresses ``closeknit me`` lists win: no guess;
        2. mail in a Sent folder or with Gmail's Sent label: its most frequent sender (no tie);
        3. else only *personal* mail counts (not mailing-list or Usenet traffic): the address
           that takes part in the most personal messages (as sender, or as To, Cc, Bcc or
           Delivered-To of someone else's), if it takes part in at least 2 and
           :data:`_GUESS_SHARE` of them, no other address in as many, and it both sent personal
           mail and received some. A mailbox's owner writes and is written to; the busiest
           poster of a list archive (even one whose list headers were stripped) is written to by
           nobody, and an inbox alone says nothing of who sent from it.
        """
        if self.self_addrs:
            return None
        for addr in self.lists:
            self.sent.pop(addr, None)
            self.senders.pop(addr, None)
        if self.sent:  # Gmail's Sent label or a Sent folder: whoever sent those is the owner
            top = self.sent.most_common(2)
            return None if len(top) > 1 and top[1][1] == top[0][1] else Ident("email", "email", top[0][0])
        for addr in self.lists:
            self.received.pop(addr, None)
        top = (self.senders + self.received).most_common(2)
        if not top or top[0][1] < max(2, _GUESS_SHARE * self.n_private):
            return None
        if len(top) > 1 and top[1][1] == top[0][1]:
            return None
        if not self.senders.get(top[0][0]) or not self.received.get(top[0][0]):
            return None
        return Ident("email", "email", top[0][0])

    def thread(self, mid: str, links: list[str], tindex: str | None) -> str:
        """The thread of a message, from every header that links it to others.

        ``links`` are the References ids (root first) and then the In-Reply-To id; ``tindex``
        Outlook's Thread-Index key. The message takes the thread already known for any of them
        (its ancestors, root first), else for itself (a reply to it came first), else the first
        link (the root), else its own id; every id it names then belongs to that thread too.
        When the message links two threads already met (a grandchild, then the root, then the
        child), they are one: the later-named one is merged into the one it takes (a union-find
        over thread ids, :attr:`merged`); rows already given the merged thread are renamed at the
        end of the import (:meth:`renames`, yielded as one :class:`ThreadMerge`).

        >>> st = _State(ImportContext())
        >>> st.thread("a", [], None), st.thread("b", ["a"], None), st.thread("c", ["b"], None)
        ('a', 'a', 'a')
        >>> st.thread("z", ["y"], None), st.thread("y", ["x"], None), st.thread("x", [], None)
        ('y', 'y', 'y')
        >>> st.thread("g", ["p"], None), st.thread("r", [], None), st.thread("p", ["r"], None), st.renames()
        ('p', 'r', 'r', {'p': 'r'})
        """
        known = self.threads
        root = self._root
        t = None
        for k in (*links, tindex, mid):
            if k:
                x = known.get(k)
                if x is not None:
                    x = root(x)
                    if t is None:
                        t = x
                    elif x != t:
                        self.merged[x] = t  # two threads met before are one
        if t is None:
            t = root(links[0] if links else mid)
        if len(known) > 1_000_000:
            known.clear()
        known.setdefault(mid, t)
        for k in links:
            known.setdefault(k, t)
        if tindex:
            known.setdefault(tindex, t)
        return t

    def _root(self, t: str) -> str:
        """The thread ``t`` was merged into, if any (union-find, with path halving)."""
        up = self.merged
        while t in up:
            nxt = up[t]
            if nxt in up:
                nxt = up[t] = up[nxt]
            t = nxt
        return t

    def renames(self) -> dict[str, str]:
        """Every thread id merged into another, with the thread that now holds it."""
        return {t: self._root(t) for t in self.merged}

    def messages(self, member: str, msgs: Iterator[tuple[int, bytes]]) -> Iterator[Record]:
        self.in_sent_folder = _in_sent_folder(member)
        for n, (offset, raw) in enumerate(msgs, start=1):
            rec = _guarded(self.message, raw)
            if isinstance(rec, BadRecord):
                rec = BadRecord(f"{member} message {n} (byte {offset})", rec.message, rec.excerpt)
            if rec is not None:
                yield rec

    def pooled(self, member: str, stream: BinaryIO, pool) -> Iterator[Record]:
        """What :meth:`messages` yields, parsed by worker processes.

        The stream is cut into runs of whole messages (:func:`split_groups`, a few MiB each)
        that go to the workers in order; their results are taken in order: bad messages get
        their number in the file here, the sender counts add up, and each message's thread is
        worked out here from what the worker gave :meth:`thread` (threads span runs).
        """
        in_sent = _in_sent_folder(member)
        tasks = ((in_sent, base, data, single) for base, data, single in split_groups(stream, TASK_BYTES))
        n = 0  # messages (split items) before the run being taken
        # workers keep parsing while the store writes a batch
        for _, (recs, links, bad, items, senders, sent, lists, received, n_private) in in_order(
            pool, _parse_task, tasks, 4 * _workers() + 2
        ):
            self.senders.update(senders)
            self.sent.update(sent)
            self.lists.update(lists)
            self.received.update(received)
            self.n_private += n_private
            for k, offset, message, excerpt in bad:
                yield BadRecord(f"{member} message {n + k + 1} (byte {offset})", message, excerpt)
            n += items
            thread = self.thread
            for rec, link in zip(recs, links):
                if link is not None:  # threads linked across runs, in file order
                    rec.thread = thread(*link)
                yield rec

    def message(self, raw: bytes, crlf: bool = True) -> Interaction | BadRecord | None:
        """One message's Interaction (None for blank space between messages).

        ``crlf=False`` says the caller knows ``raw`` holds no ``\\r\\n`` (a worker checks its
        whole run once instead of each message's start).
        """
        if raw.startswith(b"From "):
            nl = raw.find(b"\n")
            raw = raw[nl + 1 :] if nl >= 0 else b""
        if crlf and raw.find(b"\r\n", 0, 2000) >= 0:
            raw = raw.replace(b"\r\n", b"\n")
        j = raw.find(b"\n\n")
        if j < 0:
            head, body = raw, b""
        else:
            head, body = raw[: j + 1], raw[j + 2 :]
        if not head or head.isspace():
            if not body or body.isspace():
                return None  # blank space between messages
            return BadRecord("", "no mail headers", body[:200].decode("utf-8", "replace"))
        try:
            block = head.decode("utf-8")
        except UnicodeDecodeError:
            block = head.decode("cp1252", "replace")
        h = _parse_headers(block)
        if "from" not in h and "message-id" not in h and "date" not in h:
            return BadRecord("", "no From, Date or Message-ID header: not a mail message", block[:200])
        date = h.get("date")
        ts = None
        if date:
            try:
                ts = parse_date(date)
            except (ValueError, OverflowError):
                return BadRecord("", f"unreadable Date {date[:80]!r}", date)
        if b">From " in body:
            body = _UNESCAPE_RE.sub(rb"\1", body)
        text, _plain = _body_text(h, body)
        if text is not None:
            text = text.strip() or None

        actor, parts = self.people(h.get("from"), h.get("to"), h.get("cc"), h.get("bcc"))
        if actor is not None and (" via " in (actor.name or "") or "x-original-from" in h or "original-from" in h):
            author = self.munged_author(h, actor)
            if author is not None and author.value != actor.value:
                actor = author  # the list put the author in Cc too: not a recipient of their own mail
                parts = tuple(p for p in parts if p[0].value != author.value)
        seen = None
        if "newsgroups" in h or "path" in h:
            vis = "public"
            is_list = _is_list(h, block, self.addresses)
        else:
            is_list = _is_list(h, block, self.addresses)
            vis = "group" if is_list else "private"
        if is_list:
            la = _list_address(h)
            if la is not None:
                self.lists.add(la)
                seen = {i.value for i, _ in parts}
                if la not in seen:
                    seen.add(la)
                    parts = parts + ((self.ident(la, None), "recipient"),)
        if self.self_addrs:
            for key in ("delivered-to", "x-original-to"):
                v = h.get(key)
                if v and not v.lower().startswith(("mailing list", "moderator for")):
                    for ident in self.addresses(v):
                        if seen is None:
                            seen = {i.value for i, _ in parts}
                        if ident.value in self.self_addrs and ident.value not in seen:
                            seen.add(ident.value)
                            parts = parts + ((self.ident(ident.value, None), "recipient" if is_list else "bcc"),)

        mid = _own_id(h.get("message-id"))
        if mid is None:
            mid = "h:" + content_id(actor.value if actor else h.get("from"), date, h.get("subject"), (text or "")[:500])
        refs = h.get("references")
        ref_ids = None  # the References ids, found only when needed (Gmail's thread id makes them moot)
        parent = _first_id(h.get("in-reply-to"))
        if parent is None and refs:
            ref_ids = _ID_RE.findall(refs)
            if ref_ids:
                parent = ref_ids[-1]
        if parent == mid:
            parent = None
        thrid = h.get("x-gm-thrid")
        if thrid:
            thread = "gm:" + thrid.strip()
            self.link = None
        else:
            if ref_ids is None:
                ref_ids = _ID_RE.findall(refs) if refs else []
            links = [r for r in ref_ids if r != mid]
            if parent is not None and parent not in links:
                links.append(parent)
            self.link = (mid, links, _thread_index(h.get("thread-index")))
            thread = self.thread(*self.link)

        if actor is not None:
            labels = h.get("x-gmail-labels")
            if self.in_sent_folder or (labels and "Sent" in labels and "Sent" in (x.strip() for x in labels.split(","))):
                self.sent[actor.value] += 1
            if vis == "private":  # only personal mail says who "you" are (guess_self)
                self.n_private += 1
                self.senders[actor.value] += 1
                to = {ident.value for ident, _ in parts}
                for key in ("delivered-to", "x-original-to"):
                    v = h.get(key)
                    if v:
                        to.update(ident.value for ident in self.addresses(v))
                to.discard(actor.value)
                self.received.update(to)

        return Interaction(mid, "reply" if parent else "message", "email", ts, actor, parts, vis, thread, parent, text)
