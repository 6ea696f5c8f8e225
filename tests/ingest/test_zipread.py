"""Zip members are read with ``zipfile``: exactly their bytes, and damage is refused."""

from __future__ import annotations

import random
import zipfile

import zlib

import pytest

from closeknit.ingest import open_tree


def _members() -> dict[str, bytes]:
    rng = random.Random(7)
    words = [b"tweet", b"reply", b"\xc3\xbcber", b"\xf0\x9f\x99\x82", b"{", b"}", b"\n", b"  "]
    big = b" ".join(rng.choice(words) for _ in range(900_000))  # ~4.5 MB: many 1 MiB reads
    noise = rng.randbytes(300_000)  # incompressible: deflate stores it in raw blocks
    return {"data/empty.js": b"", "data/small.js": b"window.YTD.x = []", "data/big.js": big,
            "data/noise.bin": noise, "Chats/caf\u00e9.txt": "caf\u00e9 \u00fcber".encode()}


def _write(path, members, stored=()):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)


def test_members_read_exactly_as_zipfile_reads_them(tmp_path):
    z = tmp_path / "a.zip"
    members = _members()
    _write(z, members, stored={"data/small.js"})
    tree = open_tree(z)
    assert sorted(tree.names()) == sorted(members)
    for name, data in members.items():
        with tree.open(name) as f:
            got = f.read()
        assert got == data, name
        with tree.open(name) as f:  # small reads that end mid-block give the same bytes
            parts = []
            while chunk := f.read(4093):
                parts.append(chunk)
        assert b"".join(parts) == data, name
    tree.close()


def _patch(path, old: bytes, new: bytes, occurrence: int = 0) -> None:
    blob = bytearray(path.read_bytes())
    at = -1
    for _ in range(occurrence + 1):
        at = blob.index(old, at + 1)
    blob[at:at + len(old)] = new
    path.write_bytes(bytes(blob))


def test_a_wrong_crc_is_refused_at_the_end(tmp_path):
    z = tmp_path / "crc.zip"
    _write(z, {"m.txt": random.Random(3).randbytes(100_000)})
    info = zipfile.ZipFile(z).getinfo("m.txt")
    crc = info.CRC.to_bytes(4, "little")
    # the central directory's CRC is the one both readers check
    _patch(z, crc, ((info.CRC + 1) % 2**32).to_bytes(4, "little"), occurrence=1)
    with open_tree(z).open("m.txt") as f, pytest.raises(zipfile.BadZipFile, match="Bad CRC-32 for file 'm.txt'"):
        f.read()


def test_damaged_deflate_data_is_refused(tmp_path):
    z = tmp_path / "bad.zip"
    _write(z, {"m.txt": random.Random(1).randbytes(50_000) + b"a" * 100_000})
    info = zipfile.ZipFile(z).getinfo("m.txt")
    blob = bytearray(z.read_bytes())
    start = info.header_offset + 30 + len("m.txt")
    blob[start:start + 200] = b"\xff" * 200  # an invalid block type in the first bytes
    z.write_bytes(bytes(blob))
    with open_tree(z).open("m.txt") as f, pytest.raises(zlib.error, match="invalid block type"):
        f.read()
