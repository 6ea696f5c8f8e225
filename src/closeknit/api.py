"""The Python API: open a store and get pandas DataFrames with names, not bare ids.

Every ``closeknit`` command is a thin layer over one method here, and its ``--json`` is that
method's result written by :func:`to_json`. One shape everywhere:

* a person is ``person`` (the display name) beside ``person_id``; a pair is ``a``/``b`` beside
  ``a_id``/``b_id``;
* ids are strings (63-bit integers do not survive JavaScript);
* times are timezone-aware UTC (``pandas.Timestamp``), written as ISO 8601 with the zone;
* stages, trajectories and verdicts are their names.

Scoring happens here, before any measure: texts without a score from the current intimacy model
are scored first, so the numbers are those of the CLI whatever the caller. On a store opened
read-only the missing scores are computed for this session only (a temporary table, nothing is
written); open with ``read_only=False`` to keep them.

>>> import closeknit
>>> ck = closeknit.open(demo_store)            # doctest: +SKIP
>>> ck.relationships().head(3)[["person", "stage", "intimacy"]]   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, ContextManager

import pandas as pd

from closeknit.core.config import resolve_db_path
from closeknit.core.errors import NotFoundError, StoreError, UsageError
from closeknit.store import Store

__all__ = ["open", "Closeknit", "to_json", "to_jsonable", "parse_time", "Progress", "MEASURE_SORTS", "PEOPLE_COLUMNS",
           "IMPORT_COLUMNS"]

#: ``progress(description, total)`` -> a context manager giving ``advance(n)``: how long work reports
#: itself (the CLI passes rich progress bars; the default reports nothing).
Progress = Callable[[str, "int | None"], ContextManager[Callable[[int], None]]]

#: ``people(sort=...)`` by a measure: highest first.
MEASURE_SORTS = ("closeness", "stage", "familiarity", "intimacy", "reciprocity", "trust")

_UTC = timezone.utc


@contextlib.contextmanager
def _silent(_description: str, _total: int | None) -> Iterator[Callable[[int], None]]:
    yield lambda _n: None


def parse_time(when: str | float | int | date | datetime | pd.Timestamp | None, *, end_of_day: bool = True) -> float | None:
    """Unix seconds of ``when``: an ISO date or time (UTC unless it carries a zone), a datetime,
    a date (its end, with ``end_of_day``), or seconds. ``None`` stays ``None``.

    >>> parse_time("2026-06-30")
    1782863999.0
    >>> parse_time("2026-06-30T12:00:00+02:00")
    1782813600.0
    """
    if when is None or when == "":
        return None
    if isinstance(when, (int, float)) and not isinstance(when, bool):
        if not math.isfinite(when):
            raise UsageError(f"{when!r} is not a time")
        return float(when)
    if isinstance(when, str):
        s = when.strip()
        try:
            dt = datetime.fromisoformat(s)
        except ValueError:
            raise UsageError(f"{when!r} is not a date; use YYYY-MM-DD or an ISO time") from None
        if len(s) == 10 and end_of_day:
            dt = dt.replace(hour=23, minute=59, second=59)
    elif isinstance(when, datetime):
        dt = when
    elif isinstance(when, date):
        dt = datetime(when.year, when.month, when.day, 23, 59, 59) if end_of_day else datetime(when.year, when.month, when.day)
    else:
        raise UsageError(f"{when!r} is not a time")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_UTC)
    return dt.timestamp()


def _ts(x: float | None) -> pd.Timestamp | None:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return None
    return pd.Timestamp(round(float(x) * 1e6), unit="us", tz="UTC")  # microseconds, as stored


def _id(x: Any) -> str | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else str(int(x))


def _num(x: Any, nd: int = 3) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else round(x, nd)


# ------------------------------------------------------------------------------------------- JSON
def to_jsonable(obj: Any) -> Any:
    """``obj`` with DataFrames as lists of records, times as ISO 8601 with zone, NaN as None.

    >>> to_jsonable({"when": pd.Timestamp("2026-10-31 12:00", tz="UTC"), "x": float("nan")})
    {'when': '2026-10-31T12:00:00+00:00', 'x': None}
    """
    if obj is None or isinstance(obj, (str, int)) and not hasattr(obj, "tolist"):  # most values: as they are
        return obj
    if isinstance(obj, pd.DataFrame):
        return [{str(k): to_jsonable(v) for k, v in r.items()} for r in obj.to_dict("records")]
    if isinstance(obj, pd.Series):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_jsonable(v) for v in obj]
    if hasattr(obj, "tolist") and not isinstance(obj, (str, bytes)):  # numpy scalars and arrays
        return to_jsonable(obj.tolist())
    if obj is pd.NaT:
        return None
    if isinstance(obj, (pd.Timestamp, datetime)):
        if obj.tzinfo is None:
            obj = obj.replace(tzinfo=_UTC)
        return obj.isoformat()
    if isinstance(obj, date):
        return obj.isoformat()
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, Decimal):
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    try:
        if pd.isna(obj):
            return None
    except (TypeError, ValueError):
        pass
    return obj


def to_json(obj: Any, *, indent: int | None = 2) -> str:
    """The JSON every ``--json`` prints: :func:`to_jsonable` of an API result.

    >>> print(to_json(pd.DataFrame({"person_id": ["7"], "person": ["Ada"]}), indent=None))
    [{"person_id": "7", "person": "Ada"}]
    """
    return json.dumps(to_jsonable(obj), ensure_ascii=False, indent=indent)


# ------------------------------------------------------------------------------------------- the store
def open(path: str | os.PathLike[str] | None = None, *, read_only: bool = True,
         progress: Progress | None = None) -> Closeknit:  # noqa: A001 - closeknit.open, as sqlite3.connect
    """Open the store at ``path`` (default: ``$CLOSEKNIT_DB``, else the closeknit data directory).

    ``read_only=True`` (the default) lets other readers share the store; import, scoring that
    should be kept and other writes need ``read_only=False``. Use it as a context manager or call
    :meth:`Closeknit.close`.

    >>> import closeknit, tempfile, os
    >>> with closeknit.open(os.path.join(tempfile.mkdtemp(), "new.duckdb"), read_only=False) as ck:
    ...     len(ck.people())
    0
    """
    return Closeknit(path, read_only=read_only, progress=progress)


class Closeknit:
    """A closeknit store, seen through DataFrames with names. Make one with :func:`closeknit.open`."""

    def __init__(self, path: str | os.PathLike[str] | None = None, *, read_only: bool = True,
                 progress: Progress | None = None, demo: bool = False, create: bool = True) -> None:
        self.path: Path = resolve_db_path(path, demo=demo)
        self.read_only = read_only
        self.progress: Progress = progress or _silent
        self.store = Store(self.path, read_only=read_only, create=create)
        self._in_memory = False  # read-only store whose missing scores were computed for this session
        self._kept: dict | None = None  # measures kept between calls (keep_measures)

    # ------------------------------------------------------------------ plumbing
    @property
    def con(self):
        """The DuckDB connection (SQL over the canonical tables; see docs/architecture.md)."""
        return self.store.con

    def close(self) -> None:
        self._release_kept()
        self.store.close()

    def __enter__(self) -> Closeknit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<closeknit store {self.path}{' (read-only)' if self.read_only else ''}>"

    def _write(self, what: str) -> None:
        if self.read_only:
            raise UsageError(f"{what} writes to the store: open it with closeknit.open(path, read_only=False)")

    def _names(self) -> dict[int, str]:
        return dict(self.con.execute("SELECT id, display_name FROM people").fetchall())

    def _pid(self, who: str | int) -> int:
        from closeknit.store.queries import find_person

        return find_person(self.con, str(who))

    def _texts(self, ids: Sequence[int]) -> dict[int, str]:
        ids = [int(i) for i in ids if i is not None]
        if not ids:
            return {}
        return dict(self.con.execute("SELECT id, text FROM interactions WHERE id IN (SELECT unnest(?))", [ids]).fetchall())

    # ------------------------------------------------------------------ scoring
    def score_store(self, model: Any = None, *, ids: Sequence[int] | None = None) -> int:
        """Score every stored text (only the interactions ``ids`` when given) that has no score
        from the model ``model`` (``"fast"``, the default, which every measure calls first, or
        ``"accurate"``); returns how many were scored (0 on a scored store). The measures read a
        message's accurate score where there is one, else its fast one. On a read-only store the
        scores live in memory for this session only."""
        from closeknit.language.scorer import IntimacyScorer, default_scorer
        from closeknit.language.store import pending_count, score_store

        scorer = model if isinstance(model, IntimacyScorer) else default_scorer(model or "fast")
        id_list = None if ids is None else [int(i) for i in ids]
        n = pending_count(self.con, scorer.version, id_list)
        if n == 0:
            return 0
        if self.read_only and not self._in_memory:
            self._score_in_memory()
        with self.progress("scoring messages", n) as advance:
            done = score_store(self.store, scorer, progress=advance, ids=id_list, revision=not self._in_memory)
        return done

    def scored_by(self, who: str | int | None = None) -> dict[str, int]:
        """How many messages with text the measures read from each model - ``accurate``, ``fast``,
        ``unscored`` - in the whole store, or between you and ``who``."""
        from closeknit.language.store import scored_by

        return scored_by(self.con, None if who is None else self._pid(who))

    def _score_in_memory(self) -> None:
        """Make the store's tables views of an in-memory database with a writable copy of
        ``message_scores``, so that scores computed now are seen by every query (and every cursor)
        of this session while the store file stays untouched."""
        from closeknit.core.duck import connect

        mem = connect()  # no extension fetched or loaded, no progress bar on stdout
        mem.execute("ATTACH ? AS stored (READ_ONLY)", [str(self.path)])
        tables = [r[0] for r in mem.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = 'stored' AND schema_name = 'main'").fetchall()]
        for t in tables:
            if t == "message_scores":  # in this version's shape, whichever version wrote the store
                from closeknit.store.schema import MESSAGE_SCORES, MODEL_OF_VERSION

                mem.execute(MESSAGE_SCORES)
                cols = {r[0] for r in mem.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = "
                                                  "'stored' AND table_name = 'message_scores'").fetchall()}
                model = "model" if "model" in cols else MODEL_OF_VERSION
                mem.execute(f"""INSERT INTO message_scores SELECT interaction_id, model_version, {model}, intimacy,
                                confidence, lang, is_question, personal_question, CAST(disclosure AS DOUBLE)
                                FROM stored.main.message_scores""")
            else:
                mem.execute(f'CREATE VIEW "{t}" AS SELECT * FROM stored.main."{t}"')
        self.store.con.close()
        self.store.con = mem
        self._in_memory = True

    @staticmethod
    def score(texts: str | Iterable[str], *, model: str = "fast") -> pd.DataFrame:
        """How intimate each text is (0 impersonal .. 1 most intimate), with a confidence, the
        language and the detectors' flags; one row per text, in order. Needs no store.

        >>> import closeknit
        >>> df = closeknit.Closeknit.score(["what's your lowest point while being broke?", "see you at 5"])
        >>> list(df.columns)
        ['text', 'intimacy', 'disclosure', 'confidence', 'lang', 'is_question', 'personal_question']
        >>> bool(df.intimacy[0] > df.intimacy[1])
        True
        """
        from closeknit.language.scorer import OUTPUTS, default_scorer

        texts = [texts] if isinstance(texts, str) else ["" if t is None else str(t) for t in texts]
        a = default_scorer(model).score_arrays(texts)
        cols: dict[str, list] = {"text": texts}
        for c in OUTPUTS:
            cols[c] = ([round(float(x), 4) for x in a[c]] if c in ("intimacy", "disclosure", "confidence") else
                       [bool(x) for x in a[c]] if c in ("is_question", "personal_question") else list(a[c]))
        return pd.DataFrame(cols)

    def measures(self, as_of: Any = None, *, scope: str = "self"):
        """The lazy :class:`closeknit.relate.Relationships` behind every measure, after scoring
        (``scope="all"``: every pair of people, not only yours). Close it when done."""
        from closeknit.relate.personal import load, load_kept
        from closeknit.store.cache import kept_measures

        kept = getattr(self, "_kept", None)
        key = (parse_time(as_of), scope)
        if kept is not None and key in kept:  # built after scoring, below
            return _Kept(kept[key])
        if key == (None, "self") and not self._in_memory:
            # what materialise kept for this revision, after scoring every text of it (a new text is a new revision)
            there, kept_as_of = kept_measures(self.con, self.revision(), _views_model())
            if there:
                return load_kept(self.con, as_of=kept_as_of)
        self.score_store()
        if kept is None:
            return load(self.con, as_of=key[0], scope=scope)
        kept[key] = load(self.con, as_of=key[0], scope=scope)
        return _Kept(kept[key])

    # ------------------------------------------------------------------ people
    def people(self, *, sort: str = "interactions", limit: int | None = None, include_silent: bool = False,
               as_of: Any = None) -> pd.DataFrame:
        """Everyone you interact with: one row per person across all channels, with the
        relationship measures (``stage``, ``closeness``, ``familiarity``, ``intimacy``, ``reciprocity``,
        ``trust``).

        ``sort``: interactions, name, first, last, out, in, channels, or a measure (highest first;
        ``closeness``: closest first).
        """
        from closeknit.relate.personal import people_measures
        from closeknit.store.queries import PEOPLE_SORTS, people_overview

        if sort not in PEOPLE_SORTS + MEASURE_SORTS:
            raise UsageError(f"unknown sort {sort!r} (choose from {', '.join(PEOPLE_SORTS + MEASURE_SORTS)})")
        by_measure = sort in MEASURE_SORTS
        rows = people_overview(self.con, sort="interactions" if by_measure else sort,
                               limit=None if by_measure else limit, include_silent=include_silent)
        measures: dict[int, dict] = {}
        if rows:
            rel = self.measures(as_of)
            try:
                measures = people_measures(rel)
            finally:
                rel.close()
        unmeasured = {"stage": "stranger", "stage_rank": 0}
        if by_measure:  # highest first (closeness on its unrounded value)
            key = "stage_rank" if sort == "stage" else sort

            def highest_first(r: dict) -> float:
                v = measures.get(r["person_id"], unmeasured).get(key)
                return -(v if v is not None else -1)

            rows = sorted(rows, key=highest_first)[:limit or None]
        out = []
        for r in rows:
            m = measures.get(r["person_id"], unmeasured)
            out.append({"person_id": _id(r["person_id"]), "person": r["name"], "channels": list(r["channels"]),
                        "interactions": r["interactions"], "n_out": r["n_out"], "n_in": r["n_in"],
                        "first_contact": _tstamp(r["first_contact"]), "last_contact": _tstamp(r["last_contact"]),
                        "stage": m["stage"], "stage_rank": m["stage_rank"], "trajectory": m.get("trajectory"),
                        "closeness": _num(m.get("closeness")),
                        "familiarity": m.get("familiarity"), "intimacy": m.get("intimacy"),
                        "reciprocity": m.get("reciprocity"), "trust": m.get("trust")})
        return pd.DataFrame(out, columns=PEOPLE_COLUMNS)

    def identities(self, who: str | int) -> dict[str, Any]:
        """Who is who for one person: ``person_id``, ``person``, ``identities`` (a DataFrame: every
        address, number, handle or account, with the formats and files it came from) and
        ``evidence`` (a DataFrame: the links and your decisions that made them one person)."""
        from closeknit.store.queries import person_evidence, person_identities

        pid = self._pid(who)
        rows = person_identities(self.con, pid)
        ids = pd.DataFrame([{"identity_id": _id(r["identity_id"]), "channel": r["channel"], "kind": r["kind"],
                             "value": r["value"], "display_name": r["display_name"], "formats": list(r["formats"] or []),
                             "files": list(r["files"] or [])} for r in rows],
                           columns=["identity_id", "channel", "kind", "value", "display_name", "formats", "files"])
        ev = pd.DataFrame(person_evidence(self.con, pid), columns=["a", "b", "reason", "confidence", "origin"])
        return {"person_id": _id(pid), "person": self._names().get(pid), "identities": ids, "evidence": ev}

    def person(self, who: str | int, *, as_of: Any = None, last: int = 8) -> dict[str, Any]:
        """The story of one relationship: ``person``, ``person_id``, ``as_of``, ``measures`` (a
        dict, stage names), ``who_discloses_more``, ``scored_by`` (how many of your messages with
        them the measures read from the accurate model, the fast one, or unscored), and DataFrames
        ``timeline`` (one row per month with events: stage, closeness as of the month's end,
        familiarity, intimacy, reciprocity, trust), ``stage_changes``, ``channels``,
        ``top_messages`` and ``last_exchanges``.

        ``who``: a person id, a name, an address, a number or a handle.
        """
        from closeknit.relate.personal import relationship

        pid = self._pid(who)
        name = self._names().get(pid) or f"person {pid}"
        rel = self.measures(as_of)
        try:
            story = relationship(rel, pid)
            rel.build("e")
            last_rows = rel.rows("""SELECT interaction_id, a_acts, ts, channel, kind, visibility, intimacy FROM e
                                    WHERE a = 0 AND b = ? AND ts IS NOT NULL AND kind NOT IN ('system', 'read')
                                    ORDER BY ts DESC, interaction_id DESC LIMIT ?""", [pid, int(last)])
            as_of_ts = rel.as_of
        finally:
            rel.close()
        texts = self._texts([r["interaction_id"] for r in last_rows] + [m["interaction_id"] for m in story["top_messages"]])

        def msg(r: dict) -> dict:
            return {"when": _ts(r["ts"]), "who": "you" if r["a_acts"] else name, "channel": r["channel"], "kind": r["kind"],
                    "visibility": r["visibility"], "intimacy": _num(r["intimacy"]),
                    **({"weight": _num(r["weight"]), "disclosure": r["disclosure"],
                        "personal_question": r["personal_question"]} if "weight" in r else {}),
                    "interaction_id": _id(r["interaction_id"]), "text": texts.get(r["interaction_id"])}

        m = story["measures"]
        measures = None
        if m:
            measures = {k: _measure_value(k, v) for k, v in m.items() if k not in ("a", "b")}
            measures["last_stage_change"] = (story["stage_changes"] or [{}])[-1].get("month")
        timeline = pd.DataFrame(story["timeline"], columns=["month", "n_events", "n_contact", "contact_ab", "contact_ba",
                                                            "stage", "closeness", "familiarity", "intimacy", "reciprocity",
                                                            "trust"])
        channels = pd.DataFrame([{"channel": c["channel"], "n_ab": c["n_ab"], "n_ba": c["n_ba"], "first": _ts(c["first_ts"]),
                                  "last": _ts(c["last_ts"]), "mean_intimacy": _num(c["mean_intimacy"])}
                                 for c in story["channels"]], columns=["channel", "n_ab", "n_ba", "first", "last", "mean_intimacy"])
        return {
            "person_id": _id(pid), "person": name, "as_of": _ts(as_of_ts), "measures": measures,
            "who_discloses_more": story.get("who_discloses_more"),
            "scored_by": self.scored_by(pid),
            "closeness": story.get("closeness"),
            "timeline": timeline,
            "stage_changes": pd.DataFrame(story["stage_changes"], columns=["month", "from", "to"]),
            "channels": channels,
            "top_messages": pd.DataFrame([msg(r) for r in story["top_messages"]],
                                         columns=["when", "who", "channel", "kind", "visibility", "intimacy", "weight",
                                                  "disclosure", "personal_question", "interaction_id", "text"]),
            "last_exchanges": pd.DataFrame([msg(r) for r in last_rows],
                                           columns=["when", "who", "channel", "kind", "visibility", "intimacy",
                                                    "interaction_id", "text"]),
        }

    # ------------------------------------------------------------------ relationships
    def relationships(self, as_of: Any = None) -> pd.DataFrame:
        """Your relationships: one row per person you were in contact with, every measure as of
        ``as_of`` (default: the latest interaction), closest first (``closeness``, the tie-strength
        model of :mod:`closeknit.relate.closeness`; then stage and intimacy).

        Columns start with ``person_id``, ``person``, ``stage``, ``trajectory``, ``closeness``,
        ``familiarity``, ``intimacy``, ``reciprocity``, ``trust``; then the evidence (docs/relate.md).
        """
        rel = self.measures(as_of)
        try:
            return self._relationships(rel)
        finally:
            rel.close()

    def _relationships(self, rel: Any) -> pd.DataFrame:
        rel.build("closeness")
        t = rel.sql("""SELECT d.*, k.closeness FROM dyads d LEFT JOIN closeness k ON k.a = d.a AND k.b = d.b
                       WHERE d.a = 0 ORDER BY d.a, d.b""")
        df = _dyad_frame(t.to_pandas(), self._names(), personal=True)
        return df.sort_values(["closeness", "stage_rank", "intimacy", "person_id"], ascending=[False, False, False, True],
                              na_position="last", kind="stable").reset_index(drop=True)

    def pairs(self, as_of: Any = None, *, memory_limit: str | None = None, threads: int | None = None) -> pd.DataFrame:
        """Every pair of people in contact (not only pairs with you), one row per pair:
        ``a_id``, ``a``, ``b_id``, ``b`` (``a`` has the smaller id; ``a``/``b`` as the data names them:
        the handle, address, number or id of their first identity), ``a_name``, ``b_name``,
        ``closeness`` and every measure, stage, trajectory and dates, then the closeness features
        (``f_*``), parts (``part_*``) and evidence (``ev_*``): :func:`closeknit.relate.pairs`.

        ``memory_limit`` (``"4GB"``) and ``threads`` cap what the engine takes of the machine (default:
        80% of its memory, every core); beyond the limit it spills to disk beside the store."""
        from closeknit.relate.pairs import pairs

        self.score_store()
        df = pairs(self.con, as_of=parse_time(as_of), memory_limit=memory_limit, threads=threads).to_pandas()
        for c in ("a_id", "b_id", "last_contact_id"):
            df[c] = df[c].map(_id)
        return df

    # ------------------------------------------------------------------ interactions
    def interactions(self, who: str | int | None = None, *, channel: str | None = None, since: Any = None,
                     limit: int | None = None) -> pd.DataFrame:
        """Interactions, newest first: ``interaction_id``, ``ts``, ``channel``, ``kind``,
        ``visibility``, who acted (``person_id``, ``person``), ``thread_id``, ``reply_to``, ``text``.

        ``who``: only those between you and this person; ``channel``: only this channel;
        ``since``: only from this time on.
        """
        cond: list[str] = ["true"]
        params: list[Any] = []
        if who is not None:
            pid = self._pid(who)
            cond.append("""i.id IN (SELECT i2.id FROM interactions i2 JOIN identities a ON a.id = i2.actor_id
                           JOIN interaction_participants ip ON ip.interaction_id = i2.id
                           JOIN identities p ON p.id = ip.identity_id
                           WHERE (a.person_id = 0 AND p.person_id = ?) OR (a.person_id = ? AND p.person_id = 0))""")
            params += [pid, pid]
        if channel:
            cond.append("i.channel = ?")
            params.append(channel)
        if since is not None:
            cond.append("epoch(i.ts) >= ?")
            params.append(parse_time(since, end_of_day=False))
        sql = f"""SELECT i.id AS interaction_id, i.ts, i.channel, i.kind, i.visibility,
                         ap.id AS person_id, ap.display_name AS person, i.thread_id, i.reply_to, i.text
                  FROM interactions i JOIN identities a ON a.id = i.actor_id JOIN people ap ON ap.id = a.person_id
                  WHERE {' AND '.join(cond)} ORDER BY i.ts DESC NULLS LAST, i.id DESC"""
        if limit:
            sql += f" LIMIT {int(limit)}"
        df = self.con.execute(sql, params).df()
        for c in ("interaction_id", "person_id"):
            df[c] = df[c].map(_id)
        df["ts"] = pd.to_datetime(df["ts"], utc=True)
        return df

    # ------------------------------------------------------------------ attention, circles, check
    def attention(self, *, reason: str | None = None, limit: int | None = None, as_of: Any = None) -> pd.DataFrame:
        """Whom to pay attention to now, ranked: ``rank``, ``person_id``, ``person``, ``reason``
        (waiting, newcomer, fading, one-sided), ``why``, ``explanation``, ``priority``, ``stage``,
        ``trajectory``, ``last_contact``."""
        from closeknit.relate.measures import STAGES
        from closeknit.relate.personal import ATTENTION_REASONS, attention

        if reason is not None and reason not in ATTENTION_REASONS:
            raise UsageError(f"unknown reason {reason!r} (choose from {', '.join(ATTENTION_REASONS)})")
        rel = self.measures(as_of)
        try:
            rows = attention(rel)
        finally:
            rel.close()
        names = self._names()
        if reason:
            rows = [r for r in rows if r["reason"] == reason]
        rows = rows[:limit] if limit else rows
        return pd.DataFrame([{"rank": i + 1, "person_id": _id(r["b"]), "person": names.get(r["b"], f"person {r['b']}"),
                              "reason": r["reason"], "why": ATTENTION_REASONS[r["reason"]], "explanation": r["explanation"],
                              "priority": _num(r["priority"]), "stage": STAGES[r["stage"]], "trajectory": r["trajectory"],
                              "last_contact": _ts(r["last_contact_ts"])} for i, r in enumerate(rows)],
                            columns=["rank", "person_id", "person", "reason", "why", "explanation", "priority", "stage",
                                     "trajectory", "last_contact"])

    def circles(self, *, days: float = 365, layers: int = 5, as_of: Any = None) -> pd.DataFrame:
        """Your circles of closeness (Dunbar layers), one row per person in contact within
        ``days``: ``layer`` (1 = innermost), ``layer_name``, ``person_id``, ``person``,
        ``contacts_per_month``, ``intimacy``, ``closeness``, ``stage``. ``df.attrs`` holds
        ``as_of``, ``days`` and the ``breaks``."""
        from closeknit.relate.measures import STAGES
        from closeknit.relate.personal import circles

        if not 2 <= int(layers) <= 5:
            raise UsageError(f"layers must be 2 to 5, not {layers}")
        rel = self.measures(as_of)
        try:
            res = circles(rel, k=int(layers), days=float(days))
        finally:
            rel.close()
        names = self._names()
        rows = [{"layer": lay["layer"], "layer_name": lay["name"], "person_id": _id(m["b"]),
                 "person": names.get(m["b"], f"person {m['b']}"), "contacts_per_month": _num(m["contacts_per_month"]),
                 "intimacy": _num(m["intimacy"]), "closeness": _num(m["closeness"]), "stage": STAGES[m["stage"]]}
                for lay in res["layers"] for m in lay["members"]]
        df = pd.DataFrame(rows, columns=["layer", "layer_name", "person_id", "person", "contacts_per_month", "intimacy",
                                         "closeness", "stage"])
        df.attrs.update({"as_of": _ts(res["as_of"]), "days": float(days), "breaks": [float(b) for b in res["breaks"]]})
        return df

    def check(self, text: str, *, to: str | int, channel: str | None = None, as_of: Any = None) -> dict[str, Any]:
        """Before sending: is ``text`` too much, too soon, for the relationship with ``to`` on
        ``channel`` (default: your usual private channel with them; ``linkedin``, ``slack``,
        ``teams`` and ``work email`` count as work channels)? The text is scored with the accurate
        model. A dict with ``verdict`` (fine, ahead of the relationship, well ahead), ``reason``
        (the rule that decided, see :data:`closeknit.relate.measures.VERDICT_RULES`), the scores,
        the channel norm and an ``explanation`` that quotes the numbers the verdict rests on."""
        from closeknit.language.detectors import addresses_you, counted_disclosure
        from closeknit.language.scorer import default_scorer
        from closeknit.relate.measures import STAGES

        if not text or not str(text).strip():
            raise UsageError("give the message to check")
        sc = default_scorer("accurate").score(text)
        channel = None if channel is None else str(channel).strip().lower()
        pid = self._pid(to)
        name = self._names().get(pid) or f"person {pid}"
        rel = self.measures(as_of)
        try:
            rel.build("dyads")
            if channel is None:
                top = rel.rows("""SELECT channel FROM e WHERE a = 0 AND b = ? AND is_contact AND visibility = 'private'
                                  GROUP BY channel ORDER BY count(*) DESC, channel LIMIT 1""", [pid])
                channel = top[0]["channel"] if top else "email"
            j = rel.judge(0, pid, sc.intimacy, sc.personal_question, channel, is_question=sc.is_question,
                          addresses_you=addresses_you(text), disclosure=counted_disclosure(text, sc.disclosure) or 0.0)
            params = rel.params
        finally:
            rel.close()
        j = {**j, "stage_name": STAGES[int(j["stage"])]}
        return {"text": text, "person_id": _id(pid), "person": name, "channel": channel, "verdict": j["verdict"],
                "reason": j["reason"], "model": "accurate",
                "intimacy": _num(sc.intimacy), "confidence": _num(sc.confidence),
                "personal_question": sc.personal_question, "probing_question": bool(j["probing"]),
                "disclosure": sc.disclosure, "stage": j["stage_name"], "established": _num(j["established"]),
                "channel_norm": {"basis": j["norm_basis"], "n": j["norm_n"], "mean": _num(j["norm_mean"]),
                                 "sd": _num(j["norm_sd"]), "p90": _num(j["norm_p90"])},
                "allowance": _num(j["allowance"]), "over_allowance": _num(j["over_allowance"]), "z": _num(j["z"], 2),
                "explanation": _explain(j, name, sc, channel, params, text)}

    def _score_flagged_accurately(self, as_of: Any = None) -> int:
        """Score the received messages the measures flag (on the scores they read) with the
        accurate model, so that each is judged on its accurate score; returns how many were new.
        Kept measures are dropped when anything was scored (they read the old scores)."""
        rel = self.measures(as_of)
        try:
            ids = [r["interaction_id"] for r in rel.incoming().to_pylist()]
        finally:
            rel.close()
        n = self.score_store("accurate", ids=ids) if ids else 0
        if n and getattr(self, "_kept", None) is not None:
            self._release_kept()
            self._kept = {}
        return n

    def incoming(self, *, limit: int | None = None, as_of: Any = None) -> pd.DataFrame:
        """Received messages that ran ahead of their relationship when they arrived, newest first.
        The messages the fast scores flag are scored again with the accurate model first (kept in
        the store), and judged on those scores."""
        from closeknit.relate.measures import STAGES

        self._score_flagged_accurately(as_of)
        rel = self.measures(as_of)
        try:
            rows = rel.incoming().to_pylist()[: limit or None]
        finally:
            rel.close()
        names = self._names()
        texts = self._texts([r["interaction_id"] for r in rows])
        return pd.DataFrame([{
            "when": _ts(r["ts"]), "person_id": _id(r["b"]), "person": names.get(r["b"], f"person {r['b']}"),
            "channel": r["channel"], "kind": r["kind"], "verdict": r["verdict"], "intimacy": _num(r["x"]),
            "personal_question": r["pq"], "probing_question": r["probing"], "stage_before": STAGES[int(r["stage"])],
            "established": _num(r["established"]), "norm_p90": _num(r["norm_p90"]), "z": _num(r["z"], 1),
            "over_allowance": _num(r["over_allowance"]), "interaction_id": _id(r["interaction_id"]),
            "text": texts.get(r["interaction_id"])} for r in rows],
            columns=["when", "person_id", "person", "channel", "kind", "verdict", "intimacy", "personal_question",
                     "probing_question", "stage_before", "established", "norm_p90", "z", "over_allowance",
                     "interaction_id", "text"])

    # ------------------------------------------------------------------ the store itself
    def sources(self) -> pd.DataFrame:
        """What has been imported: one row per source, with counts and errors."""
        from closeknit.store.queries import sources_table

        df = pd.DataFrame(sources_table(self.con), columns=["id", "format", "path", "imported_at", "parser_version",
                                                             "records", "added", "already_present", "unreadable",
                                                             "identities"])
        df = df.rename(columns={"id": "source_id"})
        df["source_id"] = df["source_id"].map(_id)
        df["imported_at"] = pd.to_datetime(df["imported_at"], utc=True)
        return df

    def import_errors(self, source: str | int) -> pd.DataFrame:
        """The unreadable records of one source: ``location``, ``error``, ``excerpt``."""
        return self.con.execute("SELECT location, error, excerpt FROM import_errors WHERE source_id = ? ORDER BY rowid",
                                [int(source)]).df()

    def doctor(self) -> dict[str, Any]:
        """Store health: counts per table, import errors, identities nobody can name, the store's
        ``revision`` and whether its measures are kept (``measures_kept``). Every block
        of the store is read back first: a damaged store raises :class:`StoreError`."""
        from closeknit.store.queries import doctor_report

        problems = self.store.integrity_problems()
        if problems:
            raise StoreError(f"the store {self.path} is damaged: {problems[0]}. Restore it from a backup "
                             "(or re-import your archives into a new store with --db)")
        rep = doctor_report(self.con)
        rep["store"] = str(self.path)
        # whether pages and commands read this revision's measures or must compute them first
        rep["revision"] = self.revision()
        rep["measures_kept"] = self.views_kept()
        for e in rep["errors_per_source"]:
            e["source_id"] = _id(e["source_id"])
        return rep

    def me(self) -> dict[str, Any]:
        """Your own identities (``identities``: channel, kind, value, origin, evidence), and the
        settings imports use: ``region`` (phone numbers without a country code) and ``timezone``
        (clock times without a zone); None where unset (US and UTC apply)."""
        from closeknit.store.people import get_setting

        ids = self.con.execute("SELECT channel, kind, value, origin, evidence FROM me ORDER BY channel, kind, value").df()
        return {"identities": ids, "region": get_setting(self.con, "region"), "timezone": get_setting(self.con, "timezone")}

    def me_add(self, kind: str, value: str, *, channel: str | None = None) -> dict[str, str]:
        """Record one of your identities (kind: email, phone, handle, account_id, name; the last
        three need a ``channel``); returns it as ``channel``, ``kind``, ``value``."""
        from closeknit.store.me import add_me, me_ident
        from closeknit.store.people import get_setting

        self._write("me_add")
        ident = me_ident(kind, value, channel, get_setting(self.con, "region"))
        add_me(self.con, [ident], "closeknit me add")
        return {"channel": ident.channel, "kind": ident.kind, "value": ident.value}

    def me_remove(self, kind: str, value: str, *, channel: str | None = None) -> dict[str, str]:
        """Forget one of your identities; returns it as ``channel``, ``kind``, ``value``."""
        from closeknit.store.me import me_ident, remove_me
        from closeknit.store.people import get_setting

        self._write("me_remove")
        ident = me_ident(kind, value, channel, get_setting(self.con, "region"))
        remove_me(self.con, ident)
        return {"channel": ident.channel, "kind": ident.kind, "value": ident.value}

    def import_(self, paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *, format: str | None = None,
                force: bool = False) -> pd.DataFrame:
        """Import export archives, folders or files, or folders and zips holding several exports
        (format detected unless ``format``); one row per export found: ``path`` (whole),
        ``format``, ``source_id``, ``added``, ``already_present``, ``unreadable``, ``identities``,
        ``seconds``, ``skipped`` (unchanged since the last import), ``error`` (why a path could not
        be imported at all; None when it was), ``error_samples``, ``not_read`` (set on the rows of
        parts that are not exports: why they were not read), ``forgotten`` (identities of people
        you asked to forget that the import left out). Each source is one transaction."""
        from closeknit.store.imports import import_paths

        self._write("import")
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        rows = import_paths(self.store, paths, fmt=format, force=force, progress=self.progress)
        df = pd.DataFrame(rows, columns=IMPORT_COLUMNS)
        for c in ("format", "source_id", "error", "not_read"):  # None, not NaN, where there is no value
            df[c] = df[c].astype(object).where(df[c].notna(), None)
        return df

    def export(self, to: str, folder: str | os.PathLike[str]) -> pd.DataFrame:
        """Write the store for another tool: ``to`` is parquet, csv, sqlite, graphml, gexf or
        convokit; returns the files written (``path``, ``bytes``) and ``df.attrs['seconds']``.
        See :mod:`closeknit.export`."""
        from closeknit.export import export

        return export(self, to, folder)


    # ------------------------------------------------------------------ decisions
    def suggest(self, *, limit: int | None = 100, min_score: float = 0.0) -> pd.DataFrame:
        """Pairs of people who may be one person, ranked by evidence, for you to :meth:`merge`,
        :meth:`accept` or :meth:`reject` (closeknit never merges on a name alone): ``rank``,
        ``a_id``, ``a``, ``a_channels``, ``b_id``, ``b``, ``b_channels``, ``score``, ``evidence``;
        at most ``limit`` pairs, those scoring at least ``min_score``."""
        from closeknit.store.people import suggest_merges

        rows = [s for s in suggest_merges(self.con, limit=limit) if s["score"] >= min_score]
        return pd.DataFrame([{"rank": i, "a_id": _id(s["a"]), "a": s["a_name"], "a_channels": list(s["a_channels"]),
                              "b_id": _id(s["b"]), "b": s["b_name"], "b_channels": list(s["b_channels"]),
                              "score": s["score"], "evidence": list(s["evidence"])} for i, s in enumerate(rows, 1)],
                            columns=["rank", "a_id", "a", "a_channels", "b_id", "b", "b_channels", "score", "evidence"])

    def accept(self, ranks: Sequence[int] | None = None, *, limit: int | None = 100, min_score: float = 0.0) -> int:
        """Merge the pairs of :meth:`suggest` (same ``limit`` and ``min_score``) of these ``ranks``
        (None: every pair listed), in one transaction; returns how many merges were recorded."""
        from closeknit.store.people import accept_suggestions

        self._write("accept")
        sugg = self.suggest(limit=limit, min_score=min_score)
        if ranks is not None:
            bad = [r for r in ranks if not 1 <= r <= len(sugg)]
            if bad:
                raise UsageError(f"no suggestion of rank {bad[0]} (there are {len(sugg)})")
            sugg = sugg[sugg["rank"].isin(list(ranks))]
        return accept_suggestions(self.con, [(int(a), int(b)) for a, b in zip(sugg["a_id"], sugg["b_id"])])

    def merge(self, a: str | int, b: str | int) -> dict[str, Any]:
        """Make people ``a`` and ``b`` one person (kept across re-imports). The one with more
        history (interactions) keeps their id; the other id keeps naming them. Returns the
        decision, ``a_id``, ``b_id`` and the person (``person_id``, ``person``) that holds both."""
        from closeknit.store.people import decide

        self._write("merge")
        pa_, pb = self._pid(a), self._pid(b)
        if pa_ == pb:
            raise UsageError(f"{a!r} and {b!r} are already one person ({pa_})")
        keep = self.con.execute("SELECT min(id) FROM identities WHERE person_id = ?", [pa_]).fetchall()[0][0]
        decide(self.con, "merge", pa_, pb)
        pid = self.con.execute("SELECT person_id FROM identities WHERE id = ?", [keep]).fetchall()[0][0]
        return {"decision": "merge", "a_id": _id(pa_), "b_id": _id(pb), "person_id": _id(pid),
                "person": self._names().get(pid)}

    def reject(self, a: str | int, b: str | int) -> dict[str, Any]:
        """Record that ``a`` and ``b`` are not the same person: never suggested again."""
        from closeknit.store.people import decide

        self._write("reject")
        pa_, pb = self._pid(a), self._pid(b)
        decide(self.con, "reject", pa_, pb)
        return {"decision": "reject", "a_id": _id(pa_), "b_id": _id(pb)}

    def split(self, who: str | int, identity: str | int) -> dict[str, Any]:
        """Take ``identity`` (its id or value) out of person ``who``: it becomes a person of its own.
        Returns ``person_id`` (the rest of ``who``) and ``new_person_id`` (the identity's person);
        a person's id is that of their smallest identity, so either side may get a new id."""
        from closeknit.store.people import decide

        self._write("split")
        pid = self._pid(who)
        hits = self.con.execute("SELECT id FROM identities WHERE person_id = ? AND (CAST(id AS VARCHAR) = ? OR lower(value) = lower(?))",
                                [pid, str(identity), str(identity)]).fetchall()
        if len(hits) != 1:
            raise NotFoundError(f"{identity!r} is not one identity of {who!r} (see: closeknit people show {who!r})")
        rest = self.con.execute("SELECT min(id) FROM identities WHERE person_id = ? AND id <> ?", [pid, hits[0][0]]).fetchall()[0][0]
        if rest is None:
            raise UsageError(f"{identity!r} is the only identity of {who!r}; nothing to split")
        decide(self.con, "split", pid, hits[0][0])
        # a person keeps the id of their smallest identity: the rest may be the one with a new id
        after = dict(self.con.execute("SELECT id, person_id FROM identities WHERE id IN (?, ?)", [rest, hits[0][0]]).fetchall())
        names = self._names()
        return {"decision": "split", "person_id": _id(after[rest]), "person": names.get(after[rest]),
                "new_person_id": _id(after[hits[0][0]]), "new_person": names.get(after[hits[0][0]])}

    # ------------------------------------------------------------------ views: the web app and the report
    def overview(self, as_of: Any = None) -> dict[str, Any]:
        """Everything the overview shows: ``circles`` (with ``breaks``), ``map`` (each
        relationship's familiarity, intimacy and trust; ``feels_known`` marks familiarity far
        ahead of both, the region from ``gap_flag``), ``feels_known`` (those, widest gap first),
        ``attention`` and ``activity`` (interactions per channel per month)."""
        from closeknit.relate.measures import Params
        from closeknit.store.queries import activity_by_channel

        circ = self.circles(as_of=as_of)
        rel = self.relationships(as_of)
        cols = ["person_id", "person", "stage", "trajectory", "familiarity", "intimacy", "trust", "familiarity_gap", "gap_flag"]
        m = rel[cols].rename(columns={"gap_flag": "feels_known"})
        m["feels_known"] = m["feels_known"].fillna(False).astype(bool)
        known = m[m["feels_known"]].sort_values(["familiarity_gap", "person_id"], ascending=[False, True])
        return {"as_of": circ.attrs["as_of"], "circles": circ, "breaks": circ.attrs["breaks"], "map": m,
                "gap_flag": Params().gap_flag, "feels_known": known.reset_index(drop=True),
                "attention": self.attention(as_of=as_of), "activity": pd.DataFrame(
                    activity_by_channel(self.con), columns=["month", "channel", "interactions"])}

    def network(self, as_of: Any = None, *, max_nodes: int = 150) -> dict[str, Any]:
        """The graph of every pair in contact: communities, bridges, reach, newcomers nobody
        answered, and a drawing of the ``max_nodes`` strongest people (see :mod:`closeknit.network`)."""
        from closeknit.network import network_summary

        return network_summary(self.pairs(as_of), max_nodes=max_nodes)

    def revision(self) -> int:
        """The store's revision: +1 per import or decision (kept views are for one revision)."""
        from closeknit.store.cache import revision

        return revision(self.con)

    def views_kept(self) -> bool:
        """Whether every store-wide view of this revision, and the measures every other view reads,
        are kept in the store (:meth:`materialise`)."""
        from closeknit.store.cache import kept_keys, kept_measures

        rev, model = self.revision(), _views_model()
        return (set(STORE_WIDE) <= {v for v, k in kept_keys(self.con, rev, model) if k == ""}
                and kept_measures(self.con, rev, model)[0])

    def keep_measures(self) -> None:
        """Keep the measures this reader builds between calls (for measures the store does not keep:
        another ``as_of``, or a revision not materialised yet): the first call computes them, later
        ones reuse them. Reopen after a write."""
        self._release_kept()
        self._kept = {}

    def view(self, name: str, who: str | int | None = None, **params: Any) -> Any:
        """The JSON-ready result (:func:`to_jsonable`) of the API call ``name(who, **params)`` (a
        view: overview, people, person, identities, interactions, attention, circles, incoming,
        network, sources, suggest), read from the results kept in the store for this revision
        when there; computed otherwise, and then kept (in the store when it is open for writing,
        else for this session). Every page and every command that shows a view reads it here, so
        a page's JSON twin and the command's ``--json`` are one result. A ``limit`` is applied to
        the kept full result (the views keep the first rows: ``ck.view("attention", limit=5)`` is
        the first five of ``ck.view("attention")``).

        >>> ck.view("attention", limit=1)[0]["person"]        # doctest: +SKIP
        'Priya Raman'
        """
        key, call, cut = self._view_key(name, who, params)
        data, _shape = self._kept_view(name, key, call)
        return data[:cut] if cut is not None and isinstance(data, list) else data

    def has_view(self, name: str, who: str | int | None = None, **params: Any) -> bool:
        """Whether :meth:`view` would read the result (kept in the store, or in this session)
        rather than compute it."""
        from closeknit.store.cache import is_kept

        key, _call, _cut = self._view_key(name, who, params)
        if (getattr(self, "_views_rev", None) == (self.revision(), _views_model())
                and (name, key) in getattr(self, "_views", {})):
            return True
        return is_kept(self.con, self.revision(), _views_model(), name, key)

    def kept(self, name: str, who: str | int | None = None, **params: Any) -> Any:
        """:meth:`view` in the API's own shape: DataFrames (with their columns, times and
        ``attrs``) where the call returns DataFrames, timestamps where it returns times. What a
        command prints as a table; ``to_json(ck.kept(...)) == to_json(ck.view(...))``."""
        key, call, cut = self._view_key(name, who, params)
        data, shape = self._kept_view(name, key, call)
        res = _rebuild(data, shape)
        return res.head(cut) if cut is not None and isinstance(res, pd.DataFrame) else res

    def _view_key(self, name: str, who: str | int | None, params: dict[str, Any]) -> tuple[str, dict[str, Any], int | None]:
        """(the key the view is kept under, the call's arguments, the number of rows to keep from it)."""
        import inspect
        from urllib.parse import urlencode

        if name not in VIEWS:
            raise UsageError(f"unknown view {name!r} (choose from {', '.join(VIEWS)})")
        sig = inspect.signature(getattr(self, name)).parameters
        defaults = {k: p.default for k, p in sig.items() if p.default is not inspect.Parameter.empty}
        bad = sorted(set(params) - set(defaults))
        if bad:
            raise UsageError(f"the view {name!r} takes no {bad[0]!r}")
        call = dict(params)
        cut = None
        if name in LIMITED:  # kept with the base limit (None: every row); a smaller one cuts what is read
            base = LIMITED[name]
            defaults["limit"] = base
            want = call.pop("limit", base) or None
            if base is None or (want is not None and want <= base):
                cut, call["limit"] = want, base
            else:
                call["limit"] = want
        call = {k: v for k, v in call.items() if v != defaults[k]}
        if name in PER_PERSON and who is None and name != "interactions":
            raise UsageError(f"the view {name!r} is of one person: give who")
        head = "" if who is None else str(self._pid(who))
        args = urlencode(sorted((k, str(v)) for k, v in call.items()))
        key = head + ("?" + args if args else "")
        if head:
            call["who"] = int(head)
        if name in LIMITED:
            call.setdefault("limit", LIMITED[name])
        return key, call, cut

    def _kept_view(self, name: str, key: str, call: dict[str, Any]) -> tuple[Any, Any]:
        from closeknit.store.cache import kept_view, put_view

        rev, model = self.revision(), _views_model()
        if getattr(self, "_views_rev", None) != (rev, model):
            self._views: dict[tuple[str, str], tuple[Any, Any]] = {}
            self._views_rev = (rev, model)
        if (name, key) not in self._views:
            payload = kept_view(self.con, rev, model, name, key)
            if payload is None:
                payload = _payload(self._call_view(name, call))
                if not self.read_only and not self._in_memory:
                    put_view(self.con, self.revision(), model, name, key, payload)
            kept = json.loads(payload)
            self._views[(name, key)] = (kept["data"], kept["shape"])
        return self._views[(name, key)]

    def materialise(self, *, people: int = 20) -> dict[str, Any]:
        """Compute the views pages and commands read, and keep them in the store for this
        revision: every store-wide view, and the story of the ``people`` people the overview
        shows first (circles, attention, the "feels known" list). Returns ``revision``,
        ``views`` and ``seconds``. Each step reports itself through ``progress``."""
        import time

        from closeknit.relate.personal import kept_tables
        from closeknit.store.cache import put_views

        self._write("materialise")
        t0 = time.perf_counter()
        self.score_store()
        mine = self._kept is None  # else the caller keeps the measures built here
        if mine:
            self.keep_measures()
        views: dict[tuple[str, str], str] = {}
        try:
            # before anything is computed, until no message is newly flagged (an accurate score changes
            # the measures, which may flag another): every view reads the same scores, and the measures
            # built for the last look are those the views read
            while self._score_flagged_accurately():
                pass
            with self.progress("keeping the measures", len(STORE_WIDE) + people * len(PER_PERSON)) as advance:
                ov = self.overview()
                # the overview holds the results of these same calls (attention(), circles()): kept as theirs
                parts = {"overview": ov, "attention": ov["attention"], "circles": ov["circles"]}
                for v in STORE_WIDE:
                    key, call, _cut = self._view_key(v, None, {})
                    views[(v, key)] = _payload(parts[v] if v in parts else self._call_view(v, call))
                    advance(1)
                ov = json.loads(views[("overview", "")])["data"]
                order = [r["person_id"] for r in ov["attention"]] + [r["person_id"] for r in ov["circles"]] + \
                        [r["person_id"] for r in ov["feels_known"]]
                seen: list[str] = []
                for p in order:
                    if p not in seen and p is not None:
                        seen.append(p)
                for p in seen[:people]:
                    for v in PER_PERSON:
                        key, call, _cut = self._view_key(v, p, {})
                        views[(v, key)] = _payload(self._call_view(v, call))
                        advance(1)
            rel = self.measures()  # what the views read
            try:
                tables, as_of = kept_tables(rel), rel.as_of
            finally:
                rel.close()
        finally:
            if mine:
                self._release_kept()
        rev = self.revision()
        put_views(self.con, rev, _views_model(), views, tables, as_of)
        return {"revision": rev, "views": len(views), "seconds": round(time.perf_counter() - t0, 3)}

    def _call_view(self, name: str, call: dict[str, Any]) -> Any:
        call = dict(call)
        who = call.pop("who", None)
        fn = getattr(self, name)
        return fn(who, **call) if who is not None else fn(**call)

    def _release_kept(self) -> None:
        for r in (getattr(self, "_kept", None) or {}).values():
            r.close()
        self._kept = None


#: Columns of :meth:`Closeknit.people` (and of ``closeknit people``).
PEOPLE_COLUMNS = ["person_id", "person", "channels", "interactions", "n_out", "n_in", "first_contact", "last_contact",
                  "stage", "stage_rank", "trajectory", "closeness", "familiarity", "intimacy", "reciprocity", "trust"]
#: The views pages and commands read (a method each, see :meth:`Closeknit.view`);
#: :meth:`Closeknit.materialise` keeps the store-wide ones and the stories of the people shown first.
VIEWS = ("overview", "people", "attention", "circles", "incoming", "network", "sources", "suggest",
         "person", "identities", "interactions")
PER_PERSON = ("person", "identities", "interactions")
STORE_WIDE = tuple(v for v in VIEWS if v not in PER_PERSON)
#: How many of the latest interactions the ``interactions`` view of a person holds (their timeline).
TIMELINE_LIMIT = 2000
#: Views whose ``limit`` keeps the first rows of the same order: kept with this limit (None: all),
#: a smaller one is cut from what is kept; a larger one is a view of its own.
LIMITED: dict[str, int | None] = {"people": None, "attention": None, "incoming": None, "interactions": TIMELINE_LIMIT,
                                  "suggest": 100}
#: Bump when a kept view's shape changes, so views kept by older code are recomputed.
VIEWS_VERSION = 5  # 5: person's closeness has rank and of; people has closeness (2026-12-07)


def _views_model() -> str:
    """What kept views and tables depend on besides the store: the intimacy models, the closeness
    model (its file's hash: a refit keeps its name) and the views' shape."""
    from closeknit.language.scorer import DEFAULT_MODEL
    from closeknit.relate.inputs import current_model_version

    return (f"{current_model_version(DEFAULT_MODEL)}+{current_model_version('accurate')}+closeness-{_closeness_digest()}"
            f"+views{VIEWS_VERSION}")


@functools.lru_cache(maxsize=1)
def _closeness_digest() -> str:
    # read and hashed once per process, as the model itself is loaded once (closeness.load_closeness_model),
    # not on every view call
    import hashlib
    from importlib import resources

    from closeknit.relate.closeness import MODEL_FILE

    return hashlib.sha256(resources.files("closeknit.relate").joinpath(MODEL_FILE).read_bytes()).hexdigest()[:10]


def _payload(result: Any) -> str:
    """What is kept of a view: its JSON (``data``, as ``--json`` prints it) and the ``shape`` that
    gives back the API's types (:func:`_rebuild`)."""
    return json.dumps({"data": to_jsonable(result), "shape": _shape(result)}, ensure_ascii=False)


def _shape(obj: Any) -> Any:
    """Where ``obj`` holds DataFrames (their columns, time columns and attrs) and times."""
    if isinstance(obj, pd.DataFrame):
        return {"frame": [str(c) for c in obj.columns],
                "times": [str(c) for c in obj.columns if pd.api.types.is_datetime64_any_dtype(obj[c])],
                "attrs": {"data": to_jsonable(obj.attrs), "shape": _shape(dict(obj.attrs))}}
    if isinstance(obj, (pd.Timestamp, datetime)):
        return {"time": True}
    if isinstance(obj, dict):
        inner = {str(k): s for k, v in obj.items() if (s := _shape(v)) is not None}
        return {"dict": inner} if inner else None
    return None


def _rebuild(data: Any, shape: Any) -> Any:
    """The API's result from its JSON ``data`` and :func:`_shape`."""
    if shape is None or data is None:
        return data
    if "time" in shape:
        return pd.Timestamp(data).tz_convert("UTC")
    if "frame" in shape:
        df = pd.DataFrame(data, columns=shape["frame"])
        for c in shape["times"]:
            df[c] = pd.to_datetime(df[c], utc=True, format="ISO8601")
        df.attrs.update(_rebuild(shape["attrs"]["data"], shape["attrs"]["shape"]))
        return df
    return {k: _rebuild(v, shape["dict"].get(k)) for k, v in data.items()}


#: Columns of :meth:`Closeknit.import_`.
IMPORT_COLUMNS = ["path", "format", "source_id", "added", "already_present", "unreadable", "identities", "seconds",
                  "skipped", "error", "error_samples", "not_read", "forgotten"]


class _Kept:
    """A kept :class:`closeknit.relate.Relationships`: callers close it, it stays open."""

    def __init__(self, rel: Any) -> None:
        self._rel = rel

    def __getattr__(self, name: str) -> Any:
        return getattr(self._rel, name)

    def close(self) -> None:
        pass


def _tstamp(x: Any) -> pd.Timestamp | None:
    if x is None:
        return None
    t = pd.Timestamp(x)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _measure_value(k: str, v: Any) -> Any:
    from closeknit.relate.measures import STAGES

    if k in ("stage", "peak_stage") and v is not None:
        return STAGES[int(v)]
    if k.endswith("_ts") or k == "ts":
        return _ts(v)
    if k.endswith("_id"):
        return _id(v)
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float):
        return None if math.isnan(v) else v
    return v


def _dyad_frame(df: pd.DataFrame, names: dict[int, str], *, personal: bool) -> pd.DataFrame:
    """Dyads with names first, stage names, times as UTC timestamps and ids as strings."""
    from closeknit.relate.measures import STAGES

    df = df.copy()
    df["stage_rank"] = df["stage"].astype("int64")
    df["stage"] = df["stage"].map(lambda s: STAGES[int(s)])
    df["peak_stage"] = df["peak_stage"].map(lambda s: None if pd.isna(s) else STAGES[int(s)])
    for c in [c for c in df.columns if c.endswith("_ts")]:
        df[c] = pd.to_datetime((df[c] * 1e6).round(), unit="us", utc=True)
    if "last_contact_id" in df.columns:
        df["last_contact_id"] = df["last_contact_id"].map(_id)
    a_ids, b_ids = df.pop("a"), df.pop("b")
    if personal:
        head = pd.DataFrame({"person_id": b_ids.map(_id), "person": b_ids.map(lambda i: names.get(i, f"person {i}"))})
    else:
        head = pd.DataFrame({"a_id": a_ids.map(_id), "a": a_ids.map(lambda i: names.get(i, f"person {i}")),
                             "b_id": b_ids.map(_id), "b": b_ids.map(lambda i: names.get(i, f"person {i}"))})
    first = [c for c in ("stage", "trajectory", "closeness", "familiarity", "intimacy", "reciprocity", "trust")
             if c in df.columns]
    rest = [c for c in df.columns if c not in first]
    return pd.concat([head, df[first + rest]], axis=1)


def _explain(j: dict, pname: str, sc: Any, channel: str, params: Any, text: str) -> str:
    """The reasons of a verdict in words, from the rule that decided (``j["reason"]``) and the
    numbers it compared: never "within what the relationship allows" for a text above it."""
    x = sc.intimacy
    kind = []
    from closeknit.language.detectors import counted_disclosure

    if (counted_disclosure(text, sc.disclosure) or 0.0) >= params.disclosure_min:
        kind.append("it discloses something personal about you")
    if sc.personal_question:
        kind.append("it is a personal question (it asks the reader about themselves)")
    elif j["probing"]:
        kind.append("it asks a question more intimate than usual on this channel")
    parts = [f"This message scores {x:.2f} on the intimacy scale (0 impersonal, 1 most intimate; confidence "
             f"{sc.confidence:.2f}, accurate model)" + (", and " + " and ".join(kind) if kind else "") + "."]
    est = float(j["established"] or 0)
    parts.append(f"With {pname} the relationship is at stage '{j['stage_name']}', and the most intimate level both "
                 f"of you have already reached is {est:.2f}.")
    if j["norm_mean"] is None or j["norm_sd"] is None or j["norm_p90"] is None or j["z"] is None:
        parts.append(f"On {channel} there is no message yet (as of this date) to compare it with.")
    else:
        parts.append(f"On {channel} ({j['norm_basis']}, {j['norm_n']} messages) messages usually score {j['norm_mean']:.2f} "
                     f"± {j['norm_sd']:.2f}, and 90% score below {j['norm_p90']:.2f}; this one is {j['z']:.1f} standard "
                     f"deviations from usual.")
    over, allow, reason = float(j["over_allowance"]), float(j["allowance"]), j["reason"]
    what = "A personal question" if sc.personal_question else "Something this personal"
    if reason == "personal on a work channel, early":
        parts.append(f"{what} on {channel}, a work channel, to someone you have only reached stage "
                     f"'{j['stage_name']}' with, runs well ahead of the relationship: keep it for a private channel "
                     f"and a closer relationship.")
    elif reason == "personal before any exchange":
        parts.append(f"{what} before any real exchange has happened runs ahead of the relationship: they have not "
                     "shared anything like it with you yet.")
    elif reason == "personal with an acquaintance":
        parts.append(f"{what} runs ahead of an acquaintance: neither of you has shared anything this personal yet "
                     f"(the most intimate level reached, {est:.2f}, is below {params.personal_level:.2f}).")
    elif reason in ("far beyond the relationship", "beyond the relationship"):
        parts.append(f"It goes {over:.2f} beyond what the relationship allows ({allow:.2f}) and is unusual on "
                     f"{channel}: consider something lighter, or moving there more gradually.")
    elif reason == "above the relationship, within the margins":
        why = (f"within the margin of {params.ahead_over:.2f}" if over < params.ahead_over else
               f"not unusual on {channel} ({float(j['z'] or 0):.1f} standard deviations from usual, under "
               f"{params.ahead_z:.1f})")
        parts.append(f"It is {over:.2f} above what the relationship allows ({allow:.2f}), but {why}, so it should "
                     f"land well.")
    else:
        parts.append(f"It stays within what the relationship allows ({allow:.2f}), so it should land well.")
    return " ".join(parts)
