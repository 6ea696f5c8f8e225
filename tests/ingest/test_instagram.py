"""Instagram ("Download Your Information" JSON): the real group-thread sample and our own fixtures."""

from __future__ import annotations

import json
import zipfile

from tests.conftest import rows


def test_instagram_sample(shared, store, import_path):
    r = import_path(shared / "formats" / "instagram")
    assert r.format == "instagram"
    # 3 messages: the "liked a message" notice is no message (Brittney already reacted), the
    # "You sent an attachment." placeholder is a message without text; 2 x 2 duplicated reactions -> 2
    assert (r.added, r.errors, r.identities) == (4, 0, 4)
    assert rows(store, "SELECT i.kind, a.value, text, visibility FROM interactions i JOIN identities a ON a.id = i.actor_id "
                       "ORDER BY ts NULLS LAST, text") == [
        ("message", "Balthazar", None, "group"),
        ("message", "Turbin", "🙄poser 🦋🐍", "group"),
        ("reaction", "Brittney", "❤️", "group"),
        ("reaction", "Brittney", "❤️", "group"),
    ]
    assert rows(store, "SELECT p.value FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "JOIN identities p ON p.id = ip.identity_id WHERE i.kind = 'reaction' ORDER BY 1") == [("Balthazar",), ("Turbin",)]
    assert rows(store, "SELECT p.value FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "JOIN identities p ON p.id = ip.identity_id WHERE i.text LIKE '%poser%' ORDER BY 1") == [("Balthazar",), ("Brittney",)]
    # "You sent an attachment." was sent by the owner
    assert rows(store, "SELECT value FROM me") == [("Balthazar",)]
    # the notice "babyoutwiththebongwater liked a message" was sent by Brittney: her handle
    assert rows(store, "SELECT a.value, b.value, l.confidence FROM identity_links l JOIN identities a ON a.id = l.a "
                       "JOIN identities b ON b.id = l.b") == [("babyoutwiththebongwater", "Brittney", 0.9)]
    assert store.count("people") == 3
    again = import_path(shared / "formats" / "instagram", force=True)
    assert (again.added, again.present) == (0, 4)


def test_instagram_lists_and_profile(tmp_path, store, import_path):
    item = lambda user, ts, title="": {"title": title, "media_list_data": [], "string_list_data": [  # noqa: E731
        {"href": f"https://www.instagram.com/{user}", "value": "" if title else user, "timestamp": ts}]}
    p = tmp_path / "ig.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("personal_information/personal_information/personal_information.json", json.dumps(
            {"profile_user": [{"string_map_data": {"Username": {"value": "owen.o"}, "Name": {"value": "Owen"}}}]}))
        zf.writestr("connections/followers_and_following/followers_1.json", json.dumps([item("ada", 1_600_000_000), item("bob", 1_600_000_100)]))
        zf.writestr("connections/followers_and_following/following.json",
                    json.dumps({"relationships_following": [item("ada", 1_600_000_200, title="ada")]}))
        zf.writestr("connections/followers_and_following/close_friends.json",
                    json.dumps({"relationships_close_friends": [item("Ada", 1_600_000_300)]}))
        zf.writestr("your_instagram_activity/messages/inbox/ada_77/message_1.json", json.dumps({
            "participants": [{"name": "Owen"}, {"name": "Ada"}],
            "messages": [{"sender_name": "Ada", "timestamp_ms": 1_600_000_400_000, "content": "hey", "is_geoblocked_for_viewer": False}],
            "title": "Ada", "thread_type": "Regular", "is_still_participant": True}))
    r = import_path(p)
    assert r.format == "instagram"
    assert (r.added, r.errors) == (5, 0)
    assert rows(store, "SELECT i.kind, a.value, p.value, thread_id, epoch(ts)::BIGINT FROM interactions i "
                       "LEFT JOIN identities a ON a.id = i.actor_id JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "JOIN identities p ON p.id = ip.identity_id ORDER BY ts") == [
        ("follow", "ada", "owen.o", None, 1_600_000_000),
        ("follow", "bob", "owen.o", None, 1_600_000_100),
        ("follow", "owen.o", "ada", None, 1_600_000_200),
        ("connect", "owen.o", "ada", "instagram:close_friends", 1_600_000_300),
        ("message", "Ada", "Owen", "77", 1_600_000_400),
    ]
    assert rows(store, "SELECT kind, value FROM me ORDER BY 1") == [("handle", "owen.o"), ("name", "Owen")]
    assert import_path(p, force=True).added == 0


def test_instagram_message_requests_folder(tmp_path, store, import_path):
    d = tmp_path / "instagram-owen"
    f = d / "your_instagram_activity" / "messages" / "message_requests" / "ada_88" / "message_1.json"
    f.parent.mkdir(parents=True)
    f.write_text(json.dumps({"participants": [{"name": "Owen"}, {"name": "Ada"}], "title": "Ada",
                             "messages": [{"sender_name": "Ada", "timestamp_ms": 1_600_000_400_000, "content": "hey"}]}))
    r = import_path(d)
    assert (r.format, r.added, r.errors) == ("instagram", 1, 0)


def test_instagram_until_2020_messages_json(tmp_path, store, import_path):
    """Instagram's download until December 2020: one messages.json of conversations by username
    (layout as read by michabirklbauer/instagram_json_viewer, message_stats.py and instaview.py)."""
    d = tmp_path / "owen_o_20200316"
    d.mkdir()
    (d / "profile.json").write_text(json.dumps({"username": "owen.o", "name": "Owen", "email": "Owen@Example.org"}))
    (d / "media.json").write_text(json.dumps({"stories": [], "photos": [], "profile": [], "videos": [], "direct": []}))
    (d / "messages.json").write_text(json.dumps([
        {"participants": ["owen.o", "ada.l"], "conversation": [  # newest first
            {"sender": "ada.l", "created_at": "2020-03-15T19:21:05.100000+00:00", "text": "ok!"},
            {"sender": "owen.o", "created_at": "2020-03-15T19:21:03.546345+00:00", "media_share_url": "https://x", "media_owner": "nat"},
            {"sender": "owen.o", "created_at": "2020-03-15T19:20:00+00:00", "text": "see this"},
        ]},
        {"participants": ["owen.o", "ada.l", "bob.b"], "conversation": [
            {"sender": "bob.b", "created_at": "2019-12-31T23:59:59.000001+00:00", "text": "happy new year"},
            {"sender": "bob.b", "text": "no time"},  # unreadable: reported
        ]},
    ]))
    r = import_path(d)
    assert (r.format, r.added, r.errors) == ("instagram", 4, 1)
    assert rows(store, "SELECT a.value, text, visibility, epoch(ts)::BIGINT FROM interactions i "
                       "JOIN identities a ON a.id = i.actor_id ORDER BY ts") == [
        ("bob.b", "happy new year", "group", 1_577_836_799),
        ("owen.o", "see this", "private", 1_584_300_000),
        ("owen.o", None, "private", 1_584_300_064),
        ("ada.l", "ok!", "private", 1_584_300_065),
    ]
    assert rows(store, "SELECT count(*) FROM interaction_participants") == [(5,)]
    assert rows(store, "SELECT kind, value FROM me ORDER BY 1") == [("email", "owen@example.org"), ("handle", "owen.o")]
    assert rows(store, "SELECT location, error FROM import_errors") == [
        ("messages.json conversation 1 message 1", "message without a readable created_at")]
    assert import_path(d, force=True).added == 0
