"""The graph of relationships: communities, bridges, reach and newcomers nobody answered.

Pure functions: a pairs DataFrame in (:meth:`closeknit.Closeknit.pairs`: one row per pair in
contact, ``a_id``, ``b_id``, ``a_name``, ``b_name``, ``contacts_ab``, ``contacts_ba``,
``first_contact``, ``last_contact`` ...), a networkx graph or plain dicts out.

* **communities**: Louvain modularity communities on contact counts (seeded, so the same store
  gives the same communities);
* **bridges**: people whose neighbours lie in two or more communities, ranked by their
  participation coefficient (Guimerà & Amaral 2005: ``1 - sum over communities of (share of their
  ties in it)^2``, 0 when all ties stay in one community); linear in the number of pairs, where
  betweenness took 14 s on 5,000 people even sampled;
* **reach**: how many people are within two steps, not counting paths through the user;
* **newcomers nobody answered**: people whose first contact is within ``newcomer_days`` of the
  latest one, who reached out to someone and got no contact back from anyone.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import pandas as pd

__all__ = ["pair_graph", "network_summary"]

DAY = 86400.0


def pair_graph(pairs: pd.DataFrame) -> nx.Graph:
    """An undirected graph: a node per person (``name``), an edge per pair with contact, weighted
    by contacts both ways (``weight``), with ``contacts_ab``/``contacts_ba`` from ``a``'s side."""
    g = nx.Graph()
    for r in pairs.itertuples(index=False):
        n = int(r.contacts_ab or 0) + int(r.contacts_ba or 0)
        if n <= 0:
            continue
        g.add_node(r.a_id, name=r.a_name)
        g.add_node(r.b_id, name=r.b_name)
        g.add_edge(r.a_id, r.b_id, weight=n, contacts_ab=int(r.contacts_ab or 0), contacts_ba=int(r.contacts_ba or 0),
                   stage=r.stage)
    return g


def _newcomers(pairs: pd.DataFrame, newcomer_days: float) -> list[dict[str, Any]]:
    if pairs.empty or pairs["first_contact"].isna().all():
        return []
    now = pairs["last_contact"].max()
    since = now - pd.Timedelta(days=newcomer_days)
    sent: dict[str, int] = {}
    got: dict[str, int] = {}
    first: dict[str, pd.Timestamp] = {}
    names: dict[str, str] = {}
    for r in pairs.itertuples(index=False):
        for me, name, out, back, ts in ((r.a_id, r.a_name, r.contacts_ab, r.contacts_ba, r.first_contact),
                                        (r.b_id, r.b_name, r.contacts_ba, r.contacts_ab, r.first_contact)):
            names[me] = name
            sent[me] = sent.get(me, 0) + int(out or 0)
            got[me] = got.get(me, 0) + int(back or 0)
            if ts is not None and not pd.isna(ts):
                first[me] = min(first.get(me, ts), ts)
    out = [{"person_id": p, "person": names[p], "first_contact": first[p], "messages_sent": sent[p]}
           for p in names if p != "0" and p in first and first[p] >= since and sent[p] > 0 and got[p] == 0]
    out.sort(key=lambda r: (r["first_contact"], r["person_id"]), reverse=True)
    return out


def network_summary(pairs: pd.DataFrame, *, max_nodes: int = 150, newcomer_days: float = 60,
                    seed: int = 0) -> dict[str, Any]:
    """Communities, bridges, reach and newcomers of the graph of ``pairs``, and a drawing of its
    ``max_nodes`` strongest people (positions from a seeded spring layout, in [0, 1]).

    Returns ``people`` (every person: ``community``, ``degree``, ``contacts``, ``reach``,
    ``participation``, ``bridge``), ``communities`` (size and best-connected members),
    ``bridges``, ``reach`` (the widest), ``newcomers`` and ``drawing`` (``nodes``, ``edges``).
    """
    g = pair_graph(pairs)
    n = g.number_of_nodes()
    if n == 0:
        return {"people": 0, "pairs": 0, "communities": [], "bridges": [], "reach": [], "newcomers": [],
                "nodes": [], "drawing": {"nodes": [], "edges": []}}
    comms = sorted(nx.community.louvain_communities(g, weight="weight", seed=seed), key=lambda c: (-len(c), min(c)))
    comm_of = {p: i for i, c in enumerate(comms) for p in c}
    strength = dict(g.degree(weight="weight"))
    reach = {}
    for p in g:  # through anyone but the user (in a personal store everyone is two steps away through you)
        nb = set(g[p]) - {"0"}
        two = set(nb)
        for q in nb:
            two.update(g[q])
        two -= {p, "0"}
        reach[p] = len(two)
    nodes = []
    for p in g:
        per: dict[int, int] = {}
        for q in g[p]:
            per[comm_of[q]] = per.get(comm_of[q], 0) + 1
        k = sum(per.values())
        part = 1 - sum((c / k) ** 2 for c in per.values()) if k else 0.0
        touched = len(set(per) | {comm_of[p]})
        nodes.append({"person_id": p, "person": g.nodes[p]["name"], "community": comm_of[p] + 1, "degree": g.degree(p),
                      "contacts": strength[p], "reach": reach[p], "participation": round(part, 4),
                      "bridge": touched >= 2, "communities_touched": touched})
    nodes.sort(key=lambda r: (-r["contacts"], r["person_id"]))
    communities = []
    for i, c in enumerate(comms):
        members = sorted(c, key=lambda p: (-strength[p], p))
        communities.append({"community": i + 1, "size": len(c),
                            "members": [g.nodes[p]["name"] for p in members[:5]]})
    bridges = sorted((r for r in nodes if r["bridge"]),
                     key=lambda r: (-r["communities_touched"], -r["participation"], r["person_id"]))[:20]
    widest = sorted(nodes, key=lambda r: (-r["reach"], r["person_id"]))[:20]
    # the drawing: the strongest people and the edges among them
    shown = [r["person_id"] for r in nodes[:max_nodes]]
    sub = g.subgraph(shown)
    pos = nx.spring_layout(sub, weight=None, seed=seed, iterations=60) if len(shown) > 1 else {shown[0]: (0.0, 0.0)}
    xs = [p[0] for p in pos.values()] or [0.0]
    ys = [p[1] for p in pos.values()] or [0.0]
    sx, sy = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    by_id = {r["person_id"]: r for r in nodes}
    drawing = {
        "nodes": [{"person_id": p, "person": by_id[p]["person"], "community": by_id[p]["community"],
                   "bridge": by_id[p]["bridge"], "size": round(math.log1p(by_id[p]["contacts"]), 3),
                   "x": round((pos[p][0] - min(xs)) / sx, 4), "y": round((pos[p][1] - min(ys)) / sy, 4)} for p in shown],
        "edges": [{"a_id": u, "b_id": v, "weight": d["weight"]} for u, v, d in sub.edges(data=True)],
    }
    return {"people": n, "pairs": g.number_of_edges(), "communities": communities, "bridges": bridges,
            "reach": widest, "newcomers": _newcomers(pairs, newcomer_days), "nodes": nodes, "drawing": drawing}
