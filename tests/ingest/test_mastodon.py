"""Mastodon archive: the real (trimmed) archive and our own fixtures."""

from __future__ import annotations

import json
import zipfile

from tests.conftest import rows

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ME = "https://social.example/users/owen"


def test_mastodon_sample(shared, store, import_path):
    r = import_path(shared / "formats" / "mastodon")
    assert r.format == "mastodon"
    assert (r.added, r.errors) == (93, 0)
    assert rows(store, "SELECT kind, visibility, count(*) FROM interactions GROUP BY ALL ORDER BY ALL") == [
        ("like", "public", 50),
        ("message", "private", 4),
        ("post", "public", 17),
        ("reply", "group", 1),
        ("reply", "public", 10),
        ("repost", "public", 11),
    ]
    # 12 notes mention someone; each mention is a handle linked to its actor URL
    assert rows(store, "SELECT count(DISTINCT i.id) FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "JOIN identities p ON p.id = ip.identity_id WHERE p.kind = 'handle'") == [(12,)]
    assert rows(store, "SELECT count(*) FROM identity_links WHERE reason LIKE 'Mastodon mention tag%'") == [(10,)]
    # the reply to @mcg@social.lol is addressed to mcg
    assert rows(store, "SELECT ip.role, p.value FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "JOIN identities p ON p.id = ip.identity_id WHERE i.text = '@mcg 😜'") == [("recipient", "mcg@social.lol")]
    # boosts and likes go to the author named in the status URL
    assert rows(store, "SELECT count(*) FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "WHERE i.kind IN ('like', 'repost')") == [(60,)]  # 1 of 61 URLs names no author
    assert rows(store, "SELECT kind, value FROM me ORDER BY 1") == [
        ("handle", "dealingwith@indieweb.social"), ("url", "https://indieweb.social/users/dealingwith")]
    assert rows(store, "SELECT a.value, b.channel, b.value, l.confidence FROM identity_links l JOIN identities a ON a.id = l.a "
                       "JOIN identities b ON b.id = l.b WHERE reason = 'listed in Mastodon profile'") == [
        ("dealingwith@indieweb.social", "blog", "https://daniel.industries", 1.0)]
    assert rows(store, "SELECT count(*) FROM interactions WHERE ts IS NULL") == [(50,)]  # likes carry no time
    assert import_path(shared / "formats" / "mastodon", force=True).added == 0


def _note(i, to, cc, content, tags=(), reply=None):
    oid = f"{ME}/statuses/{i}"
    return {"id": f"{oid}/activity", "type": "Create", "actor": ME, "published": f"2024-01-0{i}T10:00:00Z", "to": to, "cc": cc,
            "object": {"id": oid, "type": "Note", "inReplyTo": reply, "published": f"2024-01-0{i}T10:00:00Z", "to": to, "cc": cc,
                       "conversation": f"tag:c{i}", "content": content, "tag": list(tags)}}


def test_mastodon_visibility_profile_and_lists(tmp_path, store, import_path):
    ada = {"type": "Mention", "href": "https://other.example/users/ada", "name": "@ada@other.example"}
    bob = {"type": "Mention", "href": "https://social.example/users/bob", "name": "@bob"}
    items = [
        _note(1, [PUBLIC], [f"{ME}/followers"], "<p>public</p>"),
        _note(2, [f"{ME}/followers"], [PUBLIC], "<p>unlisted</p>"),
        _note(3, [f"{ME}/followers"], [ada["href"]], "<p>followers only @ada</p>", [ada]),
        _note(4, [ada["href"], bob["href"]], [], "<p>@ada @bob direct</p>", [ada, bob]),
        _note(5, [PUBLIC], [], "<p>reply</p>", [ada, bob], reply="https://other.example/users/ada/statuses/9"),
        {"id": "x", "type": "Announce", "actor": ME, "published": "2024-01-06T10:00:00Z", "to": [PUBLIC], "cc": [],
         "object": "https://far.example/@carol/123"},
        "not an activity",
    ]
    actor = {"id": ME, "type": "Person", "preferredUsername": "owen", "name": "Owen",
             "attachment": [{"type": "PropertyValue", "name": "Mail", "value": "owen@example.org"},
                            {"type": "PropertyValue", "name": "Also", "value": '<a href="https://hachyderm.io/@owen">@owen@hachyderm.io</a>'},
                            {"type": "PropertyValue", "name": "X", "value": '<a href="https://twitter.com/OwenO">twitter</a>'}]}
    p = tmp_path / "archive.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("actor.json", json.dumps(actor))
        zf.writestr("outbox.json", json.dumps({"type": "OrderedCollection", "orderedItems": items}))
        zf.writestr("likes.json", json.dumps({"type": "OrderedCollection", "orderedItems": ["https://other.example/users/ada/statuses/7"]}))
        zf.writestr("following_accounts.csv", "Account address,Show boosts,Notify on new posts,Languages\nAda@Other.example,true,false,\nnot-an-address,true,false,\n")
        zf.writestr("blocked_accounts.csv", "troll@bad.example\n")
    r = import_path(p)
    assert r.format == "mastodon"
    assert (r.added, r.errors) == (9, 2)
    got = rows(store, "SELECT kind, visibility, text FROM interactions ORDER BY ts NULLS LAST, kind")
    assert got == [
        ("post", "public", "public"),
        ("post", "public", "unlisted"),
        ("post", "group", "followers only @ada"),
        ("message", "private", "@ada @bob direct"),
        ("reply", "public", "reply"),
        ("repost", "public", None),
        ("block", "private", None),
        ("follow", "private", None),
        ("like", "public", None),
    ]
    roles = rows(store, "SELECT i.kind, ip.role, p.value FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                        "JOIN identities p ON p.id = ip.identity_id WHERE i.kind IN ('message', 'reply', 'repost', 'follow', 'like') ORDER BY ALL")
    assert roles == [
        ("follow", "recipient", "ada@other.example"),
        ("like", "recipient", "https://other.example/users/ada"),
        ("message", "recipient", "ada@other.example"),
        ("message", "recipient", "bob@social.example"),
        ("reply", "mentioned", "bob@social.example"),
        ("reply", "recipient", "ada@other.example"),
        ("repost", "recipient", "carol@far.example"),
    ]
    assert rows(store, "SELECT b.channel, b.kind, b.value FROM identity_links l JOIN identities b ON b.id = l.b "
                       "WHERE reason = 'listed in Mastodon profile' ORDER BY 1") == [
        ("email", "email", "owen@example.org"), ("mastodon", "handle", "owen@hachyderm.io"), ("twitter", "handle", "oweno")]
    assert sorted(e for (e,) in rows(store, "SELECT location FROM import_errors")) == [
        "following_accounts.csv line 3", "outbox.json item 6"]
    assert import_path(p, force=True).added == 0
