"""iCalendar (``.ics``) events with other people in them, as meetings (format ``ical``).

Reads every ``.ics`` member (a single file, a folder, or a zip such as Google Takeout's
Calendar export) line by line with a small streaming parser for the subset needed here
(RFC 5545 content lines: folding, parameters with quoted and multiple values, escaped text);
``icalendar`` would load the whole file into an object tree and is far too slow for big
calendars (see docs/formats/ical.md).

Each ``VEVENT`` becomes one interaction of kind ``meeting`` on channel ``meeting``:

* actor: the ``ORGANIZER``; participants: every other ``ATTENDEE`` with role ``attendee``.
  Addresses are ``mailto:`` URIs in any case (``MAILTO:``), normalised; ``CN`` is the display
  name. Attendees that declined (``PARTSTAT=DECLINED``), rooms and resources
  (``CUTYPE=ROOM/RESOURCE``, Google ``@resource.calendar.google.com``) and
  ``ROLE=NON-PARTICIPANT`` copies are left out.
* Only meetings *with other people* are kept (as Clay does): when the calendar owner is known
  (``closeknit me``, or Google's ``X-WR-CALNAME`` holding the owner's address, which is then
  declared a :class:`SelfIdentity`) an event needs one other person; when the owner is unknown
  it needs two people (the owner is presumably one of them). Events the owner declined and
  cancelled events (``STATUS:CANCELLED``, ``METHOD:CANCEL``) are skipped.
* time: ``DTSTART`` in UTC (``TZID`` through the IANA database, Windows zone names through CLDR's
  windowsZones (:func:`_zone`), else the file's own ``VTIMEZONE`` standard offset; floating times in ``X-WR-TIMEZONE``, else
  the user's zone (``closeknit me timezone``), else UTC; all-day dates at 00:00 UTC); no ``DTSTART`` -> no time. ``duration_s`` from ``DURATION``
  or ``DTEND - DTSTART``.
* recurring events (``RRULE``): the series is kept as *one* meeting at its first occurrence,
  and each modified occurrence (``RECURRENCE-ID``) as its own. Expanding rules would invent
  meetings that may have been skipped or cancelled and the export cannot tell; see the docs.
* native id: ``event:<UID>`` plus ``@<RECURRENCE-ID>`` for a modified occurrence; text: ``SUMMARY``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from closeknit.core.ids import content_id
from closeknit.core.normalize import normalize_email, normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import BadRecord, Ident, Interaction, Record, SelfIdentity

__all__ = ["IcalImporter", "unfold", "parse_line", "unescape_text", "parse_dt", "parse_duration"]

UTC = timezone.utc

# --------------------------------------------------------------------------- content lines


_MAX_LINE = 16 * 1024 * 1024


def text_lines(raw, encoding: str = "utf-8", chunk: int = 1 << 20) -> Iterator[str]:
    """Lines of a binary stream (without line ends), decoded chunk-wise; a BOM is dropped.

    Faster than reading line by line; a "line" longer than 16 MiB is an :class:`InputError`.
    """
    import codecs

    from closeknit.core.errors import InputError

    dec = codecs.getincrementaldecoder(encoding)("replace")
    rest = ""
    first = True
    while True:
        data = raw.read(chunk)
        text = dec.decode(data, final=not data)
        if first and text:
            text = text.lstrip("\ufeff")
            first = False
        text = rest + text
        if not data:
            if text:
                yield from text.splitlines()
            return
        cut = text.rfind("\n")
        if cut == -1:
            rest = text
            if len(rest) > _MAX_LINE:
                raise InputError(f"a line longer than {_MAX_LINE:,} characters; is this the right file?")
            continue
        rest = text[cut + 1 :]
        yield from text[:cut].split("\n")


def unfold(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """``(line number, logical line)`` with folded continuation lines joined (RFC 5545 3.1)."""
    buf: str | None = None
    start = 0
    for n, line in enumerate(lines, start=1):
        if line[-1:] == "\r" or line[-1:] == "\n":
            line = line.rstrip("\r\n")
        if line[:1] in (" ", "\t"):
            if buf is not None:
                buf += line[1:]
            continue
        if buf:
            yield start, buf
        buf, start = line, n
    if buf:
        yield start, buf


class _Lines:
    """Logical lines of part of a file, with their line numbers (computed only when asked for).

    ``numbers`` is the list of line numbers, or None when the lines came from the fast path:
    then ``physical`` (the complete physical lines they were unfolded from, ``first`` being the
    number of the first) gives them on demand, by unfolding once more line by line.
    """

    __slots__ = ("lines", "numbers", "physical", "first")

    def __init__(self, lines: list[str], numbers: list[int] | None, physical: list[str] | None = None, first: int = 0) -> None:
        self.lines = lines
        self.numbers = numbers
        self.physical = physical
        self.first = first

    def number(self, i: int) -> int:
        if self.numbers is None:
            if self.physical is None:
                raise ValueError("a part without line numbers needs its physical lines")
            self.numbers = [n for n, _ in unfold(self.physical)]
            self.numbers = [n + self.first - 1 for n in self.numbers]
        return self.numbers[i]


_FOLD = re.compile(r"\n[ \t]")


def _unfolded_chunks(raw, encoding: str = "utf-8", chunk: int = 1 << 20) -> Iterator[_Lines]:
    """``unfold(text_lines(raw))`` chunk-wise, as :class:`_Lines` (the same lines, numbers and
    decoding). Where a chunk has CRLF line ends throughout, the complete logical lines in its
    middle are unfolded with one regex substitution instead of a Python step per line."""
    import codecs

    from closeknit.core.errors import InputError

    dec = codecs.getincrementaldecoder(encoding)("replace")
    rest = ""
    first = True
    buf: str | None = None
    start = 0
    n = 0  # physical lines before this chunk's
    while True:
        data = raw.read(chunk)
        text = dec.decode(data, final=not data)
        if first and text:
            text = text.lstrip("\ufeff")
            first = False
        text = rest + text
        crlf = False
        if not data:
            lines = text.splitlines() if text else []
        else:
            cut = text.rfind("\n")
            if cut == -1:
                rest = text
                if len(rest) > _MAX_LINE:
                    raise InputError(f"a line longer than {_MAX_LINE:,} characters; is this the right file?")
                continue
            rest = text[cut + 1 :]
            body = text[:cut]
            if "\r\r" not in body and body.count("\n") == body.count("\r\n"):
                # every line ends with exactly one CR or none (only the last can have none): cut
                # them all at once, as the per-line rstrip below would
                crlf = True
                lines = body[:-1].split("\r\n") if body[-1:] == "\r" else body.split("\r\n")
            else:
                lines = body.split("\n")
        out: list[tuple[int, str]] = []
        append = out.append
        parts: list[_Lines] = []
        k = len(lines)
        a = 0
        if crlf:
            # lines[a:b] hold complete logical lines: a is the first line that does not continue
            # the one before, b the last (which the next chunk may still continue)
            while a < k and lines[a][:1] in (" ", "\t") and lines[a]:
                a += 1
            b = k - 1
            while b > a and (lines[b][:1] == " " or lines[b][:1] == "\t"):
                b -= 1
            if b - a < 2:
                a = k  # not worth it: all line by line
        else:
            a = b = k
        # continuations of the line carried from before
        buf, start = _unfold(lines, 0, a if a < k else k, crlf, buf, start, n, append)
        if a < k:
            if buf:
                append((start, buf))
            if out:
                parts.append(_Lines([x for _, x in out], [x for x, _ in out]))
                out = []
                append = out.append
            middle = lines[a:b]
            parts.append(_Lines(list(filter(None, _FOLD.sub("", "\n".join(middle)).split("\n"))), None, middle, n + a + 1))
            buf, start = lines[b], n + b + 1
            tail_from = b + 1
        else:
            tail_from = a if a < k else k
        buf, start = _unfold(lines, tail_from, k, crlf, buf, start, n, append)
        n += k
        if not data and buf:
            append((start, buf))
        if out:
            parts.append(_Lines([x for _, x in out], [x for x, _ in out]))
        yield from parts
        if not data:
            return


def _unfold(lines, i0: int, i1: int, crlf: bool, buf: str | None, start: int, n: int, append) -> tuple[str | None, int]:
    """Unfold ``lines[i0:i1]`` one by one onto the logical line ``buf`` (begun at physical line
    ``start``), appending each finished ``(line number, line)``; returns the open ``(buf, start)``.
    ``n`` is the number of physical lines before ``lines``; with ``crlf`` line ends are already cut."""
    for i in range(i0, i1):
        line = lines[i]
        if not crlf:
            last = line[-1:]
            if last == "\r" or last == "\n":
                line = line.rstrip("\r\n")
        c = line[:1]
        if c == " " or c == "\t":
            if buf is not None:
                buf += line[1:]
            continue
        if buf:
            append((start, buf))
        buf, start = line, n + i + 1
    return buf, start


_PARAM = re.compile(r';([^=;:"]+)(?:=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*))?')
_PVAL = re.compile(r'"([^"]*)"|([^",]+)')


def parse_line(line: str) -> tuple[str, dict[str, list[str]], str] | None:
    """``(NAME, {PARAM: [values]}, value)`` of a content line, or None if it is not one.

    The name keeps its group prefix (``item1.EMAIL``) and is upper-cased; parameter names are
    upper-cased; quoted parameter values lose their quotes; a vCard 2.1 bare parameter
    (``TEL;HOME:``) counts as a ``TYPE``.

    >>> parse_line('ATTENDEE;CN="Doe, Jo";DELEGATED-TO="mailto:a@x","mailto:b@x":MAILTO:j@x')
    ('ATTENDEE', {'CN': ['Doe, Jo'], 'DELEGATED-TO': ['mailto:a@x', 'mailto:b@x']}, 'MAILTO:j@x')
    """
    colon = line.find(":")
    if colon <= 0:
        return None
    semi = line.find(";", 0, colon)
    if semi == -1:
        return line[:colon].upper(), {}, line[colon + 1 :]
    params: dict[str, list[str]] = {}
    if line.find('"', 0, colon) == -1:
        # fast path: no quoted parameter, so the first colon ends the parameters
        for item in line[semi + 1 : colon].split(";"):
            k, eq, v = item.partition("=")
            if not eq:
                params.setdefault("TYPE", []).append(k.strip().lower())
            elif "," in v:
                params.setdefault(k.strip().upper(), []).extend(v.split(","))
            else:
                params.setdefault(k.strip().upper(), []).append(v)
        return line[:semi].upper(), params, line[colon + 1 :]
    pos, n = semi, len(line)
    while True:
        m = _PARAM.match(line, pos)
        if m is None:
            return None
        pname, raw = m.group(1).strip().upper(), m.group(2)
        if raw is None:
            params.setdefault("TYPE", []).append(pname.lower())
        elif '"' in raw or "," in raw:
            params.setdefault(pname, []).extend(a if a or not b else b for a, b in _PVAL.findall(raw))
        else:
            params.setdefault(pname, []).append(raw)
        pos = m.end()
        if pos >= n:
            return None
        if line[pos] == ":":
            return line[:semi].upper(), params, line[pos + 1 :]
        if line[pos] != ";":
            return None


_ESC = re.compile(r"\\(.)")


def _unesc(m: re.Match[str]) -> str:
    c = m.group(1)
    return "\n" if c == "n" or c == "N" else c


def unescape_text(value: str) -> str:
    r"""TEXT value unescaped: ``\n`` -> newline, ``\,`` ``\;`` ``\\`` -> the character.

    >>> unescape_text(r"Lunch\, then a walk\nbring shoes")
    'Lunch, then a walk\nbring shoes'
    """
    if "\\" not in value:
        return value
    return _ESC.sub(_unesc, value)


# --------------------------------------------------------------------------- time


@lru_cache(maxsize=256)
def _zone(tzid: str) -> tzinfo | None:
    """The zone a ``TZID`` names: an IANA name (also inside a path), or a Windows name as Outlook
    and Exchange write them ("W. Europe Standard Time"), mapped by CLDR's windowsZones table (the
    copy tzlocal ships, ``tzlocal.windows_tz.win_tz``; 2026-12: until then a Windows name got only
    its VTIMEZONE's standard offset, and summer events landed an hour off).

    >>> _zone("W. Europe Standard Time")
    zoneinfo.ZoneInfo(key='Europe/Berlin')
    """
    tzid = tzid.strip().strip('"')
    parts = tzid.strip("/").split("/")
    for k in range(len(parts)):  # "/mozilla.org/20050126_1/Europe/Berlin" -> "Europe/Berlin"
        try:
            return ZoneInfo("/".join(parts[k:]))
        except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
            continue
    from tzlocal.windows_tz import win_tz

    iana = win_tz.get(tzid)
    if iana:
        try:
            return ZoneInfo(iana)
        except (ValueError, KeyError, OSError):
            return None
    return None


def parse_dt(value: str, tz: tzinfo | None = None) -> tuple[datetime, bool] | None:
    """``(UTC datetime, is_date)`` of a DATE or DATE-TIME value; ``tz`` for local times.

    >>> parse_dt('20240301T090000Z')
    (datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.timezone.utc), False)
    """
    v = value.strip()
    try:
        if len(v) == 8:
            return datetime(int(v[0:4]), int(v[4:6]), int(v[6:8]), tzinfo=UTC), True
        if len(v) >= 15 and v[8] == "T":
            if tz is None or v.endswith(("Z", "z")):
                tz = UTC
            dt = datetime(int(v[0:4]), int(v[4:6]), int(v[6:8]), int(v[9:11]), int(v[11:13]), int(v[13:15]), 0, tz)
            return (dt if tz is UTC else dt.astimezone(UTC)), False
    except ValueError:
        return None
    return None


_DUR = re.compile(r"^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_duration(value: str) -> float | None:
    """Seconds of an RFC 5545 DURATION (``PT1H30M`` -> 5400.0), None if unreadable."""
    m = _DUR.match(value.strip().upper())
    if not m or value.strip().upper() in ("P", "PT"):
        return None
    sign, w, d, h, mi, s = m.groups()
    secs = int(w or 0) * 604800 + int(d or 0) * 86400 + int(h or 0) * 3600 + int(mi or 0) * 60 + int(s or 0)
    return float(-secs if sign == "-" else secs)


def _offset(value: str) -> tzinfo | None:
    v = value.strip()
    if len(v) < 5 or v[0] not in "+-":
        return None
    try:
        secs = int(v[1:3]) * 3600 + int(v[3:5]) * 60 + (int(v[5:7]) if len(v) >= 7 else 0)
    except ValueError:
        return None
    return timezone(timedelta(seconds=-secs if v[0] == "-" else secs))


# --------------------------------------------------------------------------- importer

_PFAST = re.compile(r";([^=;:]+)=([^;:]*)")


_HEADS: dict[str, tuple[str, dict[str, str]]] = {}


def _prop(line: str) -> tuple[str, dict[str, str], str] | None:
    """Like :func:`parse_line` but with only the first value of each parameter (the fast path
    for event properties: one regex call when no parameter is quoted, and the name and
    parameters of a repeated head such as ``DTSTART;TZID=Europe/Berlin`` read once)."""
    colon = line.find(":")
    if colon <= 0:
        return None
    head = line[:colon]
    hit = _HEADS.get(head)
    if hit is not None:
        return hit[0], hit[1], line[colon + 1 :]
    semi = line.find(";", 0, colon)
    if semi == -1:
        return head, {}, line[colon + 1 :]
    if line.find('"', 0, colon) == -1:
        params = {k.upper(): v.split(",", 1)[0] for k, v in _PFAST.findall(line, semi, colon)}
        if len(_HEADS) >= 4096:
            _HEADS.clear()
        _HEADS[head] = (line[:semi], params)
        return line[:semi], params, line[colon + 1 :]
    p = parse_line(line)
    if p is None:
        return None
    return p[0], {k: v[0] if v else "" for k, v in p[1].items()}, p[2]


_EVENT_PROPS = frozenset(
    {"UID", "RECURRENCE-ID", "DTSTART", "DTEND", "DURATION", "SUMMARY", "ORGANIZER", "ATTENDEE", "STATUS"}
)
_SKIP_CUTYPES = frozenset({"ROOM", "RESOURCE"})
_EVENT_PREFIXES = tuple(_EVENT_PROPS) + ("BEGIN", "END")
_MISSING = object()
_DECLINED = "declined"
#: Distinct ATTENDEE / ORGANIZER lines remembered at most (the cache starts over when full).
_SEEN_MAX = 100_000


def _name_of(line: str) -> str:
    """The property name of a raw content line (upper-cased), cheaply."""
    colon = line.find(":")
    if colon == -1:
        colon = len(line)
    semi = line.find(";", 0, colon)
    return line[: colon if semi == -1 else semi].upper()


class _Cal:
    """Per-file state: time zones, the owner's address, the default zone for floating times."""

    def __init__(self) -> None:
        self.vtimezones: dict[str, tzinfo] = {}
        self.floating: tzinfo | None = None
        self.owner: str | None = None
        self.cancel = False
        self._mine: set[str] | None = None
        self._zones: dict[str, tzinfo] = {}

    def self_values(self, base: set[str]) -> set[str]:
        """The owner's identity values: ``base`` plus the calendar's owner address (cached)."""
        if self._mine is None:
            self._mine = set(base)
            if self.owner is not None:
                self._mine.add(self.owner)
        return self._mine

    def zone(self, tzid: str | None) -> tzinfo | None:
        if not tzid:
            return self.floating
        z = self._zones.get(tzid)
        if z is not None:
            return z
        z = _zone(tzid)
        if z is not None:
            self._zones[tzid] = z  # an IANA zone: the same whatever VTIMEZONEs come later
        if z is None:
            z = self.vtimezones.get(tzid.strip('"'))
        return z or UTC


@register
class IcalImporter(Importer):
    name = "ical"
    channel = "meeting"
    version = "2"  # 2 (2026-12): Windows zone names through CLDR's windowsZones
    settings = ("timezone", "region", "me")  # floating times are read in your zone
    description = "iCalendar .ics events with attendees (Google, Apple, Outlook calendar exports)"

    def detect(self, tree: InputTree) -> int:
        return 9 if self._members(tree) else 0

    @staticmethod
    def _members(tree: InputTree) -> list[str]:
        out = []
        for n in sorted(tree.names()):
            if n.lower().endswith((".ics", ".ical", ".icalendar", ".ifb")) and b"BEGIN:VCALENDAR" in tree.head(n, 4096).upper():
                out.append(n)
        return out

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        idents: dict[tuple, Ident | None] = {}
        self_emails = {i.value for i in ctx.self_idents}  # any of the user's identity values
        owners: set[str] = set()
        lines_seen: dict[str, tuple] = {}
        for member in self._members(tree):
            with tree.open(member) as raw:
                yield from self._read_file(member, _unfolded_chunks(raw), ctx, idents, self_emails, owners, lines_seen)

    def _read_file(self, member, chunks, ctx, idents, self_emails, owners, seen) -> Iterator[Record]:
        """Events of one file; ``chunks`` yields lists of (line number, logical line).

        ``seen`` caches ATTENDEE / ORGANIZER / STATUS lines (they repeat from event to event): the line ->
        its parsed property, and for attendees what :meth:`_attendee` makes of it.
        """
        cal = _Cal()
        if ctx.tz:  # floating times, unless the file names its zone (X-WR-TIMEZONE)
            cal.floating = _zone(ctx.tz)
        stack: list[str] = []
        ev: dict[str, list] | None = None
        ev_line: tuple = (None, 0)  # (lines, index) of the BEGIN:VEVENT line
        tz_id: str | None = None
        tz_off: tzinfo | None = None
        prefixes = _EVENT_PREFIXES
        props = _EVENT_PROPS
        miss = _MISSING
        for part in chunks:
            for i, line in enumerate(part.lines):
                if ev is not None:
                    if not line.startswith(prefixes):
                        if line[:1].isupper() or not line:
                            continue  # an event property we do not need (DTSTAMP, DESCRIPTION, ...)
                    elif stack and stack[-1] == "VEVENT":
                        hit = seen.get(line, miss)
                        if hit is not miss:  # a repeated ATTENDEE / ORGANIZER line of an event
                            ev.setdefault(hit[0], []).append(hit[1])
                            continue
                name = _name_of(line)
                if name == "BEGIN":
                    comp = line[6:].strip().upper()
                    stack.append(comp)
                    if comp == "VEVENT" and len(stack) >= 2:
                        ev, ev_line = {}, (part, i)
                    elif comp == "VTIMEZONE":
                        tz_id, tz_off = None, None
                    continue
                if name == "END":
                    comp = line[4:].strip().upper()
                    if comp in stack:
                        while stack and stack.pop() != comp:
                            pass
                    if comp == "VEVENT" and ev is not None:
                        rec = self._event(member, ev_line, ev, cal, ctx, idents, self_emails)
                        ev = None
                        if rec is not None:
                            yield rec
                    elif comp == "VTIMEZONE" and tz_id and tz_off:
                        cal.vtimezones[tz_id] = tz_off
                    continue
                if not stack:
                    continue
                top = stack[-1]
                if top == "VEVENT":
                    if ev is not None and name in props:
                        p = _prop(line)
                        if p is None:
                            yield BadRecord(f"{member} line {part.number(i)}", f"unreadable {name} line", line[:200])
                            continue
                        # an attendee is kept as what _attendee makes of it, any other property as parsed
                        entry: tuple[str, dict[str, str], str] | tuple[str | None, Ident | None] = (
                            self._attendee(p, idents) if name == "ATTENDEE" else p)
                        if name == "ATTENDEE" or name == "ORGANIZER" or name == "STATUS":
                            if len(seen) >= _SEEN_MAX:
                                seen.clear()
                            seen[line] = (name, entry)
                        ev.setdefault(name, []).append(entry)
                elif top == "VCALENDAR":
                    if name == "X-WR-CALNAME":
                        addr = normalize_email(line.partition(":")[2])
                        if addr:
                            cal.owner = addr
                            if addr not in owners and addr not in self_emails:
                                owners.add(addr)
                                yield SelfIdentity(Ident("email", "email", addr), evidence=f"X-WR-CALNAME of {member}")
                    elif name == "X-WR-TIMEZONE":
                        cal.floating = _zone(line.partition(":")[2])
                    elif name == "METHOD":
                        cal.cancel = line.partition(":")[2].strip().upper() == "CANCEL"
                elif top == "VTIMEZONE" and name == "TZID":
                    tz_id = line.partition(":")[2].strip()
                elif top == "STANDARD" and name == "TZOFFSETTO" and tz_off is None:
                    tz_off = _offset(line.partition(":")[2])
        if ev is not None:
            yield BadRecord(f"{member} line {ev_line[0].number(ev_line[1])}", "event not closed (END:VEVENT missing); file cut off?")

    def _attendee(self, prop: tuple[str, dict[str, str], str], idents: dict) -> tuple[str | None, Ident | None]:
        """``(status, identity)`` of an ATTENDEE property: the identity is None for rooms, resources
        and non-participants (left out); status is :data:`_DECLINED` when they declined."""
        params = prop[1]
        if params and (params.get("CUTYPE", "").upper() in _SKIP_CUTYPES or params.get("ROLE", "").upper() == "NON-PARTICIPANT"):
            return None, None
        ident = self._person(prop, idents)
        if ident is not None and params and params.get("PARTSTAT", "").upper() == "DECLINED":
            return _DECLINED, ident
        return None, ident

    def _person(self, prop: tuple[str, dict[str, str], str], idents: dict) -> Ident | None:
        _, params, value = prop
        cn = params.get("CN")
        cn = cn.strip() if cn else None
        key = (value, cn)
        if key in idents:
            return idents[key]
        v = value.strip()
        low = v.lower()
        ident: Ident | None = None
        if low.startswith("mailto:"):
            addr = normalize_email(v[7:])
            if addr and not addr.endswith("@resource.calendar.google.com"):
                ident = Ident("email", "email", addr, cn if cn and cn.lower() != addr else None)
        elif low.startswith("tel:"):
            num = normalize_phone(v[4:])
            if num:
                ident = Ident("phone", "phone", num, cn)
        elif "@" in v and (addr := normalize_email(v)):
            ident = Ident("email", "email", addr, cn if cn and cn.lower() != addr else None)
        elif cn:
            ident = Ident("meeting", "name", cn, cn)
        idents[key] = ident
        return ident

    def _event(self, member, where, ev, cal: _Cal, ctx: ImportContext, idents, self_emails) -> Record | None:
        """The meeting of one VEVENT (or None); ``where`` is ``(lines, index)`` of its BEGIN line."""
        if cal.cancel:
            return None
        status = ev.get("STATUS")
        if status and status[0][2].strip().upper() == "CANCELLED":
            return None
        organizer = self._person(ev["ORGANIZER"][0], idents) if "ORGANIZER" in ev else None
        mine = self_emails if cal.owner is None else cal.self_values(self_emails)
        people: dict[str, Ident] = {}  # by value: addresses, numbers and names do not collide
        if organizer is not None:
            people[organizer.value] = organizer
        owner_present = False
        owner_declined = False
        for status, ident in ev.get("ATTENDEE", ()):
            if ident is None:  # left out (room, resource, non-participant) or nobody
                continue
            if status is _DECLINED:
                if ident.value in mine:
                    owner_declined = True
                continue
            key = ident.value
            prev = people.get(key)
            if prev is None:
                people[key] = ident
            elif prev.name is None and ident.name:  # ORGANIZER without CN, listed again with one
                people[key] = ident
                if organizer is not None and organizer.value == key:
                    organizer = ident
        if owner_declined:
            return None
        others = 0
        for value in people:
            if value in mine:
                owner_present = True
            else:
                others += 1
        if others < (1 if owner_present else 2):
            return None
        # time and duration
        start = None
        dur: float | None = None
        if "DTSTART" in ev:
            _, params, value = ev["DTSTART"][0]
            start = parse_dt(value, cal.zone(params.get("TZID")))
            if start is None:
                return BadRecord(f"{member} line {where[0].number(where[1])}", f"unreadable DTSTART {value!r}")
            if "DURATION" in ev:
                dur = parse_duration(ev["DURATION"][0][2])
            elif "DTEND" in ev:
                _, eparams, evalue = ev["DTEND"][0]
                end = parse_dt(evalue, cal.zone(eparams.get("TZID")))
                if end is not None:
                    dur = (end[0] - start[0]).total_seconds()
            elif start[1]:
                dur = 86400.0  # an all-day event without an end lasts one day (RFC 5545 3.6.1)
            if dur is not None and dur < 0:
                dur = None
        uid = ev["UID"][0][2].strip() if "UID" in ev else ""
        if uid:
            nid = f"event:{uid}"
        else:
            nid = "event:" + content_id(ev.get("DTSTART", [("", {}, "")])[0][2], ev.get("SUMMARY", [("", {}, "")])[0][2],
                                        organizer.value if organizer else "", *sorted(people))
        if "RECURRENCE-ID" in ev:
            _, rparams, rvalue = ev["RECURRENCE-ID"][0]
            rid = parse_dt(rvalue, cal.zone(rparams.get("TZID")))
            nid += "@" + (rid[0].strftime("%Y%m%dT%H%M%SZ") if rid else rvalue.strip())
        parts = tuple((i, "attendee") for k, i in people.items() if organizer is None or k != organizer.value)
        summary = unescape_text(ev["SUMMARY"][0][2]).strip() if "SUMMARY" in ev else None
        return Interaction(
            nid,
            "meeting",
            "meeting",
            start[0] if start else None,
            organizer,
            parts,
            "private" if len(people) <= 2 else "group",
            f"event:{uid}" if uid else None,
            None,
            summary or None,
            dur,
        )
