"""X (Twitter) archive: ``twitter-2026-11-01-<hash>.zip`` with ``data/*.js`` (2022+ naming).

Only what X puts in the owner's archive: the owner's tweets (posts, replies, retweets) in
``tweets.js``, 1:1 DMs in ``direct-messages.js`` (both directions, account ids only), likes
(``like.js``: tweet id and text, no author), follower and following lists (account ids only),
``account.js`` and the ``manifest.js`` (``window.__THAR_CONFIG``). Other people's tweets are not in
the archive, so their public replies show up only through the owner's answers to them. Files
use X's layout: ``"key" : value``, two-space indent, ``[ ]`` for empty arrays, numbers as strings,
newest first.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from closeknit.demo.life import NOW, USER, Life, known
from closeknit.demo.writers import Export, write_zip

__all__ = ["write", "xjson"]


def xjson(v, ind: int = 0) -> str:
    """JSON the way X's archive writes it."""
    pad = "  " * ind
    if isinstance(v, dict):
        if not v:
            return "{ }"
        items = [f'{pad}  {json.dumps(k, ensure_ascii=False)} : {xjson(x, ind + 1)}' for k, x in v.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(v, list):
        if not v:
            return "[ ]"
        return "[\n" + ",\n".join(pad + "  " + xjson(x, ind + 1) for x in v) + "\n" + pad + "]"
    return json.dumps(v, ensure_ascii=False)


def _js(name: str, items: list) -> bytes:
    return f"window.YTD.{name}.part0 = {xjson(items)}".encode()


def _tweet_date(t: datetime) -> str:
    return t.strftime("%a %b %d %H:%M:%S +0000 %Y")


def _iso_ms(t: datetime, rng: random.Random) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(1000):03d}Z"


def _mention(p, text: str) -> dict:
    start = text.find("@" + p.x_handle)
    return {"name": p.name, "screen_name": p.x_handle, "indices": [str(start), str(start + 1 + len(p.x_handle))],
            "id_str": p.x_id, "id": p.x_id}


def write(life: Life, out: Path) -> list[Export]:
    rng = random.Random(life.seed * 1000 + 1)
    u = life.user
    tweets = []
    for e in reversed(life.by_channel("x_post", "x_reply", "x_rt")):
        tid = str(e.extra["id"])
        text = e.text
        mentions = [_mention(life.person(pid), text) for pid in e.to]
        t: dict = {
            "edit_info": {"initial": {"editTweetIds": [tid], "editableUntil": _iso_ms(e.ts + timedelta(hours=1), rng),
                                      "editsRemaining": "5", "isEditEligible": e.channel == "x_post"}},
            "retweeted": False,
            "source": '<a href="http://twitter.com/download/iphone" rel="nofollow">Twitter for iPhone</a>',
            "entities": {"hashtags": [], "symbols": [], "user_mentions": mentions, "urls": []},
            "display_text_range": ["0", str(len(text))],
            "favorite_count": str(rng.choice((0, 0, 1, 2, 3, 5, 12))) if e.channel != "x_rt" else "0",
        }
        if e.channel == "x_reply":
            p = life.person(e.to[0])
            t["in_reply_to_status_id_str"] = str(e.extra["reply_to"])
        t["id_str"] = tid
        if e.channel == "x_reply":
            t["in_reply_to_user_id"] = p.x_id
        t["truncated"] = False
        t["retweet_count"] = "0" if e.channel != "x_post" else str(rng.choice((0, 0, 0, 1, 2)))
        t["id"] = tid
        if e.channel == "x_reply":
            t["in_reply_to_status_id"] = str(e.extra["reply_to"])
        t["created_at"] = _tweet_date(e.ts)
        t["favorited"] = False
        t["full_text"] = text
        t["lang"] = "en"
        if e.channel == "x_reply":
            t["in_reply_to_screen_name"] = p.x_handle
            t["in_reply_to_user_id_str"] = p.x_id
        tweets.append({"tweet": t})

    convs: dict[str, list] = {}
    for e in life.by_channel("x_dm"):
        other = life.person(e.to[0] if e.sender == USER else e.sender)
        a, b = sorted((int(known(u.x_id, "X account id for the user")), int(known(other.x_id, f"X account id for {other.name}"))))
        cid = f"{a}-{b}"
        sender = u if e.sender == USER else other
        recip = other if e.sender == USER else u
        dm_id = str(((int(e.ts.timestamp() * 1000) - 1288834974657) << 22) | rng.randrange(1 << 22))
        convs.setdefault(cid, []).append({"messageCreate": {
            "recipientId": recip.x_id, "reactions": [], "urls": [], "text": e.text, "mediaUrls": [],
            "senderId": sender.x_id, "id": dm_id, "createdAt": _iso_ms(e.ts, rng), "editHistory": []}})
    dms = [{"dmConversation": {"conversationId": cid, "messages": list(reversed(msgs))}}
           for cid, msgs in sorted(convs.items(), key=lambda kv: kv[1][-1]["messageCreate"]["createdAt"], reverse=True)]

    likes = [{"like": {"tweetId": str(e.extra["id"]), "fullText": e.text,
                       "expandedUrl": f"https://twitter.com/i/web/status/{e.extra['id']}"}}
             for e in reversed(life.by_channel("x_like"))]
    followers = [{"follower": {"accountId": p.x_id, "userLink": f"https://twitter.com/intent/user?user_id={p.x_id}"}}
                 for p in sorted((p for p in life.people if p.x_id and p.x_follows_user), key=lambda p: p.pid, reverse=True)]
    following = [{"following": {"accountId": p.x_id, "userLink": f"https://twitter.com/intent/user?user_id={p.x_id}"}}
                 for p in sorted((p for p in life.people if p.x_id and p.user_follows_x), key=lambda p: p.pid, reverse=True)]
    account = [{"account": {"email": u.email, "createdVia": "web", "username": u.x_handle, "accountId": u.x_id,
                            "createdAt": "2021-06-09T14:22:51.318Z", "accountDisplayName": u.name}}]
    profile = [{"profile": {"description": {"bio": "Designer in east London. Allotments, bikes, books.", "website": "",
                                            "location": "London"},
                            "avatarMediaUrl": "https://pbs.twimg.com/profile_images/default_profile.png"}}]

    files: list[tuple[str, str, list[dict[str, Any]]]] = [
        ("account", "account.js", account),
        ("profile", "profile.js", profile),
        ("tweets", "tweets.js", tweets),
        ("direct_messages", "direct-messages.js", dms),
        ("direct_messages_group", "direct-messages-group.js", []),
        ("follower", "follower.js", followers),
        ("following", "following.js", following),
        ("like", "like.js", likes),
    ]
    types = {"account": "account", "profile": "profile", "tweets": "tweets", "direct_messages": "directMessages",
             "direct_messages_group": "directMessagesGroup", "follower": "follower", "following": "following",
             "like": "like"}
    manifest = {
        "userInfo": {"accountId": u.x_id, "userName": u.x_handle, "displayName": u.name},
        "archiveInfo": {"sizeBytes": "0", "generationDate": NOW.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                        "isPartialArchive": False, "maxPartSizeBytes": "53687091200"},
        "readmeInfo": {"fileName": "data/README.txt", "directory": "data/", "name": "README.txt"},
        "dataTypes": {types[g]: {"files": [{"fileName": f"data/{fn}", "globalName": f"YTD.{g}.part0",
                                            "count": str(len(items))}]} for g, fn, items in files},
    }
    members = [("data/manifest.js", f"window.__THAR_CONFIG = {xjson(manifest)}".encode())]
    members += [(f"data/{fn}", _js(g, items)) for g, fn, items in files]
    path = write_zip(out / f"twitter-{NOW:%Y-%m-%d}-{rng.randrange(16**16):016x}.zip", members)
    return [Export(path, "twitter", "twitter")]
