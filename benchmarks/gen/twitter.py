"""Benchmark input for the ``twitter`` importer: an X archive zip.

``generate(out_dir, n_messages, seed)`` writes ``twitter-archive.zip`` holding ``data/*.js`` the
way X writes them (``window.YTD.<name>.part<N> = [`` then a two-space indented JSON array with
`` : `` separators, every number as a string). About 90 % of ``n_messages`` are tweets shaped like
real ones (``edit_info``, ``entities`` with ``user_mentions``/``urls``, a fifth with
``extended_entities`` media, about 1.8 KB each): replies (55 %), retweets (10 %), tweets that
mention someone, plain posts. The rest are likes, 1:1 DM conversations (with reactions and the
``direct-message-headers.js`` twin), followers and following. Tweets over 100,000 split into
``tweets.js``, ``tweets-part1.js``, ... as X does for big archives.
"""

from __future__ import annotations

import random
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import orjson

__all__ = ["generate"]

OWNER_ID = "1234567890123456789"
OWNER = "ada_example"
_PART = 100_000
_WORDS = (
    "the a to of and in that is for it on with as was at by be this have from or one had not but what all were "
    "when we there can an your which their said if do will each about how up out them then she many some so these "
    "would other into has more her two like him see time could no make than first been its who now people my made "
    "über ça naïve 🙂 🔥 &amp; &gt; #python #data https://t.co/AbCdEf12 thread tomorrow agree exactly lol wow"
).split()
_DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_SOURCE = '<a href="https://mobile.twitter.com" rel="nofollow">Twitter Web App</a>'


def _created(dt: datetime) -> str:
    return f"{_DAYS[dt.weekday()]} {_MONTHS[dt.month - 1]} {dt.day:02d} {dt.hour:02d}:{dt.minute:02d}:{dt.second:02d} +0000 {dt.year}"


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _users(r: random.Random, n: int) -> list[tuple[str, str, str]]:
    out = []
    for i in range(n):
        uid = str(r.randrange(10**8, 2 * 10**18))
        out.append((uid, f"user_{i}_{r.randrange(1000)}", f"User {i} {r.choice(['Lovelace', 'Müller', 'Smith', '🙂'])}"))
    return out


def _mention(u: tuple[str, str, str], start: int) -> dict:
    return {"name": u[2], "screen_name": u[1], "indices": [str(start), str(start + len(u[1]) + 1)], "id_str": u[0], "id": u[0]}


def _tweet(r: random.Random, tid: int, dt: datetime, users: list, prev: int) -> dict:
    text = " ".join(r.choices(_WORDS, k=r.randrange(5, 40)))
    roll = r.random()
    mentions: list[dict] = []
    tw: dict = {
        "edit_info": {
            "initial": {
                "editTweetIds": [str(tid)],
                "editableUntil": _iso(dt + timedelta(hours=1)),
                "editsRemaining": "5",
                "isEditEligible": False,
            }
        },
        "retweeted": False,
        "source": _SOURCE,
        "entities": {"hashtags": [], "symbols": [], "user_mentions": mentions, "urls": []},
        "display_text_range": ["0", str(len(text))],
        "favorite_count": str(r.randrange(0, 50)),
    }
    if roll < 0.55:  # reply
        to = r.choice(users)
        mentions.append(_mention(to, 0))
        for _ in range(r.choice((0, 0, 1, 2))):
            mentions.append(_mention(r.choice(users), len(to[1]) + 2))
        text = f"@{to[1]} " + text
        tw["in_reply_to_status_id_str"] = str(prev)
        tw["in_reply_to_user_id"] = to[0]
        tw["in_reply_to_status_id"] = str(prev)
        tw["in_reply_to_screen_name"] = to[1]
        tw["in_reply_to_user_id_str"] = to[0]
    elif roll < 0.65:  # retweet
        src = r.choice(users)
        mentions.append(_mention(src, 3))
        text = f"RT @{src[1]}: " + text
    elif roll < 0.8:  # mentions someone
        u = r.choice(users)
        mentions.append(_mention(u, len(text) + 1))
        text = text + f" @{u[1]}"
    if r.random() < 0.3:
        tw["entities"]["urls"].append(
            {
                "url": "https://t.co/2UHqruPk7w",
                "expanded_url": f"https://x.com/{OWNER}/status/{prev}",
                "display_url": f"x.com/{OWNER}/stat…",
                "indices": ["11", "34"],
            }
        )
    tw.update(
        {
            "id_str": str(tid),
            "truncated": False,
            "retweet_count": str(r.randrange(0, 5)),
            "id": str(tid),
            "possibly_sensitive": False,
            "created_at": _created(dt),
            "favorited": False,
            "full_text": text,
            "lang": r.choice(("en", "de", "fr", "qme")),
        }
    )
    if r.random() < 0.2:
        mid = str(tid - 1000)
        media = {
            "expanded_url": f"https://x.com/{OWNER}/status/{tid}/photo/1",
            "indices": ["77", "100"],
            "url": "https://t.co/en3wgkcbae",
            "media_url": "http://pbs.twimg.com/media/HCo5t1CbQAA4FOT.jpg",
            "id_str": mid,
            "id": mid,
            "media_url_https": "https://pbs.twimg.com/media/HCo5t1CbQAA4FOT.jpg",
            "sizes": {
                k: {"w": w, "h": h, "resize": m}
                for k, w, h, m in (("small", "542", "680", "fit"), ("large", "718", "900", "fit"), ("thumb", "150", "150", "crop"))
            },
            "type": "photo",
            "display_url": "pic.x.com/en3wgkcbae",
        }
        tw["entities"]["media"] = [media]
        tw["extended_entities"] = {"media": [media]}
    return {"tweet": tw}


def _js(global_name: str, items: list) -> bytes:
    """X's layout: ``window.YTD.x.part0 = [`` and two-space indented items."""
    if not items:
        return f"window.YTD.{global_name} = [ ]".encode()
    body = b",\n".join(b"  " + orjson.dumps(it, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  ") for it in items)
    return f"window.YTD.{global_name} = [\n".encode() + body + b"\n]"


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    r = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "twitter-archive.zip"
    n_tweets = max(1, int(n_messages * 0.9))
    n_likes = max(1, int(n_messages * 0.05))
    n_dms = max(1, int(n_messages * 0.04))
    n_follow = max(1, n_messages - n_tweets - n_likes - n_dms)
    users = _users(r, max(50, min(20_000, n_messages // 20)))
    start = datetime(2015, 1, 1, tzinfo=timezone.utc)
    step = (datetime(2026, 1, 1, tzinfo=timezone.utc) - start) / max(n_tweets, 1)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr(
            "data/account.js",
            _js(
                "account.part0",
                [
                    {
                        "account": {
                            "email": "ada@example.org",
                            "createdVia": "web",
                            "username": OWNER,
                            "accountId": OWNER_ID,
                            "createdAt": "2014-06-01T10:00:00.000Z",
                            "accountDisplayName": "Ada Example",
                        }
                    }
                ],
            ),
        )
        tid = 600_000_000_000_000_000
        for part, lo in enumerate(range(0, n_tweets, _PART)):
            items = []
            for i in range(lo, min(n_tweets, lo + _PART)):
                tid += r.randrange(1, 10**9)
                items.append(_tweet(r, tid, start + step * i, users, tid - r.randrange(1, 10**12)))
            name = "data/tweets.js" if part == 0 else f"data/tweets-part{part}.js"
            zf.writestr(name, _js(f"tweets.part{part}", items))
            del items
        likes = []
        for _ in range(n_likes):
            u = r.choice(users)
            lid = str(r.randrange(10**17, 2 * 10**18))
            url = f"https://twitter.com/{u[1]}/status/{lid}" if r.random() < 0.3 else f"https://twitter.com/i/web/status/{lid}"
            likes.append({"like": {"tweetId": lid, "fullText": f"@{r.choice(users)[1]} " + " ".join(r.choices(_WORDS, k=12)), "expandedUrl": url}})
        zf.writestr("data/like.js", _js("like.part0", likes))
        convs, headers = [], []
        left, mid = n_dms, 10**18
        while left > 0:
            u = r.choice(users)
            k = min(left, r.randrange(1, 40))
            left -= k
            msgs, hmsgs = [], []
            t = start + timedelta(days=r.randrange(0, 3900))
            for _ in range(k):
                mid += r.randrange(1, 10**6)
                t += timedelta(minutes=r.randrange(1, 600))
                mine = r.random() < 0.5
                snd, rcv = (OWNER_ID, u[0]) if mine else (u[0], OWNER_ID)
                reactions = []
                if r.random() < 0.05:
                    reactions.append({"senderId": rcv, "reactionKey": "like", "eventId": str(mid + 1), "createdAt": _iso(t + timedelta(minutes=1))})
                msgs.append(
                    {"messageCreate": {"recipientId": rcv, "reactions": reactions, "urls": [], "text": " ".join(r.choices(_WORDS, k=r.randrange(2, 30))),
                                       "mediaUrls": [], "senderId": snd, "id": str(mid), "createdAt": _iso(t), "editHistory": []}}
                )
                hmsgs.append({"messageCreate": {"id": str(mid), "senderId": snd, "recipientId": rcv, "createdAt": _iso(t)}})
            a, b = sorted((u[0], OWNER_ID), key=int)
            convs.append({"dmConversation": {"conversationId": f"{a}-{b}", "messages": msgs[::-1]}})
            headers.append({"dmConversation": {"conversationId": f"{a}-{b}", "messages": hmsgs[::-1]}})
        zf.writestr("data/direct-messages.js", _js("direct_messages.part0", convs))
        zf.writestr("data/direct-message-headers.js", _js("direct_message_headers.part0", headers))
        zf.writestr("data/direct-messages-group.js", _js("direct_messages_group.part0", []))
        half = n_follow // 2
        zf.writestr(
            "data/follower.js",
            _js("follower.part0", [{"follower": {"accountId": u[0], "userLink": f"https://twitter.com/intent/user?user_id={u[0]}"}} for u in r.sample(users, min(half, len(users)))]),
        )
        zf.writestr(
            "data/following.js",
            _js("following.part0", [{"following": {"accountId": u[0], "userLink": f"https://twitter.com/intent/user?user_id={u[0]}"}} for u in r.sample(users, min(n_follow - half, len(users)))]),
        )
    return path
