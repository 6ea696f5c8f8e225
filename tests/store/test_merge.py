"""Merges do what people mean: the person with more history keeps their id, and every id of both
keeps naming the merged person; the decision survives a refresh and a re-import."""

from __future__ import annotations

from click.testing import CliRunner

from closeknit.present.cli import cli
from closeknit.store import Store
from closeknit.store.queries import find_person

CARD = """BEGIN:VCARD
VERSION:3.0
FN:Ana Souza
EMAIL:ana.souza@example.org
END:VCARD
"""
CHAT = """14/01/25, 9:00 - Souza Ana: oi! tudo bem?
14/01/25, 9:05 - Nora: tudo, e você?
14/01/25, 9:06 - Souza Ana: ótimo
"""


def cli_ok(*args: str) -> str:
    r = CliRunner().invoke(cli, list(args))
    assert r.exit_code == 0, r.output
    return r.output


def test_merge_keeps_the_person_with_more_history_and_both_ids(tmp_path):
    db = str(tmp_path / "s.duckdb")
    (tmp_path / "contacts.vcf").write_text(CARD, encoding="utf-8")
    chat = tmp_path / "WhatsApp Chat with Souza Ana.txt"
    chat.write_text(CHAT, encoding="utf-8")
    cli_ok("me", "--db", db, "add", "name", "Nora", "--channel", "whatsapp")
    cli_ok("import", str(tmp_path / "contacts.vcf"), "--db", db)  # imported first: the smaller id, no history
    cli_ok("import", str(chat), "--db", db)
    with Store(db, read_only=True) as st:
        card = find_person(st.con, "ana.souza@example.org")
        wa = find_person(st.con, "Souza Ana")
    assert (card, wa) == (1, 2)
    out = cli_ok("people", "--db", db, "merge", str(card), str(wa))
    assert "person 2 (the one with more history) holds both; 1 still names them" in out
    with Store(db, read_only=True) as st:
        assert find_person(st.con, "1") == find_person(st.con, "2") == 2
        assert st.con.execute("SELECT id FROM people WHERE NOT is_self").fetchall() == [(2,)]
    # read again (another time zone) and imported again: the merge and both ids hold
    cli_ok("me", "--db", db, "timezone", "America/Sao_Paulo")
    cli_ok("sources", "--db", db, "refresh")
    cli_ok("import", str(chat), "--db", db, "--force")
    with Store(db, read_only=True) as st:
        assert find_person(st.con, "1") == find_person(st.con, "ana.souza@example.org") == find_person(st.con, "Souza Ana") == 2
    # a split gives the card its own id again; the larger part keeps 2
    cli_ok("people", "--db", db, "split", "2", "ana.souza@example.org")
    with Store(db, read_only=True) as st:
        assert find_person(st.con, "Souza Ana") == 2
        assert find_person(st.con, "ana.souza@example.org") not in (0, 2)


def test_a_merge_holds_when_a_source_is_removed_and_imported_again(tmp_path):
    """The decision is kept apart from imported rows: removing the chat's source takes its person's
    WhatsApp identity away, importing the chat again brings it back already merged with the card."""
    db = str(tmp_path / "s.duckdb")
    (tmp_path / "contacts.vcf").write_text(CARD, encoding="utf-8")
    chat = tmp_path / "WhatsApp Chat with Souza Ana.txt"
    chat.write_text(CHAT, encoding="utf-8")
    cli_ok("me", "--db", db, "add", "name", "Nora", "--channel", "whatsapp")
    cli_ok("import", str(tmp_path / "contacts.vcf"), "--db", db)
    cli_ok("import", str(chat), "--db", db)
    cli_ok("people", "--db", db, "merge", "1", "2")
    cli_ok("sources", "--db", db, "remove", "2", "--yes")
    with Store(db, read_only=True) as st:
        assert st.con.execute("SELECT count(*) FROM identities WHERE value = 'Souza Ana'").fetchall() == [(0,)]
        assert find_person(st.con, "ana.souza@example.org") == 2  # the card alone, under the merged id
    cli_ok("import", str(chat), "--db", db)
    with Store(db, read_only=True) as st:
        assert find_person(st.con, "Souza Ana") == find_person(st.con, "ana.souza@example.org") == find_person(st.con, "1") == 2
        assert st.con.execute("SELECT count(*) FROM interactions").fetchall() == [(3,)]
