"""Synthetic Facebook "Download Your Information" exports (Messenger) for the import benchmark.

A zip in the 2024+ layout (``your_facebook_activity/messages/inbox/<name>_<id>/message_N.json``)
with many 1:1 threads and some group threads, threads split into files of at most 10,000
messages (newest first, as Meta writes them), every string mojibake-encoded (one ``\\u00XX``
escape per UTF-8 byte), reactions (some duplicated), unsent messages, calls, photos, "X sent
an attachment." placeholders, a profile file and a friends list. ``instagram.py`` reuses this
with Instagram's paths and fields.
"""

from __future__ import annotations

import json
import random
import zipfile
from pathlib import Path

__all__ = ["generate", "build"]

_WORDS = (
    "ok yes no maybe tomorrow tonight dinner lunch coffee call me later sure thanks great love it "
    "haha lol see you soon where are you on my way running late home work meeting train bus weekend "
    "party birthday photo look at this nice sounds good what time let's go miss you take care "
    "tænkt søndag grüße café naïve"
).split()
_EMOJI = ["👍", "❤️", "😂", "😮", "😢", "👏"]
_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Inès Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo Vera Walt Xena Yuri Zoë".split()
_LAST = "Smith Meyer Rossi Novak Silva Khan Berg Lund Costa Weber Sørensen".split()
_PER_FILE = 10_000


def _moji(s: str) -> str:
    """What Meta writes: the UTF-8 bytes of ``s`` as if they were Latin-1 characters."""
    return s.encode("utf-8").decode("latin-1")


def build(out_dir: Path, n_messages: int, seed: int, flavor: str) -> Path:
    rng = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    ig = flavor == "instagram"
    root = "your_instagram_activity" if ig else "your_facebook_activity"
    path = out_dir / f"{flavor}-{n_messages}.zip"
    owner = "Owen Owner"
    people = sorted({f"{rng.choice(_FIRST)} {rng.choice(_LAST)} {i}" for i in range(max(10, n_messages // 400))})
    t0 = 1_500_000_000_000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        if ig:
            prof: dict[str, object] = {"profile_user": [{"string_map_data": {"Username": {"value": "owen.owner"}, "Name": {"value": _moji(owner)}}}]}
            zf.writestr("personal_information/personal_information/personal_information.json", json.dumps(prof))
            followers = [{"title": "", "media_list_data": [], "string_list_data": [
                {"href": f"https://www.instagram.com/user{i}", "value": f"user{i}", "timestamp": 1_600_000_000 + i}]}
                for i in range(len(people))]
            zf.writestr("connections/followers_and_following/followers_1.json", json.dumps(followers))
        else:
            prof = {"profile_v2": {"name": {"full_name": _moji(owner)}, "emails": {"emails": ["owen@example.org"]}}}
            zf.writestr("personal_information/profile_information/profile_information.json", json.dumps(prof))
            friends = {"friends_v2": [{"name": _moji(p), "timestamp": 1_400_000_000 + i * 1000} for i, p in enumerate(people)]}
            zf.writestr("connections/friends/your_friends.json", json.dumps(friends))
        left = n_messages
        tno = 0
        while left > 0:
            tno += 1
            group = rng.random() < 0.15
            others = rng.sample(people, rng.randint(2, 6)) if group else [rng.choice(people)]
            parts = [owner, *others]
            size = min(left, max(1, int(rng.expovariate(1 / 400))))
            left -= size
            title = (", ".join(others[:2]) + (" and others" if len(others) > 2 else "")) if group else others[0]
            folder = f"{root}/messages/{'inbox' if rng.random() < 0.9 else 'archived_threads'}/{title.split()[0].lower()}_{10**15 + tno}"
            ts = t0 + rng.randint(0, 10**11)
            msgs = []
            for _ in range(size):
                ts += rng.randint(1_000, 30_000_000)
                sender = rng.choice(parts)
                r = rng.random()
                m: dict = {"sender_name": _moji(sender), "timestamp_ms": ts}
                if r < 0.03:
                    m.update(type="Call", content=_moji(f"{sender} called you."), call_duration=rng.randint(0, 3600))
                elif r < 0.06:
                    m.update(type="Generic", photos=[{"uri": f"{folder}/photos/{ts}.jpg", "creation_timestamp": ts // 1000}])
                elif r < 0.08:
                    m.update(type="Share", content=_moji(("You" if sender == owner else sender) + " sent an attachment."))
                else:
                    m.update(type="Generic", content=_moji(" ".join(rng.choices(_WORDS, k=rng.randint(1, 16)))))
                m["is_unsent"] = rng.random() < 0.01
                if ig:
                    m["is_geoblocked_for_viewer"] = False
                if rng.random() < 0.1:
                    actor = _moji(rng.choice([p for p in parts if p != sender]))
                    e = _moji(rng.choice(_EMOJI))
                    m["reactions"] = [{"reaction": e, "actor": actor}] * (2 if ig else 1)
                msgs.append(m)
            msgs.reverse()  # newest first
            files = [msgs[i : i + _PER_FILE] for i in range(0, len(msgs), _PER_FILE)]
            for k, chunk in enumerate(files, start=1):
                doc = {
                    "participants": [{"name": _moji(p)} for p in parts],
                    "messages": chunk,
                    "title": _moji(title),
                    "is_still_participant": True,
                    "thread_type": "RegularGroup" if group else "Regular",
                    "thread_path": folder.split("/messages/", 1)[1],
                    "magic_words": [],
                }
                zf.writestr(f"{folder}/message_{k}.json", json.dumps(doc, indent=2))
    return path


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    return build(Path(out_dir), n_messages, seed, "messenger")
