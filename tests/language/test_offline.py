"""Scoring never touches the network: with socket creation made to fail, everything still works."""

from __future__ import annotations

import socket
import subprocess
import sys

from click.testing import CliRunner


class NoNetwork(Exception):
    pass


def _refuse(*a, **k):
    raise NoNetwork("a socket was opened")


class _NoSocket(socket.socket):
    def __init__(self, *a, **k):
        raise NoNetwork("a socket was opened")


def test_no_socket_in_process(monkeypatch, tmp_path):
    monkeypatch.setattr(socket, "socket", _NoSocket)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(socket, "getaddrinfo", _refuse)
    from closeknit.language import langid
    from closeknit.language.scorer import IntimacyScorer

    langid._model.cache_clear()  # load the language identifier again, under the patch
    for name in ("fast", "accurate"):
        s = IntimacyScorer.load(name).score("Do you ever feel lonely at night?")
        assert 0 <= s.intimacy <= 1 and s.lang == "en"
    from closeknit.present.cli import cli

    p = tmp_path / "in.txt"
    p.write_text("hello\nJe t'aime\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["score", str(p)], catch_exceptions=False)
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 3


CHILD = r"""
import socket, sys
def refuse(*a, **k):
    raise SystemExit("socket opened")
class NoSocket(socket.socket):
    def __init__(self, *a, **k):
        refuse()
socket.socket = NoSocket
socket.create_connection = refuse
socket.getaddrinfo = refuse
from closeknit.present.cli import main
sys.argv = ["closeknit", "score", "-"]
main()
"""


def test_no_socket_cli_process():
    p = subprocess.run([sys.executable, "-c", CHILD], input="what's your lowest point while being broke?\n",
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[0] == "text,intimacy,disclosure,confidence,lang,is_question,personal_question"
