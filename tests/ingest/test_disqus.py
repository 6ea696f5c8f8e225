"""Disqus XML comments (format "disqus")."""

from pathlib import Path

from tests.conftest import ACTOR_SQL as ACTOR, RECIPIENTS_SQL as RECIPIENTS, read_records, rows, stored
from closeknit.ingest.records import Interaction

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "blog"


def test_sample_isso_disqus(shared, store, import_path):
    p = shared / "formats" / "blog-comments" / "disqus.xml"
    r = import_path(p)
    assert r.format == "disqus"
    # 3 threads, 6 posts: post 9 is deleted (skipped); none is spam
    # identities: 2 addresses, the thread author's username, and the usernames shown with an address
    assert (r.added, r.present, r.errors, r.identities) == (5, 0, 0, 5)
    assert rows(store, f"SELECT native_id, {ACTOR}, thread_id, reply_to IS NOT NULL, text FROM interactions ORDER BY native_id") == [
        ("post:11", "email:email:foo@bar.com", "disqus:http://example.org/", True, "Hello, World."),  # reply to the deleted post 9
        ("post:4", "email:email:foo@bar.com", "disqus:http://example.org/", False, "..."),
        ("post:5", "email:email:foo@bar.com", "disqus:http://example.org/", True, "Hello, World."),
        ("post:6", "email:email:foo@bar.com", "disqus:thread:1337", False, "..."),  # orphan: thread gone
        ("post:8", "email:email:baz@email.foo", "disqus:http://localhost:4000/blog/2013/02/12/redacted/index.html", False,
         "Message from thread with empty title and id"),
    ]
    # the thread author of thread 7 is a Disqus user; everything else is foo@bar.com talking to itself
    assert rows(store, RECIPIENTS) == [("post:8", "disqus:handle:redacted")]
    assert rows(store, "SELECT DISTINCT kind, channel, visibility FROM interactions") == [("comment", "blog", "public")]
    # users shown with email and username: linked, so 3 people
    assert rows(store, "SELECT count(*) FROM identity_links WHERE confidence = 1.0") == [(2,)]
    assert rows(store, "SELECT count(*) FROM people") == [(3,)]
    again = import_path(p, force=True)
    assert (again.added, again.present) == (0, 5)


def test_fixture_disqus(store, import_path):
    r = import_path(FIX / "disqus-2024.xml")
    # 6 posts: one spam skipped, one with an unreadable date; one reply comes before its parent
    # and one post before its thread: both resolved at the end
    assert (r.added, r.present, r.errors) == (4, 0, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [("disqus-2024.xml post 6", "unreadable createdAt 'yesterday'")]
    assert rows(store, RECIPIENTS) == [
        ("post:7001", "disqus:handle:rosag"),  # the thread's author
        ("post:7002", "disqus:handle:benj"),  # the parent's author
        ("post:7003", "email:email:rosa@garden.example.net"),  # parent listed later in the file
        ("post:7005", "email:email:rosa@garden.example.net"),  # thread listed later in the file
    ]
    assert rows(store, f"SELECT {ACTOR}, text FROM interactions WHERE native_id = 'post:7003'") == [("blog:name:Guest Gina", "Agreed with Ben")]
    assert rows(store, "SELECT text FROM interactions WHERE native_id = 'post:7001'") == [("Lovely & useful",)]
    # Rosa's email and Disqus username are one person
    assert rows(store, "SELECT count(DISTINCT person_id) FROM identities WHERE display_name = 'Rosa Gallica'") == [(1,)]
    assert rows(store, "SELECT count(*) FROM people") == [(3,)]
    assert import_path(FIX / "disqus-2024.xml", force=True).added == 0


# -- every spelling a Disqus export may use ---------------------------------------------------------

TRICKY_DISQUS = """<?xml version="1.0" encoding="utf-8"?>
<!-- hand-made: spellings a Disqus export may use -->
<disqus xmlns="http://disqus.com" xmlns:dsq="http://disqus.com/disqus-internals" xmlns:q="http://disqus.com/disqus-internals">
  <category dsq:id="1"><forum>f</forum><title>T</title></category>
  <post q:id=" 12 ">
    <message><![CDATA[<p>Reply &amp; <b>bold</b></p>]]> plus <i>raw <u>nested</u></i> tail &#233;</message>
    <createdAt> 2024-03-01T10:00:00Z </createdAt>
    <isDeleted>False</isDeleted><isSpam/>
    <author><name>Ann <!-- x -->Lee</name><email> ANN@example.org </email><username>annl</username><isAnonymous>false</isAnonymous></author>
    <thread dsq:id="100" />
    <parent dsq:id="11" />
  </post>
  <thread dsq:id="100">
    <id>t-100</id><link>https://blog.example.org/a/</link>
    <author><name>Owner</name><isAnonymous>false</isAnonymous><username>Owner1</username></author>
  </thread>
  <post dsq:id="11">
    <message>plain &lt;text&gt;</message>
    <createdAt>2024-03-01T09:00:00+01:00</createdAt>
    <isDeleted>0</isDeleted>
    <author><name>Guest</name><isAnonymous>true</isAnonymous><username>ignored</username></author>
    <thread dsq:id="100"/>
  </post>
  <post dsq:id="13"><message/><createdAt>2024-03-01T11:00:00Z</createdAt><isDeleted> TRUE </isDeleted>
    <author><name>Del</name></author><thread dsq:id="100"/></post>
  <post><message>no id <b>here</b></message></post>
  <post dsq:id="14"><createdAt>2024-03-02T00:00:00Z</createdAt><thread dsq:id="999"/>
    <author><email>ann@example.org</email><name>Ann Lee</name><username>annl</username></author>
    <parent dsq:id="13"/></post>
  <post dsq:id="15"><message>x</message><createdAt>soon</createdAt></post>
  UNDECLARED
</disqus>
"""


import pytest  # noqa: E402


@pytest.mark.parametrize("variant", ["plain", "undeclared_prefix", "doctype", "truncated"])
def test_tricky_spellings(tmp_path, store, import_path, variant):
    doc = TRICKY_DISQUS.replace("UNDECLARED", "")
    if variant == "undeclared_prefix":
        doc = TRICKY_DISQUS.replace("UNDECLARED", '<post u:id="16"><u:createdAt>2024-03-03T00:00:00Z</u:createdAt></post>')
    elif variant == "doctype":
        doc = doc.replace("<disqus ", "<!DOCTYPE disqus>\n<disqus ", 1)
    elif variant == "truncated":
        doc = doc[: doc.index('<post dsq:id="15">')]
    p = tmp_path / f"{variant}.xml"
    p.write_text(doc, encoding="utf-8")
    got = read_records(p, "disqus")
    r = import_path(p, "disqus")
    rows_ = {r.native_id: r for r in got if isinstance(r, Interaction)}
    if variant == "truncated":
        assert (r.added, r.errors) == (3, 2)
        return
    assert (r.added, r.errors, r.identities) == (4 if variant == "undeclared_prefix" else 3, 2, 5)
    assert rows(store, "SELECT location, error FROM import_errors ORDER BY 1") == [
        (f"{variant}.xml post 4", "post without dsq:id"),
        (f"{variant}.xml post 6", "unreadable createdAt 'soon'"),
    ]
    assert rows_["post:12"].text == "Reply & bold\n\nplus raw nested tail \u00e9"  # the paragraph is set off by a blank line
    assert rows_["post:11"].text == "plain"  # "&lt;text&gt;" is HTML markup once unescaped
    assert rows_["post:14"].text is None and rows_["post:14"].reply_to == "post:13"
    assert str(rows_["post:11"].ts) == "2024-03-01 08:00:00+00:00"
    assert rows(store, f"SELECT native_id, {ACTOR}, thread_id FROM interactions ORDER BY 1")[:3] == [
        ("post:11", "blog:name:Guest", "disqus:https://blog.example.org/a/"),
        ("post:12", "email:email:ann@example.org", "disqus:https://blog.example.org/a/"),
        ("post:14", "email:email:ann@example.org", "disqus:thread:999"),
    ]
    assert rows(store, RECIPIENTS)[:3] == [
        ("post:11", "disqus:handle:owner1"),  # the thread's author
        ("post:12", "blog:name:Guest"),  # the parent's author, listed later in the file
        ("post:14", "blog:name:Del"),  # the deleted parent's author
    ]
    assert rows(store, "SELECT count(*) FROM identity_links") == [(1,)]


# -- big exports parsed in pieces by worker processes (xmlsafe.iter_converted_pieces) -------------------

def _big_disqus(n: int, variant: str) -> str:
    """TRICKY_DISQUS's threads and posts ``n`` times over (other ids, names that change)."""
    doc = TRICKY_DISQUS.replace("UNDECLARED", "")
    head, rest = doc.split("  <post", 1)
    body, tail = ("  <post" + rest).rsplit("</disqus>", 1)
    out = [head]
    for k in range(n):
        copy = body
        for old in ("12", "11", "13", "14", "15", "100", "999"):
            copy = copy.replace(f'id="{old}"', f'id="{k}{old}"').replace(f'id=" {old} "', f'id=" {k}{old} "')
        copy = copy.replace("Ann <!-- x -->Lee", f"Ann {k % 3}")
        if variant == "post_in_cdata" and k == 5:
            copy = copy.replace("<b>bold</b></p>]]>", "<b>bold</b></p>\n  <post dsq:id='x'>]]>")
        out.append(copy)
    text = "".join(out) + "</disqus>" + tail
    if variant == "minified":  # no indentation: a post's own <thread> looks like a cut
        text = "".join(line.strip() for line in text.splitlines())
    return text


@pytest.mark.parametrize("variant, in_pieces", [("plain", True), ("post_in_cdata", False), ("minified", False)])
def test_pieces_in_workers_store_what_one_process_stores(tmp_path, monkeypatch, variant, in_pieces):
    from closeknit.ingest import xmlsafe
    from closeknit.ingest.formats import blog

    p = tmp_path / "big.xml"
    p.write_text(_big_disqus(30, variant), encoding="utf-8")
    monkeypatch.setattr(blog, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(blog, "PIECE_BYTES", 1)  # a cut before every top-level <post> and <thread>
    returned = []
    real = xmlsafe._pieces

    def spy(*a):
        got = yield from real(*a)
        returned.append(got)
        return got

    monkeypatch.setattr(xmlsafe, "_pieces", spy)
    monkeypatch.setenv("CLOSEKNIT_BLOG_WORKERS", "2")
    pieces = stored(p, tmp_path / "pieces.duckdb", "disqus")
    monkeypatch.setenv("CLOSEKNIT_BLOG_WORKERS", "0")
    one = stored(p, tmp_path / "one.duckdb", "disqus")
    assert pieces == one
    assert (returned == [None]) == in_pieces and len(returned) == 1  # None: read to the end in pieces
    interactions, recipients, identities, errors, links = one
    assert len(interactions) == 30 * 3 and len(errors) == 30 * 2
    # the last name first met wins: Ann 0, Ann Lee (copy 0), Ann 1, Ann 2; later copies bring nothing new
    assert ("email", "email", "ann@example.org", "Ann 2") in identities


def test_author_key_keeps_the_fields_apart():
    """An author element is keyed by one string (cheap to hash and to send from a worker); the
    fields read back from it are those of the element, first occurrence of a name winning."""
    from xml.etree.ElementTree import fromstring

    from closeknit.ingest.formats.blog import _author_key, _pair_fields

    el = fromstring("<author xmlns:d='urn:d'><d:name> Ada \u00e9 </d:name><email>a@x</email><name>second</name><username/></author>")
    key = _author_key(el)
    assert _pair_fields(key) == {"name": "Ada \u00e9", "email": "a@x", "username": ""}
    el[0].text = "A\x1fB\x1eC"  # separators in a text (possible in XML 1.1) cannot split a field
    assert _pair_fields(_author_key(el)) == {"name": "A\ufffdB\ufffdC", "email": "a@x", "username": ""}
