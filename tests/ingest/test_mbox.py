"""The mbox importer on the real list archives in shared/, the Enron sample and our own fixtures."""

from __future__ import annotations

import io
import itertools
import random
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from closeknit.core.ids import stable_id
from closeknit.ingest import ImportContext, get_importer, open_tree
from closeknit.ingest.formats import mbox as mbox_mod
from closeknit.ingest.formats.mbox import parse_addresses, parse_date, split_mbox
from closeknit.ingest.records import BadRecord, Ident, Interaction, SelfIdentity
from closeknit.store import Store
from closeknit.store.load import import_tree
from tests.conftest import rows

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mbox"


def email_dir(shared: Path) -> Path:
    return shared / "formats" / "email"


def by_kind(store) -> dict[str, int]:
    return dict(rows(store, "SELECT kind, count(*) FROM interactions GROUP BY kind"))


def by_vis(store) -> dict[str, int]:
    return dict(rows(store, "SELECT visibility, count(*) FROM interactions GROUP BY visibility"))


def links(store) -> dict[str, tuple[int | None, str | None]]:
    """native_id -> (reply_to id, thread)."""
    return {n: (r, t) for n, r, t in rows(store, "SELECT native_id, reply_to, thread_id FROM interactions")}


def rid(native: str) -> int:
    return stable_id("mbox", native)


def read_all(path: Path, ctx: ImportContext | None = None) -> list:
    return list(get_importer("mbox").read(open_tree(path), ctx or ImportContext()))


# -- real samples -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "box, n, kinds, vis, idents",
    [
        ("testbox-2", 3, {"message": 1, "reply": 2}, {"group": 2, "public": 1}, 4),
        ("testbox-3", 3, {"reply": 3}, {"group": 3}, 4),
        ("testbox-4", 7, {"message": 2, "reply": 5}, {"group": 7}, 6),
        ("testbox-7", 1, {"reply": 1}, {"group": 1}, 2),
        ("testbox-8", 3, {"reply": 3}, {"group": 3}, 4),
        ("testbox-9", 6, {"message": 2, "reply": 4}, {"group": 6}, 7),
    ],
)
def test_testboxes(shared, store, import_path, box, n, kinds, vis, idents):
    path = email_dir(shared) / box
    r = import_path(path)
    assert r.format == "mbox"
    assert (r.added, r.present, r.errors, r.identities) == (n, 0, 0, idents)
    assert by_kind(store) == kinds
    assert by_vis(store) == vis
    assert rows(store, "SELECT DISTINCT channel FROM interactions") == [("email",)]
    assert rows(store, "SELECT count(*) FROM interactions WHERE ts IS NULL OR text IS NULL") == [(0,)]
    # no address clearly sends the most in these list archives: no owner is guessed
    assert rows(store, "SELECT count(*) FROM me") == [(0,)]
    again = import_path(path, force=True)
    assert (again.added, again.present) == (0, n)
    assert store.count("interactions") == n


def test_testbox2_usenet_article_is_public(shared, store, import_path):
    import_path(email_dir(shared) / "testbox-2")
    root = "20030101210258.63148.qmail@web20805.mail.yahoo.com"
    assert rows(store, "SELECT native_id, kind, visibility, thread_id, reply_to FROM interactions ORDER BY ts") == [
        (root, "message", "group", root, None),
        ("auvpjq$ede$1@post.home.lunix", "reply", "public", root, rid(root)),
        ("r3i71vcul4g95orb58173qj6b8dus6pnch@4ax.com", "reply", "group", root, rid(root)),
    ]
    # From: address (Name) form; the list address is the recipient
    assert rows(
        store,
        "SELECT a.value, a.display_name, p.value, ip.role FROM interactions i JOIN identities a ON a.id = i.actor_id "
        "JOIN interaction_participants ip ON ip.interaction_id = i.id JOIN identities p ON p.id = ip.identity_id "
        "WHERE i.native_id = 'auvpjq$ede$1@post.home.lunix'",
    ) == [("fun_with_perl@ton.iguana.be", "Ton Hospel", "fwp@perl.org", "recipient")]
    assert rows(store, "SELECT ts FROM interactions WHERE native_id = ?", [root]) == [
        (datetime(2003, 1, 1, 21, 2, 58, tzinfo=timezone.utc),)
    ]


def test_testbox3_mutt_in_reply_to(shared, store, import_path):
    import_path(email_dir(shared) / "testbox-3")
    root = "20030102152943.D635@hermione.osp.nl"
    got = links(store)
    # "In-Reply-To: <id>; from abigail@foad.org on Thu, Jan 02, 2003 at 03:29:43PM +0100"
    assert got["20030102115117.A21351@cs839290-a.mtth.phub.net.cable.rogers.com"] == (rid(root), root)
    assert got["20030102180231.F635@hermione.osp.nl"] == (rid("3E146C15.8000302@ntlworld.com"), root)
    assert got["3E146C15.8000302@ntlworld.com"] == (rid("20030102144211.GV7700@ox.compsoc.net"), root)
    # To: Abigail, Cc: the list -> recipient and cc
    assert rows(
        store,
        "SELECT p.value, ip.role FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
        "JOIN identities p ON p.id = ip.identity_id WHERE i.native_id LIKE '20030102115117%' ORDER BY 1",
    ) == [("abigail@foad.org", "recipient"), ("fwp@perl.org", "cc")]


def test_testbox4_partial_references_and_prose_in_reply_to(shared, store, import_path):
    import_path(email_dir(shared) / "testbox-4")
    got = links(store)
    root = "20000719155037.A27886@O2.chapin.edu"
    # In-Reply-To: "Kurt D. Starsinic"'s message of "..." (no id) -> last References id
    assert got["87em4pa0ec.fsf@fire-swamp.org"] == (rid(root), root)
    # References start mid-thread, at a message of the box that is itself in the root's thread:
    # the root's thread, not a second one
    assert got["20000719164529.E17718@ghostwheel.wks.na.deuba.com"] == (
        rid("20000719154851.C5309@cbi.tamucc.edu"),
        root,
    )
    assert got["20000719161418.D17718@ghostwheel.wks.na.deuba.com"][1] == root
    # no In-Reply-To nor References: a new thread of its own
    assert got["F122YsoaJ70EgyBiQhe00003799@hotmail.com"] == (None, "F122YsoaJ70EgyBiQhe00003799@hotmail.com")
    assert got[root] == (None, root)


def test_testbox7_no_id_in_in_reply_to_and_message_id_casing(shared, store, import_path):
    import_path(email_dir(shared) / "testbox-7")
    # "Message-Id:", "In-Reply-To: Joanna Farley's message as of Nov 13,  9:56am.", folded References
    assert links(store) == {
        "1021113100650.ZM12997@skye.rdg.opengroup.org": (
            rid("3DD221BB.13116D47@sun.com"),
            "200211120937.JAA28130@xoneweb.opengroup.org",
        )
    }


def test_testbox8_and_9_threads(shared, store, import_path):
    import_path(email_dir(shared) / "testbox-8")
    got = links(store)
    assert got["200303010143.h211hvD16626@rszemeti.demon.co.uk"] == (
        rid("Pine.GSO.4.50.0303010015230.21567-100000@theproject.fierypit.org"),
        "20030228174141.GA12360@plough.barnyard.co.uk",
    )
    import_path(email_dir(shared) / "testbox-9")
    got = links(store)
    # In-Reply-To but no References: the thread of the parent (in the box; its References
    # name the root), not a thread of its own
    assert got["D4CA215C-53B6-11D7-8510-0030654E40D0@quietstars.com"] == (
        rid("1047382472.1875.19.camel@dirk2.int.tobit.co.uk"),
        "20030311083936.GB26176@cat.ourshack.com",
    )
    assert got["1047382472.1875.19.camel@dirk2.int.tobit.co.uk"][1] == "20030311083936.GB26176@cat.ourshack.com"
    # a reply whose parent is in the box resolves to it
    assert rows(
        store,
        "SELECT c.native_id FROM interactions c JOIN interactions p ON c.reply_to = p.id "
        "WHERE p.native_id = '11030370.22639@webbox.com'",
    ) == [("86fzpu3r6o.fsf@red.stonehenge.com",)]
    # "Date: 11 Mar 2003 11:34:32 +0000" (no weekday)
    assert rows(store, "SELECT ts FROM interactions WHERE native_id = '1047382472.1875.19.camel@dirk2.int.tobit.co.uk'") == [
        (datetime(2003, 3, 11, 11, 34, 32, tzinfo=timezone.utc),)
    ]


def test_enron_sample(shared, store, import_path):
    path = shared / "interactions" / "enron_sample" / "enron_sample_103.mbox"
    r = import_path(path)
    assert r.format == "mbox"
    assert (r.added, r.errors) == (103, 0)
    assert by_kind(store) == {"message": 103}
    assert by_vis(store) == {"private": 103}
    # 557 To recipients in all; Enron's Bcc repeats Cc, so every Bcc address is already a cc
    assert dict(rows(store, "SELECT role, count(*) FROM interaction_participants GROUP BY role")) == {
        "recipient": 557,
        "cc": 61,
    }
    assert rows(store, "SELECT count(*) FROM interactions WHERE text IS NULL OR ts IS NULL OR actor_id IS NULL") == [(0,)]
    assert rows(store, "SELECT ts, text_len FROM interactions WHERE native_id = '1310258.1075843013191.JavaMail.evans@thyme'") == [
        (datetime(2000, 10, 31, 2, 21, tzinfo=timezone.utc), 2062)
    ]
    # the top sender has 5 of 103 messages: too few to call it the owner
    assert rows(store, "SELECT count(*) FROM me") == [(0,)]
    assert import_path(path).skipped


# -- our fixtures -----------------------------------------------------------------------------


def test_quirks_fixture(store, import_path):
    r = import_path(FIXTURES / "quirks.mbox")
    assert (r.added, r.errors) == (5, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [
        ("quirks.mbox message 4 (byte 1417)", "unreadable Date 'sometime last tuesday'")
    ]
    got = {
        n: (k, v, t, x)
        for n, k, v, t, x in rows(store, "SELECT native_id, kind, visibility, thread_id, text FROM interactions")
    }
    # RFC 2047 names, quoted-printable body, >From unescaping, a "From " body line without a colon
    assert got["plan-1@example.org"] == (
        "message",
        "private",
        "plan-1@example.org",
        "Shall we meet at the café?\nFrom the menu I like the tea.\n>From here an mboxrd line stays quoted once.\n"
        "From here on this line has no colon and does not split the message\nSee you.",
    )
    first = next(r for r in read_all(FIXTURES / "quirks.mbox") if isinstance(r, Interaction))
    assert first.actor == Ident("email", "email", "ada@example.org", "Adéla Lovélace")
    assert [(i.value, i.name, role) for i, role in first.participants] == [
        ("bjorn@example.net", "Björn", "recipient"),
        ("carol@example.com", "Doe, Carol", "recipient"),
        ("dan@example.com", "Dan Example", "cc"),
    ]
    # no Message-ID: content hash; In-Reply-To with trailing prose; multipart picks text/plain (base64, latin-1)
    no_id = [(n, v) for n, v in got.items() if n.startswith("h:")]
    assert sorted(v[0] for _, v in no_id) == ["message", "reply"]
    reply = next(v for _, v in no_id if v[0] == "reply")
    assert reply == ("reply", "private", "plan-1@example.org", "Ja, gärne!")
    html_only = next(v for _, v in no_id if v[0] == "message")
    assert html_only[3] == "Only HTML here & there"
    # Usenet follow-up: public; its parent is the last References id (not in the box)
    assert got["post-9@news.example.net"][:3] == ("reply", "public", "plan-1@example.org")
    assert rows(store, "SELECT reply_to FROM interactions WHERE native_id = 'post-9@news.example.net'") == [
        (rid("not-in-box@example.org"),)
    ]
    # list mail: group, the list address as recipient, unknown charset falls back to cp1252
    assert got["list-1@example.org"] == ("message", "group", "list-1@example.org", "Café for everyone.")
    # Ada sent the personal mail and is written to by the other two: guessed to be the owner
    assert rows(store, "SELECT value, evidence FROM me") == [("ada@example.org", "writes and is written to most in quirks.mbox")]
    again = import_path(FIXTURES / "quirks.mbox", force=True)
    assert (again.added, again.present, again.errors) == (0, 5, 1)


def test_crlf_mbox_same_as_lf(tmp_path):
    lf = (FIXTURES / "quirks.mbox").read_bytes()
    p = tmp_path / "crlf.mbox"
    p.write_bytes(lf.replace(b"\n", b"\r\n"))
    a = [r for r in read_all(FIXTURES / "quirks.mbox") if isinstance(r, Interaction)]
    b = [r for r in read_all(p) if isinstance(r, Interaction)]
    assert len(b) == 5
    assert [(r.native_id, r.kind, r.ts, r.actor, list(r.participants), r.thread, r.reply_to, r.text) for r in b] == [
        (r.native_id, r.kind, r.ts, r.actor, list(r.participants), r.thread, r.reply_to, r.text) for r in a
    ]
    bad = [r for r in read_all(p) if isinstance(r, BadRecord)]
    assert [x.location for x in bad] == ["crlf.mbox message 4 (byte 1464)"]


def test_eml_folder_and_zip(tmp_path, store, import_path):
    folder = tmp_path / "mail"
    (folder / "Takeout" / "Mail").mkdir(parents=True)
    (folder / "Takeout" / "Mail" / "All mail Including Spam and Trash.mbox").write_bytes((FIXTURES / "quirks.mbox").read_bytes())
    (folder / "Takeout" / "Mail" / "one.eml").write_bytes((FIXTURES / "single.eml").read_bytes())
    (folder / "Takeout" / "archive_browser.html").write_text("<html></html>")
    z = tmp_path / "takeout.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in folder.rglob("*"):
            if f.is_file():
                zf.write(f, f.relative_to(folder).as_posix())
    r = import_path(z)
    assert r.format == "mbox"
    assert (r.added, r.errors) == (6, 1)
    assert rows(store, "SELECT kind, reply_to, thread_id FROM interactions WHERE native_id = 'eml-1@example.org'") == [
        ("reply", rid("plan-1@example.org"), "plan-1@example.org")
    ]
    # the same messages from the unzipped folder add nothing
    r2 = import_path(folder)
    assert (r2.format, r2.added, r2.present) == ("mbox", 0, 6)
    single = import_path(FIXTURES / "single.eml")
    assert (single.format, single.added, single.present) == ("mbox", 0, 1)


def test_maildir(tmp_path, store, import_path):
    md = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (md / sub).mkdir(parents=True)
    (md / "cur" / "1709900000.M1P2.host:2,S").write_bytes((FIXTURES / "single.eml").read_bytes())
    (md / "new" / "1709900001.M3P4.host").write_bytes(
        b"From: Ada <ada@example.org>\nTo: Erin <erin@example.org>\nDate: Fri, 8 Mar 2024 16:00:00 +0000\n"
        b"Message-ID: <eml-2@example.org>\nIn-Reply-To: <eml-1@example.org>\n\nGreat.\n"
    )
    r = import_path(md)
    assert (r.format, r.added, r.errors) == ("mbox", 2, 0)
    assert rows(store, "SELECT native_id, kind, thread_id FROM interactions ORDER BY ts") == [
        ("eml-1@example.org", "reply", "plan-1@example.org"),
        ("eml-2@example.org", "reply", "plan-1@example.org"),  # In-Reply-To eml-1: eml-1's thread
    ]


def test_known_self_and_gmail_labels(tmp_path):
    mbox = (
        b"From 1@xxx Mon Jan  1 00:00:00 2024\n"
        b"X-GM-THRID: 1788\nX-Gmail-Labels: Inbox,Opened\nDelivered-To: me@gmail.com\n"
        b"From: Pat <pat@example.com>\nTo: list@lists.example.com\nList-Id: <list.lists.example.com>\n"
        b"Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <a@x>\n\nhello\n\n"
        b"From 2@xxx Mon Jan  1 00:10:00 2024\n"
        b"X-GM-THRID: 1788\nX-Gmail-Labels: Sent\n"
        b"From: Me <me@gmail.com>\nTo: Pat <pat@example.com>\nBcc: Quinn <quinn@example.com>\n"
        b"Date: Mon, 1 Jan 2024 00:10:00 +0000\nMessage-ID: <b@x>\nIn-Reply-To: <a@x>\n\nhi\n\n"
        b"From 3@xxx Mon Jan  1 00:20:00 2024\n"
        b"X-GM-THRID: 1799\nX-Gmail-Labels: Inbox\nDelivered-To: me@gmail.com\n"
        b"From: Pat <pat@example.com>\nTo: Quinn <quinn@example.com>\n"
        b"Date: Mon, 1 Jan 2024 00:20:00 +0000\nMessage-ID: <c@x>\n\nfyi\n"
    )
    p = tmp_path / "All mail.mbox"
    p.write_bytes(mbox)
    me = Ident("email", "email", "me@gmail.com")
    recs = read_all(p, ImportContext(self_idents=frozenset({me})))
    assert not any(isinstance(r, SelfIdentity) for r in recs)
    got = {r.native_id: r for r in recs if isinstance(r, Interaction)}
    assert [(i.value, role) for i, role in got["a@x"].participants] == [
        ("list@lists.example.com", "recipient"),
        ("me@gmail.com", "recipient"),  # received through the list
    ]
    assert got["a@x"].visibility == "group" and got["a@x"].thread == "gm:1788"
    assert [(i.value, role) for i, role in got["b@x"].participants] == [("pat@example.com", "recipient"), ("quinn@example.com", "bcc")]
    assert (got["b@x"].kind, got["b@x"].reply_to, got["b@x"].thread) == ("reply", "a@x", "gm:1788")
    assert [(i.value, role) for i, role in got["c@x"].participants] == [("quinn@example.com", "recipient"), ("me@gmail.com", "bcc")]
    # without a known self: Gmail's Sent label outweighs Pat's two messages
    recs = read_all(p)
    assert [r.ident.value for r in recs if isinstance(r, SelfIdentity)] == ["me@gmail.com"]


def test_not_mail_is_not_detected(tmp_path):
    p = tmp_path / "notes.txt"
    p.write_text("From here on, nothing in this file is mail.\nIt just starts like one.\n")
    assert get_importer("mbox").detect(open_tree(p)) == 0
    # raw messages inside a CSV cell (the Kaggle Enron layout) are not an .eml
    c = tmp_path / "emails.csv"
    c.write_text('file,message\n"a/1.","Message-ID: <1@x>\nDate: Mon, 1 Jan 2001 00:00:00 +0000\nFrom: a@x\n\nhi"\n')
    assert get_importer("mbox").detect(open_tree(c)) == 0


def test_garbage_between_separators_is_reported(tmp_path):
    p = tmp_path / "x.mbox"
    p.write_bytes(
        b"From a@x Mon Jan  1 00:00:00 2024\nFrom: a@x\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <1@x>\n\nok\n\n"
        b"From b@x Mon Jan  1 00:00:00 2024\njust some text with no headers\n\n"
    )
    recs = read_all(p)
    assert [type(r).__name__ for r in recs] == ["Interaction", "BadRecord"]
    assert recs[1].location == "x.mbox message 2 (byte 104)"


# -- helpers ----------------------------------------------------------------------------------


def test_split_mbox_small_chunks_and_huge_message():
    data = b"".join(b"From x@y Mon Jan  1 00:00:%02d 2024\nMessage-ID: <%d@y>\n\nbody %d\n\n" % (i, i, i) for i in range(50))
    whole = list(split_mbox(io.BytesIO(data)))
    assert len(whole) == 50
    assert list(split_mbox(io.BytesIO(data), chunk=7)) == whole
    assert all(data[o:].startswith(m) for o, m in whole)


def test_parse_date_forms():
    assert parse_date("Wed, 19 Jul 2000 23:21:50 GMT").isoformat() == "2000-07-19T23:21:50+00:00"
    assert parse_date("Wed, 1 Jan 2003 22:20:42 +0000 (UTC)").isoformat() == "2003-01-01T22:20:42+00:00"
    assert parse_date("Thu, 2 Jan 03 11:51:17 EST").isoformat() == "2003-01-02T16:51:17+00:00"
    assert parse_date("Tue, 11 Mar 2003 06:20:04 -0800").isoformat() == "2003-03-11T14:20:04+00:00"
    assert parse_date("Mon, 04 Mar 2024 10:00 +0100").isoformat() == "2024-03-04T09:00:00+00:00"
    assert parse_date("2024-03-04T10:00:00Z").isoformat() == "2024-03-04T10:00:00+00:00"
    for bad in ("3/11/03 1:30:51 PM", "Tue, 31 Feb 2003 10:00:00 +0000", "sometime last tuesday"):
        with pytest.raises(ValueError):
            parse_date(bad)


def test_parse_addresses_forms():
    assert parse_addresses("undisclosed-recipients:;") == []
    assert parse_addresses("Lusercop <`the.lusercop'@lusercop.net>") == [("`the.lusercop'@lusercop.net", "Lusercop")]
    assert parse_addresses("=?utf-8?q?J=C3=BCrgen?= <j@x.de>, <k@x.de>") == [("j@x.de", "Jürgen"), ("k@x.de", None)]


# -- the worker processes for big files ------------------------------------------------------

_STORE_DUMP = {
    "interactions": "SELECT * EXCLUDE (source_id) FROM interactions ORDER BY id",
    "participants": "SELECT * FROM interaction_participants ORDER BY ALL",
    "identities": "SELECT * EXCLUDE (first_source) FROM identities ORDER BY id",
    "errors": "SELECT location, error, excerpt FROM import_errors ORDER BY ALL",
    "me": "SELECT identity_id, channel, kind, value, evidence FROM me ORDER BY ALL",
    "people": "SELECT count(*) FROM people",
}

_STORES = itertools.count()

# a native id repeated with other participants and a new display name, a broken message between
_DUPS = (
    b"From x@y Mon Jan  1 00:00:00 2024\nFrom: a@x\nMessage-ID: <dup@x>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n"
    b"To: b@x\n\nfirst\n\n"
    b"From x@y Mon Jan  1 00:00:00 2024\nFrom: A Name <a@x>\nMessage-ID: <other@x>\nDate: Mon, 1 Jan 2024 00:00:01 +0000\n"
    b"To: d@x\n\nmiddle\n\n"
    b"From x@y Mon Jan  1 00:00:00 2024\njust text\n\n"
    b"From x@y Mon Jan  1 00:00:00 2024\nFrom: A Name <a@x>\nMessage-ID: <dup@x>\nDate: Mon, 1 Jan 2024 00:00:02 +0000\n"
    b"To: c@x\nCc: A <a@x>\n\nsecond\n"
)


def _dump(tmp_path, path, mode: str, monkeypatch, ctx_self: str | None = None) -> tuple:
    """Store contents after importing ``path`` in this process (``objects``) or by workers (``pool``)."""
    monkeypatch.setattr(mbox_mod, "POOL_MIN_BYTES", 0 if mode == "pool" else 1 << 62)
    monkeypatch.setattr(mbox_mod, "TASK_BYTES", 150)  # runs of a message or two: ids repeated across runs
    monkeypatch.setenv("CLOSEKNIT_MBOX_WORKERS", "2")
    st = Store(tmp_path / f"{mode}-{path.name}-{next(_STORES)}.duckdb")
    try:
        if ctx_self:
            st.con.execute("INSERT INTO me VALUES (?, 'email', 'email', ?, 'test', 'test')", [stable_id("ident", "email", "email", ctx_self), ctx_self])
        r = import_tree(st, open_tree(path), get_importer("mbox"))
        return (r.added, r.present, r.errors, r.identities), {k: rows(st, q) for k, q in _STORE_DUMP.items()}
    finally:
        st.close()


def test_workers_store_what_one_process_stores(tmp_path, monkeypatch):
    mode = "pool"
    dups = tmp_path / "dups.mbox"
    dups.write_bytes(_DUPS)
    crlf = tmp_path / "crlf.mbox"
    crlf.write_bytes((FIXTURES / "quirks.mbox").read_bytes().replace(b"\n", b"\r\n"))
    gmail = tmp_path / "Sent.mbox"
    gmail.write_bytes(
        b"From 1@xxx Mon Jan  1 00:00:00 2024\nX-GM-THRID: 17\nX-Gmail-Labels: Sent\nDelivered-To: me@gmail.com\n"
        b"From: Me <me@gmail.com>\nTo: list@lists.example.com\nList-Id: <list.lists.example.com>\n"
        b"Date: Mon, 1 Jan 2024 00:00:00 +0000\nMessage-ID: <a@x>\n\nhello\n"
    )
    for path in (FIXTURES / "quirks.mbox", dups, crlf, gmail):
        objects = _dump(tmp_path, path, "objects", monkeypatch)
        assert _dump(tmp_path, path, mode, monkeypatch) == objects, path.name
    # the owner known: Delivered-To adds them as a recipient, no guess is made
    assert _dump(tmp_path, gmail, mode, monkeypatch, "me@gmail.com") == _dump(tmp_path, gmail, "objects", monkeypatch, "me@gmail.com")


def test_pool_stopped_midway_stops_its_workers(tmp_path, monkeypatch):
    """A consumer that stops early (the store failed, Ctrl-C) ends the workers: nothing is left
    behind, nothing raises."""
    import multiprocessing

    from closeknit.ingest.records import Interaction

    monkeypatch.setattr(mbox_mod, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(mbox_mod, "TASK_BYTES", 150)
    monkeypatch.setenv("CLOSEKNIT_MBOX_WORKERS", "2")
    box = tmp_path / "many.mbox"
    box.write_bytes(b"".join(
        b"From x@y Mon Jan  1 00:00:00 2024\nFrom: A <a@x>\nTo: b@x\nMessage-ID: <m%d@x>\n"
        b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody %d\n\n" % (i, i) for i in range(60)))
    it = get_importer("mbox").read(open_tree(box), ImportContext())
    got = 0
    for rec in it:
        got += isinstance(rec, Interaction)
        if got == 2:
            break
    assert len(multiprocessing.active_children()) == 2
    it.close()
    assert multiprocessing.active_children() == []


def test_an_import_that_fails_ends_its_workers_at_once(tmp_path, monkeypatch):
    """An import that stops on an error (here: the caller's error hook raises, as Ctrl-C would
    anywhere in the store's loop) ends the importer's worker processes before the error reaches the
    caller, not at the interpreter's exit, where ending a pool that is still sending can hang."""
    import multiprocessing

    import pytest

    monkeypatch.setattr(mbox_mod, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(mbox_mod, "TASK_BYTES", 150)
    monkeypatch.setenv("CLOSEKNIT_MBOX_WORKERS", "2")
    box = tmp_path / "many.mbox"
    box.write_bytes(_DUPS + b"".join(
        b"\nFrom x@y Mon Jan  1 00:00:00 2024\nFrom: A <a@x>\nTo: b@x\nMessage-ID: <m%d@x>\n"
        b"Date: Mon, 1 Jan 2024 00:00:00 +0000\n\nbody %d\n" % (i, i) for i in range(60)))
    st = Store(tmp_path / "s.duckdb")

    def stop(bad):
        raise RuntimeError("stopped at " + bad.location)

    try:
        with pytest.raises(RuntimeError, match="stopped at many.mbox message 3") as err:
            import_tree(st, open_tree(box), get_importer("mbox"), on_error=stop)
        assert err.value is not None  # the traceback is still held here
        assert multiprocessing.active_children() == []
    finally:
        st.close()


def test_workers_on_a_sample(shared, tmp_path, monkeypatch):
    path = email_dir(shared) / "testbox-4"
    assert _dump(tmp_path, path, "pool", monkeypatch) == _dump(tmp_path, path, "objects", monkeypatch)


def test_one_date_rule_fast_and_careful_forms():
    """One rule for a date (date_us; parse_date is its datetime): the fast path's edge cases give
    what the careful path gives, and what neither reads is refused."""
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    for v, want in [
        ('Wed, 1 Jan 2003 13:02:58 -0800', '2003-01-01T21:02:58+00:00'),
        ('1 Jan 2003 13:02:58 -0800', '2003-01-01T21:02:58+00:00'),
        ('Wed, 01 Jan 2003 13:02:58 +0530 (IST)', '2003-01-01T07:32:58+00:00'),
        ('Thu, 1 Jan 2015 00:37:21 +0000', '2015-01-01T00:37:21+00:00'),
        ('Sat, 29 Feb 2020 23:59:59 -1200', '2020-03-01T11:59:59+00:00'),
        ('Mon, 1 Jan 1900 00:00:00 +0100', '1899-12-31T23:00:00+00:00'),
        ('Wed, 19 Jul 2000 23:21:50 GMT', '2000-07-19T23:21:50+00:00'),
        ('Thu, 2 Jan 03 11:51:17 EST', '2003-01-02T16:51:17+00:00'),
        ('Mon, 04 Mar 2024 10:00 +0100', '2024-03-04T09:00:00+00:00'),
        ('2024-03-04T10:00:00Z', '2024-03-04T10:00:00+00:00'),
        ('Wed, 1 Jan 2003 13:02:58', '2003-01-01T13:02:58+00:00'),
        ('Wed, 1 jan 2003 13:02:58 -0800', '2003-01-01T21:02:58+00:00'),
        ('Wed, 1 Jan 2003 +1:02:58 -0800', '2003-01-01T09:02:58+00:00'),
        ('Wed, 1 Jan 2003 13:02:58 +0099', '2003-01-01T11:23:58+00:00'),
    ]:
        assert parse_date(v).isoformat() == want, v
    assert mbox_mod.date_us("Wed, 1 Jan 2003 13:02:58 -0800") == (parse_date("Wed, 1 Jan 2003 21:02:58 +0000") - epoch) \
        // timedelta(microseconds=1) == 1041454978000000
    for v, err in [
        ('Wed, 1 Jan 2003 24:00:00 -0800', ValueError),
        ('Wed, 1 Jan 2003 13:60:00 -0800', ValueError),
        ('1 Jan 0001 00:30:00 +0100', OverflowError),
        ('31 Dec 9999 23:30:00 -0100', OverflowError),
        ('Tue, 31 Feb 2003 10:00:00 +0000', ValueError),
        ('sometime last tuesday', ValueError),
        ('', ValueError),
    ]:
        with pytest.raises(err):
            mbox_mod.date_us(v)


def _reference_headers(block: str) -> dict[str, str]:
    """The header loop before names were classified once per spelling (the reference)."""
    out: dict[str, str] = {}
    last = None
    for line in block.split("\n"):
        if line[:1] in (" ", "\t"):
            if last is not None:
                out[last] += line
            continue
        k, sep, v = line.partition(":")
        k = k.lower()
        if k not in mbox_mod._WANTED and k[-1:] in (" ", "\t"):
            k = k.rstrip()
        if sep and k in mbox_mod._WANTED and k not in out:
            out[k] = v
            last = k
        else:
            last = None
    return {k: v.strip() for k, v in out.items()}


def test_parse_headers_matches_reference():
    blocks = [
        "", "\n", ":x\n", " From: a\nFrom: b\n", "FROM : x\nfrom: y\n\tcont\n", "From\nTo: a\n b\n",
        "X-Spam: 1\n\tfolded: x\nTo: q\n\t  r:s\n", "To: a\nTo: b\n c\nCc: d\n", "Subject : hi\nsubject: no\n",
        "Message-Id: <1@x>\nMESSAGE-ID: <2@x>\n", "From: a\n\n", "from\t: a\nTo:\n",
    ]
    blocks += [(FIXTURES / "quirks.mbox").read_text("utf-8", "replace"), (FIXTURES / "single.eml").read_text("utf-8", "replace")]
    for b in blocks:
        assert mbox_mod._parse_headers(b) == _reference_headers(b), repr(b)


def _via_groups(data: bytes, chunk: int) -> list[tuple[int, bytes]]:
    out = []
    for base, run, single in mbox_mod.split_groups(io.BytesIO(data), chunk):
        out += [(base, run)] if single else [(base + o, m) for o, m in mbox_mod._split_buffer(run)]
    return out


def test_split_groups_cuts_where_split_mbox_cuts(monkeypatch):
    quirks = (FIXTURES / "quirks.mbox").read_bytes()
    datas = [quirks, b"\xef\xbb\xbf" + quirks, quirks.replace(b"\n", b"\r\n"), b"", b"From x", b"\nFrom a 1:1\n",
             b"\xef\xbb\xbf\xef\xbb\xbfFrom a 1:2\nX: y\n\nz\nFrom b\nFrom c 1:2\n", b"From a 1:1\nFrom b 2:2",
             b"From a 1:1\n\nFrom b 2:2\n\n>From c 3:3\nFrom d 4\n" * 5]
    for data in datas:
        for chunk in (5, 7, 64, 1000, 1 << 22):
            assert _via_groups(data, chunk) == list(split_mbox(io.BytesIO(data), chunk)), (data[:30], chunk)
    # huge messages, truncated at the same reads (limits made small), amid real and fake separators
    monkeypatch.setattr(mbox_mod, "_MAX_MESSAGE", 300)
    monkeypatch.setattr(mbox_mod, "_KEEP", 100)
    pieces = [b"line\n", b"From here\n", b"x\n", b"\n", b"From ", b":", b"From x 1:2\n"]
    for seed in range(400):
        r = random.Random(seed)
        data = b"".join(
            b"From s%d 00:00\nX: 1\n\n" % k
            + b"".join(r.choices(pieces, weights=[20, 20, 20, 10, 10, 10, 1], k=r.randint(0, 200)))
            for k in range(r.randint(1, 8))
        )
        for chunk in (5, 50, 333):
            assert _via_groups(data, chunk) == list(split_mbox(io.BytesIO(data), chunk)), (seed, chunk)


def _mail(mid, frm, date, *, to=None, irt=None, refs=None, extra=""):
    h = [f"From {frm} Mon Jan  1 00:00:00 2024", f"From: {frm}"]
    if to:
        h.append(f"To: {to}")
    h += [f"Date: {date}", f"Message-ID: <{mid}>", f"Subject: s {mid}"]
    if irt:
        h.append(f"In-Reply-To: <{irt}>")
    if refs:
        h.append("References: " + " ".join(f"<{r}>" for r in refs))
    return "\n".join(h) + (("\n" + extra) if extra else "") + f"\n\nbody of {mid}\n\n"


def test_threads_from_every_linking_header(tmp_path, store, import_path):
    """A reply naming only its parent (In-Reply-To), or References cut short, joins the thread of
    the message it names; a reply that comes before its parent takes the thread the parent then
    joins; Outlook's Thread-Index links a reply with no other header."""
    box = tmp_path / "threads.mbox"
    box.write_text("".join([
        _mail("a@x", "ann@x.org", "Mon, 1 Jan 2024 09:00:00 +0000", to="bob@x.org"),
        _mail("b@x", "bob@x.org", "Mon, 1 Jan 2024 10:00:00 +0000", to="ann@x.org", irt="a@x", refs=["a@x"]),
        _mail("c@x", "cat@x.org", "Tue, 2 Jan 2024 10:00:00 +0000", to="bob@x.org", irt="b@x"),  # In-Reply-To only
        _mail("d@x", "dan@x.org", "Wed, 3 Jan 2024 10:00:00 +0000", to="bob@x.org", refs=["c@x"]),  # References cut
        _mail("f@x", "fay@x.org", "Wed, 3 Jan 2024 12:00:00 +0000", to="bob@x.org", irt="e@x"),  # before its parent
        _mail("e@x", "eve@x.org", "Wed, 3 Jan 2024 11:00:00 +0000", to="bob@x.org"),
        _mail("o1@x", "olga@x.org", "Thu, 4 Jan 2024 10:00:00 +0000", to="bob@x.org",
              extra="Thread-Index: AdQ2FNd7lJ8Mv5EQS3+Xn1Ix6PCnHw=="),
        _mail("o2@x", "bob@x.org", "Thu, 4 Jan 2024 11:00:00 +0000", to="olga@x.org",
              extra="Thread-Index: AdQ2FNd7lJ8Mv5EQS3+Xn1Ix6PCnHwAAAGGz"),
    ]))
    r = import_path(box)
    assert (r.added, r.errors) == (8, 0)
    assert rows(store, "SELECT native_id, thread_id FROM interactions ORDER BY native_id") == [
        ("a@x", "a@x"), ("b@x", "a@x"), ("c@x", "a@x"), ("d@x", "a@x"), ("e@x", "e@x"), ("f@x", "e@x"),
        ("o1@x", "o1@x"), ("o2@x", "o1@x")]
    assert rows(store, "SELECT count(DISTINCT thread_id) FROM interactions") == [(3,)]


def _threads_of(tmp_path, path, mode, monkeypatch) -> list[tuple[str, str]]:
    monkeypatch.setattr(mbox_mod, "POOL_MIN_BYTES", 0 if mode == "pool" else 1 << 62)
    monkeypatch.setattr(mbox_mod, "TASK_BYTES", 150)  # one message per worker run
    monkeypatch.setenv("CLOSEKNIT_MBOX_WORKERS", "2")
    st = Store(tmp_path / f"threads-{mode}-{next(_STORES)}.duckdb")
    try:
        r = import_tree(st, open_tree(path), get_importer("mbox"))
        assert (r.added, r.errors) == (len(rows(st, "SELECT 1 FROM interactions")), 0)
        return rows(st, "SELECT native_id, thread_id FROM interactions ORDER BY native_id")
    finally:
        st.close()


def test_threads_in_any_order(tmp_path, monkeypatch):
    """A thread whose messages come in any order is one thread, read once front to back: a
    grandchild naming only its parent, then the root, then the child that links the two (they
    were two threads until 2026-12-07); four generations newest first; two replies naming only
    the root's child, before it. The same in one process and through the worker processes, and
    across the files of a folder."""
    d = "Mon, 1 Jan 2024 {}:00:00 +0000"
    box = tmp_path / "orders.mbox"
    box.write_text("".join([
        # 1: grandchild, root, child
        _mail("g1@x", "cat@x.org", d.format(12), to="bob@x.org", irt="c1@x"),
        _mail("r1@x", "ann@x.org", d.format(10), to="bob@x.org"),
        _mail("c1@x", "bob@x.org", d.format(11), to="ann@x.org", irt="r1@x", refs=["r1@x"]),
        # 2: great-grandchild, grandchild, root, child (each naming only its parent)
        _mail("gg2@x", "dan@x.org", d.format(13), to="bob@x.org", irt="g2@x"),
        _mail("g2@x", "cat@x.org", d.format(12), to="bob@x.org", irt="c2@x"),
        _mail("r2@x", "ann@x.org", d.format(10), to="bob@x.org"),
        _mail("c2@x", "bob@x.org", d.format(11), to="ann@x.org", irt="r2@x"),
        # 3: two branches below a child that comes last, the root in between
        _mail("a3@x", "cat@x.org", d.format(12), to="bob@x.org", irt="c3@x"),
        _mail("r3@x", "ann@x.org", d.format(10), to="bob@x.org"),
        _mail("b3@x", "dan@x.org", d.format(13), to="bob@x.org", irt="c3@x"),
        _mail("c3@x", "bob@x.org", d.format(11), to="ann@x.org", irt="r3@x"),
        # a message of its own
        _mail("lone@x", "eve@x.org", d.format(9), to="bob@x.org"),
    ]))
    want = [("a3@x", "r3@x"), ("b3@x", "r3@x"), ("c1@x", "r1@x"), ("c2@x", "r2@x"), ("c3@x", "r3@x"),
            ("g1@x", "r1@x"), ("g2@x", "r2@x"), ("gg2@x", "r2@x"), ("lone@x", "lone@x"), ("r1@x", "r1@x"),
            ("r2@x", "r2@x"), ("r3@x", "r3@x")]
    for mode in ("objects", "pool"):
        assert _threads_of(tmp_path, box, mode, monkeypatch) == want, mode
    # .eml files of one folder, read in name order: grandchild, root, child
    folder = tmp_path / "eml"
    folder.mkdir()
    for name, text in [("1.eml", _mail("g@x", "cat@x.org", d.format(12), irt="c@x")),
                       ("2.eml", _mail("r@x", "ann@x.org", d.format(10))),
                       ("3.eml", _mail("c@x", "bob@x.org", d.format(11), irt="r@x"))]:
        (folder / name).write_text(text.split("\n", 1)[1])  # no mbox "From " line
    assert _threads_of(tmp_path, folder, "objects", monkeypatch) == [("c@x", "r@x"), ("g@x", "r@x"), ("r@x", "r@x")]


def test_mailing_list_archive_makes_nobody_you(tmp_path, store, import_path):
    """A list archive: 12 posts by 4 people, Ann the busiest (6). With List-Id, and with the list
    headers stripped as list archives publish them, nobody becomes "you"."""
    senders = ["ann@x.org"] * 6 + ["bob@x.org"] * 3 + ["cat@x.org"] * 2 + ["dan@x.org"]
    posts = [(f"p{i}@x", s, f"Mon, {i + 1} Jan 2024 09:00:00 +0000") for i, s in enumerate(senders)]
    listed = tmp_path / "team-list.mbox"
    listed.write_text("".join(_mail(m, s, d, to="team@lists.x.org",
                                    extra="List-Id: Team <team.lists.x.org>") for m, s, d in posts))
    stripped = tmp_path / "2024-January.txt"
    stripped.write_text("".join(_mail("s" + m, s, d) for m, s, d in posts))
    for box in (listed, stripped):
        r = import_path(box)
        assert (r.format, r.added, r.errors) == ("mbox", 12, 0), box.name
        assert rows(store, "SELECT count(*) FROM me") == [(0,)], box.name


def test_personal_mailbox_you_is_who_writes_and_is_written_to(tmp_path, store, import_path):
    """The same rule on a personal mailbox: Bob sent 2 and received 4 personal mails (6 of 7);
    the list post he also received does not count; Ann sent 3 but was written to once."""
    box = tmp_path / "Inbox"
    box.write_text("".join([
        _mail("1@x", "ann@x.org", "Mon, 1 Jan 2024 09:00:00 +0000", to="bob@x.org"),
        _mail("2@x", "ann@x.org", "Mon, 1 Jan 2024 10:00:00 +0000", to="bob@x.org"),
        _mail("3@x", "ann@x.org", "Mon, 1 Jan 2024 11:00:00 +0000", to="bob@x.org"),
        _mail("4@x", "cat@x.org", "Mon, 1 Jan 2024 12:00:00 +0000", to="bob@x.org"),
        _mail("5@x", "bob@x.org", "Mon, 1 Jan 2024 13:00:00 +0000", to="ann@x.org"),
        _mail("6@x", "bob@x.org", "Mon, 1 Jan 2024 14:00:00 +0000", to="cat@x.org"),
        _mail("7@x", "dan@x.org", "Mon, 1 Jan 2024 15:00:00 +0000", to="eve@x.org"),
        _mail("8@x", "ann@x.org", "Mon, 1 Jan 2024 16:00:00 +0000", to="team@lists.x.org",
              extra="List-Id: <team.lists.x.org>"),
    ]))
    r = import_path(box)
    assert (r.added, r.errors) == (8, 0)
    assert rows(store, "SELECT value, evidence FROM me") == [("bob@x.org", "writes and is written to most in Inbox")]


def test_list_mail_rewritten_against_dmarc_is_from_its_author(store, import_path):
    """Our own list archive: Mailman 3's rewritten From ("<name> via <list>", the author in Reply-To,
    or in Cc when replies go to the list), Google Groups' ("'<name>' via <group>", X-Original-Sender),
    RFC 5703 Original-From; the author is the actor, not the list, and no recipient of their own
    mail. Where the list gives no address of the author the list's address stays (nothing guessed)."""
    r = import_path(FIXTURES / "dmarc-munged.mbox")
    assert (r.added, r.errors) == (5, 0)
    got = rows(store, """SELECT i.native_id, a.value, a.display_name,
        list(p.value || ':' || ip.role ORDER BY p.value) FROM interactions i JOIN identities a ON a.id = i.actor_id
        JOIN interaction_participants ip ON ip.interaction_id = i.id JOIN identities p ON p.id = ip.identity_id
        GROUP BY 1, 2, 3 ORDER BY 1""")
    assert got == [
        ("m1@example.org", "ada@example.org", "Ada Lovelace", ["book-club@lists.example.org:recipient"]),
        ("m2@example.net", "grace@example.net", "Grace Hopper", ["book-club@lists.example.org:recipient"]),
        ("m3@example.com", "alan@example.com", "Alan Turing", ["chess-club@googlegroups.com:recipient"]),
        ("m4@example.nl", "edsger@example.nl", "Edsger Dijkstra", ["book-club@lists.example.org:recipient"]),
        ("m5@example.org", "book-club@lists.example.org", "Barbara Liskov via Book-club",
         ["book-club@lists.example.org:recipient"]),
    ]
    assert rows(store, "SELECT count(*) FROM me") == [(0,)]  # a list archive makes nobody "you"
