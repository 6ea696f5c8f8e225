"""LinkedIn data export: ``Basic_LinkedInDataExport_11-01-2026.zip``.

``Connections.csv`` starts with LinkedIn's ``Notes:`` preamble (the notes line, one quoted notice,
a blank line) before ``First Name,Last Name,URL,Email Address,Company,Position,Connected On``;
dates like ``03 Oct 2025``; the email column mostly empty. ``messages.csv`` uses the 2024+ header
(``…,FOLDER,IS MESSAGE DRAFT,IS CONVERSATION ARCHIVED``) with every field quoted, dates like
``2026-04-06 16:35:35 UTC``, conversation ids like ``2-<base64>==``, and a sponsored InMail now and
then (sender ``LinkedIn Member``, empty profile URL, HTML content).
"""

from __future__ import annotations

import base64
import csv
import io
import random
from pathlib import Path

from closeknit.demo.life import NOW, USER, Life, _d
from closeknit.demo.writers import Export, write_zip

__all__ = ["write", "MESSAGES_HEADER"]

MESSAGES_HEADER = ["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
                   "DATE", "SUBJECT", "CONTENT", "FOLDER", "IS MESSAGE DRAFT", "IS CONVERSATION ARCHIVED"]
# Our own wording of the notice LinkedIn puts above the header.
_NOTICE = ("When exporting your connection data, you may find that some email addresses are missing. Email addresses "
           "appear only for connections who allow their connections to see or download them.")


def write(life: Life, out: Path) -> list[Export]:
    rng = random.Random(life.seed * 1000 + 5)
    u = life.user
    conns = sorted((p for p in life.people if p.linkedin), key=lambda p: (p.linkedin_connected, p.pid), reverse=True)
    buf = io.StringIO()
    buf.write(f'Notes:\n"{_NOTICE}"\n\n')
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"])
    for p in conns:
        email = p.email if (p.email and rng.random() < 0.15) else ""
        w.writerow([p.first, p.last, p.linkedin, email, p.linkedin_company, p.linkedin_position,
                    p.linkedin_connected.strftime("%d %b %Y") if p.linkedin_connected else ""])
    connections = buf.getvalue().encode("utf-8")

    convs: dict[int, str] = {}
    rows = []
    for e in life.by_channel("linkedin"):
        pid = e.to[0] if e.sender == USER else e.sender
        p = life.person(pid)
        cid = convs.setdefault(pid, "2-" + base64.b64encode(rng.randbytes(40)).decode()[:-2] + "==")
        frm, to = (u, p) if e.sender == USER else (p, u)
        rows.append((e.ts, [cid, "", frm.name, frm.linkedin, to.name, to.linkedin, e.ts.strftime("%Y-%m-%d %H:%M:%S UTC"),
                            "", e.text, "SENT" if e.sender == USER else "INBOX", "No", "No"]))
    for i, when in enumerate((_d(2025, 2, 11, 9, 30, 0), _d(2025, 11, 18, 15, 2, 40), _d(2026, 6, 3, 8, 0, 5))):
        cid = "2-" + base64.b64encode(rng.randbytes(40)).decode()[:-2] + "=="
        html = ('<p>Hi Nora,</p><p>Grow your design practice with our <b>Premium</b> tools. '
                f'<a href="https://www.linkedin.com/premium/?offer={i}">Try it free for a month</a>.</p>')
        rows.append((when, [cid, "Sponsored", "LinkedIn Member", "", u.name, u.linkedin,
                            when.strftime("%Y-%m-%d %H:%M:%S UTC"), "Your free month of Premium", html, "INBOX", "No", "No"]))
    rows.sort(key=lambda r: r[0], reverse=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    w.writerow(MESSAGES_HEADER)
    for _, r in rows:
        w.writerow(r)
    messages = buf.getvalue().encode("utf-8")
    path = write_zip(out / f"Basic_LinkedInDataExport_{NOW:%m-%d-%Y}.zip",
                     [("Connections.csv", connections), ("messages.csv", messages)])
    return [Export(path, "linkedin", "linkedin")]
