"""`closeknit serve` (the local web app) and `closeknit report` (one self-contained HTML file)."""

from __future__ import annotations

import click

from closeknit.present.common import db_option
from closeknit.present.web import MAX_UPLOAD_MB

__all__ = ["COMMANDS"]

_SERVE_EPILOG = """\b
Example:
  closeknit serve --open
  closeknit serve --demo --open
  closeknit serve --port 8765 --db ~/nora.duckdb
"""


@click.command("serve", epilog=_SERVE_EPILOG)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the app in your browser.")
@click.option("--demo", is_flag=True, help="Serve the demo store (made by closeknit demo).")
@click.option("--max-upload", "max_upload", type=click.IntRange(1, 1024 * 1024), default=MAX_UPLOAD_MB, show_default=True,
              metavar="MB", help="Largest file the Sources page imports (larger: closeknit import PATH).")
@db_option
def serve_cmd(port, open_browser, demo, max_upload, db):
    """Look at your relationships in your browser: a local web app over the store.

    It listens on 127.0.0.1 only and prints an address with a random token; only a browser that
    opened that address gets in. Measures are computed once per import or decision and kept in
    the store, so pages open fast. Ctrl-C stops it.
    """
    import socket
    import webbrowser

    import uvicorn

    from closeknit.present.web.app import Server, make_app

    from closeknit.core.config import resolve_db_path

    server = Server(resolve_db_path(db, demo=demo), max_upload_mb=max_upload)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)  # connections wait in the backlog until uvicorn serves them
    server.port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{server.port}/?token={server.token}"
    click.echo(f"closeknit is serving {server.ck.path} at\n  {url}\n(Ctrl-C to stop)", err=True)
    if open_browser:
        webbrowser.open(url)
    config = uvicorn.Config(make_app(server), log_level="warning", access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        server.close()


_REPORT_EPILOG = """\b
Example:
  closeknit report -o closeknit-report.html
  closeknit report --demo -o demo-report.html
"""


@click.command("report", epilog=_REPORT_EPILOG)
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, writable=True), default="closeknit-report.html",
              show_default=True, help="The HTML file to write.")
@click.option("--top", type=int, default=25, show_default=True, help="How many top relationships to list.")
@click.option("--demo", is_flag=True, help="Report on the demo store (made by closeknit demo).")
@db_option
def report_cmd(output, top, demo, db):
    """Write the overview, attention list and top relationships as one HTML file.

    Styles, charts and data are inside the file: it opens offline, from disk, and loads nothing.
    """
    from pathlib import Path

    import closeknit
    from closeknit.present.web.report import render_report

    from closeknit.core.config import resolve_db_path

    with closeknit.open(resolve_db_path(db, demo=demo)) as ck:
        html = render_report(ck, top=top)
    Path(output).write_text(html, encoding="utf-8")
    click.echo(f"Wrote {output} ({len(html.encode()) // 1024} KB)", err=True)


COMMANDS = [serve_cmd, report_cmd]
