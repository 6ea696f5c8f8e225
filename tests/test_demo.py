"""`closeknit demo`: a deterministic life, written as real exports, imported by the real importers.

The demo is built once per module (through the CLI, with --json) into a temporary folder.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from closeknit.demo.build import write_exports
from closeknit.demo.episodes import EPISODES
from closeknit.demo.life import END, START, simulate
from closeknit.ingest import importers
from closeknit.present.cli import cli
from closeknit.store import Store
from closeknit.store.queries import people_overview

UTC = timezone.utc


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo")
    db, out = base / "demo.duckdb", base / "exports"
    res = CliRunner().invoke(cli, ["demo", "--json", "--db", str(db), "--out", str(out)])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    st = Store(db, read_only=True)
    yield {"db": db, "out": out, "report": report, "store": st}
    st.close()


@pytest.fixture(scope="module")
def life():
    return simulate(7)


def _hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _q(st: Store, sql: str, params=None):
    return st.con.execute(sql, params or []).fetchall()


# ------------------------------------------------------------------------------ determinism
def test_same_seed_gives_byte_identical_exports(demo, tmp_path):
    again = tmp_path / "again"
    write_exports(simulate(7), again)
    first = _hashes(demo["out"])
    assert len(first) >= 60  # ~57 WhatsApp chats + the other exports
    assert _hashes(again) == first


def test_other_seed_gives_another_life(life):
    a, b = life, simulate(8)
    assert [e.text for e in a.events[:200]] != [e.text for e in b.events[:200]]


# ------------------------------------------------------------------------------ size guarantees
def test_life_size(life):
    assert len(life.people) >= 150
    tiers = {t: sum(p.tier == t for p in life.people) for t in ("intimate", "close", "friend")}
    assert tiers == {"intimate": 5, "close": 15, "friend": 51}  # Dunbar-like layers (+ an aunt among friends)
    assert len(life.events) >= 20_000
    assert life.events[0].ts >= START and life.events[-1].ts < END
    assert (life.events[-1].ts - life.events[0].ts) >= timedelta(days=730)


def test_store_size(demo):
    st = demo["store"]
    n = st.count("interactions")
    assert n >= 20_000
    channels = dict(_q(st, "SELECT channel, count(*) FROM interactions GROUP BY channel"))
    assert len(channels) >= 4
    assert {"twitter", "email", "whatsapp", "messenger", "linkedin", "phone"} <= set(channels)
    lo, hi = _q(st, "SELECT min(ts), max(ts) FROM interactions WHERE ts IS NOT NULL")[0]
    assert hi - lo >= timedelta(days=730)
    assert len(people_overview(st.con)) >= 150
    assert demo["report"]["interactions"] == n


# ------------------------------------------------------------------------------ imports
def test_every_registered_importer_reads_its_export_without_errors(demo):
    rep = demo["report"]
    known = importers()
    assert rep["failures"] == []
    by_path = {e["path"]: e for e in rep["exports"]}
    for imp in rep["imports"]:
        assert imp["unreadable"] == 0, imp
        if imp["format"] == "vcard":  # an address book has identities and links, no interactions
            assert imp["identities"] > 50, imp
        else:
            assert imp["added"] > 0, imp
        exp = by_path[imp["path"]]
        assert imp["format"] == exp["format"], f"{imp['path']} detected as {imp['format']}"
    for e in rep["exports"]:
        assert e["imported"] == (e["format"] in known)
    assert _q(demo["store"], "SELECT count(*) FROM import_errors")[0][0] == 0


def test_user_identities_are_registered(demo):
    me = {(c, k, v) for c, k, v in _q(demo["store"], "SELECT channel, kind, value FROM me")}
    assert ("email", "email", "nora.castell@example.net") in me
    assert ("phone", "phone", "+447700900001") in me
    assert ("whatsapp", "name", "Nora C") in me


def test_refuses_to_wipe_a_store_it_did_not_make(tmp_path):
    from closeknit.store.imports import import_paths

    db = tmp_path / "real.duckdb"
    csv = tmp_path / "log.csv"
    csv.write_text("src,dst,ts\nada,bob,2026-01-01T10:00:00Z\n")
    with Store(db) as st:
        import_paths(st, [csv], fmt="events")
        assert st.count("interactions") == 1
    res = CliRunner().invoke(cli, ["demo", "--db", str(db), "--out", str(tmp_path / "x")])
    assert res.exit_code != 0
    assert "did not make" in res.output
    with Store(db, read_only=True) as st:
        assert st.count("interactions") == 1


def test_help_ends_with_an_example():
    res = CliRunner().invoke(cli, ["demo", "--help"])
    assert res.exit_code == 0
    assert "Example:" in res.output
    assert res.output.rstrip().splitlines()[-1].strip().startswith("closeknit")


# ------------------------------------------------------------------------------ cross-channel people
def _row(demo, name: str) -> list[dict]:
    return [r for r in people_overview(demo["store"].con) if r["name"] == name]


def test_cross_channel_whatsapp_and_phone_are_one_person(demo):
    """DEPENDS ON IDENTITY RESOLUTION (lead): the SMS backup names Priya's number with her address-book
    name, which is also her WhatsApp name, so her chats and her calls are one person."""
    rows = [r for r in _row(demo, "Priya Raman") if "whatsapp" in r["channels"]]
    assert len(rows) == 1, rows
    assert {"whatsapp", "phone"} <= set(rows[0]["channels"])
    # the same holds for everyone in the address book who has both a WhatsApp chat and calls or texts
    merged = [r for r in people_overview(demo["store"].con) if {"whatsapp", "phone"} <= set(r["channels"])]
    assert len(merged) >= 25


def test_cross_channel_address_book_links_x_email_and_whatsapp(demo):
    """Identity resolution: Lena Fischer's card lists her
    email, her number and her X profile URL, so her X replies and DMs, her emails and her WhatsApp
    chat (by address-book name = the card's FN) are one row."""
    assert "vcard" in importers()
    rows = _row(demo, "Lena Fischer")
    assert len(rows) == 1, rows
    assert {"twitter", "email", "whatsapp"} <= set(rows[0]["channels"])


# ------------------------------------------------------------------------------ episodes
def _person_of(st: Store, ident: tuple[str, str, str]) -> int:
    ch, kind, value = ident
    rows = _q(st, "SELECT DISTINCT person_id FROM identities WHERE channel = ? AND kind = ? AND value LIKE ?",
              [ch, kind, value + ("%" if value.endswith("-") else "")])
    assert len(rows) == 1, (ident, rows)
    return rows[0][0]


def _dyads(st: Store, pid: int, channel: str) -> list[tuple[datetime, str, str]]:
    """(ts, direction, kind) of everything between the user and person ``pid`` on ``channel``."""
    from closeknit.store.queries import dyad_sql

    return [(ts, d, k) for ts, d, k, _ in _q(
        st, f"SELECT DISTINCT ts, direction, kind, interaction_id FROM ({dyad_sql}) WHERE person_id = ? AND channel = ? "
            "ORDER BY ts", [pid, channel])]


def test_episodes_are_data():
    assert [e.key for e in EPISODES] == ["premature_question", "fading_friend", "unanswered_newcomer",
                                         "linkedin_too_personal"]
    for e in EPISODES:
        assert e.dates == tuple(sorted(e.dates)) and e.flag and e.display_name


def test_episode_premature_question(demo):
    st = demo["store"]
    ep = EPISODES[0]
    pid = _person_of(st, ep.ident)
    rows = _dyads(st, pid, "twitter")
    dated = [(ts.date(), d, k) for ts, d, k in rows if ts is not None]
    assert [x[0] for x in dated] == list(ep.dates)
    assert [(d, k) for _, d, k in dated] == [("out", "reply"), ("out", "reply"), ("in", "message")]
    assert all(ts >= datetime(2026, 10, 11, tzinfo=UTC) for ts, _, _ in rows if ts is not None)  # last 3 weeks
    text = _q(st, "SELECT text FROM interactions WHERE channel='twitter' AND kind='message' AND ts::DATE = ?",
              [ep.dates[-1]])
    assert any("Are you single?" in t for (t,) in text)
    # and the follow (no time in the archive)
    follows = _q(st, "SELECT count(*) FROM interactions i JOIN identities a ON a.id = i.actor_id "
                     "WHERE i.kind = 'follow' AND a.person_id = ?", [pid])
    assert follows[0][0] == 1
    names = [r["name"] for r in people_overview(st.con) if r["person_id"] == pid]
    assert names == [ep.display_name]


def test_episode_fading_friend(demo, life):
    st = demo["store"]
    ep = EPISODES[1]
    pid = _person_of(st, ep.ident)
    rows = [(ts, d) for ts, d, k in _dyads(st, pid, "whatsapp") if k == "message"]
    cut = datetime(2026, 7, 1, tzinfo=UTC)
    late = [(ts.date(), d) for ts, d in rows if ts >= cut]
    assert late == [(ep.dates[0], "out"), (ep.dates[1], "in"), (ep.dates[2], "out")]
    # weekly for the 18 months before: never two weeks without WhatsApp, from January 2025 to June 2026
    before = sorted(ts for ts, _ in rows if ts < cut)
    assert before[0] < datetime(2025, 1, 15, tzinfo=UTC) and before[-1] > datetime(2026, 6, 20, tzinfo=UTC)
    assert max(b - a for a, b in zip(before, before[1:])) < timedelta(days=14)
    assert len({(ts - timedelta(days=ts.weekday())).date() for ts in before}) >= 70
    calls = [ts for ts, d, k in _dyads(st, pid, "phone") if k == "call"]
    assert len(calls) >= 25 and max(calls) < cut
    if "ical" in importers():  # meetings name her by email: found through her address in the life
        email = next(p.email for p in life.people if p.name == ep.display_name)
        meetings = [ts for ts, d, k in _dyads(st, _person_of(st, ("email", "email", email)), "meeting")]
        assert meetings[0].date() == date(2024, 12, 14)  # the party where they met
        assert len(meetings) >= 5 and max(meetings) < cut


def test_episode_unanswered_newcomer(demo):
    st = demo["store"]
    ep = EPISODES[2]
    pid = _person_of(st, ep.ident)
    rows = _q(st, "SELECT i.channel, i.kind, i.ts FROM interactions i JOIN identities a ON a.id = i.actor_id "
              "WHERE a.person_id = ?",
              [pid])
    assert [(c, ts.date()) for c, _, ts in rows] == [("email", ep.dates[0])]
    assert (END - rows[0][2]) < timedelta(days=6)
    assert [d for _, d, _ in _dyads(st, pid, "email")] == ["in"]  # never answered


def test_episode_linkedin_too_personal(demo):
    st = demo["store"]
    ep = EPISODES[3]
    pid = _person_of(st, ep.ident)
    rows = [(ts, d) for ts, d, k in _dyads(st, pid, "linkedin") if k == "message"]
    in_days = [ts.date() for ts, d in rows if d == "in"]
    assert in_days == list(ep.dates)
    assert [d for ts, d in rows if ts >= datetime(2026, 8, 1, tzinfo=UTC)] == ["in"] * 4
    assert sum(d == "out" for _, d in rows) == 2
    texts = [t for (t,) in _q(st, "SELECT text FROM interactions WHERE channel = 'linkedin' AND ts >= '2026-08-01'")]
    assert any("falling for you" in t for t in texts)


def test_refuses_the_main_store(tmp_path, monkeypatch):
    from closeknit.core.config import default_db_path

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    main = default_db_path()
    assert str(main).startswith(str(tmp_path))
    res = CliRunner().invoke(cli, ["demo", "--db", str(main), "--out", str(tmp_path / "x")])
    assert res.exit_code != 0
    assert "main store" in res.output
    assert not main.exists() and not (tmp_path / "x").exists()
