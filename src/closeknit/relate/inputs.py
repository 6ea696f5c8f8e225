"""The edge: the inputs of every relationship measure, extracted from the store once.

Measures never read the store (see :mod:`closeknit.relate.measures`); they take the Arrow tables
made here:

* :func:`dyad_events` - one row per (interaction, pair of people): the unit of every measure.
  A pair is ``(a, b)`` with ``a < b``; ``a_acts`` says whether ``a`` was the actor. In the
  personal view (``scope="self"``) ``a`` is always the user (person 0, the smallest id), so
  ``a_acts`` means "you did it" and ``b`` is the other person. With ``scope="all"`` every pair of
  people linked by an interaction is kept (research data: any actor/participant pair).
* :func:`post_counts` - public posts per person and month: what a follower gets to see.

Times are plain numbers so the same pipeline runs on any engine: ``ts`` in Unix seconds (NULL when
the source gives no time, e.g. follow lists), ``month`` as ``year * 12 + month - 1`` in UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

import duckdb
import pyarrow as pa

from closeknit.language.detectors import addresses_you, counted_disclosure
from closeknit.store.schema import SELF_PERSON_ID

__all__ = [
    "EVENT_COLUMNS",
    "dyad_events",
    "post_counts",
    "latest_time",
    "user_timezone",
    "current_model_version",
    "score_join",
    "month_index",
    "month_label",
    "people_names",
    "to_arrow",
]

#: Columns of the dyad-event table (the input of every measure).
EVENT_COLUMNS = (
    "interaction_id", "a", "b", "a_acts", "ts", "month", "channel", "kind", "visibility", "role",
    "intimacy", "confidence", "is_question", "personal_question", "disclosure", "addresses_you", "text_len",
    "duration_s", "thread_id", "reply_to",
)

#: The name of :func:`closeknit.language.detectors.addresses_you` in the store's SQL (a Python
#: function DuckDB calls on a column at a time): the one rule, not a copy of it in SQL.
ADDRESSES_YOU_SQL = "closeknit_addresses_you"


#: The name of :func:`closeknit.language.detectors.counted_disclosure` in the store's SQL.
COUNTED_DISCLOSURE_SQL = "closeknit_counted_disclosure"


def _addresses_you_column(texts: pa.Array) -> pa.Array:
    return pa.array([None if t is None else addresses_you(t) for t in texts.to_pylist()], pa.bool_())


def _counted_disclosure_column(texts: pa.Array, disclosure: pa.Array) -> pa.Array:
    return pa.array([counted_disclosure(t, d) for t, d in zip(texts.to_pylist(), disclosure.to_pylist())], pa.float64())


def _with_rules(cur) -> None:
    """Make the Python rules the SQL below calls known to ``cur`` (once per connection)."""
    try:
        cur.create_function(ADDRESSES_YOU_SQL, _addresses_you_column, ["VARCHAR"], "BOOLEAN",
                            type="arrow", side_effects=False)
    except (duckdb.CatalogException, duckdb.NotImplementedException):  # already there
        pass
    try:
        cur.create_function(COUNTED_DISCLOSURE_SQL, _counted_disclosure_column, ["VARCHAR", "DOUBLE"], "DOUBLE",
                            type="arrow", side_effects=False, null_handling="special")
    except (duckdb.CatalogException, duckdb.NotImplementedException):  # already there
        pass


def to_arrow(con, sql: str, params: list | None = None, *, cursor: bool = True) -> pa.Table:
    """The result of ``sql`` as an Arrow table (DuckDB 1.x and 2.x), without a row-wise copy.

    With ``cursor`` (the default, for the store) the query runs on a cursor of ``con``, so a
    half-fetched result someone else left on ``con`` does not get in the way.
    """
    cur = con.cursor() if cursor else con
    try:
        rel = cur.sql(sql, params=params or None)
        f = getattr(rel, "to_arrow_table", None) or rel.arrow
        return f()
    finally:
        if cursor:
            cur.close()


def current_model_version(name: str = "fast") -> str:
    """Version string of the shipped intimacy model whose scores the measures read."""
    from closeknit.language.model import read_meta

    return read_meta(name)["version"]


#: The score columns the measures read from ``message_scores``.
SCORE_COLUMNS = ("intimacy", "confidence", "is_question", "personal_question", "disclosure")


def score_join(model_version: str | None = None, *, on: str = "i.id") -> tuple[str, dict[str, str], list[str]]:
    """How the measures read a message's score: ``(joins, columns, params)`` for a query over
    interactions (``on``: their id). By default the score of the current ``accurate`` model where
    there is one, else that of the current ``fast`` model (rows of older versions are never read);
    with ``model_version``, only that version's. ``columns`` maps each of :data:`SCORE_COLUMNS`
    and ``scored_by`` (the model read, NULL when unscored) to its SQL expression."""
    versions = [model_version] if model_version else [current_model_version("accurate"), current_model_version("fast")]
    joins = " ".join(f"LEFT JOIN message_scores s{k} ON s{k}.interaction_id = {on} AND s{k}.model_version = ?"
                     for k in range(len(versions)))

    def pick(col: str) -> str:
        if len(versions) == 1:
            return f"s0.{col}"
        return f"CASE WHEN s0.interaction_id IS NOT NULL THEN s0.{col} ELSE s1.{col} END"

    cols = {c: pick(c) for c in SCORE_COLUMNS}
    cols["disclosure"] = f"CAST({cols['disclosure']} AS DOUBLE)"  # BOOLEAN in a store read as written before v3
    cols["scored_by"] = ("CASE WHEN s0.interaction_id IS NOT NULL THEN 'accurate' WHEN s1.interaction_id IS NOT NULL "
                         "THEN 'fast' END") if len(versions) == 2 else f"CASE WHEN s0.interaction_id IS NOT NULL THEN " \
                                                                       f"'{model_version}' END"
    return joins, cols, versions


def month_index(ts: datetime) -> int:
    """``year * 12 + month - 1`` of a datetime (UTC): the month key used by every measure."""
    ts = ts.astimezone(timezone.utc) if ts.tzinfo else ts
    return ts.year * 12 + ts.month - 1


def month_label(m: int | None) -> str | None:
    """``2026-10`` for a month index."""
    if m is None:
        return None
    return f"{m // 12:04d}-{m % 12 + 1:02d}"


def latest_time(con) -> float | None:
    """Unix seconds of the latest interaction in the store ("now" unless the user says otherwise)."""
    return con.execute("SELECT epoch(max(ts)) FROM interactions").fetchall()[0][0]


def user_timezone(con) -> str | None:
    """The user's time zone (``closeknit me timezone``), or None (UTC) when none was set: the local
    clock that off-hours contact is read on (closeness ``offhours``)."""
    from closeknit.store.people import get_setting

    return get_setting(con, "timezone")


_ROLES = ("recipient", "mentioned", "cc", "bcc", "attendee", "member", "subject", "sender")
_ROLE_RANK = " ".join(f"WHEN '{r}' THEN {i}" for i, r in enumerate(_ROLES))
_RANK_ROLE = " ".join(f"WHEN {i} THEN '{r}'" for i, r in enumerate(_ROLES))
_MONTH = "(year(i.ts AT TIME ZONE 'UTC') * 12 + month(i.ts AT TIME ZONE 'UTC') - 1)"


def dyad_events(con, *, scope: str = "self", model_version: str | None = None, as_of: float | None = None) -> pa.Table:
    """The dyad-event table (columns :data:`EVENT_COLUMNS`) as an Arrow table.

    One row per (interaction, pair): the actor and each participant of another person. Scores come
    from ``message_scores`` as :func:`score_join` reads them: the accurate score where there is one,
    else the fast one (only ``model_version``'s when given); NULL when the text is unscored or absent.
    Events after ``as_of`` (Unix seconds) are left out; events without a time are kept.
    """
    if scope not in ("self", "all"):
        raise ValueError(f"scope must be 'self' or 'all', not {scope!r}")
    joins, cols, versions = score_join(model_version)
    # No condition may compare the actor's identity with the participant's (not even "not the same
    # person"): the planner turns such a predicate into a join of every identity with every other,
    # which explodes on large stores. The personal view is two branches with one-sided filters;
    # rows of someone addressing themselves (a = b) are left to the measures, which ignore them.
    where = "true"
    params: list = []  # in the order of the query text: as_of (per branch), the model version
    if as_of is not None:
        where = "(i.ts IS NULL OR epoch(i.ts) <= ?)"
    branch = f"""
        SELECT i.id AS interaction_id, ap.person_id AS actor, pp.person_id AS other,
               -- the strongest role (an integer: min() over strings is slow on millions of groups)
               min(CASE ip.role {_ROLE_RANK} ELSE 99 END) AS role_rank
        FROM interactions i
        JOIN identities ap ON ap.id = i.actor_id
        JOIN interaction_participants ip ON ip.interaction_id = i.id
        JOIN identities pp ON pp.id = ip.identity_id
        WHERE {where} AND {{cond}}
        GROUP BY i.id, ap.person_id, pp.person_id"""
    if scope == "self":
        pairs = (branch.format(cond=f"ap.person_id = {SELF_PERSON_ID}") + "\n        UNION ALL" +
                 branch.format(cond=f"pp.person_id = {SELF_PERSON_ID} AND ap.person_id <> {SELF_PERSON_ID}"))
        n_branches = 2
    else:
        pairs = branch.format(cond="true")
        n_branches = 1
    if as_of is not None:
        params += [float(as_of)] * n_branches
    sql = f"""
    WITH pairs AS ({pairs}
    )
    SELECT p.interaction_id,
           least(p.actor, p.other) AS a, greatest(p.actor, p.other) AS b, p.actor < p.other AS a_acts,
           epoch(i.ts) AS ts, {_MONTH} AS month,
           i.channel, i.kind, i.visibility, CASE p.role_rank {_RANK_ROLE} ELSE 'other' END AS role,
           {", ".join(f"{cols[c]} AS {c}" if c != "disclosure" else
                      f"{COUNTED_DISCLOSURE_SQL}(i.text, {cols[c]}) AS {c}" for c in SCORE_COLUMNS)},
           {ADDRESSES_YOU_SQL}(i.text) AS addresses_you,
           i.text_len, i.duration_s, i.thread_id, i.reply_to
    FROM pairs p JOIN interactions i ON i.id = p.interaction_id
    {joins}
    """
    params = params + versions
    cur = con.cursor()
    try:
        _with_rules(cur)
        return to_arrow(cur, sql, params, cursor=False)
    finally:
        cur.close()


def post_counts(con, *, as_of: float | None = None) -> pa.Table:
    """Public posts and reposts per (person, month): ``person``, ``month``, ``n_posts``."""
    cond = "" if as_of is None else "AND epoch(i.ts) <= ?"
    sql = f"""
    SELECT ap.person_id AS person, {_MONTH} AS month, count(*) AS n_posts
    FROM interactions i
    JOIN identities ap ON ap.id = i.actor_id
    WHERE i.kind IN ('post', 'repost') AND i.visibility = 'public' AND i.ts IS NOT NULL {cond}
    GROUP BY ALL
    """
    return to_arrow(con, sql, [] if as_of is None else [float(as_of)])


def people_names(con) -> dict[int, str]:
    """person id -> display name."""
    return {pid: name for pid, name in con.execute("SELECT id, display_name FROM people").fetchall()}
