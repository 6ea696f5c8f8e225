"""The user's address book, exported from an iPhone: ``contacts.vcf`` (vCard 3.0).

Apple's layout: ``PRODID:-//Apple Inc.//iPhone OS 18.1//EN``, ``N`` and ``FN``, grouped properties
(``item1.EMAIL;type=INTERNET;type=pref:…`` with ``item1.X-ABLabel``), ``TEL;type=CELL;type=VOICE``
in the number as it was typed, profile URLs for X and LinkedIn with their labels, CRLF line ends,
lines folded at 75 octets. One card per person the user knows well.
"""

from __future__ import annotations

from pathlib import Path

from closeknit.demo.life import Life
from closeknit.demo.writers import Export
from closeknit.demo.writers.ical import fold

__all__ = ["write"]


def _v(s: str) -> str:
    return s.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")


def write(life: Life, out: Path) -> list[Export]:
    cards = []
    for p in sorted((p for p in life.people if p.in_contacts), key=lambda p: (p.last, p.first, p.pid)):
        lines = ["BEGIN:VCARD", "VERSION:3.0", "PRODID:-//Apple Inc.//iPhone OS 18.1//EN",
                 f"N:{_v(p.last)};{_v(p.first)};;;", f"FN:{_v(p.name)}"]
        if p.tier == "work" and p.linkedin_company:
            lines.append(f"ORG:{_v(p.linkedin_company)};")
        item = 0
        if p.email:
            item += 1
            lines += [f"item{item}.EMAIL;type=INTERNET;type=pref:{p.email}", f"item{item}.X-ABLabel:_$!<Other>!$_"]
        if p.phone:
            lines.append(f"TEL;type=CELL;type=VOICE;type=pref:{p.phone_display()}")
        if p.x_handle and p.contact_x:
            item += 1
            lines += [fold(f"item{item}.URL;type=pref:https://x.com/{p.x_handle}"), f"item{item}.X-ABLabel:X"]
        if p.linkedin and p.contact_linkedin:
            item += 1
            lines += [fold(f"item{item}.URL:{p.linkedin}"), f"item{item}.X-ABLabel:LinkedIn"]
        if p.role in ("mum", "sister", "partner"):
            lines.append(f"NOTE:{p.role}")
        lines.append("END:VCARD")
        cards.append("\r\n".join(lines) + "\r\n")
    path = out / "Contacts" / "contacts.vcf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(cards).encode("utf-8"))
    return [Export(path, "vcard", "contacts")]
