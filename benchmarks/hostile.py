"""Hostile exports of any size, written without holding them in memory: one huge record between
two small ones (a tweet in a zip, a WordPress comment, an SMS body).

    python benchmarks/hostile.py tweet 1G /tmp/h/tweet.zip     # a 1 GiB tweet (zipped: ~5.6 MB)
    python benchmarks/hostile.py comment 512M /tmp/h/wxr.xml    # a 512 MiB WordPress comment
    python benchmarks/hostile.py sms 2G /tmp/h/sms.xml          # a 2 GiB SMS body
    /usr/bin/time -v closeknit import /tmp/h/tweet.zip --db /tmp/h/s.duckdb

An import must report the huge record (over ``closeknit.core.files.MAX_RECORD_BYTES``) and keep
the two others. The writers are those of the tests, which build the same files just over the
limit (tests/ingest/test_record_limit.py).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.ingest.test_record_limit import write  # noqa: E402


def _size(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(float(text[:-1]) * units[text[-1].upper()]) if text[-1:].upper() in units else int(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=("tweet", "comment", "sms"))
    ap.add_argument("size", help="size of the huge record: bytes, or with K/M/G")
    ap.add_argument("path", type=Path)
    a = ap.parse_args()
    p = write(a.kind, _size(a.size), a.path)
    print(f"{p}: {p.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
