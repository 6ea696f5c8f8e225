"""Synthetic WhatsApp exports for the import benchmark.

A folder like a user's downloads: a few group chats and many 1:1 chats, some as the Android
``.txt``, some as the Android ``.zip`` (``WhatsApp Chat with X.txt``), some as the iOS ``.zip``
(``_chat.txt``, CRLF, U+200E marks, ``[date, time]`` stamps), with multi-line messages, media
placeholders, deleted messages and the usual system lines.
"""

from __future__ import annotations

import random
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

__all__ = ["generate"]

_WORDS = (
    "ok yes no maybe tomorrow tonight dinner lunch coffee call me later sure thanks great love it "
    "haha lol see you soon where are you on my way running late home work meeting train bus weekend "
    "party birthday photo look at this nice sounds good what time let's go miss you take care"
).split()
_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ines Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo Vera Walt Xena Yuri Zoe".split()
_LAST = "Smith Meyer Rossi Novak Silva Khan Berg Lund Costa Weber".split()


def _text(rng: random.Random) -> str:
    r = rng.random()
    if r < 0.06:
        return "<Media omitted>"
    if r < 0.08:
        return "This message was deleted"
    if r < 0.12:
        return " ".join(rng.choices(_WORDS, k=rng.randint(3, 10))) + "\n" + " ".join(rng.choices(_WORDS, k=rng.randint(2, 8)))
    return " ".join(rng.choices(_WORDS, k=rng.randint(1, 14)))


def _android(ts: datetime, author: str | None, text: str) -> str:
    stamp = f"{ts.day:02d}/{ts.month:02d}/{ts.year}, {ts.hour:02d}:{ts.minute:02d}"
    return f"{stamp} - {author}: {text}\n" if author else f"{stamp} - {text}\n"


def _ios(ts: datetime, author: str | None, text: str) -> str:
    h = ts.hour % 12 or 12
    ap = "AM" if ts.hour < 12 else "PM"
    stamp = f"[{ts.month}/{ts.day}/{ts.year % 100:02d}, {h}:{ts.minute:02d}:{ts.second:02d}\u202f{ap}]"
    if text == "<Media omitted>":
        return f"\u200e{stamp} {author}: \u200eimage omitted\r\n"
    return (f"{stamp} {author}: {text}" if author else f"{stamp} {text}").replace("\n", "\r\n") + "\r\n"


def _chat(rng: random.Random, me: str, others: list[str], n: int, ios: bool, group: str | None) -> str:
    fmt = _ios if ios else _android
    ts = datetime(2021, 1, 1) + timedelta(minutes=rng.randint(0, 500_000))
    out = []
    if ios:
        out.append(fmt(ts, group or others[0], "\u200eMessages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them."))
    else:
        out.append(fmt(ts, None, "Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, can read or listen to them. Tap to learn more."))
    if group and not ios:
        out.append(fmt(ts, None, f'{others[0]} created group "{group}"'))
        out.append(fmt(ts, None, f"{others[0]} added you"))
        for o in others[1:]:
            out.append(fmt(ts, None, f"{others[0]} added {o}"))
    people = [me, *others]
    weights = [3] + [rng.randint(1, 4) for _ in others]
    for _ in range(n):
        ts += timedelta(seconds=rng.choice((5, 20, 60, 300, 3600, 20000)))
        out.append(fmt(ts, rng.choices(people, weights)[0], _text(rng)))
    return "".join(out)


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    """Write about ``n_messages`` messages of WhatsApp exports under ``out_dir``; return the folder."""
    rng = random.Random(seed)
    root = Path(out_dir) / "whatsapp-export"
    root.mkdir(parents=True, exist_ok=True)
    names = [f"{f} {last}" for f in _FIRST for last in _LAST]
    rng.shuffle(names)
    me = "Sam Lund"
    names = [n for n in names if n != me]
    # about 30% of the messages in 4 group chats, the rest in 1:1 chats of a few hundred messages
    plan: list[tuple[str | None, list[str], int]] = []
    group_total = int(n_messages * 0.3)
    for g in range(4):
        members = rng.sample(names[:80], rng.randint(4, 9))
        plan.append((f"Group {g} {rng.choice(_WORDS)}", members, group_total // 4))
    left = n_messages - group_total
    i = 0
    while left > 0:
        k = min(left, rng.randint(50, 1500))
        # more chats than names: later rounds get a number, so no export overwrites another
        name = names[i % len(names)] + (f" {i // len(names) + 1}" if i >= len(names) else "")
        plan.append((None, [name], k))
        left -= k
        i += 1
    for j, (group, others, n) in enumerate(plan):
        title = group or others[0]
        ios = j % 3 == 1
        body = _chat(rng, me, others, n, ios, group)
        if ios:
            with zipfile.ZipFile(root / f"WhatsApp Chat - {title}.zip", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("_chat.txt", body.encode("utf-8"))
                z.writestr("00000001-PHOTO-2021-01-01-10-00-00.jpg", b"\xff\xd8\xff" + bytes(64))
        elif j % 3 == 2:
            with zipfile.ZipFile(root / f"WhatsApp Chat with {title}.zip", "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(f"WhatsApp Chat with {title}.txt", body.encode("utf-8"))
        else:
            (root / f"WhatsApp Chat with {title}.txt").write_text(body, encoding="utf-8")
    return root
