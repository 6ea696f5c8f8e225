"""Who will you talk to next: a readable model of future contact, from a log of past contacts.

Given directed interactions ``(src, dst, ts)`` and queries ``(u, v, cutoff)``, score how likely
``u`` is to contact ``v`` next, using **only the events with ``ts < cutoff``**. Every feature is
something a person can read off a timeline (see :data:`FEATURES`); a logistic regression weighs
them. The weights that ship with closeknit (``contacts_model.json`` next to this module) were fit
by ``scripts/fit_contacts.py`` on the validation period (70–85 %) of SNAP email-Eu-core; the test
period is never used for fitting.

How it stays leak-free and fast: events are sorted once by (key, time) for each kind of history
(u→v, v→u, what v received, what v sent, ...). A query looks up its history with one vectorised
``searchsorted`` on (key, rank of cutoff): whatever happened at or after the cutoff is simply not
reached. Exponentially decayed counts are prefix sums in log space (``logaddexp.accumulate``),
read at the last event before the cutoff and decayed to the cutoff. No loop runs per query or per
event in Python, so a million events and a hundred thousand queries take seconds.

Pure functions over numpy arrays:

>>> import numpy as np
>>> src, dst, ts = np.array([0, 0, 1]), np.array([1, 1, 0]), np.array([10.0, 20.0, 30.0])
>>> X = contact_features(src, dst, ts, np.array([0, 0]), np.array([1, 1]), np.array([15.0, 25.0]))
>>> X[:, FEATURES.index("pair_count")].tolist() == [np.log1p(1), np.log1p(2)]
True
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

__all__ = [
    "FEATURES",
    "FEATURE_HELP",
    "ContactModel",
    "contact_features",
    "fit_contacts",
    "load_model",
    "score_contacts",
    "encode_ids",
    "dygl_queries",
    "average_precision",
    "roc_auc",
    "MODEL_FILE",
]

HOUR = 3600.0
DAY = 24 * HOUR
WEEK = 7 * DAY
#: Time scales (seconds) of the decayed counts: "how much lately", at three speeds.
TAUS = {"hour": HOUR, "day": DAY, "week": WEEK}

#: The features, in column order, with what each one means. Counts enter as log(1 + n); times
#: as log(1 + hours). "Never" means no such event before the cutoff; its recency is then the
#: cap :data:`_NEVER_HOURS`.
FEATURE_HELP: dict[str, str] = {
    "pair_count": "log(1 + messages u sent to v)",
    "pair_recency": "log(1 + hours since u last wrote to v)",
    "pair_never": "1 if u never wrote to v before",
    "pair_hour": "log(1 + u→v messages, decayed with a 1-hour time constant)",
    "pair_day": "log(1 + u→v messages, decayed with a 1-day time constant)",
    "pair_week": "log(1 + u→v messages, decayed with a 1-week time constant)",
    "back_count": "log(1 + messages v sent to u)  (reciprocity)",
    "back_recency": "log(1 + hours since v last wrote to u)",
    "back_never": "1 if v never wrote to u before",
    "back_hour": "log(1 + v→u messages, 1-hour decay)",
    "back_day": "log(1 + v→u messages, 1-day decay)",
    "back_week": "log(1 + v→u messages, 1-week decay)",
    "share_of_u": "log((1 + u→v) / (1 + all u sent))  (v's share of u's messages)",
    "share_of_u_week": "the same share, counted with a 1-week decay (v's share of u's recent messages)",
    "share_of_u_day": "the same share, with a 1-day decay",
    "back_share": "log((1 + v→u) / (1 + all u received))  (v's share of what u received)",
    "back_share_week": "the same, with a 1-week decay",
    "back_share_day": "the same, with a 1-day decay",
    "u_sent_since": "log(1 + messages u sent to anyone since u last wrote to v)",
    "pair_gap": "log(1 + typical hours between two u→v messages)  (the pair's rhythm)",
    "pair_age": "log(1 + hours since u first wrote to v)",
    "dst_received": "log(1 + messages v received from anyone)  (popularity)",
    "dst_senders": "log(1 + distinct people who wrote to v)",
    "dst_received_day": "log(1 + messages v received, 1-day decay)",
    "dst_sent": "log(1 + messages v sent)",
    "dst_active_recency": "log(1 + hours since v last sent or received anything)",
    "dst_active_hour": "log(1 + v's messages sent or received, 1-hour decay)  (v is busy right now)",
    "src_sent": "log(1 + messages u sent)",
    "src_contacts": "log(1 + distinct people u wrote to)",
    "src_new_week": "log(1 + people u wrote to for the first time, 1-week decay)  (u is reaching out to new people)",
    "dst_new_week": "log(1 + people who wrote to v for the first time, 1-week decay)  (v is a newcomer being welcomed)",
    "dst_age": "log(1 + hours since v's first message sent or received)",
    "shared_contacts": "log(1 + people both u and v have exchanged messages with)",
    "shared_day": "log(1 + shared contacts weighted by how recent both links are, 1-day decay)",
    "shared_week": "the same with a 1-week decay  (people u and v are both talking to lately)",
    "cc_count": "log(1 + messages that went to both u and v)  (on the same thread)",
    "cc_recency": "log(1 + hours since u and v last received the same message)",
    "cc_day": "log(1 + messages to both u and v, 1-day decay)",
}
FEATURES: list[str] = list(FEATURE_HELP)
_NEVER_HOURS = 24.0 * 365 * 5  # recency used for "never": five years

MODEL_FILE = "contacts_model.json"


# --------------------------------------------------------------------------------------------
# ids and time ranks
# --------------------------------------------------------------------------------------------


def encode_ids(*arrays: np.ndarray) -> tuple[list[np.ndarray], int]:
    """Map arbitrary node labels (ints or strings) in several arrays to one dense 0..n-1 code.

    >>> (a, b), n = encode_ids(np.array(["x", "y"]), np.array(["y", "z"]))
    >>> a.tolist(), b.tolist(), n
    ([0, 1], [1, 2], 3)
    """
    sizes = [len(a) for a in arrays]
    allv = np.concatenate([np.asarray(a) for a in arrays]) if arrays else np.array([])
    uniq, inv = np.unique(allv, return_inverse=True)
    out, i = [], 0
    for s in sizes:
        out.append(inv[i : i + s].astype(np.int64))
        i += s
    return out, len(uniq)


class _History:
    """Events grouped by an integer key, sorted by time, queried "before rank r".

    ``keys`` (int64 >= 0), ``ranks`` (int, dense time ranks) and ``ts`` (float) describe events.
    :meth:`at` answers, for query keys and cutoff ranks, how many events with that key have
    rank < cutoff rank, the time of the last one, and decayed counts at the cutoff time.
    """

    def __init__(self, keys: np.ndarray, ranks: np.ndarray, ts: np.ndarray, n_ranks: int, taus=()):
        self.base = np.int64(n_ranks + 1)
        comp = keys.astype(np.int64) * self.base + ranks.astype(np.int64)
        order = np.argsort(comp, kind="stable")
        self.comp = comp[order]
        self.ts = ts[order]
        self.logd: dict[float, np.ndarray] = {}
        if len(order) and taus:
            k = keys[order]
            seg = np.concatenate([[0], np.cumsum(k[1:] != k[:-1])]).astype(np.float64)
            t0 = self.ts[0] if len(self.ts) else 0.0
            span = float(self.ts.max() - self.ts.min()) if len(self.ts) else 0.0
            for tau in taus:
                # log D_i = log sum_{j<=i, same key} exp((t_j - t_i)/tau); a large offset per key
                # segment makes earlier segments vanish from the running log-sum-exp.
                big = span / tau + 50.0
                x = (self.ts - t0) / tau + seg * big
                self.logd[tau] = np.logaddexp.accumulate(x) - x

    def at(self, keys: np.ndarray, rank_cut: np.ndarray, cut: np.ndarray):
        keys = keys.astype(np.int64)
        lo = np.searchsorted(self.comp, keys * self.base, side="left")
        hi = np.searchsorted(self.comp, keys * self.base + rank_cut.astype(np.int64), side="left")
        n = hi - lo
        has = n > 0
        last_i = np.where(has, hi - 1, 0)
        if len(self.ts):
            last = np.where(has, self.ts[last_i], np.nan)
            self.first = np.where(has, self.ts[np.minimum(lo, len(self.ts) - 1)], np.nan)
        else:
            last = np.full(len(keys), np.nan)
            self.first = last
        dec = {}
        for tau, ld in self.logd.items():
            v = np.exp(ld[last_i] - np.maximum(cut - self.ts[last_i], 0.0) / tau)
            dec[tau] = np.where(has, v, 0.0)
        for tau in set(TAUS.values()) - set(dec):
            dec[tau] = np.zeros(len(keys))
        return n, last, dec


def _hours_since(cut: np.ndarray, last: np.ndarray) -> np.ndarray:
    h = np.where(np.isnan(last), _NEVER_HOURS, (cut - np.nan_to_num(last)) / HOUR)
    return np.log1p(np.clip(h, 0.0, _NEVER_HOURS))


def contact_features(
    src: np.ndarray,
    dst: np.ndarray,
    ts: np.ndarray,
    q_src: np.ndarray,
    q_dst: np.ndarray,
    q_cut: np.ndarray,
    n_nodes: int | None = None,
) -> np.ndarray:
    """Feature matrix (len(queries) × len(FEATURES)) for queries "will q_src contact q_dst next".

    ``src``/``dst``/``q_src``/``q_dst`` are dense integer node codes (see :func:`encode_ids`),
    ``ts`` and ``q_cut`` seconds on the same clock. Row i uses only events with ``ts < q_cut[i]``.
    """
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    ts = np.asarray(ts, dtype=np.float64)
    q_src = np.asarray(q_src, dtype=np.int64)
    q_dst = np.asarray(q_dst, dtype=np.int64)
    q_cut = np.asarray(q_cut, dtype=np.float64)
    if n_nodes is None:
        n_nodes = int(max(src.max(initial=-1), dst.max(initial=-1), q_src.max(initial=-1), q_dst.max(initial=-1))) + 1
    n = np.int64(max(n_nodes, 1))
    nq = len(q_src)

    # dense time ranks: event rank < cutoff rank  <=>  ts < cutoff
    times = np.unique(ts)
    r_ev = np.searchsorted(times, ts, side="left")
    r_q = np.searchsorted(times, q_cut, side="left")
    n_ranks = len(times)
    taus = tuple(TAUS.values())

    # directed pairs, as dense pair ids (only pairs that occur in events)
    pkey = src * n + dst
    upairs, pid = np.unique(pkey, return_inverse=True)
    pair_h = _History(pid, r_ev, ts, n_ranks, taus)

    def pair_lookup(a, b):
        k = a * n + b
        pos = np.searchsorted(upairs, k)
        pos_c = np.minimum(pos, max(len(upairs) - 1, 0))
        found = (upairs[pos_c] == k) if len(upairs) else np.zeros(len(k), bool)
        key = np.where(found, pos_c, len(upairs))  # unknown pair: an id with no events
        return pair_h.at(key, r_q, q_cut)

    n_uv, last_uv, dec_uv = pair_lookup(q_src, q_dst)
    first_uv = pair_h.first
    n_vu, last_vu, dec_vu = pair_lookup(q_dst, q_src)

    # per node: received, sent, any activity
    recv_h = _History(dst, r_ev, ts, n_ranks, (DAY, WEEK))
    sent_h = _History(src, r_ev, ts, n_ranks, (DAY, WEEK))
    act_h = _History(np.concatenate([src, dst]), np.concatenate([r_ev, r_ev]), np.concatenate([ts, ts]), n_ranks, (HOUR,))
    v_recv, _, v_recv_dec = recv_h.at(q_dst, r_q, q_cut)
    v_sent, _, _ = sent_h.at(q_dst, r_q, q_cut)
    u_sent, _, u_sent_dec = sent_h.at(q_src, r_q, q_cut)
    u_recv, _, u_recv_dec = recv_h.at(q_src, r_q, q_cut)
    r_last_uv = np.where(np.isnan(last_uv), 0, np.searchsorted(times, np.nan_to_num(last_uv), side="right"))
    u_sent_then, _, _ = sent_h.at(q_src, r_last_uv, q_cut)
    u_since = np.where(n_uv > 0, u_sent - u_sent_then, u_sent)
    gap_h = np.where(n_uv > 1, (np.nan_to_num(last_uv) - np.nan_to_num(first_uv)) / np.maximum(n_uv - 1, 1) / HOUR, _NEVER_HOURS)
    _, v_last, v_act_dec = act_h.at(q_dst, r_q, q_cut)
    v_first = act_h.first

    # distinct contacts: first event of each directed pair, keyed by its dst (senders) or src
    first = np.ones(len(pid), bool)
    order = np.lexsort((ts, pid))
    first_idx = order[np.concatenate([[True], pid[order][1:] != pid[order][:-1]])] if len(order) else order
    del first
    f_src, f_dst, f_r, f_t = src[first_idx], dst[first_idx], r_ev[first_idx], ts[first_idx]
    v_senders, _, v_new_dec = _History(f_dst, f_r, f_t, n_ranks, (WEEK,)).at(q_dst, r_q, q_cut)
    u_contacts, _, u_new_dec = _History(f_src, f_r, f_t, n_ranks, (WEEK,)).at(q_src, r_q, q_cut)

    shared, shared_day, shared_week = _shared_contacts(src, dst, ts, r_ev, n, q_src, q_dst, r_q, q_cut, n_ranks)

    # co-recipients: both u and v received the same message (same sender, same time)
    ca, cb, ct, cr = _corecipients(src, dst, ts, r_ev)
    ckey = np.minimum(ca, cb) * n + np.maximum(ca, cb)
    ucc, cid = np.unique(ckey, return_inverse=True)
    cc_h = _History(cid, cr, ct, n_ranks, (DAY,))
    qk = np.minimum(q_src, q_dst) * n + np.maximum(q_src, q_dst)
    pos = np.minimum(np.searchsorted(ucc, qk), max(len(ucc) - 1, 0))
    found = (ucc[pos] == qk) if len(ucc) else np.zeros(nq, bool)
    n_cc, last_cc, dec_cc = cc_h.at(np.where(found, pos, len(ucc)), r_q, q_cut)

    cols = {
        "pair_count": np.log1p(n_uv),
        "pair_recency": _hours_since(q_cut, last_uv),
        "pair_never": (n_uv == 0).astype(float),
        "pair_hour": np.log1p(dec_uv[HOUR]),
        "pair_day": np.log1p(dec_uv[DAY]),
        "pair_week": np.log1p(dec_uv[WEEK]),
        "back_count": np.log1p(n_vu),
        "back_recency": _hours_since(q_cut, last_vu),
        "back_never": (n_vu == 0).astype(float),
        "back_hour": np.log1p(dec_vu[HOUR]),
        "back_day": np.log1p(dec_vu[DAY]),
        "back_week": np.log1p(dec_vu[WEEK]),
        "share_of_u": np.log1p(n_uv) - np.log1p(u_sent),
        "share_of_u_week": np.log1p(dec_uv[WEEK]) - np.log1p(u_sent_dec[WEEK]),
        "share_of_u_day": np.log1p(dec_uv[DAY]) - np.log1p(u_sent_dec[DAY]),
        "back_share": np.log1p(n_vu) - np.log1p(u_recv),
        "back_share_week": np.log1p(dec_vu[WEEK]) - np.log1p(u_recv_dec[WEEK]),
        "back_share_day": np.log1p(dec_vu[DAY]) - np.log1p(u_recv_dec[DAY]),
        "u_sent_since": np.log1p(u_since),
        "pair_gap": np.log1p(np.minimum(gap_h, _NEVER_HOURS)),
        "pair_age": _hours_since(q_cut, first_uv),
        "dst_received": np.log1p(v_recv),
        "dst_senders": np.log1p(v_senders),
        "dst_received_day": np.log1p(v_recv_dec[DAY]),
        "dst_sent": np.log1p(v_sent),
        "dst_active_recency": _hours_since(q_cut, v_last),
        "dst_active_hour": np.log1p(v_act_dec[HOUR]),
        "src_sent": np.log1p(u_sent),
        "src_contacts": np.log1p(u_contacts),
        "src_new_week": np.log1p(u_new_dec[WEEK]),
        "dst_new_week": np.log1p(v_new_dec[WEEK]),
        "dst_age": _hours_since(q_cut, v_first),
        "shared_contacts": np.log1p(shared),
        "shared_day": np.log1p(shared_day),
        "shared_week": np.log1p(shared_week),
        "cc_count": np.log1p(n_cc),
        "cc_recency": _hours_since(q_cut, last_cc),
        "cc_day": np.log1p(dec_cc[DAY]),
    }
    X = np.empty((nq, len(FEATURES)))
    for j, name in enumerate(FEATURES):
        X[:, j] = cols[name]
    return X


#: Messages to more recipients than this are not used for co-recipient features (mass mailings
#: say little about who is on a thread together, and the pairs grow as the square of the size).
MAX_RECIPIENTS = 30


def _corecipients(src, dst, ts, r_ev):
    """Unordered pairs (a, b) of distinct recipients of one message, i.e. events with the same
    sender and the same time; returns (a, b, ts, rank) with one row per pair and message."""
    key_order = np.lexsort((dst, ts, src))
    s_, t_, d_, r_ = src[key_order], ts[key_order], dst[key_order], r_ev[key_order]
    if len(s_) == 0:
        e = np.zeros(0, np.int64)
        return e, e, np.zeros(0), e
    brk = np.r_[True, (s_[1:] != s_[:-1]) | (t_[1:] != t_[:-1])]
    gstart = np.nonzero(brk)[0]
    gsize = np.diff(np.r_[gstart, len(s_)])
    gid = np.cumsum(brk) - 1
    size = gsize[gid]
    keep = (size > 1) & (size <= MAX_RECIPIENTS)
    i = np.nonzero(keep)[0]
    k = size[i]
    ii = np.repeat(i, k)
    jj = np.repeat(gstart[gid[i]], k) + (np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k))
    ok = d_[ii] < d_[jj]
    ii, jj = ii[ok], jj[ok]
    return d_[ii], d_[jj], t_[ii], r_[ii]


def _shared_contacts(src, dst, ts, r_ev, n, q_src, q_dst, r_q, q_cut, n_ranks, taus=(DAY, WEEK)):
    """For each query (u, v, cutoff): the people w that both u and v exchanged a message with
    (either way) before the cutoff. Returns their number and, for each tau in ``taus``, the sum
    over them of exp(-(age of the last u–w message + age of the last w–v message) / tau), i.e.
    shared contacts that are *currently* shared. Vectorised over (query, neighbour) pairs,
    expanding each query on the side (u or v) with fewer neighbours."""
    nq = len(q_src)
    zeros = [np.zeros(nq) for _ in range(1 + len(taus))]
    if nq == 0 or len(src) == 0:
        return zeros
    # undirected edges (both directions present) with the rank of their first event
    a = np.concatenate([src, dst])
    b = np.concatenate([dst, src])
    r = np.concatenate([r_ev, r_ev])
    t = np.concatenate([ts, ts])
    key = a * n + b
    ekey, eid = np.unique(key, return_inverse=True)  # sorted => grouped by a
    first_r = np.full(len(ekey), np.iinfo(np.int64).max)
    np.minimum.at(first_r, eid, r)
    edge_h = _History(eid, r, t, n_ranks)
    ea = ekey // n
    eb = ekey % n
    start = np.searchsorted(ea, np.arange(int(n) + 1))
    deg = start[1:] - start[:-1]
    # expand each query over the neighbours of its lower-degree end x; y is the other end
    swap = deg[q_dst] < deg[q_src]
    x = np.where(swap, q_dst, q_src)
    y = np.where(swap, q_src, q_dst)
    cnt = deg[x]
    total = int(cnt.sum())
    if total == 0:
        return zeros
    qi = np.repeat(np.arange(nq), cnt)
    offs = np.arange(total) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    ei = start[x][qi] + offs
    ok = first_r[ei] < r_q[qi]
    qi, ei = qi[ok], ei[ok]
    w = eb[ei]
    yy = y[qi]
    ok = w != yy
    qi, ei, w, yy = qi[ok], ei[ok], w[ok], yy[ok]
    k2 = w * n + yy
    pos = np.minimum(np.searchsorted(ekey, k2), len(ekey) - 1)
    hit = (ekey[pos] == k2) & (first_r[pos] < r_q[qi])
    qi, e1, e2 = qi[hit], ei[hit], pos[hit]
    out = [np.bincount(qi, minlength=nq).astype(float)]
    if taus and len(qi):
        _, l1, _ = edge_h.at(e1, r_q[qi], q_cut[qi])
        _, l2, _ = edge_h.at(e2, r_q[qi], q_cut[qi])
        age = (q_cut[qi] - l1) + (q_cut[qi] - l2)
        for tau in taus:
            out.append(np.bincount(qi, weights=np.exp(-age / tau), minlength=nq))
    else:
        out += zeros[1:]
    return out


# --------------------------------------------------------------------------------------------
# model: standardised logistic regression, fit by Newton's method (numpy only)
# --------------------------------------------------------------------------------------------


#: Features that do not describe u→v history: the only ones the "new pair" half of the model uses.
NEW_PAIR_FEATURES: list[str] = [f for f in FEATURES if not (f.startswith("pair_") or f.startswith("share_of_u") or f == "u_sent_since")]
#: The "known pair" half uses everything else except the flag that selects it.
KNOWN_PAIR_FEATURES: list[str] = [f for f in FEATURES if f != "pair_never"]


@dataclass
class Logit:
    """One logistic regression on standardised features:
    ``log-odds = intercept + sum(coef[f] * (x[f] - mean[f]) / scale[f])``."""

    features: list[str]
    mean: list[float]
    scale: list[float]
    coef: list[float]
    intercept: float

    def decision(self, X: np.ndarray) -> np.ndarray:
        idx = [FEATURES.index(f) for f in self.features]
        Z = (X[:, idx] - np.asarray(self.mean)) / np.asarray(self.scale)
        return Z @ np.asarray(self.coef) + self.intercept

    def as_dict(self) -> dict:
        return {
            "intercept": self.intercept,
            "features": {f: {"coef": c, "mean": m, "scale": s, "means": FEATURE_HELP[f]} for f, c, m, s in zip(self.features, self.coef, self.mean, self.scale)},
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Logit":
        fs = list(d["features"])
        g = d["features"]
        return cls(fs, [g[f]["mean"] for f in fs], [g[f]["scale"] for f in fs], [g[f]["coef"] for f in fs], float(d["intercept"]))


@dataclass
class ContactModel:
    """Two logistic regressions, read as two weight tables: ``known`` scores pairs where u has
    written to v before the cutoff, ``new`` scores pairs where u never has (there, only v's
    activity, reciprocity, shared contacts and threads can speak). Each is fit on its own kind
    of pair, so both give calibrated log-odds on one scale and can be ranked together."""

    known: Logit
    new: Logit
    meta: dict = field(default_factory=dict)

    def decision(self, X: np.ndarray) -> np.ndarray:
        never = X[:, FEATURES.index("pair_never")] > 0.5
        out = np.empty(len(X))
        if (~never).any():
            out[~never] = self.known.decision(X[~never])
        if never.any():
            out[never] = self.new.decision(X[never])
        return out

    def to_json(self) -> str:
        return json.dumps({"model": "closeknit contacts v1", "known_pair": self.known.as_dict(), "new_pair": self.new.as_dict(), "meta": self.meta}, indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "ContactModel":
        d = json.loads(text)
        return cls(Logit.from_dict(d["known_pair"]), Logit.from_dict(d["new_pair"]), d.get("meta", {}))


def fit_logit(X: np.ndarray, y: np.ndarray, features: list[str], l2: float = 10.0, iters: int = 50) -> Logit:
    """L2-regularised logistic regression by Newton–Raphson on the named columns of ``X``.
    Features constant in ``X`` get weight 0."""
    idx = [FEATURES.index(f) for f in features]
    Xs = X[:, idx]
    mean = Xs.mean(axis=0) if len(Xs) else np.zeros(len(idx))
    scale = Xs.std(axis=0) if len(Xs) else np.ones(len(idx))
    const = scale < 1e-12
    scale[const] = 1.0
    Z = np.hstack([(Xs - mean) / scale, np.ones((len(Xs), 1))])
    y = np.asarray(y, dtype=float)
    w = np.zeros(Z.shape[1])
    reg = np.r_[np.where(const, 1e6, l2), 0.0]
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -35, 35)))
        g = Z.T @ (p - y) + reg * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(reg + 1e-9)
        step = np.linalg.solve(H, g)
        w -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    w[:-1][const] = 0.0
    return Logit(list(features), mean.tolist(), scale.tolist(), w[:-1].tolist(), float(w[-1]))


def fit_contacts(X: np.ndarray, y: np.ndarray, l2: float = 10.0) -> ContactModel:
    """Fit the two halves of :class:`ContactModel` on feature rows ``X`` with labels ``y``."""
    never = X[:, FEATURES.index("pair_never")] > 0.5
    y = np.asarray(y, dtype=float)
    known = fit_logit(X[~never], y[~never], KNOWN_PAIR_FEATURES, l2)
    new = fit_logit(X[never], y[never], NEW_PAIR_FEATURES, l2)
    return ContactModel(known, new, {"l2": l2, "rows_known": int((~never).sum()), "rows_new": int(never.sum())})


def load_model(path: str | Path | None = None) -> ContactModel:
    """The shipped model (``contacts_model.json`` in this package), or one from ``path``."""
    if path is not None:
        return ContactModel.from_json(Path(path).read_text())
    return ContactModel.from_json(resources.files(__package__).joinpath(MODEL_FILE).read_text(encoding="utf-8"))


def score_contacts(src, dst, ts, q_src, q_dst, q_cut, model: ContactModel | None = None, n_nodes=None) -> np.ndarray:
    """Scores (log-odds; higher = more likely that q_src contacts q_dst next) for each query."""
    model = model or load_model()
    return model.decision(contact_features(src, dst, ts, q_src, q_dst, q_cut, n_nodes))


# --------------------------------------------------------------------------------------------
# evaluation protocol (DyGLib) and metrics
# --------------------------------------------------------------------------------------------


def dygl_queries(src, dst, ts, lo: float, hi: float | None, batch: int = 200, seed: int = 0, neg_pool=None):
    """Queries for events with lo < ts <= hi, DyGLib style.

    Events are taken in chronological batches of ``batch``; each event (u, v, t) gives a positive
    query (u, v) and a negative (u, v') with v' uniform over ``neg_pool`` (default: all distinct
    dst ids); every query of a batch has as cutoff the time of the batch's first event.
    Returns (q_src, q_dst, q_cut, label, batch_index).
    """
    rng = np.random.RandomState(seed)
    pool = np.unique(dst) if neg_pool is None else np.asarray(neg_pool)
    sel = ts > lo if hi is None else (ts > lo) & (ts <= hi)
    idx = np.nonzero(sel)[0]
    idx = idx[np.argsort(ts[idx], kind="stable")]
    qs, qd, qc, lab, bi = [], [], [], [], []
    for b, s in enumerate(range(0, len(idx), batch)):
        ii = idx[s : s + batch]
        cut = ts[ii[0]]
        neg = pool[rng.randint(0, len(pool), len(ii))]
        qs += [src[ii], src[ii]]
        qd += [dst[ii], neg]
        qc += [np.full(2 * len(ii), cut)]
        lab += [np.ones(len(ii)), np.zeros(len(ii))]
        bi += [np.full(2 * len(ii), b)]
    cat = np.concatenate
    return cat(qs), cat(qd), cat(qc), cat(lab), cat(bi)


def average_precision(y: np.ndarray, s: np.ndarray) -> float:
    """Average precision with tied scores grouped (as scikit-learn computes it)."""
    s = np.asarray(s, float)
    order = np.argsort(-s, kind="mergesort")
    y, s = np.asarray(y, float)[order], s[order]
    last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]
    tp = np.cumsum(y)[last]
    fp = (last + 1) - tp
    if tp[-1] == 0:
        return float("nan")
    prec = tp / (tp + fp)
    rec = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, rec]) * prec))


def roc_auc(y: np.ndarray, s: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney, ties count one half)."""
    y = np.asarray(y, bool)
    s = np.asarray(s, float)
    npos, nneg = y.sum(), (~y).sum()
    if npos == 0 or nneg == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ss = s[order]
    ranks = np.empty(len(s))
    # average ranks for ties
    starts = np.r_[0, np.nonzero(np.diff(ss))[0] + 1]
    ends = np.r_[starts[1:], len(ss)]
    avg = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(avg, ends - starts)
    return float((ranks[y].sum() - npos * (npos + 1) / 2) / (npos * nneg))
