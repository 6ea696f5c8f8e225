"""On the demo life: every designed episode is found by the command meant to find it."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from closeknit.demo.episodes import EPISODES
from closeknit.present.cli import cli
from tests.conftest import copy_demo

EP = {e.key: e for e in EPISODES}


@pytest.fixture(scope="module")
def db(tmp_path_factory, demo_built):
    return str(copy_demo(demo_built, tmp_path_factory.mktemp("demo_relate")))


def js(*args):
    r = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def incoming(db):
    return js("check", "--incoming", "--limit", "0", "--db", db)


@pytest.fixture(scope="module")
def attention(db):
    return js("attention", "--limit", "0", "--db", db)


def _day(when: str) -> date:
    return date.fromisoformat(when[:10])


def test_premature_personal_question_found_by_check_incoming(incoming):
    ep = EP["premature_question"]
    hits = [r for r in incoming if r["person"] == ep.display_name]
    assert [(_day(r["when"]), r["verdict"], r["stage_before"], r["channel"]) for r in hits] == [
        (ep.dates[-1], "well ahead", "first contact", "twitter")]
    assert hits[0]["probing_question"] is True
    assert incoming[0]["person"] == ep.display_name  # the newest flagged message of the whole life


def test_linkedin_contact_getting_too_personal_found_by_check_incoming(incoming):
    ep = EP["linkedin_too_personal"]
    hits = [r for r in incoming if r["person"] == ep.display_name]
    assert {r["channel"] for r in hits} == {"linkedin"}
    days = {_day(r["when"]) for r in hits}
    assert days <= set(ep.dates[3:])  # only the late, personal messages; the professional ones pass
    assert date(2026, 8, 25) in days  # "Are you seeing anyone? I'd love to take you to dinner"


def test_fading_close_friend_found_by_attention(attention, db):
    ep = EP["fading_friend"]
    hits = [r for r in attention if r["person"] == ep.display_name]
    assert [(r["reason"], r["stage"], r["trajectory"]) for r in hits] == [("fading", "close", "fading")]
    fading = [r for r in attention if r["reason"] == "fading"]
    assert fading[0]["person"] == ep.display_name  # the strongest of the fading ties
    p = js("person", ep.display_name, "--db", db)
    assert p["measures"]["trajectory"] == "fading" and p["measures"]["stage"] == "close"
    assert p["measures"]["recent_contacts"] == 3


def test_unanswered_newcomer_found_by_attention(attention):
    ep = EP["unanswered_newcomer"]
    hits = [r for r in attention if r["person"] == ep.display_name]
    assert [(r["reason"], r["stage"]) for r in hits] == [("newcomer", "first contact")]
    assert [r["person"] for r in attention if r["reason"] == "newcomer"] == [ep.display_name]


def test_unwanted_advances_are_not_recommended_for_a_welcome(attention):
    names = {r["person"] for r in attention if r["reason"] in ("waiting", "newcomer")}
    assert EP["premature_question"].display_name not in names
    assert EP["linkedin_too_personal"].display_name not in names


def _busiest(db, name: str) -> str:
    """The id of the person called ``name`` with the most interactions (names can repeat)."""
    from closeknit.store import Store
    from closeknit.store.queries import people_overview

    with Store(db, read_only=True) as st:
        return str([p for p in people_overview(st.con) if p["name"] == name][0]["person_id"])


def test_waiting_says_how_fast_you_usually_answer_or_that_you_never_have(attention):
    waiting = [r for r in attention if r["reason"] == "waiting"]
    assert waiting and all("?" not in r["explanation"] for r in attention)
    never = [r["person"] for r in waiting if r["explanation"].endswith("is unanswered (you have not answered them before)")]
    usual = [r for r in waiting if re.search(r"is unanswered \(you usually answer in \d+ (minutes|hours|days)\)$", r["explanation"])]
    assert never == ["Ruth Shah", "Seb Stone"] and len(usual) == 8 and len(waiting) == 10


def test_extras_revived_and_asymmetry(db, attention):
    marcus = js("person", _busiest(db, "Marcus Okafor"), "--db", db)
    assert marcus["measures"]["trajectory"] == "revived"
    assert any(r["person"] == "Ellie Brooks" and r["reason"] == "one-sided" for r in attention)


def test_circles_and_people_on_the_demo(db):
    c = js("circles", "--db", db)
    sizes = [sum(m["layer"] == layer for m in c) for layer in range(1, 6)]
    assert all(sizes) and sizes[0] <= 10  # five non-empty layers, the innermost small
    people = js("people", "--db", db, "--sort", "intimacy", "--limit", "20")
    assert len(people) == 20 and all(p["stage"] in ("friend", "close") for p in people[:10])


def test_library_and_cli_give_the_same_numbers_on_the_demo(db, tmp_path):
    """Issue 13: with its scores deleted, the demo measured through the library gave a mean intimacy
    of 0.268 against the CLI's 0.322. The library now scores first (in memory, on a read-only store)."""
    import shutil

    import closeknit
    from closeknit.relate import load
    from closeknit.store import Store

    bare, fast = tmp_path / "bare.duckdb", tmp_path / "fast.duckdb"
    shutil.copy(db, bare)
    shutil.copy(db, fast)
    with Store(bare) as st:
        st.con.execute("DELETE FROM message_scores")
        unscored = load(st.con).dyads().to_pandas()  # the bare measures, as before: no scores
    with Store(fast) as st:  # the library scores with the fast model: compare with the CLI on fast scores only
        st.con.execute("DELETE FROM message_scores WHERE model = 'accurate'")
    with closeknit.open(bare) as ck:
        api = ck.relationships()
    cli_rows = [r for r in js("people", "--db", str(fast), "--limit", "0") if r["intimacy"] is not None]
    cli_mean = sum(r["intimacy"] for r in cli_rows) / len(cli_rows)
    assert round(cli_mean, 3) == round(api.intimacy.mean(), 3) == 0.229  # the fast model of 2026-12-07
    assert round(unscored.intimacy.mean(), 3) == 0.268
