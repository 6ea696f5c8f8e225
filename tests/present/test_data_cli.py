"""import / sources / doctor / me through the CLI: exit codes, exact output, resulting rows."""

from __future__ import annotations

import json

from click.testing import CliRunner

from closeknit.present.cli import cli

LOG = "src,dst,ts,text\nme,ada,1700000000,hi ada\nada,me,1700000060,hi!\nme,bob,1700000100,yo\nbad,,1700000200,x\n"


def run(*args, **kw):
    return CliRunner().invoke(cli, list(args), **kw)


def test_import_sources_doctor_me(tmp_path, monkeypatch):
    monkeypatch.setenv("CLOSEKNIT_DB", str(tmp_path / "env.duckdb"))  # --db absent: the env var decides
    log = tmp_path / "log.csv"
    log.write_text(LOG, encoding="utf-8")
    r = run("import", str(log))
    assert r.exit_code == 0, r.output
    assert (tmp_path / "env.duckdb").exists()

    rep = json.loads(run("doctor", "--json").output)
    assert {k: rep[k] for k in ("people", "identities", "interactions", "import_errors")} == {
        "people": 4, "identities": 4, "interactions": 3, "import_errors": 1}
    # the tests import with CLOSEKNIT_KEEP_MEASURES=0 (tests/conftest.py): nothing kept yet, and doctor says so
    assert (rep["revision"], rep["measures_kept"]) == (1, False)
    assert "The measures of revision 1 are not kept in the store" in run("doctor").output
    import closeknit

    with closeknit.open(tmp_path / "env.duckdb", read_only=False) as ck:
        ck.materialise()
    rep = json.loads(run("doctor", "--json").output)
    assert (rep["revision"], rep["measures_kept"]) == (1, True)
    assert "not kept" not in run("doctor").output

    src = json.loads(run("sources", "--json").output)
    assert [(s["format"], s["records"], s["added"], s["already_present"], s["unreadable"]) for s in src] == [
        ("events", 3, 3, 0, 1)]
    assert src[0]["source_id"] == "1"  # ids are strings in every JSON
    errs = json.loads(run("sources", "--errors", src[0]["source_id"], "--json").output)
    assert errs == [{"location": "log.csv row 4", "error": "empty src or dst", "excerpt": "bad,,1700000200,x"}]

    # before `me`, nobody is the user: every person shows up, nobody has interactions with "you"
    assert json.loads(run("people", "--json").output) == []
    r = run("me", "add", "account_id", "me", "--channel", "events")
    assert r.exit_code == 0 and r.output == "Added events account_id me as yours.\n"
    people = json.loads(run("people", "--json").output)
    assert [(p["person"], p["channels"], p["n_out"], p["n_in"]) for p in people] == [
        ("ada", ["events"], 1, 1), ("bob", ["events"], 1, 0)]
    csv_out = run("people", "--csv", "--sort", "name").output.splitlines()
    assert csv_out[0].startswith("person_id,person,channels,interactions,n_out,n_in,first_contact,last_contact")
    assert csv_out[1].split(",")[1:6] == ["ada", "events", "2", "1", "1"]

    # re-import: nothing added, reported as unchanged
    r = run("import", str(log))
    assert r.exit_code == 0
    assert json.loads(run("doctor", "--json").output)["interactions"] == 3

    # errors: one line, non-zero exit
    r = run("import", str(tmp_path / "missing.zip"))
    assert r.exit_code == 1
    assert f"Error: {tmp_path / 'missing.zip'}: no such file or folder" in r.output
    r = run("me", "add", "phone", "not a number")
    assert r.exit_code == 2
    assert r.output.strip() == "Error: 'not a number' is not a phone number (add the country code, e.g. +44…)"
    r = run("import", "--format", "nope", str(log))
    assert r.exit_code == 1
    assert "unknown format 'nope'; supported formats: calls, disqus, edges, events" in r.output


def test_me_timezone(tmp_path):
    db = str(tmp_path / "s.duckdb")
    # listing reads: it creates no store (a mistyped --db would otherwise start an empty one)
    r = run("me", "--db", db)
    assert r.exit_code == 1 and r.output.startswith(f"Error: no store at {db}; import something first")
    assert run("me", "--db", db, "region", "GB").exit_code == 0  # a setting creates the store
    assert "Time zone of clock times without one (WhatsApp, floating calendar times): UTC (default)" in run("me", "--db", db).output
    r = run("me", "--db", db, "timezone", "Europe/London")
    assert r.exit_code == 0 and r.output == "Clock times without a zone will be read as Europe/London.\n"
    assert "(WhatsApp, floating calendar times): Europe/London" in run("me", "--db", db).output
    for bad in ("Mars/Olympus", "../../etc/passwd"):
        r = run("me", "--db", db, "timezone", bad)
        assert r.exit_code == 2
        assert r.output.strip() == (f"Error: {bad!r} is not a time zone (use an IANA name such as Europe/London, "
                                    "America/New_York or UTC)")
    assert "(WhatsApp, floating calendar times): Europe/London" in run("me", "--db", db).output
