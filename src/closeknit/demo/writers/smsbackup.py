"""SMS Backup & Restore (Android): ``sms-<stamp>.xml`` and ``calls-<stamp>.xml``.

``<smses count backup_set backup_date type="full">`` with one ``<sms>`` per text (type 1
received, 2 sent; the modern attribute set with ``date_sent``, ``sub_id``, ``readable_date`` and
``contact_name``, ``(Unknown)`` for numbers not in the address book). Bodies are escaped the way
the app does it: XML entities, ``&#10;`` for newlines, and emoji as UTF-16 surrogate-pair
character references (``&#55357;&#56832;``), which strict XML parsers refuse. ``<calls>`` holds
``<call number duration date type presentation readable_date contact_name />``, newest first
(type 1 incoming, 2 outgoing, 3 missed).
"""

from __future__ import annotations

import random
from pathlib import Path

from closeknit.demo.life import NOW, USER, Life
from closeknit.demo.writers import Export

__all__ = ["write", "escape"]


def escape(s: str) -> str:
    """Escape like SMS Backup & Restore: entities, and astral characters as surrogate pairs."""
    out = []
    for ch in s:
        o = ord(ch)
        if ch == "&":
            out.append("&amp;")
        elif ch == "<":
            out.append("&lt;")
        elif ch == ">":
            out.append("&gt;")
        elif ch == '"':
            out.append("&quot;")
        elif ch == "'":
            out.append("&apos;")
        elif ch == "\n":
            out.append("&#10;")
        elif o > 0xFFFF:
            o -= 0x10000
            out.append(f"&#{0xD800 + (o >> 10)};&#{0xDC00 + (o & 0x3FF)};")
        else:
            out.append(ch)
    return "".join(out)


def _readable(t) -> str:
    return f"{t.day} {t:%b %Y %H:%M:%S}"


def write(life: Life, out: Path) -> list[Export]:
    rng = random.Random(life.seed * 1000 + 6)
    stamp = NOW.strftime("%Y%m%d%H%M%S")
    backup_date = int(NOW.timestamp() * 1000) + 4711
    folder = out / "SMSBackupRestore"
    folder.mkdir(parents=True, exist_ok=True)

    sms = life.by_channel("sms")
    lines = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>",
             f"<!--File Created By SMS Backup & Restore v10.22.003 on {NOW:%d/%m/%Y %H:%M:%S}-->",
             '<?xml-stylesheet type="text/xsl" href="sms.xsl"?>',
             f'<smses count="{len(sms)}" backup_set="{rng.randbytes(16).hex()}" backup_date="{backup_date}" type="full">']
    for e in sms:
        pid = e.to[0] if e.sender == USER else e.sender
        p = life.person(pid)
        ms = int(e.ts.timestamp() * 1000) + rng.randrange(1000)
        sent = e.sender == USER
        name = escape(p.name) if p.in_contacts else "(Unknown)"
        lines.append(
            f'  <sms protocol="0" address="{p.phone}" date="{ms}" type="{2 if sent else 1}" subject="null" '
            f'body="{escape(e.text)}" toa="null" sc_toa="null" service_center="{"null" if sent else "+447785016005"}" '
            f'read="1" status="-1" locked="0" date_sent="{0 if sent else ms - rng.randrange(1000, 9000)}" sub_id="1" '
            f'readable_date="{_readable(e.ts)}" contact_name="{name}" />')
    lines.append("</smses>")
    sms_path = folder / f"sms-{stamp}.xml"
    sms_path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))

    calls = list(reversed(life.by_channel("call")))
    lines = ["<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>",
             f"<!--File Created By SMS Backup & Restore v10.22.003 on {NOW:%d/%m/%Y %H:%M:%S}-->",
             '<?xml-stylesheet type="text/xsl" href="calls.xsl"?>',
             f'<calls count="{len(calls)}" backup_set="{rng.randbytes(16).hex()}" backup_date="{backup_date}" type="full">']
    for e in calls:
        pid = e.to[0] if e.sender == USER else e.sender
        p = life.person(pid)
        incoming = e.sender != USER
        missed = e.extra["missed"]
        ctype = (3 if missed else 1) if incoming else 2
        name = escape(p.name) if p.in_contacts else "(Unknown)"
        lines.append(
            f'  <call number="{p.phone}" duration="{e.extra["duration"]}" date="{int(e.ts.timestamp() * 1000)}" '
            f'type="{ctype}" presentation="1" subscription_id="1" post_dial_digits="" '
            f'readable_date="{_readable(e.ts)}" contact_name="{name}" />')
    lines.append("</calls>")
    calls_path = folder / f"calls-{stamp}.xml"
    calls_path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return [Export(sms_path, "sms", "phone"), Export(calls_path, "calls", "phone")]
