"""`closeknit serve` and `closeknit report` over HTTP on the demo store (no browser: see test_browser.py)."""

from __future__ import annotations

import html
import json
import re
import urllib.error
import urllib.request

import pandas as pd
from click.testing import CliRunner

import closeknit
from closeknit.api import to_jsonable
from closeknit.network import network_summary
from closeknit.present.cli import cli


def _get(url: str, *, cookie: str | None = None, headers: dict | None = None, method: str = "GET", data: bytes | None = None):
    req = urllib.request.Request(url, method=method, data=data, headers=dict(headers or {}))
    if cookie:
        req.add_header("Cookie", f"closeknit_token={cookie}")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=60) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_every_request_without_the_token_is_refused(served):
    base, token, _, _ = served
    for path in ["/", "/people", "/overview.json", "/person/1.json", "/static/app.js", "/nowhere"]:
        status, headers, body = _get(base + path)
        assert status == 403, path
        assert b"token" in body
    assert _get(base + "/people.json", cookie="not-the-token")[0] == 403
    assert _get(base + "/?token=wrong")[0] == 403
    # another name for this address (DNS rebinding) is refused even with the token
    assert _get(base + "/people.json", cookie=token, headers={"Host": f"evil.example:{base.rsplit(':', 1)[1]}"})[0] == 403


def test_the_token_becomes_a_strict_httponly_cookie(served):
    base, token, _, _ = served
    status, headers, _ = _get(f"{base}/people?token={token}")
    assert status == 303 and headers["location"] == "/people"
    cookie = headers["set-cookie"]
    assert cookie.startswith(f"closeknit_token={token};")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    status, headers, body = _get(base + "/", cookie=token)
    assert status == 200 and b"Attention now" in body
    assert headers["content-security-policy"].startswith("default-src 'none'; script-src 'self'; style-src 'self'")
    # the page loads nothing from elsewhere: every src/href is local
    refs = re.findall(rb'(?:src|href)="([^"]*)"', body)
    assert refs and all(r.startswith(b"/") for r in refs), [r for r in refs if not r.startswith(b"/")]


def test_writes_need_the_csrf_token(served):
    base, token, _, _ = served
    body = json.dumps({"a": "1", "b": "2"}).encode()
    status, _, text = _get(base + "/decide/reject", cookie=token, method="POST", data=body,
                           headers={"Content-Type": "application/json"})
    assert status == 403 and b"CSRF" in text
    status, _, _ = _get(base + "/import", cookie=token, method="POST", data=b"x", headers={"X-Filename": "a.csv"})
    assert status == 403


def test_json_twins_are_the_api_results(served):
    base, token, db, _ = served
    with closeknit.open(db) as ck:
        expected = {"/people.json": to_jsonable(ck.people()),
                    "/attention.json": to_jsonable(ck.attention()),
                    "/circles.json": to_jsonable(ck.circles()),
                    "/sources.json": to_jsonable(ck.sources())}
        priya = ck.people().set_index("person").loc["Priya Raman", "person_id"]
        expected[f"/person/{priya}.json"] = to_jsonable(ck.person(priya))
    for path, want in expected.items():
        status, headers, body = _get(base + path, cookie=token)
        assert status == 200 and headers["content-type"] == "application/json", path
        assert json.loads(body) == want, path
    ov = json.loads(_get(base + "/overview.json", cookie=token)[2])
    fading = [r["person"] for r in ov["attention"] if r["reason"] == "fading"]
    assert "Priya Raman" in fading
    assert "Dominic Hale" in [r["person"] for r in ov["feels_known"]]


def test_the_person_page_shows_closeness_with_its_parts_and_rank(served):
    base, token, db, _ = served
    with closeknit.open(db) as ck:
        priya = ck.people().set_index("person").loc["Priya Raman", "person_id"]
        k = ck.person(priya)["closeness"]
    # the demo's fading friend: still among your closest by what you have shared, now overdue
    assert (k["rank"], k["of"]) == (24, 217)
    page = _get(f"{base}/person/{priya}", cookie=token)[2].decode()
    section = page[page.index('<section id="closeness">'):]
    section = section[:section.index("</section>")]
    assert "24th closest of your 217 relationships" in section
    for part in k["parts"]:
        assert f"<td>{part['feature']}</td>" in section and f"<td>{html.escape(part['evidence'])}</td>" in section
    assert '<td class="up">2.81</td>' in section and '<td class="down">-0.32</td>' in section  # contact_days, overdue


def test_the_people_page_has_closeness(served):
    base, token, db, _ = served
    with closeknit.open(db) as ck:
        priya = ck.people().set_index("person").loc["Priya Raman"]
    page = _get(f"{base}/people", cookie=token)[2].decode()
    assert '<th data-sort="num">closeness</th>' in page
    row = page[page.index(f'<a href="/person/{priya.person_id}">'):]
    row = row[:row.index("</tr>")]
    assert f'<td data-v="{priya.closeness}">{priya.closeness:.2f}</td>' in row and priya.closeness > 0.99


def test_people_of_one_name_are_told_apart_on_the_pages(served):
    """The demo has two Helen Castells (one on Messenger, not merged): the People page, the merge
    suggestions and the overview's rings name each with its id, as the terminal does."""
    base, token, db, _ = served
    with closeknit.open(db) as ck:
        people = ck.people()
    helens = sorted(people.loc[people.person == "Helen Castell", "person_id"], key=int)
    assert len(helens) == 2
    labels = [f"Helen Castell (id {i})" for i in helens]
    page = _get(f"{base}/people", cookie=token)[2].decode()
    for i, label in zip(helens, labels):
        assert f'<a href="/person/{i}">{label}</a>' in page  # in the list and in the suggestions
    assert page.count(f">{labels[0]}</a>") == 2 and ">Helen Castell</a>" not in page
    overview = _get(f"{base}/", cookie=token)[2].decode()
    assert all(f"<title>{label} · " in overview for label in labels)  # the rings' tooltips
    # on one Helen's page, the other is the one to merge with; the draft check's recipients too
    page = _get(f"{base}/person/{helens[0]}", cookie=token)[2].decode()
    assert f'<option value="{helens[1]}">{labels[1]} (messenger)</option>' in page
    page = _get(f"{base}/check", cookie=token)[2].decode()
    assert all(f'<option value="{i}">{label}</option>' in page for i, label in zip(helens, labels))


def test_views_are_kept_for_the_store_revision(served):
    _, _, db, _ = served
    with closeknit.open(db) as ck:
        rev = ck.revision()
        kept = ck.con.execute("SELECT DISTINCT revision FROM view_cache").fetchall()
        views = {v for (v,) in ck.con.execute("SELECT DISTINCT view FROM view_cache").fetchall()}
    assert kept == [(rev,)]
    assert {"overview", "people", "network", "person"} <= views


def test_check_json_gives_the_verdict(served):
    base, token, db, _ = served
    with closeknit.open(db) as ck:
        gareth = ck.people().set_index("person").loc["Gareth Pryce", "person_id"]
    q = urllib.parse.urlencode({"text": "Are you seeing anyone? I'd love to take you to dinner", "to": gareth, "channel": "linkedin"})
    v = json.loads(_get(f"{base}/check.json?{q}", cookie=token)[2])
    assert v["person"] == "Gareth Pryce" and v["channel"] == "linkedin"
    assert v["verdict"] != "fine"
    q = urllib.parse.urlencode({"text": "Thanks, the brief looks good.", "to": gareth, "channel": "linkedin"})
    assert json.loads(_get(f"{base}/check.json?{q}", cookie=token)[2])["verdict"] == "fine"


def test_network_exports(served):
    base, token, _, _ = served
    status, headers, body = _get(base + "/network.graphml", cookie=token)
    assert status == 200 and b"<graphml" in body and b"Priya Raman" in body
    status, _, body = _get(base + "/network.gexf", cookie=token)
    assert status == 200 and b"<gexf" in body
    assert _get(base + "/network.exe", cookie=token)[0] == 404


def test_report_is_one_self_contained_file(demo_db, tmp_path):
    out = tmp_path / "report.html"
    res = CliRunner().invoke(cli, ["report", "-o", str(out), "--db", str(demo_db)])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert not re.search(r'(?:src|href)="', html), "the report must not load or link anything"
    assert "<style>" in html and "<svg" in html
    data = json.loads(re.search(r'<script type="application/json" id="closeknit-data">(.*?)</script>', html, re.S).group(1))
    assert "Priya Raman" in [r["person"] for r in data["overview"]["attention"] if r["reason"] == "fading"]
    assert data["top_relationships"][0]["stage"] == "close"


def _pairs(rows):
    return pd.DataFrame([{"a_id": a, "a": f"h{a}", "b_id": b, "b": f"h{b}", "a_name": f"P{a}", "b_name": f"P{b}",
                          "contacts_ab": ab, "contacts_ba": ba, "stage": "friend",
                          "first_contact": pd.Timestamp(t, tz="UTC"),
                          "last_contact": pd.Timestamp("2026-10-01", tz="UTC")} for a, b, ab, ba, t in rows])


def test_network_communities_bridges_reach_newcomers():
    # two triangles (1,2,3) and (4,5,6) joined by 3-4; 7 wrote to 6 recently and got no answer
    old = "2025-01-01"
    rows = [("1", "2", 5, 5, old), ("1", "3", 5, 5, old), ("2", "3", 5, 5, old), ("4", "5", 5, 5, old),
            ("4", "6", 5, 5, old), ("5", "6", 5, 5, old), ("3", "4", 1, 1, old), ("6", "7", 0, 2, "2026-09-20")]
    net = network_summary(_pairs(rows))
    assert net["people"] == 7 and net["pairs"] == 8
    comm = {r["person_id"]: r["community"] for r in net["nodes"]}
    assert comm["1"] == comm["2"] == comm["3"] != comm["4"] == comm["5"]
    # 3 and 4 each have 2 of 3 ties in their own community: participation 1 - (2/3)^2 - (1/3)^2
    assert [(r["person_id"], r["participation"]) for r in net["bridges"]] == [("3", 0.4444), ("4", 0.4444)]
    reach = {r["person_id"]: r["reach"] for r in net["nodes"]}
    assert reach == {"1": 3, "2": 3, "3": 5, "4": 6, "5": 4, "6": 4, "7": 3}
    assert [r["person_id"] for r in net["newcomers"]] == ["7"]


def test_decisions_through_the_app_are_kept_and_remeasured(served):
    """Runs last in this module: it writes (reject a suggestion, split an identity off)."""
    base, token, db, _ = served
    page = _get(base + "/people", cookie=token)[2].decode()
    csrf = re.search(r'<meta name="csrf" content="([^"]+)">', page).group(1)
    sugg = json.loads(_get(base + "/suggestions.json", cookie=token)[2])
    assert sugg, "the demo has same-name suggestions"
    a, b = sugg[0]["a_id"], sugg[0]["b_id"]
    with closeknit.open(db) as ck:
        rev = ck.revision()
    post = {"Content-Type": "application/json", "X-CSRF-Token": csrf}
    status, _, body = _get(base + "/decide/reject", cookie=token, method="POST", headers=post,
                           data=json.dumps({"a": a, "b": b}).encode())
    assert status == 200 and json.loads(body) == {"decision": "reject", "a_id": a, "b_id": b}
    after = json.loads(_get(base + "/suggestions.json", cookie=token)[2])
    assert (a, b) not in [(s["a_id"], s["b_id"]) for s in after] and len(after) == len(sugg) - 1
    with closeknit.open(db) as ck:
        assert ck.revision() == rev + 1 and ck.views_kept()
        # someone the other tests of the served store (the browser's walk among them) do not read
        callum = ck.people().set_index("person").loc["Callum Malik", "person_id"]
        ids = ck.identities(callum)["identities"]
    phone = ids[ids["kind"] == "phone"]["identity_id"].iloc[0]
    status, _, body = _get(base + "/decide/split", cookie=token, method="POST", headers=post,
                           data=json.dumps({"a": callum, "b": phone}).encode())
    res = json.loads(body)
    assert status == 200 and res["person"] == "Callum Malik" and res["new_person_id"] != res["person_id"]
    left = json.loads(_get(f"{base}/person/{res['person_id']}/identities.json", cookie=token)[2])["identities"]
    assert phone not in [i["identity_id"] for i in left] and left
    alone = json.loads(_get(f"{base}/person/{res['new_person_id']}/identities.json", cookie=token)[2])["identities"]
    assert phone in [i["identity_id"] for i in alone]
    assert _get(base + "/decide/explode", cookie=token, method="POST", headers=post, data=b"{}")[0] == 404


def test_a_change_to_the_store_drops_the_kept_views(demo_db, tmp_path):
    """What `people forget` or `sources remove` deletes must not stay in the kept views."""
    import shutil

    db = tmp_path / "s.duckdb"
    shutil.copy(demo_db, db)
    with closeknit.open(db, read_only=False) as ck:
        ck.materialise(people=1)
        kept = ck.con.execute("SELECT count(*) FROM view_cache").fetchall()[0][0]
        assert kept == 8 + 3 and ck.views_kept()
        from closeknit.store.people import resolve_people

        rev = ck.revision()
        resolve_people(ck.con)  # what every import, decision and deletion ends in
        assert ck.revision() == rev + 1 and not ck.views_kept()
        assert ck.con.execute("SELECT count(*) FROM view_cache").fetchall()[0][0] == 0


def test_request_bodies_have_a_cap(served, tmp_path):
    """An upload over `serve --max-upload` (and any other body over 64 KB) is refused with 413,
    whether it declares its length or not, and nothing is written: no upload folder, no import."""
    import http.client
    import os
    import shutil
    import subprocess
    import sys
    import time

    _, _, served_db, _ = served
    db = shutil.copy(served_db, tmp_path / "cap.duckdb")  # its views are kept: the server starts at once
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "closeknit.present.cli", "serve", "--port", "0", "--db", str(db),
                             "--max-upload", "1"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                            env={**os.environ, "TMPDIR": str(scratch)})
    try:
        deadline, m = time.monotonic() + 600, None
        while m is None and time.monotonic() < deadline:
            m = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)", proc.stderr.readline())
        assert m, "closeknit serve did not start"
        port, token = int(m.group(1)), m.group(2)
        base = f"http://127.0.0.1:{port}"
        page = _get(base + "/sources", cookie=token)[2].decode()
        assert "Files up to 1 MB" in page
        csrf = re.search(r'<meta name="csrf" content="([^"]+)">', page).group(1)
        head = {"Cookie": f"closeknit_token={token}", "X-CSRF-Token": csrf, "X-Filename": "big.csv"}
        with closeknit.open(db) as ck:
            rev = ck.revision()

        def post(path: str, length: int | None, chunks: int = 0) -> tuple[int, str]:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.putrequest("POST", path)
            for k, v in head.items():
                c.putheader(k, v)
            c.putheader("Content-Length", str(length)) if length is not None else c.putheader("Transfer-Encoding", "chunked")
            c.endheaders()
            try:
                for _ in range(chunks):  # 64 KiB chunks, chunked encoding
                    c.send(b"10000\r\n" + b"src,dst,ts\n" * 5957 + b"x" * 9 + b"\r\n")
                if chunks:
                    c.send(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                pass  # the server answered and closed while we were still sending
            r = c.getresponse()
            out = r.status, r.read().decode()
            c.close()
            return out

        # declared: refused from the headers, before any byte of the body
        status, text = post("/import", 3 * 2**20)
        assert status == 413 and "larger than the 1 MB this app takes" in text and "closeknit import PATH" in text
        # not declared (chunked): refused once 1 MB has arrived
        status, text = post("/import", None, chunks=20)
        assert status == 413 and "larger than the 1 MB" in text
        # any other body: 64 KB
        status, text = post("/decide/reject", 65 * 1024)
        assert status == 413 and "a request body is at most 64 KB" in text
        assert not list(scratch.glob("closeknit-upload-*"))
        with closeknit.open(db) as ck:
            assert ck.revision() == rev
        # under the cap, the same route imports
        body = b"src,dst,ts\nme,zoe,1700000000\n"
        status, _, res = _get(base + "/import", cookie=token, method="POST", data=body,
                              headers={"X-CSRF-Token": csrf, "X-Filename": "small.csv"})
        assert status == 202 and json.loads(res)["job"]
        # serve stops once the write in flight has ended (the import, then keeping its measures): wait for it
        deadline = time.monotonic() + 600
        while json.loads(_get(base + json.loads(res)["status"], cookie=token)[2])["state"] == "running":
            assert time.monotonic() < deadline, "the import did not end"
            time.sleep(1)
    finally:
        proc.terminate()
        proc.wait(timeout=60)
