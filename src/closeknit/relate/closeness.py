"""Closeness: one tie-strength number per relationship, with its parts and their evidence.

``closeness`` in [0, 1] answers "how close are these two, as of this date". It is a logistic model
over a handful of readable features of the pair's contacts (see :data:`FEATURES`), each with the
direction the tie-strength literature gives it a priori (Granovetter 1973: time, intensity,
intimacy, reciprocity; Marsden & Campbell 1984; Gilbert & Karahalios 2009; Onnela et al. 2007:
shared contacts; Eagle, Pentland & Lazer 2009: contact on evenings and weekends; Saramäki et al.
2014: the share of one's communication an alter gets). Each feature is standardised with a fixed mean and scale, so a part is
``coef * (value - mean) / scale`` on the log-odds scale and ``closeness = 1 / (1 + exp(-(intercept
+ sum of parts)))``. A part whose evidence is unknown (no scored text, no view of third parties in
the personal view) counts 0: the pair is taken as typical there.

The weights (``closeness_model.json`` next to this module) were fit by
``scripts/fit_closeness.py`` on half *tie persistence* (is the pair still in contact in the next
period?) and half *reciprocal persistence* (in contact both ways in the next period?) on two real
logs, never on the labels closeness is validated against; features whose fitted sign went against
their a priori direction were dropped (weight 0). ``intimacy`` and ``private`` have
no labelled data to learn from (the logs carry no text and no public channel): their weights are
set a priori and marked so. See docs/relate.md and ``benchmarks/closeness.py``.

Everything is computed set-wise in SQL by :class:`~closeknit.relate.measures.Relationships`
(:func:`closeness_sql`); this module holds the model and the SQL text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from closeknit.core.errors import InputError

__all__ = ["FEATURES", "MODEL_FILE", "WORK_HOURS", "utc_offsets", "local_time_sql", "offhours_sql", "FREQUENCY_PARTS", "frequency_scale", "ClosenessModel", "load_closeness_model", "closeness_sql", "feature_sql", "smaller_side_sql"]

MODEL_FILE = "closeness_model.json"
#: A call or meeting of unknown length counts this many seconds of talk.
DEFAULT_TALK_S = 300.0

#: name -> (what it means, a priori direction). Counts and times enter as log(1 + x).
FEATURES: dict[str, tuple[str, int]] = {
    "contact_days": ("log(1 + days with contact either way): frequency", +1),
    "regularity": ("share of the weeks since the first contact (counted from its day) that had contact: regularity", +1),
    "overdue": ("log(1 + silence / the pair's usual gap between contact days): recency against its own rhythm", -1),
    "recency": ("log(1 + days since the last contact either way): recency in days", -1),
    "mutual_days": ("log(1 + the smaller of the days each side made contact): contact both ways", +1),
    "balance": ("smaller side's contacts / larger side's: reciprocity (0 one-way, 1 even)", +1),
    "talk": ("log(1 + minutes on calls and meetings; one of unknown length counts 5)", +1),
    "channels": ("channels with contact", +1),
    "shared": ("shared contacts / all contacts of the two (Onnela overlap; unknown in the personal view)", +1),
    "span": ("log(1 + days from the first to the last contact): how long the tie has lasted", +1),
    "private": ("share of contacts that were private (not group, not public)", +1),
    "intimacy": ("intimacy of what was exchanged (unknown without scored texts)", +1),
    "offhours": ("share of contacts on evenings, nights and weekends (outside weekdays 08:00-18:00)", +1),
    "share": ("the pair's share of each side's contacts (the mean over the sides seen in full)", +1),
}

#: Work hours on the local clock: weekdays from ``WORK_HOURS[0]`` to ``WORK_HOURS[1]`` o'clock.
#: Contact outside them is *off-hours* (Eagle, Pentland & Lazer 2009: friends call each other in the
#: evening and at weekends, colleagues in working hours). The local clock is the user's time zone
#: (``closeknit me timezone``; :func:`utc_offsets`) for a store, and the clock the timestamps carry
#: where no zone is given (UTC; research logs whose times are local, see benchmarks/closeness.py).
WORK_HOURS = (8, 18)


def utc_offsets(zone: str | None, t0: float, t1: float) -> list[tuple[float, int]]:
    """The UTC offsets of time zone ``zone`` (an IANA name) from Unix time ``t0`` to ``t1``:
    ``[(from_ts, offset_s), ...]``, the first from ``-inf``, each in force until the next's
    ``from_ts`` (each change found to the second; the zone is read once a day, so two changes
    within one day would be missed: no zone has them). None or UTC: ``[]`` (the clock is UTC).

    >>> utc_offsets("Europe/London", 1711843200, 1730419200)  # 2024-03-31 .. 2024-11-01
    [(-inf, 0), (1711846800.0, 3600), (1729990800.0, 0)]
    """
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not zone or zone.upper() == "UTC":
        return []
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"{zone!r} is not a time zone (use an IANA name such as Europe/London)") from None

    def off(t: float) -> int:
        o = datetime.fromtimestamp(t, tz).utcoffset()
        return int(o.total_seconds()) if o is not None else 0

    day = 86400.0
    out: list[tuple[float, int]] = [(float("-inf"), off(t0 - day))]
    t = t0 - day
    while t < t1 + day:
        nxt = t + day
        if off(nxt) != out[-1][1]:
            lo, hi = t, nxt  # off(lo) is the old offset, off(hi) the new: the change is in (lo, hi]
            while hi - lo > 1:
                mid = (lo + hi) // 2
                lo, hi = (mid, hi) if off(mid) == out[-1][1] else (lo, mid)
            out.append((float(hi), off(hi)))
        t = nxt
    return out if any(o for _, o in out) or len(out) > 1 else []


def local_time_sql(ts: str, offsets: list[tuple[float, int]] | None) -> str:
    """SQL: Unix time ``ts`` moved to the local clock given by ``offsets`` (:func:`utc_offsets`).

    >>> local_time_sql("t", [(float("-inf"), 0), (100.0, 3600)])
    '(t + CASE WHEN t < 100.0 THEN 0 ELSE 3600 END)'
    >>> local_time_sql("t", [])
    't'
    """
    if not offsets:
        return ts
    if len(offsets) == 1:
        return f"({ts} + {offsets[0][1]})"
    whens = " ".join(f"WHEN {ts} < {start!r} THEN {o}" for (_, o), (start, _) in zip(offsets, offsets[1:]))
    return f"({ts} + CASE {whens} ELSE {offsets[-1][1]} END)"


def offhours_sql(ts: str = "ts", offsets: list[tuple[float, int]] | None = None) -> str:
    """SQL: true when Unix time ``ts`` falls outside weekdays' :data:`WORK_HOURS` on the local
    clock (``offsets``: :func:`utc_offsets`; none: the timestamps' own clock), weekday and hour from
    plain arithmetic, the same on every engine (1970-01-01 was a Thursday).

    >>> offhours_sql("t")
    '(((floor(t / 86400) + 3) - 7 * floor((floor(t / 86400) + 3) / 7)) >= 5 OR (t - 86400 * floor(t / 86400)) < 28800 OR (t - 86400 * floor(t / 86400)) >= 64800)'
    """
    ts = local_time_sql(ts, offsets)
    day = f"floor({ts} / 86400)"
    weekday = f"(({day} + 3) - 7 * floor(({day} + 3) / 7))"  # Monday 0 ... Sunday 6
    secs = f"({ts} - 86400 * {day})"  # seconds since midnight
    return f"({weekday} >= 5 OR {secs} < {WORK_HOURS[0] * 3600} OR {secs} >= {WORK_HOURS[1] * 3600})"


@dataclass(frozen=True)
class Part:
    coef: float
    mean: float
    scale: float
    fitted: bool


@dataclass(frozen=True)
class ClosenessModel:
    """``intercept`` and one :class:`Part` per feature of :data:`FEATURES`."""

    intercept: float
    parts: dict[str, Part]
    meta: dict

    @classmethod
    def from_json(cls, text: str) -> "ClosenessModel":
        try:
            d = json.loads(text)
            parts = {f: Part(float(v["coef"]), float(v["mean"]), float(v["scale"]), bool(v["fitted"]))
                     for f, v in d["features"].items()}
            intercept = float(d["intercept"])
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"not a closeknit closeness model: {e}") from None
        unknown = sorted(set(parts) - set(FEATURES))
        missing = sorted(set(FEATURES) - set(parts))
        if unknown or missing:
            raise InputError(f"the closeness model does not match this version (unknown: {unknown}, missing: {missing}); "
                             "refit it with scripts/fit_closeness.py")
        return cls(intercept, parts, d.get("meta", {}))

    def to_json(self) -> str:
        feats = {f: {"coef": p.coef, "mean": p.mean, "scale": p.scale, "fitted": p.fitted, "direction": FEATURES[f][1],
                     "means": FEATURES[f][0]} for f, p in self.parts.items()}
        return json.dumps({"model": "closeknit closeness v1", "intercept": self.intercept, "features": feats,
                           "meta": self.meta}, indent=1, ensure_ascii=False)


@lru_cache(maxsize=1)
def load_closeness_model() -> ClosenessModel:
    """The shipped model (``closeness_model.json`` in this package)."""
    return ClosenessModel.from_json(resources.files(__package__).joinpath(MODEL_FILE).read_text(encoding="utf-8"))


#: The parts through which contact frequency enters the model: days with contact either way, and
#: the days of the side that made contact on fewer (for a pair typical in balance both grow as
#: ``log(1 + days)``).
FREQUENCY_PARTS = ("contact_days", "mutual_days")


def frequency_scale(closeness: float, model: ClosenessModel | None = None) -> float:
    """Closeness on the scale of contact frequency, where circles are cut: ``odds ** (1 / k)``
    with ``k`` the sum of ``coef / scale`` of the :data:`FREQUENCY_PARTS`, which for a pair typical
    in every other part is proportional to ``1 + days with contact``. (The odds themselves grow as
    ``(1 + days) ** k``, about the 1.4th power: Jenks then isolates the few largest values and draws
    the inner layers too small; Dunbar's layers were found on contact frequency.)

    >>> m = ClosenessModel(0.0, {f: Part(1.0 if f in FREQUENCY_PARTS else 0.0, 0.0, 1.0, True) for f in FEATURES}, {})
    >>> round(frequency_scale(0.8, m), 6)  # odds 4, coefficients 1 + 1: 4 ** (1 / 2)
    2.0
    """
    m = model or load_closeness_model()
    k = sum(m.parts[f].coef / m.parts[f].scale for f in FREQUENCY_PARTS)
    c = min(max(float(closeness), 1e-12), 1 - 1e-12)
    odds = c / (1 - c)
    return odds ** (1 / k) if k > 0 else odds


def smaller_side_sql(pairs: str, degrees: str) -> str:
    """For each pair ``a, b`` of ``pairs``: ``s``, the side with fewer contacts (``degrees``: ``x, k``),
    and ``o``, the other. Shared contacts are walked from ``s`` and looked up on ``o``, so that a pair
    (hub, member) reads the member's few contacts, not the hub's million."""
    return f"""SELECT p.a, p.b, CASE WHEN da.k <= db.k THEN p.a ELSE p.b END AS s,
               CASE WHEN da.k <= db.k THEN p.b ELSE p.a END AS o
        FROM {pairs} p JOIN {degrees} da ON da.x = p.a JOIN {degrees} db ON db.x = p.b"""


def feature_sql(now: float | None, *, personal: bool, c: str = "c", dyads: str = "dyads",
                totals: str | None = None, offsets: list[tuple[float, int]] | None = None) -> str:
    """SQL (a SELECT over the engine's ``c`` and ``dyads`` tables) giving one row per pair with
    contact: the value of every feature (``f_<feature>``) and the evidence shown beside it (``ev_*``).

    ``now`` None: every row of ``c`` and ``dyads`` carries its own ``now`` (a pair as of several
    moments: one row per pair and ``now``; the personal view only, where the only feature that reads
    other pairs is ``share``: ``totals``, a SELECT of ``x, now, n``, then gives the user's
    contacts with everyone as of each ``now``, when ``c`` holds only the pair's). ``offsets``: the
    local clock that off-hours are read on (:func:`utc_offsets`; none: the timestamps' own).
    """
    if now is None and not personal:
        raise ValueError("closeness at several moments is computed for the personal view only")
    k = ", now" if now is None else ""  # the extra grouping key
    n = "f.now" if now is None else repr(float(now))
    shared = "NULL::DOUBLE" if personal else "coalesce(sh.n_shared, 0) * 1.0 / greatest(dg_a.k - 1 + dg_b.k - 1 - coalesce(sh.n_shared, 0), 1)"
    tot_all = (f"SELECT x{k}, sum(n) AS n FROM (SELECT a AS x{k}, n_ab + n_ba AS n FROM f "
               f"UNION ALL SELECT b AS x{k}, n_ab + n_ba AS n FROM f) GROUP BY x{k}")
    share = ("(f.n_ab + f.n_ba) * 1.0 / tot_a.n" if personal  # the other side's other contacts are not seen
             else "((f.n_ab + f.n_ba) * 1.0 / tot_a.n + (f.n_ab + f.n_ba) * 1.0 / tot_b.n) / 2")
    return f"""
    WITH day AS (  -- one row per pair and day with contact
        SELECT a, b{k}, floor(ts / 86400) AS d, bool_or(a_acts) AS by_a, bool_or(NOT a_acts) AS by_b,
               count(*) FILTER (WHERE a_acts) AS n_ab, count(*) FILTER (WHERE NOT a_acts) AS n_ba,
               count(*) FILTER (WHERE visibility = 'private') AS n_private,
               count(*) FILTER (WHERE kind IN ('call', 'meeting')) AS n_talk,
               count(*) FILTER (WHERE {offhours_sql("ts", offsets)}) AS n_off,
               coalesce(sum(greatest(coalesce(duration_s, {DEFAULT_TALK_S}), 0))
                        FILTER (WHERE kind IN ('call', 'meeting')), 0) AS talk_s,
               min(ts) AS t0, max(ts) AS t1
        FROM {c} GROUP BY a, b{k}, floor(ts / 86400)
    ),
    day0 AS (SELECT *, min(d) OVER (PARTITION BY a, b{k}) AS d0 FROM day),
    f AS (  -- weeks are counted from the pair's first contact day
        SELECT a, b{k}, min(d0) AS d0, count(*) AS contact_days, count(*) FILTER (WHERE by_a) AS days_ab,
               count(*) FILTER (WHERE by_b) AS days_ba, count(DISTINCT floor((d - d0) / 7)) AS contact_weeks,
               sum(n_ab) AS n_ab, sum(n_ba) AS n_ba, sum(n_private) AS n_private, sum(n_talk) AS n_talk,
               sum(n_off) AS n_off, sum(talk_s) AS talk_s, min(t0) AS t0, max(t1) AS t1
        FROM day0 GROUP BY a, b{k}
    ),
    adj AS (SELECT a AS x, b AS y FROM f UNION ALL SELECT b AS x, a AS y FROM f),
    tot AS (  -- every person's contacts, with everyone (Saramaki et al. 2014: the share an alter gets)
        {totals or tot_all}
    ),
    dg AS (SELECT x, count(*) AS k FROM adj GROUP BY x),
    sm AS (  -- shared contacts: walk the contacts of the side with fewer, look them up on the other
        {smaller_side_sql("f", "dg")}
    ),
    sh AS (  -- a lookup, not a join: as a three-way join the planner pairs every two contacts of each person
        SELECT sm.a, sm.b, count(*) AS n_shared
        FROM sm JOIN adj n1 ON n1.x = sm.s
        WHERE EXISTS (SELECT 1 FROM adj n2 WHERE n2.x = sm.o AND n2.y = n1.y)
        GROUP BY sm.a, sm.b
    )
    SELECT f.a, f.b{k.replace(', ', ', f.')},
           ln(1 + f.contact_days) AS f_contact_days,
           f.contact_weeks / (floor((floor({n} / 86400) - f.d0) / 7) + 1) AS f_regularity,
           ln(1 + ({n} - f.t1) / greatest(CASE WHEN f.contact_days > 1 THEN (f.t1 - f.t0) / (f.contact_days - 1)
                                                 ELSE {n} - f.t0 END, 3600)) AS f_overdue,
           ln(1 + ({n} - f.t1) / 86400) AS f_recency,
           ln(1 + least(f.days_ab, f.days_ba)) AS f_mutual_days,
           least(f.n_ab, f.n_ba) * 1.0 / greatest(f.n_ab, f.n_ba) AS f_balance,
           ln(1 + f.talk_s / 60) AS f_talk,
           CAST(d.channels AS DOUBLE) AS f_channels,
           {shared} AS f_shared,
           ln(1 + (f.t1 - f.t0) / 86400) AS f_span,
           f.n_private * 1.0 / (f.n_ab + f.n_ba) AS f_private,
           CASE WHEN coalesce(d.depth_ab, d.depth_ba) IS NOT NULL THEN d.intimacy END AS f_intimacy,
           f.n_off * 1.0 / (f.n_ab + f.n_ba) AS f_offhours,
           {share} AS f_share,
           -- evidence
           f.contact_days AS ev_contact_days, f.contact_weeks AS ev_contact_weeks, f.days_ab AS ev_days_ab,
           f.days_ba AS ev_days_ba, f.n_talk AS ev_talks, f.talk_s / 60 AS ev_talk_minutes,
           {'NULL::BIGINT' if personal else 'coalesce(sh.n_shared, 0)'} AS ev_shared_contacts,
           ({n} - f.t1) / 86400 AS ev_silence_days,
           CASE WHEN f.contact_days > 1 THEN (f.t1 - f.t0) / (f.contact_days - 1) / 86400 END AS ev_usual_gap_days,
           (f.t1 - f.t0) / 86400 AS ev_span_days, f.n_off AS ev_offhours_contacts,
           f.n_ab + f.n_ba AS ev_pair_contacts, tot_a.n AS ev_contacts_a, {'NULL::BIGINT' if personal else 'tot_b.n'} AS ev_contacts_b
    FROM f JOIN {dyads} d ON d.a = f.a AND d.b = f.b{' AND d.now = f.now' if now is None else ''}
    LEFT JOIN sh ON sh.a = f.a AND sh.b = f.b
    JOIN dg dg_a ON dg_a.x = f.a JOIN dg dg_b ON dg_b.x = f.b
    JOIN tot tot_a ON tot_a.x = f.a{' AND tot_a.now = f.now' if now is None else ''}
    {'' if personal else 'JOIN tot tot_b ON tot_b.x = f.b'}
    """


def closeness_sql(model: ClosenessModel, now: float | None, *, personal: bool, c: str = "c",
                  dyads: str = "dyads", totals: str | None = None,
                  offsets: list[tuple[float, int]] | None = None) -> str:
    """SQL giving, per pair with contact, every feature, its part of the log-odds
    (``part_<feature>``, 0 where unknown), and ``closeness`` (``now`` None: per pair and ``now``,
    see :func:`feature_sql`)."""
    parts = []
    for f in FEATURES:
        p = model.parts[f]
        parts.append(f"coalesce({p.coef!r} * (f_{f} - {p.mean!r}) / {p.scale!r}, 0.0) AS part_{f}")
    total = " + ".join(f"part_{f}" for f in FEATURES)
    return f"""
    WITH x AS ({feature_sql(now, personal=personal, c=c, dyads=dyads, totals=totals, offsets=offsets)}),
    y AS (SELECT x.*, {', '.join(parts)} FROM x)
    SELECT y.*, 1 / (1 + exp(-({model.intercept!r} + {total}))) AS closeness FROM y
    """
