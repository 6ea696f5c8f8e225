"""people show / suggest / merge / reject / split through the API (and the CLI over it); manual decisions survive re-imports."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import closeknit
from closeknit.api import to_jsonable
from closeknit.core.errors import NotFoundError, UsageError
from closeknit.present.cli import cli
from tests.store.test_identity_fixture import write_life


def run(*args):
    r = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return r


def test_people_decisions(tmp_path):
    root = write_life(tmp_path / "life")
    db = str(tmp_path / "s.duckdb")
    assert run("me", "--db", db, "add", "email", "sam@reyes.example").exit_code == 0
    r = run("import", "--db", db, str(root / "contacts.vcf"), str(root / "mail.mbox"), str(root / "linkedin"))
    assert r.exit_code == 0, r.output

    show = json.loads(run("people", "--db", db, "show", "dana@levi.example", "--json").output)
    assert show["person"] == "Dana Levi" and show["person_id"].isdigit()
    assert sorted((i["channel"], i["value"]) for i in show["identities"]) == [
        ("email", "dana@levi.example"),
        ("linkedin", "https://www.linkedin.com/in/dana-levi"),
    ]
    assert [e["reason"] for e in show["evidence"]] == ["LinkedIn connection lists this email"]

    # the decisions are API calls; each CLI command prints that call's result
    with closeknit.open(db) as ck:
        sugg = ck.suggest()
    assert json.loads(run("people", "--db", db, "suggest", "--json").output) == to_jsonable(sugg)
    assert sorted(zip(sugg.a, sugg.b)) == [("Ben Tran", "Ben Tran"), ("Chen Wu", "Chen Wu"), ("Dana Levi", "Dana Levi")]
    assert list(sugg["rank"]) == [1, 2, 3]

    # reject one suggestion, accept another
    dana = sugg[sugg.a == "Dana Levi"].iloc[0]
    ben = sugg[sugg.b == "Ben Tran"].iloc[0]
    with closeknit.open(db, read_only=False) as ck:
        assert ck.reject(dana.a_id, dana.b_id) == {"decision": "reject", "a_id": dana.a_id, "b_id": dana.b_id}
        merged = ck.merge(ben.a_id, ben.b_id)
        assert merged["person"] == "Ben Tran" and merged["person_id"] in (ben.a_id, ben.b_id)
        assert list(ck.suggest().a) == ["Chen Wu"]
        # split an identity out
        split = ck.split("ben@tran.example", "ben.tran@elsewhere.example")
        assert split["person"] == split["new_person"] == "Ben Tran" and split["person_id"] != split["new_person_id"]
        with pytest.raises(NotFoundError, match="is not one identity of"):
            ck.split("ben@tran.example", "nobody@example.org")
        with pytest.raises(UsageError, match="already one person"):
            ck.merge("dana@levi.example", "dana@levi.example")
    # then re-import everything: the decisions hold
    r = run("import", "--db", db, "--force", str(root / "contacts.vcf"), str(root / "mail.mbox"), str(root / "linkedin"))
    assert r.exit_code == 0
    ben_show = json.loads(run("people", "--db", db, "show", "ben@tran.example", "--json").output)
    assert [i["value"] for i in ben_show["identities"] if i["channel"] == "email"] == ["ben@tran.example"]
    with closeknit.open(db) as ck:
        assert sorted(zip(ck.suggest().a, ck.suggest().b)) == [("Ben Tran", "Ben Tran"), ("Chen Wu", "Chen Wu")]

    # the CLI: --accept merges by rank through the same call
    r = run("people", "--db", db, "suggest", "--accept", "1")
    assert r.exit_code == 0 and r.output == "Merged 1 pair.\n"
    r = CliRunner().invoke(cli, ["people", "--db", db, "suggest", "--accept", "9"])
    assert r.exit_code != 0 and r.output.strip().splitlines() == ["Error: no suggestion of rank 9 (there are 1)"]

    # errors are one line with a non-zero exit
    r = CliRunner().invoke(cli, ["people", "--db", db, "show", "nobody-at-all"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == ["Error: nobody called 'nobody-at-all' in the store (see: closeknit people)"]


def test_tables_tell_apart_people_who_share_a_name(tmp_path):
    """Two people called Dana Levi (one name on two services, not merged): tables label each with
    its id, the label names that person in every command, and the bare name lists both labels."""
    root = write_life(tmp_path / "life")
    db = str(tmp_path / "s.duckdb")
    assert run("me", "--db", db, "add", "email", "sam@reyes.example").exit_code == 0
    assert run("import", "--db", db, str(root / "contacts.vcf"), str(root / "mail.mbox"), str(root / "linkedin")).exit_code == 0
    people = json.loads(run("people", "--db", db, "--json").output)
    dana = sorted((p["person_id"] for p in people if p["person"] == "Dana Levi"), key=int)
    assert len(dana) == 2 and [p["person"] for p in people].count("Ben Tran") == 2
    wide = {"COLUMNS": "200"}
    table = CliRunner().invoke(cli, ["people", "--db", db], env=wide).output
    assert [f"Dana Levi (id {i})" in table for i in dana] == [True, True]
    assert "Ada Okafor " in table and "Ada Okafor (id" not in table  # a name nobody else has stays bare
    suggest = CliRunner().invoke(cli, ["people", "--db", db, "suggest"], env=wide).output
    assert f"Dana Levi (id {dana[0]})" in suggest and f"Dana Levi (id {dana[1]})" in suggest
    for i in dana:
        shown = json.loads(run("people", "--db", db, "show", f"Dana Levi (id {i})", "--json").output)
        assert shown["person_id"] == i and shown["person"] == "Dana Levi"
    r = CliRunner().invoke(cli, ["people", "--db", db, "show", "Dana Levi"])
    assert r.exit_code != 0 and f"Dana Levi (id {dana[0]}), Dana Levi (id {dana[1]})" in r.output
    # a label whose id is not that person's is read as a name, and names nobody
    r = CliRunner().invoke(cli, ["people", "--db", db, "show", f"Dana Levi (id {dana[1]}9)"])
    assert r.exit_code != 0 and "nobody called 'Dana Levi (id" in r.output
    # JSON keeps the name as it is, beside the id
    assert json.loads(run("people", "--db", db, "suggest", "--json").output)[-1]["a"] == "Dana Levi"
