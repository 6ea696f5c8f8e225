"""Who will you talk to next: a readable model of future contact, from a log of past contacts.

Given directed interactions ``(src, dst, ts)`` and queries ``(u, v, cutoff)``, score how likely
``u`` is to contact ``v`` next, using **only the events with ``ts < cutoff``**. Every feature is
something a person can read off a timeline (see :data:`FEATURE_HELP`); two logistic
regressions weigh them, one for pairs with history and one for first contacts. The weights that ship with closeknit (``contacts_model.json`` next to this module) were fit
by ``scripts/fit_contacts.py`` on the validation period (70–85 %) of SNAP email-Eu-core; the test
period is never used for fitting.

How it stays leak-free and fast: events are sorted once by (key, time) for each kind of history
(u→v, v→u, what v received, what v sent, ...). A query looks up its history with one vectorised
``searchsorted`` on (key, rank of cutoff): whatever happened at or after the cutoff is simply not
reached. Exponentially decayed counts are prefix sums in log space (``logaddexp.accumulate``),
read at the last event before the cutoff and decayed to the cutoff. Shared contacts are counted
on a people × people matrix, on bitsets filled in cutoff order, or by expanding neighbour lists,
depending on the number of people. No loop runs per query or per event in Python, so a million
events and a hundred thousand queries take seconds.

The same features as of one moment, for every pair in contact at once, are set-wise SQL in
:mod:`closeknit.relate.contacts` (what ``closeknit pairs --events`` writes on DuckDB or Spark and
the personal view reads); a test holds the two equal on real logs.

Pure functions over numpy arrays:

>>> import numpy as np
>>> src, dst, ts = np.array([0, 0, 1]), np.array([1, 1, 0]), np.array([10.0, 20.0, 30.0])
>>> X = contact_features(src, dst, ts, np.array([0, 0]), np.array([1, 1]), np.array([15.0, 25.0]))
>>> X[:, FEATURES.index("pair_count")].tolist() == [np.log1p(1), np.log1p(2)]
True
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import numpy as np

from closeknit.core.errors import InputError

__all__ = [
    "FEATURES",
    "FEATURE_HELP",
    "KNOWN_PAIR_FEATURES",
    "NEW_PAIR_FEATURES",
    "ContactModel",
    "Logit",
    "contact_features",
    "fit_contacts",
    "fit_logit",
    "load_model",
    "score_contacts",
    "encode_ids",
    "dygl_queries",
    "average_precision",
    "roc_auc",
    "MODEL_FILE",
]

HOUR = 3600.0
#: Time constants (seconds) of the decayed counts: "how much lately", at two speeds.
DAY = 24 * HOUR
WEEK = 7 * DAY

#: The features, in column order, with what each one means. Counts enter as log(1 + n); times
#: as log(1 + hours). "Never" means no such event before the cutoff; its recency is then the
#: cap :data:`NEVER_HOURS`.
FEATURE_HELP: dict[str, str] = {
    "pair_count": "log(1 + messages u sent to v)",
    "pair_recency": "log(1 + hours since u last wrote to v)",
    "pair_never": "1 if u never wrote to v before",
    "pair_day": "log(1 + u→v messages, decayed with a 1-day time constant)",
    "back_count": "log(1 + messages v sent to u)  (reciprocity)",
    "back_recency": "log(1 + hours since v last wrote to u)",
    "back_day": "log(1 + v→u messages, 1-day decay)",
    "share_of_u": "log((1 + u→v) / (1 + all u sent))  (v's share of u's messages)",
    "share_of_u_week": "the same share, counted with a 1-week decay (v's share of u's recent messages)",
    "share_of_u_day": "the same share, with a 1-day decay",
    "back_share": "log((1 + v→u) / (1 + all u received))  (v's share of what u received)",
    "back_share_week": "the same, with a 1-week decay",
    "back_share_day": "the same, with a 1-day decay",
    "u_sent_since": "log(1 + messages u sent to anyone since u last wrote to v)",
    "dst_received": "log(1 + messages v received from anyone)  (popularity)",
    "dst_senders": "log(1 + distinct people who wrote to v)",
    "dst_active_recency": "log(1 + hours since v last sent or received anything)",
    "src_sent": "log(1 + messages u sent)",
    "src_contacts": "log(1 + distinct people u wrote to)",
    "src_new_week": "log(1 + people u wrote to for the first time, 1-week decay)  (u is reaching out to new people)",
    "dst_new_week": "log(1 + people who wrote to v for the first time, 1-week decay)  (v is a newcomer being welcomed)",
    "dst_age": "log(1 + hours since v's first message sent or received)",
    "shared_contacts": "log(1 + people both u and v have exchanged messages with)",
    "cc_count": "log(1 + messages that went to both u and v)  (on the same thread)",
    "cc_recency": "log(1 + hours since u and v last received the same message)",
    "cc_day": "log(1 + messages to both u and v, 1-day decay)",
    "paths2_week": "log(1 + sum over people w of (u-w messages) x (w-v messages), each counted either way with a 1-week decay)  (time-decayed 2-hop paths)",
    "shared_recency": "log(1 + hours since u and v were last both in touch with the same person w: max over w of the older of the two last contacts)",
    "paths3_week": "log(1 + sum over paths u-w1-w2-v of s(u, w1) x s(w1, w2) x s(w2, v), s the message count either way with a 1-week decay, over the 10 strongest ties of u and of v at the cutoff)  (time-decayed 3-hop paths)",
    "src_activity_day": "log(1 + messages u sent or received, 1-day decay)  (u's current activity)",
    "dst_activity_day": "log(1 + messages v sent or received, 1-day decay)  (v's current activity)",
}
FEATURES: list[str] = list(FEATURE_HELP)
NEVER_HOURS = 24.0 * 365 * 5  # recency used for "never": five years

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


class _Lookup(NamedTuple):
    n: np.ndarray  # number of events before the cutoff
    first: np.ndarray  # time of the first of them (nan if none)
    last: np.ndarray  # time of the last of them (nan if none)
    decayed: dict[float, np.ndarray]  # tau -> sum over them of exp(-(cutoff - t) / tau)


class _History:
    """Events grouped by an integer key, sorted by time, queried "before rank r".

    ``keys`` (int >= 0), ``ranks`` (dense time ranks: rank(t) < rank(c) iff t < c) and ``ts``
    describe events. :meth:`at` answers, for query keys and cutoff ranks, how many events with
    that key come before the cutoff, the first and last of their times and decayed counts at
    the cutoff, with two binary searches per query on (key, rank): nothing at or after the
    cutoff is ever read.
    """

    def __init__(self, keys: np.ndarray, ranks: np.ndarray, ts: np.ndarray, n_ranks: int, taus: tuple[float, ...] = ()):
        self.base = np.int64(n_ranks + 1)
        comp = keys.astype(np.int64) * self.base + ranks.astype(np.int64)
        order = np.argsort(comp, kind="stable")
        self.comp = comp[order]
        self.ts = ts[order]
        self.taus = tuple(taus)
        self.logd: dict[float, np.ndarray] = {}
        if len(order):
            k = keys[order]
            seg = np.concatenate([[0], np.cumsum(k[1:] != k[:-1])]).astype(np.float64)
            t0 = float(self.ts.min())
            span = float(self.ts.max()) - t0
            for tau in taus:
                # log D_i = log sum_{j<=i, same key} exp((t_j - t_i)/tau), by a running
                # log-sum-exp; an offset of `big` per key makes earlier keys vanish from it.
                big = span / tau + 50.0
                x = (self.ts - t0) / tau + seg * big
                self.logd[tau] = np.logaddexp.accumulate(x) - x

    def at(self, keys: np.ndarray, rank_cut: np.ndarray, cut: np.ndarray) -> _Lookup:
        keys = keys.astype(np.int64)
        lo = np.searchsorted(self.comp, keys * self.base, side="left")
        hi = np.searchsorted(self.comp, keys * self.base + rank_cut.astype(np.int64), side="left")
        n = hi - lo
        has = n > 0
        if not len(self.ts):
            nan = np.full(len(keys), np.nan)
            return _Lookup(n, nan, nan, {tau: np.zeros(len(keys)) for tau in self.taus})
        last_i = np.where(has, hi - 1, 0)
        first = np.where(has, self.ts[np.minimum(lo, len(self.ts) - 1)], np.nan)
        last = np.where(has, self.ts[last_i], np.nan)
        dec = {}
        for tau, ld in self.logd.items():
            v = np.exp(ld[last_i] - np.maximum(cut - self.ts[last_i], 0.0) / tau)
            dec[tau] = np.where(has, v, 0.0)
        return _Lookup(n, first, last, dec)


def _hours_since(cut: np.ndarray, last: np.ndarray) -> np.ndarray:
    h = np.where(np.isnan(last), NEVER_HOURS, (cut - np.nan_to_num(last)) / HOUR)
    return np.log1p(np.clip(h, 0.0, NEVER_HOURS))


def _dense(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys and each key's index among them."""
    return np.unique(keys, return_inverse=True)


def _find(uniq: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Index of each key in ``uniq``, or len(uniq) (an id with no events) when absent."""
    if not len(uniq):
        return np.zeros(len(keys), np.int64)
    pos = np.minimum(np.searchsorted(uniq, keys), len(uniq) - 1)
    return np.where(uniq[pos] == keys, pos, len(uniq))


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
    if not (np.isfinite(ts).all() and np.isfinite(q_cut).all()):
        raise InputError("times and cutoffs must be finite numbers of seconds")
    if n_nodes is None:
        n_nodes = int(max(src.max(initial=-1), dst.max(initial=-1), q_src.max(initial=-1), q_dst.max(initial=-1))) + 1
    n = np.int64(max(n_nodes, 1))
    nq = len(q_src)

    # dense time ranks: event rank < cutoff rank  <=>  ts < cutoff
    times = np.unique(ts)
    r_ev = np.searchsorted(times, ts, side="left")
    r_q = np.searchsorted(times, q_cut, side="left")
    n_ranks = len(times)

    # u→v and v→u: directed pairs as dense ids (only pairs that occur in events)
    upairs, pid = _dense(src * n + dst)
    pair_h = _History(pid, r_ev, ts, n_ranks, (DAY, WEEK))
    uv = pair_h.at(_find(upairs, q_src * n + q_dst), r_q, q_cut)
    vu = pair_h.at(_find(upairs, q_dst * n + q_src), r_q, q_cut)

    # per person: what they sent, what they received, any activity
    sent_h = _History(src, r_ev, ts, n_ranks, (DAY, WEEK))
    recv_h = _History(dst, r_ev, ts, n_ranks, (DAY, WEEK))
    act_h = _History(np.concatenate([src, dst]), np.concatenate([r_ev, r_ev]), np.concatenate([ts, ts]), n_ranks, (DAY,))
    u_sent = sent_h.at(q_src, r_q, q_cut)
    u_recv = recv_h.at(q_src, r_q, q_cut)
    v_recv = recv_h.at(q_dst, r_q, q_cut)
    v_act = act_h.at(q_dst, r_q, q_cut)
    u_act = act_h.at(q_src, r_q, q_cut)
    # what u sent up to (and including) its last message to v
    r_last_uv = np.where(uv.n > 0, np.searchsorted(times, np.nan_to_num(uv.last), side="right"), 0)
    u_since = u_sent.n - sent_h.at(q_src, r_last_uv, q_cut).n

    # distinct contacts: the first event of each directed pair, keyed by its dst or its src
    order = np.lexsort((ts, pid))
    first_idx = order[np.r_[True, pid[order][1:] != pid[order][:-1]]] if len(order) else order
    f_r, f_t = r_ev[first_idx], ts[first_idx]
    v_senders = _History(dst[first_idx], f_r, f_t, n_ranks, (WEEK,)).at(q_dst, r_q, q_cut)
    u_contacts = _History(src[first_idx], f_r, f_t, n_ranks, (WEEK,)).at(q_src, r_q, q_cut)

    links = _links(src, dst, r_ev, n)  # built once for both
    shared = _shared_contacts(links, n, q_src, q_dst, r_q)
    und = _undirected_history(src, dst, ts, r_ev, n, n_ranks)
    paths2, shared_last = _two_hop(und, n, q_src, q_dst, r_q, q_cut, links)
    paths3 = _three_hop(und, n, q_src, q_dst, r_q, q_cut, links)

    # co-recipients: u and v both received the same message (same sender, same time)
    ca, cb, ct, cr = _corecipients(src, dst, ts, r_ev)
    ucc, cid = _dense(np.minimum(ca, cb) * n + np.maximum(ca, cb))
    cc = _History(cid, cr, ct, n_ranks, (DAY,)).at(_find(ucc, np.minimum(q_src, q_dst) * n + np.maximum(q_src, q_dst)), r_q, q_cut)

    L = np.log1p
    cols = {
        "pair_count": L(uv.n),
        "pair_recency": _hours_since(q_cut, uv.last),
        "pair_never": (uv.n == 0).astype(float),
        "pair_day": L(uv.decayed[DAY]),
        "back_count": L(vu.n),
        "back_recency": _hours_since(q_cut, vu.last),
        "back_day": L(vu.decayed[DAY]),
        "share_of_u": L(uv.n) - L(u_sent.n),
        "share_of_u_week": L(uv.decayed[WEEK]) - L(u_sent.decayed[WEEK]),
        "share_of_u_day": L(uv.decayed[DAY]) - L(u_sent.decayed[DAY]),
        "back_share": L(vu.n) - L(u_recv.n),
        "back_share_week": L(vu.decayed[WEEK]) - L(u_recv.decayed[WEEK]),
        "back_share_day": L(vu.decayed[DAY]) - L(u_recv.decayed[DAY]),
        "u_sent_since": L(u_since),
        "dst_received": L(v_recv.n),
        "dst_senders": L(v_senders.n),
        "dst_active_recency": _hours_since(q_cut, v_act.last),
        "src_sent": L(u_sent.n),
        "src_contacts": L(u_contacts.n),
        "src_new_week": L(u_contacts.decayed[WEEK]),
        "dst_new_week": L(v_senders.decayed[WEEK]),
        "dst_age": _hours_since(q_cut, v_act.first),
        "shared_contacts": L(shared),
        "cc_count": L(cc.n),
        "cc_recency": _hours_since(q_cut, cc.last),
        "cc_day": L(cc.decayed[DAY]),
        "paths2_week": L(paths2),
        "paths3_week": L(paths3),
        "shared_recency": _hours_since(q_cut, shared_last),
        "src_activity_day": L(u_act.decayed[DAY]),
        "dst_activity_day": L(v_act.decayed[DAY]),
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


_EXPAND_CHUNK = 4_000_000
#: Up to this many people, shared contacts are counted on a dense people × people matrix of
#: first-contact ranks (at most 64 MB), which costs one row comparison per query whatever the
#: degrees; above it, by expanding neighbour lists (the graph is then necessarily sparser).
_DENSE_MAX_NODES = 4096
#: Up to this many people, on people × people bitsets (at most 128 MB) filled in cutoff order.
_BITSET_MAX_NODES = 32768


def _shared_bitset(ekey, first_r, n, q_src, q_dst, r_q) -> np.ndarray:
    """Queries in cutoff order; links are set in one bitset row per person as their first
    message passes, and each query counts the bits its two rows share."""
    n = int(n)
    words = (n + 63) // 64
    bits = np.zeros((n, words), dtype=np.uint64)
    flat = bits.reshape(-1)
    o = np.argsort(first_r, kind="stable")
    er, ea, eb = first_r[o], ekey[o] // n, ekey[o] % n
    word = ea * words + eb // 64
    mask = np.left_shift(np.uint64(1), (eb % 64).astype(np.uint64))
    qo = np.argsort(r_q, kind="stable")
    k = np.searchsorted(er, r_q[qo], side="left")  # links known at each query's cutoff
    bounds = np.r_[0, np.nonzero(np.diff(k))[0] + 1, len(qo)]
    step = max(1, (1 << 21) // words)
    out = np.zeros(len(q_src))
    done = 0
    for i, j in zip(bounds[:-1], bounds[1:]):
        kk = int(k[i])
        if kk > done:
            np.bitwise_or.at(flat, word[done:kk], mask[done:kk])
            done = kk
        for lo in range(i, j, step):
            qi = qo[lo : min(j, lo + step)]
            out[qi] = np.bitwise_count(bits[q_src[qi]] & bits[q_dst[qi]]).sum(axis=1)
    return out


def _shared_dense(ekey, first_r, n, q_src, q_dst, r_q) -> np.ndarray:
    n = int(n)
    big = np.iinfo(np.int32).max
    fr = np.full(n * n, big, dtype=np.int32)
    fr[ekey] = np.minimum(first_r, big - 1).astype(np.int32)
    fr = fr.reshape(n, n)
    nq = len(q_src)
    out = np.zeros(nq)
    step = max(1, (1 << 22) // max(n, 1))
    for lo in range(0, nq, step):
        hi = min(nq, lo + step)
        rq = r_q[lo:hi, None]
        out[lo:hi] = ((fr[q_src[lo:hi]] < rq) & (fr[q_dst[lo:hi]] < rq)).sum(axis=1)
    return out


def _undirected_history(src, dst, ts, r_ev, n, n_ranks) -> tuple[np.ndarray, _History]:
    """Each unordered pair's messages either way (keys ``min * n + max``, sorted) and their
    :class:`_History` with a 1-week decay: s(x, y) at a cutoff, for the path features."""
    n = np.int64(n)
    lo_, hi_ = np.minimum(src, dst), np.maximum(src, dst)
    ok = lo_ != hi_
    upairs, uid = _dense((lo_ * n + hi_)[ok])
    return upairs, _History(uid, r_ev[ok], ts[ok], n_ranks, (WEEK,))


def _tie(und, n, x, y, r_q, q_cut) -> _Lookup:
    """s(x, y) at each row's cutoff: the messages between x and y either way before it."""
    upairs, h = und
    return h.at(_find(upairs, np.minimum(x, y) * n + np.maximum(x, y)), r_q, q_cut)


def _two_hop(und, n, q_src, q_dst, r_q, q_cut, links) -> tuple[np.ndarray, np.ndarray]:
    """For each query (u, v, cutoff), over the people w in touch with both before the cutoff
    (either way): the time-decayed 2-hop paths, sum of s(u, w) x s(w, v) with s a 1-week-decayed
    message count either way, and the latest time at which both had been in touch with the same w
    (max over w of the older of the two last contacts; nan if none). Vectorised over (query,
    neighbour) rows (:func:`_common_neighbours` over ``links``, from :func:`_links`)."""
    nq = len(q_src)
    paths = np.zeros(nq)
    last = np.full(nq, np.nan)
    if nq == 0 or not len(und[0]):
        return paths, last
    n = np.int64(n)
    ekey, first_r = links
    for qi, xs, ys, w in _common_neighbours(ekey, first_r, n, q_src, q_dst, r_q):
        lx = _tie(und, n, xs, w, r_q[qi], q_cut[qi])
        ly = _tie(und, n, ys, w, r_q[qi], q_cut[qi])
        paths += np.bincount(qi, weights=lx.decayed[WEEK] * ly.decayed[WEEK], minlength=nq)
        both = np.minimum(lx.last, ly.last)
        cur = np.full(nq, -np.inf)
        np.maximum.at(cur, qi, both)
        seen = np.isfinite(cur)
        last[seen] = np.fmax(last[seen], cur[seen])
    return paths, last


#: 3-hop paths u-w1-w2-v run over the this-many strongest ties of u (the w1) and of v (the w2) at
#: the cutoff (1-week-decayed count, ties broken by the smaller id): a query costs its two degrees
#: (to rank the ties) plus at most THREE_HOP_TIES ** 2 link look-ups, whatever the hubs.
THREE_HOP_TIES = 10


def _strongest_ties(und, n, start, eb, first_r, who, other, r_q, q_cut, lo: int, hi: int, k: int):
    """For the queries lo..hi-1: the ``k`` strongest ties w of ``who[q]`` before its cutoff
    (w != ``other[q]``), as rows (q, w, s(who, w)) sorted by q."""
    c = start[who[lo:hi] + 1] - start[who[lo:hi]]
    total = int(c.sum())
    qi = np.repeat(np.arange(lo, hi), c)
    ei = np.repeat(start[who[lo:hi]] - (np.cumsum(c) - c), c) + np.arange(total)
    ok = (first_r[ei] < r_q[qi]) & (eb[ei] != other[qi])
    qi, w = qi[ok], eb[ei[ok]]
    s = _tie(und, n, who[qi], w, r_q[qi], q_cut[qi]).decayed[WEEK]
    order = np.lexsort((w, -s, qi))
    qi, w, s = qi[order], w[order], s[order]
    keep = np.arange(len(qi)) - np.searchsorted(qi, qi, side="left") < k
    return qi[keep], w[keep], s[keep]


def _three_hop(und, n, q_src, q_dst, r_q, q_cut, links) -> np.ndarray:
    """For each query (u, v, cutoff): the time-decayed 3-hop paths, sum over w1 among u's and w2
    among v's :data:`THREE_HOP_TIES` strongest ties (w1 != v, w2 != u, w1 and w2 in touch before the cutoff) of
    s(u, w1) x s(w1, w2) x s(w2, v), s as in :func:`_two_hop`. Queries go in chunks of about
    _EXPAND_CHUNK rows (their neighbour lists and k * k candidate paths)."""
    nq, k = len(q_src), THREE_HOP_TIES
    paths = np.zeros(nq)
    ekey, first_r = links
    if nq == 0 or len(ekey) == 0:
        return paths
    n = np.int64(n)
    ea, eb = ekey // n, ekey % n
    start = np.searchsorted(ea, np.arange(int(n) + 1))
    cost = start[q_src + 1] - start[q_src] + start[q_dst + 1] - start[q_dst] + k * k
    for lo, hi in _query_chunks(cost):
        qu, w1, s1 = _strongest_ties(und, n, start, eb, first_r, q_src, q_dst, r_q, q_cut, lo, hi, k)
        qv, w2, s2 = _strongest_ties(und, n, start, eb, first_r, q_dst, q_src, r_q, q_cut, lo, hi, k)
        # every (w1, w2) of the same query: each row of u's side repeated over v's side's rows
        cv = np.bincount(qv - lo, minlength=hi - lo)
        rep = cv[qu - lo]
        ii = np.repeat(np.arange(len(qu)), rep)
        jj = np.repeat((np.cumsum(cv) - cv)[qu - lo], rep) + (np.arange(int(rep.sum())) - np.repeat(np.cumsum(rep) - rep, rep))
        q, a, b = qu[ii], w1[ii], w2[jj]
        key = a * n + b
        pos = np.minimum(np.searchsorted(ekey, key), len(ekey) - 1)
        hit = (ekey[pos] == key) & (first_r[pos] < r_q[q])
        q, ii, jj = q[hit], ii[hit], jj[hit]
        mid = _tie(und, n, w1[ii], w2[jj], r_q[q], q_cut[q]).decayed[WEEK]
        paths += np.bincount(q, weights=s1[ii] * mid * s2[jj], minlength=nq)
    return paths


def _query_chunks(cost: np.ndarray) -> Iterator[tuple[int, int]]:
    """``(lo, hi)``: runs of consecutive queries whose ``cost`` (the rows each expands to) adds up
    to about :data:`_EXPAND_CHUNK`; a query costlier than that is a run of its own."""
    nq = len(cost)
    csum = np.cumsum(cost)
    cuts = np.searchsorted(csum, np.arange(_EXPAND_CHUNK, int(csum[-1]) + _EXPAND_CHUNK, _EXPAND_CHUNK), side="right")
    lo = 0
    for hi in np.unique(np.r_[np.minimum(np.maximum(cuts, 1), nq), nq]):
        if hi > lo:
            yield int(lo), int(hi)
            lo = hi


def _links(src, dst, r_ev, n) -> tuple[np.ndarray, np.ndarray]:
    """The undirected links (both directions listed, self-loops left out) as sorted keys
    ``a * n + b`` (so grouped by ``a``), and the rank of each link's first event."""
    a = np.concatenate([src, dst])
    b = np.concatenate([dst, src])
    r = np.concatenate([r_ev, r_ev])
    keep = a != b
    ekey, eid = np.unique(a[keep] * n + b[keep], return_inverse=True)
    first_r = np.full(len(ekey), np.iinfo(np.int64).max)
    np.minimum.at(first_r, eid, r[keep])
    return ekey, first_r


def _common_neighbours(ekey, first_r, n, q_src, q_dst, r_q):
    """For each query (u, v, cutoff), the people w (w != v) both u and v had been in touch with
    before the cutoff: yields ``(qi, xs, ys, w)`` arrays (query index, its two sides, w) chunk by
    chunk. Expands each query over the neighbours of whichever side has fewer, in chunks of about
    _EXPAND_CHUNK (query, neighbour) rows, to bound memory with hubs."""
    nq = len(q_src)
    if nq == 0 or len(ekey) == 0:
        return
    ea, eb = ekey // n, ekey % n
    start = np.searchsorted(ea, np.arange(int(n) + 1))
    deg = start[1:] - start[:-1]
    swap = deg[q_dst] < deg[q_src]
    x = np.where(swap, q_dst, q_src)
    y = np.where(swap, q_src, q_dst)
    cnt = deg[x]
    for lo, hi in _query_chunks(cnt):
        c = cnt[lo:hi]
        total = int(c.sum())
        if total:
            qi = np.repeat(np.arange(lo, hi), c)
            ei = np.repeat(start[x[lo:hi]] - (np.cumsum(c) - c), c) + np.arange(total)
            ok = first_r[ei] < r_q[qi]  # x already knew w at the cutoff
            qi, w = qi[ok], eb[ei[ok]]
            k2 = w * n + y[qi]
            pos = np.minimum(np.searchsorted(ekey, k2), len(ekey) - 1)
            hit = (ekey[pos] == k2) & (first_r[pos] < r_q[qi]) & (w != y[qi])  # and so did y
            qi, w = qi[hit], w[hit]
            if len(qi):
                yield qi, x[qi], y[qi], w


def _shared_contacts(links, n, q_src, q_dst, r_q) -> np.ndarray:
    """For each query (u, v, cutoff): how many people w both u and v exchanged a message with
    (either way) before the cutoff, from ``links`` (:func:`_links`)."""
    nq = len(q_src)
    ekey, first_r = links
    if nq == 0 or len(ekey) == 0:
        return np.zeros(nq)
    if n <= _DENSE_MAX_NODES:
        return _shared_dense(ekey, first_r, n, q_src, q_dst, r_q)
    if n <= _BITSET_MAX_NODES:
        return _shared_bitset(ekey, first_r, n, q_src, q_dst, r_q)
    out = np.zeros(nq)
    for qi, _, _, _ in _common_neighbours(ekey, first_r, n, q_src, q_dst, r_q):
        out += np.bincount(qi, minlength=nq)
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
        unknown = [f for f in fs if f not in FEATURE_HELP]
        if unknown:
            raise InputError(f"the contacts model uses features this version does not compute: {', '.join(unknown)}; refit it with scripts/fit_contacts.py")
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

    def explain(self, x: np.ndarray) -> list[tuple[str, float, float]]:
        """Why one query got its score: ``(feature, value, contribution to the log-odds)`` for
        the half of the model that scored it, largest contributions first; the contributions
        plus that half's intercept add up to the score."""
        half = self.new if x[FEATURES.index("pair_never")] > 0.5 else self.known
        idx = [FEATURES.index(f) for f in half.features]
        contrib = (x[idx] - np.asarray(half.mean)) / np.asarray(half.scale) * np.asarray(half.coef)
        rows = [(f, float(x[i]), float(c)) for f, i, c in zip(half.features, idx, contrib)]
        return sorted(rows, key=lambda r: -abs(r[2]))

    def to_json(self) -> str:
        return json.dumps({"model": "closeknit contacts v1", "known_pair": self.known.as_dict(), "new_pair": self.new.as_dict(), "meta": self.meta}, indent=1, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "ContactModel":
        try:
            d = json.loads(text)
            d["known_pair"], d["new_pair"]
        except (ValueError, KeyError, TypeError) as e:
            raise InputError(f"not a closeknit contacts model (JSON with known_pair and new_pair): {e}") from None
        return cls(Logit.from_dict(d["known_pair"]), Logit.from_dict(d["new_pair"]), d.get("meta", {}))


def fit_logit(X: np.ndarray, y: np.ndarray, features: list[str], l2: float = 10.0, iters: int = 50,
              weight: np.ndarray | None = None) -> Logit:
    """L2-regularised logistic regression by Newton–Raphson on the named columns of ``X``, rows
    weighted by ``weight`` (default 1). Features constant in ``X`` get weight 0."""
    idx = [FEATURES.index(f) for f in features]
    Xs = X[:, idx]
    sw = np.ones(len(Xs)) if weight is None else np.asarray(weight, float)
    mean = (Xs * sw[:, None]).sum(axis=0) / sw.sum() if len(Xs) else np.zeros(len(idx))
    scale = np.sqrt((((Xs - mean) ** 2) * sw[:, None]).sum(axis=0) / sw.sum()) if len(Xs) else np.ones(len(idx))
    const = scale < 1e-12
    scale[const] = 1.0
    Z = np.hstack([(Xs - mean) / scale, np.ones((len(Xs), 1))])
    y = np.asarray(y, dtype=float)
    w = np.zeros(Z.shape[1])
    reg = np.r_[np.where(const, 1e6, l2), 0.0]
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -35, 35)))
        g = Z.T @ (sw * (p - y)) + reg * w
        H = (Z * (sw * p * (1 - p))[:, None]).T @ Z + np.diag(reg + 1e-9)
        step = np.linalg.solve(H, g)
        w -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    w[:-1][const] = 0.0
    return Logit(list(features), mean.tolist(), scale.tolist(), w[:-1].tolist(), float(w[-1]))


def fit_contacts(X: np.ndarray, y: np.ndarray, l2: float = 10.0, weight: np.ndarray | None = None) -> ContactModel:
    """Fit the two halves of :class:`ContactModel` on feature rows ``X`` with labels ``y`` (rows
    weighted by ``weight``, e.g. to give several data sets equal say)."""
    never = X[:, FEATURES.index("pair_never")] > 0.5
    y = np.asarray(y, dtype=float)
    w = np.ones(len(y)) if weight is None else np.asarray(weight, float)
    known = fit_logit(X[~never], y[~never], KNOWN_PAIR_FEATURES, l2, weight=w[~never])
    new = fit_logit(X[never], y[never], NEW_PAIR_FEATURES, l2, weight=w[never])
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


def dygl_queries(src, dst, ts, lo: float, hi: float | None, batch: int = 200, seed: int = 0, neg_pool=None,
                 negatives: str = "random"):
    """Queries for events with lo < ts <= hi, DyGLib style.

    Events are taken in chronological batches of ``batch``; each event (u, v, t) gives a positive
    query (u, v) and a negative; every query of a batch has as cutoff the time of the batch's first
    event. ``negatives``:

    * ``"random"``: (u, v') with v' uniform over ``neg_pool`` (default: all distinct dst ids);
    * ``"historical"`` (DyGLib's historical sampler): half of the negatives (as many as there are)
      are distinct (u', v') pairs seen before the batch (ts < its cutoff) that are not among the
      batch's positives, uniformly; the rest random as above.

    Returns (q_src, q_dst, q_cut, label, batch_index).
    """
    if negatives not in ("random", "historical"):
        raise ValueError(f"negatives must be 'random' or 'historical', not {negatives!r}")
    rng = np.random.RandomState(seed)
    pool = np.unique(dst) if neg_pool is None else np.asarray(neg_pool)
    sel = ts > lo if hi is None else (ts > lo) & (ts <= hi)
    idx = np.nonzero(sel)[0]
    idx = idx[np.argsort(ts[idx], kind="stable")]
    if negatives == "historical":
        # distinct directed pairs with the time each was first seen, to know which existed before a cutoff
        n = np.int64(max(src.max(initial=0), dst.max(initial=0), pool.max(initial=0)) + 1)
        keys = src.astype(np.int64) * n + dst.astype(np.int64)
        order = np.lexsort((ts, keys))
        ks = keys[order]
        firsts = order[np.r_[True, ks[1:] != ks[:-1]]] if len(ks) else order
        by_time = firsts[np.argsort(ts[firsts], kind="stable")]
        hist_keys, hist_t = keys[by_time], ts[by_time]
    qs, qd, qc, lab, bi = [], [], [], [], []
    for b, s in enumerate(range(0, len(idx), batch)):
        ii = idx[s : s + batch]
        cut = ts[ii[0]]
        k = len(ii)
        ns, nd = src[ii].copy(), pool[rng.randint(0, len(pool), k)]
        if negatives == "historical":
            avail = hist_keys[: np.searchsorted(hist_t, cut, side="left")]
            avail = avail[~np.isin(avail, src[ii].astype(np.int64) * n + dst[ii].astype(np.int64))]
            h = min(k // 2, len(avail))
            if h:
                pick = avail[rng.choice(len(avail), h, replace=False)]
                ns[:h], nd[:h] = pick // n, pick % n
        qs += [src[ii], ns]
        qd += [dst[ii], nd]
        qc += [np.full(2 * k, cut)]
        lab += [np.ones(k), np.zeros(k)]
        bi += [np.full(2 * k, b)]
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
