"""The web app's SVG charts (closeknit.present.web.charts), drawn from rows of our own."""

from __future__ import annotations

import math
import re

import pytest

from closeknit.present.web.charts import TOP_GAP, ring_radii, rings


def test_rings_have_equal_areas():
    radii = ring_radii(5, 100.0)
    assert radii[-1] == 100.0 and radii[0] == pytest.approx(100 / math.sqrt(5))
    areas = [b * b - a * a for a, b in zip([0.0] + radii, radii)]
    assert areas == pytest.approx([2000.0] * 5)


def test_rings_name_the_closest_outward_over_every_dot_and_keep_the_top_free():
    people = [{"layer": lay, "layer_name": f"layer {lay}", "person_id": f"{lay}-{i}", "person": f"P{lay}-{i}",
               "stage": "friend"} for lay, k in ((1, 2), (2, 3), (5, 20)) for i in range(k)]
    svg = rings(people, link=lambda pid: f"/person/{pid}", size=420)
    names = re.findall(r'<text [^>]*text-anchor="(start|end)"[^>]*>(P[^<]*)</text>', svg)
    assert sorted(n for _, n in names) == ["P1-0", "P1-1", "P2-0", "P2-1", "P2-2"]  # the two inner rings only
    assert svg.rindex("<circle") < svg.index(">P1-0<")  # the names are drawn over every dot
    dots = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([\d.]+)" cy="([\d.]+)" r="[46]"', svg)]
    assert len(dots) == 25
    for x, y in dots:  # no one in the top sector, where the rings' names are
        ang = math.atan2(y - 210, x - 210)
        assert abs(ang + math.pi / 2) >= TOP_GAP / 2 - 1e-9, (x, y)
    # a name written rightwards sits right of its dot, leftwards left of it
    for anchor, name in names:
        dot_x = float(re.search(rf'<a href="/person/{name[1:]}"><circle cx="([\d.]+)"', svg).group(1))
        text_x = float(re.search(rf'<text x="([\d.]+)"[^>]*>{name}</text>', svg).group(1))
        assert (text_x > dot_x) == (anchor == "start")


def test_rings_tell_apart_people_of_one_name_in_their_tooltips():
    people = [{"layer": 1, "layer_name": "inner", "person_id": "19", "person": "Helen Castell", "stage": "close"},
              {"layer": 2, "layer_name": "next", "person_id": "180", "person": "Helen Castell", "stage": "friend"},
              {"layer": 2, "layer_name": "next", "person_id": "7", "person": "Ravi Brooks", "stage": "friend"}]
    svg = rings(people)
    assert re.findall(r"<title>([^<]*)</title>", svg) == [
        "Helen Castell (id 19) · close", "Helen Castell (id 180) · friend", "Ravi Brooks · friend"]
    assert re.findall(r'paint-order="stroke">([^<]*)</text>', svg) == ["Helen Castell", "Helen Castell", "Ravi Brooks"]
