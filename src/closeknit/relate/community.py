"""A community's interaction log, on one machine or on a cluster: every pair with every measure.

The input is a Parquet dataset of events with the columns of the events CSV (see
:mod:`closeknit.ingest.formats.events_csv`), typed:

=============  =========================  ==================================================
column         type                       meaning
=============  =========================  ==================================================
``src``        string (required)          who acted: an opaque id, handle or address
``dst``        string (required)          to whom
``ts``         double, bigint or          when: Unix seconds, or a timestamp (UTC)
               timestamp (required)
``text``       string                     what was said (only its length is used here)
``channel``    string                     default ``events``
``kind``       string                     message, reply, call, ... (default ``message``)
``visibility`` string                     private, group or public (default ``private``)
``thread``     string                     a thread or conversation id
``duration``   double                     seconds, for calls and meetings (NULL: unknown)
=============  =========================  ==================================================

Optional language scores, where the platform scored the texts (closeknit's scorer, or its own on the
same 0..1 scale): ``intimacy``, ``confidence``, ``disclosure`` (doubles, 0..1), ``is_question``,
``personal_question``, ``addresses_you`` (booleans). Without them, closeness counts intimacy as unknown
and the channel norms and the messages that ran ahead are empty.

A person is their ``src``/``dst`` string; their id is :func:`closeknit.core.ids.stable_id`
``("person", handle)`` and an event's id hashes its content plus its ordinal among identical
events, so both engines, and any rerun, give every row the same ids.

:func:`run_pairs` computes the pairs table (closeness and every measure of
:class:`~closeknit.relate.measures.Relationships`) on DuckDB or on Spark, from one definition:
the SQL here and in :mod:`closeknit.relate.measures`, run as it is by DuckDB and transpiled for
Spark (:mod:`closeknit.relate.engines`).

Skew: a hub (one account in contact with a million others) has a million *pairs*; every
per-pair statement is keyed by the canonical pair ``(a, b)``, never by person, so a hub's events
spread over as many shuffle partitions as it has pairs. The only per-person aggregate (degrees
for shared contacts) is a count with a map-side partial aggregate; the shared-contact join walks
the neighbours of the side with fewer contacts, and Spark's adaptive skew-join splitting is on.
"""

from __future__ import annotations

import os
from typing import Any

from closeknit.core.errors import InputError
from closeknit.ingest.records import KINDS, VISIBILITIES
from closeknit.relate.engines import remove_path
from closeknit.relate.measures import Params, Relationships

__all__ = ["EVENT_SCHEMA", "OUTPUTS", "community", "contacts_sql", "events_sql", "pairs_sql", "run_pairs", "read_events", "check_events", "store_events_sql",
           "main"]

#: Required and optional columns of the events Parquet dataset.
EVENT_SCHEMA = {"src": "string", "dst": "string", "ts": "double | bigint | timestamp", "text": "string",
                "channel": "string", "kind": "string", "visibility": "string", "thread": "string",
                "duration": "double"}
_REQUIRED = ("src", "dst", "ts")
#: Optional language scores of each event's text.
_SCORES = {"intimacy": "DOUBLE", "confidence": "DOUBLE", "is_question": "BOOLEAN", "personal_question": "BOOLEAN",
           "disclosure": "DOUBLE", "addresses_you": "BOOLEAN"}

#: The pairs output is partitioned by stage: six directories, the one a study usually filters on.
PARTITION_BY = "stage"


def _list(values) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def _clean(columns: dict[str, str]) -> str:
    """SELECT over ``events_in`` with every column typed and defaulted (``columns``: name -> type
    name as the engine reports it, lower case)."""
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise InputError(f"the events lack the column(s) {', '.join(missing)}; expected src, dst, ts "
                         f"[, text, channel, kind, visibility, thread, duration]")
    ts = "epoch_us(ts) / 1e6" if "timestamp" in columns["ts"] else "CAST(ts AS DOUBLE)"

    def opt(c, t="VARCHAR"):
        return f"CAST({c} AS {t})" if c in columns else f"CAST(NULL AS {t})"

    scores = ", ".join(f"{opt(c, t)} AS {c}" for c, t in _SCORES.items())

    return f"""
        SELECT CAST(src AS VARCHAR) AS src, CAST(dst AS VARCHAR) AS dst, {ts} AS ts, {opt('text')} AS text,
               coalesce({opt('channel')}, 'events') AS channel, lower(coalesce({opt('kind')}, 'message')) AS kind,
               lower(coalesce({opt('visibility')}, 'private')) AS visibility, {opt('thread')} AS thread,
               {opt('duration', 'DOUBLE')} AS duration, {scores}
        FROM events_in"""


def _bad_condition() -> str:
    return (f"(src IS NULL OR src = '' OR dst IS NULL OR dst = '' OR ts IS NULL OR kind NOT IN ({_list(KINDS)}) "
            f"OR visibility NOT IN ({_list(VISIBILITIES)}) OR coalesce(duration < 0, false))")


def events_sql(columns: dict[str, str]) -> str:
    """The dyad-event table (:data:`closeknit.relate.inputs.EVENT_COLUMNS`) from ``events_in``.

    ``stable_id63(x)`` is :func:`closeknit.core.ids.sql_stable_id`, written out per engine."""
    return f"""
    WITH ev AS ({_clean(columns)}),
    h AS (
        SELECT *, md5(concat_ws(chr(31), src, dst, CAST(CAST(round(ts * 1e6) AS BIGINT) AS VARCHAR), channel, kind,
                                visibility, coalesce(text, ''), coalesce(thread, ''),
                                coalesce(CAST(CAST(round(duration * 1e3) AS BIGINT) AS VARCHAR), ''))) AS h
        FROM ev WHERE NOT {_bad_condition()}
    ),
    ids AS (
        SELECT *, stable_id63(h || '#' || CAST(row_number() OVER (PARTITION BY h ORDER BY h) AS VARCHAR)) AS iid,
               stable_id63('person|' || src) AS s, stable_id63('person|' || dst) AS d,
               year(to_timestamp(ts) AT TIME ZONE 'UTC') * 12 + month(to_timestamp(ts) AT TIME ZONE 'UTC') - 1 AS mo
        FROM h
    )
    SELECT iid AS interaction_id, least(s, d) AS a, greatest(s, d) AS b, s < d AS a_acts, ts,
           CAST(mo AS BIGINT) AS month, channel, kind, visibility, 'recipient' AS role,
           intimacy, confidence, is_question, personal_question, disclosure, addresses_you,
           CAST(length(text) AS BIGINT) AS text_len,
           duration AS duration_s, thread AS thread_id, CAST(NULL AS BIGINT) AS reply_to
    FROM ids
    """


def handles_sql() -> str:
    """``person_id, handle``: every person of ``events_in`` (valid rows) with their id."""
    return """
    SELECT stable_id63('person|' || handle) AS person_id, handle FROM (
        SELECT CAST(src AS VARCHAR) AS handle FROM events_in WHERE src IS NOT NULL AND CAST(src AS VARCHAR) <> ''
        UNION
        SELECT CAST(dst AS VARCHAR) FROM events_in WHERE dst IS NOT NULL AND CAST(dst AS VARCHAR) <> '') u
    """


def pairs_sql(columns: list[str]) -> str:
    """The output: the engine's ``pairs`` table (``columns``) with ``a_id, a, b_id, b`` (ids and
    handles), readable stage names and UTC timestamps for times (``*_ts``, first and last contact)."""
    lead = ["p.a AS a_id", "ha.handle AS a", "p.b AS b_id", "hb.handle AS b", "p.closeness",
            "p.stage_name AS stage", "p.peak_stage_name AS peak_stage", "p.trajectory",
            "make_timestamp(CAST(round(p.first_contact_ts * 1e6) AS BIGINT)) AS first_contact",
            "make_timestamp(CAST(round(p.last_contact_ts * 1e6) AS BIGINT)) AS last_contact",
            "p.contacts", "p.contacts_ab", "p.contacts_ba"]
    skip = {"a", "b", "closeness", "stage_name", "peak_stage_name", "stage", "peak_stage", "trajectory",
            "first_contact_ts", "last_contact_ts", "contacts", "contacts_ab", "contacts_ba"}
    rest = [f"make_timestamp(CAST(round(p.{c} * 1e6) AS BIGINT)) AS {c}" if c.endswith("_ts") else f"p.{c}"
            for c in columns if c not in skip]
    return f"""
    SELECT {', '.join(lead + rest)}
    FROM pairs p JOIN handles ha ON ha.person_id = p.a JOIN handles hb ON hb.person_id = p.b
    """


def contacts_sql() -> str:
    """The output: the engine's ``contacts`` table (:mod:`closeknit.relate.contacts`) with ``src_id,
    src, dst_id, dst`` (ids and handles), then ``score``, ``chance`` and every feature."""
    from closeknit.relate.predict import FEATURES

    rest = ", ".join(f"k.{c}" for c in ["score", "chance", *FEATURES])
    return f"""
    SELECT k.src AS src_id, hs.handle AS src, k.dst AS dst_id, hd.handle AS dst, {rest}
    FROM contacts k JOIN handles hs ON hs.person_id = k.src JOIN handles hd ON hd.person_id = k.dst
    """


def store_events_sql() -> str:
    """A store's timed interactions in the events schema (DuckDB SQL over the store): one row per
    actor and participant of another person; each person is named ``channel:value`` of their
    first identity (the smallest id) (so two stores' people meet where they share an address or handle)."""
    return """
    WITH h AS (SELECT person_id, arg_min(channel || ':' || value, id) AS handle FROM identities GROUP BY person_id)
    SELECT ha.handle AS src, hb.handle AS dst, i.ts AS ts, i.text, i.channel, i.kind, i.visibility,
           i.thread_id AS thread, i.duration_s AS duration
    FROM interactions i
    JOIN identities ai ON ai.id = i.actor_id
    JOIN interaction_participants ip ON ip.interaction_id = i.id
    JOIN identities pi ON pi.id = ip.identity_id
    JOIN h ha ON ha.person_id = ai.person_id
    JOIN h hb ON hb.person_id = pi.person_id
    WHERE i.ts IS NOT NULL AND ai.person_id <> pi.person_id
    ORDER BY i.ts, i.id, hb.handle
    """


def check_events(engine) -> None:
    """Raise :class:`InputError` naming the count and the first bad row when ``events_in`` holds
    rows that cannot be read (nothing is dropped in silence)."""
    cols = {c: t for c, t in _types(engine).items()}
    bad = engine.scalar(f"SELECT count(*) FROM ({_clean(cols)}) WHERE {_bad_condition()}")
    if bad:
        row = engine.scalar(f"SELECT concat_ws(',', src, dst, CAST(ts AS VARCHAR), kind, visibility, "
                            f"CAST(duration AS VARCHAR)) FROM ({_clean(cols)}) WHERE {_bad_condition()} LIMIT 1")
        raise InputError(f"{bad:,} event(s) cannot be read (empty src or dst, no time, unknown kind or visibility, "
                         f"negative duration), e.g. {row!r}; fix or remove them")


def _types(engine) -> dict[str, str]:
    if engine.name == "spark":
        return {f.name.lower(): f.dataType.simpleString().lower() for f in engine.spark.table("events_in").schema}
    rows = engine.con.execute("DESCRIBE events_in").fetchall()
    return {r[0].lower(): str(r[1]).lower() for r in rows}


def read_events(engine, path: str) -> None:
    """Register the events Parquet at ``path`` (a file, folder or glob; any URL the engine reads)
    as ``events_in``."""
    if engine.name == "spark":
        try:
            engine.register("events_in", engine.spark.read.parquet(path))
        except Exception as e:  # noqa: BLE001 - Spark raises its own AnalysisException
            raise InputError(f"cannot read events Parquet at {path}: {str(e).splitlines()[0]}") from None
    else:
        src = path.rstrip("/")
        if os.path.isdir(src):
            src = src + "/**/*.parquet"
        try:
            engine.view("events_in", f"SELECT * FROM read_parquet('{src}')")
        except Exception as e:  # noqa: BLE001 - duckdb raises IOException and friends
            raise InputError(f"cannot read events Parquet at {path}: {str(e).splitlines()[0]}") from None


def community(engine, events_path: str, *, as_of: float | None = None, params: Params | None = None) -> Relationships:
    """The :class:`~closeknit.relate.measures.Relationships` of the events at ``events_path`` on
    ``engine`` (a :class:`~closeknit.relate.engines.DuckDBEngine` or
    :class:`~closeknit.relate.engines.SparkEngine`), with the engine table ``handles``
    (``person_id, handle``) beside its tables."""
    read_events(engine, events_path)
    check_events(engine)
    engine.table("ev_dyad", events_sql(_types(engine)))
    engine.table("handles", handles_sql())
    events = engine.spark.table("ev_dyad") if engine.name == "spark" else engine.con.table("ev_dyad")
    return Relationships(events, None, as_of=as_of, params=params or Params(), scope="all", engine=engine)


#: The tables a run writes under ``--out``, in the order it writes them (the users of the monthly panel
#: first, so that the panel can go before the pairs' rows are made), each with the column its Parquet
#: folder is partitioned by (None: one file).
OUTPUTS = {"norms": None, "incoming": "verdict", "pairs": PARTITION_BY, "contacts": None}


def _output_sql(rel: Any, name: str) -> str:
    rel.build(name)
    if name == "pairs":
        return pairs_sql(rel.engine.columns("pairs"))
    if name == "contacts":
        return contacts_sql()
    return f"SELECT * FROM {name}"


def run_pairs(engine, events_path: str, out: str | None = None, *, as_of: float | None = None,
              params: Params | None = None):
    """Every pair in contact in the events at ``events_path``, on ``engine``.

    Without ``out``: the pairs table (Arrow, by ``a_id, b_id``). With ``out`` (a folder, any URL the
    engine writes): ``out/pairs`` partitioned by stage, ``out/norms`` (the channel norms),
    ``out/incoming`` (every judged message with its verdict, partitioned by verdict) and
    ``out/contacts`` (the contact model as of ``as_of`` for every pair in contact, both ways:
    :func:`contacts_sql`) as Parquet; returns the number of pairs. A run that fails (out of memory,
    interrupted) removes the output folders it had begun to write, so that no reader takes this run's
    norms beside an earlier run's pairs; ``out`` goes too if the run made it and it is empty.

    On DuckDB each table goes as soon as nothing more is built from it (as ``closeknit pairs`` on a
    store does): the input once the engine has its copy, the norms and judged messages once written,
    the monthly panel once the pairs' rows are made, the events once closeness and the contact model are. Spark writes each
    table once, as Parquet in ``out/_closeknit_scratch`` (unless the engine has a ``scratch`` folder of
    its own), and removes that folder at the end.
    """
    if out is not None and engine.name == "spark" and engine.persist and engine.scratch is None:
        # Spark keeps its tables as Parquet beside the output (a folder every executor reaches; Spark's
        # readers skip names starting with "_"), removed at the end
        engine.scratch = f"{out.rstrip('/')}/_closeknit_scratch"
        try:
            return run_pairs(engine, events_path, out, as_of=as_of, params=params)
        finally:
            engine.close()  # removes the scratch folder
            engine.scratch = None
    rel = community(engine, events_path, as_of=as_of, params=params)
    if out is None:
        return engine.arrow(_output_sql(rel, "pairs") + " ORDER BY a_id, b_id")
    out = out.rstrip("/")
    local = engine.name == "duckdb"
    if local:
        rel.release_input()
        engine.drop("ev_dyad")
    started: list[str] = []  # the output folders this run has begun to write: removed if it fails
    had_out = "://" in out or os.path.exists(out)
    try:
        for name, part in OUTPUTS.items():
            if local and name == "pairs":  # what the pairs need, each input released once built on
                rel.release("incoming", "norms")
                rel.build("dyads")
                rel.release("panel")
                rel.build("closeness")
                rel.build("contacts")  # it reads the events too
                rel.release("e")
            select = _output_sql(rel, name)
            started.append(f"{out}/{name}")
            if engine.name == "spark":
                w = engine.frame(select).write.mode("overwrite")
                (w.partitionBy(part) if part else w).parquet(f"{out}/{name}")
            else:
                os.makedirs(f"{out}/{name}", exist_ok=True)
                target = f"{out}/{name}" if part else f"{out}/{name}/part-0.parquet"
                opts = f", PARTITION_BY ({part}), OVERWRITE_OR_IGNORE true" if part else ""
                engine.con.execute(f"COPY ({select}) TO '{target}' (FORMAT parquet{opts})")
    except BaseException:
        # no half-done output: a reader would take norms of this run beside pairs of an earlier one
        for path in started:
            remove_path(getattr(engine, "spark", None), path)
        if not had_out and os.path.isdir(out) and not os.listdir(out):
            os.rmdir(out)
        raise
    return engine.scalar("SELECT count(*) FROM pairs")


def main(argv: list[str] | None = None) -> int:
    """``spark-submit`` entry point: ``spark-submit [--master URL] .../closeknit/relate/community.py
    EVENTS OUT`` (the path of this file); the master comes from spark-submit. Only the driver needs
    closeknit: the executors run Spark SQL, no Python."""
    import argparse

    from closeknit.relate.engines import SparkEngine, spark_session

    ap = argparse.ArgumentParser(prog="closeknit-pairs-spark",
                                 description="Every pair in contact, with closeness and every measure, on Spark.")
    ap.add_argument("events", help="events Parquet (file, folder or URL Spark reads)")
    ap.add_argument("out", help="a folder for pairs/ (partitioned by stage), norms/, incoming/ and contacts/ (Parquet)")
    ap.add_argument("--as-of", type=float, default=None, help="Unix seconds (default: the latest event)")
    ap.add_argument("--shuffle-partitions", type=int, default=None)
    a = ap.parse_args(argv)
    spark = spark_session(shuffle_partitions=a.shuffle_partitions)
    n = run_pairs(SparkEngine(spark), a.events, a.out, as_of=a.as_of)
    print(f"{n:,} pairs written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
