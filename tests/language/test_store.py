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
        "SELECT interaction_id, model_version, lang, is_question, personal_question, disclosure FROM message_scores "
        "WHERE model = 'fast' ORDER BY 2, 1"
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
        assert by[1][2:5] == ("en", True, True) and by[1][5] < 0.75  # a personal question, not a disclosure
        assert by[5][2:5] == ("en", False, False) and by[5][5] >= 0.75  # a disclosure (Params.disclosure_min)
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
        old = sc.version
        sc.version = "intimacy-fast-test-next"
        assert pending_count(st.con, sc.version) == 4
        assert score_store(st, sc, batch=2) == 4
        assert score_store(st, sc) == 0
        # the old version's rows are gone once the new one has scored everything: nothing stale stays
        rows = st.con.execute("SELECT model, model_version, count(*), count(DISTINCT interaction_id) FROM message_scores "
                              "GROUP BY ALL ORDER BY 1").fetchall()
        assert rows == [("fast", "intimacy-fast-test-next", 4, 4)]
        assert old != sc.version


def test_measures_read_accurate_where_scored_else_fast(tmp_path):
    """score --store --model accurate: per message the model that scored it; the measures read the
    accurate score where there is one and say how many came from which model."""
    import closeknit
    from closeknit.language.scorer import default_scorer
    from closeknit.relate.inputs import score_join

    fast, acc = default_scorer("fast"), default_scorer("accurate")
    with Store(tmp_path / "s.duckdb") as st:
        add(st.con, MESSAGES)
        score_store(st, fast)
        assert score_store(st, acc, ids=[1, 5, 3]) == 2  # 3 has no text
        rows = st.con.execute("SELECT interaction_id, model, disclosure FROM message_scores ORDER BY 2, 1").fetchall()
        assert [(i, m) for i, m, _ in rows] == [(1, "accurate"), (5, "accurate"), (1, "fast"), (2, "fast"), (5, "fast"),
                                                (6, "fast")]
        assert all(isinstance(d, float) for _, _, d in rows)
        joins, cols, versions = score_join()
        got = st.con.execute(f"SELECT i.id, {cols['scored_by']}, {cols['intimacy']} FROM interactions i {joins} "
                             f"ORDER BY i.id", versions).fetchall()
        want_acc = {t: s.intimacy for t, s in zip([1, 5], acc.score_batch([MESSAGES[0][1], MESSAGES[4][1]]))}
        assert [(i, by) for i, by, _ in got] == [(1, "accurate"), (2, "fast"), (3, None), (4, None), (5, "accurate"),
                                                 (6, "fast")]
        assert abs(got[0][2] - want_acc[1]) < 1e-6 and abs(got[4][2] - want_acc[5]) < 1e-6
    ck = closeknit.open(tmp_path / "s.duckdb")
    try:
        assert ck.scored_by() == {"accurate": 2, "fast": 2, "unscored": 0}
    finally:
        ck.close()


def test_cli_store_accurate_then_fast_keep_one_row_each(tmp_path):
    db = str(tmp_path / "s.duckdb")
    with Store(db) as st:
        add(st.con, MESSAGES[:2])
    run = lambda *a: CliRunner().invoke(cli, ["score", "--store", "--db", db, *a], catch_exceptions=False)  # noqa: E731
    r = run("--model", "accurate")
    assert r.exit_code == 0 and "Scored 2 messages" in r.stderr, r.output
    assert "the measures read: 2 accurate, 0 fast, 0 unscored" in " ".join(r.stderr.split())
    assert "Scored 0 messages" in run("--model", "accurate").stderr
    assert "Scored 2 messages" in run().stderr
    with Store(db) as st:
        assert st.con.execute("SELECT model, count(*) FROM message_scores GROUP BY 1 ORDER BY 1").fetchall() == [
            ("accurate", 2), ("fast", 2)]
