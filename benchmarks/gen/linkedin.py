"""Synthetic LinkedIn data exports for the import benchmark.

A ``Basic_LinkedInDataExport_<date>.zip`` with ``messages.csv`` (2024 header with ``FOLDER`` and
``ATTACHMENTS``, every field quoted, multi-line contents, some group conversations and
sponsored InMail), ``Connections.csv`` with its ``Notes:`` preamble, ``Invitations.csv`` and
``Profile.csv``. ``n_messages`` counts messages.
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["generate"]

_WORDS = (
    "hello thanks for connecting great to meet you at the conference would you be open to a quick call "
    "next week about the role project proposal team hiring opportunity congrats on the new position "
    "best regards cheers let me know"
).split()
_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ines Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo".split()
_LAST = "Smith Meyer Rossi Novak Silva Khan Berg Lund Costa Weber".split()


def _csv(rows: list[list[str]], quote_all: bool = True) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL, lineterminator="\n")
    w.writerows(rows)
    return buf.getvalue()


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"Basic_LinkedInDataExport_{n_messages}.zip"
    me = ("Owen Owner", "https://www.linkedin.com/in/owen-owner")
    people = [(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", f"https://www.linkedin.com/in/p-{i}") for i in range(max(10, n_messages // 50))]
    t = datetime(2019, 1, 1, tzinfo=timezone.utc)
    rows = [["CONVERSATION ID", "CONVERSATION TITLE", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
             "DATE", "SUBJECT", "CONTENT", "FOLDER", "ATTACHMENTS"]]
    left = n_messages
    cno = 0
    while left > 0:
        cno += 1
        size = min(left, max(1, int(rng.expovariate(1 / 8))))
        left -= size
        conv = f"2-{rng.getrandbits(96):024x}=="
        if rng.random() < 0.03:
            for _ in range(size):
                t += timedelta(seconds=rng.randint(60, 90000))
                rows.append([conv, "", "LinkedIn Member", "", me[0], me[1], t.strftime("%Y-%m-%d %H:%M:%S UTC"),
                             "Sponsored", "<p>Grow your <b>career</b> with us</p>", "INBOX", ""])
            continue
        others = rng.sample(people, 1 if rng.random() < 0.9 else 3)
        for _ in range(size):
            t += timedelta(seconds=rng.randint(60, 90000))
            sender = rng.choice([me, *others])
            recips = [p for p in [me, *others] if p != sender]
            text = " ".join(rng.choices(_WORDS, k=rng.randint(3, 30)))
            if rng.random() < 0.2:
                text += "\n\n" + " ".join(rng.choices(_WORDS, k=5))
            rows.append([conv, "", sender[0], sender[1], ", ".join(p[0] for p in recips), ",".join(p[1] for p in recips),
                         t.strftime("%Y-%m-%d %H:%M:%S UTC"), "", text, "SENT" if sender == me else "INBOX", ""])
    conns = ["Notes:", '"When exporting your connection data, you may notice that some of the email addresses are missing."', "",
             "First Name,Last Name,URL,Email Address,Company,Position,Connected On"]
    for name, url in people:
        first, last = name.split(" ", 1)
        d = datetime(2015, 1, 1) + timedelta(days=rng.randint(0, 3000))
        conns.append(_csv([[first, last, url, "", "Acme", "Engineer", d.strftime("%d %b %Y")]], quote_all=False).rstrip("\n"))
    inv = [["From", "To", "Sent At", "Message", "Direction", "inviterProfileUrl", "inviteeProfileUrl"]]
    for name, url in people[:50]:
        inv.append([me[0], name, "4/6/24, 4:35 PM", "", "OUTGOING", me[1], url])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("messages.csv", _csv(rows))
        zf.writestr("Connections.csv", "\n".join(conns) + "\n")
        zf.writestr("Invitations.csv", _csv(inv, quote_all=False))
        zf.writestr("Profile.csv", "First Name,Last Name,Maiden Name,Address,Birth Date,Headline\nOwen,Owner,,,,Engineer\n")
    return path
