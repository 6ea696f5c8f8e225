"""Kept measures: every command that shows a view reads the result kept for the store's revision
(the one the page's JSON twin serves), keeps what it had to compute, and the commands that change
the store keep the measures of its new revision."""

from __future__ import annotations

import json
import math
import shutil
import urllib.request

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner

import closeknit
from closeknit.api import to_json
from closeknit.present.cli import cli
from tests.conftest import copy_demo
from tests.store.test_identity_fixture import write_life


def run(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return r.output


def rows(db, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def rows_of(ck, sql: str) -> list[tuple]:
    return ck.con.execute(sql).fetchall()


def _get(url: str, token: str) -> object:
    req = urllib.request.Request(url, headers={"Cookie": f"closeknit_token={token}"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read())


def test_each_command_prints_its_page_twin(served, tmp_path):
    """`closeknit X --json` == the JSON twin of X's page: one kept result, read by both."""
    base, token, served_db, _proc = served
    people = _get(base + "/people.json", token)
    pid = _get(base + "/overview.json", token)["attention"][0]["person_id"]  # one whose story serve kept
    db = str(shutil.copy(served_db, tmp_path / "copy.duckdb"))  # serve holds its store; the CLI reads a copy
    pairs = [  # the command (--db after its group), its page's twin
        (["people", "--db", db], "/people.json"),
        (["attention", "--db", db, "--limit", "0"], "/attention.json"),
        (["circles", "--db", db], "/circles.json"),
        (["check", "--db", db, "--incoming", "--limit", "0"], "/incoming.json"),
        (["sources", "--db", db], "/sources.json"),
        (["people", "--db", db, "suggest", "--limit", "100"], "/suggestions.json"),
        (["person", "--db", db, pid], f"/person/{pid}.json"),
        (["people", "--db", db, "show", pid], f"/person/{pid}/identities.json"),
        (["interactions", "--db", db, pid, "--limit", "2000"], f"/person/{pid}/interactions.json"),
    ]
    for args, url in pairs:
        assert json.loads(run(*args, "--json")) == _get(base + url, token), args
    assert json.loads(run("people", "--db", db, "--json")) == people
    # a limit is the first rows of the same kept result
    assert json.loads(run("attention", "--db", db, "--json", "--limit", "3")) == _get(base + "/attention.json", token)[:3]


def _same(a, b, path="") -> None:
    """``a == b``, floats to 12 significant digits: DuckDB sums floats in parallel, so two
    computations of the same measure can differ in the last bits (as two runs of the computed path do)."""
    if isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12), (path, a, b)
    elif isinstance(a, dict) and isinstance(b, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    else:
        assert a == b, (path, a, b)


def test_every_story_is_read_from_the_kept_tables(served, tmp_path, monkeypatch):
    """After an import or decision the store keeps the engine's tables of its revision: the story
    of anyone (kept as a view or not), a draft check and every list read them, building no
    measures, and give what the measures computed from the store give."""
    from closeknit.relate import personal
    from closeknit.relate.engines import KeptEngine

    _base, _token, served_db, _proc = served
    db = str(shutil.copy(served_db, tmp_path / "kept.duckdb"))  # named as the schema the tables are kept in
    names = ("attention", "circles", "incoming", "people", "relationships", "overview")
    with closeknit.open(db) as ck:
        assert ck.views_kept()
        ids = [str(p) for (p,) in ck.con.execute("SELECT id FROM people WHERE id <> 0 ORDER BY id").fetchall()]
        stored = {k: json.loads(p)["data"] for k, p in ck.con.execute(
            "SELECT key, payload FROM view_cache WHERE view = 'person'").fetchall()}
        with monkeypatch.context() as m:
            m.setattr(personal, "load", lambda *a, **k: pytest.fail("the measures were built, not read"))
            rel = ck.measures()
            assert isinstance(rel.engine, KeptEngine)
            rel.close()
            kept = {p: json.loads(to_json(ck.person(p))) for p in ids}
            kept.update({n: json.loads(to_json(getattr(ck, n)())) for n in names})
            kept["check"] = json.loads(to_json(ck.check("how are you feeling today? I miss you", to=ids[0])))
            page = ck.view("person", ids[-1])  # not one materialise kept as a view
    assert ids[-1] not in stored and page == kept[ids[-1]]
    # the stories materialise kept were computed on the measures the tables were written from: equal
    assert len(stored) == 20
    for p, story in stored.items():
        assert story == kept[p], p
    # the same store without its kept tables computes every view: the same results
    with closeknit.open(db, read_only=False) as ck:
        ck.con.execute("DROP SCHEMA kept CASCADE")
    with closeknit.open(db) as ck:
        assert not ck.views_kept()
        ck.keep_measures()
        computed = {p: json.loads(to_json(ck.person(p))) for p in ids}
        computed.update({n: json.loads(to_json(getattr(ck, n)())) for n in names})
        computed["check"] = json.loads(to_json(ck.check("how are you feeling today? I miss you", to=ids[0])))
    assert len(ids) > 100
    _same(kept, computed)


def test_a_command_reads_what_is_kept_and_keeps_what_it_computed(demo_built, tmp_path):
    db = copy_demo(demo_built, tmp_path)
    with closeknit.open(db) as ck:
        rev = ck.revision()
        direct = json.loads(to_json(ck.attention()))
        story = json.loads(to_json(ck.person("Priya Raman")))
    assert rows(db, "SELECT count(*) FROM view_cache") == [(0,)]
    # first call: computed (the same numbers as the API) and kept for this revision
    assert json.loads(run("attention", "--db", str(db), "--limit", "0", "--json")) == direct
    assert rows(db, "SELECT revision, view, key FROM view_cache") == [(rev, "attention", "")]
    # second call: read from the kept row (changed here to tell it apart), not computed again
    con = duckdb.connect(str(db))
    con.execute("UPDATE view_cache SET payload = replace(payload, 'Priya Raman', 'Kept Row') WHERE view = 'attention'")
    con.close()
    again = json.loads(run("attention", "--db", str(db), "--limit", "0", "--json"))
    assert "Kept Row" in [r["person"] for r in again] and "Priya Raman" not in [r["person"] for r in again]
    # another reason is a result of its own, computed
    assert "Priya Raman" in run("attention", "--db", str(db), "--reason", "fading", "--limit", "0", "--csv")
    assert "Kept Row" in run("attention", "--db", str(db), "--limit", "0", "--columns", "person")
    # a person is kept under their id, whichever name the command was given
    assert json.loads(run("person", "--db", str(db), "Priya Raman", "--json")) == story
    pid = story["person_id"]
    assert (rev, "person", pid) in rows(db, "SELECT revision, view, key FROM view_cache")
    # other parameters are a result of their own
    run("person", "--db", str(db), pid, "--last", "3", "--json")
    assert (rev, "person", f"{pid}?last=3") in rows(db, "SELECT revision, view, key FROM view_cache")


def test_kept_gives_back_the_api_types(demo_built, tmp_path):
    """`kept` rebuilds the API's DataFrames (columns, times, attrs) from the kept JSON: what the
    commands print as tables and CSV."""
    db = copy_demo(demo_built, tmp_path)
    with closeknit.open(db, read_only=False) as ck:
        for name, who, kw in [("person", "Priya Raman", {}), ("circles", None, {}), ("people", None, {}),
                              ("incoming", None, {"limit": 5}), ("identities", "Gareth Pryce", {})]:
            direct = getattr(ck, name)(who, **kw) if who else getattr(ck, name)(**kw)
            ck.kept(name, who, **kw)  # computed, kept
            ck._views_rev = None  # forget this session's copy: read the store's row
            kept = ck.kept(name, who, **kw)
            assert to_json(kept) == to_json(direct), name
            if isinstance(direct, pd.DataFrame):
                assert list(kept.columns) == list(direct.columns)
                assert [str(t) for t in kept.dtypes] == [str(t) for t in direct.dtypes], name
                assert kept.attrs.keys() == direct.attrs.keys()
        story, direct = ck.kept("person", "Priya Raman"), ck.person("Priya Raman")
        assert isinstance(story["as_of"], pd.Timestamp) and story["as_of"] == direct["as_of"]
        for k, v in direct.items():
            if isinstance(v, pd.DataFrame):
                assert list(story[k].columns) == list(v.columns), k
                assert [str(t) for t in story[k].dtypes] == [str(t) for t in v.dtypes], k
        assert story["measures"]["last_contact_ts"] == direct["measures"]["last_contact_ts"]
        assert ck.kept("circles").attrs["as_of"] == ck.circles().attrs["as_of"]


@pytest.fixture
def life_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOSEKNIT_KEEP_MEASURES", "1")
    root = write_life(tmp_path / "life")
    db = str(tmp_path / "s.duckdb")
    run("me", "--db", db, "add", "email", "sam@reyes.example")
    run("import", "--db", db, str(root / "contacts.vcf"), str(root / "mail.mbox"), str(root / "linkedin"))
    return db


def test_import_and_decisions_keep_the_measures(life_db):
    db = life_db
    with closeknit.open(db) as ck:
        rev = ck.revision()
        assert ck.views_kept()
    kept = rows(db, "SELECT DISTINCT revision FROM view_cache")
    assert kept == [(rev,)]
    assert {v for (v,) in rows(db, "SELECT view FROM view_cache")} == {
        "overview", "people", "attention", "circles", "incoming", "network", "sources", "suggest", "person",
        "identities", "interactions"}
    assert rows(db, "SELECT revision FROM kept.info") == [(rev,)]
    sugg = json.loads(run("people", "--db", db, "suggest", "--json"))
    a, b = sugg[0]["a_id"], sugg[0]["b_id"]
    run("people", "--db", db, "reject", a, b)
    with closeknit.open(db) as ck:
        assert ck.revision() == rev + 1 and ck.views_kept()
        assert [r["a_id"] for r in ck.view("suggest")] == [s["a_id"] for s in sugg[1:]]
    assert rows(db, "SELECT DISTINCT revision FROM view_cache") == [(rev + 1,)]
    before = {i for (i,) in rows(db, "SELECT interaction_id FROM kept.e")}
    run("sources", "--db", db, "remove", "1", "--yes")  # the contacts: no interaction
    with closeknit.open(db) as ck:
        assert ck.revision() == rev + 2 and ck.views_kept()
    mail = rows(db, "SELECT min(source_id) FROM interaction_sources")[0][0]
    run("sources", "--db", db, "remove", str(mail), "--yes")
    with closeknit.open(db) as ck:
        assert ck.revision() == rev + 3 and ck.views_kept()
    # what was removed is gone from the kept tables too
    assert rows(db, "SELECT revision FROM kept.info") == [(rev + 3,)]
    removed = before - {i for (i,) in rows(db, "SELECT id FROM interactions")}
    assert removed and not removed & {i for (i,) in rows(db, "SELECT interaction_id FROM kept.e")}


def test_an_interrupted_materialise_leaves_the_store_usable(life_db):
    import contextlib

    db = life_db
    run("people", "--db", db, "merge", "ben@tran.example", "ben.tran@elsewhere.example")
    con = duckdb.connect(db)
    con.execute("DELETE FROM view_cache")  # as if the command had been stopped before keeping them
    con.close()

    @contextlib.contextmanager
    def stop(_description, _total):
        def advance(_n):
            raise KeyboardInterrupt
        yield advance

    kept_e = rows(db, "SELECT count(*) FROM kept.e")
    with closeknit.open(db, read_only=False, progress=stop) as ck:
        rev = ck.revision()
        assert rows_of(ck, "SELECT revision FROM kept.info") == [(rev,)]  # the merge kept them
        with pytest.raises(KeyboardInterrupt):
            ck.materialise()
    # as it was: no view, the tables the merge kept for this revision
    assert rows(db, "SELECT count(*) FROM view_cache") == [(0,)]
    assert rows(db, "SELECT revision FROM kept.info") == [(rev,)] and rows(db, "SELECT count(*) FROM kept.e") == kept_e
    with closeknit.open(db) as ck:  # usable, at the new revision: the measures are computed on demand
        assert ck.revision() == rev and not ck.views_kept()
        assert ck.view("attention") == json.loads(to_json(ck.attention()))
