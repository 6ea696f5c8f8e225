"""WhatsApp "Export chat" files, as a UK phone writes them.

One file per chat. Chats exported from the user's Android phone are ``WhatsApp Chat with
<name>.txt`` (``27/10/2026, 10:12 - Name: text``, LF); chats exported from the iPhone are
``WhatsApp Chat - <name>.txt`` (``[27/10/2026, 10:12:05] Name: text``, CRLF, U+200E before media
lines). The book club group is exported from Android *with media* as a zip holding the .txt, with
the group's system lines (created, added, left). The other person is shown as the address book
names them (the vCard FN) or, when they are not in the address book, by their number as WhatsApp
prints it (``+44 7700 900123``). The user appears under their own WhatsApp name. Times are the
phone's local clock with no zone (here: UTC).
"""

from __future__ import annotations

import random
from pathlib import Path

from closeknit.demo.life import USER, Life
from closeknit.demo.writers import Export, write_zip

__all__ = ["write", "WHATSAPP_NAME", "shown_name"]

#: The user's own WhatsApp name (register it with ``closeknit me add name "Nora C" --channel whatsapp``).
WHATSAPP_NAME = "Nora C"
_E2E = ("Messages and calls are end-to-end encrypted. No one outside of this chat, not even WhatsApp, "
        "can read or listen to them. Tap to learn more.")
LRM = "\u200e"


def shown_name(life: Life, pid: int) -> str:
    """How a person appears in the user's WhatsApp exports."""
    if pid == USER:
        return WHATSAPP_NAME
    p = life.person(pid)
    return p.name if p.in_contacts else p.phone_display()


def _android(ts, who: str | None, text: str) -> str:
    head = ts.strftime("%d/%m/%Y, %H:%M - ")
    return head + (f"{who}: {text}" if who is not None else text)


def _ios(ts, who: str, text: str) -> str:
    return ts.strftime("[%d/%m/%Y, %H:%M:%S] ") + f"{who}: {text}"


def _safe(name: str) -> str:
    return name.replace("/", "_")


def write(life: Life, out: Path) -> list[Export]:
    rng = random.Random(life.seed * 1000 + 3)
    by_chat: dict[int, list] = {}
    for e in life.by_channel("whatsapp"):
        by_chat.setdefault(e.to[0] if e.sender == USER else e.sender, []).append(e)
    folder = out / "WhatsApp"
    folder.mkdir(parents=True, exist_ok=True)
    for pid in sorted(by_chat):
        events = by_chat[pid]
        title = shown_name(life, pid)
        android = pid % 3 == 0
        lines: list[str] = []
        first = events[0].ts
        for e in events:
            who = shown_name(life, e.sender)
            media = rng.random() < 0.03
            if android:
                if not lines:
                    lines.append(_android(first, None, _E2E))
                lines.append(_android(e.ts, who, "<Media omitted>" if media else e.text))
            else:
                if not lines:
                    lines.append(_ios(first, title, LRM + _E2E.replace(" Tap to learn more.", "")))
                if media:
                    kind = rng.choice(("image", "image", "video", "audio", "sticker"))
                    lines.append(LRM + _ios(e.ts, who, f"{LRM}{kind} omitted"))
                else:
                    lines.append(_ios(e.ts, who, e.text))
        if android:
            path = folder / f"WhatsApp Chat with {_safe(title)}.txt"
            path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
        elif pid % 3 == 1:  # as the iPhone shares it: a zip around _chat.txt
            write_zip(folder / f"WhatsApp Chat - {_safe(title)}.zip", [("_chat.txt", ("\r\n".join(lines) + "\r\n").encode("utf-8"))])
        else:  # the same, unzipped and renamed by the user
            path = folder / f"WhatsApp Chat - {_safe(title)}.txt"
            path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))

    # the group, exported from Android with media: a zip holding the chat .txt
    g = life.groups["whatsapp"]
    name = g["name"]
    creator = shown_name(life, g["creator"])
    lines = [_android(g["created"], None, _E2E),
             _android(g["created"], None, f'{creator} created group "{name}"'),
             _android(g["created"], None, f"{creator} added you")]
    for pid in g["members"]:
        if pid != g["creator"]:
            lines.append(_android(g["created"], None, f"{creator} added {shown_name(life, pid)}"))
    pending = [(g["late_at"], f"{creator} added {shown_name(life, g['late'])}"),
               (g["left_at"], f"{shown_name(life, g['left'])} left")]
    for e in life.by_channel("wa_group"):
        while pending and pending[0][0] <= e.ts:
            ts, txt = pending.pop(0)
            lines.append(_android(ts, None, txt))
        text = e.text
        if rng.random() < 0.04:
            text = f"IMG-{e.ts:%Y%m%d}-WA{rng.randrange(10000):04d}.jpg (file attached)"
        lines.append(_android(e.ts, shown_name(life, e.sender), text))
    inner = f"WhatsApp Chat with {name}.txt"
    write_zip(folder / f"WhatsApp Chat with {name}.zip", [(inner, ("\n".join(lines) + "\n").encode("utf-8"))])
    # the user keeps every chat export in one folder, imported at once
    return [Export(folder, "whatsapp", "whatsapp")]
