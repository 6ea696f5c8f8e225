"""The `closeknit score` contract: columns kept, order kept, .txt / .csv / .tsv / stdin, bad inputs."""

from __future__ import annotations

import csv
import io
import subprocess
import sys

import pytest
from click.testing import CliRunner

from closeknit.present.cli import cli

TEXTS = [
    "what anime is this?",
    "what's your lowest point while being broke?",
    'She said "fine, whatever", then left',
    "",
    "Do you ever feel lonely when you get home at night?",
]


def run(*args, input=None):
    return CliRunner().invoke(cli, ["score", *args], input=input, catch_exceptions=False)


def parse(text):
    return list(csv.reader(io.StringIO(text)))


def check_scores(rows, n):
    assert len(rows) == n
    for r in rows:
        x, c = float(r[-2]), float(r[-1])
        assert 0.0 <= x <= 1.0 and 0.0 <= c <= 1.0


def test_csv_columns_and_order_kept(tmp_path):
    p = tmp_path / "in.csv"
    with open(p, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "body", "sender"])
        for i, t in enumerate(TEXTS):
            w.writerow([f"m{i}", t, f"s,{i}"])
    out = tmp_path / "out.csv"
    r = run(str(p), "--text-column", "body", "-o", str(out))
    assert r.exit_code == 0, r.output
    rows = parse(out.read_text(encoding="utf-8"))
    assert rows[0] == ["id", "body", "sender", "intimacy", "confidence"]
    assert [x[:3] for x in rows[1:]] == [[f"m{i}", t, f"s,{i}"] for i, t in enumerate(TEXTS)]
    check_scores(rows[1:], len(TEXTS))
    # the empty text scores 0 with confidence 0
    assert rows[4][3:] == ["0.0000", "0.0000"]


def test_tsv_default_column_to_stdout(tmp_path):
    p = tmp_path / "in.tsv"
    p.write_text("text\tn\n" + "".join(f"{t}\t{i}\n" for i, t in enumerate(TEXTS) if t), encoding="utf-8")
    r = run(str(p))
    assert r.exit_code == 0, r.output
    rows = parse(r.stdout)
    assert rows[0] == ["text", "n", "intimacy", "confidence"]
    assert [x[0] for x in rows[1:]] == [t for t in TEXTS if t]
    check_scores(rows[1:], 4)


def test_txt_one_text_per_line(tmp_path):
    p = tmp_path / "in.txt"
    p.write_text("\r\n".join(TEXTS) + "\r\n", encoding="utf-8")
    r = run(str(p))
    assert r.exit_code == 0, r.output
    rows = parse(r.stdout)
    assert rows[0] == ["text", "intimacy", "confidence"]
    assert [x[0] for x in rows[1:]] == TEXTS
    check_scores(rows[1:], len(TEXTS))


def test_stdin():
    r = run("-", input="\n".join(TEXTS) + "\n")
    assert r.exit_code == 0, r.output
    rows = parse(r.stdout)
    assert [x[0] for x in rows[1:]] == TEXTS
    # the intimate question ranks above the impersonal one
    assert float(rows[2][1]) > float(rows[1][1])


def test_stdin_real_process():
    p = subprocess.run([sys.executable, "-m", "closeknit.present.cli", "score", "-"], input="hello there\nI miss you\n",
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    rows = parse(p.stdout)
    assert [r[0] for r in rows] == ["text", "hello there", "I miss you"]


def one_line_error(r):
    assert r.exit_code != 0
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, r.stderr
    return lines[0]


def test_missing_column(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("id,body\n1,hi\n", encoding="utf-8")
    msg = one_line_error(run(str(p)))
    assert "no column 'text'" in msg and "--text-column" in msg


def test_unreadable_file(tmp_path):
    msg = one_line_error(run(str(tmp_path / "nope.csv")))
    assert "cannot read" in msg and "nope.csv" in msg
    msg = one_line_error(run(str(tmp_path)))
    assert "folder" in msg


@pytest.mark.skipif(sys.platform == "win32", reason="chmod")
def test_permission_denied(tmp_path):
    import os

    if os.geteuid() == 0:
        pytest.skip("root reads everything")
    p = tmp_path / "in.txt"
    p.write_text("x\n")
    p.chmod(0)
    assert "cannot read" in one_line_error(run(str(p)))


def test_wrong_encoding(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes("text\nCafé crème\n".encode("latin-1"))
    msg = one_line_error(run(str(p)))
    assert "not UTF-8" in msg
    p2 = tmp_path / "in.txt"
    p2.write_bytes(b"ok line\n\xff\xfe broken\n")
    assert "not UTF-8" in one_line_error(run(str(p2)))


def test_stdin_wrong_encoding():
    assert "not UTF-8" in one_line_error(run("-", input=b"caf\xe9\n"))


def test_no_input_is_usage_error():
    assert one_line_error(run()).startswith("Error:")
