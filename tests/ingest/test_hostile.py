"""Hostile inputs are refused with a clear error and cost nothing."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest

from closeknit.core.errors import InputError, UnsafeInputError
from closeknit.ingest import open_tree
from closeknit.ingest.inputs import iter_lines

EDGES = b"1 2 100\n2 1 200\n"


def _zip(path, members: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name), data, compress_type=zipfile.ZIP_DEFLATED)


def _cli(*args: str):
    return subprocess.run([sys.executable, "-m", "closeknit.present.cli", *args], capture_output=True, text=True)


@pytest.mark.parametrize(
    "member, message",
    [
        ("../evil.txt", "points outside the archive"),
        ("data/../../evil.txt", "points outside the archive"),
        ("/tmp/evil.txt", "absolute path"),
        ("C:/evil.txt", "absolute path"),
    ],
)
def test_traversal_members_refused(tmp_path, member, message):
    z = tmp_path / "evil.zip"
    _zip(z, {"ok.txt": EDGES, member: EDGES})
    with pytest.raises(UnsafeInputError, match=message):
        open_tree(z)


def test_zip_bomb_refused_by_ratio(tmp_path):
    z = tmp_path / "bomb.zip"
    _zip(z, {"edges.txt": EDGES + b"0" * (30 * 1024 * 1024)})
    assert z.stat().st_size < 100_000
    with pytest.raises(UnsafeInputError, match="zip bomb"):
        open_tree(z)


def test_symlink_member_refused(tmp_path):
    z = tmp_path / "link.zip"
    info = zipfile.ZipInfo("link")
    info.external_attr = (0o120777 << 16)
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(UnsafeInputError, match="symbolic link"):
        open_tree(z)


def test_not_a_zip_but_named_zip(tmp_path):
    p = tmp_path / "broken.zip"
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    # not a zip by its central directory: read as a single file, and no importer claims it
    with pytest.raises(InputError):
        from closeknit.ingest import detect_format

        detect_format(open_tree(p))


def test_huge_line_refused(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_bytes(b"x" * 5000 + b"\n")
    with open(p, "rb") as f, pytest.raises(InputError, match="beyond the 1,000-byte limit"):
        list(iter_lines(f, max_line=1000))


def test_cli_refuses_hostile_zip_and_writes_nothing(tmp_path):
    z = tmp_path / "evil.zip"
    _zip(z, {"edges.txt": EDGES, "../../outside.txt": EDGES})
    db = tmp_path / "s.duckdb"
    r = _cli("import", "--db", str(db), str(z))
    assert r.returncode == 1
    assert "points outside the archive" in r.stderr
    assert not (tmp_path.parent / "outside.txt").exists()
    d = _cli("doctor", "--db", str(db), "--json")
    import json

    rep = json.loads(d.stdout)
    assert (rep["interactions"], rep["sources"], rep["identities"]) == (0, 0, 0)


def test_zip_is_read_in_place(tmp_path, store, import_path):
    z = tmp_path / "edges.zip"
    _zip(z, {"log/edges.txt": EDGES})
    before = set(tmp_path.rglob("*"))
    r = import_path(z)
    assert (r.format, r.added) == ("edges", 2)
    assert set(tmp_path.rglob("*")) == before | {tmp_path / "store.duckdb.wal"} or set(tmp_path.rglob("*")) == before
