"""Disqus XML comments (format "disqus")."""

from pathlib import Path

from tests.conftest import ACTOR_SQL as ACTOR, RECIPIENTS_SQL as RECIPIENTS, rows

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
