"""WordPress WXR comments (format "wordpress")."""

from pathlib import Path

from tests.conftest import ACTOR_SQL as ACTOR, RECIPIENTS_SQL as RECIPIENTS, rows

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
         "Mine are already huge!\nThanks & greetings"),
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
