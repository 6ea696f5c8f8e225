"""Errors, not tracebacks; no silent success; no terminal injection (issue 16).

Every case runs the real command (``python -m closeknit.present.cli``) and checks its exit code,
its one line on stderr and what it left behind.
"""

from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from closeknit.store import Store

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CHAT = FIXTURES / "whatsapp" / "WhatsApp Chat with Ada Lovelace.txt"


def cli(*args, timeout=120, stdin=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "closeknit.present.cli", *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, stdin=stdin)


def one_line(r: subprocess.CompletedProcess) -> str:
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    return lines[0]


@pytest.fixture(scope="module")
def chat_store(tmp_path_factory):
    db = tmp_path_factory.mktemp("chat") / "s.duckdb"
    r = cli("import", CHAT, "--db", db)
    assert r.returncode == 0, r.stderr
    return db


def test_measures_of_an_empty_store_are_empty_not_tracebacks(tmp_path):
    db = tmp_path / "s.duckdb"
    Store(db).close()
    for cmd in ("attention", "circles", "pairs"):
        r = cli(cmd, "--db", db, "--json")
        assert (r.returncode, json.loads(r.stdout)) == (0, []), r.stderr


@pytest.mark.parametrize("args, message", [
    (["check", "--incoming", "--limit", "-3"], "Invalid value for '--limit': -3 is not in the range 0<=x<=1000000."),
    (["person", "Ada Lovelace", "--last", "99999999999999999999"],
     "Invalid value for '--last': 99999999999999999999 is not in the range 0<=x<=10000."),
    (["circles", "--days", "inf"], "Invalid value for '--days': 'inf' is not a valid integer range."),
    (["circles", "--days", "nan"], "Invalid value for '--days': 'nan' is not a valid integer range."),
    (["attention", "--limit", "-1"], "Invalid value for '--limit': -1 is not in the range 0<=x<=1000000."),
    (["sources", "--errors", "0"], "Invalid value for '--errors': 0 is not in the range 1<=x<=4611686018427387904."),
])
def test_numeric_options_have_ranges(chat_store, args, message):
    r = cli(*args, "--db", chat_store)
    assert r.returncode == 2 and r.stderr.splitlines()[-1] == f"Error: {message}"


def test_as_of_before_everything_is_an_empty_answer(chat_store):
    r = cli("check", "are you seeing anyone?", "--to", "Ada Lovelace", "--as-of", "1900-01-01", "--db", chat_store)
    assert r.returncode == 0, r.stderr
    assert "there is no message yet (as of this date) to compare it with" in " ".join(r.stdout.split())
    for cmd in (["attention"], ["circles"], ["check", "--incoming"]):
        r = cli(*cmd, "--as-of", "1900-01-01", "--json", "--db", chat_store)
        assert (r.returncode, json.loads(r.stdout)) == (0, []), r.stderr


def test_score_refuses_to_write_over_its_input(tmp_path):
    x = tmp_path / "X.csv"
    x.write_text("text\nhow are you holding up?\n")
    r = cli("score", x, "-o", x)
    assert r.returncode == 2
    assert one_line(r) == f"Error: {x} is also an input: writing it would destroy what is being read; choose another -o"
    assert x.read_text() == "text\nhow are you holding up?\n"
    r = cli("predict-contacts", "--events", x, "--queries", x, "-o", x)
    assert r.returncode == 2 and x.read_text() == "text\nhow are you holding up?\n"


def test_devices_and_fifos_are_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    db = tmp_path / "s.duckdb"
    for src, kind in (("/dev/zero", "a character device"), (fifo, "a named pipe (FIFO)")):
        for args in (["score", src], ["predict-contacts", "--events", src, "--queries", src, "-o", tmp_path / "o.csv"]):
            r = cli(*args, timeout=30)
            assert r.returncode == 1
            assert one_line(r) == (f"Error: {src}: {kind}, not a file; give closeknit a regular file "
                                   "(an export, a CSV, a text file)")
        for args in (["import", src], ["import", "--format", "whatsapp", src]):
            r = cli(*args, "--db", db, timeout=30)
            assert r.returncode == 1 and "not a regular file" in one_line(r)
    with Store(db, read_only=True) as st:  # nothing was recorded as imported
        assert st.count("sources") == 0


def _chat_zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("WhatsApp Chat with Ada.txt", CHAT.read_bytes() * 50)


def test_a_damaged_zip_member_is_one_line(tmp_path):
    z = tmp_path / "chat.zip"
    _chat_zip(z)
    crc = struct.pack("<L", zipfile.ZipFile(z).infolist()[0].CRC)
    z.write_bytes(z.read_bytes().replace(crc, struct.pack("<L", struct.unpack("<L", crc)[0] ^ 0xDEADBEEF)))
    db = tmp_path / "s.duckdb"
    r = cli("import", z, "--db", db)
    assert r.returncode == 1
    line = one_line(r)
    assert line.startswith("Error: a zip archive is damaged (") and line.endswith("); re-download the export")
    assert "bad crc-32 for" in line.lower() and "'WhatsApp Chat with Ada.txt'" in line
    assert Store(db).count("interactions") == 0  # nothing of it was written


def test_a_zip_member_with_bad_deflate_data_is_one_line(tmp_path):
    # the member's deflate stream is sound for its first 300 KB (detection reads the head), then a
    # block of the reserved type 3: zlib fails in the middle of reading it
    text = CHAT.read_bytes() * 400
    noise = random.Random(1)
    tail = "".join(f"3/14/24, 9:{i % 60:02d} AM - Ada: {''.join(noise.choices('abcdefghij ', k=60))}\n" for i in range(300))
    z = tmp_path / "chat.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("WhatsApp Chat with Ada.txt", text + tail.encode())
    info = zipfile.ZipFile(z).infolist()[0]
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    damaged = c.compress(text) + c.flush(zlib.Z_FULL_FLUSH) + b"\x07"  # BFINAL=1, BTYPE=11: "invalid block type"
    assert len(damaged) < info.compress_size
    data = bytearray(z.read_bytes())
    start = info.header_offset + 30 + len(info.filename)
    data[start : start + len(damaged)] = damaged
    z.write_bytes(data)
    db = tmp_path / "s.duckdb"
    r = cli("import", z, "--db", db)
    assert r.returncode == 1
    assert one_line(r) == "Error: a zip archive is damaged (Error -3 while decompressing data: invalid block type); re-download the export"
    with Store(db, read_only=True) as st:  # nothing of it was written
        assert (st.count("interactions"), st.count("sources")) == (0, 0)


def test_a_store_cut_short_is_one_line_and_doctor_says_damaged(tmp_path, chat_store):
    db = tmp_path / "cut.duckdb"
    data = chat_store.read_bytes()
    db.write_bytes(data[: 12288 + 4096])  # the headers and a bit of the first block
    for cmd in (["people"], ["doctor"], ["import", CHAT]):
        r = cli(*cmd, "--db", db)
        assert r.returncode == 1
        line = one_line(r)
        assert str(db) in line and "damaged" in line and "restore it from a backup" in line.lower(), line
    r = cli("doctor", "--db", chat_store)
    assert r.returncode == 0 and "interactions" in r.stdout


def test_debug_keeps_the_traceback(tmp_path):
    z = tmp_path / "chat.zip"
    _chat_zip(z)
    crc = struct.pack("<L", zipfile.ZipFile(z).infolist()[0].CRC)
    z.write_bytes(z.read_bytes().replace(crc, b"\0\0\0\0"))
    r = cli("--debug", "import", z, "--db", tmp_path / "s.duckdb")
    assert r.returncode == 1 and "Traceback (most recent call last)" in r.stderr and "BadZipFile" in r.stderr


def test_control_characters_never_reach_the_terminal(tmp_path):
    chat = tmp_path / "WhatsApp Chat with Evil.txt"
    chat.write_text("3/14/24, 9:58 AM - Ev\x1b[2Jil: hello\x1b]52;c;aGk=\x07 there\n"
                    "3/14/24, 9:59 AM - Ada: hi\n", encoding="utf-8")
    db = tmp_path / "s.duckdb"
    r = cli("import", chat, "--db", db)
    assert r.returncode == 0, r.stderr
    for cmd in (["people", "--all"], ["interactions"], ["sources"]):  # (CSV stays exact unless on a terminal)
        out = cli(*cmd, "--db", db).stdout
        assert "\x1b" not in out and "\x07" not in out
    assert "Ev\\x1b[2Jil" in cli("people", "--all", "--db", db).stdout
    js = json.loads(cli("people", "--all", "--db", db, "--json").stdout)  # JSON keeps the data, escaped
    assert "Ev\x1b[2Jil" in {p["person"] for p in js}


@pytest.mark.parametrize("encoding", ["latin-1", "utf-16", "utf-16-le", "utf-8-sig"])
def test_whatsapp_exports_in_other_encodings_are_read_right(tmp_path, encoding):
    chat = tmp_path / "WhatsApp Chat with Jürgen.txt"
    chat.write_bytes("3/14/24, 9:58 AM - Jürgen Groß: Grüße aus München, schön!\n"
                     "3/14/24, 9:59 AM - Ada: Danke schön\n".encode(encoding))
    db = tmp_path / "s.duckdb"
    r = cli("import", chat, "--db", db)
    assert r.returncode == 0, r.stderr
    with Store(db, read_only=True) as st:
        texts = [t for (t,) in st.con.execute("SELECT text FROM interactions ORDER BY ts").fetchall()]
    assert texts == ["Grüße aus München, schön!", "Danke schön"]


def test_an_sms_body_over_the_record_limit_is_reported_and_the_rest_kept(tmp_path):
    from closeknit.core.files import MAX_RECORD_BYTES, too_big

    xml = tmp_path / "sms-big.xml"
    big = b'<sms protocol="0" address="+14155550101" date="1709280001000" type="1" read="1" body="'
    with open(xml, "wb") as f:
        f.write(b'<?xml version="1.0" encoding="UTF-8"?>\n<smses count="3">\n'
                b'<sms protocol="0" address="+14155550101" date="1709280000000" type="1" body="hello" read="1" />\n' + big)
        f.write(b"y" * (MAX_RECORD_BYTES + (1 << 20)))
        f.write(b'" />\n<sms protocol="0" address="+14155550101" date="1709280002000" type="1" body="after" read="1" />\n'
                b"</smses>\n")
    db = tmp_path / "s.duckdb"
    r = cli("import", "--format", "sms", xml, "--db", db)
    assert r.returncode == 0, r.stderr
    src = json.loads(cli("sources", "--db", db, "--json").stdout)[0]
    assert (src["added"], src["unreadable"]) == (2, 1)
    with Store(db, read_only=True) as st:
        assert st.con.execute("SELECT text FROM interactions ORDER BY ts").fetchall() == [("hello",), ("after",)]
    err = json.loads(cli("sources", "--db", db, "--errors", "1", "--json").stdout)
    size = len(big) + MAX_RECORD_BYTES + (1 << 20) + len(b'" />')
    assert [(e["location"], e["error"]) for e in err] == [("sms-big.xml sms 2", too_big("the <sms> of line 4", size))]
