"""One record over the limit (``core/files.MAX_RECORD_BYTES``, 16 MiB) is reported and skipped, the
records around it are read, and memory stays bounded (issue 16).

The hostile exports are built here just over the limit; ``benchmarks/hostile.py`` writes the same
shapes at any size (a 1 GiB tweet, a 512 MiB comment, a 2 GiB SMS body) for measuring.
"""

from __future__ import annotations

import base64
import io
import json
import random
import zipfile
from zlib import crc32
from pathlib import Path
from typing import IO

import pytest

from closeknit.core.files import MAX_RECORD_BYTES, RecordTooBig, too_big
from closeknit.ingest.formats._dyi import JsonCursor, JsonItemTooBig, JsonStreamError
from closeknit.ingest.xmlsafe import cut_pieces, iter_converted, iter_elements
from tests.conftest import rows

LIMIT = MAX_RECORD_BYTES
_STEP = 1 << 20


# -- the hostile exports (also written, at any size, by benchmarks/hostile.py)

def fill(f: IO[bytes], size: int) -> None:
    """``size`` bytes of letters; 6 KiB of them random per MiB, so that deflate shrinks them about
    190 times, under the zip reader's bomb limit (200), like the issue's 5.6 MB zip of a 1 GiB tweet."""
    noise = base64.b64encode(random.Random(0).randbytes(4608)).replace(b"+", b"a").replace(b"/", b"b")
    block = (noise + b"y" * _STEP)[:_STEP]
    left = size
    while left > 0:
        f.write(block[: min(left, _STEP)])
        left -= _STEP


def _tweet(tid: str, text: str) -> bytes:
    return (b'{\n  "tweet" : {\n    "id_str" : "%s",\n    "created_at" : "Tue Jan 29 19:52:35 +0000 2019",\n'
            b'    "entities" : { "user_mentions" : [ ] },\n    "full_text" : "' % tid.encode() + text.encode())


def write_tweets(out: IO[bytes], size: int) -> None:
    """``data/tweet.js`` as X writes it: tweets 1 and 3 small, tweet 2's text ``size`` bytes."""
    out.write(b"window.YTD.tweet.part0 = [ ")
    out.write(_tweet("1", "first") + b'"\n  }\n}, ')
    out.write(_tweet("2", ""))
    fill(out, size)
    out.write(b'"\n  }\n}, ' + _tweet("3", "third") + b'"\n  }\n} ]\n')


def write_wxr(out: IO[bytes], size: int) -> None:
    """A WordPress export: three posts with one comment each, the second comment ``size`` bytes."""
    out.write(b'<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/">\n'
              b"<channel>\n\t<title>Huge</title>\n\t<link>https://huge.example.net</link>\n"
              b"\t<wp:base_blog_url>https://huge.example.net</wp:base_blog_url>\n")
    for n in (1, 2, 3):
        out.write(b"\t<item>\n\t\t<title>Post %d</title>\n\t\t<link>https://huge.example.net/?p=%d</link>\n"
                  b"\t\t<wp:post_id>%d</wp:post_id>\n\t\t<wp:comment>\n\t\t\t<wp:comment_id>%d</wp:comment_id>\n"
                  b"\t\t\t<wp:comment_author>Reader %d</wp:comment_author>\n"
                  b"\t\t\t<wp:comment_author_email>reader%d@example.org</wp:comment_author_email>\n"
                  b"\t\t\t<wp:comment_date_gmt>2024-02-0%d 10:00:00</wp:comment_date_gmt>\n"
                  b"\t\t\t<wp:comment_content>" % (n, n, n, 100 + n, n, n, n))
        if n == 2:
            fill(out, size)
        else:
            out.write(b"comment %d" % n)
        out.write(b"</wp:comment_content>\n\t\t\t<wp:comment_approved>1</wp:comment_approved>\n"
                  b"\t\t</wp:comment>\n\t</item>\n")
    out.write(b"</channel>\n</rss>\n")


def write_sms(out: IO[bytes], size: int) -> None:
    """An SMS Backup & Restore file: three messages, the second one's body ``size`` bytes."""
    out.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<smses count="3">\n')
    for n in (1, 2, 3):
        out.write(b'<sms protocol="0" address="+14155550101" date="170928000%d000" type="1" read="1" body="' % n)
        if n == 2:
            fill(out, size)
        else:
            out.write(b"message %d" % n)
        out.write(b'" />\n')
    out.write(b"</smses>\n")


_META_HEAD = b'{"participants":[{"name":"Ada Lovelace"},{"name":"Owen Owner"}],"messages":['
_META_TAIL = b'],"title":"Ada Lovelace","is_still_participant":true,"thread_type":"Regular","thread_path":"inbox/ada_1"}'
_META_BIG = b'{"sender_name":"Ada Lovelace","timestamp_ms":2000,"type":"Generic","content":"'


def _meta_msg(ts: int, text: str) -> dict:
    return {"sender_name": "Ada Lovelace", "timestamp_ms": ts, "content": text, "type": "Generic"}


def write_messenger(out: IO[bytes], size: int) -> None:
    """A Messenger thread file: three messages (newest first, as Meta writes them), the second one's text ``size`` bytes."""
    out.write(_META_HEAD + json.dumps(_meta_msg(3000, "newest"), separators=(",", ":")).encode() + b"," + _META_BIG)
    fill(out, size)
    out.write(b'"},' + json.dumps(_meta_msg(1000, "oldest"), separators=(",", ":")).encode() + _META_TAIL)


def write(kind: str, size: int, path: Path) -> Path:
    """The hostile export ``kind`` (tweet: a zip; comment, sms: XML; messenger: a folder holding one
    thread file) with its huge record ``size`` bytes."""
    if kind == "messenger":
        (path / "messages" / "inbox" / "ada_1").mkdir(parents=True, exist_ok=True)
        with open(path / "messages" / "inbox" / "ada_1" / "message_1.json", "wb") as f:
            write_messenger(f, size)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "tweet":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("data/tweet.js", "w", force_zip64=True) as f:
            write_tweets(f, size)
    else:
        with open(path, "wb") as f:
            (write_wxr if kind == "comment" else write_sms)(f, size)
    return path


# -- the importers

def errors(store) -> list[tuple]:
    return rows(store, "SELECT location, error FROM import_errors ORDER BY location")


def test_a_tweet_over_the_limit_is_reported_and_the_others_kept(tmp_path, store, import_path):
    r = import_path(write("tweet", LIMIT + 1, tmp_path / "x.zip"))
    assert (r.format, r.added, r.errors) == ("twitter", 2, 1)
    assert rows(store, "SELECT native_id, text FROM interactions ORDER BY 1") == [("tweet:1", "first"), ("tweet:3", "third")]
    size = len(_tweet("2", "")) + LIMIT + 1 + len(b'"\n  }\n}')
    assert errors(store) == [("data/tweet.js item 1", too_big("the item", size))]


def test_a_tweet_just_under_the_limit_is_read(tmp_path, store, import_path):
    r = import_path(write("tweet", LIMIT - 300, tmp_path / "x.zip"))
    assert (r.added, r.errors) == (3, 0)
    assert rows(store, "SELECT length(text) FROM interactions WHERE native_id = 'tweet:2'") == [(LIMIT - 300,)]


def test_a_tweet_over_the_limit_in_a_file_on_one_line_is_stepped_over(tmp_path, store, import_path):
    # no line breaks: no item boundary is visible, the file is read item by item (JsonCursor)
    items = [{"tweet": {"id_str": str(n), "created_at": "Tue Jan 29 19:52:35 +0000 2019", "full_text": text}}
             for n, text in ((1, "first"), (2, "y" * (3 * LIMIT)), (3, "third"))]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "tweet.js").write_text("window.YTD.tweet.part0 = " + json.dumps(items, separators=(",", ":")))
    r = import_path(tmp_path, "twitter")
    assert (r.added, r.errors) == (2, 1)
    size = len(json.dumps(items[1], separators=(",", ":")))
    assert errors(store) == [("data/tweet.js item 1", too_big("the item", size, "characters"))]


def _extent(path: Path, start: bytes, end: bytes, nth: int = 2) -> int:
    """The size of the ``nth`` element from ``start`` to ``end`` in ``path``."""
    data = path.read_bytes()
    at = -1
    for _ in range(nth):
        at = data.index(start, at + 1)
    return data.index(end, at) + len(end) - at


def test_a_wordpress_comment_over_the_limit_is_reported_and_the_others_kept(tmp_path, store, import_path):
    xml = write("comment", LIMIT + 1, tmp_path / "wxr.xml")
    r = import_path(xml)
    assert (r.format, r.added, r.errors) == ("wordpress", 2, 1)
    assert rows(store, "SELECT text FROM interactions ORDER BY 1") == [("comment 1",), ("comment 3",)]
    # the <item> holding the comment is the record
    size = _extent(xml, b"<item>", b"</item>")
    assert errors(store) == [("wxr.xml line 20", "wxr.xml: " + too_big("the <item> of line 20", size))]


def test_a_disqus_post_over_the_limit_is_reported_and_the_others_kept(tmp_path, store, import_path):
    xml = tmp_path / "disqus.xml"
    with open(xml, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
                b'xmlns:dsq="http://disqus.com/disqus-internals">\n'
                b'<thread dsq:id="7"><link>https://blog.example.net/a</link></thread>\n')
        for n in (1, 2, 3):
            f.write(b'<post dsq:id="%d"><message><![CDATA[' % n)
            fill(f, LIMIT) if n == 2 else f.write(b"post %d" % n)
            f.write(b']]></message><createdAt>2024-03-01T10:00:0%dZ</createdAt><isDeleted>false</isDeleted>'
                    b'<isSpam>false</isSpam><author><name>Reader %d</name><username>reader%d</username></author>'
                    b'<thread dsq:id="7"/></post>\n' % (n, n, n))
        f.write(b"</disqus>\n")
    r = import_path(xml)
    assert (r.format, r.added, r.errors) == ("disqus", 2, 1)
    assert rows(store, "SELECT text FROM interactions ORDER BY 1") == [("post 1",), ("post 3",)]
    size = _extent(xml, b"<post ", b"</post>")
    assert errors(store) == [("disqus.xml line 5", "disqus.xml: " + too_big("the <post> of line 5", size))]


# -- the readers underneath

def _doc(big: int) -> bytes:
    return (b"<r>\n<rec n='1'>a</rec>\n<rec n='2'><rec n='inner'/><x>" + b"z" * big + b"</x><rec n='i2'/></rec>\n"
            b"<rec n='3'>c</rec>\n</r>")


@pytest.mark.parametrize("big, chunk", [(LIMIT, 1 << 20), (LIMIT, 4096), (3 * LIMIT, 1 << 20)])
def test_expat_skips_an_element_over_the_limit(big, chunk):
    got = list(iter_elements(io.BytesIO(_doc(big)), ["rec"], name="d.xml", chunk=chunk))
    assert [el.get("n") for el in got if not isinstance(el, RecordTooBig)] == ["1", "3"]
    bad = got[1]
    assert isinstance(bad, RecordTooBig)
    size = len(b"<rec n='2'><rec n='inner'/><x></x><rec n='i2'/></rec>") + big
    assert (bad.line, bad.size, str(bad)) == (3, size, "d.xml: " + too_big("the <rec> of line 3", size))


def test_expat_keeps_an_element_at_the_limit():
    head = len(b"<rec n='2'><rec n='inner'/><x></x><rec n='i2'/></rec>")
    got = list(iter_elements(io.BytesIO(_doc(LIMIT - head)), ["rec"]))
    assert [el.get("n") for el in got] == ["1", "2", "3"]


def test_iter_converted_passes_a_record_over_the_limit_on():
    got = list(iter_converted(lambda: io.BytesIO(_doc(LIMIT)), ["rec"], lambda el: el.get("n"), name="d.xml"))
    assert got[0] == "1" and isinstance(got[1], RecordTooBig) and got[2] == "3" and len(got) == 3


def test_pieces_stop_before_a_piece_over_the_limit():
    body = b"<i>a</i>" * 1000 + b"<i>" + b"z" * LIMIT + b"</i>" + b"<i>b</i>"
    pieces = list(cut_pieces(io.BytesIO(body), b"", lambda buf, start: buf.find(b"<i>", start), piece_bytes=4096))
    # the piece after the first runs past the limit: not read; the caller reads the document itself
    assert pieces == [(body[:4096], False), (None, True)]


def _items(data: bytes) -> list:
    cur, out = JsonCursor(io.BytesIO(data)), []
    try:
        for _ in cur.array():
            try:
                v = cur.value()
                out.append(v if len(repr(v)) < 100 else ("long", len(repr(v))))
            except JsonItemTooBig as e:
                out.append(("too big", e.size))
    except JsonStreamError as e:
        out.append(("error", str(e)))
    return out


def test_json_cursor_steps_over_an_item_over_the_limit():
    # strings with escaped quotes and brackets, a nested list: only strings and brackets are followed
    big = b'{"a": "' + b"x" * (2 * LIMIT) + b'\\" ] }", "b": [1, {"c": "]"}]}'
    nested = b'[[{"a": 1}], "' + b"x" * LIMIT + b'", 2]'
    assert _items(b'[{"n": 1}, ' + big + b', {"n": 2}, ' + nested + b', {"n": 3}]') == [
        {"n": 1}, ("too big", len(big)), {"n": 2}, ("too big", len(nested)), {"n": 3}]
    # one chunk over the limit: decoded, then refused all the same
    just = b'{"a": "' + b"x" * LIMIT + b'"}'
    assert _items(b"[" + just + b', {"n": 2}]') == [("too big", len(just)), {"n": 2}]
    at = b'{"a": "' + b"x" * (LIMIT - 9) + b'"}'
    assert len(at) == LIMIT and _items(b"[" + at + b"]") == [("long", len(repr({"a": "x" * (LIMIT - 9)})))]


def test_json_cursor_still_says_not_json_for_a_broken_item():
    filler = b", ".join([b'{"k": "' + b"z" * 1000 + b'"}'] * 20000)
    assert _items(b'[{"n": 1}, {"n": ], ' + filler + b"]") == [{"n": 1}, ("error", "character 11: not JSON (Expecting value)")]
    assert _items(b'[{"n": 1}, {"n": "' + b"z" * (2 * LIMIT)) == [
        {"n": 1}, ("error", "character 11: not JSON (Unterminated string starting at)")]


# -- SMS and call backups: a record is one token (attributes) or an <mms>; expat cannot drop a
#    token it holds, so xmlsafe.feed reads the raw bytes on to the record's end and resumes

def _sms(n: int, body: bytes, close: bytes = b" />") -> bytes:
    return b'<sms protocol="0" address="+14155550101" date="170928000%d000" type="1" read="1" body="' % n + body + b'"' + close


def _sms_of_size(n: int, size: int) -> bytes:
    return _sms(n, b"y" * (size - len(_sms(n, b""))))


def _sms_file(path: Path, *records: bytes) -> Path:
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<smses count="%d">\n' % len(records)
                     + b"".join(r + b"\n" for r in records) + b"</smses>\n")
    return path


def _texts(store) -> list[tuple]:
    return rows(store, "SELECT native_id, text FROM interactions ORDER BY ts")


def test_an_sms_one_byte_over_the_limit_is_skipped_and_the_rest_read(tmp_path, store, import_path):
    # the production limit: the <sms .../> of line 4 is LIMIT + 1 bytes, the one after it exactly LIMIT
    xml = _sms_file(tmp_path / "sms.xml", _sms(1, b"first"), _sms_of_size(2, LIMIT + 1), _sms_of_size(3, LIMIT), _sms(4, b"fourth"))
    r = import_path(xml)
    assert (r.format, r.added, r.errors) == ("sms", 3, 1)
    kept = b"y" * (LIMIT - len(_sms(3, b"")))
    assert _texts(store) == [(f"sms:170928000{n}000:1:+14155550101:{crc32(body):08x}", body.decode())
                             for n, body in ((1, b"first"), (3, kept), (4, b"fourth"))]
    assert errors(store) == [("sms.xml sms 2", too_big("the <sms> of line 4", LIMIT + 1))]


@pytest.fixture
def small_limit(monkeypatch):
    """The limit lowered to 1,000 bytes (the production limit is tested above), read in small chunks."""
    from closeknit.ingest import xmlsafe
    from closeknit.ingest.formats import smsbackup

    def use(chunk: int) -> None:
        monkeypatch.setattr(xmlsafe, "MAX_RECORD_BYTES", 1000)
        monkeypatch.setattr(smsbackup._XmlPhoneImporter, "chunk", chunk)
    return use


@pytest.mark.parametrize("chunk", [7, 100, 999, 1000, 1 << 20])
def test_sms_records_over_the_limit_are_skipped_wherever_the_chunks_end(tmp_path, store, import_path, small_limit, chunk):
    small_limit(chunk)
    mms = (b'<mms date="1709280005000" msg_box="1" address="+14155550102" m_id="big">\n<parts>'
           b'<part ct="text/plain" text="' + b"a>b'/>" * 300 + b'"/></parts><addrs/></mms>')
    xml = _sms_file(
        tmp_path / "sms.xml",
        _sms(1, b"first"),
        _sms_of_size(2, 1001),                                       # line 4: one byte over
        _sms_of_size(3, 1000),                                       # at the limit: kept
        _sms(4, b"x" * 1000, b"><extra/></sms>"),                    # line 6: an <sms> with children
        mms,                                                         # lines 7-8: an <mms> holding a big part
        b"<!-- " + b"c" * 2000 + b" -->",                            # line 9: a comment (not a record)
        b"<group>\n" + _sms(6, b"z" * 1500) + b"\n</group>",         # lines 10-12: inside another element
        _sms(7, b"last"),
    )
    r = import_path(xml)
    assert (r.added, r.errors) == (3, 5)
    assert [(nid.split(":")[1], t if len(t) < 10 else len(t)) for nid, t in _texts(store)] == [
        ("1709280001000", "first"), ("1709280003000", 1000 - len(_sms(3, b""))), ("1709280007000", "last")]
    assert errors(store) == sorted([
        ("sms.xml sms 2", too_big("the <sms> of line 4", 1001)),
        ("sms.xml sms 4", too_big("the <sms> of line 6", len(_sms(4, b"x" * 1000, b"><extra/></sms>")))),
        ("sms.xml mms 5", too_big("the <mms> of line 7", len(mms))),
        ("sms.xml line 9", too_big("the comment of line 9", 2009)),
        ("sms.xml sms 6", too_big("the <sms> of line 11", len(_sms(6, b"z" * 1500)))),
    ])


def test_a_call_over_the_limit_is_skipped_and_lines_are_counted_on(tmp_path, store, import_path, small_limit):
    small_limit(64)
    call = b'<call number="+14155550101" duration="%d" date="170928000%d000" type="1" contact_name="%s" />\n'
    xml = tmp_path / "calls.xml"
    xml.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<calls count="4">\n' + call % (10, 1, b"Ann")
                    + call % (20, 2, b"A\n" * 600) + call % (30, 3, b"Ann") + b'<call date="x" & />\n</calls>\n')
    r = import_path(xml)
    assert (r.format, r.added, r.errors) == ("calls", 2, 2)
    assert rows(store, "SELECT duration_s FROM interactions ORDER BY ts") == [(10.0,), (30.0,)]
    # the call of line 4 spans 601 lines (to 604), the third is on line 605, the broken one on 606
    assert errors(store) == [
        ("calls.xml call 2", too_big("the <call> of line 4", len(call % (20, 2, b"A\n" * 600)) - 1)),
        ("calls.xml line 606", "calls.xml: XML is not well-formed (not well-formed (invalid token), line 606); stopped reading this file here"),
    ]


def test_an_sms_running_to_the_end_of_the_file_is_reported(tmp_path, store, import_path, small_limit):
    small_limit(64)
    xml = tmp_path / "sms.xml"
    xml.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n<smses count="2">\n' + _sms(1, b"first") + b"\n"
                    + _sms(2, b"y" * 5000, b"><parts>"))
    r = import_path(xml)
    assert (r.added, r.errors) == (1, 1)
    assert errors(store) == [("sms.xml sms 2", too_big("the <sms> of line 4", None))]


# -- JSON documents: Telegram and Mastodon read on after an item over the limit; Messenger /
#    Instagram and Mastodon's actor read a document whole only up to MAX_DOCUMENT_BYTES

def _compact(v) -> str:
    return json.dumps(v, separators=(",", ":"))


def test_telegram_reads_on_after_a_message_over_the_limit(tmp_path, store, import_path):
    def msg(n: int, text: str) -> dict:
        return {"id": n, "type": "message", "date": "2024-03-01T12:00:00", "date_unixtime": str(1709294400 + n),
                "from": "Ada Lovelace", "from_id": "user2001", "text": text}
    big = msg(2, "y" * LIMIT)
    doc = {"chats": {"list": [
        {"name": "Ada Lovelace", "type": "personal_chat", "id": 2001, "messages": [msg(1, "first"), big, msg(3, "third")]},
        {"name": "Ada Lovelace", "type": "personal_chat", "id": 2002, "messages": [msg(4, "other chat")]}]}}
    (tmp_path / "result.json").write_text(_compact(doc))
    r = import_path(tmp_path / "result.json", "telegram")
    assert (r.added, r.errors) == (3, 1)
    assert rows(store, "SELECT text FROM interactions ORDER BY ts") == [("first",), ("third",), ("other chat",)]
    assert errors(store) == [("result.json chat 2001 item 1", too_big("the message", len(_compact(big)), "characters"))]


def test_mastodon_reads_on_after_an_activity_over_the_limit(tmp_path, store, import_path):
    me = "https://social.example/users/owen"

    def note(n: int, text: str) -> dict:
        return {"id": f"{me}/statuses/{n}/activity", "type": "Create", "actor": me, "published": f"2024-01-0{n}T10:00:00Z",
                "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [],
                "object": {"id": f"{me}/statuses/{n}", "type": "Note", "published": f"2024-01-0{n}T10:00:00Z",
                           "content": f"<p>{text}</p>", "tag": []}}
    big = note(2, "y" * LIMIT)
    with zipfile.ZipFile(tmp_path / "archive.zip", "w") as zf:
        zf.writestr("actor.json", _compact({"id": me, "type": "Person", "preferredUsername": "owen"}))
        zf.writestr("outbox.json", _compact({"type": "OrderedCollection", "orderedItems": [note(1, "first"), big, note(3, "third")]}))
        zf.writestr("likes.json", _compact({"orderedItems": ["https://other.example/users/ada/statuses/7", "y" * (LIMIT + 1),
                                                             "https://other.example/users/ada/statuses/8"]}))
    r = import_path(tmp_path / "archive.zip")
    assert (r.format, r.added, r.errors) == ("mastodon", 4, 2)
    assert rows(store, "SELECT kind, text FROM interactions ORDER BY ts NULLS LAST, native_id") == [
        ("post", "first"), ("post", "third"), ("like", None), ("like", None)]
    assert errors(store) == [("likes.json item 1", too_big("the like", LIMIT + 3, "characters")),
                             ("outbox.json item 1", too_big("the activity", len(_compact(big)), "characters"))]


def _meta_thread(msgs: list) -> str:
    return ('{"participants":[{"name":"Ada Lovelace"},{"name":"Owen Owner"}],"messages":['
            + ",".join(m if isinstance(m, str) else _compact(m) for m in msgs)
            + '],"title":"Ada Lovelace","is_still_participant":true,"thread_type":"Regular","thread_path":"inbox/ada_1"}')


def test_a_messenger_file_over_the_document_limit_is_read_message_by_message(tmp_path, store, import_path, monkeypatch):
    from closeknit.ingest.formats import _dyi
    monkeypatch.setattr(_dyi, "MAX_DOCUMENT_BYTES", 1 << 20)  # the production limit: the test below
    write("messenger", LIMIT + 1, tmp_path)
    thread = tmp_path / "messages" / "inbox" / "ada_1"
    # a second file of small messages only, over the limit all the same: reported and skipped whole
    (thread / "message_2.json").write_text(_meta_thread([_meta_msg(500 + n, "z" * 1000) for n in range(1100)]))
    r = import_path(tmp_path, "messenger")
    assert (r.added, r.errors) == (2, 2)
    assert rows(store, "SELECT text FROM interactions ORDER BY ts") == [("oldest",), ("newest",)]
    assert errors(store) == [
        ("messages/inbox/ada_1/message_1.json message 1", too_big("the message", len(_META_BIG) + LIMIT + 3, "characters")),
        ("messages/inbox/ada_1/message_2.json", "not a readable message file (the file is over 1 MiB, the limit of one file "
         "of this kind read at once: skipped (real exports split their data into smaller files; check where it comes from))")]


def test_meta_documents_over_64_mib_are_reported_and_skipped(tmp_path, store, import_path):
    from closeknit.ingest.formats._dyi import MAX_DOCUMENT_BYTES
    assert MAX_DOCUMENT_BYTES == 64 << 20
    thread = tmp_path / "your_facebook_activity" / "messages" / "inbox" / "ada_1"
    thread.mkdir(parents=True)
    # in a file read whole, a text over the record limit is still one record too big
    (thread / "message_1.json").write_text(_meta_thread([_meta_msg(3000, "newest"), _meta_msg(2000, "y" * (LIMIT + 1))]))
    with open(tmp_path / "your_facebook_activity" / "profile_information.json", "wb") as f:
        f.write(b'{"profile_v2": {"name": {"full_name": "')
        f.truncate(MAX_DOCUMENT_BYTES + 1)
    r = import_path(tmp_path, "messenger")
    assert (r.added, r.errors) == (1, 2)
    assert errors(store) == [
        ("your_facebook_activity/messages/inbox/ada_1/message_1.json message 1", too_big("the message's text", LIMIT + 1, "characters")),
        ("your_facebook_activity/profile_information.json", "unreadable profile file (the file is over 64 MiB, the limit of one file "
         "of this kind read at once: skipped (real exports split their data into smaller files; check where it comes from))")]


def test_a_mastodon_actor_over_the_document_limit_is_reported(tmp_path, store, import_path, monkeypatch):
    from closeknit.ingest.formats import _dyi
    monkeypatch.setattr(_dyi, "MAX_DOCUMENT_BYTES", 1 << 20)
    me = "https://social.example/users/owen"
    with zipfile.ZipFile(tmp_path / "archive.zip", "w") as zf:
        zf.writestr("actor.json", _compact({"id": me, "type": "Person", "preferredUsername": "owen", "summary": "y" * (1 << 20)}))
        zf.writestr("outbox.json", _compact({"type": "OrderedCollection", "orderedItems": []}))
        zf.writestr("likes.json", _compact({"orderedItems": ["https://other.example/users/ada/statuses/7"]}))
    r = import_path(tmp_path / "archive.zip")
    assert (r.format, r.added, r.errors) == ("mastodon", 1, 1)
    assert errors(store) == [("actor.json", "unreadable actor file (the file is over 1 MiB, the limit of one file of this kind "
                                            "read at once: skipped (real exports split their data into smaller files; check where it comes from))")]


@pytest.mark.parametrize("chunk", [7, 100, 999, 1 << 20])
def test_expat_reads_on_after_a_token_over_the_limit(monkeypatch, chunk):
    """A start tag or a comment that expat would hold whole (limit lowered to 1,000 bytes): inside a
    record, the record goes up to its end tag; a record's own start tag, that record; outside every
    record, the token alone. Every other record is read, with the lines of the document."""
    from closeknit.ingest import xmlsafe

    monkeypatch.setattr(xmlsafe, "MAX_RECORD_BYTES", 1000)
    big = b"z" * 1500
    doc = (b"<r>\n<rec n='1'>a</rec>\n"
           b"<rec n='2'><x v='" + big + b"'/><y>b</y></rec>\n"  # a big start tag inside a record
           b"<rec n='3'>c</rec>\n"
           b"<!-- " + big + b" -->\n"  # a big comment outside the records
           b"<rec n='4' v='" + big + b"'><y>d</y></rec>\n"  # a record's own big start tag
           b"<meta v='" + big + b"'><rec n='5'>e</rec></meta>\n"  # a big start tag outside, a record inside it
           b"<rec n='6' v='" + big + b"'/>\n"  # an empty record's big start tag
           b"<rec n='7'>f</rec>\n</r>")
    got = list(iter_elements(io.BytesIO(doc), ["rec"], name="d.xml", chunk=chunk))
    assert [el.get("n") if not isinstance(el, RecordTooBig) else (el.line, el.size, str(el).split(" is ")[0])
            for el in got] == [
        "1",
        (3, len(b"<rec n='2'><x v=''/><y>b</y></rec>") + 1500, "d.xml: the <rec> of line 3"),
        "3",
        (5, len(b"<!--  -->") + 1500, "d.xml: the comment of line 5"),
        (6, len(b"<rec n='4' v=''><y>d</y></rec>") + 1500, "d.xml: the <rec> of line 6"),
        (7, len(b"<meta v=''>") + 1500, "d.xml: the <meta> start tag of line 7"),
        "5",
        (8, len(b"<rec n='6' v=''/>") + 1500, "d.xml: the <rec> of line 8"),
        "7"]
    assert [el.text for el in got if not isinstance(el, RecordTooBig)] == ["a", "c", "e", "f"]


def test_a_wordpress_comment_with_a_start_tag_over_the_limit_is_skipped_and_the_rest_read(tmp_path, store, import_path):
    """The production limit: a comment whose start tag carries an attribute over 16 MiB (text is never one
    token; an attribute is): that post is reported and skipped, the posts before and after are stored."""
    xml = write("comment", 10, tmp_path / "wxr.xml")
    data = xml.read_bytes()
    at = data.index(b"<wp:comment>", data.index(b"<item>", data.index(b"<item>") + 1))
    xml.write_bytes(data[:at] + b"<wp:comment x='" + b"y" * (LIMIT + 1) + b"'>" + data[at + len(b"<wp:comment>"):])
    r = import_path(xml)
    assert (r.format, r.added, r.errors) == ("wordpress", 2, 1)
    assert rows(store, "SELECT text FROM interactions ORDER BY 1") == [("comment 1",), ("comment 3",)]
    size = _extent(xml, b"<item>", b"</item>")  # the <item> holding the comment is the record
    assert size > LIMIT
    assert errors(store) == [("wxr.xml line 20", "wxr.xml: " + too_big("the <item> of line 20", size))]
