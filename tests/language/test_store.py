"""`closeknit score --store`: incremental, versioned scores in message_scores."""

from __future__ import annotations

from click.testing import CliRunner

from closeknit.language.scorer import IntimacyScorer
from closeknit.language.store import pending_count, score_store
from closeknit.present.cli import cli
from closeknit.store import Store

MESSAGES = [
    (1, "Do you ever feel lonely when you get home at night?"),
    (2, "The meeting moved to Thursday."),
    (3, None),
    (4, "   "),
    (5, "I miss my mom so much"),
    (6, "Est-ce que tu viens samedi?"),
]


def add(con, items):
    for i, text in items:
        con.execute(
            "INSERT INTO interactions (id, source_id, format, native_id, channel, kind, ts, actor_id, visibility, text, text_len) "
            "VALUES (?, 1, 'test', ?, 'email', 'message', NULL, NULL, 'private', ?, ?)",
            [i, f"m:{i}", text, len(text) if text else None],
        )


def scores(con):
    return con.execute(
        "SELECT interaction_id, model_version, lang, is_question, personal_question, disclosure FROM message_scores ORDER BY 2, 1"
    ).fetchall()


def test_store_incremental_cli(tmp_path):
    db = str(tmp_path / "s.duckdb")
    with Store(db) as st:
        add(st.con, MESSAGES)
    run = lambda: CliRunner().invoke(cli, ["score", "--store", "--db", db], catch_exceptions=False)  # noqa: E731
    r = run()
    assert r.exit_code == 0, r.output
    assert "Scored 4 messages" in r.stderr
    with Store(db) as st:
        rows = scores(st.con)
        assert [x[0] for x in rows] == [1, 2, 5, 6]
        by = {x[0]: x for x in rows}
        assert by[1][2:] == ("en", True, True, False)
        assert by[5][2:] == ("en", False, False, True)
        assert by[6][2] == "fr" and by[6][3] is True
    r = run()
    assert "Scored 0 messages" in r.stderr
    with Store(db) as st:
        add(st.con, [(7, "new message, new score")])
    assert "Scored 1 messages" in run().stderr


def test_new_model_version_rescores(tmp_path):
    sc = IntimacyScorer.load("fast")
    with Store(tmp_path / "s.duckdb") as st:
        add(st.con, MESSAGES)
        assert pending_count(st.con, sc.version) == 4
        assert score_store(st, sc, batch=3) == 4  # several batches
        assert score_store(st, sc) == 0
        sc.version = "intimacy-fast-test-next"
        assert pending_count(st.con, sc.version) == 4
        assert score_store(st, sc, batch=2) == 4
        assert score_store(st, sc) == 0
        rows = st.con.execute("SELECT model_version, count(*), count(DISTINCT interaction_id) FROM message_scores GROUP BY 1 ORDER BY 1").fetchall()
        assert rows == [("intimacy-fast-1", 4, 4), ("intimacy-fast-test-next", 4, 4)]
        from closeknit.language.store import drop_other_versions

        assert drop_other_versions(st, sc.version) == 4
        assert st.count("message_scores") == 4
