"""Synthetic Mastodon account archives for the import benchmark.

A zip like Mastodon's "Request your archive": ``actor.json`` (with profile fields),
``outbox.json`` written compactly on one line as Mastodon does (Create/Note posts, replies,
mentions, direct and followers-only notes, Announce boosts, full ActivityStreams payloads of
about 2 KB each) and ``likes.json``; ``n_messages`` counts outbox items plus likes.
"""

from __future__ import annotations

import json
import random
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

__all__ = ["generate"]

_WORDS = (
    "ok yes no maybe tomorrow tonight dinner lunch coffee sure thanks great love it haha see you soon "
    "on my way home work meeting train weekend party birthday photo look at this nice sounds good "
    "fediverse toot server instance timeline federation open source release bug fix"
).split()
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
HOSTS = ["mastodon.social", "hachyderm.io", "fosstodon.org", "indieweb.social", "mas.to", "tilde.zone"]


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"mastodon-{n_messages}.zip"
    me = "https://example.social/users/owen"
    people = [(f"user{i}", rng.choice(HOSTS)) for i in range(max(20, n_messages // 200))]
    n_likes = n_messages // 5
    n_out = n_messages - n_likes
    t = datetime(2022, 11, 1, tzinfo=timezone.utc)
    sid = 109_000_000_000_000_000
    items: list[dict[str, object]] = []
    for _ in range(n_out):
        t += timedelta(seconds=rng.randint(10, 3000))
        sid += rng.randint(1, 10**9)
        pub = t.strftime("%Y-%m-%dT%H:%M:%SZ")
        if rng.random() < 0.2:
            u, h = rng.choice(people)
            items.append({"id": f"{me}/statuses/{sid}/activity", "type": "Announce", "actor": me, "published": pub,
                          "to": [PUBLIC], "cc": [f"https://{h}/users/{u}", f"{me}/followers"],
                          "object": f"https://{h}/users/{u}/statuses/{sid - 12345}"})
            continue
        mentions = rng.sample(people, rng.choice((0, 0, 0, 1, 1, 2)))
        reply = mentions and rng.random() < 0.6
        r = rng.random()
        if r < 0.8:
            to, cc = [PUBLIC], [f"{me}/followers"]
        elif r < 0.9:
            to, cc = [f"{me}/followers"], []
        else:
            to, cc = [], []
            if not mentions:
                mentions = [rng.choice(people)]
        urls = [f"https://{h}/users/{u}" for u, h in mentions]
        if not to:
            to = urls
        else:
            cc = cc + urls
        words = " ".join(rng.choices(_WORDS, k=rng.randint(3, 40)))
        at = " ".join(f'<span class="h-card"><a href="https://{h}/@{u}" class="u-url mention">@<span>{u}</span></a></span>' for u, h in mentions)
        content = f"<p>{at} {words}</p>"
        oid = f"{me}/statuses/{sid}"
        parent = f"https://{mentions[0][1]}/users/{mentions[0][0]}/statuses/{sid - 999}" if reply else None
        note = {
            "id": oid, "type": "Note", "summary": None, "inReplyTo": parent, "published": pub,
            "url": f"https://example.social/@owen/{sid}", "attributedTo": me, "to": to, "cc": cc,
            "sensitive": False, "atomUri": oid, "inReplyToAtomUri": parent,
            "conversation": f"tag:example.social,{pub[:10]}:objectId={sid % 10**8}:objectType=Conversation",
            "content": content, "contentMap": {"en": content}, "attachment": [],
            "tag": [{"type": "Mention", "href": f"https://{h}/users/{u}", "name": f"@{u}@{h}"} for u, h in mentions],
            "replies": {"id": f"{oid}/replies", "type": "Collection", "first": {"type": "CollectionPage",
                        "next": f"{oid}/replies?only_other_accounts=true&page=true", "partOf": f"{oid}/replies", "items": []}},
        }
        items.append({"id": f"{oid}/activity", "type": "Create", "actor": me, "published": pub, "to": to, "cc": cc, "object": note})
    outbox = {"@context": ["https://www.w3.org/ns/activitystreams"], "id": "outbox.json", "type": "OrderedCollection",
              "totalItems": len(items), "orderedItems": items}
    likes = {"@context": "https://www.w3.org/ns/activitystreams", "id": "likes.json", "type": "OrderedCollection",
             "orderedItems": [f"https://{h}/users/{u}/statuses/{10**17 + i}" for i, (u, h) in
                              ((i, rng.choice(people)) for i in range(n_likes))]}
    actor = {"id": me, "type": "Person", "preferredUsername": "owen", "name": "Owen Owner", "url": "https://example.social/@owen",
             "attachment": [{"type": "PropertyValue", "name": "Web", "value": '<a href="https://owen.example.org" rel="me">owen.example.org</a>'}],
             "outbox": "outbox.json"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("actor.json", json.dumps(actor))
        zf.writestr("outbox.json", json.dumps(outbox, separators=(",", ":")))
        zf.writestr("likes.json", json.dumps(likes, separators=(",", ":")))
    return path
