from closeknit.core.errors import UnknownFormatError
from closeknit.ingest import detect_format, open_tree
from tests.conftest import rows

import pytest


def test_events_csv_roundtrip(tmp_path, store, import_path):
    p = tmp_path / "log.csv"
    p.write_text(
        "src,dst,ts,text,channel,kind,visibility,thread\n"
        "ada,bob,1700000000,hello bob,chat,message,private,t1\n"
        "bob,ada,2023-11-14T22:14:00Z,hi ada,chat,reply,private,t1\n"
        "ada,bob,1700000000,hello bob,chat,message,private,t1\n"  # a real repeat: kept
        "ada,carol,not-a-time,,,,,\n"
        "ada,carol,1700000100,,,kiss,,\n",
        encoding="utf-8",
    )
    r = import_path(p)
    assert r.format == "events"
    assert (r.added, r.present, r.errors) == (3, 0, 2)
    assert rows(store, "SELECT kind, channel, visibility, thread_id, text, text_len FROM interactions ORDER BY ts, text") == [
        ("message", "chat", "private", "t1", "hello bob", 9),
        ("message", "chat", "private", "t1", "hello bob", 9),
        ("reply", "chat", "private", "t1", "hi ada", 6),
    ]
    assert rows(store, "SELECT location, error FROM import_errors ORDER BY location") == [
        ("log.csv row 4", "unreadable timestamp 'not-a-time'"),
        ("log.csv row 5", "unknown kind 'kiss'"),
    ]
    again = import_path(p, force=True)
    assert (again.added, again.present) == (0, 3)
    assert store.count("interactions") == 3


def test_unknown_format_lists_supported(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x00\x01garbage")
    with pytest.raises(UnknownFormatError, match="Supported formats: .*edges.*events"):
        detect_format(open_tree(p))


def test_edges_sample(shared, store, import_path):
    r = import_path(shared / "interactions" / "email-Eu-core-temporal.txt")
    assert r.format == "edges"
    assert (r.added, r.present, r.errors, r.identities) == (332_334, 0, 0, 986)
    assert rows(store, "SELECT count(DISTINCT (actor_id, ip.identity_id)) FROM interactions i "
                       "JOIN interaction_participants ip ON ip.interaction_id = i.id") == [(24_929,)]
    assert import_path(shared / "interactions" / "email-Eu-core-temporal.txt").skipped


def test_events_csv_duration(tmp_path, store, import_path):
    p = tmp_path / "calls.csv"
    p.write_text(
        "src,dst,ts,kind,duration\n"
        "ada,bob,1700000000,call,125.5\n"
        "bob,ada,1700000100,call,\n"  # unknown length: kept, no duration
        "ada,bob,1700000200,message,\n"
        "ada,bob,1700000300,call,-1\n"
        "ada,bob,1700000400,call,long\n",
        encoding="utf-8",
    )
    r = import_path(p)
    assert (r.added, r.errors) == (3, 2)
    assert rows(store, "SELECT kind, duration_s FROM interactions ORDER BY ts") == [
        ("call", 125.5), ("call", None), ("message", None)]
    assert rows(store, "SELECT location, error FROM import_errors ORDER BY location") == [
        ("calls.csv row 4", "duration '-1' is not a number of seconds >= 0"),
        ("calls.csv row 5", "duration 'long' is not a number of seconds >= 0"),
    ]


def test_events_csv_without_duration_keeps_its_ids(tmp_path, store, import_path):
    """Adding the optional column changed nothing for logs without it: the native id is the md5 of
    src, dst, ts, channel, kind, visibility, text, thread as before (duration is hashed only when given)."""
    p = tmp_path / "log.csv"
    p.write_text("src,dst,ts\nada,bob,1700000000\n", encoding="utf-8")
    import_path(p)
    assert rows(store, "SELECT native_id FROM interactions") == [("9c6bb4b24e090f5d891aef5d",)]
