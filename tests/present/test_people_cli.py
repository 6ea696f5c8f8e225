"""people show / suggest / merge / reject / split through the CLI; manual decisions survive re-imports."""

from __future__ import annotations

import json

from click.testing import CliRunner

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

    sugg = json.loads(run("people", "--db", db, "suggest", "--json").output)
    pairs = sorted((s["a_name"], s["b_name"]) for s in sugg)
    assert pairs == [("Ben Tran", "Ben Tran"), ("Chen Wu", "Chen Wu"), ("Dana Levi", "Dana Levi")]

    # reject one suggestion, accept another
    dana = [s for s in sugg if s["a_name"] == "Dana Levi"][0]
    assert run("people", "--db", db, "reject", str(dana["a"]), str(dana["b"])).exit_code == 0
    ben = [s for s in sugg if s["a_name"] == "Ben Tran"][0]
    assert run("people", "--db", db, "merge", str(ben["a"]), str(ben["b"])).exit_code == 0
    left = json.loads(run("people", "--db", db, "suggest", "--json").output)
    assert [(s["a_name"], s["b_name"]) for s in left] == [("Chen Wu", "Chen Wu")]

    # split an identity out, then re-import everything: the decisions hold
    r = run("people", "--db", db, "split", "ben@tran.example", "ben.tran@elsewhere.example")
    assert r.exit_code == 0, r.output
    r = run("import", "--db", db, "--force", str(root / "contacts.vcf"), str(root / "mail.mbox"), str(root / "linkedin"))
    assert r.exit_code == 0
    ben_show = json.loads(run("people", "--db", db, "show", "ben@tran.example", "--json").output)
    assert [i["value"] for i in ben_show["identities"] if i["channel"] == "email"] == ["ben@tran.example"]
    assert [(s["a_name"], s["b_name"]) for s in json.loads(run("people", "--db", db, "suggest", "--json").output)] == [
        ("Ben Tran", "Ben Tran"),
        ("Chen Wu", "Chen Wu"),
    ]

    # errors are one line with a non-zero exit
    r = CliRunner().invoke(cli, ["people", "--db", db, "show", "nobody-at-all"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines() == ["Error: nobody called 'nobody-at-all' in the store (see: closeknit people)"]
