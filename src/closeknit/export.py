"""Exports to the tools people already use: ``closeknit export --to FORMAT DIR``.

* ``parquet`` / ``csv``: one file per table, every canonical table of the store
  (:data:`closeknit.store.schema.DDL`) and every measure table (:data:`MEASURE_TABLES`).
* ``sqlite``: ``closeknit.db``, the same tables in one SQLite file ready for Datasette, with
  full-text search (FTS5) on message texts, foreign keys, and ``metadata.json`` describing every
  table and column (``datasette closeknit.db -m metadata.json``).
* ``graphml`` / ``gexf``: the relationship graph (people as nodes, every pair in contact as an
  edge) with the measures as attributes, written by networkx; Gephi opens both.
* ``events``: ``events.parquet``, every timed interaction as one row per (actor, participant), in
  the schema ``closeknit pairs --events`` reads on DuckDB or Spark
  (:mod:`closeknit.relate.community`), so a community can pool its members' stores.
* ``convokit``: a ConvoKit corpus (``utterances.jsonl``, ``speakers.json``,
  ``conversations.json``, ``corpus.json``, ``index.json``), one utterance per message with text.

Ids are integers in every export (the JSON of the CLI writes them as strings; here each tool
keeps 64-bit integers intact); times are UTC. Nothing is written outside ``folder``.

>>> import closeknit, tempfile, os
>>> d = tempfile.mkdtemp()
>>> with closeknit.open(os.path.join(d, "s.duckdb"), read_only=False) as ck:
...     files = ck.export("csv", os.path.join(d, "out"))
>>> sorted(files.path.map(os.path.basename))[:3]
['channel_norms.csv', 'decisions.csv', 'identities.csv']
"""

from __future__ import annotations

import json
import math
import os
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pandas as pd
import pyarrow as pa

from closeknit.core.duck import connect
from closeknit.core.errors import InputError, UsageError
from closeknit.store.schema import DDL

if TYPE_CHECKING:
    from closeknit.api import Closeknit

__all__ = ["FORMATS", "MEASURE_TABLES", "export", "table_docs", "measure_tables", "relationship_graph"]

FORMATS = ("parquet", "csv", "sqlite", "graphml", "gexf", "convokit", "events")

#: The measure tables every tabular export adds to the canonical ones, and what each holds.
MEASURE_TABLES = {
    "relationships": "Your relationships: one row per person in contact with you, every measure as of the latest "
                     "interaction (closeknit.open().relationships(); docs/relate.md).",
    "pairs": "Every pair of people in contact (a has the smaller id), every measure (closeknit.open().pairs()).",
    "relationship_months": "Your relationships month by month: counts of the month and the measures accumulated "
                           "up to its end (closeknit.open().person(who)['timeline'] for one person).",
    "channel_norms": "Usual message intimacy per channel and visibility, overall and per stage (the norms that "
                     "closeknit check compares a message with).",
}

#: Descriptions of the measure tables' main columns (the others are documented in docs/relate.md).
_MEASURE_COLUMNS = {
    "person_id": "people.id of the other person", "person": "display name of the other person",
    "a_id": "people.id of the first person of the pair (the smaller id)", "a": "display name of a",
    "b_id": "people.id of the second person of the pair", "b": "display name of b",
    "stage": "relationship stage: stranger, first contact, acquaintance, familiar, friend, close",
    "stage_rank": "the stage as a number, 0 (stranger) to 5 (close)",
    "trajectory": "new, warming, steady, fading, revived or dormant",
    "closeness": "tie strength: the probability that the pair is close, from the closeness model (docs/relate.md)",
    "familiarity": "how much each side has seen of the other, 0..1",
    "intimacy": "depth x volume x mutuality of the exchanged messages' intimacy, 0..1",
    "reciprocity": "balance of effort and initiative, 0..1 (1 = even)",
    "trust": "earned over time: duration, consistency, channels, 0..1",
    "month": "calendar month (YYYY-MM, UTC)",
    "channel": "channel (email, whatsapp, twitter, ...)", "visibility": "private, group or public",
    "norm_mean": "mean message intimacy", "norm_p90": "90th percentile of message intimacy",
}

_GRAPH_ATTRS = ("closeness", "stage", "trajectory", "familiarity", "intimacy", "reciprocity", "trust", "contacts", "contacts_ab",
                "contacts_ba", "channels", "first_ts", "last_ts")


def table_docs() -> dict[str, dict[str, Any]]:
    """Description of every canonical table and column, read from the comments of the schema
    (:data:`closeknit.store.schema.DDL`: a ``--`` line above a table, a ``--`` after a column)."""
    docs: dict[str, dict[str, Any]] = {}
    pending: list[str] = []
    table = None
    for line in DDL.splitlines():
        s = line.strip()
        m = re.match(r"CREATE TABLE IF NOT EXISTS (\w+)", s)
        if m:
            table = m.group(1)
            docs[table] = {"description": " ".join(pending), "columns": {}}
            pending = []
        elif s.startswith("--"):
            if table is None:
                pending.append(s[2:].strip())
        elif s.startswith(")"):
            table = None
        elif table and s:
            col = s.split()[0]
            if "--" in s and col.isidentifier():
                docs[table]["columns"][col] = s.split("--", 1)[1].strip()
    return docs


def measure_tables(ck: Closeknit) -> dict[str, pd.DataFrame]:
    """The measure tables (:data:`MEASURE_TABLES`) of the store behind ``ck``, ids as integers."""
    from closeknit.relate.inputs import month_label
    from closeknit.relate.measures import STAGES

    pairs = ck.pairs()
    rel = ck.measures()
    try:
        rels = ck._relationships(rel)  # the same engine for relationships, months and norms
        panel = rel.panel().to_pandas()
        panel = panel[panel["a"] == 0].sort_values(["b", "m"], kind="stable").reset_index(drop=True)
        norms = rel.norms().to_pandas()
    finally:
        rel.close()
    names = ck._names()
    months = pd.DataFrame({"person_id": panel["b"], "person": panel["b"].map(lambda i: names.get(i, f"person {i}")),
                           "month": panel["m"].map(month_label)})
    keep = [c for c in panel.columns if c not in ("a", "b", "m") and not c.startswith(("c_", "b_", "a_", "max_", "pq_", "turns_"))]
    months = pd.concat([months, panel[keep]], axis=1)
    months["stage"] = months["stage"].map(lambda s: STAGES[int(s)])
    for c in ("first_ts", "last_ts"):
        if c in months:
            months[c] = pd.to_datetime((months[c] * 1e6).round(), unit="us", utc=True)
    norms["stage"] = norms["stage"].map(lambda s: None if pd.isna(s) else STAGES[int(s)])
    out = {"relationships": rels, "pairs": pairs, "relationship_months": months, "channel_norms": norms}
    for df in out.values():
        for c in df.columns:
            if c in ("person_id", "a_id", "b_id", "last_contact_id"):
                df[c] = pd.to_numeric(df[c]).astype("Int64")
    return out


def _canonical(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The store's tables (views of them, on a read-only store scored in memory), less what is
    bookkeeping, not data: the views kept for the web app (``view_cache``, a cache of results) and
    the keys of the people you asked to forget (``forgotten``: beside the salt in ``meta``, an
    export of them would let whoever holds it test a guessed address or number)."""
    return [r[0] for r in con.execute("""
        SELECT table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
        UNION SELECT view_name FROM duckdb_views()
        WHERE database_name = current_database() AND schema_name = 'main' AND NOT internal
        ORDER BY 1""").fetchall() if r[0] not in _NOT_EXPORTED]


_NOT_EXPORTED = frozenset({"view_cache", "forgotten"})


def export(ck: Closeknit, to: str, folder: str | os.PathLike[str]) -> pd.DataFrame:
    """Write the store behind ``ck`` as ``to`` (one of :data:`FORMATS`) into ``folder`` (created
    if needed; files of the same names are replaced). Returns one row per file written: ``path``,
    ``bytes``; ``attrs['seconds']`` is the time it took."""
    if to not in FORMATS:
        raise UsageError(f"unknown export format {to!r} (choose from {', '.join(FORMATS)})")
    folder = Path(folder).expanduser()
    if folder.exists() and not folder.is_dir():
        raise InputError(f"{folder} is a file; give a folder to export into")
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ck.score_store()  # the measures need every text scored (in memory on a read-only store)
    written = {"parquet": _tables, "csv": _tables, "sqlite": _sqlite, "graphml": _graph, "gexf": _graph,
               "convokit": _convokit, "events": _events}[to](ck, to, folder)
    df = pd.DataFrame({"path": [str(p) for p in written], "bytes": [p.stat().st_size for p in written]})
    df.attrs["seconds"] = time.perf_counter() - t0
    return df


# ------------------------------------------------------------------------------------------- parquet, csv
def _tables(ck: Closeknit, to: str, folder: Path) -> list[Path]:
    opts = "(FORMAT parquet, COMPRESSION zstd)" if to == "parquet" else "(FORMAT csv, HEADER)"
    out = []
    for t in _canonical(ck.con):
        p = folder / f"{t}.{to}"
        ck.con.execute(f"COPY (SELECT * FROM \"{t}\") TO '{_sql_path(p)}' {opts}")
        out.append(p)
    mem = connect()  # no extension fetched or loaded
    try:
        for name, df in measure_tables(ck).items():
            p = folder / f"{name}.{to}"
            mem.register("_t", df)
            mem.execute(f"COPY (SELECT * FROM _t) TO '{_sql_path(p)}' {opts}")
            mem.unregister("_t")
            out.append(p)
    finally:
        mem.close()
    return out


def _events(ck: Closeknit, _to: str, folder: Path) -> list[Path]:
    from closeknit.relate.community import store_events_sql

    p = folder / "events.parquet"
    ck.con.execute(f"COPY ({store_events_sql()}) TO '{_sql_path(p)}' (FORMAT parquet, COMPRESSION zstd)")
    return [p]


def _sql_path(p: Path) -> str:
    return str(p).replace("'", "''")


# ------------------------------------------------------------------------------------------- sqlite
#: Foreign keys of the canonical model, declared in the SQLite export so that Datasette links rows.
_FOREIGN_KEYS = {
    "identities": {"person_id": ("people", "id"), "first_source": ("sources", "id")},
    "interactions": {"actor_id": ("identities", "id"), "source_id": ("sources", "id")},
    "interaction_participants": {"identity_id": ("identities", "id")},
    "identity_links": {"a": ("identities", "id"), "b": ("identities", "id"), "source_id": ("sources", "id")},
    "import_errors": {"source_id": ("sources", "id")},
    "me": {"identity_id": ("identities", "id")},
    "relationships": {"person_id": ("people", "id")},
    "pairs": {"a_id": ("people", "id"), "b_id": ("people", "id")},
    "relationship_months": {"person_id": ("people", "id")},
}


def _sqlite_type(t: pa.DataType) -> str:
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        return "INTEGER"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "REAL"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t):
        return "BLOB"
    return "TEXT"


def _sqlite_value(v: Any) -> Any:
    if v is None or isinstance(v, (int, str, bytes)):
        return v
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        return None if math.isnan(v) else v
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, (datetime, date, pd.Timestamp)):
        return v.isoformat()
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def _batches(ck: Closeknit, table: str, df: pd.DataFrame | None) -> tuple[pa.Schema, Iterator[pa.RecordBatch]]:
    if df is not None:
        t = pa.Table.from_pandas(df, preserve_index=False)
        return t.schema, iter(t.to_batches(max_chunksize=10_000))
    rel = ck.con.sql(f'SELECT * FROM "{table}"')
    reader = (getattr(rel, "to_arrow_reader", None) or rel.fetch_arrow_reader)(10_000)  # streamed (DuckDB 2.x, 1.x)
    return reader.schema, iter(reader)


def _sqlite(ck: Closeknit, _to: str, folder: Path) -> list[Path]:
    db = folder / "closeknit.db"
    tmp = folder / "closeknit.db.part"  # written aside, then renamed: an interrupted export leaves no half database
    tmp.unlink(missing_ok=True)
    pks = {r[0]: r[1] for r in ck.con.execute(
        "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
        "AND database_name = current_database()").fetchall()}
    if not pks:  # the in-memory view of a read-only store: the stored database's keys
        pks = {r[0]: r[1] for r in ck.con.execute(
            "SELECT table_name, constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY'"
        ).fetchall()}
    measures = measure_tables(ck)
    docs = table_docs()
    lite = sqlite3.connect(tmp)
    try:
        for table in _canonical(ck.con) + list(measures):
            schema, batches = _batches(ck, table, measures.get(table))
            cols = []
            for f in schema:
                c = f'"{f.name}" {_sqlite_type(f.type)}'
                if pks.get(table) == [f.name]:
                    c += " PRIMARY KEY"
                ref = _FOREIGN_KEYS.get(table, {}).get(f.name)
                if ref:
                    c += f' REFERENCES "{ref[0]}"("{ref[1]}")'
                cols.append(c)
            lite.execute(f'CREATE TABLE "{table}" ({", ".join(cols)})')
            marks = ", ".join("?" * len(schema))
            for b in batches:
                data = [b.column(i).to_pylist() for i in range(b.num_columns)]
                lite.executemany(f'INSERT INTO "{table}" VALUES ({marks})',
                                 [tuple(_sqlite_value(v) for v in row) for row in zip(*data)])
        for table, col in (("interactions", "ts"), ("interactions", "actor_id"), ("interactions", "thread_id"),
                           ("interaction_participants", "interaction_id"), ("interaction_participants", "identity_id"),
                           ("identities", "person_id"), ("message_scores", "interaction_id")):
            lite.execute(f'CREATE INDEX "idx_{table}_{col}" ON "{table}"("{col}")')
        # full-text search on message texts, in the form Datasette detects (content="interactions")
        lite.execute('CREATE VIRTUAL TABLE "interactions_fts" USING fts5(text, content="interactions")')
        lite.execute('INSERT INTO "interactions_fts"(rowid, text) SELECT rowid, text FROM interactions WHERE text IS NOT NULL')
        lite.commit()
    finally:
        lite.close()
    os.replace(tmp, db)
    tables: dict[str, Any] = {}
    for t in _canonical(ck.con):
        tables[t] = {"description": docs.get(t, {}).get("description", ""), "columns": docs.get(t, {}).get("columns", {})}
    for t, df in measures.items():
        tables[t] = {"description": MEASURE_TABLES[t],
                     "columns": {c: _MEASURE_COLUMNS[c] for c in df.columns if c in _MEASURE_COLUMNS}}
    tables["interactions"].update({"fts_table": "interactions_fts", "fts_pk": "rowid"})
    meta = {"title": "closeknit", "description": "Relationships measured from your own archives (closeknit export --to "
                                                 "sqlite). Times are UTC, ISO 8601.",
            "databases": {"closeknit": {"tables": tables}}}
    mpath = folder / "metadata.json"
    mpath.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return [db, mpath]


# ------------------------------------------------------------------------------------------- graphs
def relationship_graph(ck: Closeknit):
    """The relationship graph as a networkx ``Graph``: a node per person in contact with anyone
    (``label`` = name, ``is_self``), an edge per pair in contact with its measures as attributes
    (numbers as floats or ints, stages and trajectories as names, times as ISO strings)."""
    import networkx as nx

    pairs = ck.pairs()
    names = ck._names()
    g = nx.Graph()
    for pid in sorted(set(pairs.a_id) | set(pairs.b_id), key=int):
        g.add_node(pid, label=names.get(int(pid)) or f"person {pid}", is_self=pid == "0")
    for r in pairs.to_dict("records"):
        attrs = {}
        for k in _GRAPH_ATTRS:
            v = r.get(k)
            if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
                continue
            if isinstance(v, pd.Timestamp):
                v = v.isoformat()
            elif hasattr(v, "item"):
                v = v.item()
            attrs[k] = v
        g.add_edge(r["a_id"], r["b_id"], **attrs)
    return g


def _graph(ck: Closeknit, to: str, folder: Path) -> list[Path]:
    import networkx as nx

    g = relationship_graph(ck)
    p = folder / f"relationships.{to}"
    if to == "graphml":
        nx.write_graphml(g, p)
    else:
        nx.write_gexf(g, p)
    return [p]


# ------------------------------------------------------------------------------------------- convokit
def _convokit(ck: Closeknit, _to: str, folder: Path) -> list[Path]:
    """ConvoKit's corpus format (convokit.cornell.edu/documentation/data_format.html): each message
    with text is an utterance; a conversation is a thread (or a message of its own), named by the
    id of its first utterance; ``reply-to`` (the key ConvoKit itself writes) is the parent when the
    parent is in the corpus, else None."""
    from closeknit.relate.inputs import current_model_version, score_join

    joins, cols, versions = score_join()  # what the measures read: accurate where scored, else fast
    rows = ck.con.execute(f"""
        SELECT i.id, a.person_id AS speaker, i.thread_id, i.reply_to, epoch(i.ts) AS ts, i.text, i.channel, i.kind,
               i.visibility, {cols["intimacy"]}, {cols["personal_question"]}, {cols["disclosure"]}, {cols["scored_by"]}
        FROM interactions i JOIN identities a ON a.id = i.actor_id
        {joins}
        WHERE i.text IS NOT NULL AND length(trim(i.text)) > 0 AND i.ts IS NOT NULL
        ORDER BY i.ts, i.id""", versions).fetchall()
    ids = {r[0] for r in rows}
    first_of: dict[str, int] = {}
    convo_meta: dict[str, dict] = {}
    utts = folder / "utterances.jsonl"
    speakers: set[int] = set()
    with open(utts, "w", encoding="utf-8") as f:
        for (iid, spk, thread, reply_to, ts, text, channel, kind, vis, intimacy, pq, disc, by) in rows:
            key = f"{channel}:{thread}" if thread else f"i:{iid}"
            root = first_of.setdefault(key, iid)
            cid = str(root)
            if cid not in convo_meta:
                convo_meta[cid] = {"channel": channel, "visibility": vis, "thread_id": thread, "n_utterances": 0}
            convo_meta[cid]["n_utterances"] += 1
            speakers.add(spk)
            f.write(json.dumps({
                "id": str(iid), "speaker": str(spk), "conversation_id": cid,
                "reply-to": str(reply_to) if reply_to in ids else None, "timestamp": int(ts), "text": text,
                "meta": {"channel": channel, "kind": kind, "visibility": vis,
                         "intimacy": None if intimacy is None else round(float(intimacy), 4),
                         "personal_question": pq, "disclosure": None if disc is None else round(float(disc), 4),
                         "scored_by": by},
                "vectors": []}, ensure_ascii=False) + "\n")
    names = ck._names()
    files = [utts]

    def dump(name: str, obj: Any) -> None:
        p = folder / name
        p.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
        files.append(p)

    dump("speakers.json", {str(s): {"meta": {"name": names.get(s), "is_self": s == 0}, "vectors": []}
                           for s in sorted(speakers)})
    dump("conversations.json", {c: {"meta": m, "vectors": []} for c, m in convo_meta.items()})
    dump("corpus.json", {"name": "closeknit", "source": str(ck.path),
                         "model_version": current_model_version(), "accurate_model_version": current_model_version("accurate")})
    dump("index.json", {
        "utterances-index": {"channel": ["<class 'str'>"], "kind": ["<class 'str'>"], "visibility": ["<class 'str'>"],
                             "intimacy": ["<class 'float'>"], "personal_question": ["<class 'bool'>"],
                             "disclosure": ["<class 'float'>"], "scored_by": ["<class 'str'>"]},
        "speakers-index": {"name": ["<class 'str'>"], "is_self": ["<class 'bool'>"]},
        "conversations-index": {"channel": ["<class 'str'>"], "visibility": ["<class 'str'>"],
                                "thread_id": ["<class 'str'>"], "n_utterances": ["<class 'int'>"]},
        "overall-index": {"name": ["<class 'str'>"], "source": ["<class 'str'>"], "model_version": ["<class 'str'>"],
                          "accurate_model_version": ["<class 'str'>"]},
        "version": 1, "vectors": []})
    return files
