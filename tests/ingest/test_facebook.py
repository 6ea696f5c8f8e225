"""Messenger ("Download Your Information" JSON): the real sample and our own fixtures."""

from __future__ import annotations

import json
import zipfile

from tests.conftest import rows


def _moji(s: str) -> str:
    return s.encode("utf-8").decode("latin-1")


def _thread(parts, msgs, title, ttype="Regular", path="inbox/x_1"):
    return json.dumps({
        "participants": [{"name": _moji(p)} for p in parts],
        "messages": msgs,
        "title": _moji(title),
        "is_still_participant": True,
        "thread_type": ttype,
        "thread_path": path,
        "magic_words": [],
    })


def _m(sender, ts, content=None, **kw):
    m = {"sender_name": _moji(sender), "timestamp_ms": ts, "type": "Generic", "is_unsent": False}
    if content is not None:
        m["content"] = _moji(content)
    m.update(kw)
    return m


def test_messenger_sample(shared, store, import_path):
    r = import_path(shared / "formats" / "facebook")
    assert r.format == "messenger"
    assert (r.added, r.errors, r.identities) == (8, 0, 2)
    assert rows(store, "SELECT kind, count(*) FROM interactions GROUP BY 1 ORDER BY 1") == [("message", 7), ("reaction", 1)]
    texts = [t for (t,) in rows(store, "SELECT text FROM interactions WHERE kind = 'message' ORDER BY ts")]
    assert texts[:3] == [None, None, None]  # photo, gif, sticker
    assert "Tjek 👏" in texts and any("tænkt" in (t or "") for t in texts)
    assert rows(store, """SELECT a.value, i.text, p.value, i.ts IS NULL, i.reply_to IS NOT NULL FROM interactions i
        JOIN identities a ON a.id = i.actor_id JOIN interaction_participants ip ON ip.interaction_id = i.id
        JOIN identities p ON p.id = ip.identity_id WHERE i.kind = 'reaction'""") == [
        ("Lukas Vinther Offenberg Larsen", "👍", "Gustav Johansen", True, True)]
    assert rows(store, "SELECT DISTINCT visibility, thread_id FROM interactions") == [("private", "2qr6kux07q")]
    # 1:1 threads are titled after the other person: the owner is the other participant
    assert rows(store, "SELECT value FROM me") == [("Gustav Johansen",)]
    assert store.count("people") == 2
    again = import_path(shared / "formats" / "facebook", force=True)
    assert (again.added, again.present) == (0, 8)


def _new_layout(tmp_path, root="your_facebook_activity/messages/inbox/adalovelace_1001", name="fb.zip"):
    # thread split over two files, newest first in each; message_1 holds the newest
    newest = [
        _m("Ada Lovelace", 5000, "Ada reacted 😮 to your message"),
        _m("Owen Owner", 4000, "Søndag? 🙂", reactions=[{"reaction": _moji("❤️"), "actor": _moji("Ada Lovelace")}] * 2),
        _m("Ada Lovelace", 3000, "You sent an attachment.", type="Share"),
    ]
    oldest = [
        _m("Ada Lovelace", 2500, "oops", is_unsent=True),
        _m("Owen Owner", 2000, "Ada called you.", type="Call", call_duration=125),
        _m("Owen Owner", 1000, "hello"),
        {"sender_name": "Ada Lovelace", "content": "no time"},  # broken: no timestamp
    ]
    p = tmp_path / name
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr(f"{root}/message_1.json", _thread(["Ada Lovelace", "Owen Owner"], newest, "Ada Lovelace"))
        zf.writestr(f"{root}/message_2.json", _thread(["Ada Lovelace", "Owen Owner"], oldest, "Ada Lovelace"))
        zf.writestr("your_facebook_activity/messages/inbox/group_2002/message_1.json", _thread(
            ["Owen Owner", "Ada Lovelace", "Bob Byte"],
            [_m("Bob Byte", 9000, "hi all"),
             _m("Owen Owner", 8000, "Owen added Bob Byte to the group.", type="Subscribe", users=[{"name": "Bob Byte"}])],
            "Ada, Bob", "RegularGroup"))
        zf.writestr("your_facebook_activity/messages/inbox/broken_3003/message_1.json", "{not json")
        zf.writestr("personal_information/profile_information/profile_information.json",
                    json.dumps({"profile_v2": {"name": {"full_name": _moji("Owen Owner")}, "emails": {"emails": ["Owen@Example.org"]}}}))
        zf.writestr("connections/friends/your_friends.json",
                    json.dumps({"friends_v2": [{"name": _moji("Ada Lovelace"), "timestamp": 1_600_000_000}]}))
    return p


def test_messenger_new_layout_multi_file(tmp_path, store, import_path):
    r = import_path(_new_layout(tmp_path))
    assert r.format == "messenger"
    assert (r.added, r.errors) == (9, 2)
    got = rows(store, "SELECT i.kind, a.value, text, visibility, duration_s, epoch_ms(ts) FROM interactions i "
                      "LEFT JOIN identities a ON a.id = i.actor_id ORDER BY ts NULLS LAST, i.kind")
    assert got == [
        ("message", "Owen Owner", "hello", "private", None, 1000),
        ("call", "Owen Owner", None, "private", 125.0, 2000),
        ("message", "Ada Lovelace", None, "private", None, 2500),  # unsent
        ("message", "Ada Lovelace", None, "private", None, 3000),  # "You sent an attachment." placeholder
        ("message", "Owen Owner", "Søndag? 🙂", "private", None, 4000),
        ("system", "Owen Owner", None, "group", None, 8000),
        ("message", "Bob Byte", "hi all", "group", None, 9000),
        ("connect", "Owen Owner", None, "private", None, 1_600_000_000_000),  # your_friends.json
        ("reaction", "Ada Lovelace", "❤️", "private", None, None),  # listed twice, kept once
    ]
    # "Ada reacted 😮 to your message" is a notice, not a message; Ada already reacted to that message
    assert rows(store, "SELECT count(*) FROM interactions WHERE text LIKE '%reacted%'") == [(0,)]
    assert rows(store, "SELECT value, evidence FROM me ORDER BY value") == [
        ("Owen Owner", "messenger: profile_information.json"),
        ("owen@example.org", "messenger: profile_information.json"),
    ]
    errs = rows(store, "SELECT location FROM import_errors ORDER BY location")
    assert [e[0] for e in errs] == [
        "your_facebook_activity/messages/inbox/adalovelace_1001/message_2.json message 3",
        "your_facebook_activity/messages/inbox/broken_3003/message_1.json",
    ]
    group = rows(store, "SELECT ip.role, p.value FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                        "JOIN identities p ON p.id = ip.identity_id WHERE i.text = 'hi all' ORDER BY 2")
    assert group == [("recipient", "Ada Lovelace"), ("recipient", "Owen Owner")]


def test_old_and_new_layouts_give_the_same_ids(tmp_path, store, import_path):
    old = _new_layout(tmp_path, root="messages/inbox/adalovelace_1001", name="old.zip")
    new = _new_layout(tmp_path, name="new.zip")
    first = import_path(old)
    second = import_path(new)
    assert first.added == 9
    assert (second.added, second.present) == (0, 9)


# Meta's thread layouts other than messages/inbox/ (see facebook._THREAD_FILE), 2026-12-07
_LAYOUTS = {
    "messages/archived_threads/ada_11/message_1.json": 2,
    "messages/filtered_threads/bea_12/message_1.json": 2,
    "messages/message_requests/cid_13/message_1.json": 2,
    "your_activity_across_facebook/messages/inbox/dan_14/message_1.json": 2,
    "your_facebook_activity/messages/e2ee_cutover/eve_15/message_1.json": 2,
    "messages/fay_16/message.json": 2,  # 2018: no category folder, one unnumbered file
    "messages/inbox/gus_17/message.json": 2,  # 2018-2019
}


def _two(name):
    return _thread([name, "Owen Owner"], [_m(name, 2000, f"hi from {name}"), _m("Owen Owner", 1000, "hello")], name)


def test_every_meta_thread_folder_is_read(tmp_path, store, import_path):
    for i, member in enumerate(_LAYOUTS):
        d = tmp_path / f"export{i}"
        (d / member).parent.mkdir(parents=True)
        (d / member).write_text(_two(f"Friend {i}"))
        stickers = d / member.split("messages/")[0] / "messages" / "stickers_used"
        stickers.mkdir(exist_ok=True)
        (stickers / "s.png").write_bytes(b"\x89PNG")
        r = import_path(d)
        assert (r.format, r.added, r.errors) == ("messenger", 2, 0), member
        # the thread id is the number after the folder's last "_"
        assert rows(store, "SELECT DISTINCT thread_id FROM interactions WHERE text = ?", [f"hi from Friend {i}"]) == [
            (member.split("/")[-2].rsplit("_", 1)[1],)]
    assert store.count("interactions") == 14
    assert rows(store, "SELECT value FROM me") == [("Owen Owner",)]


def test_all_layouts_in_one_zip_and_one_thread_folder(tmp_path, store, import_path):
    p = tmp_path / "facebook-owen.zip"
    with zipfile.ZipFile(p, "w") as zf:
        for i, member in enumerate(_LAYOUTS):
            zf.writestr(member, _two(f"Friend {i}"))
    r = import_path(p)
    assert (r.format, r.added, r.errors) == ("messenger", 14, 0)
    # one thread's own folder given alone (message_1.json beside photos/)
    t = tmp_path / "hal_18"
    (t / "photos").mkdir(parents=True)
    (t / "photos" / "1.jpg").write_bytes(b"\xff\xd8")
    (t / "message_1.json").write_text(_thread(["Hal", "Owen Owner"], [_m("Hal", 3000, "yo"), _m("Hal", 2500, "?")],
                                              "Hal", path="inbox/hal_18"))
    r = import_path(t)
    assert (r.format, r.added, r.errors) == ("messenger", 2, 0)
    assert rows(store, "SELECT DISTINCT thread_id FROM interactions WHERE text IN ('yo', '?')") == [("18",)]


def test_format_messenger_on_a_folder_without_a_thread_is_an_error(tmp_path):
    from click.testing import CliRunner

    from closeknit.present.cli import cli

    d = tmp_path / "facebook-owen"
    (d / "messages" / "stickers_used").mkdir(parents=True)
    (d / "messages" / "stickers_used" / "s.png").write_bytes(b"\x89PNG")
    (d / "notes.json").write_text('{"messages": "not a thread"}')
    r = CliRunner().invoke(cli, ["import", str(d), "--format", "messenger", "--db", str(tmp_path / "s.db")])
    assert r.exit_code == 1
    assert f"no messenger export found ({d}: not a messenger export)" in " ".join(r.output.split())


def test_calls_in_exports_that_write_no_type(tmp_path, store, import_path):
    """Exports since 2024 have no "type" (adurivault/FBMessage PR #5; bepaald/signalbackup-tools
    issue #331): a call is known by its "call_duration" (a missed one has 0), not read as a message."""
    msgs = [
        {"sender_name": _moji("Ada Lovelace"), "timestamp_ms": 3000, "content": "Ada missed your call.", "call_duration": 0,
         "missed": True, "is_unsent": False},
        {"sender_name": _moji("Owen Owner"), "timestamp_ms": 2000, "content": "The video call ended.", "call_duration": 312,
         "is_unsent": False},
        {"sender_name": _moji("Ada Lovelace"), "timestamp_ms": 1000, "content": "call me?", "is_unsent": False},
    ]
    d = tmp_path / "your_facebook_activity" / "messages" / "inbox" / "adalovelace_77"
    d.mkdir(parents=True)
    (d / "message_1.json").write_text(_thread(["Ada Lovelace", "Owen Owner"], msgs, "Ada Lovelace"), encoding="utf-8")
    r = import_path(tmp_path)
    assert (r.added, r.errors) == (3, 0)
    assert rows(store, "SELECT i.kind, a.value, text, duration_s FROM interactions i JOIN identities a ON a.id = i.actor_id "
                       "ORDER BY ts") == [
        ("message", "Ada Lovelace", "call me?", None),
        ("call", "Owen Owner", None, 312.0),
        ("call", "Ada Lovelace", None, 0.0),
    ]
