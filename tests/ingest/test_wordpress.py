"""WordPress WXR comments (format "wordpress")."""

from pathlib import Path

from tests.conftest import ACTOR_SQL as ACTOR, RECIPIENTS_SQL as RECIPIENTS, read_records, rows, stored
from closeknit.ingest.records import Interaction

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "blog"


def test_sample_isso_wordpress(shared, store, import_path):
    p = shared / "formats" / "blog-comments" / "wordpress.xml"
    r = import_path(p)
    assert r.format == "wordpress"
    # 8 comments (id 11 appears on two posts: two comments), 5 author names over 3 addresses;
    # the post author "Tester" has no <wp:author> entry: a handle
    assert (r.added, r.present, r.errors, r.identities) == (8, 0, 0, 4)
    assert rows(store, "SELECT count(DISTINCT thread_id), count(reply_to), count(*) FILTER (WHERE kind = 'comment') FROM interactions") == [(2, 3, 8)]
    assert rows(store, "SELECT DISTINCT channel, visibility FROM interactions") == [("blog", "public")]
    assert rows(store, f"SELECT {ACTOR}, ts::VARCHAR, text FROM interactions WHERE native_id = 'comment:|18|10'") == [
        ("email:email:multiline@example.org", "2022-06-06 02:13:14+00", "When you have a comment with multiple lines:\nWordPress exports it like this.")
    ]
    # 7 -> 6 and 8 -> 7 are Tester replying to Tester: no recipient; top-level ones go to the post author
    assert rows(store, RECIPIENTS) == [
        ("comment:|18|10", "wordpress:handle:tester"),
        ("comment:|18|11", "wordpress:handle:tester"),
        ("comment:|18|2", "wordpress:handle:tester"),
        ("comment:|18|6", "wordpress:handle:tester"),
    ]
    assert rows(store, "SELECT text FROM interactions WHERE native_id = 'comment:|18|7'") == [("Drölfter!",)]
    again = import_path(p, force=True)
    assert (again.added, again.present) == (0, 8)


def test_sample_theme_unit_test(shared, store, import_path):
    p = shared / "formats" / "blog-comments" / "theme-unit-test-data.xml"
    r = import_path(p)
    # 33 comments: 3 not approved (skipped); 2 pingbacks, 2 trackbacks; 10 nested of which 9 approved
    assert (r.added, r.present, r.errors) == (30, 0, 0)
    assert rows(store, "SELECT kind, count(*) FROM interactions GROUP BY 1 ORDER BY 1") == [
        ("comment", 26), ("pingback", 2), ("trackback", 2)
    ]
    assert rows(store, "SELECT count(*) FROM interactions WHERE reply_to IS NOT NULL") == [(9,)]
    # 20 author names; as identities: 6 addresses of commenters, 4 pingback/trackback URLs
    # (the post authors' addresses are among them)
    assert r.identities == 10
    assert rows(store, "SELECT kind, count(*) FROM identities GROUP BY 1 ORDER BY 1") == [("email", 6), ("url", 4)]
    assert rows(store, "SELECT display_name FROM identities WHERE value = 'http://tellyworth.wordpress.com/2007/11/21/ping-1'") == [
        ("Ping 1 \u00ab What\u2019s a tellyworth?",)
    ]
    # the post author is resolved through <wp:author> to an email with its display name
    assert rows(store, "SELECT display_name FROM identities WHERE value = 'themeshaperwp+demos@gmail.com'") == [("Theme Buster",)]
    assert rows(store, "SELECT count(*) FROM interaction_participants") == [(22,)]


def test_sample_valid_wxr_1_1(shared, store, import_path):
    r = import_path(shared / "formats" / "blog-comments" / "valid-wxr-1.1.xml")
    assert (r.added, r.errors, r.identities) == (1, 0, 2)
    assert rows(store, f"SELECT native_id, {ACTOR}, thread_id FROM interactions") == [
        ("comment:http://localhost|1|1", "blog:url:http://wordpress.org", "http://localhost/?p=1")
    ]
    assert rows(store, RECIPIENTS) == [("comment:http://localhost|1|1", "email:email:johndoe@example.org")]
    assert rows(store, "SELECT text FROM interactions")[0][0].startswith("Hi, this is a comment.\nTo delete a comment, just log in and view the post's")


def test_fixture_wxr_1_2(store, import_path):
    r = import_path(FIX / "wxr-1.2.xml")
    # 11 comments: spam, pending, trash and an order note skipped; one without a date is an error
    assert (r.added, r.present, r.errors) == (6, 0, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [
        ("wxr-1.2.xml item 1 comment 109", "no readable date (comment_date_gmt='')")
    ]
    assert rows(store, f"SELECT native_id, kind, {ACTOR}, ts::VARCHAR, text FROM interactions ORDER BY ts") == [
        ("comment:https://garden.example.net|12|101", "comment", "email:email:ben@example.org", "2024-02-01 10:00:00+00",
         "Mine are already huge!\n\nThanks & greetings"),
        ("comment:https://garden.example.net|12|102", "comment", "email:email:rosa@garden.example.net", "2024-02-01 11:00:00+00",
         "Show us a photo, Ben!"),
        # zeroed GMT date: the local comment_date is used
        ("comment:https://garden.example.net|12|105", "comment", "blog:name:Dana", "2024-02-02 09:00:00+00",
         "Replying to Carl, who is still in moderation"),
        ("comment:https://garden.example.net|12|106", "pingback", "blog:url:https://allotment.example.com/2024/02/seed-swap",
         "2024-02-03 08:00:00+00", "[\u2026] Rosa on tomatoes [\u2026]"),
        ("comment:https://garden.example.net|12|107", "trackback", "blog:url:http://oldblog.example.com/tomato-links",
         "2024-02-03 09:00:00+00", "Linked from my list"),
        ("comment:https://garden.example.net|60|111", "comment", "email:email:ben@example.org", "2024-02-05 09:00:00+00", "Welcome!"),
    ]
    assert rows(store, RECIPIENTS) == [
        ("comment:https://garden.example.net|12|101", "email:email:rosa@garden.example.net"),  # the post author via <wp:author>
        ("comment:https://garden.example.net|12|102", "email:email:ben@example.org"),  # reply: the parent's author
        ("comment:https://garden.example.net|12|105", "blog:name:Carl"),  # parent still in moderation, author known
        ("comment:https://garden.example.net|12|106", "email:email:rosa@garden.example.net"),
        ("comment:https://garden.example.net|12|107", "email:email:rosa@garden.example.net"),
        ("comment:https://garden.example.net|60|111", "wordpress:handle:garden.example.net/guestwriter"),
    ]
    assert rows(store, "SELECT count(*) FROM interactions i JOIN interactions p ON p.id = i.reply_to") == [(1,)]
    assert rows(store, "SELECT display_name FROM identities WHERE value = 'ben@example.org'") == [("Ben & Jo",)]
    assert import_path(FIX / "wxr-1.2.xml").skipped
    assert import_path(FIX / "wxr-1.2.xml", force=True).added == 0


def test_fixture_wxr_1_0(store, import_path):
    r = import_path(FIX / "wxr-1.0.xml")
    assert (r.format, r.added, r.errors) == ("wordpress", 1, 0)
    assert rows(store, RECIPIENTS) == [("comment:http://oldblog.example.com|3|7", "wordpress:handle:oldblog.example.com/admin")]


def test_truncated_file_keeps_what_was_read(tmp_path, store, import_path):
    src = (FIX / "wxr-1.2.xml").read_text()
    cut = src[: src.index("<title><![CDATA[Guest post]]>")]
    p = tmp_path / "cut.xml"
    p.write_text(cut)
    r = import_path(p, "wordpress")
    # the third item is cut off: the five comments of the first are kept, the cut is reported
    assert (r.added, r.errors) == (5, 2)
    assert rows(store, "SELECT error FROM import_errors ORDER BY location DESC")[0][0].endswith("stopped reading this file here")


# -- every way the same WXR can be spelled ----------------------------------------------------------

TRICKY_WXR = """<?xml version="1.0" encoding="UTF-8"?>
<!-- written by hand: every way the same WXR can be spelled -->
<rss version="2.0" xmlns:x="http://wordpress.org/export/1.1/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
  <atom:link href="https://tricky.example.org/feed" rel="self"/>
  <link>https://Tricky.example.org/</link>
  <x:base_blog_url>https://tricky.example.org</x:base_blog_url>
  <x:author><x:author_login>eve</x:author_login><x:author_email> Eve@Example.org </x:author_email>
    <x:author_display_name><![CDATA[Eve &amp; Co]]></x:author_display_name></x:author>
  <x:author><x:author_login>mo</x:author_login><x:author_display_name>Mo &#233;</x:author_display_name></x:author>
  <item>
    <title>A &amp; B</title>
    <link>https://tricky.example.org/?p=1</link>
    <dc:creator>eve</dc:creator>
    <x:post_id>1</x:post_id>
    <x:comment>
      <x:comment_id>1</x:comment_id>
      <x:comment_author>Ben <!-- hidden -->Jo</x:comment_author>
      <x:comment_author_email>ben@example.org</x:comment_author_email>
      <x:comment_date_gmt>2024-01-01 10:00:00</x:comment_date_gmt>
      <x:comment_content>Plain &lt;b&gt;escaped&lt;/b&gt; &amp;amp; <![CDATA[<p>in cdata</p> & raw]]> tail &#233;&#x1F600;<?pi stuff?> end\r
second line</x:comment_content>
      <x:comment_approved>1</x:comment_approved>
      <x:comment_type></x:comment_type>
      <x:comment_parent>0</x:comment_parent>
    </x:comment>
    <x:comment>
      <x:comment_id kind="dup">2</x:comment_id>
      <x:comment_id>99</x:comment_id>
      <x:comment_author_url>  tricky2.example.org/path/ </x:comment_author_url>
      <x:comment_author>Pinger</x:comment_author>
      <x:comment_date_gmt>0000-00-00 00:00:00</x:comment_date_gmt>
      <x:comment_date>2024-01-02T11:00:00</x:comment_date>
      <x:comment_content>before<b>nested <i>deep</i></b>after</x:comment_content>
      <x:comment_type>PINGBACK</x:comment_type>
      <x:comment_parent>1</x:comment_parent>
    </x:comment>
    <x:comment/>
    <x:comment><x:comment_id>3</x:comment_id><x:comment_date_gmt>garbage</x:comment_date_gmt></x:comment>
    <x:comment><x:comment_id>4</x:comment_id><x:comment_author>Spammer</x:comment_author>
      <x:comment_date_gmt>2024-01-01 12:00:00</x:comment_date_gmt><x:comment_approved>spam</x:comment_approved></x:comment>
  </item>
  <item><title>no comments</title><link>https://tricky.example.org/?p=9</link></item>
  <item>
    <link>https://tricky.example.org/?p=2</link>
    <dc:creator>mo</dc:creator>
    <comment xmlns="http://wordpress.org/export/1.2/">
      <comment_id>5</comment_id><comment_author>Dflt</comment_author>
      <comment_date_gmt>2024-01-03 00:00:00+02:00</comment_date_gmt><comment_content>  x  </comment_content>
      <comment_type>note</comment_type>
    </comment>
    <x:comment>
      <x:comment_id>6</x:comment_id><x:comment_author>  Ann   Lee </x:comment_author>
      <x:comment_date_gmt>2024-01-04 00:00:00</x:comment_date_gmt><x:comment_content><![CDATA[]]></x:comment_content>
      <x:comment_type>trackback</x:comment_type><x:comment_parent>5</x:comment_parent>
    </x:comment>
    UNDECLARED
  </item>
</channel>
</rss>
"""


import pytest  # noqa: E402


@pytest.mark.parametrize(
    "variant",
    ["plain", "undeclared_prefix", "doctype", "latin1", "truncated", "crlf", "bom"],
)
def test_tricky_spellings(tmp_path, store, import_path, variant):
    doc = TRICKY_WXR.replace("UNDECLARED", "")
    if variant == "undeclared_prefix":  # read without namespace processing: a prefix is part of the name
        doc = TRICKY_WXR.replace("UNDECLARED", "<y:extra>z</y:extra>")
    elif variant == "doctype":
        doc = doc.replace("<rss ", "<!DOCTYPE rss>\n<rss ", 1)
    elif variant == "truncated":
        doc = doc[: doc.index("<x:comment_id>6")]
    elif variant == "crlf":
        doc = doc.replace("\n", "\r\n")
    p = tmp_path / f"{variant}.xml"
    if variant == "latin1":
        p.write_bytes(doc.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"').encode("latin-1", "xmlcharrefreplace"))
    elif variant == "bom":
        p.write_bytes(b"\xef\xbb\xbf" + doc.encode())
    else:
        p.write_text(doc, encoding="utf-8", newline="")
    got = read_records(p, "wordpress")
    bad = [g for g in got if isinstance(g, tuple) and g[0] == "bad"]
    rows_ = [r for r in got if isinstance(r, Interaction)]
    if variant == "truncated":
        assert len(bad) == 3 and bad[-1][2].endswith("stopped reading this file here")
        assert len(rows_) == 2
        return
    assert [b[1:3] for b in bad] == [
        (f"{variant}.xml item 1 comment ?", "comment without comment_id"),
        (f"{variant}.xml item 1 comment 3", "no readable date (comment_date_gmt='garbage')"),
    ]
    by_id = {r.native_id: r for r in rows_}
    assert sorted(by_id) == ["comment:https://tricky.example.org|1|1", "comment:https://tricky.example.org|1|2",
                             "comment:https://tricky.example.org|https://tricky.example.org/?p=2|6"]
    one = by_id["comment:https://tricky.example.org|1|1"]
    # the content's CR LF is CR CR LF in the crlf variant: two line ends to XML, so a blank line
    end = "\n\n" if variant == "crlf" else "\n"
    assert one.text == f"Plain escaped &\n\nin cdata\n\n& raw tail \u00e9\U0001F600 end{end}second line"
    two = by_id["comment:https://tricky.example.org|1|2"]
    assert (two.kind, two.text, two.reply_to) == ("pingback", "before", "comment:https://tricky.example.org|1|1")
    assert str(two.ts) == "2024-01-02 11:00:00+00:00"
    six = by_id["comment:https://tricky.example.org|https://tricky.example.org/?p=2|6"]
    assert (six.kind, six.text, six.reply_to) == ("trackback", None, "comment:https://tricky.example.org|https://tricky.example.org/?p=2|5")
    # and through the store: the same counts either way
    r = import_path(p, "wordpress")
    assert (r.added, r.errors, r.identities) == (3, 2, 5)
    assert rows(store, RECIPIENTS) == [
        ("comment:https://tricky.example.org|1|1", "email:email:eve@example.org"),
        ("comment:https://tricky.example.org|1|2", "email:email:ben@example.org"),
        ("comment:https://tricky.example.org|https://tricky.example.org/?p=2|6", "blog:name:Dflt"),  # the note it answers
    ]
    assert rows(store, "SELECT display_name FROM identities WHERE value = 'eve@example.org'") == [("Eve & Co",)]
    assert rows(store, "SELECT display_name FROM identities WHERE value = 'Ann Lee'") == [("Ann Lee",)]


def test_repeated_comment_id_keeps_the_first(tmp_path, store, import_path):
    # a hand-edited export repeats a comment id within one post: the first one is kept, with its
    # own recipient
    def comment(cid, author, email, parent):
        return (f"<wp:comment><wp:comment_id>{cid}</wp:comment_id><wp:comment_author>{author}</wp:comment_author>"
                f"<wp:comment_author_email>{email}</wp:comment_author_email><wp:comment_date_gmt>2024-01-0{cid} 10:00:00"
                f"</wp:comment_date_gmt><wp:comment_content>by {author}</wp:comment_content><wp:comment_parent>{parent}"
                "</wp:comment_parent></wp:comment>")

    doc = ('<?xml version="1.0" encoding="UTF-8"?><rss xmlns:wp="http://wordpress.org/export/1.2/" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><wp:base_blog_url>https://dup.example.org</wp:base_blog_url>'
           "<item><link>https://dup.example.org/1</link><dc:creator>owner</dc:creator><wp:post_id>1</wp:post_id>"
           + comment(1, "Ann", "ann@example.org", 0) + comment(2, "Ben", "ben@example.org", 1)
           + comment(2, "Cy", "cy@example.org", 0) + comment(3, "Dee", "dee@example.org", 2)
           + "</item></channel></rss>")
    p = tmp_path / "dup.xml"
    p.write_text(doc)
    r = import_path(p)
    assert (r.added, r.present, r.errors) == (3, 0, 0)
    assert rows(store, f"SELECT native_id, {ACTOR}, text FROM interactions ORDER BY 1") == [
        ("comment:https://dup.example.org|1|1", "email:email:ann@example.org", "by Ann"),
        ("comment:https://dup.example.org|1|2", "email:email:ben@example.org", "by Ben"),
        ("comment:https://dup.example.org|1|3", "email:email:dee@example.org", "by Dee"),
    ]
    assert rows(store, RECIPIENTS) == [
        ("comment:https://dup.example.org|1|1", "wordpress:handle:dup.example.org/owner"),
        ("comment:https://dup.example.org|1|2", "email:email:ann@example.org"),
        # the parent id 2 names the last comment with that id (Cy), as before
        ("comment:https://dup.example.org|1|3", "email:email:cy@example.org"),
    ]


# -- big exports in pieces, parsed by worker processes (blog.WordPressImporter._pieces) ---------------

def _big_wxr(n: int, variant: str) -> str:
    """TRICKY_WXR's three items ``n`` times over (other posts, commenters changing their names),
    with a comment nobody can read in every tenth copy."""
    doc = TRICKY_WXR.replace("UNDECLARED", "")
    head, rest = doc.split("<item>", 1)
    items, tail = ("<item>" + rest).rsplit("</channel>", 1)
    out = [head]
    for k in range(n):
        copy = (items.replace("?p=", f"?p={k}-").replace("<x:post_id>1<", f"<x:post_id>{k}<")
                .replace("Ben <!-- hidden -->Jo", f"Ben {k % 4}"))
        if k % 10 != 3:
            copy = copy.replace("<x:comment/>", "").replace("garbage", "2024-02-02 02:02:02")
        if variant == "item_in_cdata" and k == 7:
            copy = copy.replace("<p>in cdata</p>", "<p>in cdata</p> <item> <x:comment> </item>")
        if variant == "author_after_items" and k == 11:
            copy += "<x:author><x:author_login>mo</x:author_login><x:author_display_name>Mo Later</x:author_display_name></x:author>"
        out.append(copy)
    out.append("</channel>" + tail)
    text = "".join(out)
    if variant == "truncated":
        text = text[: len(text) * 3 // 4]
    return text


@pytest.mark.parametrize(
    "variant, read_in_pieces",
    # three items a copy: copy 7 starts after item 21; the author follows item 35 (copy 11's last)
    [("plain", None), ("zipped", None), ("item_in_cdata", 21), ("author_after_items", 35), ("truncated", int)],
)
def test_pieces_in_workers_store_what_one_process_stores(tmp_path, monkeypatch, variant, read_in_pieces):
    """A cut inside CDATA, an element the pieces do not expect and a file cut off all stop the
    pieces; the rest is read the established way, and the store is the same either way."""
    from closeknit.ingest.formats import blog

    p = tmp_path / "big.xml"
    p.write_text(_big_wxr(40, variant))
    if variant == "zipped":  # a zip member is sent to the workers; a file they read themselves
        import zipfile

        with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            zf.write(p, "big.xml")
        p.unlink()
        p = tmp_path / "big.zip"
    monkeypatch.setattr(blog, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(blog, "PIECE_BYTES", 1)  # every <item> is a cut, even the one inside CDATA
    returned = []
    real = blog.WordPressImporter._pieces

    def spy(self, *a):
        done = yield from real(self, *a)
        returned.append(done)
        return done

    monkeypatch.setattr(blog.WordPressImporter, "_pieces", spy)
    monkeypatch.setenv("CLOSEKNIT_BLOG_WORKERS", "2")
    in_pieces = stored(p, tmp_path / "pieces.duckdb", "wordpress")
    monkeypatch.setenv("CLOSEKNIT_BLOG_WORKERS", "0")
    one_process = stored(p, tmp_path / "one.duckdb", "wordpress")
    assert in_pieces == one_process
    if read_in_pieces is int:
        assert len(returned) == 1 and returned[0] > 0  # stopped at the end, which is cut off
    else:
        assert returned == [read_in_pieces]  # None: read to the end in pieces; n: items read in pieces
    interactions, recipients, identities, errors, _ = one_process
    if variant in ("plain", "zipped"):
        assert len(interactions) == 36 * 4 + 4 * 3  # four comments a copy; three where one is unreadable
        assert len(errors) == 4 * 2  # copies 3, 13, 23, 33: a comment without id, an unreadable date
        # numbered across pieces: copy 3's first item is the file's 10th
        assert [e[0] for e in errors[:2]] == ["big.xml item 10 comment 3", "big.xml item 10 comment ?"]
        # the name a commenter had last is the one kept, as one process would keep it
        assert ("email", "email", "ben@example.org", "Ben 3") in identities
