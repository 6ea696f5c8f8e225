"""SMS Backup & Restore XML (format "sms")."""

from pathlib import Path

from closeknit.store.people import set_setting
from tests.conftest import rows

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "sms"


def _ident(store, sql_id_col="actor_id"):
    return f"(SELECT channel || ':' || kind || ':' || value FROM identities d WHERE d.id = {sql_id_col})"


def test_sample_smsxml(shared, store, import_path):
    r = import_path(shared / "formats" / "sms-backup-restore" / "smsxml.txt")
    assert r.format == "sms"
    # 4 <sms>, types 1 (1) and 2 (3), 4 distinct numbers + the owner
    assert (r.added, r.present, r.errors, r.identities) == (4, 0, 0, 5)
    assert rows(store, f"SELECT {_ident(store)}, text FROM interactions ORDER BY ts") == [
        ("phone:phone:+436812314123", "did you see the new sms memacs module?"),
        ("phone:uid:owner", "Memacs FTW!"),
        ("phone:uid:owner", "i like memacs"),
        ("phone:uid:owner", "http://google.at"),
    ]
    assert rows(store, "SELECT DISTINCT kind, channel, visibility FROM interactions") == [("message", "phone", "private")]
    assert rows(store, "SELECT min(ts)::VARCHAR FROM interactions") == [("2011-08-04 10:05:53+00",)]
    # the owner is person 0; the other four numbers are four people
    assert rows(store, "SELECT count(*), count(*) FILTER (WHERE is_self) FROM people") == [(5, 1)]
    again = import_path(shared / "formats" / "sms-backup-restore" / "smsxml.txt", force=True)
    assert (again.added, again.present) == (0, 4)


def test_fixture_sms_and_mms(store, import_path):
    r = import_path(FIX / "sms-2024.xml")
    assert r.format == "sms"
    # 9 <sms>: 5 kept, 1 exact duplicate collapsed, 1 draft + 1 failed skipped, 1 broken date; 2 <mms>
    assert (r.added, r.present, r.errors) == (7, 0, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [("sms-2024.xml sms 8", "unreadable date 'not-a-date'")]
    texts = dict(rows(store, "SELECT native_id, text FROM interactions"))
    assert sorted(texts.values()) == sorted(
        ["Dinner tonight? \U0001F600", "Yes! 7pm \U0001F355 ok", "Who is this?", "private sender",
         "Your code is 123456", "Group hello \U0001F44D", "Count me in"]
    )
    # the received group MMS: from Ada, to Grace and the owner, group visibility
    assert rows(store, f"SELECT {_ident(store)}, visibility, thread_id FROM interactions WHERE native_id = 'mms:mms-id-0001'") == [
        ("phone:phone:+14155550101", "group", "phone:+14155550101~+14155550103")
    ]
    assert rows(
        store,
        f"SELECT role, {_ident(store, 'identity_id')} FROM interaction_participants p JOIN interactions i ON i.id = p.interaction_id "
        "WHERE native_id = 'mms:mms-id-0002' ORDER BY 1 DESC",
    ) == [("recipient", "phone:phone:+14155550101"), ("cc", "phone:phone:+14155550103")]
    # withheld sender: kept, no actor
    assert rows(store, "SELECT actor_id, thread_id FROM interactions WHERE text = 'private sender'") == [(None, "phone:withheld")]
    # display names only when real; "(Unknown)" gives none; alphanumeric sender is a handle
    assert rows(store, "SELECT kind, value, display_name FROM identities ORDER BY value") == [
        ("phone", "+14155550101", "Ada Lovelace"),
        ("phone", "+14155550102", None),
        ("phone", "+14155550103", "Grace Hopper"),
        ("phone", "+14155550199", None),
        ("handle", "mybank", "MYBANK"),
        ("uid", "owner", None),
    ]
    # the owner's number comes from the sent MMS's own "from" address; both are the user
    assert rows(store, "SELECT value, evidence FROM me ORDER BY value") == [
        ("+14155550199", "sender of a sent MMS (SMS Backup & Restore)"),
        ("owner", "sms backup: the phone's owner"),
    ]
    assert rows(store, "SELECT count(*) FROM identities WHERE person_id = 0") == [(2,)]
    again = import_path(FIX / "sms-2024.xml", force=True)
    assert (again.added, again.present) == (0, 7)


def test_region_setting_reads_national_numbers(store, import_path):
    set_setting(store.con, "region", "AT")
    import_path(Path(__file__).resolve().parents[1] / "fixtures" / "calls" / "calls-2024.xml")
    p = FIX / "national.xml"
    assert p.exists()
    r = import_path(p)
    assert (r.added, r.errors) == (1, 0)
    assert rows(store, f"SELECT {_ident(store, 'identity_id')} FROM interaction_participants p "
                       "JOIN interactions i ON i.id = p.interaction_id WHERE i.format = 'sms'") == [("phone:phone:+436641234567",)]
