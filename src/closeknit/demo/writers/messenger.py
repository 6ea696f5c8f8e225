"""Facebook "Download Your Information" (JSON), Messenger part.

``facebook-<user>-2026-11-01-<code>.zip`` holding
``your_facebook_activity/messages/inbox/<name>_<threadid>/message_1.json`` per thread (2024+
layout), messages newest first, and every string written the way Facebook writes it: UTF-8 bytes
escaped one ``\\u00XX`` per byte (mojibake), so "Zoë" is ``Zo\\u00c3\\u00ab``. Threads above 10,000
messages are split into ``message_2.json`` and on. Reactions and photos appear as Facebook
writes them.
"""

from __future__ import annotations

import json
import random
import unicodedata
from pathlib import Path

from closeknit.demo.life import NOW, USER, Life
from closeknit.demo.writers import Export, write_zip

__all__ = ["write", "mojibake"]

PER_FILE = 10_000


def mojibake(v):
    """Facebook's encoding: each UTF-8 byte as its own code point (applied to every string)."""
    if isinstance(v, str):
        return v.encode("utf-8").decode("latin-1")
    if isinstance(v, list):
        return [mojibake(x) for x in v]
    if isinstance(v, dict):
        return {k: mojibake(x) for k, x in v.items()}
    return v


def _folder(title: str, tid: str) -> str:
    base = "".join(c for c in unicodedata.normalize("NFKD", title).lower() if c.isascii() and c.isalnum())
    return f"{base or 'facebookuser'}_{tid}"


def write(life: Life, out: Path) -> list[Export]:
    rng = random.Random(life.seed * 1000 + 4)
    u = life.user
    threads: dict[str, dict] = {}
    for e in life.by_channel("messenger"):
        pid = e.to[0] if e.sender == USER else e.sender
        p = life.person(pid)
        threads.setdefault(f"{p.pid}", {"title": p.name, "tid": p.fb_thread_id, "members": [p.name, u.name],
                                        "type": "Regular", "events": []})["events"].append(e)
    g = life.groups["messenger"]
    fam = [life.person(pid).name for pid in g["members"]]
    threads["group"] = {"title": g["title"], "tid": g["thread_id"], "members": [*fam, u.name], "type": "RegularGroup",
                        "events": life.by_channel("fb_group")}
    members: list[tuple[str, bytes]] = []
    for key in sorted(threads, key=lambda k: (k == "group", int(k) if k.isdigit() else 0)):
        th = threads[key]
        folder = _folder(th["title"], th["tid"])
        msgs = []
        for e in reversed(th["events"]):
            sender = life.person(e.sender).name
            m: dict = {"sender_name": sender, "timestamp_ms": int(e.ts.timestamp() * 1000) + rng.randrange(1000)}
            r = rng.random()
            if r < 0.03:
                m["photos"] = [{"uri": f"your_facebook_activity/messages/inbox/{folder}/photos/"
                                       f"{rng.randrange(10**17, 10**18)}_{rng.randrange(10**15, 10**16)}_n.jpg",
                                "creation_timestamp": m["timestamp_ms"] // 1000}]
            else:
                m["content"] = e.text
            if rng.random() < 0.08:
                others = [n for n in th["members"] if n != sender]
                m["reactions"] = [{"reaction": rng.choice(("❤", "😆", "👍", "😮", "😢")), "actor": rng.choice(others)}]
            m["is_geoblocked_for_viewer"] = False
            m["is_unsent_image_by_messenger_kid_parent"] = False
            msgs.append(m)
        parts = [msgs[i:i + PER_FILE] for i in range(0, len(msgs), PER_FILE)] or [[]]
        for n, part in enumerate(parts, 1):
            doc = {
                "participants": [{"name": n_} for n_ in th["members"]],
                "messages": part,
                "title": th["title"],
                "is_still_participant": True,
                "thread_type": th["type"],
                "thread_path": f"inbox/{folder}",
                "magic_words": [],
                "joinable_mode": {"mode": 1, "link": ""},
            }
            if th["type"] == "RegularGroup":
                doc["image"] = {"uri": f"your_facebook_activity/messages/photos/{rng.randrange(10**15)}.jpg",
                                "creation_timestamp": 1725390000}
            data = json.dumps(mojibake(doc), indent=2, ensure_ascii=True)
            members.append((f"your_facebook_activity/messages/inbox/{folder}/message_{n}.json", data.encode("ascii")))
    code = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(6))
    path = write_zip(out / f"facebook-noracastell-{NOW:%Y-%m-%d}-{code}.zip", members)
    return [Export(path, "messenger", "messenger")]
