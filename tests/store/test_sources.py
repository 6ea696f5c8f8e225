"""Correcting and deleting what is stored: refresh, remove, forget; no trace left in the file;
kill -9 in the middle leaves the store as before; a store made by the previous release opens."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from closeknit.ingest.formats.whatsapp import WhatsAppImporter
from closeknit.present.cli import cli
from closeknit.store import Store
from closeknit.store.schema import SCHEMA_VERSION
from closeknit.store.sources import stale_sources
from tests.store.test_interrupt import snapshot

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

# our own chats: Quentin alone with the user (Nora) in two exports (the later one longer), and a
# group where Quentin, Bea and Nora talk
SHORT = """14/01/25, 9:00 - Quentin Zabriskie: morning! the plan is on
14/01/25, 9:05 - Nora: great, see you at noon
14/01/25, 9:06 - Quentin Zabriskie: bring the blue folder
"""
LONG = SHORT + """15/01/25, 18:30 - Nora: folder delivered
15/01/25, 18:31 - Quentin Zabriskie: thank you!
"""
GROUP = """20/01/25, 10:00 - Nora created group "Lunch"
20/01/25, 10:01 - Nora added Quentin Zabriskie
20/01/25, 10:02 - Bea Ostrowska: hello both
20/01/25, 10:03 - Quentin Zabriskie: hi Bea
20/01/25, 10:04 - Nora: Friday?
"""


def cli_ok(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture
def chats(tmp_path) -> dict[str, Path]:
    out = {}
    for name, text, folder in (("short", SHORT, "jan"), ("long", LONG, "feb"), ("group", GROUP, "group")):
        d = tmp_path / folder
        d.mkdir()
        title = "Lunch" if name == "group" else "Quentin Zabriskie"
        p = d / f"WhatsApp Chat with {title}.txt"
        p.write_text(text, encoding="utf-8")
        out[name] = p
    return out


@pytest.fixture
def db(tmp_path, chats) -> Path:
    db = tmp_path / "s.duckdb"
    cli_ok("me", "--db", str(db), "add", "name", "Nora", "--channel", "whatsapp")
    for k in ("short", "long", "group"):
        cli_ok("import", str(chats[k]), "--db", str(db))
    return db


def counts(db) -> tuple[int, int, int, int]:
    with Store(db, read_only=True) as st:
        return st.count("sources"), st.count("interactions"), st.count("interaction_participants"), st.count("identities")


def occurrences(db, word: bytes) -> int:
    data = Path(db).read_bytes()
    wal = Path(str(db) + ".wal")
    return data.count(word) + (wal.read_bytes().count(word) if wal.exists() else 0)


def test_remove_keeps_what_another_source_holds_and_leaves_no_trace(db, chats):
    # short: 3 messages; long: the same 3 and 2 more; group: 5 (2 system lines, 3 messages);
    # identities: Nora (you), Quentin, Bea
    assert counts(db) == (3, 10, 12, 3)
    out = cli_ok("sources", "--db", str(db), "remove", "1", "--yes")
    assert "0 interactions only in this source will be removed (3 also held by other sources stay)" in out
    assert counts(db) == (2, 10, 12, 3)
    cli_ok("sources", "--db", str(db), "remove", "3", "--yes")  # the group: Bea goes with it
    assert counts(db) == (1, 5, 5, 2)
    assert occurrences(db, b"Ostrowska") == 0 and occurrences(db, b"Lunch") == 0
    assert occurrences(db, b"Zabriskie") > 0
    cli_ok("sources", "--db", str(db), "remove", "2", "--yes")
    assert counts(db) == (0, 0, 0, 1)  # Nora, who you said you are, stays
    assert occurrences(db, b"Zabriskie") == 0


def test_forget_removes_the_person_and_what_involves_only_them(db):
    out = cli_ok("people", "--db", str(db), "forget", "Quentin Zabriskie", "--yes")
    # removed: the 5 messages of the 1:1 chats, and "Nora added Quentin Zabriskie"; kept: the 3
    # group messages that Bea takes part in ("hi Bea" stays, with no sender)
    assert ("Quentin Zabriskie (id 1): 1 identities and 6 interactions will be removed; 3 interactions with "
            "others stay, without them.") in out
    assert counts(db) == (3, 4, 4, 2)
    with Store(db, read_only=True) as st:
        assert st.con.execute("SELECT text FROM interactions WHERE actor_id IS NULL AND kind = 'message'").fetchall() == [("hi Bea",)]
        assert st.con.execute("SELECT id, display_name FROM people ORDER BY id").fetchall() == [(0, "Nora"), (2, "Bea Ostrowska")]
    assert occurrences(db, b"Zabriskie") > 0  # the file names of the two chats with him, in sources.path
    cli_ok("sources", "--db", str(db), "remove", "1", "--yes")
    cli_ok("sources", "--db", str(db), "remove", "2", "--yes")
    assert occurrences(db, b"Zabriskie") == 0


@pytest.mark.parametrize("args,question,declined", [
    (("sources", "remove", "3"), "Remove it? [y/N]:", "Nothing removed: the store is as it was."),
    (("people", "forget", "Bea Ostrowska"), "Forget them? [y/N]:", "Nothing forgotten: the store is as it was."),
])
def test_remove_and_forget_say_what_goes_and_ask_first(db, args, question, declined):
    """Without --yes the plan is shown and the answer asked for; "no" (or just Enter) changes nothing."""
    before = snapshot(db)
    for answer in ("n\n", "\n"):
        r = CliRunner().invoke(cli, [args[0], "--db", str(db), *args[1:]], input=answer)
        assert r.exit_code == 1
        lines = r.output.splitlines()
        assert lines[-1] == declined and lines[-2].startswith(question)
        assert snapshot(db) == before
    assert occurrences(db, b"Ostrowska") > 0
    r = CliRunner().invoke(cli, [args[0], "--db", str(db), *args[1:]], input="y\n")
    assert r.exit_code == 0, r.output
    assert counts(db) == ((2, 5, 5, 2) if args[0] == "sources" else (3, 10, 10, 2))
    assert occurrences(db, b"Ostrowska") == 0


PICNIC = """21/01/25, 11:00 - Nora created group "Picnic"
21/01/25, 11:01 - Nora added Bea Ostrowska
21/01/25, 11:02 - Quentin Zabriskie joined using this group's invite link
21/01/25, 11:03 - Quentin Zabriskie: picnic on Sunday?
21/01/25, 11:04 - Bea Ostrowska: yes, I bring the cake
"""


def test_a_forgotten_person_stays_forgotten_when_an_archive_holds_them_again(db, chats, tmp_path):
    """Forget is a kept decision: importing the 1:1 chat again (forced) and a new group chat that
    holds him leaves his identity out, and what involved only him; no byte of him stays."""
    cli_ok("people", "--db", str(db), "forget", "Quentin Zabriskie", "--yes")
    assert counts(db) == (3, 4, 4, 2)
    with Store(db, read_only=True) as st:  # one key per identity of his: a hash, not his name
        keys = st.con.execute("SELECT key FROM forgotten").fetchall()
        assert len(keys) == 1 and len(keys[0][0]) == 64 and "Zabriskie" not in keys[0][0]
    r = CliRunner().invoke(cli, ["import", str(chats["short"]), "--db", str(db), "--force"])
    assert r.exit_code == 0, r.output
    assert "Left out 1 identities of people you asked to forget" in r.output
    assert counts(db) == (3, 4, 4, 2)  # the chat read again in place: every message had only him and you
    with Store(db, read_only=True) as st:
        assert st.con.execute("SELECT id FROM sources ORDER BY id").fetchall() == [(2,), (3,), (4,)]
    picnic = tmp_path / "picnic" / "WhatsApp Chat with Picnic.txt"
    picnic.parent.mkdir()
    picnic.write_text(PICNIC, encoding="utf-8")
    out = CliRunner().invoke(cli, ["import", str(picnic), "--db", str(db), "--json"])
    assert out.exit_code == 0, out.output
    assert '"forgotten": 1' in out.output and '"added": 4' in out.output
    # 5 read: his joining (only him) goes; his message stays without him (Bea takes part)
    assert counts(db) == (4, 8, 8, 2)
    with Store(db, read_only=True) as st:
        assert st.con.execute("SELECT count(*) FROM identities WHERE value LIKE '%Zabriskie%'").fetchall() == [(0,)]
        assert st.con.execute("SELECT text FROM interactions WHERE actor_id IS NULL AND kind = 'message' "
                              "ORDER BY ts").fetchall() == [("hi Bea",), ("picnic on Sunday?",)]
    for sid in ("2", "4"):  # the 1:1 chats' file names hold his name
        cli_ok("sources", "--db", str(db), "remove", sid, "--yes")
    assert occurrences(db, b"Zabriskie") == 0


def test_refresh_after_a_time_zone_change_replaces_rows_and_keeps_decisions(db, chats, tmp_path):
    cli_ok("people", "--db", str(db), "merge", "Bea Ostrowska", "Quentin Zabriskie")
    with Store(db, read_only=True) as st:
        before = st.con.execute("SELECT native_id, ts FROM interactions ORDER BY 1").fetchall()
        assert stale_sources(st.con) == []
    cli_ok("me", "--db", str(db), "timezone", "Europe/Berlin")
    with Store(db, read_only=True) as st:
        assert [s["source_id"] for s in stale_sources(st.con)] == [1, 2, 3]
    out = cli_ok("sources", "--db", str(db), "refresh")
    assert "Source 1 read again as source 4: 3 interactions" in out
    assert counts(db) == (3, 10, 12, 3)
    with Store(db, read_only=True) as st:
        after = st.con.execute("SELECT native_id, ts FROM interactions ORDER BY 1").fetchall()
        assert [n for n, _ in after] == [n for n, _ in before]  # the same ids: no duplicates
        assert all((a - b).total_seconds() == -3600 for (_, a), (_, b) in zip(after, before))  # CET in winter
        # the merge still holds, and both ids still name the merged person
        assert st.con.execute("SELECT count(DISTINCT person_id) FROM identities WHERE value IN "
                              "('Quentin Zabriskie', 'Bea Ostrowska')").fetchall() == [(1,)]
        assert stale_sources(st.con) == []
    assert "Every source is up to date." in cli_ok("sources", "--db", str(db), "refresh")


def test_a_new_importer_version_reads_the_same_file_again_in_place(db, chats, monkeypatch):
    old = WhatsAppImporter.version
    monkeypatch.setattr(WhatsAppImporter, "version", "99")
    with Store(db, read_only=True) as st:
        assert len(stale_sources(st.con)) == 3
    cli_ok("import", str(chats["long"]), "--db", str(db))
    assert counts(db) == (3, 10, 12, 3)
    with Store(db, read_only=True) as st:
        assert st.con.execute("SELECT id, parser_version FROM sources ORDER BY id").fetchall() == [(1, old), (3, old), (4, "99")]


def _killed(db, args, failpoint) -> None:
    env = dict(os.environ, CLOSEKNIT_FAILPOINT=failpoint)
    proc = subprocess.Popen([sys.executable, "-m", "closeknit.present.cli", *args, "--db", str(db)] if args[0] == "import"
                            else [sys.executable, "-m", "closeknit.present.cli", args[0], "--db", str(db), *args[1:]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stderr is not None
    line = proc.stderr.readline()
    assert line.startswith(f"FAILPOINT {failpoint}"), line + proc.stderr.read()
    proc.kill()
    proc.wait()


@pytest.mark.parametrize("args,failpoint", [
    (("sources", "remove", "3", "--yes"), "remove:1"),
    (("people", "forget", "Quentin Zabriskie", "--yes"), "forget:1"),
    (("sources", "refresh", "1"), "replaced:1"),
])
def test_kill_9_in_the_middle_leaves_the_store_as_before(db, args, failpoint):
    before = snapshot(db)
    _killed(db, args, failpoint)
    assert snapshot(db) == before
    with Store(db) as st:
        assert st.count("interactions") == 10


@pytest.mark.parametrize("args,after", [
    (("sources", "remove", "3", "--yes"), (2, 5, 5, 2)),
    (("people", "forget", "Bea Ostrowska", "--yes"), (3, 10, 10, 2)),  # each message with Bea has Quentin too
])
def test_kill_9_during_the_rewrite_leaves_the_change_done_and_the_next_open_wipes_the_file(db, args, after):
    """Once the deletion is committed, the store holds it; a rewrite killed midway (the old file
    is still in place, with the deleted bytes) is done again by the next opening of the store."""
    assert occurrences(db, b"Ostrowska") > 0
    _killed(db, args, "rewrite:1")
    assert occurrences(db, b"Ostrowska") > 0  # not rewritten yet
    with Store(db):
        pass
    assert counts(db) == after
    assert occurrences(db, b"Ostrowska") == 0


def _v1_store(tmp_path) -> Path:
    """The store closeknit c7c6c5a made (tests/fixtures/store-v1), rebuilt from its export."""
    import duckdb

    src = FIXTURES / "store-v1"
    db = tmp_path / "v1.duckdb"
    con = duckdb.connect(str(db))
    con.execute((src / "schema.sql").read_text())
    con.execute((src / "load.sql").read_text().replace("{dir}", str(src)))
    con.execute("UPDATE sources SET path = replace(path, '/work/wt-i15/tests/fixtures', ?)", [str(FIXTURES)])
    con.close()
    return db


def test_scores_of_an_older_store_get_their_model_and_a_float_disclosure(tmp_path):
    """Schema 3: message_scores records the model of each row; disclosure is a float (was a bool)."""
    import duckdb

    db = _v1_store(tmp_path)
    con = duckdb.connect(str(db))
    con.execute("INSERT INTO message_scores VALUES (1, 'intimacy-fast-1', 0.4, 0.5, 'en', true, false, true), "
                "(1, 'intimacy-accurate-1', 0.5, 0.6, 'en', true, false, false)")
    con.close()
    with Store(db) as st:
        assert st.con.execute("SELECT model, model_version, disclosure FROM message_scores ORDER BY 1").fetchall() == [
            ("accurate", "intimacy-accurate-1", 0.0), ("fast", "intimacy-fast-1", 1.0)]
        assert st.con.execute("SELECT data_type FROM duckdb_columns() WHERE table_name = 'message_scores' "
                              "AND column_name = 'disclosure'").fetchall() == [("DOUBLE",)]


def test_a_store_of_the_previous_release_is_migrated_and_can_be_refreshed(tmp_path):
    db = _v1_store(tmp_path)
    with Store(db, read_only=True) as st:
        assert st.schema_version == 1 and st.count("interactions") == 9  # read as it is
    with Store(db) as st:
        assert st.schema_version == SCHEMA_VERSION == 3
        assert st.con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [("3",)]
        assert st.count("interaction_sources") == 9 and st.count("identity_sources") == 13
        people = st.con.execute("SELECT id, display_name FROM people ORDER BY id").fetchall()
    assert people == [(0, "Charles Babbage"), (2, "Ada Lovelace"), (3, "Grace Hopper")]
    out = cli_ok("sources", "--db", str(db), "refresh", "1", "2")
    assert "Source 1 read again as source 3: 9 interactions" in out
    with Store(db, read_only=True) as st:
        assert st.count("interactions") == 9 and st.count("sources") == 2
        # the merge made with the old release still holds, under the same person id
        assert st.con.execute("SELECT id, display_name FROM people ORDER BY id").fetchall() == people
    # importing the same file again is recognised
    cli_ok("import", str(FIXTURES / "whatsapp" / "WhatsApp Chat with Ada Lovelace.txt"), "--db", str(db))
    assert counts(db)[:2] == (2, 9)


def test_a_store_of_a_newer_release_is_refused(tmp_path):
    from closeknit.core.errors import StoreError

    db = tmp_path / "s.duckdb"
    with Store(db) as st:
        st.con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="written by a newer closeknit"):
        Store(db)
