"""Synthetic Telegram Desktop full exports (``result.json``) for the import benchmark.

One ``result.json`` written the way Telegram Desktop writes it (one space of indentation per
level): ``personal_information``, ``contacts``, ``frequent_contacts`` and ``chats.list`` with
personal chats, groups and a channel. Messages have ``date_unixtime``, text as a string or as
a list of entities, replies, forwards, stickers, service messages (phone calls, invites) and a
few ``\\xNN`` escapes as the real writer emits for control characters.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

__all__ = ["generate"]

_WORDS = (
    "ok yes no maybe tomorrow tonight dinner lunch coffee call me later sure thanks great love it "
    "haha see you soon where are you on my way home work meeting train weekend party photo nice "
    "привет как дела ладно хорошо"
).split()


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    out_dir = Path(out_dir) / "DataExport_2024-05-01"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "result.json"
    me = 1000
    people = list(range(2000, 2000 + max(10, n_messages // 300)))
    names = {p: f"Person {p}" for p in people}
    names[me] = "Owen Owner"
    chats = []
    free = list(people)
    rng.shuffle(free)
    left = n_messages
    t = 1_600_000_000
    cno = 0
    while left > 0:
        cno += 1
        kind = rng.choices(["personal_chat", "private_supergroup", "public_channel"], [0.8, 0.15, 0.05])[0]
        size = min(left, max(1, int(rng.expovariate(1 / 500))))
        left -= size
        if kind == "personal_chat" and free:
            peer = free.pop()
            cid, cname, members = peer, names[peer], [me, peer]
        else:
            kind = "private_supergroup" if kind == "personal_chat" else kind
            cid, cname = 10**9 + cno, f"Group {cno}"
            members = [me, *rng.sample(people, min(len(people), rng.randint(3, 30)))]
        msgs = []
        for mid in range(1, size + 1):
            t += rng.randint(5, 5000)
            sender = rng.choice(members) if kind != "public_channel" else None
            base = {"id": mid, "type": "message", "date": "2024-01-01T00:00:00", "date_unixtime": str(t)}
            if sender is None:  # a public channel posts as itself
                base.update({"from": cname, "from_id": f"channel{cid}"})
            else:
                base.update({"from": names[sender], "from_id": f"user{sender}"})
            r = rng.random()
            if r < 0.02 and kind == "personal_chat" and sender is not None:
                base = {"id": mid, "type": "service", "date": "2024-01-01T00:00:00", "date_unixtime": str(t),
                        "actor": names[sender], "actor_id": f"user{sender}", "action": "phone_call",
                        "duration_seconds": rng.randint(0, 1800), "text": "", "text_entities": []}
            elif r < 0.1:
                words = rng.choices(_WORDS, k=rng.randint(1, 6))
                base["text"] = [" ".join(words) + " ", {"type": "link", "text": "https://example.org/x"}, " ok"]
                base["text_entities"] = [{"type": "plain", "text": " ".join(words) + " "}, {"type": "link", "text": "https://example.org/x"}, {"type": "plain", "text": " ok"}]
            elif r < 0.13:
                base.update({"text": "", "text_entities": [], "media_type": "sticker", "sticker_emoji": "😀",
                             "file": "(File not included. Change data exporting settings to download.)"})
            else:
                txt = " ".join(rng.choices(_WORDS, k=rng.randint(1, 14)))
                if r < 0.14:
                    txt += "\x01"  # becomes \x01 in the file, as tdesktop writes it
                base["text"] = txt
                base["text_entities"] = [{"type": "plain", "text": txt}]
            if mid > 1 and rng.random() < 0.15:
                base["reply_to_message_id"] = rng.randint(max(1, mid - 20), mid - 1)
            if rng.random() < 0.02:
                base["forwarded_from"] = "Some Channel"
            msgs.append(base)
        chats.append({"name": cname, "type": kind, "id": cid, "messages": msgs})
    doc = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": me, "first_name": "Owen", "last_name": "Owner", "phone_number": "+1 415 555 0100",
                                 "username": "@owen", "bio": ""},
        "contacts": {"about": "", "list": [{"user_id": p, "first_name": "Person", "last_name": str(p),
                                            "phone_number": f"+1 415 555 {p % 10000:04d}", "date": "2020-01-01T00:00:00",
                                            "date_unixtime": "1577836800"} for p in people]},
        "frequent_contacts": {"about": "", "list": [{"id": p, "category": "people", "type": "user", "name": names[p],
                                                     "rating": round(rng.random(), 6)} for p in people[:20]]},
        "chats": {"about": "", "list": chats},
    }
    text = json.dumps(doc, ensure_ascii=False, indent=1).replace("\\u0001", "\\x01")
    path.write_text(text, encoding="utf-8")
    return path
