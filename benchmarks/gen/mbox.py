"""Benchmark input for the ``mbox`` importer: a Google Takeout Mail zip.

``generate(out_dir, n_messages, seed)`` writes ``takeout-mail.zip`` holding
``Takeout/Mail/All mail Including Spam and Trash.mbox`` with about ``n_messages`` messages of
about 1 KB each, the way Gmail writes them: a ``From <X-GM-THRID>@xxx`` separator, ``X-GM-THRID``
and ``X-Gmail-Labels``, Received/Delivered-To lines, To/Cc lists, threads of replies with
In-Reply-To and References, mailing-list mail with List-Id, a share of quoted-printable and
multipart/alternative bodies, ``>From `` escaped body lines, RFC 2047 encoded names.
"""

from __future__ import annotations

import random
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["generate"]

_FIRST = "Ada Bob Carol Dan Erin Frank Grace Heidi Ivan Judy Mallory Niaj Olivia Peggy Rupert Sybil Trent Victor Walter Zoe".split()
_LAST = "Lovelace Smith Jones Brown Garcia Müller Martin Rossi Nowak Silva Kim Chen Dubois Novak Ahmed Ivanova".split()
_DOMAINS = ["gmail.com", "example.org", "mail.example.net", "uni.example.edu", "corp.example.com"]
_WORDS = (
    "the a to of and in that is for it on with as was at by be this have from or one had not but what all were "
    "when we there can an your which their said if do will each about how up out them then she many some so these "
    "would other into has more her two like him see time could no make than first been its who now people my made "
    "over did down only way find use may water long little very after words called just where most know lunch "
    "meeting tomorrow project draft budget review thanks weekend photos trip dinner call schedule update"
).split()
_DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _rfc_date(dt: datetime, off_min: int) -> str:
    local = dt + timedelta(minutes=off_min)
    sign = "+" if off_min >= 0 else "-"
    o = abs(off_min)
    return (
        f"{_DAYS[local.weekday()]}, {local.day} {_MONTHS[local.month - 1]} {local.year} "
        f"{local.hour:02d}:{local.minute:02d}:{local.second:02d} {sign}{o // 60:02d}{o % 60:02d}"
    )


def _asctime(dt: datetime) -> str:
    return f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:2d} {dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} {dt.year}"


def _sentence(r: random.Random, n: int) -> str:
    return " ".join(r.choices(_WORDS, k=n)).capitalize() + "."


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    """Write a Takeout Mail zip with about ``n_messages`` messages; return its path."""
    r = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    owner = ("Sam Owner", "sam.owner@gmail.com")
    people = []
    for i in range(400):
        f, last = r.choice(_FIRST), r.choice(_LAST)
        people.append((f"{f} {last}", f"{f.lower()}.{last.lower().replace('ü', 'ue')}{i}@{r.choice(_DOMAINS)}"))
    lists = [(f"list{i}@lists.example.org", f"list{i}.lists.example.org") for i in range(5)]
    t = datetime(2015, 1, 1, tzinfo=timezone.utc)
    path = out_dir / "takeout-mail.zip"
    threads: list[tuple[str, list[str], str, str]] = []  # (thrid, message ids, subject, list addr)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("Takeout/Mail/All mail Including Spam and Trash.mbox", "w", force_zip64=True) as out:
            buf: list[str] = []
            for n in range(n_messages):
                t += timedelta(seconds=r.randint(30, 900))
                off = r.choice((0, 60, -300, -480, 120, 330))
                roll = r.random()
                is_list = roll < 0.15
                from_owner = not is_list and roll < 0.45
                reply = threads and r.random() < 0.55
                if reply:
                    thrid, ids, subject, list_addr = threads[r.randrange(max(0, len(threads) - 50), len(threads))]
                    is_list = bool(list_addr)
                    subject = subject if subject.startswith("Re: ") else "Re: " + subject
                else:
                    thrid = str(1_500_000_000_000_000_000 + n * 7919)
                    ids = []
                    subject = _sentence(r, r.randint(2, 6))[:-1]
                    list_addr = r.choice(lists)[0] if is_list else ""
                sender = owner if from_owner else r.choice(people)
                mid = f"{n:x}.{r.getrandbits(40):x}@mail.{sender[1].split('@', 1)[1]}"
                if is_list:
                    to = [("", list_addr)]
                    cc = []
                else:
                    to = [r.choice(people) if from_owner else owner] + (r.sample(people, r.randint(0, 2)) if r.random() < 0.3 else [])
                    cc = r.sample(people, r.randint(1, 3)) if r.random() < 0.25 else []
                name = sender[0]
                if "ü" in name:
                    name = "=?UTF-8?Q?" + name.replace("ü", "=C3=BC").replace(" ", "_") + "?="
                labels = "Sent" if from_owner else r.choice(("Inbox,Opened", "Inbox,Unread", "Archived,Opened", "Important,Inbox"))
                lines = [
                    f"From {thrid}@xxx {_asctime(t)}",
                    f"X-GM-THRID: {thrid}",
                    f"X-Gmail-Labels: {labels}",
                    f"Delivered-To: {owner[1]}",
                    f"Received: by 10.{n % 250}.{r.randint(1, 250)}.1 with SMTP id x{n}; {_rfc_date(t, 0)}",
                    f"Return-Path: <{sender[1]}>",
                    "MIME-Version: 1.0",
                    f"Date: {_rfc_date(t, off)}",
                    f"Message-ID: <{mid}>",
                    f"Subject: {subject}",
                    f'From: "{name}" <{sender[1]}>' if r.random() < 0.3 else f"From: {name} <{sender[1]}>",
                    "To: " + ", ".join(f"{nm} <{ad}>" if nm else ad for nm, ad in to),
                ]
                if cc:
                    lines.append("Cc: " + ",\r\n\t".join(f"{nm} <{ad}>" for nm, ad in cc).replace("\r", ""))
                if ids:
                    lines.append(f"In-Reply-To: <{ids[-1]}>")
                    lines.append("References: " + "\n ".join(f"<{i}>" for i in ids[-8:]))
                if is_list:
                    lst = list_addr.split("@")[0]
                    lines += [
                        f"List-Id: {lst} discussion <{lst}.lists.example.org>",
                        f"List-Post: <mailto:{list_addr}>",
                        "Precedence: list",
                    ]
                body = [_sentence(r, r.randint(6, 18)) for _ in range(r.randint(3, 7))]
                if r.random() < 0.05:
                    body.append(">From the archives: " + _sentence(r, 5))
                if ids and r.random() < 0.6:
                    body.append(f"On {_rfc_date(t - timedelta(hours=2), off)}, someone wrote:")
                    body += ["> " + _sentence(r, r.randint(5, 12)) for _ in range(r.randint(1, 3))]
                kind = r.random()
                if kind < 0.6:
                    lines += ['Content-Type: text/plain; charset="UTF-8"', "Content-Transfer-Encoding: 7bit", ""]
                    lines += body
                elif kind < 0.8:
                    lines += ["Content-Type: text/plain; charset=UTF-8", "Content-Transfer-Encoding: quoted-printable", ""]
                    lines += [b.replace("=", "=3D") + " =C3=A9t=C3=A9" for b in body]
                else:
                    bd = f"000000000000{r.getrandbits(48):012x}"
                    lines += [f'Content-Type: multipart/alternative; boundary="{bd}"', "", f"--{bd}",
                              'Content-Type: text/plain; charset="UTF-8"', ""]
                    lines += body
                    lines += [f"--{bd}", 'Content-Type: text/html; charset="UTF-8"', "",
                              "<div dir=\"ltr\">" + "<br>".join(body[:2]) + "</div>", f"--{bd}--"]
                lines.append("")
                lines.append("")
                buf.append("\n".join(lines))
                if not reply or len(ids) > 30:
                    threads.append((thrid, [mid], subject, list_addr))
                    if len(threads) > 2000:
                        del threads[:1000]
                else:
                    ids.append(mid)
                if len(buf) >= 2000:
                    out.write("".join(buf).encode("utf-8"))
                    buf = []
            out.write("".join(buf).encode("utf-8"))
    return path


if __name__ == "__main__":  # python benchmarks/gen/mbox.py OUT_DIR N
    import sys

    print(generate(Path(sys.argv[1]), int(sys.argv[2])))
