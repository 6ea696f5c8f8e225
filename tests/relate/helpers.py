"""Tiny hand-made timelines for the relationship measures: dyad-event tables built by hand."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pyarrow as pa

from closeknit.relate.inputs import EVENT_COLUMNS, month_index

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)

_TYPES = {
    "interaction_id": pa.int64(), "a": pa.int64(), "b": pa.int64(), "a_acts": pa.bool_(), "ts": pa.float64(),
    "month": pa.int64(), "channel": pa.string(), "kind": pa.string(), "visibility": pa.string(), "role": pa.string(),
    "intimacy": pa.float64(), "confidence": pa.float64(), "is_question": pa.bool_(), "personal_question": pa.bool_(),
    "disclosure": pa.float64(), "addresses_you": pa.bool_(), "text_len": pa.int32(), "duration_s": pa.float64(), "thread_id": pa.string(),
    "reply_to": pa.int64(),
}


class Timeline:
    """Build a dyad-event table: ``tl.add(day, 'out'|'in', kind, ...)`` between the user (0) and ``b``."""

    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, when, direction: str, kind: str = "message", *, b: int = 1, a: int = 0, channel: str = "whatsapp",
            visibility: str = "private", intimacy: float | None = None, confidence: float = 1.0,
            pq: bool = False, disclosure: bool = False, question: bool = False, you: bool = True, text_len: int = 40,
            duration: float | None = None) -> "Timeline":
        if isinstance(when, (int, float)):
            when = T0 + timedelta(days=when)
        ts = None if when is None else when.timestamp()
        self.rows.append({
            "interaction_id": len(self.rows) + 1, "a": a, "b": b, "a_acts": direction == "out",
            "ts": ts, "month": None if when is None else month_index(when), "channel": channel, "kind": kind,
            "visibility": visibility, "role": "recipient",
            "intimacy": intimacy, "confidence": confidence if intimacy is not None else None,
            "is_question": question or pq, "personal_question": pq, "disclosure": float(disclosure), "addresses_you": you, "text_len": text_len,
            "duration_s": duration, "thread_id": None, "reply_to": None,
        })
        return self

    def table(self) -> pa.Table:
        return pa.table({c: pa.array([r[c] for r in self.rows], _TYPES[c]) for c in EVENT_COLUMNS})


def posts_table(rows: list[tuple[int, datetime, int]]) -> pa.Table:
    return pa.table({"person": pa.array([r[0] for r in rows], pa.int64()),
                     "month": pa.array([month_index(r[1]) for r in rows], pa.int64()),
                     "n_posts": pa.array([r[2] for r in rows], pa.int64())})


def email_eu_core_parquet(shared, path) -> str:
    """SNAP email-Eu-core (``../shared/data/interactions``) as an events Parquet file at ``path``
    (``src``, ``dst`` as text, ``ts`` in seconds), the input of ``pairs --events``; returns the path."""
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    t = pacsv.read_csv(shared / "interactions" / "email-Eu-core-temporal.txt",
                       read_options=pacsv.ReadOptions(column_names=["src", "dst", "ts"]),
                       parse_options=pacsv.ParseOptions(delimiter=" "))
    pq.write_table(pa.table({"src": pc.cast(t["src"], pa.string()), "dst": pc.cast(t["dst"], pa.string()),
                             "ts": pc.cast(t["ts"], pa.float64())}), path)
    return str(path)
