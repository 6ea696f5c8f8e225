"""A synthetic calendar export (Google Takeout style ``.ics``) for the import benchmark.

One message = one event. Events have an organizer, 1-6 attendees (some declined, some rooms),
folded lines, a VTIMEZONE with TZID times, all-day events, recurring series with moved
occurrences, and a few events with nobody else in them (which the importer skips).
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

__all__ = ["generate"]

_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ines Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo".split()
_LAST = "Smith Meyer Rossi Novak Silva Khan Berg Lund Costa Weber".split()
_WHAT = "Standup Lunch Review Planning Coffee Dinner Call Sync Retro Interview Workshop Offsite".split()
OWNER = "owner@example.com"


def _fold(line: str) -> str:
    out = []
    while len(line.encode()) > 75:
        out.append(line[:75])
        line = " " + line[75:]
    out.append(line)
    return "\r\n".join(out) + "\r\n"


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    """Write ``calendar-bench.ics`` with ``n_messages`` events; returns its path."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "calendar-bench.ics"
    people = [(f"{f.lower()}.{last.lower()}{i}@example.org", f"{f} {last}") for i, (f, last) in
              enumerate((rng.choice(_FIRST), rng.choice(_LAST)) for _ in range(500))]
    t = datetime(2015, 1, 1, 8, 0)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n"
                f"CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:{OWNER}\r\nX-WR-TIMEZONE:Europe/Berlin\r\n"
                "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
                "DTSTART:19701025T030000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
        for i in range(n_messages):
            t += timedelta(minutes=rng.randint(10, 600))
            uid = f"{seed}x{i:08d}@google.com"
            lines = ["BEGIN:VEVENT"]
            if rng.random() < 0.05:
                lines += [f"DTSTART;VALUE=DATE:{t:%Y%m%d}", f"DTEND;VALUE=DATE:{t + timedelta(days=1):%Y%m%d}"]
            else:
                lines += [f"DTSTART;TZID=Europe/Berlin:{t:%Y%m%dT%H%M%S}",
                          f"DTEND;TZID=Europe/Berlin:{t + timedelta(minutes=rng.choice((15, 30, 60, 90))):%Y%m%dT%H%M%S}"]
            lines += [f"DTSTAMP:{t:%Y%m%dT%H%M%S}Z", f"UID:{uid}"]
            if rng.random() < 0.05:
                lines.append("RRULE:FREQ=WEEKLY;BYDAY=MO")
            if rng.random() < 0.03:
                lines.append(f"SUMMARY:Focus time {i}")  # nobody else
            else:
                org = OWNER if rng.random() < 0.4 else rng.choice(people)[0]
                lines.append(f"ORGANIZER;CN={org}:mailto:{org}")
                guests = rng.sample(people, rng.randint(1, 6))
                lines.append(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;CN={OWNER};X-NUM-GUESTS=0:mailto:{OWNER}")
                for addr, name in guests:
                    st = "DECLINED" if rng.random() < 0.1 else rng.choice(("ACCEPTED", "ACCEPTED", "TENTATIVE", "NEEDS-ACTION"))
                    lines.append(f"ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT={st};CN={name};X-NUM-GUESTS=0:mailto:{addr}")
                if rng.random() < 0.1:
                    lines.append("ATTENDEE;CUTYPE=RESOURCE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN=Room 4;X-NUM-GUESTS=0:"
                                 "mailto:c_1889abc@resource.calendar.google.com")
                lines.append(f"SUMMARY:{rng.choice(_WHAT)} with {guests[0][1]}\\, #{i}")
            lines += ["DESCRIPTION:", "LOCATION:", "SEQUENCE:0", "STATUS:CONFIRMED", "TRANSP:OPAQUE", "END:VEVENT"]
            f.write("".join(_fold(ln) for ln in lines))
        f.write("END:VCALENDAR\r\n")
    return path
