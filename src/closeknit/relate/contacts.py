"""The contact model as of one moment, set-wise: every pair in contact, both ways, on either engine.

:mod:`closeknit.relate.predict` defines the contact model ("will u contact v next?"): its 31
features (:data:`~closeknit.relate.predict.FEATURE_HELP`) and the two logistic regressions that
weigh them. It computes them with numpy for queries that each have their *own* cutoff
(``predict-contacts``, the DyGLib evaluation and the fit), which needs sorted arrays and binary
searches per query. Here are the same features *as of one moment* (the cutoff), for every pair in
contact in the engine's contact sequence ``c`` (both directions), as SQL: grouped sums, joins and
windows that DuckDB runs as they are and Spark runs transpiled (:mod:`closeknit.relate.engines`), so
``closeknit pairs --events`` writes them for a whole community and the personal view reads them for
its owner. A test holds the two computations equal on email-Eu-core and the Copenhagen Networks
Study (every feature, every pair); the feature meanings and constants (decay times, the "never"
cap, the co-recipient limit, the ties of the 3-hop paths) are imported from ``predict``, never
restated.

Only events strictly before the cutoff count (``ts < cutoff``), as in ``predict``. Decayed counts
are plain sums of ``exp(-(cutoff - ts) / tau)``.

Scale: every aggregate is keyed by a pair or by a person; the two per-person windows (a person's
messages in time order, for "sent since"; a person's ties by strength, for the 3-hop paths) sort
one person's rows in one task, which is linear in a hub's events, never quadratic. Shared
neighbours are walked from the side with fewer contacts (closeness's ``smaller_side_sql``), and shared contacts
are the count closeness already made (``ev_shared_contacts``): one definition.
"""

from __future__ import annotations

from closeknit.relate.closeness import smaller_side_sql
from closeknit.relate.predict import (
    DAY,
    FEATURES,
    HOUR,
    MAX_RECIPIENTS,
    THREE_HOP_TIES,
    WEEK,
    ContactModel,
    Logit,
    NEVER_HOURS,
)

__all__ = ["WRITTEN_ORDER", "contact_tables", "score_sql"]


def _decay(t: str, k: str, tau: float) -> str:
    """``exp(-(cutoff - t) / tau)``: one event's weight in a count decayed with time constant tau."""
    return f"exp(({k} - {t}) / {-float(tau)!r})"


def _log1(x: str) -> str:
    """``log(1 + x)``, 0 when x is unknown (no such event)."""
    return f"ln(1 + coalesce({x}, 0))"


def _hours(t: str, k: str) -> str:
    """``log(1 + hours since t)``, capped at the "never" recency (also when t is unknown)."""
    never = repr(float(NEVER_HOURS))
    return f"ln(1 + least(greatest(coalesce(({k} - {t}) / {float(HOUR)!r}, {never}), 0), {never}))"


#: the tables whose SELECT runs with its joins in the written order (``engine.table(...,
#: written_order=True)``): in the paths, each pair's two ends are joined first and only then the
#: middle hop's ties looked up. Left to itself, DuckDB joined one end with the middle hop first on the
#: 5x10^7-event log (a hub's 100,000 ties for every pair whose strongest tie is the hub): the statement
#: ran for minutes under an 8 GB limit where the written order takes 1.5 s.
WRITTEN_ORDER = frozenset({"ct_paths"})


def contact_tables(cutoff: float, model: ContactModel, *, pairs: str = "closeness") -> list[tuple[str, str]]:
    """``(name, SELECT)`` for each engine table to make, in order: ``ct_ev`` (the events by sender),
    ``ct_pair`` (directed pairs), ``ct_person``, ``ct_adj`` (ties either way), ``ct_ta`` and ``ct_tb``
    (each pair's ends of its 3-hop paths), ``ct_paths`` (2- and 3-hop), ``ct_cc`` (co-recipients) and
    last ``contacts``, the only one a caller keeps.

    Reads the engine's contact sequence ``c`` (``a, b, a_acts, ts``) and ``pairs`` (``a, b,
    ev_shared_contacts``: one row per pair in contact, the closeness table). ``contacts`` has one
    row per pair in contact and direction: ``src, dst`` (person ids), ``score`` (the model's
    log-odds that src contacts dst next, :meth:`ContactModel.decision`), ``chance`` (its
    probability) and every feature of :data:`closeknit.relate.predict.FEATURES`.
    """
    k = repr(float(cutoff))
    sender = "CASE WHEN a_acts THEN a ELSE b END"
    ev = f"""
    SELECT {sender} AS src, CASE WHEN a_acts THEN b ELSE a END AS dst, ts,
           {_decay('ts', k, DAY)} AS w_day, {_decay('ts', k, WEEK)} AS w_week,
           -- how many messages the sender had sent up to this one's time (ties included)
           count(*) OVER (PARTITION BY {sender} ORDER BY ts RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS sent_upto,
           -- how many people this one message went to (the sender's events at its time); the same
           -- partitioning as the window above, so Spark shuffles the events once for both
           count(*) OVER (PARTITION BY {sender}, ts) AS n_group
    FROM c WHERE ts < {k}
    """
    pair = """
    SELECT src, dst, count(*) AS n, min(ts) AS first_ts, max(ts) AS last_ts, sum(w_day) AS d_day,
           sum(w_week) AS d_week, max(sent_upto) AS sent_upto_last
    FROM ct_ev GROUP BY src, dst
    """
    # per person, from the directed pairs (each person's sums are sums of their pairs' sums: a tenth
    # of the rows of the events on a log with ten messages per pair)
    zero = "CAST(0 AS DOUBLE)"
    person = f"""
    WITH x AS (
        SELECT src AS x, n AS sent, 0 AS recv, d_day AS sent_day, d_week AS sent_week, {zero} AS recv_day,
               {zero} AS recv_week, first_ts, last_ts, 1 AS contact, 0 AS sender,
               {_decay('first_ts', k, WEEK)} AS w_contact, {zero} AS w_sender
        FROM ct_pair
        UNION ALL  -- the first message of each directed pair: a new contact of its sender, a new sender to its recipient
        SELECT dst, 0, n, {zero}, {zero}, d_day, d_week, first_ts, last_ts, 0, 1, {zero}, {_decay('first_ts', k, WEEK)}
        FROM ct_pair
    )
    SELECT x, sum(sent) AS n_sent, sum(recv) AS n_recv, sum(sent_day) AS sent_day, sum(sent_week) AS sent_week,
           sum(recv_day) AS recv_day, sum(recv_week) AS recv_week, min(first_ts) AS first_ts, max(last_ts) AS last_ts,
           sum(sent_day) + sum(recv_day) AS act_day, sum(contact) AS n_contacts, sum(sender) AS n_senders,
           sum(w_contact) AS new_contacts_week, sum(w_sender) AS new_senders_week
    FROM x GROUP BY x
    """
    adj = """
    WITH u AS (
        SELECT least(src, dst) AS a, greatest(src, dst) AS b, sum(d_week) AS s, max(last_ts) AS last_ts
        FROM ct_pair GROUP BY least(src, dst), greatest(src, dst)
    )
    SELECT a AS x, b AS y, s, last_ts FROM u UNION ALL SELECT b, a, s, last_ts FROM u
    """
    ties = THREE_HOP_TIES

    def ends(side: str, other: str, w: str, s: str) -> str:
        """Each pair's side ``side``: its strongest ties (one more than used, as the pair's other side
        is left out), the ``ties`` strongest of them but ``other``. A table of its own, not a CTE of
        the paths: as a CTE its size was estimated at a thousandth of what it is, and DuckDB built its
        hash table on the two sides' ties joined (up to ties^2 rows per pair) instead of on the ties
        of the middle hop: out of memory under a 1 GB limit at 10^7 events and 8 GB at 5x10^7."""
        return f"""
        WITH top AS (
            SELECT x, y, s, r FROM (
                SELECT x, y, s, row_number() OVER (PARTITION BY x ORDER BY s DESC, y) AS r FROM ct_adj)
            WHERE r <= {ties + 1}
        )
        SELECT a, b, {w}, {s} FROM (
            SELECT p.a, p.b, t.y AS {w}, t.s AS {s}, row_number() OVER (PARTITION BY p.a, p.b ORDER BY t.r) AS i
            FROM {pairs} p JOIN top t ON t.x = p.{side} WHERE t.y <> p.{other})
        WHERE i <= {ties}
        """

    paths = f"""
    WITH dg AS (SELECT x, count(*) AS k FROM ct_adj GROUP BY x),
    sm AS ({smaller_side_sql(pairs, "dg")}),
    w AS (
        SELECT sm.a, sm.b, sm.o, n1.y AS w, n1.s AS s1, n1.last_ts AS l1
        FROM sm JOIN ct_adj n1 ON n1.x = sm.s WHERE n1.y <> sm.o
    ),
    two AS (  -- over the people w both are in touch with: s(a, w) s(w, b), and when both last were
        SELECT w.a, w.b, sum(w.s1 * n2.s) AS paths2, max(least(w.l1, n2.last_ts)) AS shared_last
        FROM w JOIN ct_adj n2 ON n2.x = w.o AND n2.y = w.w
        GROUP BY w.a, w.b
    ),
    three AS (  -- a-w1-w2-b over those ties, w1 and w2 in touch
        SELECT ta.a, ta.b, sum(ta.s1 * m.s * tb.s2) AS paths3
        FROM ct_ta ta JOIN ct_tb tb ON tb.a = ta.a AND tb.b = ta.b JOIN ct_adj m ON m.x = ta.w1 AND m.y = tb.w2
        GROUP BY ta.a, ta.b
    )
    SELECT p.a, p.b, two.paths2, two.shared_last, three.paths3
    FROM {pairs} p LEFT JOIN two ON two.a = p.a AND two.b = p.b LEFT JOIN three ON three.a = p.a AND three.b = p.b
    """
    cc = f"""
    WITH m AS (  -- one message to several people: the events of one sender at one time
        SELECT src, ts, dst FROM ct_ev WHERE n_group BETWEEN 2 AND {MAX_RECIPIENTS}
    )
    SELECT m1.dst AS a, m2.dst AS b, count(*) AS n, max(m1.ts) AS last_ts, sum({_decay('m1.ts', k, DAY)}) AS d_day
    FROM m m1 JOIN m m2 ON m2.src = m1.src AND m2.ts = m1.ts AND m1.dst < m2.dst
    GROUP BY m1.dst, m2.dst
    """
    cols = {
        "pair_count": _log1("uv.n"),
        "pair_recency": _hours("uv.last_ts", k),
        "pair_never": "CAST(CASE WHEN uv.n IS NULL THEN 1 ELSE 0 END AS DOUBLE)",
        "pair_day": _log1("uv.d_day"),
        "back_count": _log1("vu.n"),
        "back_recency": _hours("vu.last_ts", k),
        "back_day": _log1("vu.d_day"),
        "share_of_u": f"{_log1('uv.n')} - {_log1('pu.n_sent')}",
        "share_of_u_week": f"{_log1('uv.d_week')} - {_log1('pu.sent_week')}",
        "share_of_u_day": f"{_log1('uv.d_day')} - {_log1('pu.sent_day')}",
        "back_share": f"{_log1('vu.n')} - {_log1('pu.n_recv')}",
        "back_share_week": f"{_log1('vu.d_week')} - {_log1('pu.recv_week')}",
        "back_share_day": f"{_log1('vu.d_day')} - {_log1('pu.recv_day')}",
        "u_sent_since": _log1("pu.n_sent - coalesce(uv.sent_upto_last, 0)"),
        "dst_received": _log1("pv.n_recv"),
        "dst_senders": _log1("pv.n_senders"),
        "dst_active_recency": _hours("pv.last_ts", k),
        "src_sent": _log1("pu.n_sent"),
        "src_contacts": _log1("pu.n_contacts"),
        "src_new_week": _log1("pu.new_contacts_week"),
        "dst_new_week": _log1("pv.new_senders_week"),
        "dst_age": _hours("pv.first_ts", k),
        "shared_contacts": _log1("q.n_shared"),
        "cc_count": _log1("cc.n"),
        "cc_recency": _hours("cc.last_ts", k),
        "cc_day": _log1("cc.d_day"),
        "paths2_week": _log1("pt.paths2"),
        "shared_recency": _hours("pt.shared_last", k),
        "paths3_week": _log1("pt.paths3"),
        "src_activity_day": _log1("pu.act_day"),
        "dst_activity_day": _log1("pv.act_day"),
    }
    assert list(cols) == FEATURES, "one SQL expression per feature of predict.FEATURES, in its order"
    features = f"""
    WITH q AS (  -- every pair in contact, both ways
        SELECT a AS u, b AS v, a, b, ev_shared_contacts AS n_shared FROM {pairs}
        UNION ALL
        SELECT b, a, a, b, ev_shared_contacts FROM {pairs}
    )
    SELECT q.u AS src, q.v AS dst, {', '.join(f'{e} AS {f}' for f, e in cols.items())}
    FROM q
    LEFT JOIN ct_pair uv ON uv.src = q.u AND uv.dst = q.v
    LEFT JOIN ct_pair vu ON vu.src = q.v AND vu.dst = q.u
    LEFT JOIN ct_person pu ON pu.x = q.u
    LEFT JOIN ct_person pv ON pv.x = q.v
    LEFT JOIN ct_paths pt ON pt.a = q.a AND pt.b = q.b
    LEFT JOIN ct_cc cc ON cc.a = least(q.u, q.v) AND cc.b = greatest(q.u, q.v)
    """
    score = score_sql(model)
    contacts = f"""
    WITH f AS ({features}),
    s AS (SELECT f.*, {score} AS score FROM f)
    SELECT src, dst, score, 1 / (1 + exp(-score)) AS chance, {', '.join(FEATURES)} FROM s
    """
    return [("ct_ev", ev), ("ct_pair", pair), ("ct_person", person), ("ct_adj", adj),
            ("ct_ta", ends("a", "b", "w1", "s1")), ("ct_tb", ends("b", "a", "w2", "s2")), ("ct_paths", paths),
            ("ct_cc", cc), ("contacts", contacts)]


def _logit_sql(h: Logit) -> str:
    terms = [f"{c!r} * ({f} - {m!r}) / {s!r}" for f, c, m, s in zip(h.features, h.coef, h.mean, h.scale) if c != 0.0]
    return " + ".join([repr(float(h.intercept))] + terms)


def score_sql(model: ContactModel) -> str:
    """The model's log-odds as a SQL expression over the feature columns
    (:meth:`ContactModel.decision`: the new-pair half where ``pair_never``, else the known-pair half)."""
    return f"(CASE WHEN pair_never > 0.5 THEN {_logit_sql(model.new)} ELSE {_logit_sql(model.known)} END)"
