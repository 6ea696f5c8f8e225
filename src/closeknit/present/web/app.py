"""`closeknit serve`: the local web app, a Starlette application over one read-only store.

Every page is drawn from views of the Python API (:meth:`closeknit.Closeknit.view`, the same
calls the CLI's ``--json`` prints), and each of those views is served as JSON at a stable URL
(``ROUTES`` below; the README lists them).

Private by construction:

* the server binds 127.0.0.1 only, and answers only requests addressed to it by that name
  (``Host: 127.0.0.1:PORT`` or ``localhost:PORT``: a page on another site cannot rebind its
  name to us);
* every request needs the random token printed at start-up: ``/?token=...`` once, then an
  HttpOnly, SameSite=Strict cookie; anything without it gets 403;
* writes (merge, split, reject, import) are POSTs carrying a second random token (CSRF) in the
  ``X-CSRF-Token`` header, which only our own pages know;
* every script, style and chart comes from the package (charts are SVG drawn in Python), and the
  Content-Security-Policy forbids loading anything from anywhere else;
* the store is opened read-only; a write closes it, reopens it for that one action, keeps the
  measures for the new revision (:meth:`closeknit.Closeknit.materialise`) and reopens it read-only.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import tempfile
import threading
import uuid
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import closeknit
from closeknit.api import to_jsonable
from closeknit.core.errors import CloseknitError, NotFoundError, UsageError
from closeknit.present.web import MAX_UPLOAD_MB, charts
from closeknit.present.words import names_apart_rows, ordinal

__all__ = ["Server", "make_app", "CSP", "render_page", "templates"]

STATIC = Path(__file__).parent / "static"
COOKIE = "closeknit_token"
#: The people page draws at most this many rows (most interactions first); its filters, submitted,
#: run over everyone on the server.
PEOPLE_SHOWN = 1000
#: The largest body of any other request (a decision is a few hundred bytes of JSON).
MAX_BODY = 64 * 1024
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]


def templates() -> Environment:
    env = Environment(loader=PackageLoader("closeknit.present.web", "templates"), autoescape=select_autoescape(["html"]))
    env.filters["num"] = lambda v, nd=2: "–" if v is None else f"{v:.{nd}f}"
    env.filters["ordinal"] = ordinal
    env.filters["day"] = lambda v: "–" if not v else str(v)[:10]
    env.filters["when"] = lambda v: "–" if not v else str(v)[:16].replace("T", " ")
    return env


def render_page(env: Environment, name: str, **ctx: Any) -> str:
    """One page as HTML (the web app and the report share the templates)."""
    svg = {k: Markup(v) for k, v in ctx.pop("svg", {}).items()}
    return env.get_template(name).render(svg=svg, **ctx)


class Server:
    """The state of one ``closeknit serve``: the store, the tokens, the imports in progress."""

    def __init__(self, db: str | Path | None, *, token: str | None = None, max_upload_mb: int = MAX_UPLOAD_MB) -> None:
        self.db = db
        self.max_upload = int(max_upload_mb) * 1024 * 1024
        self.token = token or secrets.token_urlsafe(24)
        self.csrf = secrets.token_urlsafe(24)
        self.port: int | None = None
        self.lock = threading.RLock()
        self.jobs: dict[str, dict[str, Any]] = {}
        self.ck: closeknit.Closeknit | None = None
        self.env = templates()
        self.refresh()
        from closeknit.language.scorer import default_scorer

        default_scorer("accurate").score("")  # loaded (once per process) now: a draft's first verdict does not wait for it

    # ------------------------------------------------------------------ the store
    def refresh(self) -> None:
        """Keep the measures for the store's revision if they are not kept yet (the views and the
        engine's tables every other view reads: :meth:`closeknit.Closeknit.materialise`); open it
        read-only."""
        with self.lock:
            if self.ck is not None:
                self.ck.close()
                self.ck = None
            ro = closeknit.open(self.db)
            try:
                stale = not ro.views_kept()
            finally:
                ro.close()
            if stale:
                with closeknit.open(self.db, read_only=False) as rw:
                    rw.materialise()
            self.ck = closeknit.open(self.db)

    @contextlib.contextmanager
    def writing(self) -> Iterator[closeknit.Closeknit]:
        """The store opened for writing, for one explicit action; kept measures follow."""
        with self.lock:
            if self.ck is not None:
                self.ck.close()
                self.ck = None
            try:
                with closeknit.open(self.db, read_only=False) as rw:
                    yield rw
                    rw.materialise()
            finally:
                self.refresh()

    def opened(self) -> closeknit.Closeknit:
        """The read-only store; call it with ``lock`` held (only a write, while it runs, closes it)."""
        if self.ck is None:
            raise RuntimeError("the store is closed")
        return self.ck

    def view(self, name: str, key: str = "") -> Any:
        with self.lock:
            return self.opened().view(name, key or None)

    def close(self) -> None:
        with self.lock:
            if self.ck is not None:
                self.ck.close()
                self.ck = None


# ---------------------------------------------------------------------------------------- security
class TooLarge(Exception):
    """A request body over its cap (:data:`MAX_UPLOAD_MB` for an import, :data:`MAX_BODY` else)."""

    def __init__(self, limit: int, upload: bool) -> None:
        self.limit, self.upload = limit, upload
        if upload:
            super().__init__(f"413: this file is larger than the {_size(limit)} this app takes: import it with "
                             "closeknit import PATH, or start closeknit serve --max-upload MB")
        else:
            super().__init__(f"413: a request body is at most {_size(limit)}")


def _size(n: int) -> str:
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n // 1024} KB"


def _too_large(exc: TooLarge) -> Response:
    return PlainTextResponse(str(exc), 413, headers={"connection": "close"})


class Guard:
    """ASGI middleware: loopback host, the start-up token, CSRF on writes, security headers."""

    def __init__(self, app: ASGIApp, server: Server) -> None:
        self.app, self.server = app, server

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        srv = self.server

        async def send_secure(msg: Message) -> None:
            if msg["type"] == "http.response.start":
                msg = {**msg, "headers": list(msg.get("headers", [])) + SECURITY_HEADERS}
            await send(msg)

        host = headers.get("host", "")
        allowed = {f"127.0.0.1:{srv.port}", f"localhost:{srv.port}"} if srv.port else None
        if allowed is not None and host not in allowed:
            return await PlainTextResponse("closeknit answers only at 127.0.0.1", 403)(scope, receive, send_secure)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = (query.get("token") or [""])[0]
        if given and secrets.compare_digest(given, srv.token):
            rest = {k: v for k, v in query.items() if k != "token"}
            target = scope["path"] + (("?" + urlencode(rest, doseq=True)) if rest else "")
            resp = RedirectResponse(target, 303)
            resp.set_cookie(COOKIE, srv.token, httponly=True, samesite="strict", path="/")
            return await resp(scope, receive, send_secure)
        cookie = SimpleCookie()
        with contextlib.suppress(Exception):
            cookie.load(headers.get("cookie", ""))
        have = cookie[COOKIE].value if COOKIE in cookie else ""
        if not (have and secrets.compare_digest(have, srv.token)):
            return await PlainTextResponse(
                "403: open the address closeknit serve printed (it carries the token)", 403)(scope, receive, send_secure)
        if scope["method"] not in ("GET", "HEAD"):
            csrf = headers.get("x-csrf-token", "")
            origin = headers.get("origin")
            if not (csrf and secrets.compare_digest(csrf, srv.csrf)) or (origin and origin.split("//", 1)[-1] != host):
                return await PlainTextResponse("403: this write needs the page's CSRF token", 403)(scope, receive, send_secure)
        # every body has a cap: refused from its declared length before a byte is read, and counted
        # as it arrives (a chunked body declares none)
        upload = scope["path"] == "/import"
        limit = srv.max_upload if upload else MAX_BODY
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return await _too_large(TooLarge(limit, upload))(scope, receive, send_secure)
        seen = 0

        async def capped() -> Message:
            nonlocal seen
            msg = await receive()
            if msg["type"] == "http.request":
                seen += len(msg.get("body", b""))
                if seen > limit:
                    raise TooLarge(limit, upload)
            return msg
        return await self.app(scope, capped, send_secure)


# ---------------------------------------------------------------------------------------- pages
def _json(data: Any) -> Response:
    return Response(closeknit.to_json(data, indent=None), media_type="application/json")


def make_app(server: Server) -> Any:
    """The ASGI application for ``server`` (wrapped in :class:`Guard`)."""
    env = server.env

    def person_link(pid: str) -> str:
        return f"/person/{pid}"

    def page(name: str, title: str, twins: list[str], **ctx: Any) -> HTMLResponse:
        return HTMLResponse(render_page(env, name, title=title, twins=twins, csrf=server.csrf, web=True, **ctx))

    def twin(view: str, arg: str | None = None):
        def endpoint(request: Request) -> Response:
            key = str(request.path_params.get(arg, "")) if arg else ""
            return _json(server.view(view, key))
        return endpoint

    # -- pages
    def overview(request: Request) -> Response:
        ov = server.view("overview")
        # two people of one name are told apart in every list and chart (closeknit.present.words)
        ov = {**ov, **{k: names_apart_rows(ov[k]) for k in ("map", "feels_known", "attention")}}  # rings: charts.rings
        return page("overview.html", "Overview", ["/overview.json"], ov=ov, svg={
            "rings": charts.rings(ov["circles"], link=person_link),
            "map": charts.gap_map(ov["map"], ov["gap_flag"], link=person_link),
            "activity": charts.activity(ov["activity"])})

    def person(request: Request) -> Response:
        pid = str(request.path_params["pid"])
        p = server.view("person", pid)
        ids = server.view("identities", pid)
        evs = server.view("interactions", pid)
        flagged = [r for r in server.view("incoming") if r["person_id"] == p["person_id"]]
        m = p["measures"] or {}
        # labelled before this person is left out: their namesake is the one to merge with
        others = [r for r in names_apart_rows(server.view("people")) if r["person_id"] not in (p["person_id"], "0")][:500]
        return page("person.html", p["person"], [f"/person/{pid}.json", f"/person/{pid}/identities.json",
                                                  f"/person/{pid}/interactions.json", "/incoming.json"],
                    p=p, ids=ids, flagged=flagged, m=m, others=others, svg={
                        "lanes": charts.lanes(evs, flagged={r["interaction_id"] for r in flagged}),
                        "stages": charts.stages(p["timeline"], p["stage_changes"]),
                        "bars": charts.bars({k: m.get(k) for k in ("familiarity", "intimacy", "reciprocity", "trust")})})

    def people(request: Request) -> Response:
        rows = names_apart_rows(server.view("people"))
        q = request.query_params
        shown = [r for r in rows if (not q.get("q") or q["q"].lower() in (r["person"] or "").lower())
                 and (not q.get("stage") or r["stage"] == q["stage"])
                 and (not q.get("channel") or q["channel"] in r["channels"])
                 and (not q.get("trajectory") or r["trajectory"] == q["trajectory"])]
        return page("people.html", "People", ["/people.json", "/suggestions.json"], rows=shown[:PEOPLE_SHOWN],
                    total=len(rows), matching=len(shown), limit=PEOPLE_SHOWN, q=q,
                    suggestions=names_apart_rows(server.view("suggest")),
                    stages=charts.STAGE_ORDER, channels=sorted({c for r in rows for c in r["channels"]}),
                    trajectories=sorted({r["trajectory"] for r in rows if r["trajectory"]}))

    def check_page(request: Request) -> Response:
        rows = [r for r in names_apart_rows(server.view("people")) if r["person_id"] != "0"]
        chans = sorted({c for r in rows for c in r["channels"]})
        return page("check.html", "Check a draft", ["/check.json?text=…&to=PERSON&channel=CHANNEL"], people=rows,
                    channels=chans, to=request.query_params.get("to", ""))

    def check_json(request: Request) -> Response:
        q = request.query_params
        with server.lock:
            return _json(server.opened().check(q.get("text", ""), to=q.get("to", ""), channel=q.get("channel") or None))

    def network(request: Request) -> Response:
        net = server.view("network")
        return page("network.html", "Network", ["/network.json", "/network.graphml", "/network.gexf"], net=net,
                    svg={"graph": charts.graph(net["drawing"], link=person_link)})

    def network_file(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("graphml", "gexf"):
            raise NotFoundError(f"no export {fmt!r} (graphml or gexf)")
        with server.lock, tempfile.TemporaryDirectory() as d:
            (path,) = server.opened().export(fmt, d)["path"]  # the same file as closeknit export --to graphml|gexf
            data = Path(path).read_bytes()
        return Response(data, media_type="application/xml",
                        headers={"content-disposition": f'attachment; filename="closeknit.{fmt}"'})

    def sources(request: Request) -> Response:
        rows = server.view("sources")
        return page("sources.html", "Sources", ["/sources.json", "/sources/{id}/errors.json"], rows=rows,
                    max_upload=_size(server.max_upload))

    def source_errors(request: Request) -> Response:
        with server.lock:
            return _json(server.opened().import_errors(request.path_params["sid"]))

    # -- writes
    async def decide(request: Request) -> Response:
        body = await request.json()
        kind = request.path_params["kind"]
        if kind not in ("merge", "reject", "split"):
            raise NotFoundError(f"no decision {kind!r}")
        a, b = str(body.get("a", "")), str(body.get("b", ""))
        if not a or not b:
            raise UsageError("a decision needs two people (or a person and an identity)")

        def run() -> Any:
            with server.writing() as rw:
                return getattr(rw, kind)(a, b)
        from starlette.concurrency import run_in_threadpool

        return _json(await run_in_threadpool(run))

    async def upload(request: Request) -> Response:
        name = Path(request.headers.get("x-filename", "")).name
        if not name or name.startswith("."):
            raise UsageError("name the file (X-Filename)")
        folder = Path(tempfile.mkdtemp(prefix="closeknit-upload-"))
        path = folder / name
        try:
            with path.open("wb") as f:
                async for chunk in request.stream():
                    f.write(chunk)
        except BaseException:  # over the cap, or the browser went away: nothing is kept, nothing imported
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = uuid.uuid4().hex
        state: dict[str, Any] = {"job": job, "file": name, "state": "running", "step": "starting", "done": 0,
                                 "total": None, "result": None, "error": None}
        server.jobs[job] = state

        @contextlib.contextmanager
        def progress(description: str, total: int | None):
            state.update(step=description, done=0, total=total)

            def advance(n: int) -> None:
                state["done"] += n
            yield advance

        def run() -> None:
            try:
                with server.writing() as rw:
                    rw.progress = progress
                    state["result"] = to_jsonable(rw.import_(path))
                    state["step"] = "measuring"
                state["state"] = "done"
            except Exception as e:  # shown on the page, the store is as it was
                state.update(state="failed", error=str(e).splitlines()[0] if str(e) else type(e).__name__)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        threading.Thread(target=run, daemon=True).start()
        return JSONResponse({"job": job, "status": f"/import/{job}.json"}, status_code=202)

    def job_status(request: Request) -> Response:
        st = server.jobs.get(request.path_params["job"])
        if st is None:
            raise NotFoundError("no such import")
        return _json(st)

    async def on_error(request: Request, exc: Exception) -> Response:
        if isinstance(exc, TooLarge):
            return _too_large(exc)
        status = 404 if isinstance(exc, NotFoundError) else 400
        return PlainTextResponse(f"{status}: {str(exc).splitlines()[0]}", status)

    routes = [
        Route("/", overview), Route("/overview.json", twin("overview")),
        Route("/people", people), Route("/people.json", twin("people")),
        Route("/suggestions.json", twin("suggest")),
        Route("/person/{pid:int}", person), Route("/person/{pid:int}.json", twin("person", "pid")),
        Route("/person/{pid:int}/identities.json", twin("identities", "pid")),
        Route("/person/{pid:int}/interactions.json", twin("interactions", "pid")),
        Route("/attention.json", twin("attention")), Route("/circles.json", twin("circles")),
        Route("/incoming.json", twin("incoming")),
        Route("/check", check_page), Route("/check.json", check_json),
        Route("/network", network), Route("/network.json", twin("network")),
        Route("/network.{fmt:str}", network_file),
        Route("/sources", sources), Route("/sources.json", twin("sources")),
        Route("/sources/{sid:int}/errors.json", source_errors),
        Route("/decide/{kind:str}", decide, methods=["POST"]),
        Route("/import", upload, methods=["POST"]), Route("/import/{job:str}.json", job_status),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={CloseknitError: on_error, TooLarge: on_error})
    return Guard(app, server)
