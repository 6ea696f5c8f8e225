"""`closeknit report`: the overview, the attention list and the top relationships as one HTML file.

Styles, charts (SVG) and data (the views' JSON, in a ``<script type="application/json">`` block
any tool can read back) are inlined, so the file opens offline from disk and fetches nothing.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from closeknit.present.web import charts
from closeknit.present.web.app import render_page, templates

__all__ = ["render_report"]


def render_report(ck: Any, *, top: int = 25) -> str:
    """The report of store ``ck`` (a :class:`closeknit.Closeknit`) as one HTML document; the
    views come from the kept measures when they are there (:meth:`closeknit.Closeknit.view`)."""
    ov = ck.view("overview")
    people = [r for r in ck.view("people") if r["person_id"] != "0"]
    top_rel = sorted(people, key=lambda r: (-(r["stage_rank"] or 0), -(r["intimacy"] or 0), r["person_id"]))[:top]
    data = json.dumps({"overview": ov, "top_relationships": top_rel}, ensure_ascii=False).replace("</", "<\\/")
    css = (Path(__file__).parent / "static" / "app.css").read_text(encoding="utf-8")
    return render_page(templates(), "report.html", title="Report", twins=[], web=False, ov=ov, top=top_rel,
                       inline_css=css, data=data, generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                       svg={"rings": charts.rings(ov["circles"]), "map": charts.gap_map(ov["map"], ov["gap_flag"]),
                            "activity": charts.activity(ov["activity"])})
