from closeknit.core.errors import UnknownFormatError
from closeknit.ingest import detect_format, open_tree
from closeknit.ingest.records import Interaction
from tests.conftest import read_records, rows

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



ROWS = "src,dst,ts,text\na,b,1,Grüße\nc,d,2,x,é\ne,f,3,ok\n"


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16", "utf-8-sig"])
def test_an_events_csv_in_another_encoding_is_read_and_its_bad_row_reported(tmp_path, encoding):
    # pyarrow reads UTF-8 only, and a row it cannot decode never reaches our handler: the file is
    # decoded first, so the bad row (5 fields) is reported with its text and the others kept
    p = tmp_path / "log.csv"
    p.write_bytes(ROWS.encode(encoding))
    (tmp_path / "utf8").mkdir()
    (tmp_path / "utf8" / "log.csv").write_text(ROWS, encoding="utf-8")
    recs = read_records(p, "events")
    assert recs == read_records(tmp_path / "utf8" / "log.csv", "events")
    assert recs[0] == ("bad", "log.csv row 0", "5 fields, expected 4", "c,d,2,x,é")
    assert [r.text for r in recs if isinstance(r, Interaction)] == ["Grüße", "ok"]


@pytest.mark.parametrize("fmt, head, row", [
    ("events", b"src,dst,ts,text\n" + b"a,b,1,hi\n" * 20_000, b"c,d,2,x,\xff\n"),
    ("edges", b"1 2 100\n" * 20_000, b"3 4\xe9 200\n"),
])
def test_a_utf8_csv_with_bytes_that_are_not_utf8_is_refused_naming_them(tmp_path, fmt, head, row):
    p = tmp_path / ("log.csv" if fmt == "events" else "log.txt")
    p.write_bytes(head + row + b"e,f,3,ok\n")
    at = len(head) + row.index(b"\xff" if fmt == "events" else b"\xe9")
    line = head.count(b"\n") + 1
    what = "unreadable CSV" if fmt == "events" else "unreadable edge list"
    assert read_records(p, fmt) == [("bad", p.name, f"{what}: byte {at:,} (line {line:,}) is not UTF-8, "
                                     "though the file starts as UTF-8: save it as UTF-8 (or as Windows-1252 "
                                     "throughout) and import it again", None)]


@pytest.mark.parametrize("fmt", ["events", "edges"])
def test_a_windows_1252_csv_with_a_byte_it_leaves_undefined_is_refused_in_one_line(tmp_path, fmt):
    # found by benchmarks/fuzz.py: 0x81 (undefined in Windows-1252) was a UnicodeDecodeError (a traceback)
    p = tmp_path / ("log.csv" if fmt == "events" else "log.txt")
    body = "src,dst,ts,text\na,b,1,Grüße\n" if fmt == "events" else "Grüße 2 100\n"
    p.write_bytes(body.encode("cp1252") + (b"c,d,2,\x81\n" if fmt == "events" else b"3 \x81 200\n"))
    what = "unreadable CSV" if fmt == "events" else "unreadable edge list"
    assert read_records(p, fmt) == [("bad", p.name, f"{what}: byte 0x81 is not Windows-1252 (character maps to <undefined>): "
                                     "save the file as UTF-8 and import it again", None)]
