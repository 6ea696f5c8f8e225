"""Charts as SVG drawn here, in Python, from a view's JSON: no chart library, no script, nothing
fetched. The same markup goes into the web pages and the self-contained report.

Every function takes JSON-ready data (what :meth:`closeknit.Closeknit.view` returns) and returns
an SVG string; a person is a link to their page when ``link`` is given (``link(person_id)``).
Colours are SVG attributes, never ``style=``, so the Content-Security-Policy needs no inline style.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection
from datetime import datetime, timezone
from html import escape

from closeknit.present.words import shared_names
from closeknit.store.queries import person_label

__all__ = ["rings", "gap_map", "activity", "lanes", "stages", "graph", "bars", "STAGE_ORDER"]

STAGE_ORDER = ["stranger", "first contact", "acquaintance", "familiar", "friend", "close"]
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]
INK, MUTED, WARN = "#222", "#888", "#c0392b"
Link = Callable[[str], str] | None


def _a(link: Link, pid: str | None, inner: str) -> str:
    return f'<a href="{escape(link(pid))}">{inner}</a>' if link and pid is not None else inner


def _svg(w: int, h: int, body: str, label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="{escape(label)}" font-family="system-ui, sans-serif" font-size="11">{body}</svg>')


def _t(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _short_name(name: str, most: int = 24) -> str:
    """A name as a chart writes it: whole up to ``most`` characters, else cut with an ellipsis."""
    return name if len(name) <= most else name[:most - 1] + "…"


#: The angle (radians) at the top of the rings left free of people, for the rings' names.
TOP_GAP = 0.6


def ring_radii(n: int, outer: float) -> list[float]:
    """The outer radius of each of ``n`` rings, innermost first: equal areas (``outer * sqrt(l / n)``),
    so that the few closest people get room for their names and the many acquaintances a band."""
    return [outer * math.sqrt(lay / n) for lay in range(1, n + 1)]


def rings(circles: list[dict], *, link: Link = None, size: int = 420) -> str:
    """Circles of closeness: layer 1 innermost; people on their ring, closest first, names on the
    two inner rings, written outward from the centre so that they do not overlap."""
    c = size / 2
    layers = sorted({r["layer"] for r in circles}) or [1]
    n = max(layers)
    radii = ring_radii(n, c - 16)
    body = []
    for lay in range(n, 0, -1):
        fill = "#eef3f8" if lay % 2 else "#f8fafc"
        body.append(f'<circle cx="{c}" cy="{c}" r="{radii[lay - 1]:.1f}" fill="{fill}" stroke="#c8d3df"/>')
    names = {r["layer"]: r["layer_name"] for r in circles}
    for lay in range(1, n + 1):
        if lay in names:
            body.append(f'<text x="{c}" y="{c - radii[lay - 1] + 11:.1f}" text-anchor="middle" fill="{MUTED}" '
                        f'font-size="9">{escape(str(names[lay]))}</text>')
    labels: list[str] = []
    # a name two people share is written as it is (the ring is crowded) and told apart in the
    # dot's tooltip, as every list does (closeknit.present.words)
    shared = shared_names((r["person"], r["person_id"]) for r in circles)
    for lay in layers:
        members = [r for r in circles if r["layer"] == lay]
        k = len(members)
        inner = radii[lay - 2] if lay > 1 else 0.0
        for i, r in enumerate(members):
            # clockwise from 12 o'clock, leaving the top (where each ring's name is) free
            ang = -math.pi / 2 + TOP_GAP / 2 + (i + 0.5) * (2 * math.pi - TOP_GAP) / max(k, 1)
            rad = (inner + radii[lay - 1]) / 2 if lay > 1 or k > 1 else 0
            x, y = c + rad * math.cos(ang), c + rad * math.sin(ang)
            name = r["person"] or ""
            title = person_label(name, r["person_id"]) if name in shared else name
            dot = (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{6 if lay <= 2 else 4}" fill="{PALETTE[(lay - 1) % 10]}" '
                   f'stroke="#fff"><title>{escape(title)} · {escape(r["stage"])}</title></circle>')
            body.append(_a(link, r["person_id"], dot))
            if lay <= 2 and k <= 16:  # over every dot, on a white halo: legible where they cross a ring
                right = math.cos(ang) >= 0
                labels.append(_a(link, r["person_id"],
                                 f'<text x="{x + (9 if right else -9):.1f}" y="{y + 3.5:.1f}" '
                                 f'text-anchor="{"start" if right else "end"}" fill="{INK}" font-size="10" '
                                 f'stroke="#fff" stroke-width="3" paint-order="stroke">{escape(_short_name(name))}</text>'))
    return _svg(size, size, "".join(body + labels), "circles of closeness")


def gap_map(points: list[dict], gap: float, *, link: Link = None, w: int = 420, h: int = 360) -> str:
    """Familiarity (up) against intimacy (right); the region where familiarity runs ``gap`` or more
    ahead is shaded, and the relationships flagged there (ahead of trust too) are red."""
    m = 36
    pw, ph = w - m - 12, h - m - 12

    def xy(x: float, y: float) -> tuple[float, float]:
        return m + x * pw, 12 + (1 - y) * ph

    body = [f'<rect x="{m}" y="12" width="{pw}" height="{ph}" fill="#fff" stroke="#ccc"/>']
    poly = " ".join(f"{a:.1f},{b:.1f}" for a, b in (xy(0, gap), xy(1 - gap, 1), xy(0, 1)))
    body.append(f'<polygon points="{poly}" fill="#fdecea"/>')
    tx, ty = xy(0.02, 0.97)
    body.append(f'<text x="{tx:.1f}" y="{ty:.1f}" fill="{WARN}">feels known, isn’t close</text>')
    for v in (0, 0.5, 1):
        x, y = xy(v, 0)
        body.append(f'<text x="{x:.1f}" y="{h - 20}" text-anchor="middle" fill="{MUTED}">{v:g}</text>')
        x, y = xy(0, v)
        body.append(f'<text x="{m - 4}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">{v:g}</text>')
    body.append(f'<text x="{m + pw / 2}" y="{h - 6}" text-anchor="middle" fill="{INK}">intimacy →</text>')
    body.append(f'<text x="10" y="{12 + ph / 2}" fill="{INK}" transform="rotate(-90 10 {12 + ph / 2})" '
                f'text-anchor="middle">familiarity →</text>')
    for p in sorted(points, key=lambda p: bool(p.get("feels_known"))):
        if p.get("familiarity") is None or p.get("intimacy") is None:
            continue
        x, y = xy(min(1, max(0, p["intimacy"])), min(1, max(0, p["familiarity"])))
        col = WARN if p.get("feels_known") else "#4e79a7"
        body.append(_a(link, p["person_id"], f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{col}" fill-opacity="0.75">'
                       f'<title>{escape(p["person"] or "")}: familiarity {p["familiarity"]:.2f}, intimacy '
                       f'{p["intimacy"]:.2f}, trust {(p.get("trust") or 0):.2f}</title></circle>'))
    return _svg(w, h, "".join(body), "familiarity against intimacy")


def activity(rows: list[dict], *, w: int = 860, row_h: int = 34) -> str:
    """Interactions per channel per month: one row per channel, a bar per month (each row on its
    own scale, its peak written beside it)."""
    months = sorted({r["month"] for r in rows})
    if not months:
        return _svg(w, 20, f'<text x="0" y="14" fill="{MUTED}">no activity</text>', "activity per channel")
    chans = sorted({r["channel"] for r in rows}, key=lambda ch: -sum(r["interactions"] for r in rows if r["channel"] == ch))
    idx = {mo: i for i, mo in enumerate(months)}
    left, right = 90, 60
    bw = (w - left - right) / len(months)
    body = []
    for j, ch in enumerate(chans):
        y0 = j * row_h
        vals = {r["month"]: r["interactions"] for r in rows if r["channel"] == ch}
        peak = max(vals.values())
        body.append(f'<text x="{left - 6}" y="{y0 + row_h - 10}" text-anchor="end" fill="{INK}">{escape(ch)}</text>')
        for mo, v in vals.items():
            bh = (row_h - 8) * v / peak
            body.append(f'<rect x="{left + idx[mo] * bw:.1f}" y="{y0 + row_h - 4 - bh:.1f}" width="{max(bw - 1, 1):.1f}" '
                        f'height="{bh:.1f}" fill="{PALETTE[j % 10]}"><title>{escape(ch)} {mo}: {v}</title></rect>')
        body.append(f'<text x="{w - right + 4}" y="{y0 + row_h - 10}" fill="{MUTED}">max {peak:,}</text>')
    hy = len(chans) * row_h + 12
    for i, mo in enumerate(months):
        if i == 0 or i == len(months) - 1 or mo.endswith("-01"):
            body.append(f'<text x="{left + i * bw:.1f}" y="{hy}" fill="{MUTED}" font-size="9">{mo}</text>')
    return _svg(w, hy + 4, "".join(body), "activity per channel over time")


KIND_SHAPE = {"call": "call", "meeting": "meeting"}


def lanes(events: list[dict], *, flagged: Collection[str] = frozenset(), w: int = 860, lane_h: int = 30) -> str:
    """One relationship's timeline: a lane per channel, a mark per interaction (filled: theirs,
    hollow: yours; squares are calls and meetings; red and larger: ran ahead of the relationship)."""
    evs = [e for e in events if e.get("ts")]
    if not evs:
        return _svg(w, 20, f'<text x="0" y="14" fill="{MUTED}">no dated interactions</text>', "timeline")
    chans = sorted({e["channel"] for e in evs})
    t0, t1 = min(_t(e["ts"]) for e in evs), max(_t(e["ts"]) for e in evs)
    span = (t1 - t0) or 1.0
    left, right = 90, 20
    pw = w - left - right
    body = []
    for j, ch in enumerate(chans):
        y = j * lane_h + lane_h / 2
        body.append(f'<line x1="{left}" x2="{w - right}" y1="{y}" y2="{y}" stroke="#e3e7ec"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4}" text-anchor="end" fill="{INK}">{escape(ch)}</text>')
    lane = {ch: j for j, ch in enumerate(chans)}
    for e in sorted(evs, key=lambda e: e.get("interaction_id") in flagged):
        x = left + (_t(e["ts"]) - t0) / span * pw
        y = lane[e["channel"]] * lane_h + lane_h / 2
        bad = e.get("interaction_id") in flagged
        mine = e.get("person_id") == "0"
        col = WARN if bad else PALETTE[lane[e["channel"]] % 10]
        fill = "none" if mine and not bad else col
        r = 6 if bad else 3.5
        tip = f'{e["ts"][:10]} {e["kind"]} by {e.get("person") or "?"}: {(e.get("text") or "")[:120]}'
        if e["kind"] in KIND_SHAPE:
            mark = f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r}" height="{2 * r}" fill="{fill}" stroke="{col}"'
        else:
            mark = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}" stroke="{col}"'
        cls = ' class="ahead"' if bad else ""
        body.append(f'{mark}{cls}><title>{escape(tip)}</title></{"rect" if e["kind"] in KIND_SHAPE else "circle"}>')
    hy = len(chans) * lane_h + 12
    for frac in (0, 0.25, 0.5, 0.75, 1):
        t = t0 + frac * span
        anchor = "start" if frac == 0 else "end" if frac == 1 else "middle"
        body.append(f'<text x="{left + frac * pw:.1f}" y="{hy}" text-anchor="{anchor}" fill="{MUTED}" font-size="9">'
                    f'{datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d")}</text>')
    return _svg(w, hy + 4, "".join(body), "timeline across channels")


def stages(timeline: list[dict], changes: list[dict], *, w: int = 860, h: int = 120) -> str:
    """Stage over time (a step per month) with the months it changed marked."""
    if not timeline:
        return _svg(w, 20, f'<text x="0" y="14" fill="{MUTED}">no months</text>', "stage over time")
    left, top, bottom = 90, 8, 22
    ph = h - top - bottom
    n = len(timeline)
    bw = (w - left - 20) / n
    body = []
    for k, st in enumerate(STAGE_ORDER):
        y = top + ph - k / (len(STAGE_ORDER) - 1) * ph
        body.append(f'<text x="{left - 6}" y="{y + 3:.1f}" text-anchor="end" fill="{MUTED}" font-size="9">{st}</text>')
        body.append(f'<line x1="{left}" x2="{w - 20}" y1="{y:.1f}" y2="{y:.1f}" stroke="#f0f0f0"/>')
    pts = []
    for i, r in enumerate(timeline):
        k = STAGE_ORDER.index(r["stage"]) if r["stage"] in STAGE_ORDER else 0
        y = top + ph - k / (len(STAGE_ORDER) - 1) * ph
        pts += [f"{left + i * bw:.1f},{y:.1f}", f"{left + (i + 1) * bw:.1f},{y:.1f}"]
    body.append(f'<polyline points="{" ".join(pts)}" fill="none" stroke="#4e79a7" stroke-width="2"/>')
    months = [r["month"] for r in timeline]
    for c in changes:
        if c["month"] in months:
            x = left + months.index(c["month"]) * bw
            body.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + ph}" stroke="#f28e2b" stroke-dasharray="2,2">'
                        f'<title>{escape(c["month"])}: {escape(str(c["from"]))} → {escape(c["to"])}</title></line>')
    for i in (0, n - 1):
        body.append(f'<text x="{left + i * bw:.1f}" y="{h - 6}" fill="{MUTED}" font-size="9">{escape(months[i])}</text>')
    return _svg(w, h, "".join(body), "stage over time")


def graph(drawing: dict, *, link: Link = None, size: int = 460) -> str:
    """The network: a dot per person coloured by community (a dark ring: a bridge), a line per pair."""
    pad = 20
    pos = {n["person_id"]: (pad + n["x"] * (size - 2 * pad), pad + n["y"] * (size - 2 * pad)) for n in drawing["nodes"]}
    body = []
    for e in drawing["edges"]:
        (x1, y1), (x2, y2) = pos[e["a_id"]], pos[e["b_id"]]
        body.append(f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="#c5ccd4" stroke-width="0.6"/>')
    for n in drawing["nodes"]:
        x, y = pos[n["person_id"]]
        ring = ' stroke="#222" stroke-width="2"' if n["bridge"] else ' stroke="#fff"'
        body.append(_a(link, n["person_id"], f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{2 + n["size"]:.1f}" '
                       f'fill="{PALETTE[(n["community"] - 1) % 10]}"{ring}><title>{escape(n["person"] or "")} · community '
                       f'{n["community"]}{" · bridge" if n["bridge"] else ""}</title></circle>'))
    return _svg(size, size, "".join(body), "network of relationships")


def bars(values: dict[str, float | None], *, w: int = 300) -> str:
    """Measures in [0, 1] (reciprocity in [-1, 1]) as labelled horizontal bars."""
    body = []
    for i, (k, v) in enumerate(values.items()):
        y = i * 22
        body.append(f'<text x="0" y="{y + 14}" fill="{INK}">{escape(k)}</text>')
        body.append(f'<rect x="90" y="{y + 4}" width="160" height="12" fill="#eef1f4"/>')
        if v is not None:
            lo = -1 if k == "reciprocity" else 0
            frac = (min(1, max(lo, v)) - lo) / (1 - lo)
            body.append(f'<rect x="90" y="{y + 4}" width="{160 * frac:.1f}" height="12" fill="#4e79a7"/>')
        body.append(f'<text x="256" y="{y + 14}" fill="{MUTED}">{"–" if v is None else f"{v:.2f}"}</text>')
    return _svg(w, len(values) * 22 + 4, "".join(body), "measures")
