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


def hub_log_parquet(path, *, people: int = 20_000, ties: int = 10_000, hubs: int = 2, hub_degree: int = 2_000,
                    seed: int = 1) -> str:
    """A generated log with hubs, as an events Parquet file at ``path`` (``src``, ``dst``, ``ts``)
    for ``pairs --events``; returns the path. ``ties`` ordinary ties between people of
    heavy-tailed activity (Pareto), 1-40 messages each over two years, and ``hubs`` people in
    touch with ``hub_degree`` others each (1-3 messages a tie): the shape of a community with a
    few broadcasters, where a join in the wrong order meets every tie of a hub for every pair."""
    import numpy as np
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    w = rng.pareto(1.3, people) + 1.0
    w[:hubs] = 0.0
    cdf = np.cumsum(w) / w.sum()
    u = np.minimum(np.searchsorted(cdf, rng.random(ties)), people - 1)
    v = np.minimum(np.searchsorted(cdf, rng.random(ties)), people - 1)
    u = np.concatenate([u, np.repeat(np.arange(hubs), hub_degree)])
    v = np.concatenate([v, rng.integers(hubs, people, hubs * hub_degree)])
    v = np.where(u == v, (v + 1) % people, v)
    per = np.concatenate([rng.integers(1, 41, ties), rng.integers(1, 4, hubs * hub_degree)])
    tie = np.repeat(np.arange(len(u)), per)
    by_u = rng.random(len(tie)) < 0.5
    src, dst = np.where(by_u, u[tie], v[tie]), np.where(by_u, v[tie], u[tie])
    ts = np.floor(T0.timestamp() + rng.uniform(0, 730 * 86400.0, len(tie)))
    pq.write_table(pa.table({"src": pa.array(src.astype(str)), "dst": pa.array(dst.astype(str)), "ts": pa.array(ts)}), path)
    return str(path)
