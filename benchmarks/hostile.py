"""Hostile exports of any size, written without holding them in memory: one huge record between
two small ones (a tweet in a zip, a WordPress comment, an SMS body, a Messenger message), or a
zip of millions of (empty) members.

    python benchmarks/hostile.py tweet 1G /tmp/h/tweet.zip     # a 1 GiB tweet (zipped: ~6.5 MB)
    python benchmarks/hostile.py comment 512M /tmp/h/wxr.xml    # a 512 MiB WordPress comment
    python benchmarks/hostile.py sms 2G /tmp/h/sms.xml          # a 2 GiB SMS body
    python benchmarks/hostile.py messenger 1G /tmp/h/fb         # a folder: a 1 GiB Messenger message
    python benchmarks/hostile.py entries 6000000 /tmp/h/6m.zip  # a real ZIP64 of 6,000,000 members
    /usr/bin/time -v closeknit import /tmp/h/tweet.zip --db /tmp/h/s.duckdb

An import must report the huge record (over ``closeknit.core.files.MAX_RECORD_BYTES``) and keep
the two others (the zip of millions of members is refused from its end record). The record
writers are those of the tests, which build the same files just over the limit
(tests/ingest/test_record_limit.py).
"""

from __future__ import annotations

import argparse
import struct
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ingest.test_record_limit import write  # noqa: E402


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1:].upper() in units else int(text)


def write_entries(n: int, path: Path) -> Path:
    """A real zip (ZIP64 end record) of ``n`` empty stored members ``f0000000.txt`` ...: about 100 bytes
    a member, written 10,000 members at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    local, central = struct.Struct("<4s5H3L2H"), struct.Struct("<4s6H3L5H2L")
    names = [b"f%07d.txt" % i for i in range(n)]
    step = local.size + len(names[0]) if n else 0
    with open(path, "wb") as f:
        for k in range(0, n, 10_000):
            f.write(b"".join(local.pack(b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(nm), 0) + nm for nm in names[k : k + 10_000]))
        cd_at = f.tell()
        for k in range(0, n, 10_000):
            f.write(b"".join(central.pack(b"PK\x01\x02", 45, 20, 0, 0, 0, 0x21, 0, 0, 0, len(nm), 0, 0, 0, 0, 0, (k + j) * step) + nm
                             for j, nm in enumerate(names[k : k + 10_000])))
        end_at = f.tell()
        f.write(struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, n, n, end_at - cd_at, cd_at)
                + struct.pack("<4sLQL", b"PK\x06\x07", 0, end_at, 1)
                + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0))
    return path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=("tweet", "comment", "sms", "messenger", "entries"))
    ap.add_argument("size", help="size of the huge record: bytes, or with K/M/G (entries: how many members)")
    ap.add_argument("path", type=Path)
    a = ap.parse_args()
    p = write_entries(_size(a.size), a.path) if a.kind == "entries" else write(a.kind, _size(a.size), a.path)
    total = sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else p.stat().st_size
    print(f"{p}: {total:,} bytes")


if __name__ == "__main__":
    main()
