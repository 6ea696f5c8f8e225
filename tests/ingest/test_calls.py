"""Call log XML from SMS Backup & Restore (format "calls")."""

from pathlib import Path

from closeknit.store.people import set_setting
from tests.conftest import ACTOR_SQL as ACTOR, rows

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "calls"


def test_sample_calls(shared, store, import_path):
    p = shared / "formats" / "sms-backup-restore" / "calls.xml"
    r = import_path(p)
    assert r.format == "calls"
    # 8 calls; "-1" is a private number: kept without an actor. The national number
    # 06612341234 is not a possible US number (default region), so it stays a handle.
    assert (r.added, r.present, r.errors, r.identities) == (8, 0, 0, 8)
    assert rows(store, "SELECT count(*) FILTER (WHERE actor_id IS NULL), sum(duration_s), count(*) FILTER (WHERE duration_s = 0) "
                       "FROM interactions WHERE kind = 'call' AND channel = 'phone'") == [(1, 882.0, 2)]
    assert rows(store, f"SELECT {ACTOR}, duration_s FROM interactions ORDER BY ts LIMIT 3") == [
        ("phone:uid:owner", 60.0),  # outgoing to +433123412
        ("phone:phone:+436612341234", 0.0),
        ("phone:uid:owner", 0.0),
    ]
    again = import_path(p, force=True)
    assert (again.added, again.present) == (0, 8)


def test_sample_calls_region_at(shared, store, import_path):
    set_setting(store.con, "region", "AT")
    r = import_path(shared / "formats" / "sms-backup-restore" / "calls.xml")
    # read in Austria, 06612341234 is +436612341234, the number of the missed call: one identity
    assert (r.added, r.identities) == (8, 7)
    assert rows(store, "SELECT count(*) FROM identities WHERE kind = 'phone'") == [(6,)]
    assert rows(store, "SELECT count(*) FROM identities WHERE value = '+436612341234'") == [(1,)]


def test_fixture_call_types(store, import_path):
    r = import_path(FIX / "calls-2024.xml")
    assert (r.added, r.present, r.errors) == (7, 0, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [("calls-2024.xml call 8", "unknown call type '9'")]
    assert rows(store, f"SELECT native_id, {ACTOR}, duration_s FROM interactions ORDER BY ts") == [
        ("call:1709280000000:+14155550101:1", "phone:phone:+14155550101", 125.0),
        ("call:1709283600000:+14155550101:2", "phone:uid:owner", 30.0),
        ("call:1709287200000:+14155550103:3", "phone:phone:+14155550103", 0.0),  # missed: duration 0
        ("call:1709290800000:+14155550103:4", "phone:phone:+14155550103", 40.0),  # voicemail
        ("call:1709294400000:+14155550104:5", "phone:phone:+14155550104", 0.0),  # rejected
        ("call:1709298000000:+14155550105:6", "phone:phone:+14155550105", 0.0),  # refused (blocked)
        ("call:1709301600000:withheld:1", None, 61.0),  # restricted presentation, empty number
    ]
    # the user is the recipient of incoming calls, and person 0
    assert rows(store, "SELECT count(*) FROM interaction_participants p JOIN identities d ON d.id = p.identity_id "
                       "WHERE d.person_id = 0 AND role = 'recipient'") == [(6,)]
    assert rows(store, "SELECT display_name FROM identities WHERE value = '+14155550101'") == [("Ada Lovelace",)]
    assert import_path(FIX / "calls-2024.xml").skipped


def test_dates_past_the_year_9999_are_unreadable_records(tmp_path, store, import_path):
    # found by benchmarks/fuzz.py: a date of 20 digits or "inf" was an OverflowError (a traceback)
    calls = tmp_path / "calls.xml"
    calls.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<calls count="3">\n'
                     '<call number="+14155550101" duration="5" date="99999999999999999999" type="1" />\n'
                     '<call number="+14155550101" duration="6" date="inf" type="1" />\n'
                     '<call number="+14155550101" duration="7" date="1709280000000" type="1" />\n</calls>\n')
    r = import_path(calls)
    assert (r.format, r.added, r.errors) == ("calls", 1, 2)
    assert rows(store, "SELECT location, error FROM import_errors ORDER BY 1") == [
        ("calls.xml call 1", "unreadable date '99999999999999999999'"), ("calls.xml call 2", "unreadable date 'inf'")]
    sms = tmp_path / "sms.xml"
    sms.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<smses count="2">\n'
                   '<sms address="+14155550101" date="99999999999999999999" type="1" body="far" />\n'
                   '<sms address="+14155550101" date="1709280000000" type="1" body="now" />\n</smses>\n')
    r = import_path(sms)
    assert (r.format, r.added, r.errors) == ("sms", 1, 1)
    assert rows(store, "SELECT location, error FROM import_errors WHERE location LIKE 'sms%'") == [
        ("sms.xml sms 1", "unreadable date '99999999999999999999'")]
