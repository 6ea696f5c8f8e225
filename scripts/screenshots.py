"""The README's screenshots of the web app: the overview and a person page of the demo store.

    python scripts/screenshots.py [--db DEMO.duckdb] [--out docs]

Builds the demo store when none is given, serves it on 127.0.0.1 and photographs the pages
with the system's headless Chromium (Selenium and chromedriver, as in tests/present/test_browser.py).
"""

from __future__ import annotations

import argparse
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=REPO / "docs")
    args = ap.parse_args()
    import uvicorn
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    import closeknit
    from closeknit.present.web.app import Server, make_app

    db = args.db
    if db is None:
        from closeknit.demo.build import build_demo

        tmp = Path(tempfile.mkdtemp())
        db = tmp / "demo.duckdb"
        build_demo(db, tmp / "exports")
    server = Server(db)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server.port = sock.getsockname()[1]
    uv = uvicorn.Server(uvicorn.Config(make_app(server), log_level="warning", lifespan="off"))
    threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True).start()
    base = f"http://127.0.0.1:{server.port}"
    with closeknit.open(db) as ck:
        pid = ck.people().set_index("person").loc["Gareth Pryce", "person_id"]
    opts = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1100,860", "--hide-scrollbars"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    try:
        drv.get(f"{base}/?token={server.token}")
        time.sleep(0.5)
        drv.save_screenshot(str(args.out / "web-overview.png"))
        drv.get(f"{base}/person/{pid}")
        time.sleep(0.5)
        drv.save_screenshot(str(args.out / "web-person.png"))
    finally:
        drv.quit()
        uv.should_exit = True
        server.close()
    print(f"wrote {args.out / 'web-overview.png'} and {args.out / 'web-person.png'}")


if __name__ == "__main__":
    main()
