"""iCalendar events as meetings (format "ical")."""

from pathlib import Path

from closeknit.ingest.formats.ical import parse_duration, parse_line
from tests.conftest import ACTOR_SQL as ACTOR, rows

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "ical"
ATTENDEES = (
    "SELECT i.native_id, d.value FROM interaction_participants p JOIN interactions i ON i.id = p.interaction_id "
    "JOIN identities d ON d.id = p.identity_id WHERE p.role = 'attendee' ORDER BY 1, 2"
)


def test_sample_property_params(shared, store, import_path):
    p = shared / "formats" / "calendar-contacts" / "property_params.ics"
    r = import_path(p)
    assert r.format == "ical"
    # 1 event, organizer + 3 attendees (uppercase MAILTO, quoted CN); the organizer is also attendee 2
    assert (r.added, r.present, r.errors, r.identities) == (1, 0, 0, 3)
    assert rows(store, f"SELECT kind, channel, {ACTOR}, ts::VARCHAR, duration_s, visibility, text FROM interactions") == [
        ("meeting", "meeting", "email:email:rembrand@daxlab.com", "2012-08-14 00:00:00+00", 86400.0, "group", "Test meeting from BB")
    ]
    assert rows(store, ATTENDEES) == [
        ("event:XRIMCAL-628059586-522954492-9750559", "rembrand@xs4all.nl"),
        ("event:XRIMCAL-628059586-522954492-9750559", "rembspam@xs4all.nl"),
    ]
    assert rows(store, "SELECT value, display_name FROM identities ORDER BY 1") == [
        ("rembrand@daxlab.com", "RembrandDX"), ("rembrand@xs4all.nl", "RembrandXS"), ("rembspam@xs4all.nl", "RembrandSB")
    ]
    assert import_path(p, force=True).added == 0


def test_sample_example(shared, store, import_path):
    r = import_path(shared / "formats" / "calendar-contacts" / "example.ics")
    # 2 events: the first has nobody in it (skipped), the second 3 bare attendees
    assert (r.added, r.errors, r.identities) == (1, 0, 3)
    assert rows(store, f"SELECT native_id, {ACTOR}, ts::VARCHAR, duration_s FROM interactions") == [
        ("event:d755cef5-2311-46ed-a0e1-6733c9e15c63", None, "2026-03-28 07:00:00+00", 23400.0)
    ]
    assert [v for _, v in rows(store, ATTENDEES)] == ["another_friend@example.com", "late_joiner@example.com", "me@example.com"]


def test_sample_rfc_7256(shared, store, import_path):
    r = import_path(shared / "formats" / "calendar-contacts" / "rfc_7256_multi_value_parameters.ics")
    # two events without DTSTART (kept, no time), 3 attendees each; multi-valued params parsed
    assert (r.added, r.errors, r.identities) == (2, 0, 3)
    assert rows(store, "SELECT native_id, ts, duration_s FROM interactions ORDER BY 1") == [("event:list", None, None), ("event:single", None, None)]
    assert len(rows(store, ATTENDEES)) == 6


def test_parse_line_multi_values():
    name, params, value = parse_line('ATTENDEE;DELEGATED-TO="mailto:jdoe@example.com","mailto:jqpublic@example.com":mailto:jsmith@example.com')
    assert (name, value) == ("ATTENDEE", "mailto:jsmith@example.com")
    assert params == {"DELEGATED-TO": ["mailto:jdoe@example.com", "mailto:jqpublic@example.com"]}
    assert parse_line("item1.EMAIL;type=INTERNET;type=pref:a@b.c") == ("ITEM1.EMAIL", {"TYPE": ["INTERNET", "pref"]}, "a@b.c")
    assert parse_line("TEL;HOME;VOICE:555") == ("TEL", {"TYPE": ["home", "voice"]}, "555")
    assert parse_line("no colon here") is None
    assert [parse_duration(d) for d in ("PT1H30M", "P1W", "P1DT2S", "-PT15M", "P", "xx")] == [5400.0, 604800.0, 86402.0, -900.0, None, None]


def test_fixture_google(store, import_path):
    p = FIX / "google-takeout.ics"
    r = import_path(p)
    # 8 events: 4 kept; Ada declined one, one cancelled, one with nobody else, one broken DTSTART
    assert (r.added, r.present, r.errors) == (4, 0, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [("google-takeout.ics line 86", "unreadable DTSTART '2024-03-23 10:00'")]
    assert rows(store, f"SELECT native_id, {ACTOR}, ts::VARCHAR, duration_s, visibility, text FROM interactions ORDER BY ts") == [
        # Europe/Berlin 10:00 = 09:00 UTC; folded lines join the split address and CN
        ("event:lunch-1@google.com", "email:email:grace@example.org", "2024-03-05 09:00:00+00", 3600.0, "private", "Lunch, and a walk"),
        # the recurring series is one meeting; the moved occurrence is its own
        ("event:weekly-1on1@google.com", "email:email:ada.lovelace@example.com", "2024-03-06 09:00:00+00", 1800.0, "private", "1:1 Mary / Ada"),
        ("event:weekly-1on1@google.com@20240313T090000Z", "email:email:ada.lovelace@example.com", "2024-03-13 10:00:00+00", 2700.0,
         "private", "1:1 Mary / Ada (moved)"),
        # floating time read in X-WR-TIMEZONE (London, GMT in March)
        ("event:floating@google.com", None, "2024-03-25 18:00:00+00", 7200.0, "private", "Dinner (floating time; London)"),
    ]
    # declined Charles, the room and the alarm's attendee are not there; the owner is (person 0)
    assert rows(store, ATTENDEES) == [
        ("event:floating@google.com", "ada.lovelace@example.com"),
        ("event:floating@google.com", "mary@example.com"),
        ("event:lunch-1@google.com", "ada.lovelace@example.com"),
        ("event:weekly-1on1@google.com", "mary@example.com"),
        ("event:weekly-1on1@google.com@20240313T090000Z", "mary@example.com"),
    ]
    assert rows(store, "SELECT value, evidence FROM me") == [("ada.lovelace@example.com", "X-WR-CALNAME of google-takeout.ics")]
    assert rows(store, "SELECT person_id FROM identities WHERE value = 'ada.lovelace@example.com'") == [(0,)]
    assert rows(store, "SELECT count(*) FROM identities WHERE value LIKE '%charles%' OR value LIKE '%resource%' OR value LIKE 'alarm%'") == [(0,)]
    assert import_path(p, force=True).added == 0


def test_fixture_outlook(store, import_path):
    r = import_path(FIX / "outlook.ics")
    # Windows zone name: the file's VTIMEZONE standard offset (+01:00) is used; the second event is cut off
    assert (r.added, r.errors) == (1, 1)
    assert rows(store, "SELECT error FROM import_errors") == [("event not closed (END:VEVENT missing); file cut off?",)]
    assert rows(store, f"SELECT {ACTOR}, ts::VARCHAR, duration_s, visibility, text FROM interactions") == [
        ("email:email:jo.smith@corp.example", "2024-02-15 13:00:00+00", 3600.0, "group", "Quarterly review")
    ]
    assert [v for _, v in rows(store, ATTENDEES)] == ["kim.park@corp.example", "lee.chan@corp.example"]


def test_floating_time_in_the_users_zone(tmp_path, store, import_path):
    from closeknit.store.people import set_setting

    ics = tmp_path / "cal.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:walk-1\r\nDTSTART:20240710T090000\r\n"
        "DTEND:20240710T100000\r\nSUMMARY:Walk\r\nORGANIZER:mailto:ada@example.org\r\n"
        "ATTENDEE;PARTSTAT=ACCEPTED:mailto:mary@example.org\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    set_setting(store.con, "timezone", "Europe/Berlin")  # no X-WR-TIMEZONE: 09:00 in Berlin (CEST) is 07:00 UTC
    assert import_path(ics).added == 1
    assert rows(store, "SELECT (ts AT TIME ZONE 'UTC')::VARCHAR, duration_s FROM interactions") == [("2024-07-10 07:00:00", 3600.0)]


def test_windows_zone_names_follow_summer_time(store, import_path):
    """Outlook/Exchange name zones the Windows way; 2026-12: mapped by CLDR's windowsZones
    (through tzlocal), so a July meeting at 10:00 in "W. Europe Standard Time" is 08:00 UTC (CEST),
    not 09:00 (the VTIMEZONE's standard offset, what was read before). Our own fixture."""
    from datetime import timezone

    r = import_path(FIX / "outlook-windows-tz.ics")
    assert (r.added, r.errors) == (2, 0)
    got = store.con.execute("SELECT text, ts, duration_s FROM interactions ORDER BY ts").fetchall()
    assert [(t, ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M"), d) for t, ts, d in got] == [
        ("Planning in winter", "2024-01-10 09:00", 3600.0),
        ("Planning in summer", "2024-07-10 08:00", 3600.0),
    ]


def _event(uid: str, guest: str, *, names=("UID", "DTSTART", "ORGANIZER", "ATTENDEE"), end: bool = True) -> str:
    uid_n, start_n, org_n, att_n = names
    return (f"BEGIN:VEVENT\r\n{uid_n}:{uid}\r\n{start_n}:20240710T090000Z\r\n{org_n}:mailto:ada@example.org\r\n"
            f"{att_n};PARTSTAT=ACCEPTED;CN=Guest Name Long Enough To Be Fol\r\n ded:mailto:{guest}\r\n"
            + ("END:VEVENT\r\n" if end else ""))


def test_property_names_in_any_case(tmp_path, store, import_path):
    """Names are case-insensitive (RFC 5545 3.1). Until 2026-12 a title-case name inside an event
    ("Organizer", "Dtstart") was passed over: the meeting lost its organizer and time."""
    ics = tmp_path / "cal.ics"
    ics.write_text("BEGIN:VCALENDAR\r\n" + _event("a", "mary@example.org", names=("Uid", "Dtstart", "Organizer", "attendee"))
                   + "END:VCALENDAR\r\n", encoding="utf-8")
    assert import_path(ics).added == 1
    assert rows(store, f"SELECT native_id, {ACTOR}, ts::VARCHAR FROM interactions") == [
        ("event:a", "email:email:ada@example.org", "2024-07-10 09:00:00+00")]
    assert rows(store, "SELECT display_name FROM identities WHERE value = 'mary@example.org'") == [("Guest Name Long Enough To Be Folded",)]


def test_names_are_ascii_and_a_read_line_may_be_folded_anywhere_after_its_name(tmp_path, store, import_path):
    """Only the lines read are unfolded (2026-12): a fold inside END:VEVENT or a value still reads, and
    an error after folded lines names its physical line. A name is ASCII: "\u017fTATUS" (long s, which
    Unicode case-folding matched to S until 2026-12) is no STATUS, so the event is not taken as cancelled."""
    ics = tmp_path / "cal.ics"
    a = _event("a", "mary@example.org", end=False) + "\u017fTATUS:CANCELLED\r\nEND:VEV\r\n\tENT\r\n"
    b = _event("b", "kim@example.org").replace("DTSTART:20240710T090000Z", "DTSTART:2024-\r\n 07-10")
    ics.write_text("BEGIN:VCALENDAR\r\n" + a + b + "END:VCALENDAR\r\n", encoding="utf-8")
    r = import_path(ics)
    assert (r.added, r.errors) == (1, 1)
    assert rows(store, ATTENDEES) == [("event:a", "mary@example.org")]
    # cal.ics: 1 BEGIN:VCALENDAR, 2-10 event a (its attendee and END folded), 11 event b's BEGIN
    assert rows(store, "SELECT location, error FROM import_errors") == [("cal.ics line 11", "unreadable DTSTART '2024-07-10'")]


def test_an_event_never_closed_is_reported_and_the_next_read(tmp_path, store, import_path):
    """An event whose END:VEVENT is missing before the next one begins was dropped without a word
    until 2026-12 (its properties went to the next event); now it is reported, the next one read."""
    ics = tmp_path / "cal.ics"
    ics.write_text("BEGIN:VCALENDAR\r\n" + _event("a", "mary@example.org", end=False) + _event("b", "kim@example.org")
                   + "END:VCALENDAR\r\n", encoding="utf-8")
    r = import_path(ics)
    assert (r.added, r.errors) == (1, 1)
    assert rows(store, "SELECT location, error FROM import_errors") == [("cal.ics line 2", "event not closed (END:VEVENT missing); file cut off?")]
    assert rows(store, ATTENDEES) == [("event:b", "kim@example.org")]


def test_big_files_are_read_whole_with_any_line_end(tmp_path, store, import_path):
    """A calendar is read in pieces of about 1 MiB that end between events: 8,000 events (1.6 MB)
    with CRLF, LF or bare CR (old Mac) line ends all come in, none split at a piece's edge, and an
    error's line number counts the physical lines of every piece before it."""
    for n, end in enumerate(("\r\n", "\n", "\r")):
        body = "".join(_event(f"e{n}.{k}", f"guest{k}@example.org") for k in range(8000))
        broken = "BEGIN:VEVENT\r\nUID:bad\r\nDTSTART:2024-07-10\r\nORGANIZER:mailto:ada@example.org\r\nATTENDEE:mailto:x@example.org\r\nEND:VEVENT\r\n"
        text = "BEGIN:VCALENDAR\r\n" + body + broken + "END:VCALENDAR\r\n"
        assert len(text) > 1_500_000
        ics = tmp_path / f"cal{n}.ics"
        ics.write_bytes(text.replace("\r\n", end).encode())
        r = import_path(ics)
        assert (r.added, r.errors) == (8000, 1), n
    # the broken event begins on line 2 + 8,000 events x 7 lines
    assert rows(store, "SELECT error, location FROM import_errors ORDER BY 2") == [
        ("unreadable DTSTART '2024-07-10'", f"cal{n}.ics line 56002") for n in range(3)]
    assert rows(store, "SELECT count(*), count(DISTINCT native_id) FROM interactions") == [(24000, 24000)]


def test_a_line_folded_past_the_limit_is_refused_not_held():
    """A "line" over 16 MiB is an error whether folded or not: the reader keeps pieces of whole
    logical lines, so a folded giant would otherwise be held whole in memory (checked 2026-12)."""
    import io

    import pytest

    from closeknit.core.errors import InputError
    from closeknit.ingest.formats.ical import _pieces

    giant = b"BEGIN:VCALENDAR\r\nDESCRIPTION:" + (b"x" * 70 + b"\r\n ") * 300_000 + b"y\r\nEND:VCALENDAR\r\n"
    with pytest.raises(InputError, match="a line longer than 16,777,216 characters"):
        for _ in _pieces(io.BytesIO(giant)):
            pass


# Two calendars in one file (the second with another owner, a zone named later, METHOD:CANCEL at
# the end), an alarm whose ATTENDEE is not a guest, folded lines, and three broken events.
_MIXED = (
    "BEGIN:VCALENDAR\r\nX-WR-CALNAME:owner@example.org\r\nX-WR-TIMEZONE:Europe/Berlin\r\n"
    + "".join(_event(f"a{k}", f"guest{k % 7}@example.org") for k in range(40))
    + "BEGIN:VEVENT\r\nUID:floating\r\nDTSTART:20240710T090000\r\nORGANIZER;CN=Ada:mailto:ada@example.org\r\n"
      "ATTENDEE:mailto:owner@example.org\r\nBEGIN:VALARM\r\nATTENDEE:mailto:alarm@example.org\r\nEND:VALARM\r\nEND:VEVENT\r\n"
    + _event("open", "mary@example.org", end=False)
    + "BEGIN:VEVENT\r\nUID:bad-start\r\nDTSTART:2024-07-10\r\nORGANIZER:mailto:ada@example.org\r\n"
      "ATTENDEE:mailto:kim@example.org\r\nEND:VEVENT\r\n"
    + "BEGIN:VEVENT\r\nUID:bad-line\r\nORGANIZER;CN=\"Ada:mailto:ada@example.org\r\nATTENDEE:mailto:kim@example.org\r\nEND:VEVENT\r\n"
    + "END:VCALENDAR\r\n"
    "BEGIN:VCALENDAR\r\nX-WR-CALNAME:second@example.org\r\n"
    + "BEGIN:VEVENT\r\nUID:zoned\r\nDTSTART;TZID=Office:20240110T090000\r\nORGANIZER:mailto:ada@example.org\r\n"
      "ATTENDEE:mailto:second@example.org\r\nEND:VEVENT\r\n"
    + "BEGIN:VTIMEZONE\r\nTZID:Office\r\nBEGIN:STANDARD\r\nTZOFFSETTO:+0300\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    + "BEGIN:VEVENT\r\nUID:zoned-later\r\nDTSTART;TZID=Office:20240110T090000\r\nORGANIZER:mailto:ada@example.org\r\n"
      "ATTENDEE:mailto:second@example.org\r\nEND:VEVENT\r\n"
    + "".join(_event(f"b{k}", f"guest{k % 5}@example.org") for k in range(30))
    + "METHOD:CANCEL\r\n" + _event("cancelled", "mary@example.org") + "END:VCALENDAR\r\n"
)

_DUMP = {
    "interactions": "SELECT * EXCLUDE (source_id) FROM interactions ORDER BY id",
    "participants": "SELECT * FROM interaction_participants ORDER BY ALL",
    "identities": "SELECT * EXCLUDE (first_source) FROM identities ORDER BY id",
    "errors": "SELECT location, error, excerpt FROM import_errors ORDER BY ALL",
    "me": "SELECT identity_id, channel, kind, value, evidence FROM me ORDER BY ALL",
}


def test_two_calendars_in_one_file_each_read_in_its_own_state(tmp_path, monkeypatch):
    """The calendar's own lines (owner, floating zone, a zone defined after events that use it,
    METHOD:CANCEL) apply to the events after them, also in a second calendar of the same file and
    across pieces; an alarm's ATTENDEE is no guest; broken events are reported with their line."""
    import closeknit.ingest.formats.ical as ical
    from closeknit.ingest import get_importer, open_tree
    from closeknit.store import Store
    from closeknit.store.load import import_tree

    ics = tmp_path / "mixed.ics"
    ics.write_text(_MIXED, encoding="utf-8")
    dumps = {}
    for size in (1 << 20, 300):  # one piece, and pieces cut every few events
        monkeypatch.setattr(ical, "PIECE_BYTES", size)
        st = Store(tmp_path / f"s{size}.duckdb")
        r = import_tree(st, open_tree(ics), get_importer("ical"))
        dumps[size] = (r.added, r.errors), {k: rows(st, q) for k, q in _DUMP.items()}
        times = dict(rows(st, "SELECT native_id, strftime(ts AT TIME ZONE 'UTC', '%H:%M') FROM interactions "
                              "WHERE native_id IN ('event:floating', 'event:zoned', 'event:zoned-later')"))
        ids = {nid for nid, in rows(st, "SELECT native_id FROM interactions")}
        values = {v for v, in rows(st, "SELECT value FROM identities")}
        st.close()
    assert dumps[300] == dumps[1 << 20]  # the same store whatever the pieces
    (added, errors), dump = dumps[300]
    # 40 + floating + 2 zoned + 30 events; the open one, the bad DTSTART, the bad line reported
    assert (added, errors) == (73, 3)
    assert dump["errors"] == [
        ("mixed.ics line 293", "event not closed (END:VEVENT missing); file cut off?", None),
        ("mixed.ics line 299", "unreadable DTSTART '2024-07-10'", None),
        ("mixed.ics line 307", "unreadable ORGANIZER line", 'ORGANIZER;CN="Ada:mailto:ada@example.org'),
    ]
    assert [v for *_, v, _ in dump["me"]] == ["owner@example.org", "second@example.org"]
    # floating in X-WR-TIMEZONE (CEST); the zone not yet defined reads as UTC, then as +03:00
    assert times == {"event:floating": "07:00", "event:zoned": "09:00", "event:zoned-later": "06:00"}
    assert len(ids) == 73 and "event:cancelled" not in ids and "event:b29" in ids
    assert "alarm@example.org" not in values and "mary@example.org" not in values  # mary: only in the open and cancelled events


def test_zoned_times_at_the_clock_changes():
    """A wall time in a zone is read with the zone's offset at that wall time, the first of two
    where the clock goes back (fold 0), the offset before the change where it jumps: as
    datetime.astimezone does (checked against it on 1.2M random times, 2026-12)."""
    from datetime import timedelta, timezone
    from zoneinfo import ZoneInfo

    from closeknit.ingest.formats.ical import parse_dt

    berlin = ZoneInfo("Europe/Berlin")
    got = {v: parse_dt(v, berlin)[0].strftime("%Y-%m-%d %H:%M %Z") for v in (
        "20240331T013000", "20240331T023000", "20240331T033000", "20241027T023000", "20241027T033000", "18900101T120000")}
    assert got == {
        "20240331T013000": "2024-03-31 00:30 UTC",  # CET
        "20240331T023000": "2024-03-31 01:30 UTC",  # does not exist: read with CET
        "20240331T033000": "2024-03-31 01:30 UTC",  # CEST
        "20241027T023000": "2024-10-27 00:30 UTC",  # happens twice: the first (CEST)
        "20241027T033000": "2024-10-27 02:30 UTC",  # CET
        "18900101T120000": "1890-01-01 11:06 UTC",  # Berlin's local mean time, +0:53:28: 11:06:32
    }
    assert parse_dt("20240701T120000", timezone(timedelta(hours=-5)))[0].strftime("%H:%M") == "17:00"
    assert parse_dt("20240701T120000Z", berlin)[0].strftime("%H:%M") == "12:00"
    assert [parse_dt(v) for v in ("2024W011", "2024 301T090000", "20240301t090000", "20241301T090000")] == [None] * 4
