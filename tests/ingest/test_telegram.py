"""Telegram Desktop result.json: the real single-chat sample and our own full-export fixture."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telegram"


def test_telegram_single_chat_sample(shared, store, import_path):
    r = import_path(shared / "formats" / "telegram" / "result.json")
    assert r.format == "telegram"
    assert (r.added, r.errors, r.identities) == (12, 0, 3)
    assert rows(store, "SELECT kind, count(*) FROM interactions GROUP BY 1 ORDER BY 1") == [
        ("message", 10), ("repost", 1), ("system", 1)]
    assert rows(store, "SELECT DISTINCT visibility, thread_id FROM interactions") == [("private", "222")]
    texts = dict(rows(store, "SELECT native_id, text FROM interactions"))
    assert texts["msg:222:3"] == "смотри https://example.com/a круто"  # a list of strings and entities, joined
    assert texts["msg:222:7"] == "это чужое сообщение переслано"  # forwarded: a repost by the forwarder
    assert texts["msg:222:8"] is None and texts["msg:222:6"] is None  # sticker, pin_message service
    assert rows(store, "SELECT ip.role, p.kind, p.value FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "JOIN identities p ON p.id = ip.identity_id WHERE i.native_id = 'msg:222:4' ORDER BY 1") == [
        ("mentioned", "handle", "boris_k"), ("recipient", "account_id", "222")]
    assert rows(store, "SELECT epoch(ts)::BIGINT FROM interactions WHERE native_id = 'msg:222:1'") == [(1682942460,)]
    # a personal chat is named after the peer (id 222): the other sender is the owner
    assert rows(store, "SELECT value FROM me") == [("111",)]
    assert import_path(shared / "formats" / "telegram" / "result.json", force=True).added == 0


def test_telegram_full_export(store, import_path):
    r = import_path(FIXTURES / "full_export.json")
    assert r.format == "telegram"
    assert (r.added, r.errors) == (9, 1)
    got = rows(store, "SELECT native_id, kind, visibility, text, duration_s, reply_to IS NOT NULL FROM interactions ORDER BY ts NULLS LAST, native_id")
    assert got == [
        ("msg:888:5", "message", "public", "broadcast", None, False),  # a left channel
        ("msg:777:1", "system", "group", None, None, False),
        ("msg:777:2", "repost", "group", "new wool in stock", None, False),
        ("msg:2001:10", "message", "private", "bell\x07 rings", None, False),  # \x07 repaired
        ("msg:2001:11", "reply", "private", "a path C:\\x41 and @bob_b", None, True),  # an escaped backslash stays
        ("msg:2001:12", "call", "private", None, 95.0, False),
        ("msg:2001:13", "message", "private", "no unixtime: local date read as UTC", None, False),
        ("top:calls:2002", "system", "private", "rating=0.2 category=calls", None, False),
        ("top:people:2001", "system", "private", "rating=0.931406 category=people", None, False),
    ]
    assert rows(store, "SELECT thread_id FROM interactions WHERE native_id LIKE 'top:%' GROUP BY 1") == [("telegram:frequent_contacts",)]
    assert rows(store, "SELECT kind, value FROM me ORDER BY 1") == [
        ("account_id", "1000"), ("handle", "owen_o"), ("phone", "+14155550100")]
    assert rows(store, "SELECT a.value, b.value FROM identity_links l JOIN identities a ON a.id = l.a JOIN identities b ON b.id = l.b "
                       "WHERE reason = 'Telegram contact card'") == [("2001", "+442079460018")]
    assert rows(store, "SELECT value, display_name FROM identities WHERE value = '+14155550199'") == [("+14155550199", "Not On Telegram")]
    assert rows(store, "SELECT location, error FROM import_errors") == [
        ("full_export.json chat 777 message 3", "unreadable date 'not a number'")]
    assert import_path(FIXTURES / "full_export.json", force=True).added == 0


def test_telegram_cut_short_keeps_what_came_before(tmp_path, store, import_path):
    text = (FIXTURES / "full_export.json").read_text(encoding="utf-8")
    p = tmp_path / "result.json"
    p.write_text(text[: text.index('"id": 13')], encoding="utf-8")
    r = import_path(p, fmt="telegram")
    assert r.added == 5  # 2 frequent contacts + messages 10, 11, 12
    assert r.errors == 1
    assert "cut short" in rows(store, "SELECT error FROM import_errors")[0][0]


def test_telegram_sections_that_are_not_lists_are_errors(tmp_path, store, import_path):
    # found by mypy: a contacts "list" that is a number raised TypeError and stopped the import
    p = tmp_path / "result.json"
    p.write_text(json.dumps({"personal_information": {"user_id": 1000, "first_name": "Owen"},
                             "contacts": {"about": "", "list": 5}, "frequent_contacts": {"about": "", "list": "ab"},
                             "chats": {"about": "", "list": []}}), encoding="utf-8")
    r = import_path(p, fmt="telegram")
    assert (r.added, r.errors) == (0, 2)
    assert rows(store, "SELECT location, error FROM import_errors ORDER BY 1") == [
        ("result.json contacts", "the contacts are not a list"),
        ("result.json frequent_contacts", "the frequent contacts are not a list")]
    assert rows(store, "SELECT kind, value FROM me") == [("account_id", "1000")]


def test_group_call_length_and_a_reply_to_another_chat(store, import_path):
    """Our own supergroup chat (layout as Telegram Desktop writes it, telegramdesktop/tdesktop
    @ 35f5d5a7e787 export_output_json.cpp): a group call's length is in "duration" (a phone call's in
    "duration_seconds"); a reply whose "reply_to_peer_id" names another chat links to that chat's
    message, not to this chat's message of the same number."""
    r = import_path(FIXTURES / "group_call_cross_reply.json")
    assert (r.added, r.errors, r.identities) == (5, 0, 3)
    assert rows(store, "SELECT i.native_id, i.kind, i.duration_s, i.reply_to IS NOT NULL, p.native_id FROM interactions i "
                       "LEFT JOIN interactions p ON p.id = i.reply_to ORDER BY i.ts") == [
        ("msg:4242:1", "message", None, False, None),
        ("msg:4242:2", "call", 1260.0, False, None),
        ("msg:4242:3", "reply", None, True, "msg:4242:1"),
        ("msg:4242:7", "message", None, False, None),
        ("msg:4242:8", "reply", None, True, None),  # the channel's post 7 (not imported), not Mara's "great"
    ]
