"""No socket, ever: every command runs without a network namespace and makes no socket call but
local (AF_UNIX) ones, the long accurate scoring run included.

Each command runs as a child process under ``unshare -n`` (no network at all) and
``strace -f -e trace=socket,connect``; any socket of another family (AF_INET, AF_INET6,
AF_NETLINK...) fails the test. Needs strace and unshare with the right to make a network
namespace (root, or unprivileged user namespaces); skips with the reason otherwise.
``pytest -s`` prints one line per command: the calls seen.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
_CALL = re.compile(r"^\d+\s+(socket|connect)\(")


def _tools_or_skip() -> list[str]:
    for tool in ("strace", "unshare"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (apt-get install strace util-linux)")
    probe = subprocess.run(["unshare", "-n", "strace", "-f", "-qq", "-e", "trace=socket", "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"cannot run unshare -n + strace here: {probe.stderr.strip()[:200]}")
    return ["unshare", "-n", "strace", "-f", "-qq", "-e", "trace=socket,connect"]


@pytest.fixture(scope="module")
def netless(tmp_path_factory):
    prefix = _tools_or_skip()
    root = tmp_path_factory.mktemp("netless")

    def run(name: str, *args) -> tuple[subprocess.CompletedProcess, list[str]]:
        trace = root / f"{name}.strace"
        r = subprocess.run([*prefix, "-o", str(trace), sys.executable, "-m", "closeknit.present.cli", *map(str, args)],
                           capture_output=True, text=True, timeout=600)
        calls = [line for line in trace.read_text().splitlines() if _CALL.match(line)]
        foreign = [c for c in calls if "AF_UNIX" not in c]
        print(f"\n{name:28} exit {r.returncode}  socket/connect calls: {len(calls)}, non-AF_UNIX: {len(foreign)}", end="")
        return r, foreign

    return root, run


@pytest.fixture(scope="module")
def demo_store(netless):
    root, run = netless
    db = root / "demo.duckdb"
    r, foreign = run("demo", "demo", "--out", root / "exports", "--db", db)  # writes and imports all 14 formats
    assert r.returncode == 0, r.stderr
    assert foreign == []
    return db


def _texts(n: int) -> str:
    rng = random.Random(16)
    words = ("how are you holding up since the breakup I miss you the meeting is at noon please send the "
             "report my mother is ill and I am scared can we talk tonight").split()
    return "".join(" ".join(rng.choice(words) for _ in range(rng.randint(4, 30))) + "\n" for _ in range(n))


def _commands(root: Path, db: Path) -> dict[str, list]:
    (root / "texts.txt").write_text(_texts(50))
    (root / "many.txt").write_text(_texts(300))
    (root / "events.csv").write_text("src,dst,ts\n" + "".join(f"{i % 7},{(i * 3) % 7},{i * 3600}\n" for i in range(200)))
    (root / "queries.csv").write_text("src,dst,cutoff\n1,2,720000\n3,4,720000\n")
    return {
        "import": ["import", "--db", db, FIXTURES / "twitter" / "v2019", FIXTURES / "mbox" / "quirks.mbox",
                   FIXTURES / "whatsapp" / "_chat.txt"],
        "sources": ["sources", "--db", db],
        "doctor": ["doctor", "--db", db],
        "me": ["me", "--db", db],
        "people": ["people", "--db", db],
        "people show": ["people", "--db", db, "show", "Gareth Pryce"],
        "people suggest": ["people", "--db", db, "suggest"],
        "person": ["person", "Gareth Pryce", "--db", db],
        "check": ["check", "are you seeing anyone?", "--to", "Gareth Pryce", "--db", db],
        "check --incoming": ["check", "--incoming", "--db", db],
        "attention": ["attention", "--db", db],
        "circles": ["circles", "--db", db],
        "score": ["score", root / "texts.txt", "-o", root / "scored.csv"],
        "score --store": ["score", "--store", "--db", db],
        "score --model accurate 300": ["score", root / "many.txt", "--model", "accurate", "-o", root / "acc.csv"],
        "pairs": ["pairs", "--db", db],
        "interactions": ["interactions", "Gareth Pryce", "--db", db],
        "export --to sqlite": ["export", "--to", "sqlite", root / "datasette", "--db", db],
        "export --to gexf": ["export", "--to", "gexf", root / "gephi", "--db", db],
        "report": ["report", "-o", root / "report.html", "--db", db],
        "predict-contacts": ["predict-contacts", "--events", root / "events.csv", "--queries", root / "queries.csv",
                             "-o", root / "pred.csv"],
    }


COMMANDS = ["import", "sources", "doctor", "me", "people", "people show", "people suggest", "person", "check",
            "check --incoming", "attention", "circles", "score", "score --store", "score --model accurate 300",
            "pairs", "interactions", "export --to sqlite", "export --to gexf", "report", "predict-contacts"]


@pytest.mark.parametrize("name", COMMANDS)
def test_no_socket(netless, demo_store, name):
    root, run = netless
    r, foreign = run(name, *_commands(root, demo_store)[name])
    assert r.returncode == 0, r.stderr
    assert foreign == []


def test_every_command_is_covered():
    from closeknit.present.cli import cli

    # serve is the local web UI: listening on a loopback socket is its job (its own tests check
    # that it binds 127.0.0.1 only); every other command must open none
    assert {c.split()[0] for c in COMMANDS} | {"demo", "serve"} == set(cli.commands)
