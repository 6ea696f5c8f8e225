"""person / check / attention / circles / people on a tiny store written record by record."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from closeknit.ingest.records import Ident, Interaction, SelfIdentity
from closeknit.present.cli import cli
from closeknit.store import Store
from closeknit.store.load import load_records

T0 = datetime(2025, 1, 6, 9, 0, tzinfo=timezone.utc)
LONELY = "Are you lonely at night? Do you ever cry about your ex?"  # the model: a personal question (0.54)
ME = Ident("email", "email", "me@example.org", "Me")
ANN = Ident("email", "email", "ann@example.org", "Ann Lee")
BOB = Ident("twitter", "handle", "bob", "Bob Stone")
CARL = Ident("email", "email", "carl@example.org", "Carl Diaz")
DEE = Ident("email", "email", "dee@example.org", "Dee Park")


def _msg(n: int, day: float, actor: Ident, other: Ident, text: str, channel: str = "email", kind: str = "message",
         visibility: str = "private") -> Interaction:
    return Interaction(native_id=f"m{n}", kind=kind, channel=channel, ts=T0 + timedelta(days=day), actor=actor,
                       participants=[(other, "recipient")], visibility=visibility, text=text)


def scored_life_store(path) -> int:
    """A store at ``path`` holding :func:`_life`, every text scored through the library; returns
    how many texts were scored."""
    import closeknit

    with Store(path) as st:
        load_records(st, _life(), fmt="test", path="life", fingerprint="life", parser_version="1")
    with closeknit.open(path, read_only=False) as ck:
        return ck.score_store()


def _life() -> list:
    recs: list = [SelfIdentity(ME, "test"), SelfIdentity(Ident("twitter", "handle", "me_tw"), "test")]
    n = 0
    # Ann: a year of weekly letters (polite for three months, then personal), then silence: a fading tie
    for w in range(52):
        n += 1
        a, b = (ME, ANN) if w % 2 == 0 else (ANN, ME)
        early = w < 12
        recs.append(_msg(n, 7 * w, a, b, "Nice to meet you at the conference, the slides are attached." if early else
                         "I miss you, how is your mum doing after the hospital? I worry about her."))
        n += 1
        recs.append(_msg(n, 7 * w + 0.02, b, a, "Thanks, the slides are great, see you at the next meetup." if early else
                         "Thank you for asking, I feel better now. My family is all together."))
    # Bob: follows you on X, you answered two of his public replies, then a personal DM
    recs.append(Interaction("f1", "follow", "twitter", None, BOB, [(Ident("twitter", "handle", "me_tw"), "recipient")],
                            visibility="public"))
    for i, d in enumerate((440, 447)):
        recs.append(Interaction(f"r{i}", "reply", "twitter", T0 + timedelta(days=d), Ident("twitter", "handle", "me_tw"),
                                [(BOB, "recipient")], visibility="public", text="@bob thanks, glad you liked it"))
    recs.append(Interaction("dm1", "message", "twitter", T0 + timedelta(days=455), BOB,
                            [(Ident("twitter", "handle", "me_tw"), "recipient")],
                            text=LONELY))
    # Carl: a newcomer who wrote once, two days before the end, and got no answer
    recs.append(_msg(9001, 458, CARL, ME, "Hello from your new neighbour at number 12! Would you like to have coffee?"))
    # Dee: a colleague, monthly professional mail both ways (keeps "now" at day 460)
    for m in range(16):
        recs.append(_msg(9100 + 2 * m, 30 * m + 1, DEE, ME, "Please find the quarterly report attached for review."))
        recs.append(_msg(9101 + 2 * m, 30 * m + 1.1, ME, DEE, "Thanks, I will review the report and send comments."))
    recs.append(_msg(9500, 460, DEE, ME, "Can you review the quarterly report attached?"))
    return recs


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("relate") / "s.duckdb"
    with Store(path) as st:
        load_records(st, _life(), fmt="test", path="life", fingerprint="life", parser_version="1")
    return str(path)


def run(*args):
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r


def js(*args):
    return json.loads(run(*args, "--json").stdout)


def test_commands_score_the_store_first(db):
    js("attention", "--db", db)
    with Store(db, read_only=True) as st:
        n_text = st.con.execute("SELECT count(*) FROM interactions WHERE text IS NOT NULL").fetchall()[0][0]
        n_scored = st.con.execute("SELECT count(*) FROM message_scores").fetchall()[0][0]
    assert n_scored == n_text == 104 + 2 + 1 + 1 + 33


def test_person_story(db):
    p = js("person", "Ann Lee", "--db", db)
    m = p["measures"]
    assert p["person"] == "Ann Lee" and m["contacts"] == 104 and (m["contacts_ab"], m["contacts_ba"]) == (52, 52)
    assert m["initiated_ab"] == 26 and m["initiated_ba"] == 26 and m["reciprocity"] == pytest.approx(1.0)
    assert m["trajectory"] == "fading"  # 104 contacts in a year, none in the last 90 days
    assert m["stage"] in ("friend", "close")
    assert [c["to"] for c in p["stage_changes"]][:2] == ["acquaintance", "familiar"]
    assert p["who_discloses_more"] == "both the same"
    assert len(p["last_exchanges"]) == 8 and p["last_exchanges"][0]["text"].startswith("Thank you for asking")
    assert p["channels"][0]["channel"] == "email"


def test_person_as_of(db):
    early = js("person", "ann@example.org", "--db", db, "--as-of", "2025-01-31")
    assert early["measures"]["contacts"] == 8 and early["as_of"] == "2025-01-31T23:59:59+00:00"


def test_check_incoming_finds_the_near_stranger(db):
    rows = js("check", "--incoming", "--db", db)
    assert [(r["person"], r["verdict"], r["stage_before"]) for r in rows] == [("Bob Stone", "well ahead", "first contact")]
    assert rows[0]["personal_question"] is True and rows[0]["when"].startswith("2026-04-06")
    assert rows[0]["text"] == LONELY


def test_check_a_draft(db):
    bold = js("check", LONELY, "--to", "Carl Diaz", "--db", db)
    assert bold["personal_question"] is True and bold["stage"] == "first contact"
    assert bold["verdict"] == "well ahead" and bold["channel"] == "email"
    assert "personal question" in bold["explanation"]
    mild = js("check", "Thanks for the report, I will send comments on Friday.", "--to", "Dee Park", "--db", db)
    assert mild["verdict"] == "fine" and mild["channel_norm"]["n"] > 0
    r = run("check", "Thanks, see you then.", "--to", "Dee Park", "--db", db)
    assert r.stdout.splitlines()[0] == "fine"


def test_check_usage_errors(db):
    r = CliRunner().invoke(cli, ["check", "hello", "--db", db])
    assert r.exit_code == 2 and "--to NAME" in r.output
    r = CliRunner().invoke(cli, ["check", "hello", "--incoming", "--db", db])
    assert r.exit_code == 2


def test_attention(db):
    rows = js("attention", "--db", db)
    got = {(r["person"], r["reason"]) for r in rows}
    assert ("Carl Diaz", "newcomer") in got
    assert ("Ann Lee", "fading") in got
    assert ("Dee Park", "waiting") not in got  # asked 0 hours before now: not waiting long enough yet
    assert "Bob Stone" not in {r["person"] for r in rows}  # his message ran ahead: not a welcome
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    newcomer = [r for r in rows if r["reason"] == "newcomer"][0]
    assert newcomer["explanation"] == "first contact 2 days ago on email: 1 message(s) from them, none from you"


def test_circles(db):
    c = js("circles", "--db", db, "--layers", "2")
    assert sorted({m["layer"] for m in c}) == [1, 2]
    assert len(c) == 4  # everyone in contact over the year, one row each
    assert [m["closeness"] for m in c] == sorted((m["closeness"] for m in c), reverse=True)
    inner = [m["person"] for m in c if m["layer"] == 1]
    assert "Ann Lee" in inner or "Dee Park" in inner
    table = run("circles", "--db", db, "--layers", "2").stdout
    assert "1. support clique (~5)" in table
    # each layer with how often its people are in touch: the median of their contacts a month
    for layer in (1, 2):
        monthly = sorted(m["contacts_per_month"] for m in c if m["layer"] == layer)
        median = (monthly[(len(monthly) - 1) // 2] + monthly[len(monthly) // 2]) / 2
        row = next(line for line in table.splitlines() if f"{layer}. " in line)
        assert f" {round(median, 1)} " in row, (row, median)


def test_people_gains_measures(db):
    rows = js("people", "--db", db, "--sort", "reciprocity")
    assert set(rows[0]) >= {"stage", "closeness", "familiarity", "intimacy", "reciprocity", "trust"}
    # closest first: the order of each person's rank in `person`
    closest = js("people", "--db", db, "--sort", "closeness")
    ranked = [(js("person", r["person"], "--db", db)["closeness"] or {}).get("rank") for r in closest]
    assert [r["person"] for r in closest][:4] == ["Ann Lee", "Dee Park", "Bob Stone", "Carl Diaz"]
    assert ranked[:4] == [1, 2, 3, 4]
    assert [r["closeness"] for r in closest[:4]] == sorted((r["closeness"] for r in closest[:4]), reverse=True)
    rec = [r["reciprocity"] for r in rows if r["reciprocity"] is not None]
    assert rec == sorted(rec, reverse=True)
    by_name = {r["person"]: r for r in rows}
    assert by_name["Carl Diaz"]["stage"] == "first contact"
    assert by_name["Bob Stone"]["stage"] == "acquaintance"
    stages = [r["stage"] for r in js("people", "--db", db, "--sort", "stage")]
    assert stages[-1] == "first contact"


def test_help_ends_with_an_example():
    for cmd in ("person", "check", "attention", "circles"):
        out = run(cmd, "--help").output.rstrip().splitlines()
        assert any(line.strip() == "Example:" for line in out), cmd
        assert out[-1].strip().startswith("closeknit ")


def test_person_shows_the_parts_of_closeness(db):
    ann = js("person", "Ann Lee", "--db", db)["closeness"]
    parts = {p["feature"]: p for p in ann["parts"]}
    assert set(parts) == {"contact_days", "regularity", "overdue", "recency", "mutual_days", "balance", "talk", "channels",
                          "shared", "span", "private", "intimacy", "offhours", "share"}
    assert parts["contact_days"]["evidence"] == "52 days with contact"  # two letters a week, the same day
    assert parts["recency"]["evidence"] == "103 days since the last contact"  # day 357 to day 460
    assert parts["shared"]["evidence"] == "not known in the personal view" and parts["shared"]["part"] == 0.0
    # Ann got 104 of the 141 contacts you had with anyone; every letter was on a weekday in office hours
    assert parts["share"]["evidence"] == "104 of your 141 contacts" and parts["share"]["value"] == 0.738
    assert parts["offhours"]["evidence"] == "0 of 104 contacts on evenings, nights or weekends"
    import math
    total = ann["intercept"] + sum(p["part"] for p in ann["parts"])
    assert ann["closeness"] == pytest.approx(1 / (1 + math.exp(-total)), abs=0.005)  # parts rounded to 3 places
    out = CliRunner().invoke(cli, ["person", "Ann Lee", "--db", db], env={"COLUMNS": "200"}).output
    assert f"Closeness {ann['closeness']:.2f} (1st closest of your 4 relationships): the parts of its log-odds" in out
    # the rank is closeness's order among everyone you were in contact with
    everyone = {name: js("person", name, "--db", db)["closeness"] for name in ("Ann Lee", "Bob Stone", "Carl Diaz", "Dee Park")}
    assert {k["of"] for k in everyone.values()} == {4}
    by_rank = sorted(everyone, key=lambda name: everyone[name]["rank"])
    assert [everyone[name]["rank"] for name in by_rank] == [1, 2, 3, 4] and by_rank[0] == "Ann Lee"
    assert [everyone[name]["closeness"] for name in by_rank] == sorted((k["closeness"] for k in everyone.values()), reverse=True)


def test_offhours_is_read_on_the_users_clock(tmp_path):
    # Ann's letters are Monday 09:00 and 09:29 UTC: office hours in London (GMT, and BST in summer:
    # 10:00), 04:00 or 05:00 in New York; the user's time zone decides, and changing it takes effect
    path = str(tmp_path / "tz.duckdb")
    with Store(path) as st:
        load_records(st, _life(), fmt="test", path="life", fingerprint="life", parser_version="1")

    def offhours() -> str:
        parts = js("person", "Ann Lee", "--db", path)["closeness"]["parts"]
        return [p for p in parts if p["feature"] == "offhours"][0]["evidence"]

    assert offhours() == "0 of 104 contacts on evenings, nights or weekends"  # UTC until one is set
    run("me", "--db", path, "timezone", "America/New_York")
    assert offhours() == "104 of 104 contacts on evenings, nights or weekends"
    run("me", "--db", path, "timezone", "Europe/London")
    assert offhours() == "0 of 104 contacts on evenings, nights or weekends"


def test_fading_is_ranked_by_how_overdue_against_its_own_rhythm(db):
    ann = [r for r in js("attention", "--db", db) if r["reason"] == "fading"]
    assert [r["person"] for r in ann] == ["Ann Lee"]
    # weekly letters until day 357, now day 460: 103 days of silence, 14.8 times the 7-day rhythm (the
    # usual gap is a geometric mean of gaps of 6.98 and 7.02 days)
    assert ann[0]["explanation"].startswith("friend: last contact 103 days ago, 14.8 times its usual gap between "
                                            "conversations (7 days); 0 contacts in the last 90 days against a usual 25")
    assert re.search(r"; the contact model gives \d\d?% that you write to them next rather than to someone at random "
                     r"\(50%: no likelier than anyone\)$", ann[0]["explanation"]), ann[0]["explanation"]
    assert ann[0]["priority"] == pytest.approx(2 + 14.75 / 15.75, abs=0.002)
