"""Long fuzzing run: every importer with a sample, damaged real exports, for a bounded time each.

    python benchmarks/fuzz.py --seconds 60            # at most 60 s per importer
    python benchmarks/fuzz.py --seconds 20 --only whatsapp,mbox
    python benchmarks/fuzz.py --seconds 20 --record-limit 300   # the over-the-limit paths too

Each input is one of the repository's fixtures damaged at random (cut short, bytes flipped, a
piece repeated, random bytes spliced in) or plain random bytes, fed to the importer in this
process. An importer must yield records (a BadRecord for what it cannot read) or raise a
CloseknitError; anything else is a crash, saved under --out with its traceback. Prints, per
importer, the inputs tried and the crashes found (distinct by exception type and line).
The short deterministic version of the same check runs in CI (tests/ingest/test_fuzz.py).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("CLOSEKNIT_MBOX_WORKERS", "0")
os.environ.setdefault("CLOSEKNIT_BLOG_WORKERS", "0")

from closeknit.core.errors import CloseknitError  # noqa: E402
from tests.ingest.test_fuzz import SEEDS, _GENERATED, read_all  # noqa: E402


def mutate(data: bytes, rng: random.Random) -> bytes:
    kind = rng.choice(["cut", "flip", "repeat", "splice", "random", "twice"])
    n = len(data)
    at = rng.randrange(n + 1) if n else 0
    if kind == "cut":
        return data[:at]
    if kind == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 16)):
            if b:
                b[rng.randrange(len(b))] ^= rng.randint(1, 255)
        return bytes(b)
    if kind == "repeat":
        return data[:at] + data[at:at + rng.randint(1, 256)] * rng.randint(2, 200) + data[at:]
    if kind == "splice":
        return data[:at] + rng.randbytes(rng.randint(1, 128)) + data[at:]
    if kind == "twice":  # damage on damage
        return mutate(mutate(data, rng), rng)
    return rng.randbytes(rng.randint(0, 2048))


def fuzz(name: str, seconds: float, rng: random.Random, out: Path) -> tuple[int, dict[str, str]]:
    seed, member = SEEDS[name]
    tried, crashes = 0, {}
    deadline = time.monotonic() + seconds
    with tempfile.TemporaryDirectory(prefix="closeknit-fuzz-") as tmpname:
        tmp = Path(tmpname)
        while time.monotonic() < deadline:
            folder = tmp / str(tried)
            folder.mkdir()
            if seed is None:
                assert member is not None
                path = folder / member
                path.write_bytes(mutate(_GENERATED[member], rng))
            elif seed.is_dir():
                assert member is not None
                path = folder / seed.name
                shutil.copytree(seed, path)
                (path / member).write_bytes(mutate((seed / member).read_bytes(), rng))
            else:
                path = folder / seed.name
                path.write_bytes(mutate(seed.read_bytes(), rng))
            tried += 1
            try:
                read_all(name, path)
            except CloseknitError:
                pass
            except Exception as e:  # a crash
                tb = traceback.extract_tb(e.__traceback__)[-1]
                key = f"{type(e).__name__} at {Path(tb.filename).name}:{tb.lineno}"
                if key not in crashes:
                    crashes[key] = str(e)[:200]
                    keep = out / name / f"crash-{len(crashes)}"
                    keep.mkdir(parents=True, exist_ok=True)
                    shutil.copytree(folder, keep, dirs_exist_ok=True)
                    (keep / "traceback.txt").write_text(traceback.format_exc())
            shutil.rmtree(folder, ignore_errors=True)
    return tried, crashes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=60, help="time per importer (default 60)")
    ap.add_argument("--only", default=None, help="comma-separated importers (default: all with a sample)")
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "closeknit-fuzz-crashes")
    ap.add_argument("--record-limit", type=int, default=None,
                    help="lower the limit of one record to this many bytes (and of one JSON document to 4 times it) and "
                         "read XML backups 64 bytes at a time, so that the code that skips a record over the limit and "
                         "reads on is fuzzed on small inputs")
    a = ap.parse_args()
    if a.record_limit:
        from closeknit.ingest import xmlsafe
        from closeknit.ingest.formats import _dyi, smsbackup

        xmlsafe.MAX_RECORD_BYTES = _dyi.MAX_RECORD_BYTES = a.record_limit
        _dyi.MAX_DOCUMENT_BYTES = 4 * a.record_limit
        smsbackup._XmlPhoneImporter.chunk = 64
    names = a.only.split(",") if a.only else sorted(SEEDS)
    rng = random.Random(a.seed)
    print(f"{'importer':16} {'inputs':>8} {'per s':>7} crashes")
    total = 0
    for name in names:
        t0 = time.monotonic()
        tried, crashes = fuzz(name, a.seconds, rng, a.out)
        total += tried
        print(f"{name:16} {tried:8,} {tried / (time.monotonic() - t0):7.1f} {len(crashes)}", flush=True)
        for key, msg in crashes.items():
            print(f"    {key}: {msg}")
    print(f"{'all':16} {total:8,}")


if __name__ == "__main__":
    main()
