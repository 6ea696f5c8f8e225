"""WhatsApp chat exports: real samples in ../shared and our own fixtures in tests/fixtures/whatsapp."""

from __future__ import annotations

import shutil
import zipfile
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from closeknit.core.ids import content_id
from closeknit.ingest import ImportContext, detect_format, get_importer, open_tree
from closeknit.ingest.formats.whatsapp import chat_name_from_filename, classify_system
from closeknit.ingest.records import BadRecord, Ident, Interaction, SelfIdentity
from tests.conftest import rows

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "whatsapp"
ADA = FIX / "WhatsApp Chat with Ada Lovelace.txt"
UTC = timezone.utc


def _read(path: Path, ctx: ImportContext | None = None) -> list:
    return list(get_importer("whatsapp").read(open_tree(path), ctx or ImportContext()))


def _kinds(store) -> dict[str, int]:
    return dict(rows(store, "SELECT kind, count(*) FROM interactions GROUP BY 1 ORDER BY 1"))


# -- real samples ------------------------------------------------------------------------------

WHATSR = [
    "englishandroid24h.txt",
    "englishandroidampm.txt",
    "englishios24h.txt",
    "englishiosampm.txt",
    "germanandroid24h.txt",
    "germanandroidampm.txt",
    "germanios24h.txt",
    "germaniosampm.txt",
]


@pytest.mark.parametrize("name", WHATSR)
def test_whatsr_variants_agree(shared, store, import_path, name):
    """The same synthetic group chat in 8 locale/OS/clock variants reads the same."""
    r = import_path(shared / "formats/whatsapp/WhatsR" / name)
    assert r.format == "whatsapp"
    assert (r.added, r.errors, r.identities) == (50, 0, 5)
    assert _kinds(store) == {"message": 42, "system": 8}
    assert rows(store, "SELECT DISTINCT visibility FROM interactions") == [("group",)]
    authors = rows(
        store,
        "SELECT i.value, count(*) FROM interactions x JOIN identities i ON i.id = x.actor_id "
        "WHERE x.kind = 'message' GROUP BY 1 ORDER BY 1",
    )
    assert authors == [("Alice", 13), ("Bob", 19), ("Carol", 5), ("Dave", 4), ("Mallory", 1)]
    # every message goes to the 4 other participants; 4 system lines name someone (added/removed)
    assert rows(store, "SELECT role, count(*) FROM interaction_participants GROUP BY 1 ORDER BY 1") == [
        ("recipient", 168),
        ("subject", 4),
    ]
    # the day ran from 29 Jan 2018 12:24 to 30 Jan 00:23: impossible "23:59 PM"/"00:04 AM" read as 24h
    lo, hi = rows(store, "SELECT min(ts), max(ts) FROM interactions")[0]
    assert lo.strftime("%Y-%m-%d %H:%M") == "2018-01-29 12:24"
    assert hi.strftime("%Y-%m-%d %H:%M") == "2018-01-30 00:23"
    # three media/self-deleting placeholders carry no text; no BOM or LRM survives
    assert rows(store, "SELECT count(*) FROM interactions WHERE text IS NULL") == [(3,)]
    assert rows(
        store, "SELECT count(*) FROM interactions WHERE text LIKE '%' || chr(65279) || '%' OR text LIKE '%' || chr(8206) || '%'"
    ) == [(0,)]
    assert rows(store, "SELECT count(*) FROM me") == [(0,)]  # "You" never writes: the user stays unknown


def test_whatsr_system_lines(shared):
    recs = _read(shared / "formats/whatsapp/WhatsR/germanandroid24h.txt")
    sys_ = [r for r in recs if isinstance(r, Interaction) and r.kind == "system"]
    assert [(r.actor, [(p.value, role) for p, role in r.participants]) for r in sys_[1:7]] == [
        (None, []),  # Du hast die Gruppe ... erstellt (the user, unknown here)
        (None, [("Mallory", "subject")]),
        (None, [("Mallory", "subject")]),
        (None, [("Alice", "subject")]),
        (None, [("Bob", "subject")]),
        (None, []),
    ]
    first = next(r for r in recs if isinstance(r, Interaction) and r.kind == "message")
    assert (first.ts, first.actor, first.text) == (
        datetime(2018, 1, 29, 12, 24, tzinfo=UTC),
        Ident("whatsapp", "name", "Mallory", "Mallory"),
        "Hey! :)",
    )


def test_whats_json_android_group(shared, store, import_path):
    r = import_path(shared / "formats/whatsapp/whats_json/WhatsApp Chat with Group Chat XXX Android.txt")
    assert (r.added, r.errors, r.identities) == (20, 0, 2)
    assert _kinds(store) == {"message": 4, "system": 16}
    assert rows(store, "SELECT DISTINCT visibility, thread_id FROM interactions") == [
        ("group", content_id("whatsapp-chat", "Group Chat XXX Android"))
    ]
    # the number that joined by link is a phone identity; Dmitry S removed it
    assert rows(store, "SELECT kind, value FROM identities ORDER BY 1") == [("name", "Dmitry S"), ("phone", "+79999999999")]
    assert rows(
        store,
        "SELECT x.text, a.value, s.value FROM interactions x JOIN identities a ON a.id = x.actor_id "
        "JOIN interaction_participants p ON p.interaction_id = x.id JOIN identities s ON s.id = p.identity_id "
        "WHERE x.kind = 'system'",
    ) == [("Dmitry S removed +7 999 999-99-99", "Dmitry S", "+79999999999")]
    assert rows(store, "SELECT count(*) FROM interactions WHERE kind = 'system' AND actor_id IS NULL") == [(8,)]
    assert rows(store, "SELECT count(*) FROM me") == [(0,)]


@pytest.mark.parametrize(
    "name, added, kinds, nulls, me",
    [
        ("english_android.txt", 60, {"call": 2, "message": 57, "system": 1}, 39, "Elon"),
        ("english_android_media.txt", 60, {"call": 2, "message": 57, "system": 1}, 28, "Elon"),
        ("russian_android.txt", 60, {"call": 2, "message": 57, "system": 1}, 39, "Elon"),
        ("english_ios.txt", 23, {"message": 22, "system": 1}, 16, "Dmitry S"),
        ("english_ios_media.txt", 25, {"message": 22, "system": 3}, 16, "Dmitry S"),
        ("deutch_ios.txt", 23, {"message": 22, "system": 1}, 16, "Dmitry S"),
    ],
)
def test_whats_json_one_to_one(shared, store, import_path, name, added, kinds, nulls, me):
    r = import_path(shared / "formats/whatsapp/whats_json" / name)
    assert (r.added, r.errors, r.identities) == (added, 0, 2)
    assert _kinds(store) == kinds
    assert rows(store, "SELECT DISTINCT visibility FROM interactions") == [("private",)]
    assert rows(store, "SELECT count(*) FROM interactions WHERE text IS NULL") == [(nulls,)]
    # "You deleted this message" tells who exported the chat
    assert rows(store, "SELECT value, evidence FROM me") == [(me, f"whatsapp: wrote 'You deleted this message' in {name}")]
    assert rows(store, "SELECT count(*) FROM people") == [(2,)]
    assert import_path(shared / "formats/whatsapp/whats_json" / name, force=True).added == 0


def test_whats_json_details(shared):
    recs = _read(shared / "formats/whatsapp/whats_json/english_android_media.txt")
    msgs = [r for r in recs if isinstance(r, Interaction)]
    # a location over three lines is one message; a picture with a caption keeps the caption
    assert next(m for m in msgs if m.text and m.text.startswith("Pimlico")).text == "Pimlico Gardens\nLondon, United Kingdom\nhttps://foursquare.com/v/4e89af95e5fa82ad4c0aa03b"
    assert [m.text for m in msgs[3:5]] == ["Caption", "карточка компании"]
    ios = [r for r in _read(shared / "formats/whatsapp/whats_json/english_ios_media.txt") if isinstance(r, Interaction)]
    # iOS writes its notices under the chat's name (Elon Musk): system, without actor
    assert [(m.kind, m.actor, m.ts) for m in ios if m.kind == "system"] == [
        ("system", None, datetime(2022, 3, 18, 14, 56, 1, tzinfo=UTC)),
        ("system", None, datetime(2022, 4, 28, 20, 17, 30, tzinfo=UTC)),
        ("system", None, datetime(2023, 1, 7, 23, 32, 30, tzinfo=UTC)),
    ]
    # the thread comes from that name, and is the same in the German export of the chat
    de = [r for r in _read(shared / "formats/whatsapp/whats_json/deutch_ios.txt") if isinstance(r, Interaction)]
    assert {m.thread for m in ios} == {m.thread for m in de} == {content_id("whatsapp-chat", "Elon Musk")}


def test_short_chat(shared, store, import_path):
    r = import_path(shared / "formats/whatsapp/whatsapp-chat-parser/short-chat.txt")
    assert (r.added, r.errors, r.identities) == (5, 0, 3)
    assert _kinds(store) == {"message": 3, "system": 2}
    got = rows(
        store,
        "SELECT x.ts, i.channel, i.value, x.text FROM interactions x JOIN identities i ON i.id = x.actor_id ORDER BY x.ts",
    )
    assert got == [
        (datetime(2017, 3, 6, 0, 45, tzinfo=UTC), "whatsapp", "Sample User", "This is a test message"),
        (datetime(2017, 4, 9, 1, 50, tzinfo=UTC), "phone", "+41123456789", "How are you?\n\nIs everything alright?"),
        (datetime(2017, 5, 8, 1, 48, tzinfo=UTC), "whatsapp", "TestBot", "Hey I'm a test too!"),
    ]
    assert rows(store, "SELECT DISTINCT visibility FROM interactions") == [("group",)]


def test_shared_folder_at_once(shared, store, import_path):
    """A folder of exports: every chat file is read.

    The 7 files hold 271 records, but they are three exports of one Android chat and three of
    one iOS chat: a line with the same thread, time, author and text is the same message, so
    the overlap (73 records) is stored once.
    """
    r = import_path(shared / "formats/whatsapp/whats_json")
    assert r.format == "whatsapp"
    assert (r.added, r.errors) == (198, 0)
    assert rows(store, "SELECT count(DISTINCT thread_id) FROM interactions") == [(3,)]


# -- our fixtures ------------------------------------------------------------------------------


def test_android_12h_narrow_nbsp(store, import_path):
    r = import_path(ADA)
    assert r.format == "whatsapp"
    assert (r.added, r.errors, r.identities) == (9, 0, 2)
    got = rows(store, "SELECT ts, kind, text FROM interactions ORDER BY ts, kind = 'system' DESC, native_id")
    assert [(t.strftime("%m-%d %H:%M"), k) for t, k, _ in got] == [
        ("03-14 09:58", "system"),
        ("03-14 09:58", "message"),
        ("03-14 10:02", "message"),
        ("03-14 12:30", "message"),
        ("03-14 12:31", "message"),
        ("03-14 13:15", "message"),
        ("03-15 00:05", "message"),  # 12:05 AM
        ("03-15 00:05", "message"),  # the same message twice is kept twice
        ("03-15 20:00", "call"),
    ]
    texts = [t for _, _, t in got]
    assert texts[2] == "Morning! The engine drawings are ready.\nShall I send them over?\n\nThey are large."
    assert texts[3] == "Here is my note G"  # caption after "IMG-... (file attached)"
    assert texts[4] is None and texts[5] is None and texts[8] is None
    # a 1:1 export named after Ada: the other side is the user
    assert rows(store, "SELECT value, evidence FROM me") == [
        ("Charles Babbage", "whatsapp: the other side of the 1:1 chat with Ada Lovelace (WhatsApp Chat with Ada Lovelace.txt)")
    ]
    assert rows(store, "SELECT DISTINCT visibility, thread_id FROM interactions") == [
        ("private", content_id("whatsapp-chat", "Ada Lovelace"))
    ]
    assert import_path(ADA, force=True).added == 0


def test_ios_zip_export(tmp_path, store, import_path):
    z = tmp_path / "WhatsApp Chat - Book club.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(FIX / "_chat.txt", "_chat.txt")
        zf.writestr("00000007-PHOTO-2024-03-02-18-04-00.jpg", b"\xff\xd8\xff" + bytes(32))
    tree = open_tree(z)
    assert detect_format(tree).name == "whatsapp"
    r = import_path(z)
    assert (r.added, r.errors, r.identities) == (9, 0, 3)
    assert _kinds(store) == {"message": 5, "system": 4}
    assert rows(store, "SELECT DISTINCT visibility, thread_id FROM interactions") == [
        ("group", content_id("whatsapp-chat", "Book club"))
    ]
    # day-first: 14.03.24; the group's own name never becomes a person
    assert rows(store, "SELECT value FROM identities ORDER BY 1") == [("Claire",), ("Mary Shelley",), ("Percy",)]
    assert rows(store, "SELECT max(ts) FROM interactions") == [(datetime(2024, 3, 14, 9, 20, tzinfo=UTC),)]
    assert rows(store, "SELECT text FROM interactions WHERE kind = 'message' ORDER BY ts") == [
        ("Welcome! First book: Frankenstein",),
        ("Bold choice",),
        (None,),
        (None,),
        ("Chapter 5 by Sunday,\nplease",),
    ]
    assert import_path(z, force=True).added == 0


def test_user_from_context_joins_every_chat(tmp_path):
    ctx = ImportContext(self_idents=frozenset({Ident("whatsapp", "name", "Percy")}))
    recs = [r for r in _read(FIX / "_chat.txt", ctx) if isinstance(r, Interaction)]
    added = recs[2]
    assert added.text == "Mary Shelley added Percy, Claire and you"
    assert [(p.value, role) for p, role in added.participants] == [("Percy", "subject"), ("Claire", "subject"), ("Percy", "subject")]
    # a user who never wrote is still a recipient when known by name
    ctx2 = ImportContext(self_idents=frozenset({Ident("whatsapp", "name", "Me Myself")}))
    m = next(r for r in _read(FIX / "_chat.txt", ctx2) if isinstance(r, Interaction) and r.kind == "message")
    assert [p.value for p, _ in m.participants] == ["Percy", "Claire", "Me Myself"]


def test_corrupt_lines_are_reported(store, import_path):
    r = import_path(FIX / "corrupt.txt", fmt="whatsapp")
    assert (r.added, r.errors) == (4, 3)
    assert rows(store, "SELECT location, error FROM import_errors ORDER BY location") == [
        ("corrupt.txt line 1", "text without a timestamp before it"),
        ("corrupt.txt line 3", "impossible date or time '31/02/2021, 10:01'"),
        ("corrupt.txt line 5", "impossible date or time '13/01/2021, 25:61'"),
    ]
    # the continuation of the broken message is dropped with it, not glued to the one before
    assert rows(store, "SELECT text FROM interactions ORDER BY ts") == [
        ("first",),
        ("second",),
        ('Jerry changed the subject from "Cats: a study" to "Mice"',),
        ("third",),
    ]


@pytest.mark.parametrize(
    "lines, first",
    [
        # all fields <= 12, dots, 24h: day-first by default
        (["01.02.21, 10:00 - A: x", "03.02.21, 10:00 - B: y"], datetime(2021, 2, 1, 10, 0, tzinfo=UTC)),
        # "/" with an AM/PM clock: the US month-first layout
        (["1/2/21, 10:00 AM - A: x", "1/3/21, 10:00 AM - B: y"], datetime(2021, 1, 2, 10, 0, tzinfo=UTC)),
        # a day > 12 late in the file decides for the whole file
        (["01/02/2021, 10:00 - A: x"] + ["05/02/2021, 10:00 - B: y"] * 3 + ["20/02/2021, 10:00 - A: z"],
         datetime(2021, 2, 1, 10, 0, tzinfo=UTC)),
        (["02/01/2021, 10:00 - A: x", "02/25/2021, 10:00 - B: y"], datetime(2021, 2, 1, 10, 0, tzinfo=UTC)),
        # no field > 12, but the dates only run forward as month-first
        ([f"{d}.21, 10:00 - A: x" for d in ("1.5", "1.9", "2.3", "2.10", "3.4")], datetime(2021, 1, 5, 10, 0, tzinfo=UTC)),
        # year first, seconds, a. m./p. m. locale
        (["2021-02-01, 9:05:30 p. m. - A: x"], datetime(2021, 2, 1, 21, 5, 30, tzinfo=UTC)),
    ],
)
def test_date_order(tmp_path, lines, first):
    p = tmp_path / "chat.txt"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    recs = [r for r in _read(p) if isinstance(r, Interaction)]
    assert len(recs) == len(lines)
    assert recs[0].ts == first


def test_reexport_adds_only_new(tmp_path, store, import_path):
    lines = ADA.read_text(encoding="utf-8").splitlines(keepends=True)
    old = tmp_path / "old" / ADA.name
    old.parent.mkdir()
    old.write_text("".join(lines[:7]), encoding="utf-8")  # first 4 records, the 4th without its caption yet
    assert import_path(old).added == 4
    r = import_path(ADA)
    # the caption changed message 4 (a new record); the other 5 are new
    assert (r.added, r.present) == (6, 3)
    grown = tmp_path / "grown" / ADA.name
    grown.parent.mkdir()
    shutil.copy(ADA, grown)
    with open(grown, "a", encoding="utf-8") as f:
        f.write("3/16/24, 7:00\u202fAM - Ada Lovelace: Still awake: the numbers work out\n")
    r = import_path(grown)
    assert (r.added, r.present) == (1, 9)


def test_detection(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("just some notes\n10:00 meeting\n", encoding="utf-8")
    assert get_importer("whatsapp").detect(open_tree(p)) == 0
    assert get_importer("whatsapp").detect(open_tree(ADA)) == 9
    assert get_importer("whatsapp").detect(open_tree(FIX / "corrupt.txt")) == 7


def test_folder_of_zips_and_txt(tmp_path, store, import_path):
    d = tmp_path / "exports"
    d.mkdir()
    shutil.copy(ADA, d / ADA.name)
    with zipfile.ZipFile(d / "WhatsApp Chat - Book club.zip", "w") as zf:
        zf.write(FIX / "_chat.txt", "_chat.txt")
    (d / "readme.txt").write_text("not a chat\n", encoding="utf-8")
    r = import_path(d)
    assert r.format == "whatsapp"
    assert (r.added, r.errors) == (18, 0)
    assert rows(store, "SELECT count(DISTINCT thread_id) FROM interactions") == [(2,)]


def test_helpers():
    assert chat_name_from_filename("WhatsApp Chat with +41 79 123 45 67.txt") == "+41 79 123 45 67"
    assert chat_name_from_filename("_chat.txt") is None
    assert classify_system("Вы добавили Ивана") == ("you", ["Ивана"], True)
    assert classify_system("Hello there") == (None, [], False)
    recs = _read(ADA)
    assert isinstance(recs[0], SelfIdentity)
    assert not any(isinstance(r, BadRecord) for r in recs)
    assert Counter(type(r).__name__ for r in recs) == {"Interaction": 9, "SelfIdentity": 1}


def test_big_files_are_read_twice_with_the_same_result(monkeypatch, tmp_path):
    """Above the buffer size the file is scanned first (counters only) and parsed on a second read."""
    import closeknit.ingest.formats.whatsapp as wa

    once = _read(FIX / "_chat.txt") + _read(FIX / "corrupt.txt")
    monkeypatch.setattr(wa, "_BUFFER_BYTES", 10)
    twice = _read(FIX / "_chat.txt") + _read(FIX / "corrupt.txt")
    assert [(type(r), getattr(r, "native_id", None), getattr(r, "ts", None), str(r) if isinstance(r, BadRecord) else None) for r in once] == [
        (type(r), getattr(r, "native_id", None), getattr(r, "ts", None), str(r) if isinstance(r, BadRecord) else None) for r in twice
    ]
    assert len(once) == 9 + 7


def test_you_is_the_user_from_context(shared):
    ctx = ImportContext(self_idents=frozenset({Ident("whatsapp", "name", "Owner")}))
    recs = [r for r in _read(shared / "formats/whatsapp/WhatsR/englishandroid24h.txt", ctx) if isinstance(r, Interaction)]
    me = Ident("whatsapp", "name", "Owner")
    added = recs[2]
    assert (added.text, added.actor, [(p.value, role) for p, role in added.participants]) == (
        "You added Mallory", me, [("Mallory", "subject")]
    )
    # the user never writes here but receives every message
    assert all((me, "recipient") in r.participants for r in recs if r.kind == "message")
    # a 1:1 chat whose two authors are both known is not made a group by a name closeknit has for the user
    one = [r for r in _read(ADA, ctx) if isinstance(r, Interaction)]
    assert {r.visibility for r in one} == {"private"}
    assert all(len(r.participants) == 1 for r in one if r.kind == "message")


def test_time_zone_setting(store, import_path):
    """The wall clock is read in the user's zone (here New York, on daylight time since 10 March 2024)."""
    from closeknit.store.people import set_setting

    set_setting(store.con, "timezone", "America/New_York")
    assert import_path(ADA).added == 9
    got = [t.astimezone(UTC).strftime("%m-%d %H:%M") for (t,) in rows(store, "SELECT ts FROM interactions ORDER BY ts LIMIT 3")]
    assert got == ["03-14 13:58", "03-14 13:58", "03-14 14:02"]  # 9:58 AM EDT = 13:58 UTC
    # ids do not depend on the zone: changing it and importing again adds nothing
    set_setting(store.con, "timezone", "Asia/Tokyo")
    assert import_path(ADA, force=True).added == 0


# -- format drift (2026-12): notices in any language, ids of chats whose file names no chat ------

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
ES_GROUP = FIXTURES / "whatsapp" / "ios-es-group"


def test_ios_notices_in_spanish_are_system_lines_and_the_group_is_no_person(store, import_path):
    """Our own iOS export in Spanish: the notices are written under the group's name after an LRM;
    the encryption notice, 'Se eliminó este mensaje' and 'imagen omitida' are WhatsApp's own strings
    (starkdmi/whats_json lib/src/patterns.dart), the other notices are recognised by their layout."""
    r = import_path(ES_GROUP)
    assert (r.added, r.errors) == (10, 0)
    assert rows(store, "SELECT kind, count(*), count(text) FROM interactions GROUP BY 1 ORDER BY 1") == [
        ("message", 5, 3),  # the image and the deleted message have no text
        ("system", 5, 5),
    ]
    assert rows(store, "SELECT DISTINCT visibility, thread_id FROM interactions") == [
        ("group", content_id("whatsapp-chat", "Cena del viernes"))
    ]
    assert rows(store, "SELECT value FROM identities ORDER BY 1") == [("Ana Souza",), ("Lucía Gómez",), ("Pablo Ruiz",)]


def test_a_longer_export_of_a_nameless_chat_adds_only_what_is_new(store, import_path):
    """Two exports of one chat whose files give no name (_chat.txt in folders of other names);
    a third person wrote after the first export. Until 2026-12 the chat's id came from its set of
    authors, and the second import added all 5 messages again."""
    first = import_path(FIXTURES / "whatsapp" / "nameless-short")
    second = import_path(FIXTURES / "whatsapp" / "nameless-long")
    assert (first.added, second.added, second.present) == (3, 2, 3)
    assert rows(store, "SELECT count(DISTINCT thread_id) FROM interactions") == [(1,)]


@pytest.mark.parametrize("text,notice", [
    ("Los mensajes y las llamadas están cifrados de extremo a extremo. Nadie fuera de este chat", True),
    ("Ana ile aranızdaki güvenlik kodu değişti. Daha fazla bilgi edinmek için dokunun", True),
    ("Votre code de sécurité avec Ana a changé. Appuyez pour en savoir plus", True),
    ("Wiadomości i połączenia są w pełni zaszyfrowane. Nikt spoza czatu", True),
    ("Los mensajes de ayer, ¿los viste?", False),
])
def test_ios_notices_of_other_languages_are_known(text, notice):
    from closeknit.ingest.formats.whatsapp import _IOS_NOTICE

    assert (_IOS_NOTICE.match(text) is not None) is notice


def test_group_events_in_seven_more_languages(store, import_path):
    """Our own Android group chats in es, pt, fr, it, nl, tr and id (wordings cited in
    whatsapp._SYS): every group event is a system line with its actor and the people it names,
    each chat is a group (the Turkish one has only two authors), and the groups are no people."""
    r = import_path(FIXTURES / "whatsapp" / "android-group-events")
    assert (r.added, r.errors, r.identities) == (41, 0, 22)
    assert rows(store, "SELECT kind, count(*), count(text) FROM interactions GROUP BY 1 ORDER BY 1") == [
        ("message", 15, 8), ("system", 26, 26)]
    assert rows(store, "SELECT DISTINCT visibility FROM interactions") == [("group",)]
    got = rows(store, """SELECT (SELECT value FROM identities d WHERE d.id = i.actor_id), list(p.value ORDER BY p.value)
        FILTER (WHERE p.value IS NOT NULL), split_part(i.text, ' ', 3) FROM interactions i
        LEFT JOIN interaction_participants ip ON ip.interaction_id = i.id AND ip.role = 'subject'
        LEFT JOIN identities p ON p.id = ip.identity_id WHERE i.kind = 'system' GROUP BY i.id, i.actor_id, i.text ORDER BY i.text""")
    assert [(a, s) for a, s, _ in got] == [
        ("Ana Souza", ["Pablo Ruiz"]), ("Ana Souza", None), ("Ayşe Kaya", None),
        ("Budi Santoso", ["Sari Dewi", "Tono Wijaya"]), ("Claire Petit", ["Luc Martin"]), ("Claire Petit", None),
        ("Els Bakker", None), ("Giulia Neri", None), ("Jan de Vries", ["Els Bakker"]), ("Jan de Vries", None),
        ("João Lima", ["Maria Reis", "Pedro Alves"]), ("João Lima", None), (None, None),  # the encryption notice
        ("Luc Martin", None), ("Luca Bruno", None), ("Lucía Gómez", None), ("Marc Blanc", None),
        ("Marco Ferri", ["Giulia Neri"]), ("Marco Ferri", None), ("Maria Reis", None), ("Mehmet Demir", None),
        ("Pablo Ruiz", None), ("Piet Smit", None), ("Rina Putri", None), ("Rita Costa", None), ("Sari Dewi", None),
    ]
    names = {v for (v,) in rows(store, "SELECT value FROM identities")}
    assert len(names) == 22 and not names & {"Cena", "Praia", "Ski", "Birre", "Fietsen", "Kahve", "Arisan"}


@pytest.mark.parametrize("text,expected", [
    ("Creaste el grupo “Viaje”", ("you", [], True)),
    ("Ana te añadió", ("Ana", ["you"], True)),
    ("Você criou este grupo", ("you", [], True)),
    ("João adicionou você", ("João", ["you"], True)),
    ("Claire vous a ajouté", ("Claire", ["you"], True)),
    ("Hai aggiunto Sara", ("you", ["Sara"], True)),
    ("Marco ti ha aggiunto", ("Marco", ["you"], True)),
    ("U hebt Piet verwijderd", ("you", ["Piet"], True)),
    ("Jan heeft een nieuw telefoonnummer. Tik om een bericht te sturen", ("Jan", [], False)),
    ("Budi telah mengganti nomor teleponnya ke nomor baru.", ("Budi", [], False)),
    ("Dit bericht is verwijderd", (None, [], False)),
])
def test_group_event_actors_outside_en_de_ru(text, expected):
    from closeknit.ingest.formats.whatsapp import classify_system

    assert classify_system(text) == expected


def test_group_events_in_turkish_indonesian_and_arabic(store, import_path):
    """Our own chats (wordings cited in whatsapp._SYS): Turkish Android and iOS (the events iOS
    writes under their actor's own name are system lines, not that person's messages), Indonesian
    Android ("~ " names, "Anda" joining) and Arabic Android with Arabic-Indic digits, the Arabic
    comma and ص/م in the stamps. Every event's actor and named people exact; no chat is a person."""
    r = import_path(FIXTURES / "whatsapp" / "group-events-tr-id-ar")
    assert (r.added, r.errors, r.identities) == (34, 0, 14)
    assert rows(store, "SELECT kind, count(*), count(text) FROM interactions GROUP BY 1 ORDER BY 1") == [
        ("message", 7, 5), ("system", 27, 27)]
    assert rows(store, "SELECT DISTINCT visibility FROM interactions") == [("group",)]
    got = rows(store, """SELECT strftime(i.ts, '%Y-%m-%d %H:%M:%S'), i.kind, (SELECT value FROM identities d WHERE d.id = i.actor_id),
        list(p.value ORDER BY p.value) FILTER (WHERE p.value IS NOT NULL) FROM interactions i
        LEFT JOIN interaction_participants ip ON ip.interaction_id = i.id AND ip.role = 'subject'
        LEFT JOIN identities p ON p.id = ip.identity_id GROUP BY i.id, i.ts, i.kind, i.actor_id, i.text ORDER BY i.ts, i.text""")
    assert got == [
        # Arabic: 9:00 م is 21:00, 8:00 ص is 08:00 (no time zone set: UTC)
        ("2024-03-15 21:00:00", "system", "سارة أحمد", None),  # أنشأ المجموعة
        ("2024-03-15 21:01:00", "system", "سارة أحمد", ["خالد علي", "ليلى حسن"]),  # قام ... بإضافة ... و ...
        ("2024-03-15 21:02:00", "message", "خالد علي", None),
        ("2024-03-15 21:03:00", "message", "ليلى حسن", None),
        ("2024-03-16 08:00:00", "system", "خالد علي", None),  # غادر
        # Turkish, Android
        ("2024-04-02 18:00:00", "system", "Deniz Arslan", None),  # bu grubu oluşturdu
        ("2024-04-02 18:00:00", "system", None, None),  # the encryption notice
        ("2024-04-02 18:01:00", "system", "Deniz Arslan", None),  # sizi ekledi (you: not known here)
        ("2024-04-02 18:01:00", "system", "Deniz Arslan", ["Elif Şahin"]),  # kişisini ekledi
        ("2024-04-02 18:02:00", "system", "Deniz Arslan", ["Kerem Yıldız"]),  # Kerem Yıldız'ı gruba ekledi
        ("2024-04-02 18:03:00", "system", "Can Öztürk", None),  # davet bağlantısıyla katıldı
        ("2024-04-02 18:04:00", "message", "Elif Şahin", None),
        ("2024-04-02 18:05:00", "system", "Deniz Arslan", None),  # simgesini değiştirdi
        ("2024-04-02 18:06:00", "system", "Deniz Arslan", None),  # grup adını ... olarak değiştirdi
        ("2024-04-02 18:07:00", "system", "Deniz Arslan", ["Can Öztürk"]),  # kişisini çıkardı
        ("2024-04-02 18:08:00", "system", "Kerem Yıldız", None),  # ayrıldı
        ("2024-04-02 18:09:00", "system", None, ["Selin Koç"]),  # kişisini eklediniz (you: not known)
        ("2024-04-02 18:10:00", "system", "Elif Şahin", None),  # gruptan ayrıldı
        # Turkish, iOS: the notices under the chat's name, the events under Ece's own name
        ("2024-04-02 19:00:00", "system", None, None),
        ("2024-04-02 19:00:05", "system", "Ece Aydın", None),
        ("2024-04-02 19:00:10", "system", "Ece Aydın", None),
        ("2024-04-02 19:01:00", "system", "Ece Aydın", None),
        ("2024-04-02 19:01:30", "system", "Ece Aydın", None),
        ("2024-04-02 19:02:00", "message", "Ece Aydın", None),
        ("2024-04-02 19:03:00", "message", "Burak Çelik", None),
        # Indonesian
        ("2024-05-20 07:00:00", "system", "Agus Salim", None),  # membuat grup
        ("2024-05-20 07:00:00", "system", None, None),  # the encryption notice
        ("2024-05-20 07:01:00", "system", None, None),  # Anda Bergabung ... (you: not known)
        ("2024-05-20 07:02:00", "system", "Wati Lestari", None),
        ("2024-05-20 07:03:00", "system", "Agus Salim", ["Dewi Sartika", "Joko Susilo"]),  # "~ " names
        ("2024-05-20 07:04:00", "system", "Agus Salim", None),
        ("2024-05-20 07:05:00", "message", "Joko Susilo", None),
        ("2024-05-20 07:06:00", "message", "Dewi Sartika", None),
        ("2024-05-20 07:07:00", "system", "Wati Lestari", None),
    ]
    # the Arabic message keeps its own digits: only the stamp is read in Western digits
    assert rows(store, "SELECT text FROM interactions WHERE text LIKE 'نلتقي%'") == [("نلتقي الساعة ٣؟",)]
    names = {v for (v,) in rows(store, "SELECT value FROM identities")}
    assert len(names) == 14 and not names & {"Sınıf", "Çay (tr)", "Keluarga (id)", "Rihla (ar)", "~ Agus Salim"}


@pytest.mark.parametrize("text,expected", [
    ("Deniz sizi ekledi", ("Deniz", ["you"], True)),
    ("Selin Koç kişisini eklediniz", ("you", ["Selin Koç"], True)),
    ("Can kişisini çıkardınız", ("you", ["Can"], True)),
    ("Bu grubu oluşturdunuz", ("you", [], True)),
    ('Ayşe, "Kahve" grubunu oluşturdu', ("Ayşe", [], True)),
    ("Anda Bergabung Menggunakan Tautan Undangan Grup Ini", ("you", [], True)),
    ("~ rai menambahkan ~ Tono", ("rai", ["Tono"], True)),
    ("Anda menambahkan Sari", ("you", ["Sari"], True)),
    ("غادر خالد", ("خالد", [], True)),
    ("Bugün ayrıldı mı?", (None, [], False)),  # "ayrıldı" must end the line: no event
])
def test_group_event_you_forms_in_turkish_indonesian_arabic(text, expected):
    from closeknit.ingest.formats.whatsapp import classify_system

    assert classify_system(text) == expected


def test_arabic_continuation_lines_keep_their_digits(tmp_path, store, import_path):
    """Only a line that is an Arabic-locale stamp is rewritten: a message's second line with
    Arabic-Indic digits, an Arabic comma and " - " stays exactly as written."""
    chat = tmp_path / "WhatsApp Chat with Salma.txt"
    chat.write_text("١٥\u200f/٣\u200f/٢٠٢٤، ٩:٠٢ م - سلمى: موعدنا\nمرحبا ٣ - غدا، الساعة ٥ م\n", encoding="utf-8")
    r = import_path(chat)
    assert (r.added, r.errors) == (1, 0)
    assert rows(store, "SELECT strftime(ts, '%Y-%m-%d %H:%M'), text FROM interactions") == [
        ("2024-03-15 21:02", "موعدنا\nمرحبا ٣ - غدا، الساعة ٥ م")]


def test_group_events_and_notices_in_more_languages(store, import_path):
    """Our own chats (wordings cited in whatsapp.py): Japanese Android, Chinese (Taiwan) and Korean iOS
    (AM/PM before the time; notices under the group's name; a leaving under the leaver's own name),
    and Hindi, Malay, Urdu groups / Polish, Ukrainian, Persian 1:1 chats named the Android way in their
    language. Every system line's actor and named people exact, attachments are media, no chat is a
    person, and the file name of a 1:1 chat makes the other author the user."""
    r = import_path(FIX / "more-languages")
    assert (r.added, r.errors, r.identities) == (49, 0, 22)
    assert rows(store, "SELECT kind, count(*), count(text) FROM interactions GROUP BY 1 ORDER BY 1") == [
        ("call", 1, 0), ("message", 28, 12), ("system", 20, 20)]
    got = rows(store, """SELECT strftime(i.ts, '%Y-%m-%d %H:%M:%S'), i.visibility, (SELECT value FROM identities d
        WHERE d.id = i.actor_id), list(p.value ORDER BY p.value) FILTER (WHERE p.value IS NOT NULL) FROM interactions i
        LEFT JOIN interaction_participants ip ON ip.interaction_id = i.id AND ip.role = 'subject'
        LEFT JOIN identities p ON p.id = ip.identity_id WHERE i.kind = 'system'
        GROUP BY i.id, i.ts, i.visibility, i.actor_id, i.text ORDER BY i.ts, i.visibility, i.text""")
    assert got == [
        # Korean iOS: 오후 11:58 is 23:58, 오전 12:02 is 00:02
        ("2023-12-31 23:58:02", "group", None, None),  # the encryption notice, under 김가족
        ("2023-12-31 23:58:10", "group", "민준", None),  # 그룹을 만들었습니다
        ("2023-12-31 23:58:20", "group", "민준", ["할머니"]),  # 님을 추가했습니다
        ("2024-01-01 10:15:27", "group", "지민", None),  # 님이 나갔습니다, under 지민's own name
        # Japanese Android
        ("2024-01-05 09:00:00", "group", None, None),  # the encryption notice
        ("2024-01-05 09:00:00", "group", "健太", None),  # グループ「山の会」を作成しました
        ("2024-01-05 09:00:00", "private", None, None),  # Ukrainian: the encryption notice
        ("2024-01-05 09:01:00", "group", "健太", ["太郎", "花子"]),  # 花子、太郎を追加しました
        ("2024-01-05 09:02:00", "group", "美咲", None),  # 招待リンクから参加しました
        ("2024-01-05 09:05:00", "group", "健太", None),  # グループのアイコンを変更しました
        ("2024-01-05 09:06:00", "group", "太郎", None),  # 退出しました
        ("2024-01-05 10:00:00", "private", None, None),  # Polish: the encryption notice
        ("2024-01-05 18:00:00", "group", None, None),  # Urdu: the group's notice (group evidence)
        ("2024-01-05 18:44:00", "private", None, None),  # Persian: the encryption notice
        ("2024-01-05 20:00:00", "group", None, None),  # Malay: the group's notice
        ("2024-01-15 10:00:00", "group", None, None),  # Hindi: the group's notice
        # Chinese (Taiwan) iOS: 下午8:00 is 20:00, 上午9:30 is 09:30
        ("2024-02-09 20:00:00", "group", None, None),
        ("2024-02-09 20:00:05", "group", "小明", None),  # 建立了群組
        ("2024-02-09 20:00:10", "group", "小明", ["阿公", "阿嬤"]),  # 新增了阿嬤、阿公
        ("2024-02-10 09:30:00", "group", "阿公", None),  # 退出了
    ]
    # attachments and placeholders are media (no text): 2 Hindi, 2 Malay, 2 Urdu, 1 each Polish, Ukrainian, Persian,
    # Japanese, Chinese, Korean; deleted messages have no text either (Polish, Ukrainian, Japanese, Korean); the
    # Chinese missed call is a call
    assert rows(store, "SELECT count(*) FROM interactions WHERE kind = 'message' AND text IS NULL") == [(16,)]
    names = {v for (v,) in rows(store, "SELECT value FROM identities")}
    assert len(names) == 22 and not names & {"山の会", "陳家大群", "김가족", "परिवार", "Geng Kampung", "دوست"}
    # the file names the 1:1 chat: the other author is the user
    assert sorted(v for (v,) in rows(store, "SELECT d.value FROM identities d JOIN people p ON p.id = d.person_id "
                                            "WHERE p.is_self")) == ["Piotr Wiśniewski", "Тарас", "علی"]


def test_community_group_events_in_polish_and_english():
    """Our own community groups (wordings cited in whatsapp.py: a real Polish Android export in
    mgajczewski/paragliding-survey, real English lines in lucasrodes/whatstk issue #147): who created
    the group, who joined from the community (the user too), whom "Dodano:" and "added you to a group in
    the community:" name. Those two lines hold ": " and were read as messages from people called
    "Dodano" and "Dev Malhotra added you to a group in the community" (checked on the code before);
    the note WhatsApp adds after an edited message stayed in its text."""
    ctx = ImportContext(self_idents=frozenset({Ident("whatsapp", "name", "Ewa Kowal")}))
    recs = [r for r in _read(FIX / "community-groups", ctx) if isinstance(r, Interaction)]
    got = [(r.ts.strftime("%m-%d %H:%M"), r.kind, r.actor.value if r.actor else None,
            [(p.value, role) for p, role in r.participants if role == "subject"], r.text is None) for r in recs]
    assert got == [
        ("03-02 18:00", "system", None, [], False),  # the encryption notice
        ("03-02 17:55", "system", "Hanna Wójcik", [], False),  # utworzył(a) grupę
        ("03-02 18:00", "system", "Ewa Kowal", [], False),  # Dołączyłeś(-aś) ze społeczności: the user
        ("03-02 18:04", "system", "Olek Zieliński", [], False),  # dołączył(a) ze społeczności
        ("03-02 18:10", "message", "Hanna Wójcik", [], False),
        ("03-02 18:12", "message", "Olek Zieliński", [], False),
        ("03-03 09:30", "system", None, [("Kasia Mazur", "subject")], False),  # Dodano: Kasia Mazur
        ("03-03 09:31", "system", "Kasia Mazur", [], False),
        ("03-03 09:40", "message", "Kasia Mazur", [], False),
        ("03-03 09:41", "message", "Kasia Mazur", [], True),  # <Pominięto multimedia>: media, no text
        ("04-11 07:00", "system", None, [], False),
        ("04-11 06:58", "system", "Dev Malhotra", [], False),  # created group
        ("04-11 07:00", "system", "Dev Malhotra", [("Ewa Kowal", "subject")], False),  # added you ... community: X
        ("04-11 07:02", "system", "Lena Fischer", [], False),  # joined from the community
        ("04-11 07:05", "message", "Lena Fischer", [], False),
        ("04-11 07:06", "message", "Dev Malhotra", [], False),
    ]
    assert {r.visibility for r in recs} == {"group"}
    people = {p.value for r in recs for p, _ in r.participants} | {r.actor.value for r in recs if r.actor}
    assert people == {"Hanna Wójcik", "Olek Zieliński", "Kasia Mazur", "Ewa Kowal", "Dev Malhotra", "Lena Fischer"}
    # every message goes to everyone else in its chat, the user included
    assert [sorted(p.value for p, _ in r.participants) for r in recs if r.kind == "message"][0] == [
        "Ewa Kowal", "Kasia Mazur", "Olek Zieliński"]
    # the note after an edited message is not its text (Polish, and English over two lines)
    assert [r.text for r in recs if r.kind == "message"] == [
        "Kto płynie w sobotę z Giżycka?", "Ja, mam miejsce na dwie osoby", "Dzień dobry! Biorę kamizelki", None,
        "Sunday 8am at the bridge?", "8:30 please,\nthe cafe opens then"]


@pytest.mark.parametrize("file,name", [
    ("Ayşe ile WhatsApp Sohbeti.txt", "Ayşe"),  # Turkish: the name first
    ("WhatsApp-chat met Sanne (2).txt", "Sanne"),  # Dutch, a second copy
    ("Ravi के साथ WhatsApp चैट.txt", "Ravi"),
    ("민준님과의 WhatsApp 대화.txt", "민준"),
    ("WhatsApp 與 阿嬤 的對話.txt", "阿嬤"),
    ("WhatsApp-keskustelu henkilön Aino kanssa.txt", "Aino"),
    ("Chat WhatsApp dengan Budi.txt", "Budi"),
    ("notes.txt", None),
])
def test_chat_names_from_android_file_names_in_other_languages(file, name):
    assert chat_name_from_filename(file) == name
