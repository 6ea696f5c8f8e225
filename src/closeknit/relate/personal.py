"""The personal view: attention, circles and the story of one relationship, from the measures.

Pure functions of a :class:`~closeknit.relate.measures.Relationships` built on the personal
dyad-event table (pairs ``(0, person)``, ``a`` = the user). :func:`load` is the edge that builds it
from a store.
"""

from __future__ import annotations

import math
from typing import Any, cast

from closeknit.core.errors import UsageError
from closeknit.relate.inputs import dyad_events, latest_time, month_label, post_counts, user_timezone
from closeknit.relate.measures import DAY, STAGES, Params, Relationships, jenks_breaks

__all__ = ["load", "load_kept", "kept_tables", "KEPT_TABLES", "attention", "circles", "circle_layers", "closeness_parts", "relationship", "ATTENTION_REASONS", "LAYER_NAMES", "people_measures"]

ATTENTION_REASONS = {
    "waiting": "waiting for your answer",
    "newcomer": "a newcomer who reached out: deserves a welcome",
    "fading": "a strong tie fading against its own rhythm",
    "one-sided": "one side does all the work",
}
LAYER_NAMES = ("support clique (~5)", "sympathy group (~15)", "affinity group (~50)", "active network (~150)",
               "acquaintances (~500)")


def load(con, *, as_of: float | None = None, model_version: str | None = None, params: Params | None = None,
         scope: str = "self") -> Relationships:
    """Extract the inputs from the store behind ``con`` and return the (lazy) measures.

    ``as_of`` (Unix seconds) defaults to the latest interaction in the store, so results do not
    depend on the day the command runs.
    """
    now = latest_time(con) if as_of is None else float(as_of)
    ev = dyad_events(con, scope=scope, model_version=model_version, as_of=now)
    posts = post_counts(con, as_of=now)
    return Relationships(ev, posts, as_of=now, params=params or Params(), scope=scope, timezone=user_timezone(con))


#: The engine tables a store keeps for its revision (:meth:`closeknit.Closeknit.materialise`), each
#: with the order it is written in: by person, so that one person's rows are a few blocks of each.
#: Every personal view reads only these (``c`` is a view of ``e``), so a story nobody asked for yet,
#: a draft check or a list with other options is a lookup on them, not a rebuild of the measures.
KEPT_TABLES = {"e": "b, ts, interaction_id", "panel": "b, m", "dyads": "b", "closeness": "b",
               "norms": "channel, visibility, stage", "incoming": "b, ts, interaction_id"}


def kept_tables(rel: Relationships) -> dict[str, Any]:
    """The tables of :data:`KEPT_TABLES` of ``rel`` (built now if they are not), as Arrow tables in
    the order the store keeps them."""
    rel.build(*KEPT_TABLES)
    return {t: rel.sql(f"SELECT * FROM {t} ORDER BY {order}") for t, order in KEPT_TABLES.items()}


def load_kept(con, *, as_of: float | None, params: Params | None = None) -> Relationships:
    """The measures of the personal view over the tables the store behind ``con`` keeps
    (:data:`closeknit.store.cache.KEPT_SCHEMA`, made by :func:`kept_tables` of what :func:`load` gave for ``as_of``):
    every view reads them as it reads what :func:`load` builds, only the tables are not built."""
    from closeknit.relate.engines import KeptEngine
    from closeknit.store.cache import kept_schema

    return Relationships(None, as_of=as_of, params=params or Params(), scope="self", timezone=user_timezone(con),
                         engine=KeptEngine(con, kept_schema(con)), built=tuple(KEPT_TABLES))


def attention(rel: Relationships, *, waiting_days: float = 30, newcomer_days: float = 60,
              limit: int | None = None) -> list[dict[str, Any]]:
    """Whom to pay attention to now, ranked (highest ``priority`` first), each with its reason.

    * waiting: their last private message or reply to you asked something, is recent
      (``waiting_days``), has waited longer than twice your usual answer time (at least 12 hours),
      and did not run well ahead of the relationship (an unwanted advance is not waiting for you;
      a message merely warmer than the relationship, such as a friendly introduction, still is);
    * newcomer: first contact within ``newcomer_days``, they reached out, you never answered, and
      nothing they sent ran well ahead;
    * fading: a friend or close tie whose recent contact fell below a third of its usual rhythm,
      ranked by how overdue it is against its own rhythm (silence / usual gap between
      conversations), with what the contact model (``predict-contacts``) says now: the chance that
      you write to them next rather than to someone at random (``chance_you_write``; also
      ``chance_they_write``, which in the personal view, where you are all they are seen to
      write to, says little);
    * one-sided: over the last year of private contact (at least 20 contacts), one side started
      >= 80 % of the conversations or made >= 75 % of the contact.
    Priority = reason rank (waiting 4, newcomer 3, fading 2, one-sided 1) + a share in [0, 1):
    intimacy, recency, overdue / (1 + overdue), imbalance.
    """
    rel.build("dyads", "incoming")
    if rel.as_of is None:  # an empty store: nobody to pay attention to
        return []
    now = float(rel.as_of)
    rows = rel.rows(f"""
    WITH flagged AS (
        SELECT DISTINCT b FROM incoming WHERE a = 0 AND NOT a_acts AND verdict = 'well ahead' AND ts > {now - 90 * DAY}
    ),
    d AS (SELECT d.*, f.b IS NOT NULL AS ran_ahead FROM dyads d LEFT JOIN flagged f ON f.b = d.b WHERE d.a = 0),
    r AS (
        SELECT b, 'waiting' AS reason, 4 + least(0.99, coalesce(intimacy, 0)) AS priority FROM d
        WHERE last_contact_by_a = false AND last_contact_visibility = 'private' AND last_contact_question
          AND last_contact_kind IN ('message', 'reply', 'comment')
          AND last_contact_ts > {now - waiting_days * DAY}
          AND {now} - last_contact_ts > greatest(2 * coalesce(a_typical_response_s, 0), 12 * 3600)
          AND contacts_ab > 0 AND NOT ran_ahead
        UNION ALL
        SELECT b, 'newcomer', 3 + least(0.99, (first_ts - {now - newcomer_days * DAY}) / {newcomer_days * DAY})
        FROM d WHERE first_ts > {now - newcomer_days * DAY} AND contacts_ba > 0 AND contacts_ab = 0 AND NOT ran_ahead
        UNION ALL
        -- ranked by how overdue the tie is against its own rhythm: silence / usual gap between conversations
        SELECT b, 'fading', 2 + least(0.99, o / (1 + o)) FROM (
            SELECT b, ({now} - last_contact_ts) / greatest(coalesce(usual_gap_s, {now} - first_contact_ts), 3600) AS o
            FROM d WHERE stage >= 4 AND trajectory = 'fading')
        UNION ALL
        SELECT b, 'one-sided', 1 + least(0.99, abs(year_cw_ab - year_cw_ba) / (year_cw_ab + year_cw_ba)) FROM d
        WHERE year_private_contacts >= 20 AND (
              greatest(year_init_ab, year_init_ba) >= 0.8 * (year_init_ab + year_init_ba)
           OR greatest(year_cw_ab, year_cw_ba) >= 0.75 * (year_cw_ab + year_cw_ba))
    )
    SELECT r.reason, r.priority, d.* FROM r JOIN d ON d.b = r.b ORDER BY r.priority DESC, d.b
    """)
    rows = rows[:limit] if limit else rows
    fading = [r for r in rows if r["reason"] == "fading"]
    if fading:
        chances = _contact_chances(rel, [r["b"] for r in fading])
        for r in fading:
            r["overdue"] = (now - r["last_contact_ts"]) / max(r["usual_gap_s"] or now - r["first_contact_ts"], 3600)
            r["chance_you_write"], r["chance_they_write"] = chances[r["b"]]
    out = []
    for r in rows:
        r["explanation"] = _attention_text(r, now)
        out.append(r)
    return out


def _contact_chances(rel: Relationships, people: list[int]) -> dict[int, tuple[float, float]]:
    """The contact model (``predict-contacts``) on the user's own contacts, as of now (the engine's
    ``contacts`` table, :mod:`closeknit.relate.contacts`): for each person, the chance that you
    write to them next and that they write to you next (the model's probability against a random
    other person, as it was fit)."""
    rel.build("contacts")
    ids = ", ".join(str(int(p)) for p in people)
    got = {(r["src"], r["dst"]): float(r["chance"]) for r in rel.rows(
        f"SELECT src, dst, chance FROM contacts WHERE (src = 0 AND dst IN ({ids})) OR (dst = 0 AND src IN ({ids}))")}
    return {int(o): (got[(0, int(o))], got[(int(o), 0)]) for o in people}


def _days(s: float | None) -> str:
    if s is None:
        return "?"
    d = s / DAY
    return f"{d:.0f} days" if d >= 2 else (f"{s / 3600:.0f} hours" if s >= 3600 else f"{s / 60:.0f} minutes")


def _attention_text(r: dict, now: float) -> str:
    reason = r["reason"]
    if reason == "waiting":
        pace = r["a_typical_response_s"]  # unknown where you have never answered them
        return (f"their {r['last_contact_kind']} on {r['last_contact_channel']} {_days(now - r['last_contact_ts'])} ago "
                "is unanswered" + (f" (you usually answer in {_days(pace)})" if pace is not None
                                   else " (you have not answered them before)"))
    if reason == "newcomer":
        return (f"first contact {_days(now - r['first_ts'])} ago on {r['last_contact_channel']}: "
                f"{r['contacts_ba']} message(s) from them, none from you")
    if reason == "fading":
        return (f"{STAGES[r['stage']]}: last contact {_days(now - r['last_contact_ts'])} ago, {r['overdue']:.1f} times "
                f"its usual gap between conversations ({_days(r['usual_gap_s'])}); {r['recent_contacts']} contacts in "
                f"the last 90 days against a usual {float(r['usual_per_recent_window']):.0f}; the contact model gives "
                f"{r['chance_you_write']:.0%} that you write to them next rather than to someone at random (50%: "
                f"no likelier than anyone)")
    tot_i = (r["year_init_ab"] or 0) + (r["year_init_ba"] or 0)
    share_you = (r["year_init_ab"] or 0) / tot_i if tot_i else 0.5
    eff = (r["year_cw_ab"] or 0) / ((r["year_cw_ab"] or 0) + (r["year_cw_ba"] or 0) or 1)
    who = "you do" if eff > 0.5 or (eff == 0.5 and share_you > 0.5) else "they do"
    return (f"{who} the work: over the last year you started {share_you:.0%} of {tot_i} conversations and made "
            f"{eff:.0%} of the contact")


def circles(rel: Relationships, *, k: int = 5, days: float = 365) -> dict[str, Any]:
    """Dunbar layers around the user, from closeness.

    Each person with contact in the last ``days`` is placed by their ``closeness`` (see
    :mod:`closeknit.relate.closeness`). Fisher-Jenks natural breaks cut the one-dimensional
    distribution of closeness put on the scale of contact frequency
    (:func:`~closeknit.relate.closeness.frequency_scale`: the scale on which Dunbar's layers were
    found) into ``k`` classes; the highest class is the innermost layer. Layers are nested: each layer's size and its cumulative size (the layer with
    everything inside it) are reported.
    """
    rel.build("closeness", "c")
    if not (isinstance(days, (int, float)) and math.isfinite(days) and days > 0):
        raise UsageError(f"days must be a positive number of days, not {days!r}")
    if rel.as_of is None:  # an empty store: no circles
        return {"as_of": None, "days": days, "people": 0, "breaks": [], "layers": []}
    now = float(rel.as_of)
    rows = rel.rows("""
        SELECT d.b, count(c.ts) AS contacts, d.intimacy, d.stage, k.closeness,
               k.closeness / greatest(1 - k.closeness, 1e-12) AS odds
        FROM dyads d JOIN closeness k ON k.a = d.a AND k.b = d.b
        JOIN c ON c.a = d.a AND c.b = d.b AND c.ts > ?
        WHERE d.a = 0 GROUP BY d.b, d.intimacy, d.stage, k.closeness ORDER BY k.closeness DESC, d.b""",
        [now - days * DAY])  # a value reaches SQL as a parameter, never as text
    from closeknit.relate.closeness import ClosenessModel, frequency_scale

    model = cast(ClosenessModel | None, rel.closeness_model)
    for r in rows:
        r["contacts_per_month"] = r["contacts"] / (days / 30.4375)
        r["frequency_scale"] = frequency_scale(r["closeness"], model)
    breaks, layer_of = circle_layers([r["frequency_scale"] for r in rows], k)
    kk = len(breaks)
    layers = []
    for r, lay in zip(rows, layer_of):
        r["layer"] = lay
    cum = 0
    for layer in range(1, kk + 1):
        members = [r for r in rows if r["layer"] == layer]
        cum += len(members)
        lo = min((m["closeness"] for m in members), default=None)
        layers.append({"layer": layer, "name": LAYER_NAMES[layer - 1] if layer <= len(LAYER_NAMES) else f"layer {layer}",
                       "size": len(members), "cumulative_size": cum, "min_closeness": lo, "members": members})
    return {"as_of": now, "days": days, "people": len(rows), "breaks": breaks, "layers": layers}


def circle_layers(odds, k: int = 5) -> tuple[list[float], list[int]]:
    """The Jenks breaks of closeness on the frequency scale and each value's layer (1 = innermost), as
    :func:`circles` cuts them (also used by benchmarks/closeness.py for every ego of a log).

    >>> circle_layers([1, 2, 3, 10, 11, 12, 30], 3)
    ([3.0, 12.0, 30.0], [3, 3, 3, 2, 2, 2, 1])
    """
    vals = list(odds)
    if len(vals) > 3000:  # the DP is quadratic: cluster on rounded values, same breaks in practice
        vals = sorted({round(v, 3) for v in vals})
    breaks = jenks_breaks(vals, k)
    kk = len(breaks)
    out = []
    for v in odds:
        cls = next((i for i, br in enumerate(breaks) if v <= br + 1e-12), kk - 1)
        out.append(kk - cls)
    return breaks, out


def relationship(rel: Relationships, person: int) -> dict[str, Any]:
    """Everything about the pair (user, ``person``): measures now, monthly timeline (with the
    closeness as of each month's end, :meth:`Relationships.monthly_closeness`), stage changes,
    channels, the messages that weigh most, who discloses more."""
    rel.build("dyads", "panel", "closeness")
    found = rel.rows("SELECT * FROM dyads WHERE a = 0 AND b = ?", [int(person)])
    if not found:
        return {"person_id": person, "measures": None, "closeness": None, "timeline": [], "stage_changes": [],
                "channels": [], "top_messages": []}
    d = found[0]
    timeline = rel.rows("""SELECT m, n_events, n_contact, contact_ab, contact_ba, stage, familiarity, intimacy,
                                  reciprocity, trust FROM panel WHERE a = 0 AND b = ? ORDER BY m""", [int(person)])
    monthly = rel.monthly_closeness(0, person)
    for t in timeline:
        t["closeness"] = monthly.get(t["m"])
        t["month"] = month_label(t.pop("m"))
        t["stage"] = STAGES[t["stage"]]
    changes = rel.rows("""SELECT m, from_stage, stage AS to_stage FROM (
        SELECT m, stage, lag(stage) OVER (ORDER BY m) AS from_stage FROM panel WHERE a = 0 AND b = ?)
        WHERE from_stage IS NULL OR from_stage <> stage ORDER BY m""", [int(person)])
    changes = [{"month": month_label(c["m"]), "from": None if c["from_stage"] is None else STAGES[c["from_stage"]],
                "to": STAGES[c["to_stage"]]} for c in changes]
    da, db = d["disclosures_ab"] or 0, d["disclosures_ba"] or 0
    if da == db:
        discloses = "both the same" if da else "neither (no self-disclosure detected)"
    else:
        discloses = "you" if da > db else "they"
    k = rel.rows("SELECT * FROM closeness WHERE a = 0 AND b = ?", [int(person)])
    closeness = closeness_parts(k[0]) if k else None
    if closeness is not None:  # where they stand among everyone you have been in contact with
        closeness.update(rel.rows("""SELECT count(*) FILTER (WHERE closeness > ?) + 1 AS rank, count(*) AS of
                                     FROM closeness WHERE a = 0""", [k[0]["closeness"]])[0])
    return {
        "person_id": person,
        "measures": d,
        "closeness": closeness,
        "who_discloses_more": discloses,
        "timeline": timeline,
        "stage_changes": changes,
        "channels": rel.channel_mix(0, person).to_pylist(),
        "top_messages": rel.top_messages(0, person).to_pylist(),
    }


def closeness_parts(row: dict) -> dict[str, Any]:
    """A row of the closeness table as ``{"closeness", "intercept", "parts": [...]}``: each part with
    its feature value, its contribution to the log-odds and the evidence in words, largest first."""
    from closeknit.relate.closeness import FEATURES, load_closeness_model

    model = load_closeness_model()
    ev = {
        "contact_days": f"{row['ev_contact_days']} days with contact",
        "regularity": f"contact in {row['ev_contact_weeks']} weeks",
        "overdue": (f"{row['ev_silence_days']:.0f} days since the last contact; usual gap "
                    + (f"{row['ev_usual_gap_days']:.1f} days" if row["ev_usual_gap_days"] is not None else "unknown")),
        "recency": f"{row['ev_silence_days']:.0f} days since the last contact",
        "mutual_days": f"days with contact: {row['ev_days_ab']} by you, {row['ev_days_ba']} by them",
        "balance": f"balance of contacts {row['f_balance']:.2f}",
        "talk": f"{row['ev_talks']} calls or meetings, {row['ev_talk_minutes']:.0f} minutes",
        "channels": f"{row['f_channels']:.0f} channel(s) with contact",
        "shared": ("not known in the personal view" if row["ev_shared_contacts"] is None
                   else f"{row['ev_shared_contacts']} shared contacts"),
        "span": f"{row['ev_span_days']:.0f} days from the first to the last contact",
        "private": f"{row['f_private']:.0%} of contacts private",
        "intimacy": ("no scored texts" if row["f_intimacy"] is None else f"intimacy {row['f_intimacy']:.2f}"),
        "offhours": f"{row['ev_offhours_contacts']} of {row['ev_pair_contacts']} contacts on evenings, nights or weekends",
        "share": (f"{row['ev_pair_contacts']} of your {row['ev_contacts_a']} contacts" if row["ev_shared_contacts"] is None
                  else f"{row['ev_pair_contacts']} of {row['ev_contacts_a']} and of {row['ev_contacts_b']} contacts"),
    }
    parts = [{"feature": f, "means": FEATURES[f][0], "value": _r(row[f"f_{f}"]), "part": _r(row[f"part_{f}"]),
              "evidence": ev[f]} for f in FEATURES]
    parts.sort(key=lambda p: -abs(p["part"] or 0))
    return {"closeness": _r(row["closeness"]), "intercept": model.intercept, "parts": parts}


def people_measures(rel: Relationships) -> dict[int, dict[str, Any]]:
    """person id -> stage, closeness, familiarity, intimacy, reciprocity, trust, trajectory (for
    listings; closeness unrounded: it is near 1 for every busy tie, and listings sort on it)."""
    rel.build("dyads", "closeness")
    out = {}
    for r in rel.rows("""SELECT d.b, d.stage, d.trajectory, k.closeness, d.familiarity, d.intimacy, d.reciprocity, d.trust
                         FROM dyads d LEFT JOIN closeness k ON k.a = d.a AND k.b = d.b WHERE d.a = 0"""):
        out[r["b"]] = {"stage": STAGES[r["stage"]], "stage_rank": r["stage"], "trajectory": r["trajectory"],
                       "closeness": r["closeness"],
                       "familiarity": _r(r["familiarity"]), "intimacy": _r(r["intimacy"]),
                       "reciprocity": _r(r["reciprocity"]), "trust": _r(r["trust"])}
    return out


def _r(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 3)
