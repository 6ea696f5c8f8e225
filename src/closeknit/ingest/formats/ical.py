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
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

from closeknit.core.ids import content_id
from closeknit.core.normalize import normalize_email, normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import BadRecord, Ident, Interaction, Record, SelfIdentity

__all__ = ["IcalImporter", "parse_line", "unescape_text", "parse_dt", "parse_duration"]

UTC = timezone.utc

# --------------------------------------------------------------------------- content lines


_MAX_LINE = 16 * 1024 * 1024
#: A file is read in pieces of about this many bytes, each cut between events.
PIECE_BYTES = 1 << 20
#: An event is read whole; one longer than this (characters) is cut and reported as not closed.
_MAX_EVENT = 64 * 1024 * 1024


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


_MARK = re.compile(r"\n(BEGIN|END):VEVENT[ \t]*(?=\n)", re.IGNORECASE)


def _before_open_event(text: str, cut: int) -> int:
    """``cut`` (a newline), or the newline before an event that is still open there: pieces end
    between events, so that an event is read whole. -1: the text is one event not yet closed."""
    last = None
    start = cut + 1
    while last is None and start > 0:  # the last mark before the cut, looked for in the text's end first
        start = max(0, start - 65536) if start == cut + 1 else 0
        for m in _MARK.finditer(text, start, cut + 1):
            last = m
    if last is not None and last.group(1).upper() == "BEGIN":
        return last.start() if last.start() > 0 else -1
    if last is None and text[:12].upper() == "BEGIN:VEVENT":
        return -1
    return cut


class _Piece:
    """Part of a file, in whole logical lines: ``text`` begins with a newline (every line comes
    after one) and is not unfolded (RFC 5545 3.1): only the lines read are (:func:`_unfold`);
    its first line is physical line number ``first`` (kept to tell the line number of an error)."""

    __slots__ = ("text", "first", "_starts")

    def __init__(self, text: str, first: int) -> None:
        self.text = text
        self.first = first
        self._starts: list[int] | None = None

    def start(self, i: int) -> int:
        """Where in ``text`` the ``i``-th line that :data:`_LINES` finds begins (its newline)."""
        if self._starts is None:
            self._starts = [m.start() for m in _LINES.finditer(self.text)]
        return self._starts[i]

    def line_no(self, at: int) -> int:
        """The physical line number of the line after the newline at ``text[at]``."""
        return self.first + self.text.count("\n", 0, at)


def _unfold(line: str) -> str:
    """A logical line found with its continuation lines (RFC 5545 3.1), unfolded."""
    return line.replace("\n ", "").replace("\n\t", "") if "\n" in line else line


def _pieces(raw, size: int = 1 << 20) -> Iterator[_Piece]:
    """The file, read as UTF-8, as :class:`_Piece` s of about ``size`` bytes. Lines end with CRLF
    (RFC 5545) or LF, or, in a file whose first piece has no LF, a bare CR (old Mac); a BOM is
    dropped; a "line" longer than 16 MiB is an :class:`InputError`.

    Carriage returns are taken out of the bytes before they are decoded (a CR byte is never part
    of a longer UTF-8 character; RFC 5545 allows none inside a line): one pass in C over the bytes
    (``bytes.replace`` of one byte: a third of ``translate``'s time, a sixth of replacing CRLF in
    the decoded text).
    """
    import codecs

    from closeknit.core.errors import InputError

    dec = codecs.getincrementaldecoder("utf-8")("replace")
    pending = ""  # the start of a logical line the next piece completes
    first = True
    bare_cr = False
    line = 1
    while True:
        data = raw.read(size)
        if first and data:
            bare_cr = b"\n" not in data and b"\r" in data
        data = data.replace(b"\r", b"\n" if bare_cr else b"")
        text = dec.decode(data, final=not data)
        if first and text:
            text = text.lstrip("\ufeff")
            first = False
        text = pending + text
        if not data:
            if text:
                yield _Piece("\n" + text, line)
            return
        cut = text.rfind("\n")
        while cut != -1 and text[cut + 1 : cut + 2] in (" ", "\t", ""):  # a fold, or not yet known
            cut = text.rfind("\n", 0, cut)
        if cut == -1:  # one logical line so far (folded or not)
            if len(text) > _MAX_LINE:
                raise InputError(f"a line longer than {_MAX_LINE:,} characters; is this the right file?")
            pending = text
            continue
        if len(text) <= _MAX_EVENT:  # beyond, an event is cut where a line ends (and reported)
            cut = _before_open_event(text, cut)
            if cut == -1:
                pending = text
                continue
        pending = text[cut + 1 :]
        body = text[: cut + 1]
        yield _Piece("\n" + body, line)
        line += body.count("\n")



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
    n = len(v)
    if not (v.isdigit() if n == 8 else n >= 15 and v[8] == "T" and v[:8].isdigit() and v[9:15].isdigit()):
        return None
    try:
        # the basic ISO 8601 form (20240301T090000), read by fromisoformat since Python 3.11; the
        # wall time is read as UTC and the zone's offset at that wall time (fold 0) taken off: what
        # replace(tzinfo=tz).astimezone(UTC) gives, in a fifth of the time
        if n == 8:
            return datetime.fromisoformat(v + "T000000Z"), True
        dt = datetime.fromisoformat(v[:15] + "Z")
    except ValueError:
        return None
    if tz is None or tz is UTC or v.endswith(("Z", "z")):
        return dt, False
    off = tz.utcoffset(dt)  # our zones (IANA, Windows names mapped, VTIMEZONE offsets) always give one
    return (dt - off if off else dt), False


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


_SKIP_CUTYPES = frozenset({"ROOM", "RESOURCE"})
_DECLINED = "declined"
#: Distinct lines of :data:`_REPEATED` remembered at most (the cache starts over when full).
_SEEN_MAX = 100_000
#: Every line the reader looks at: components' BEGIN/END, what a calendar or a time zone says of
#: itself (X-WR-CALNAME, X-WR-TIMEZONE, METHOD, TZID, TZOFFSETTO), and the properties of an event
#: that are read (UID, RECURRENCE-ID, DTSTART, DTEND, DURATION, SUMMARY, ORGANIZER, ATTENDEE,
#: STATUS), each with its continuation lines (folded, RFC 5545 3.1). One ``findall`` over a
#: :class:`_Piece` finds them all; the other lines (DESCRIPTION, DTSTAMP, ...) never reach Python,
#: nor are they unfolded, which is what makes reading fast (the names are written with their common
#: starts taken out: the scan took a sixth longer with the 16 names side by side). Names are
#: case-insensitive (RFC 5545 3.1) and ASCII (no other script's letters: the Kelvin sign is no K;
#: also a fifth faster); a piece begins with a newline, so every line starts after one. A line folded
#: inside its name (RFC 5545 allows a fold anywhere; writers fold at 75 octets, far past the longest
#: name here, 13 characters) is not recognised.
_LINES = re.compile(
    r"\n((?:ATTENDEE|BEGIN|D(?:T(?:END|START)|URATION)|END|METHOD|ORGANIZER|RECURRENCE-ID|S(?:TATUS|UMMARY)"
    r"|TZ(?:ID|OFFSETTO)|UID|X-WR-(?:CALNAME|TIMEZONE))(?=[;:\n])[^\n]*(?:\n[ \t][^\n]*)*)",
    re.IGNORECASE | re.ASCII,
)
#: The name of a content line (upper-cased by the reader).
_NAME = re.compile(r"[^;:\n]*")
#: Event lines whose reading is remembered (they repeat from event to event) in ``seen``.
_REPEATED = frozenset({"ATTENDEE", "ORGANIZER", "STATUS", "BEGIN", "END"})


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
                yield from self._read_file(member, _pieces(raw, PIECE_BYTES), ctx, idents, self_emails, owners, lines_seen)

    def _read_file(self, member, pieces, ctx, idents, self_emails, owners, seen) -> Iterator[Record]:
        """Events of one file, read from its :func:`_pieces` in one pass over the lines of
        :data:`_LINES` (found by the regex, the others never reach Python).

        An event's own lines are gathered until its END:VEVENT; those of the components it holds
        (an alarm's ATTENDEE is not a guest) are passed over. ``seen`` caches the reading of the
        lines that repeat from event to event (:data:`_REPEATED`): the line -> :meth:`_line`.
        """
        cal = _Cal()
        if ctx.tz:  # floating times, unless the file names its zone (X-WR-TIMEZONE)
            cal.floating = _zone(ctx.tz)
        stack: list[str] = []
        tz_id: str | None = None
        tz_off: tzinfo | None = None
        for piece in pieces:
            ev: dict[str, object] | None = None  # the open event: the first of each property but ATTENDEE
            guests: list[tuple[str | None, Ident | None]] = []
            depth = 0  # how deep in the components the open event holds
            at = 0  # the number of its BEGIN line among the piece's lines (piece.start)
            bad: BadRecord | None = None  # its first unreadable line
            for i, line in enumerate(_LINES.findall(piece.text)):
                if ev is not None:
                    hit = seen.get(line)
                    if hit is None:
                        hit = self._line(line, idents)
                        if hit is None:  # unreadable
                            line = _unfold(line)
                            name = _NAME.match(line)[0].upper()  # type: ignore[index]
                            if depth == 0 and bad is None and name != "BEGIN" and name != "END":
                                bad = BadRecord(f"{member} line {piece.line_no(piece.start(i))}", f"unreadable {name} line", line[:200])
                            continue
                        if hit[0] in _REPEATED:
                            if len(seen) >= _SEEN_MAX:
                                seen.clear()
                            seen[line] = hit
                    kind, value = hit
                    if kind == "ATTENDEE":
                        if depth == 0:
                            guests.append(value)
                        continue
                    if kind == "BEGIN":
                        if value != "VEVENT":
                            depth += 1
                            continue
                    elif kind == "END":
                        if depth:
                            depth -= 1
                            continue
                        if value == "VEVENT":
                            rec = bad or self._event(member, (piece, at), ev, guests, cal, ctx, idents, self_emails)
                            if rec is not None:
                                yield rec
                            ev = None
                            continue
                    else:
                        if depth == 0 and kind not in ev:
                            ev[kind] = value
                        continue
                    # another event begins, or an outer component ends, before this one's END:VEVENT:
                    # it is reported and the line read as one outside events
                    yield BadRecord(f"{member} line {piece.line_no(piece.start(at))}", "event not closed (END:VEVENT missing); file cut off?")
                    ev = None
                p = _prop(_unfold(line))
                if p is None:
                    continue
                name, value = p[0].upper(), p[2]
                if name == "BEGIN":
                    comp = value.strip().upper()
                    if comp == "VEVENT" and stack:
                        ev, guests, depth, at, bad = {}, [], 0, i, None
                        continue
                    stack.append(comp)
                    if comp == "VTIMEZONE":
                        tz_id, tz_off = None, None
                    continue
                if name == "END":
                    comp = value.strip().upper()
                    if comp in stack:
                        while stack and stack.pop() != comp:
                            pass
                    if comp == "VTIMEZONE" and tz_id and tz_off:
                        cal.vtimezones[tz_id] = tz_off
                    continue
                if not stack:
                    continue
                top = stack[-1]
                if top == "VCALENDAR":
                    if name == "X-WR-CALNAME":
                        addr = normalize_email(value)
                        if addr:
                            cal.owner = addr
                            if addr not in owners and addr not in self_emails:
                                owners.add(addr)
                                yield SelfIdentity(Ident("email", "email", addr), evidence=f"X-WR-CALNAME of {member}")
                    elif name == "X-WR-TIMEZONE":
                        cal.floating = _zone(value)
                    elif name == "METHOD":
                        cal.cancel = value.strip().upper() == "CANCEL"
                elif top == "VTIMEZONE" and name == "TZID":
                    tz_id = value.strip()
                elif top == "STANDARD" and name == "TZOFFSETTO" and tz_off is None:
                    tz_off = _offset(value)
            if ev is not None:  # the file ended inside an event (pieces end between events)
                yield BadRecord(f"{member} line {piece.line_no(piece.start(at))}", "event not closed (END:VEVENT missing); file cut off?")

    def _line(self, line: str, idents: dict) -> tuple[str, object] | None:
        """``(NAME, value)`` of an event's line, None if unreadable: a component's BEGIN or END
        with the component's name, an attendee as what :meth:`_attendee` makes of it, the
        organizer as :meth:`_person`, the status upper-cased, any other property as :func:`_prop`
        reads it. ``line`` is as found, with its continuation lines."""
        p = _prop(_unfold(line))
        if p is None:
            return None
        name = p[0].upper()
        if name == "BEGIN" or name == "END" or name == "STATUS":
            return name, p[2].strip().upper()
        if name == "ATTENDEE":
            return name, self._attendee(p, idents)
        if name == "ORGANIZER":
            return name, self._person(p, idents)
        return name, p

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

    def _event(self, member, where, ev, guests, cal: _Cal, ctx: ImportContext, idents, self_emails) -> Record | None:
        """The meeting of one VEVENT (or None): ``ev`` holds the first of each property as
        :meth:`_line` reads it, ``guests`` what :meth:`_attendee` made of each ATTENDEE; ``where`` is ``(piece, i)``: its BEGIN line is the
        piece's ``i``-th line (:meth:`_Piece.start`)."""
        if cal.cancel:
            return None
        if ev.get("STATUS") == "CANCELLED":
            return None
        organizer = ev.get("ORGANIZER")
        mine = self_emails if cal.owner is None else cal.self_values(self_emails)
        people: dict[str, Ident] = {}  # by value: addresses, numbers and names do not collide
        if organizer is not None:
            people[organizer.value] = organizer
        owner_present = False
        owner_declined = False
        for status, ident in guests:
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
            _, params, value = ev["DTSTART"]
            start = parse_dt(value, cal.zone(params.get("TZID")))
            if start is None:
                return BadRecord(f"{member} line {where[0].line_no(where[0].start(where[1]))}", f"unreadable DTSTART {value!r}")
            if "DURATION" in ev:
                dur = parse_duration(ev["DURATION"][2])
            elif "DTEND" in ev:
                _, eparams, evalue = ev["DTEND"]
                end = parse_dt(evalue, cal.zone(eparams.get("TZID")))
                if end is not None:
                    dur = (end[0] - start[0]).total_seconds()
            elif start[1]:
                dur = 86400.0  # an all-day event without an end lasts one day (RFC 5545 3.6.1)
            if dur is not None and dur < 0:
                dur = None
        uid = ev["UID"][2].strip() if "UID" in ev else ""
        if uid:
            nid = f"event:{uid}"
        else:
            nid = "event:" + content_id(ev.get("DTSTART", ("", {}, ""))[2], ev.get("SUMMARY", ("", {}, ""))[2],
                                        organizer.value if organizer else "", *sorted(people))
        if "RECURRENCE-ID" in ev:
            _, rparams, rvalue = ev["RECURRENCE-ID"]
            rid = parse_dt(rvalue, cal.zone(rparams.get("TZID")))
            nid += "@" + (rid[0].strftime("%Y%m%dT%H%M%SZ") if rid else rvalue.strip())
        skip = organizer.value if organizer is not None else None
        parts = tuple([(i, "attendee") for k, i in people.items() if k != skip])
        summary = unescape_text(ev["SUMMARY"][2]).strip() if "SUMMARY" in ev else None
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
