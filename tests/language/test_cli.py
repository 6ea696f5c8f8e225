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


SCORES = ["intimacy", "disclosure", "confidence", "lang", "is_question", "personal_question"]


def check_scores(rows, n):
    assert len(rows) == n
    for r in rows:
        x, d, c = float(r[-6]), float(r[-5]), float(r[-4])
        assert 0.0 <= x <= 1.0 and 0.0 <= d <= 1.0 and 0.0 <= c <= 1.0
        assert r[-2] in ("true", "false") and r[-1] in ("true", "false")


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
    assert rows[0] == ["id", "body", "sender", *SCORES]
    assert [x[:3] for x in rows[1:]] == [[f"m{i}", t, f"s,{i}"] for i, t in enumerate(TEXTS)]
    check_scores(rows[1:], len(TEXTS))
    # the empty text scores 0 with confidence 0, no language, no question
    assert rows[4][3:] == ["0.0000", "0.0000", "0.0000", "", "false", "false"]
    # the questions are questions; the one to "you" about being broke is personal
    assert [r[-2] for r in rows[1:]] == ["true", "true", "false", "false", "true"]
    assert [r[-1] for r in rows[1:]] == ["false", "true", "false", "false", "true"]


def test_tsv_default_column_to_stdout(tmp_path):
    p = tmp_path / "in.tsv"
    p.write_text("text\tn\n" + "".join(f"{t}\t{i}\n" for i, t in enumerate(TEXTS) if t), encoding="utf-8")
    r = run(str(p))
    assert r.exit_code == 0, r.output
    rows = list(csv.reader(io.StringIO(r.stdout), delimiter="\t"))  # a .tsv comes back as .tsv
    assert rows[0] == ["text", "n", *SCORES]
    assert [x[0] for x in rows[1:]] == [t for t in TEXTS if t]
    check_scores(rows[1:], 4)


def test_txt_one_text_per_line(tmp_path):
    p = tmp_path / "in.txt"
    p.write_text("\r\n".join(TEXTS) + "\r\n", encoding="utf-8")
    r = run(str(p))
    assert r.exit_code == 0, r.output
    rows = parse(r.stdout)
    assert rows[0] == ["text", *SCORES]
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


# ---------------------------------------------------------------- every byte kept
RAW = (
    b"\xef\xbb\xbfid,body,note\r\n"                 # a byte-order mark, CRLF endings
    b'1,"line one\rstill one",plain\r\n'             # a carriage return inside a quoted field
    b'2,"two\nlines, and a comma","say ""hi"""\n'    # a line break, a comma, doubled quotes; LF ending
    b"3,  spaced  ,\r\n"                             # spaces kept, an empty last field
    b"4,short\n"                                     # fewer fields than the header
    b"5,\xc2\xbfT\xc3\xba vienes ma\xc3\xb1ana?,es"  # no line ending at the end of the file
)


def test_every_input_byte_kept(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes(RAW)
    out = tmp_path / "out.csv"
    r = run(str(p), "--text-column", "body", "-o", str(out))
    assert r.exit_code == 0, r.output
    got = out.read_bytes()
    lines_in = [b"\xef\xbb\xbfid,body,note\r\n", b'1,"line one\rstill one",plain\r\n',
                b'2,"two\nlines, and a comma","say ""hi"""\n', b"3,  spaced  ,\r\n", b"4,short\n",
                "5,¿Tú vienes mañana?,es".encode()]
    pos = 0
    for i, raw in enumerate(lines_in):
        body, end = (raw[:-2], b"\r\n") if raw.endswith(b"\r\n") else (raw[:-1], b"\n") if raw.endswith(b"\n") else (raw, b"")
        assert got[pos:pos + len(body)] == body, i
        pos += len(body)
        if i == 4:  # the short row gets its missing field as an empty one
            assert got[pos:pos + 1] == b","
            pos += 1
        rest = got[pos:].split(end, 1)[0] if end else got[pos:]
        extra = rest.decode().split(",")
        assert len(extra) == 7 and extra[0] == "", (i, rest)
        if i == 0:
            assert extra[1:] == SCORES
        pos += len(rest) + len(end)
    assert pos == len(got)
    # read back as CSV: 5 rows, the texts intact, "¿Tú vienes mañana?" a question
    rows = parse(got.decode("utf-8-sig"))
    assert [r[1] for r in rows[1:]] == ["line one\rstill one", "two\nlines, and a comma", "  spaced  ", "short",
                                        "¿Tú vienes mañana?"]
    assert [len(r) for r in rows] == [9] * 6
    assert rows[5][-2:] == ["true", "false"] and rows[5][-3] == "es"


def test_txt_carriage_return_inside_a_line_stays_one_row(tmp_path):
    p = tmp_path / "in.txt"
    p.write_bytes(b"first\rstill first\nsecond\r\n")
    rows = parse(run(str(p)).stdout)
    assert [r[0] for r in rows] == ["text", "first\rstill first", "second"]


def test_stdin_csv():
    r = run("-", "--format", "csv", "--text-column", "body", input='id,body\n1,"hi, you"\n2,bye\n')
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith('id,body,intimacy,disclosure,confidence,lang,is_question,personal_question\n1,"hi, you",')
    assert [x[:2] for x in parse(r.stdout)[1:]] == [["1", "hi, you"], ["2", "bye"]]


# ---------------------------------------------------------------- bad input: one line, non-zero exit
def test_binary_file(tmp_path):
    p = tmp_path / "photo.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    assert one_line_error(run(str(p))) == f"Error: {p} is a binary file, not text: give a .txt, .csv or .tsv file saved as UTF-8"
    assert "binary file" in one_line_error(run("-", input=b"abc\x00def\n"))


def test_latin1_csv(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes("text\nCafé crème, s'il vous plaît\n".encode("latin-1"))
    out = tmp_path / "out.csv"
    msg = one_line_error(run(str(p), "-o", str(out)))
    assert msg == (f"Error: {p} is not UTF-8 text (byte 0xe9 cannot be decoded; Latin-1 or Windows-1252?); "
                   "save it as UTF-8 and retry")
    assert not out.exists()  # no half-written output left behind


@pytest.mark.parametrize("content,suffix,expected", [
    (b"", ".csv", "is empty: expected a header line with a 'text' column"),
    (b"", ".txt", "is empty: expected one text per line"),
    (b"text\n", ".csv", "has a header but no rows to score"),
])
def test_empty_input(tmp_path, content, suffix, expected):
    p = tmp_path / f"in{suffix}"
    p.write_bytes(content)
    assert one_line_error(run(str(p))) == f"Error: {p} {expected}"


def test_empty_stdin():
    assert one_line_error(run("-", input="")) == "Error: standard input is empty: expected one text per line"


def test_missing_column_exact(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("id,body\n1,hi\n", encoding="utf-8")
    assert one_line_error(run(str(p))) == f"Error: {p} has no column 'text' (columns: id, body); choose one with --text-column"


def test_row_longer_than_header(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("id,text\n1,fine\n2,a,b\n", encoding="utf-8")
    assert one_line_error(run(str(p))) == f"Error: {p}: row 2 has 3 fields, the header 2; quote the fields that hold a comma"


def test_already_scored_file(tmp_path):
    p = tmp_path / "in.csv"
    p.write_text("text,intimacy\nhello,0.1\n", encoding="utf-8")
    msg = one_line_error(run(str(p)))
    assert msg == f"Error: {p} already has a column 'intimacy' (scored before?): score the original file, or rename that column"


def test_output_same_as_input_refused(tmp_path):
    p = tmp_path / "in.csv"
    p.write_bytes(b"text\nhello\n")
    assert "is also an input" in one_line_error(run(str(p), "-o", str(p)))
    assert p.read_bytes() == b"text\nhello\n"
