"""Google Calendar export: ``<address>.ics`` (iCalendar, RFC 5545).

``PRODID:-//Google Inc//Google Calendar 70.9054//EN`` with ``X-WR-CALNAME``; one ``VEVENT`` per
meeting with ``ORGANIZER;CN=…:mailto:…`` and one ``ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=…;PARTSTAT=…;
CN=…;X-NUM-GUESTS=0:mailto:…`` per guest (the organizer listed as a guest too, as Google does).
Text is escaped (``\\,`` ``\\;`` ``\\n``), lines end in CRLF and are folded at 75 octets (a fold
may split an address), never inside a UTF-8 character.
"""

from __future__ import annotations

import random
from pathlib import Path

from closeknit.demo.life import Life
from closeknit.demo.writers import Export

__all__ = ["write", "fold", "esc"]


def esc(s: str) -> str:
    return s.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Fold a content line at 75 octets, continuation lines starting with one space."""
    b = line.encode("utf-8")
    if len(b) <= 75:
        return line
    parts: list[str] = []
    cur: list[str] = []
    size, limit = 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(cur))
            cur, size, limit = [], 0, 74
        cur.append(ch)
        size += n
    parts.append("".join(cur))
    return "\r\n ".join(parts)


def _cn(name: str) -> str:
    return f'"{name}"' if any(c in name for c in ',;:') else name


def _stamp(t) -> str:
    return t.strftime("%Y%m%dT%H%M%SZ")


def write(life: Life, out: Path) -> list[Export]:
    rng = random.Random(life.seed * 1000 + 7)
    u = life.user
    lines = ["BEGIN:VCALENDAR", "PRODID:-//Google Inc//Google Calendar 70.9054//EN", "VERSION:2.0", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{u.email}", "X-WR-TIMEZONE:Europe/London"]
    for e in life.by_channel("meeting"):
        x = e.extra
        org = life.person(e.sender)
        guests = [org] + [life.person(pid) for pid in e.to]
        created = e.ts.replace(hour=9, minute=rng.randrange(60), second=rng.randrange(60))
        lines += ["BEGIN:VEVENT", f"DTSTART:{_stamp(e.ts)}", f"DTEND:{_stamp(x['end'])}", f"DTSTAMP:{_stamp(created)}",
                  fold(f"ORGANIZER;CN={_cn(org.name)}:mailto:{org.email}"), f"UID:{x['uid']}"]
        for g in guests:
            if not g.email:
                continue
            role = "CHAIR" if g is org else "REQ-PARTICIPANT"
            part = "ACCEPTED" if (g is org or rng.random() < 0.85) else rng.choice(("TENTATIVE", "NEEDS-ACTION"))
            lines.append(fold(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE={role};PARTSTAT={part};CN={_cn(g.name)};"
                              f"X-NUM-GUESTS=0:mailto:{g.email}"))
        lines += [f"CREATED:{_stamp(created)}", "DESCRIPTION:", f"LAST-MODIFIED:{_stamp(created)}",
                  fold(f"LOCATION:{esc(x['location'])}"), "SEQUENCE:0", "STATUS:CONFIRMED", fold(f"SUMMARY:{esc(e.text)}"),
                  "TRANSP:OPAQUE", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    path = out / "Calendar" / f"{u.email}.ics"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return [Export(path, "ical", "meeting")]
