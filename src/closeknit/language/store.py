"""Scoring the store: every interaction with text gets one ``message_scores`` row per model.

Each row says which model made it (``model``: fast or accurate, and its ``model_version``). The
measures read a message's accurate score where there is one, else its fast score (see
:func:`closeknit.relate.inputs.dyad_events`), and only rows of the current version of each model.

Incremental: only interactions that have text and no row for the scorer's ``version`` are read
(keyset pagination by interaction id), scored in batches and written one batch per transaction, so
an interrupted run loses at most one batch and the next run picks up where it stopped. A new
version of a model scores everything again into its own rows; when it has finished, the rows of
that model's older versions are deleted (nothing stale stays behind; the measures never read them).
Writing accurate scores changes what the measures read, so the views kept for the web UI are dropped.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa

__all__ = ["pending_count", "score_store", "drop_other_versions", "model_name", "scored_by"]

_PENDING = """
    FROM interactions i
    WHERE i.text IS NOT NULL AND length(trim(i.text)) > 0
      AND NOT EXISTS (SELECT 1 FROM message_scores s WHERE s.interaction_id = i.id AND s.model_version = ?)
"""


def pending_count(con, version: str, ids: list[int] | None = None) -> int:
    """How many interactions with text have no score from ``version`` (among ``ids`` when given)."""
    if ids is None:
        return con.execute(f"SELECT count(DISTINCT i.id) {_PENDING}", [version]).fetchone()[0]
    return con.execute(f"SELECT count(DISTINCT i.id) {_PENDING} AND i.id IN (SELECT unnest(?::BIGINT[]))",
                       [version, [int(i) for i in ids]]).fetchone()[0]


def model_name(scorer) -> str:
    """Which shipped model ``scorer`` is: its ``name`` when it has one, else the model whose name
    its version holds (``intimacy-accurate-1`` -> accurate), else fast."""
    from closeknit.language.scorer import MODELS

    name = getattr(scorer, "name", None)
    if name in MODELS:
        return name
    return next((m for m in MODELS if m != "fast" and m in str(scorer.version)), "fast")


def score_store(store, scorer, *, batch: int = 8192, progress: Callable[[int], None] | None = None,
                ids: list[int] | None = None, revision: bool = True) -> int:
    """Score what is missing for ``scorer.version`` (only the interactions ``ids`` when given);
    returns the number of interactions scored. ``revision=False``: leave the kept views alone
    (scores kept in memory for a read-only store)."""
    from closeknit.store.cache import drop_views

    con = store.con
    version = scorer.version
    model = model_name(scorer)
    only = None if ids is None else [int(i) for i in ids]
    last = None
    done = 0
    while True:
        cond = "" if last is None else "AND i.id > ?"
        params = [version] + ([] if last is None else [last])
        if only is not None:
            cond += " AND i.id IN (SELECT unnest(?::BIGINT[]))"
            params.append(only)
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
                "model": pa.array([model] * len(ids), pa.string()),
                "intimacy": pa.array(a["intimacy"], pa.float64()),
                "confidence": pa.array(a["confidence"], pa.float64()),
                "lang": pa.array(a["lang"], pa.string()),
                "is_question": pa.array(a["is_question"], pa.bool_()),
                "personal_question": pa.array(a["personal_question"], pa.bool_()),
                "disclosure": pa.array(a["disclosure"], pa.float64()),
            }
        )
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("_ck_scores", table)
            con.execute(
                "INSERT INTO message_scores (interaction_id, model_version, model, intimacy, confidence, lang, "
                "is_question, personal_question, disclosure) SELECT interaction_id, model_version, model, intimacy, "
                "confidence, lang, is_question, personal_question, disclosure FROM _ck_scores"
            )
            con.unregister("_ck_scores")
            if model != "fast" and revision:  # the measures read these instead of the fast scores: kept views are stale
                drop_views(con)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        done += len(ids)
        last = ids[-1]
        if progress:
            progress(len(ids))
    stale = con.execute("SELECT count(*) FROM message_scores WHERE model = ? AND model_version <> ?",
                        [model, version]).fetchone()[0]
    if stale:
        con.execute("DELETE FROM message_scores WHERE model = ? AND model_version <> ?", [model, version])
    return done


def scored_by(con, person: int | None = None) -> dict[str, int]:
    """How many messages with text the measures read from each model: ``accurate``, ``fast``, and
    ``unscored`` (none yet) - all of them, or those between the user and ``person``."""
    from closeknit.relate.inputs import current_model_version

    acc, fast = current_model_version("accurate"), current_model_version("fast")
    cond = ""
    params: list = [acc, acc, fast]
    if person is not None:
        cond = """AND i.id IN (SELECT ip.interaction_id FROM interaction_participants ip
                                JOIN identities pi ON pi.id = ip.identity_id
                                JOIN interactions j ON j.id = ip.interaction_id
                                JOIN identities ai ON ai.id = j.actor_id
                                WHERE (pi.person_id = ? AND ai.person_id = 0) OR (pi.person_id = 0 AND ai.person_id = ?))"""
        params += [int(person), int(person)]
    row = con.execute(f"""
        SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM message_scores s WHERE s.interaction_id = i.id
                                              AND s.model_version = ?)) AS accurate,
               count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM message_scores s WHERE s.interaction_id = i.id
                                                  AND s.model_version = ?)
                                  AND EXISTS (SELECT 1 FROM message_scores s WHERE s.interaction_id = i.id
                                              AND s.model_version = ?)) AS fast,
               count(*) AS n
        FROM interactions i WHERE i.text IS NOT NULL AND length(trim(i.text)) > 0 {cond}""", params).fetchone()
    return {"accurate": int(row[0]), "fast": int(row[1]), "unscored": int(row[2] - row[0] - row[1])}


def drop_other_versions(store, version: str) -> int:
    """Delete score rows of every model version but ``version``; returns how many were deleted."""
    con = store.con
    n = con.execute("SELECT count(*) FROM message_scores WHERE model_version <> ?", [version]).fetchone()[0]
    con.execute("DELETE FROM message_scores WHERE model_version <> ?", [version])
    return n
