"""The X/Twitter archive importer: real samples (shared/), our own fixtures per format version."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import orjson
import pytest

import closeknit.ingest.formats.twitter as tw
from closeknit.ingest import detect_format, open_tree
from closeknit.ingest.records import BadRecord
from tests.conftest import rows

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "twitter"
OWNER = "1964312974236991488"
UTC = timezone.utc


def kinds(store) -> dict[str, int]:
    return dict(rows(store, "SELECT kind, count(*) FROM interactions GROUP BY 1 ORDER BY 1"))


def participants(store, native_id: str) -> list[tuple[str, str, str]]:
    return rows(
        store,
        "SELECT id.kind, id.value, p.role FROM interactions i JOIN interaction_participants p ON p.interaction_id = i.id "
        "JOIN identities id ON id.id = p.identity_id WHERE i.native_id = ? ORDER BY p.role, id.kind, id.value",
        [native_id],
    )


def me(store) -> list[tuple[str, str, str]]:
    return rows(store, "SELECT channel, kind, value FROM me ORDER BY channel, kind, value")


def snapshot(store) -> list[tuple]:
    return rows(
        store,
        "SELECT i.native_id, i.kind, i.ts, a.value, i.visibility, i.thread_id, i.reply_to, i.text, "
        "list(id.value || '/' || p.role ORDER BY id.value, p.role) FROM interactions i "
        "LEFT JOIN identities a ON a.id = i.actor_id "
        "LEFT JOIN interaction_participants p ON p.interaction_id = i.id LEFT JOIN identities id ON id.id = p.identity_id "
        "GROUP BY ALL ORDER BY i.native_id",
    )


# --------------------------------------------------------------------------------------- samples


@pytest.fixture
def sample(shared) -> Path:
    return shared / "formats" / "twitter" / "data"


def test_sample_archive_folder(sample, store, import_path):
    r = import_path(sample)
    assert r.format == "twitter"
    # 60 tweets (53 replies, 7 RT), 17 DMs (+ their 17 headers, not counted twice), 23 XChat
    # events (11 messages, 9 read receipts, 3 key changes), 61 + 167 follows, 25 likes, 10 blocks, 2 mutes
    assert (r.added, r.present, r.errors, r.identities) == (365, 0, 0, 329)
    assert kinds(store) == {
        "block": 10, "follow": 228, "like": 25, "message": 28, "mute": 2, "read": 9, "reply": 53, "repost": 7, "system": 3,
    }
    assert rows(store, "SELECT visibility, count(*) FROM interactions GROUP BY 1 ORDER BY 1") == [
        ("private", 52), ("public", 313),
    ]
    assert rows(store, "SELECT count(*) FROM people") == [(278,)]
    assert rows(store, "SELECT kind, count(*) FROM identities GROUP BY 1 ORDER BY 1") == [
        ("account_id", 275), ("email", 1), ("handle", 53),
    ]
    assert me(store) == [
        ("email", "email", "milahu@protonmail.com"),
        ("twitter", "account_id", OWNER),
        ("twitter", "handle", "hauthmilan34580"),
        ("twitter", "handle", "milahu104"),
    ]
    # all the owner's identities are person 0
    assert rows(store, "SELECT count(*) FROM identities WHERE person_id = 0") == [(4,)]
    # DMs: 17 with text from direct-messages.js; the XChat messages are ciphertext, so no text
    assert rows(store, "SELECT count(*), count(text) FROM interactions WHERE native_id LIKE 'dm:%'") == [(17, 17)]
    assert rows(store, "SELECT count(*), count(text) FROM interactions WHERE native_id LIKE 'xchat:%'") == [(23, 0)]
    # times: tweets and DMs have them, follows/likes/blocks/mutes do not (never invented)
    assert rows(store, "SELECT kind, count(ts) FROM interactions WHERE kind IN ('follow','like','block','mute') GROUP BY 1 ORDER BY 1") == [
        ("block", 0), ("follow", 0), ("like", 0), ("mute", 0),
    ]


def test_sample_field_values(sample, store, import_path):
    import_path(sample)
    # the first tweet of the file: a reply to the owner's own thread, mentioning @SamaHoole
    assert rows(
        store,
        "SELECT kind, ts, visibility, text, reply_to IS NOT NULL FROM interactions WHERE native_id = 'tweet:2029905358261502168'",
    ) == [("reply", datetime(2026, 3, 6, 13, 2, 5, tzinfo=UTC), "public", "@SamaHoole https://t.co/2UHqruPk7w", True)]
    assert participants(store, "tweet:2029905358261502168") == [
        ("account_id", "2253756806", "mentioned"),
        ("account_id", OWNER, "recipient"),
    ]
    # a retweet: the original author is the recipient, the other mention stays "mentioned"
    assert rows(store, "SELECT kind FROM interactions WHERE native_id = 'tweet:2029604193200152772'") == [("repost",)]
    assert participants(store, "tweet:2029604193200152772") == [
        ("account_id", "20429858", "mentioned"),
        ("account_id", "1750816407195959296", "recipient"),
    ]
    # X states account id <-> handle in user_mentions: linked, so one person
    assert rows(
        store,
        "SELECT count(DISTINCT person_id) FROM identities WHERE value IN ('2253756806', 'samahoole')",
    ) == [(1,)]
    # a 1:1 DM, thread = conversationId
    assert rows(
        store,
        "SELECT kind, ts, visibility, thread_id, left(text, 20) FROM interactions WHERE native_id = 'dm:2015508318568001704'",
    ) == [("message", datetime(2026, 1, 25, 19, 33, 24, 183000, tzinfo=UTC), "private", "2815014648-1964312974236991488", "hey. wanna read my b")]
    assert participants(store, "dm:2015508318568001704") == [("account_id", "2815014648", "recipient")]
    # XChat read receipt: the other side read the owner's messages
    assert rows(
        store,
        "SELECT i.kind, i.ts, a.value, i.thread_id FROM interactions i JOIN identities a ON a.id = i.actor_id "
        "WHERE native_id = 'xchat:c604ef45-3802-483c-86fa-b91adefa4a59'",
    ) == [("read", datetime(2026, 2, 24, 15, 3, 8, 492000, tzinfo=UTC), "2815014648", "2815014648:1964312974236991488")]
    assert participants(store, "xchat:c604ef45-3802-483c-86fa-b91adefa4a59") == [("account_id", OWNER, "recipient")]
    # follows go both ways around the owner
    assert participants(store, "follow:2027445139539693568:" + OWNER) == [("account_id", OWNER, "recipient")]
    assert participants(store, f"follow:{OWNER}:795566583003353088") == [("account_id", "795566583003353088", "recipient")]
    # a like: no author in the archive (i/web URL), the replied-to handle is only "mentioned"
    assert rows(store, f"SELECT reply_to IS NOT NULL, ts FROM interactions WHERE native_id = 'like:{OWNER}:2029894586810667242'") == [(True, None)]
    assert participants(store, f"like:{OWNER}:2029894586810667242") == [("handle", "samahoole", "mentioned")]
    assert rows(store, "SELECT count(*) FROM interactions i WHERE kind = 'like' AND EXISTS "
                       "(SELECT 1 FROM interaction_participants p WHERE p.interaction_id = i.id AND p.role = 'recipient')") == [(0,)]


def test_sample_reimport_adds_nothing(sample, store, import_path):
    import_path(sample)
    again = import_path(sample, force=True)
    assert (again.added, again.present, again.errors) == (0, 365, 0)
    assert import_path(sample).skipped
    assert store.count("interactions") == 365


def test_sample_zip_imports_like_the_folder(sample, tmp_path, store, import_path):
    import_path(sample)
    folder = snapshot(store)
    zpath = tmp_path / "twitter-2026-03-06-abc.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(sample.iterdir()):
            zf.write(f, "data/" + f.name)
        zf.writestr("assets/js/ondemand.s.abc.js", "window.__SCRIPTS_LOADED__ = {};")  # the HTML viewer's code
        zf.writestr("Your archive.html", "<html></html>")
    from closeknit.store import Store

    other = Store(tmp_path / "zip.duckdb")
    try:
        tree = open_tree(zpath)
        assert detect_format(tree).name == "twitter"
        from closeknit.store.load import import_tree

        r = import_tree(other, tree, detect_format(tree))
        assert (r.added, r.errors, r.identities) == (365, 0, 329)
        assert snapshot(other) == folder
    finally:
        other.close()


# each shared file on its own: (interactions by kind, identities, people, the owner's identities)
SINGLE = {
    "data/account.js": ({}, 3, 1, 3),
    "data/block.js": ({"block": 10}, 10, 10, 0),
    "data/direct-message-headers.js": ({"message": 17}, 11, 11, 0),
    "data/direct-messages-group.js": ({}, 0, 0, 0),
    "data/direct-messages.js": ({"message": 17}, 11, 11, 0),
    "data/follower.js": ({"follow": 61}, 61, 61, 0),
    "data/following.js": ({"follow": 167}, 167, 167, 0),
    "data/like.js": ({"like": 25}, 7, 7, 0),
    "data/manifest.js": ({}, 2, 1, 2),
    "data/message-event.js": ({"message": 11, "read": 9, "system": 3}, 5, 5, 0),
    "data/mute.js": ({"mute": 2}, 2, 2, 0),
    "data/profile.js": ({}, 0, 0, 0),
    "data/screen-name-change.js": ({}, 3, 1, 3),
    "data/tweets.js": ({"reply": 53, "repost": 7}, 98, 49, 0),
    "twitter-to-sqlite-fixtures/account-suspension.js": ({}, 0, 0, 0),
    "twitter-to-sqlite-fixtures/account.js": ({}, 4, 1, 4),
    "twitter-to-sqlite-fixtures/app.js": ({}, 0, 0, 0),
    "twitter-to-sqlite-fixtures/follower.js": ({"follow": 2}, 2, 2, 0),
    "twitter-to-sqlite-fixtures/following.js": ({"follow": 2}, 2, 2, 0),
    "twitter-to-sqlite-fixtures/saved-search.js": ({}, 0, 0, 0),
}


@pytest.mark.parametrize("rel", sorted(SINGLE))
def test_each_shared_file_alone(rel, shared, store, import_path):
    path = shared / "formats" / "twitter" / rel
    r = import_path(path)
    want_kinds, n_ident, n_people, n_me = SINGLE[rel]
    assert r.format == "twitter" and r.errors == 0
    assert kinds(store) == want_kinds
    assert r.identities == n_ident
    assert rows(store, "SELECT count(*) FROM people") == [(n_people,)]
    assert len(me(store)) == n_me


def test_every_shared_js_file_is_covered(shared):
    base = shared / "formats" / "twitter"
    assert {p.relative_to(base).as_posix() for p in base.rglob("*.js")} == set(SINGLE)


def test_twitter_to_sqlite_folder_2019(shared, store, import_path):
    r = import_path(shared / "formats" / "twitter" / "twitter-to-sqlite-fixtures")
    assert (r.added, r.errors, r.identities) == (4, 0, 8)
    assert kinds(store) == {"follow": 4}
    assert me(store) == [
        ("email", "email", "swillison@example.com"),
        ("phone", "phone", "+15555555555"),
        ("twitter", "account_id", "12497"),
        ("twitter", "handle", "simonw"),
    ]
    assert participants(store, "follow:73747798:12497") == [("account_id", "12497", "recipient")]
    assert participants(store, "follow:12497:547842573") == [("account_id", "547842573", "recipient")]


def test_owner_known_from_an_earlier_import(sample, store, import_path):
    import_path(sample / "account.js")
    import_path(sample / "tweets.js")
    assert rows(store, "SELECT count(*) FROM interactions i JOIN identities a ON a.id = i.actor_id WHERE a.person_id = 0") == [(60,)]


# ------------------------------------------------------------------------------ our own fixtures


def test_fixture_tweet_js_2019(store, import_path):
    r = import_path(FIX / "v2019")
    assert (r.added, r.errors) == (11, 0)
    assert kinds(store) == {"block": 1, "follow": 3, "like": 3, "mention": 1, "post": 1, "reply": 1, "repost": 1}
    assert rows(store, "SELECT kind, text, ts FROM interactions WHERE native_id = 'tweet:5001'") == [
        ("reply", "@bob_b see you at 5 & bring cake", datetime(2019, 1, 29, 19, 52, 35, tzinfo=UTC))
    ]
    # the parent tweet is not in the archive: reply_to still names it
    assert rows(store, "SELECT reply_to IS NOT NULL FROM interactions WHERE native_id = 'tweet:5001'") == [(True,)]
    assert participants(store, "tweet:5003") == [("account_id", "2002", "mentioned"), ("account_id", "3003", "recipient")]
    assert participants(store, "tweet:5004") == [("account_id", "3003", "mentioned")]
    # likes: URL author -> recipient; "RT @x:" -> recipient; other @handles only mentioned
    assert participants(store, "like:1001:7001") == [
        ("handle", "ada_l", "mentioned"), ("handle", "dan_d", "mentioned"), ("handle", "bob_b", "recipient"),
    ]
    assert participants(store, "like:1001:7002") == [("handle", "carolc", "recipient")]
    assert participants(store, "like:1001:7003") == [("handle", "erin_e", "mentioned")]
    assert participants(store, "block:1001:6666") == [("account_id", "6666", "recipient")]
    assert me(store) == [
        ("email", "email", "ada@example.org"),
        ("phone", "phone", "+14155550123"),
        ("twitter", "account_id", "1001"),
        ("twitter", "handle", "ada_l"),
    ]
    # handle bob_b (from likes) and account 2002 (from tweets) are one person
    assert rows(store, "SELECT count(DISTINCT person_id) FROM identities WHERE value IN ('2002', 'bob_b')") == [(1,)]


def test_fixture_reply_to_points_at_parent(store, import_path):
    import_path(FIX / "split")
    # tweet 9002 replies to 9001 in the same archive: reply_to is 9001's interaction id
    assert rows(
        store,
        "SELECT c.native_id, p.native_id FROM interactions c JOIN interactions p ON p.id = c.reply_to",
    ) == [("tweet:9002", "tweet:9001")]


def test_fixture_gdpr_2018_unwrapped_items(store, import_path):
    r = import_path(FIX / "gdpr2018" / "tweet.js")
    assert (r.added, r.errors) == (2, 0)
    assert snapshot(store) == [
        ("tweet:4001", "reply", datetime(2018, 5, 5, 10, 0, tzinfo=UTC), None, "public", None,
         rows(store, "SELECT reply_to FROM interactions WHERE native_id = 'tweet:4001'")[0][0], "@bob_b sounds good", ["2002/recipient"]),
        ("tweet:4002", "post", datetime(2018, 5, 6, 11, 30, tzinfo=UTC), None, "public", None, None, "first tweet of the day", [None]),
    ]


def test_fixture_split_parts(store, import_path):
    r = import_path(FIX / "split")
    assert (r.added, r.errors) == (3, 0)
    assert kinds(store) == {"post": 1, "reply": 2}
    # a self-reply (thread) has the owner as recipient; the part1 file is read too
    assert participants(store, "tweet:9002") == [("account_id", "1001", "recipient")]
    assert rows(store, "SELECT text FROM interactions WHERE native_id = 'tweet:9003'") == [("@bob_b agreed 💯",)]
    assert rows(store, "SELECT count(*) FROM interactions i JOIN identities a ON a.id = i.actor_id WHERE a.person_id = 0") == [(3,)]


def test_fixture_group_dms(store, import_path):
    r = import_path(FIX / "group")
    assert (r.added, r.errors) == (8, 0)
    assert rows(store, "SELECT kind, visibility, count(*), count(text) FROM interactions GROUP BY 1, 2 ORDER BY 1") == [
        ("message", "group", 3, 2), ("reaction", "group", 1, 0), ("system", "group", 4, 1),
    ]
    # every member seen in the conversation receives a group message
    assert participants(store, "dm:1500000000000000060") == [
        ("account_id", "1001", "recipient"), ("account_id", "2002", "recipient"), ("account_id", "4004", "recipient"),
    ]
    # the header-only message (not in direct-messages-group.js) is kept, without text
    assert rows(store, "SELECT text, thread_id FROM interactions WHERE native_id = 'dm:1500000000000000010'") == [
        (None, "1500000000000000001")
    ]
    assert rows(store, "SELECT text FROM interactions WHERE native_id = 'dm:1500000000000000060'") == [("who is bringing snacks?",)]
    assert participants(store, "dmreaction:1500000000000000090") == [("account_id", "3003", "recipient")]
    assert rows(store, "SELECT text FROM interactions WHERE kind = 'system' AND text IS NOT NULL") == [("Book club",)]


def test_fixture_broken_items_are_reported(store, import_path):
    r = import_path(FIX / "broken")
    assert (r.added, r.errors) == (4, 4)
    assert rows(store, "SELECT native_id FROM interactions ORDER BY 1") == [
        ("follow:2002:-",), ("like:-:7101",), ("tweet:9101",), ("tweet:9104",),
    ]
    errs = rows(store, "SELECT location, error FROM import_errors ORDER BY location")
    assert [e[0] for e in errs] == [
        "data/follower.js item 1", "data/like.js item 0", "data/tweets.js item 1", "data/tweets.js item 2",
    ]
    assert errs[0][1] == "the file ends inside an item (truncated download?)"
    assert errs[2][1] == "unreadable JSON item"
    assert errs[3][1].startswith("unreadable tweet (ValueError")


# ------------------------------------------------------------------------------------ the reader


def _ids(stream) -> list:
    out = []
    for rec in tw.iter_js_items(stream, "t.js"):
        if isinstance(rec, BadRecord):
            out.append(("bad", rec.location))
        else:
            out.append(rec[1]["tweet"]["id_str"])
    return out


def test_reader_chunk_boundaries_and_fallbacks(sample, monkeypatch):
    data = (sample / "tweets.js").read_bytes()
    want = _ids(io.BytesIO(data))
    assert len(want) == 60
    monkeypatch.setattr(tw, "CHUNK", 333)  # cuts fall everywhere, items span many chunks
    assert _ids(io.BytesIO(data)) == want
    # one long line (re-serialised compactly): no item boundary is visible -> streamed item by item
    items = orjson.loads(data[data.index(b"["):])
    compact = b"window.YTD.tweets.part0 = " + orjson.dumps(items)
    monkeypatch.setattr(tw, "MAX_PENDING", 4096)
    assert _ids(io.BytesIO(compact)) == want
    # CRLF line ends
    assert _ids(io.BytesIO(data.replace(b"\n", b"\r\n"))) == want


def test_reader_edge_cases():
    assert _ids(io.BytesIO(b"window.YTD.tweets.part0 = [ ]")) == []
    assert _ids(io.BytesIO(b"window.YTD.tweets.part0 = []\n")) == []
    assert _ids(io.BytesIO(b'window.YTD.tweets.part0 = [ {"tweet": {"id_str": "1"}} ]')) == ["1"]
    assert _ids(io.BytesIO(b"not javascript at all")) == [("bad", "t.js")]
    # a broken item in the middle of a compact file: reading stops there and says so
    out = _ids(io.BytesIO(b'window.YTD.tweets.part0 = [{"tweet": {"id_str": "1"}}, {"tweet": {"id_str" "2"}}]'))
    assert out == ["1", ("bad", "t.js item 1")]


def test_parse_tweet_time():
    assert tw.parse_tweet_time("Fri Mar 06 13:02:05 +0000 2026") == datetime(2026, 3, 6, 13, 2, 5, tzinfo=UTC)
    assert tw.parse_tweet_time("Fri Mar 06 13:02:05 +0130 2026") == datetime(2026, 3, 6, 11, 32, 5, tzinfo=UTC)
    assert tw.parse_tweet_time("2018-05-03 12:00:00 +0000") == datetime(2018, 5, 3, 12, tzinfo=UTC)
    assert tw.parse_tweet_time("2018-05-03T12:00:00.000Z") == datetime(2018, 5, 3, 12, tzinfo=UTC)


def test_detect(tmp_path):
    imp = tw.TwitterImporter()
    (tmp_path / "x.js").write_text("console.log('hi')")
    assert imp.detect(open_tree(tmp_path / "x.js")) == 0
    (tmp_path / "tweets.js").write_text("\ufeffwindow.YTD.tweets.part0 = [ ]", encoding="utf-8")
    assert imp.detect(open_tree(tmp_path / "tweets.js")) == 10
    (tmp_path / "notes.txt").write_text("hello")
    assert imp.detect(open_tree(tmp_path / "notes.txt")) == 0


def test_tweet_without_str_ids(tmp_path, store, import_path):
    """Numbers as numbers and no ``*_str`` twins: read by the tolerant path, same result."""
    item = {
        "tweet": {
            "id": 11, "created_at": "Mon Apr 01 08:00:00 +0000 2024", "full_text": "@bob_b yes",
            "in_reply_to_status_id": 10, "in_reply_to_user_id": 2002, "in_reply_to_screen_name": "bob_b",
            "entities": {"user_mentions": [{"id": 2002, "screen_name": "bob_b", "name": "Bob B"}]},
        }
    }
    p = tmp_path / "tweet.js"
    p.write_bytes(b"window.YTD.tweet.part0 = [\n  " + orjson.dumps(item, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  ") + b"\n]")
    r = import_path(p)
    assert (r.added, r.errors) == (1, 0)
    assert rows(store, "SELECT native_id, kind, text FROM interactions") == [("tweet:11", "reply", "@bob_b yes")]
    assert participants(store, "tweet:11") == [("account_id", "2002", "recipient")]


def test_two_archives_in_one_folder(tmp_path, store, import_path):
    """Each archive keeps its own owner: a business importing its two accounts at once."""
    import shutil

    shutil.copytree(FIX / "v2019", tmp_path / "a")
    shutil.copytree(FIX / "split", tmp_path / "b")
    (tmp_path / "b" / "data" / "account.js").write_text(
        (FIX / "split" / "data" / "account.js").read_text().replace('"1001"', '"1009"').replace("ada_l", "ada_work"),
    )
    r = import_path(tmp_path)
    assert (r.added, r.errors) == (14, 0)
    assert rows(
        store,
        "SELECT a.value, count(*) FROM interactions i JOIN identities a ON a.id = i.actor_id "
        "WHERE i.native_id LIKE 'tweet:%' GROUP BY 1 ORDER BY 1",
    ) == [("1001", 4), ("1009", 3)]


# ------------------------------------------------------------------- the set-wise (DuckDB) tweets path


def _tweet(tid: int, text: str, created: str = "Mon Apr 01 08:00:00 +0000 2024", mentions=(), reply=None) -> dict:
    tw_ = {
        "edit_info": {"initial": {"editTweetIds": [str(tid)], "editsRemaining": "5"}},
        "entities": {"hashtags": [], "user_mentions": [
            {"name": n, "screen_name": sn, "indices": ["0", "5"], "id_str": i, "id": i} for i, sn, n in mentions
        ], "urls": []},
        "id_str": str(tid), "id": str(tid), "created_at": created, "full_text": text, "lang": "en",
    }
    if reply:
        parent, uid, sn = reply
        tw_.update({"in_reply_to_status_id_str": parent, "in_reply_to_status_id": parent,
                    "in_reply_to_user_id_str": uid, "in_reply_to_user_id": uid, "in_reply_to_screen_name": sn})
    return {"tweet": tw_}


def _js(items: list, name: str = "tweets.part0") -> bytes:
    body = b",\n".join(b"  " + orjson.dumps(it, option=orjson.OPT_INDENT_2).replace(b"\n", b"\n  ") for it in items)
    return f"window.YTD.{name} = [\n".encode() + body + b"\n]"


# tweets whose meaning depends on the fine print: who is the recipient, which names win, links
EDGE_TWEETS = [
    _tweet(1, "@Bob_B hi &amp; &lt;3", mentions=[("2002", "Bob_B", "Bob")], reply=("900", "2002", "Bob_B")),
    _tweet(2, "RT @carol_c: quoted", mentions=[("3003", "Carol_C", "Carol"), ("4004", "dan", "")]),
    _tweet(3, "RT @Ünï_cødé: unicode handle", mentions=[("5005", "Ünï_cødé", "U")]),
    _tweet(4, "@ghost reply to someone not mentioned", reply=("901", "6006", "Ghost")),
    _tweet(5, "@nobody reply without a user id", reply=("902", "-1", "NoBody")),
    _tweet(6, "two of the same @bob_b @bob_b", mentions=[("2002", "bob_b", "Bob B."), ("2002", "bob_b", "Bob B.")]),
    _tweet(7, "mention without id @ eve", mentions=[("-1", " Eve ", "Eve"), ("0", "", "nameless"), ("", "frank", None)]),
    _tweet(8, "@Bob_B again, new name", mentions=[("2002", "Bob_B", "Robert")], reply=("1", "2002", "bob_b")),
    _tweet(9, "plain post"),
    _tweet(10, "RT @nomatch no colon"),
    _tweet(11, "reply to a mention matched by handle", mentions=[("7007", "Hank", "H")], reply=("903", "", "hank")),
    _tweet(12, "@Bob_B first name again", mentions=[("2002", "Bob_B", "Bob")]),
]


def _imported(path, db) -> tuple:
    """Import ``path`` into a new store at ``db``: (added, errors, identities), the interactions,
    identities with names, links by value, the number of participants."""
    from closeknit.store import Store
    from closeknit.store.load import import_tree

    st = Store(db)
    try:
        r = import_tree(st, open_tree(path), tw.TwitterImporter())
        return (
            (r.added, r.errors, r.identities),
            snapshot(st),
            rows(st, "SELECT kind, value, display_name FROM identities ORDER BY ALL"),
            rows(st, "SELECT a.value, b.value, l.reason FROM identity_links l JOIN identities a ON a.id = l.a "
                     "JOIN identities b ON b.id = l.b ORDER BY ALL"),
            rows(st, "SELECT count(*) FROM interaction_participants"),
        )
    finally:
        st.close()


def test_edge_case_tweets(tmp_path):
    """Who is the recipient, which names win, which links are made: the fine print of a tweet."""
    p = tmp_path / "tweets.js"
    p.write_bytes(_js(EDGE_TWEETS))
    (added, errors, _), snap, idents, links, n_parts = _imported(p, tmp_path / "s.duckdb")
    assert (added, errors) == (12, 0)
    by_id = {s[0]: s for s in snap}
    assert by_id["tweet:1"][1] == "reply" and by_id["tweet:1"][7] == "@Bob_B hi & <3"
    assert by_id["tweet:1"][8] == ["2002/recipient"]
    assert by_id["tweet:2"][1] == "repost" and by_id["tweet:2"][8] == ["3003/recipient", "4004/mentioned"]
    assert by_id["tweet:3"][8] == ["5005/recipient"]
    assert by_id["tweet:4"][8] == ["6006/recipient"]
    assert by_id["tweet:5"][8] == ["nobody/recipient"]
    assert by_id["tweet:6"][8] == ["2002/mentioned"]  # listed twice by X: one person once, as in every format
    assert by_id["tweet:7"][8] == ["eve/mentioned", "frank/mentioned"]
    assert by_id["tweet:10"][1] == "repost" and by_id["tweet:10"][8] == [None]
    assert by_id["tweet:11"][8] == ["7007/recipient"]
    # the name whose first appearance is the latest wins: Robert (tweet 8), not Bob again (tweet 12)
    assert ("account_id", "2002", "Robert") in idents
    assert ("2002", "bob_b", "twitter user_mentions") in links
    assert ("6006", "ghost", "twitter in_reply_to") in links
    assert n_parts == [(12,)]


def test_links_are_made_by_the_first_file_that_names_them(tmp_path):
    """Links first met in an earlier tweets file are not made again by a later one; names and order are kept."""
    d = tmp_path / "archive" / "data"
    d.mkdir(parents=True)
    parts = [
        # files are taken in name order: tweets-part1.js ... tweets-part4.js, then tweets.js; each pair
        # is linked by the first file that names it, with that file's reason and name
        [_tweet(1, "@bob_b hi", reply=("900", "2002", "bob_b")), _tweet(2, "@carol_c", mentions=[("3003", "carol_c", "Carol")])],
        [_tweet(3, "@bob_b hey", mentions=[("2002", "bob_b", "Bob")]), _tweet(4, "@dan hi", reply=("901", "4004", "dan"))],
        [_tweet(5, "@dan again", mentions=[("4004", "dan", "Dan")]), _tweet(6, "@bob_b", mentions=[("2002", "bob_b", "Robert")])],
        [_tweet(7, "@carol_c", reply=("902", "3003", "carol_c")), _tweet(8, "@erin", mentions=[("5005", "erin", "Erin")])],
        [_tweet(9, "@erin x", reply=("903", "5005", "erin"))],
    ]
    for i, items in enumerate(parts):
        name = "tweets.js" if i == 0 else f"tweets-part{i}.js"
        (d / name).write_bytes(_js(items, f"tweets.part{i}"))
    (added, errors, _), _, idents, links, _ = _imported(tmp_path / "archive", tmp_path / "s.duckdb")
    assert (added, errors) == (9, 0)
    assert links == [
        ("2002", "bob_b", "twitter user_mentions"),  # part1 (tweet 3), not tweets.js's reply
        ("3003", "carol_c", "twitter in_reply_to"),  # part3, not tweets.js's mention
        ("4004", "dan", "twitter in_reply_to"),  # part1, not part2's mention
        ("5005", "erin", "twitter user_mentions"),  # part3, not part4's reply (read at the same time)
    ]
    assert ("handle", "bob_b", "Bob") in idents and ("handle", "erin", "Erin") in idents
    assert ("handle", "dan", None) in idents  # linked by a reply, which names no one
    assert ("account_id", "2002", "Robert") in idents  # the latest name wins


def test_broken_tweet_in_a_big_file_is_reported_and_skipped(tmp_path, store, import_path):
    """A broken item deep inside a large tweets file: reported, the rest of the file imported."""
    items = [_tweet(10_000 + i, f"tweet number {i} @bob_b", mentions=[("2002", "bob_b", "Bob")]) for i in range(6000)]
    data = _js(items)
    at = data.index(b'"id_str": "14321",')
    broken = data[:at] + data[at:].replace(b'"14321",', b'"14321"', 1)  # a lost comma
    part1 = _js([_tweet(20_000, "in the second file", created="Tue Apr 02 09:00:00 +0000 2024")], "tweets.part1")
    d = tmp_path / "archive" / "data"
    d.mkdir(parents=True)
    (d / "tweets.js").write_bytes(broken)
    (d / "tweets-part1.js").write_bytes(part1)
    r = import_path(tmp_path / "archive")
    assert (r.added, r.errors) == (6000, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [("data/tweets.js item 4321", "unreadable JSON item")]
    assert rows(store, "SELECT count(*) FROM interactions WHERE native_id = 'tweet:14321'") == [(0,)]
    assert rows(store, "SELECT count(*), count(DISTINCT ts) FROM interactions WHERE kind = 'mention'") == [(5999, 1)]
    assert rows(store, "SELECT kind, text FROM interactions WHERE native_id = 'tweet:20000'") == [("post", "in the second file")]


def test_bad_time_in_a_big_file_is_reported(tmp_path, store, import_path):
    """A time that does not exist is reported; another zone is read."""
    items = [_tweet(30_000 + i, f"t{i}") for i in range(300)]
    items[150] = _tweet(30_150, "odd time", created="Mon Apr 01 25:00:00 +0000 2024")
    items[151] = _tweet(30_151, "other zone", created="Mon Apr 01 08:00:00 +0130 2024")
    p = tmp_path / "tweets.js"
    p.write_bytes(_js(items))
    r = import_path(p)
    assert (r.added, r.errors) == (299, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [
        ("tweets.js item 150", "unreadable tweet (ValueError: hour must be in 0..23)")
    ]
    assert rows(store, "SELECT ts FROM interactions WHERE native_id = 'tweet:30151'") == [(datetime(2024, 4, 1, 6, 30, tzinfo=UTC),)]


def test_fixture_welcome_message_and_unknown_dm_events(store, import_path):
    """welcomeMessageCreate (a business account's automatic welcome) is a system event with its
    text; an event type with no known meaning is reported with its count, not dropped."""
    r = import_path(FIX / "welcome")
    assert (r.added, r.errors) == (2, 1)
    assert rows(store, "SELECT native_id, kind, text, (SELECT value FROM identities d WHERE d.id = actor_id) FROM interactions ORDER BY ts") == [
        ("dm:1600000000000000010", "system", "Hi! Thanks for reaching out. How can we help?", "5005"),
        ("dm:1600000000000000030", "message", "my order has not arrived", "1001"),
    ]
    assert participants(store, "dm:1600000000000000010") == [("account_id", "1001", "recipient")]
    assert rows(store, "SELECT location, error FROM import_errors") == [
        ("data/direct-messages.js", "1 DM event(s) of type 'reactionCreate' skipped: no meaning known for this type")]
