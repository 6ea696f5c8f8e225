"""Scoring the store: every interaction with text gets one ``message_scores`` row per model version.

Incremental: only interactions that have text and no row for the scorer's ``version`` are read
(keyset pagination by interaction id), scored in batches and written one batch per transaction, so
an interrupted run loses at most one batch and the next run picks up where it stopped. A new model
version scores everything again into its own rows; rows of older versions are left as they were
(``drop_other_versions`` removes them).
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

__all__ = ["pending_count", "score_store", "drop_other_versions"]

_PENDING = """
    FROM interactions i
    WHERE i.text IS NOT NULL AND length(trim(i.text)) > 0
      AND NOT EXISTS (SELECT 1 FROM message_scores s WHERE s.interaction_id = i.id AND s.model_version = ?)
"""


def pending_count(con, version: str) -> int:
    return con.execute(f"SELECT count(DISTINCT i.id) {_PENDING}", [version]).fetchone()[0]


def score_store(store, scorer, *, batch: int = 8192, progress: Callable[[int], None] | None = None) -> int:
    """Score what is missing for ``scorer.version``; returns the number of interactions scored."""
    con = store.con
    version = scorer.version
    last = None
    done = 0
    while True:
        cond = "" if last is None else "AND i.id > ?"
        params = [version] + ([] if last is None else [last])
        rows = con.execute(
            f"SELECT i.id, any_value(i.text) {_PENDING} {cond} GROUP BY i.id ORDER BY i.id LIMIT {int(batch)}", params
        ).fetchall()
        if not rows:
            break
        ids = [r[0] for r in rows]
        texts = [r[1] for r in rows]
        a = scorer.score_arrays(texts)
        table = pa.table(
            {
                "interaction_id": pa.array(ids, pa.int64()),
                "model_version": pa.array([version] * len(ids), pa.string()),
                "intimacy": pa.array(a["intimacy"], pa.float64()),
                "confidence": pa.array(a["confidence"], pa.float64()),
                "lang": pa.array(a["lang"], pa.string()),
                "is_question": pa.array(a["is_question"], pa.bool_()),
                "personal_question": pa.array(a["personal_question"], pa.bool_()),
                "disclosure": pa.array(a["disclosure"], pa.bool_()),
            }
        )
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("_ck_scores", table)
            con.execute(
                "INSERT INTO message_scores (interaction_id, model_version, intimacy, confidence, lang, is_question, "
                "personal_question, disclosure) SELECT interaction_id, model_version, intimacy, confidence, lang, "
                "is_question, personal_question, disclosure FROM _ck_scores"
            )
            con.unregister("_ck_scores")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        done += len(ids)
        last = ids[-1]
        if progress:
            progress(len(ids))
    return done


def drop_other_versions(store, version: str) -> int:
    """Delete score rows of every model version but ``version``; returns how many were deleted."""
    con = store.con
    n = con.execute("SELECT count(*) FROM message_scores WHERE model_version <> ?", [version]).fetchone()[0]
    con.execute("DELETE FROM message_scores WHERE model_version <> ?", [version])
    return n
