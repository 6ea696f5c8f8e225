"""LinkedIn export: the real Connections.csv sample and our own fixtures for every file version."""

from __future__ import annotations

import zipfile

import pytest

from tests.conftest import rows

PRE2020_CONNECTIONS = (
    "\ufeffFirst Name,Last Name,Email Address,Company,Position,Connected On\n"
    "Ada,Lovelace,Ada@Example.org,Analytical Engines,Programmer,03 Jan 2019\n"
    "Bob,\"Byte, PhD\",,Acme,CTO,17 Jun 2018\n"
    "Cleo,Bad,,Acme,CTO,someday\n"
)

HEADERS = {
    "older": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,DATE,SUBJECT,CONTENT",
    "2022": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER",
    "2024a": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,ATTACHMENTS",
    "2024b": "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,FOLDER,IS MESSAGE DRAFT,IS CONVERSATION ARCHIVED",
}
OWEN = "https://www.linkedin.com/in/owen-owner"
ADA = "https://www.linkedin.com/in/Ada-L"
BOB = "https://www.linkedin.com/in/bob-b"

# (conversation, from, sender url, to, recipient urls, date, content, folder)
MESSAGES = [
    ("2-AAA==", "Ada Lovelace", ADA, "Owen Owner", OWEN, "2026-04-06 16:35:35 UTC", "Hi Owen,\n\ngreat talk yesterday!", "INBOX"),
    ("2-AAA==", "Owen Owner", OWEN, "Ada Lovelace", ADA, "2026-04-06 17:00:00 UTC", "Thanks Ada", "SENT"),
    ("2-BBB==", "Owen Owner", OWEN, "Ada Lovelace, Bob Byte", f"{ADA},{BOB}", "2026-04-07 09:00:00 UTC", "<p>Meet <b>Bob</b></p>", "SENT"),
    ("2-CCC==", "LinkedIn Member", "", "Owen Owner", OWEN, "2026-04-08 09:00:00 UTC", "<html><body>Sponsored: grow!</body></html>", "INBOX"),
    ("2-DDD==", "Ada Lovelace", ADA, "Owen Owner", OWEN, "not a date", "?", "INBOX"),
]


def _q(v: str) -> str:
    return '"' + v.replace('"', '""') + '"'


def _messages_csv(variant: str) -> str:
    cols = HEADERS[variant].split(",")
    lines = [",".join(_q(c) for c in cols)]
    for conv, frm, furl, to, turls, date, content, folder in MESSAGES:
        vals = {"CONVERSATION ID": conv, "CONVERSATION TITLE": "", "FROM": frm, "SENDER PROFILE URL": furl, "TO": to,
                "RECIPIENT PROFILE URLS": turls, "DATE": date, "SUBJECT": "", "CONTENT": content, "FOLDER": folder,
                "ATTACHMENTS": "", "IS MESSAGE DRAFT": "No", "IS CONVERSATION ARCHIVED": "No"}
        lines.append(",".join(_q(vals[c]) for c in cols))
    return "\n".join(lines) + "\n"


def test_linkedin_connections_sample(shared, store, import_path):
    r = import_path(shared / "formats" / "linkedin" / "Connections.csv")
    assert r.format == "linkedin"
    assert (r.added, r.errors, r.identities) == (1, 0, 1)
    assert rows(store, "SELECT i.kind, i.channel, i.ts::VARCHAR, p.value, p.display_name FROM interactions i "
                       "JOIN interaction_participants ip ON ip.interaction_id = i.id JOIN identities p ON p.id = ip.identity_id") == [
        ("connect", "linkedin", "2025-12-22 00:00:00+00", "https://www.linkedin.com/in/alexrohrberg", "Alex Rohrberg")]
    assert import_path(shared / "formats" / "linkedin" / "Connections.csv", force=True).added == 0


def test_pre2020_connections_without_preamble_or_url(tmp_path, store, import_path):
    p = tmp_path / "Connections.csv"
    p.write_text(PRE2020_CONNECTIONS, encoding="utf-8")
    r = import_path(p)
    assert (r.added, r.errors) == (2, 1)
    assert rows(store, "SELECT p.kind, p.value, p.display_name, i.ts::DATE::VARCHAR FROM interactions i "
                       "JOIN interaction_participants ip ON ip.interaction_id = i.id JOIN identities p ON p.id = ip.identity_id ORDER BY i.ts") == [
        ("name", "Bob Byte, PhD", "Bob Byte, PhD", "2018-06-17"),
        ("email", "ada@example.org", "Ada Lovelace", "2019-01-03"),
    ]
    assert rows(store, "SELECT location, error FROM import_errors") == [("Connections.csv line 4", "unreadable date 'someday'")]


@pytest.mark.parametrize("variant", sorted(HEADERS))
def test_messages_csv_header_variants(variant, tmp_path, store, import_path):
    p = tmp_path / "export.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("messages.csv", _messages_csv(variant))
        zf.writestr("guide_messages.csv", _messages_csv(variant))  # AI coach: ignored
        zf.writestr("Connections.csv", "Notes:\n\"notice\"\n\nFirst Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                                       f"Ada,Lovelace,{ADA},ada@example.org,AE,Dev,22 Dec 2025\n")
        zf.writestr("Invitations.csv", "From,To,Sent At,Message,Direction,inviterProfileUrl,inviteeProfileUrl\n"
                                       f"Owen Owner,Bob Byte,\"4/6/26, 4:35 PM\",Hi Bob - met at the meetup,OUTGOING,{OWEN},{BOB}\n")
    r = import_path(p)
    assert r.format == "linkedin"
    assert r.errors == 1  # the unreadable date; the sponsored InMail is skipped silently
    got = rows(store, "SELECT i.kind, a.value, i.text, i.visibility, i.thread_id, i.ts::VARCHAR FROM interactions i "
                      "LEFT JOIN identities a ON a.id = i.actor_id ORDER BY i.ts")
    lower_ada = "https://www.linkedin.com/in/ada-l"
    assert [g[:5] for g in got] == [
        ("connect", OWEN, None, "private", None),
        ("invite", OWEN, "Hi Bob - met at the meetup", "private", None),
        ("message", lower_ada, "Hi Owen,\n\ngreat talk yesterday!", "private", "2-AAA=="),
        ("message", OWEN, "Thanks Ada", "private", "2-AAA=="),
        ("message", OWEN, "Meet Bob", "group", "2-BBB=="),
    ]
    assert [g[5] for g in got[:3]] == ["2025-12-22 00:00:00+00", "2026-04-06 16:35:00+00", "2026-04-06 16:35:35+00"]
    group = rows(store, "SELECT p.value, p.display_name FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                        "JOIN identities p ON p.id = ip.identity_id WHERE i.thread_id = '2-BBB==' ORDER BY 1")
    if variant == "older":  # no RECIPIENT PROFILE URLS column: names only
        assert group == [("Ada Lovelace", "Ada Lovelace"), ("Bob Byte", "Bob Byte")]
    else:
        assert group == [(lower_ada, "Ada Lovelace"), (BOB, "Bob Byte")]
    # the owner: sender of SENT messages (2022+), else the inviter of outgoing invitations
    assert rows(store, "SELECT value FROM me") == [(OWEN,)]
    assert rows(store, "SELECT a.value, b.value, reason, confidence FROM identity_links l JOIN identities a ON a.id = l.a "
                       "JOIN identities b ON b.id = l.b") == [(lower_ada, "ada@example.org", "LinkedIn connection lists this email", 1.0)]
    assert import_path(p, force=True).added == 0


def test_messages_csv_until_2019(tmp_path, store, import_path):
    """The layout until 2019: "From,To,Date,Subject,Content,Direction,Folder" (names only, US dates,
    no conversation id), as documented by apache/streams' linkedin.ttl.ftl (commit 439f66b708a5)."""
    p = tmp_path / "Basic_LinkedInDataExport_03-14-2018.zip"
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("Messages.csv", "\r\n".join([
            "From,To,Date,Subject,Content,Direction,Folder",
            'Ada Lovelace,Owen Owner,"3/14/18, 9:05 AM",Engines,"Shall we talk about engines?",INCOMING,INBOX',
            'Owen Owner,Ada Lovelace,"3/14/18, 4:35 PM",RE: Engines,"Yes, Friday",OUTGOING,SENT',
            'Grace Hopper,Owen Owner,"12/1/17, 11:00 AM",Hello,<p>Nice to <b>meet</b> you</p>,INCOMING,INBOX',
            'Grace Hopper,Owen Owner,"not a date",Hello,lost,INCOMING,INBOX',
        ]) + "\r\n")
        zf.writestr("Connections.csv", "\r\n".join([
            "First Name,Last Name,Address,Email Address,Company,Position,Connected On,Websites,Instant Messengers",
            'Ada,Lovelace,,ada@example.org,Engines Ltd,Analyst,"1/2/18, 10:00 AM",,',
        ]) + "\r\n")
    r = import_path(p)
    assert (r.format, r.added, r.errors) == ("linkedin", 4, 1)
    assert rows(store, "SELECT kind, value FROM me") == [("name", "Owen Owner")]
    got = rows(store, "SELECT i.kind, a.value, text, epoch(ts)::BIGINT, thread_id FROM interactions i "
                      "LEFT JOIN identities a ON a.id = i.actor_id ORDER BY ts")
    assert [g[:4] for g in got] == [
        ("message", "Grace Hopper", "Nice to meet you", 1_512_126_000),
        ("connect", "Owen Owner", None, 1_514_887_200),
        ("message", "Ada Lovelace", "Shall we talk about engines?", 1_521_018_300),
        ("message", "Owen Owner", "Yes, Friday", 1_521_045_300),
    ]
    # one thread per set of parties: Ada's two messages share one, Grace's is another
    assert got[2][4] == got[3][4] != got[0][4] and got[0][4].startswith("parties:")
    assert rows(store, "SELECT location, error FROM import_errors") == [
        ("Messages.csv line 5", "unreadable date 'not a date'")]
    assert import_path(p, force=True).added == 0


def test_a_line_that_is_not_csv_is_reported_and_the_rest_read(tmp_path, store, import_path):
    # found by benchmarks/fuzz.py: a carriage return in an unquoted field was a csv.Error (a traceback)
    p = tmp_path / "Connections.csv"
    p.write_text(PRE2020_CONNECTIONS.replace("Bob,", "Bo\rb,"), encoding="utf-8", newline="")
    r = import_path(p, "linkedin")
    assert (r.added, r.errors) == (1, 2)
    assert rows(store, "SELECT p.value FROM interactions i JOIN interaction_participants ip ON ip.interaction_id = i.id "
                       "JOIN identities p ON p.id = ip.identity_id") == [("ada@example.org",)]
    assert rows(store, "SELECT location, error FROM import_errors ORDER BY 1") == [
        ("Connections.csv line 3", "not a CSV line (new-line character seen in unquoted field - do you need to open the file "
                                   "in universal-newline mode?)"),
        ("Connections.csv line 4", "unreadable date 'someday'")]
