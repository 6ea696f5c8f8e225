"""The Python API (closeknit.open): DataFrames with names, the same numbers and JSON as the CLI."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

import closeknit
from closeknit.api import to_jsonable
from closeknit.core.errors import NotFoundError, UsageError
from closeknit.present.cli import cli
from closeknit.store import Store
from tests.relate.test_commands import LONELY, scored_life_store


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("api") / "s.duckdb"
    assert scored_life_store(path) == 141  # every text, once
    return path


def cli_json(*args):
    r = CliRunner().invoke(cli, [*args, "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_public_names():
    assert closeknit.__all__ == ["open", "Closeknit", "to_json", "__version__"]
    assert closeknit.open is closeknit.api.open


def test_people_have_names_and_measures(db):
    with closeknit.open(db) as ck:
        df = ck.people()
    assert list(df.person) == ["Ann Lee", "Dee Park", "Bob Stone", "Carl Diaz"]
    ann = df.iloc[0]
    assert (ann.interactions, ann.n_out, ann.n_in, ann.stage, ann.trajectory) == (104, 52, 52, "friend", "fading")
    assert isinstance(ann.person_id, str) and ann.person_id.isdigit()
    assert ann.first_contact == pd.Timestamp("2025-01-06 09:00", tz="UTC")


def test_cli_json_is_the_api_result(db):
    """Each command prints exactly what its API call returns (to_jsonable of it)."""
    with closeknit.open(db) as ck:  # (one process cannot hold a store read-only and read-write at once)
        api = {
            ("people",): ck.people(),
            ("attention",): ck.attention(limit=30),
            ("circles",): ck.circles(),
            ("check", "--incoming"): ck.incoming(limit=30),
            ("person", "Ann Lee"): ck.person("Ann Lee"),
            ("check", LONELY, "--to", "Carl Diaz"): ck.check(LONELY, to="Carl Diaz"),
            ("sources",): ck.sources(),
            ("people", "show", "Ann Lee"): ck.identities("Ann Lee"),
            ("doctor",): ck.doctor(),
        }
    for args, result in api.items():
        if args[0] == "people" and len(args) > 1:
            got = cli_json("people", "--db", str(db), *args[1:])
        else:
            got = cli_json(*args, "--db", str(db))
        assert got == to_jsonable(result), args


def test_one_json_shape(db):
    """The person is `person` beside `person_id`; ids are strings; times ISO 8601 with zone."""
    p = cli_json("person", "Ann Lee", "--db", str(db))
    assert set(p) >= {"person", "person_id"} and "name" not in p
    assert p["as_of"] == "2026-04-11T09:00:00+00:00"
    assert p["measures"]["first_ts"] == "2025-01-06T09:00:00+00:00"
    assert p["last_exchanges"][0]["when"].endswith("+00:00")
    assert isinstance(p["last_exchanges"][0]["interaction_id"], str)
    for cmd in (("people",), ("attention",), ("check", "--incoming"), ("circles",)):
        rows = cli_json(*cmd, "--db", str(db))
        assert rows and all(isinstance(r["person_id"], str) and isinstance(r["person"], str) for r in rows), cmd
    inc = cli_json("check", "--incoming", "--db", str(db))[0]
    assert inc["when"] == "2026-04-06T09:00:00+00:00" and inc["person"] == "Bob Stone"


def test_relationships_and_pairs(db):
    with closeknit.open(db) as ck:
        rel = ck.relationships()
        pairs = ck.pairs()
    assert list(rel.columns[:9]) == ["person_id", "person", "stage", "trajectory", "closeness", "familiarity",
                                     "intimacy", "reciprocity", "trust"]
    assert list(rel.person) == ["Ann Lee", "Dee Park", "Bob Stone", "Carl Diaz"]  # closest first
    assert rel.closeness.is_monotonic_decreasing and rel.closeness.between(0, 1).all()
    ann = rel.iloc[0]
    assert (ann.contacts, ann.contacts_ab, ann.contacts_ba, ann.initiated_ab) == (104, 52, 52, 26)
    assert ann.last_contact_ts == pd.Timestamp("2025-12-29 09:28:48", tz="UTC")  # day 357.02
    # every pair: here only pairs with the user exist, so the same four, named a/b by id order
    assert list(pairs.columns[:6]) == ["a_id", "a", "b_id", "b", "a_name", "b_name"]
    assert sorted(pairs.b_name) == sorted(rel.person) and set(pairs.a_id) == {"0"}
    assert "ann@example.org" in set(pairs.b)  # a and b as the data names them
    merged = pairs.merge(rel, left_on="b_id", right_on="person_id", suffixes=("_p", "_r"))
    assert (merged.intimacy_p == merged.intimacy_r).all() and (merged.stage_p == merged.stage_r).all()


def test_interactions_filters(db):
    with closeknit.open(db) as ck:
        ann = ck.interactions("ann@example.org")
        assert len(ann) == 104 and set(ann.person) == {"Ann Lee", "Me"}
        assert ann.ts.is_monotonic_decreasing and str(ann.ts.dt.tz) == "UTC"
        assert len(ck.interactions(channel="twitter")) == 4
        assert len(ck.interactions("Dee Park", since="2026-01-01")) == 9  # months 12-15 both ways, and the last ask
        assert list(ck.interactions(limit=1).text) == ["Can you review the quarterly report attached?"]
        with pytest.raises(NotFoundError):
            ck.interactions("nobody-at-all")


def test_score_and_check(db):
    df = closeknit.Closeknit.score(["Are you lonely at night? Do you ever cry about your ex?", "See you at 5."])
    assert list(df.personal_question) == [True, False]
    assert df.intimacy.tolist() == pytest.approx([0.6352, 0.2470], abs=1e-4)  # the fast model of 2026-12-07
    with closeknit.open(db) as ck:
        v = ck.check(LONELY, to="Carl Diaz")
    assert (v["verdict"], v["stage"], v["channel"], v["person"]) == ("well ahead", "first contact", "email", "Carl Diaz")
    assert v["reason"] == "personal before any exchange" and v["model"] == "accurate"
    assert v["intimacy"] == round(closeknit.Closeknit.score(LONELY, model="accurate").intimacy[0], 3)


def test_scores_before_measures_read_only_writes_nothing(db, tmp_path):
    """A store whose scores were deleted gives the same measures through the library as the
    scored store through the CLI; read-only, the scores are computed in memory only."""
    bare = tmp_path / "bare.duckdb"
    shutil.copy(db, bare)
    with Store(bare) as st:
        st.con.execute("DELETE FROM message_scores")
    with closeknit.open(bare) as ck:
        fresh = ck.relationships()
        assert ck.con.execute('SELECT count(*) FROM stored.main.message_scores').fetchall()[0][0] == 0
    scored = cli_json("people", "--db", str(db))
    assert fresh.intimacy.tolist() == pytest.approx([r["intimacy"] for r in scored], abs=5e-4)
    with Store(bare, read_only=True) as st:
        assert st.count("message_scores") == 0  # nothing written


def test_writes_need_read_write(db, tmp_path):
    with closeknit.open(db) as ck:
        with pytest.raises(UsageError, match="read_only=False"):
            ck.import_(tmp_path / "x.csv")
    log = tmp_path / "log.csv"
    log.write_text("src,dst,ts\nada,bob,2026-01-01T10:00:00Z\n", encoding="utf-8")
    with closeknit.open(tmp_path / "new.duckdb", read_only=False) as ck:
        res = ck.import_([log, tmp_path / "missing.zip"])
        assert list(res.added) == [1, 0] and res.error[0] is None and "no such file" in res.error[1]
        assert res.source_id[0] == "1" and res.format[0] == "events"


def test_as_of(db):
    with closeknit.open(db) as ck:
        early = ck.relationships(as_of="2025-01-31")
    ann = early[early.person == "Ann Lee"].iloc[0]
    assert ann.contacts == 8
    with pytest.raises(UsageError):
        closeknit.api.parse_time("last tuesday")


@pytest.mark.parametrize("args", [
    ("people",), ("people", "--sort", "intimacy"), ("attention",), ("circles",), ("circles", "--members"),
    ("check", "--incoming"), ("sources",), ("interactions",), ("person", "Ann Lee"), ("people", "show", "Ann Lee"),
    ("check", LONELY, "--to", "Carl Diaz"), ("doctor",),
])
def test_tables_fit_80_columns(db, args):
    argv = [*args[:1], "--db", str(db), *args[1:]] if args[0] == "people" and len(args) > 1 and args[1] == "show" \
        else [*args, "--db", str(db)]
    r = CliRunner(env={"COLUMNS": "80"}).invoke(cli, argv, catch_exceptions=False)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    assert lines and max(len(line) for line in lines) <= 80, "\n".join(line for line in lines if len(line) > 80)


@pytest.mark.parametrize("args, header", [
    (("people",), "person_id,person,channels,interactions,n_out,n_in,first_contact,last_contact,stage,stage_rank"),
    (("attention",), "rank,person_id,person,reason,why,explanation,priority,stage,trajectory,last_contact"),
    (("circles",), "layer,layer_name,person_id,person,contacts_per_month,intimacy,closeness,stage"),
    (("check", "--incoming"), "when,person_id,person,channel,kind,verdict,intimacy"),
    (("sources",), "source_id,format,path,imported_at"),
    (("interactions",), "interaction_id,ts,channel,kind,visibility,person_id,person,thread_id,reply_to,text"),
    (("me",), "channel,kind,value,origin,evidence"),
])
def test_every_listing_has_csv(db, args, header):
    r = CliRunner().invoke(cli, [*args, "--db", str(db), "--csv"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[0].startswith(header)
    assert len(r.stdout.splitlines()) > 1


def test_columns_option(db):
    r = CliRunner(env={"COLUMNS": "80"}).invoke(cli, ["people", "--db", str(db), "--columns", "person,n_out,n_in"])
    assert r.exit_code == 0
    assert [line.split("│")[1:4] for line in r.stdout.splitlines() if "Ann Lee" in line] == [
        [" Ann Lee   ", "    52 ", "   52 "]]
    r = CliRunner().invoke(cli, ["people", "--db", str(db), "--columns", "person,nope"])
    assert r.exit_code == 2 and "unknown column(s) nope" in r.output


def test_library_never_imports_the_cli():
    """The demo, the API and the exports stand below the CLI: importing them loads no present/, click or rich."""
    import subprocess
    import sys

    code = ("import sys, closeknit, closeknit.demo.build, closeknit.export; "
            "print(sorted(m for m in sys.modules if m.startswith(('closeknit.present', 'click', 'rich'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_me_through_the_api(tmp_path):
    db = tmp_path / "me.duckdb"
    with closeknit.open(db, read_only=False) as ck:
        assert ck.me_add("email", "Ada@Example.org") == {"channel": "email", "kind": "email", "value": "ada@example.org"}
        with pytest.raises(UsageError, match="add --channel"):
            ck.me_add("handle", "ada")
    me = cli_json("me", "--db", str(db))
    assert me["identities"] == [{"channel": "email", "kind": "email", "value": "ada@example.org", "origin": "manual",
                                 "evidence": "closeknit me add"}]
    assert me["region"] is None and me["timezone"] is None
    with closeknit.open(db, read_only=False) as ck:
        ck.me_remove("email", "ada@example.org")
        with pytest.raises(NotFoundError):
            ck.me_remove("email", "ada@example.org")
        assert ck.me()["identities"].empty


def test_person_timeline_has_the_closeness_of_each_months_end(db):
    with closeknit.open(db) as ck:
        p = ck.person("Ann Lee")
        tl = p["timeline"]
        assert list(tl.columns) == ["month", "n_events", "n_contact", "contact_ab", "contact_ba", "stage", "closeness",
                                    "familiarity", "intimacy", "reciprocity", "trust"]
        assert list(zip(tl.month, tl.closeness.round(3))) == [
            ("2025-01", 0.772), ("2025-02", 0.919), ("2025-03", 0.977), ("2025-04", 0.987), ("2025-05", 0.991),
            ("2025-06", 0.996), ("2025-07", 0.996), ("2025-08", 0.996), ("2025-09", 0.998), ("2025-10", 0.998),
            ("2025-11", 0.998), ("2025-12", 0.999)]  # scored by the fast model of 2026-12-07; closeness model of s5
        # after her last month the silence counts: closeness now is lower than at that month's end
        assert p["closeness"]["closeness"] == 0.996 and p["closeness"]["closeness"] < tl.closeness.iloc[-1]
        # one model: a month's value is what the relationships said at that month's end
        first = pd.Timestamp(tl.month.iloc[0] + "-01", tz="UTC") + pd.offsets.MonthBegin(1) - pd.Timedelta(milliseconds=1)
        then = ck.relationships(as_of=first)
        assert then.loc[then.person == "Ann Lee", "closeness"].tolist() == [pytest.approx(tl.closeness.iloc[0], rel=1e-9)]


def test_incoming_is_judged_on_accurate_scores(db, tmp_path):
    """check --incoming: the messages the fast scores flag are scored with the accurate model
    (kept in the store) and judged on those scores; the measures say which model they read."""
    from closeknit.language.scorer import default_scorer

    copy = tmp_path / "c.duckdb"
    shutil.copy(db, copy)
    with Store(copy) as st:  # as scored by the measures, before any check --incoming
        st.con.execute("DELETE FROM message_scores WHERE model = 'accurate'")
    with closeknit.open(copy, read_only=False) as ck:
        assert ck.scored_by() == {"accurate": 0, "fast": 141, "unscored": 0}
        df = ck.incoming()
        assert LONELY in list(df.text)
        flagged = ck.con.execute("SELECT count(*) FROM message_scores WHERE model = 'accurate'").fetchall()[0][0]
        assert flagged >= 1 and ck.scored_by() == {"accurate": flagged, "fast": 141 - flagged, "unscored": 0}
        acc = default_scorer("accurate").score(LONELY).intimacy
        assert df[df.text == LONELY].intimacy.iloc[0] == round(acc, 3)
        assert ck.person("Bob Stone")["scored_by"] == {"accurate": 1, "fast": 2, "unscored": 0}
        assert ck._score_flagged_accurately() == 0  # nothing new the second time
