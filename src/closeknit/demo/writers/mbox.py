"""Email: a Google Takeout mbox (``Takeout/Mail/All mail Including Spam and Trash.mbox``).

Each message starts with Takeout's ``From <thread id>@xxx <date>`` separator line and carries
``X-GM-THRID`` and ``X-Gmail-Labels``; headers are RFC 5322 with RFC 2047 encoded words for
non-ASCII names and subjects; bodies are quoted-printable UTF-8 when they are not plain ASCII;
body lines starting with ``From `` are escaped with ``>`` (mboxo). Mailing-list posts carry
``List-Id``/``List-Post`` and go to the list address.
"""

from __future__ import annotations

import quopri
import zlib
from email.header import Header
from email.utils import format_datetime, formataddr
from pathlib import Path

from closeknit.demo.life import USER, Life
from closeknit.demo.writers import Export

__all__ = ["write", "MBOX_NAME"]

MBOX_NAME = "All mail Including Spam and Trash.mbox"


def _addr(p) -> str:
    name = p.name
    if name.isascii():
        return formataddr((name, p.email))
    return formataddr((name, p.email), charset="utf-8")


def _subject(s: str) -> str:
    return s if s.isascii() else Header(s, "utf-8").encode()


def write(life: Life, out: Path) -> list[Export]:
    u = life.user
    lst = life.groups["list"]
    thrids: dict[str, int] = {}
    chunks: list[bytes] = []
    for e in life.by_channel("email", "list"):
        x = e.extra
        sender = life.person(e.sender)
        thr = thrids.setdefault(e.thread, 1_700_000_000_000_000_000 + (zlib.crc32(e.thread.encode()) << 20))
        h = [f"X-GM-THRID: {thr}"]
        if e.channel == "list":
            labels = "Hackney Allotments,Opened" if e.sender != USER else "Sent,Hackney Allotments"
        elif e.sender == USER:
            labels = "Sent"
        else:
            labels = "Inbox,Opened" if (x or {}).get("episode") != 3 else "Inbox,Opened,Important"
        h.append(f"X-Gmail-Labels: {labels}")
        if e.sender != USER:
            h.append(f"Delivered-To: {u.email}")
        h.append("MIME-Version: 1.0")
        h.append(f"Date: {format_datetime(e.ts)}")
        h.append(f"Message-ID: {x['msgid']}")
        if x.get("in_reply_to"):
            h.append(f"In-Reply-To: {x['in_reply_to']}")
            h.append("References: " + " ".join(x["refs"]))
        h.append(f"Subject: {_subject(x['subject'])}")
        h.append(f"From: {_addr(sender)}")
        if e.channel == "list":
            h.append(f"To: {lst['name']} <{lst['address']}>")
            h.append(f"List-Id: {lst['name']} <{lst['id']}>")
            h.append(f"List-Post: <mailto:{lst['address']}>")
            h.append("Precedence: list")
        else:
            h.append("To: " + ", ".join(_addr(life.person(pid)) for pid in e.to))
        body = e.text
        if body.isascii():
            h.append('Content-Type: text/plain; charset="UTF-8"')
            h.append("Content-Transfer-Encoding: 7bit")
            payload = body.encode()
        else:
            h.append('Content-Type: text/plain; charset="UTF-8"')
            h.append("Content-Transfer-Encoding: quoted-printable")
            payload = quopri.encodestring(body.encode("utf-8"))
        lines = []
        for ln in payload.split(b"\n"):
            lines.append(b">" + ln if ln.startswith(b"From ") else ln)
        sep = f"From {thr}@xxx {e.ts.strftime('%a %b %d %H:%M:%S +0000 %Y')}"
        chunks.append((sep + "\n" + "\n".join(h) + "\n\n").encode() + b"\n".join(lines) + b"\n\n")
    path = out / "Takeout" / "Mail" / MBOX_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(chunks))
    return [Export(path, "mbox", "email")]
