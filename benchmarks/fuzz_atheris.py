"""Coverage-guided fuzzing of one importer with Atheris (libFuzzer for Python): the inputs grow
towards code the fixtures never reach. Needs the ``fuzz`` extra (``pip install -e '.[fuzz]'``).

    python benchmarks/fuzz_atheris.py twitter -max_total_time=60
    python benchmarks/fuzz_atheris.py wordpress -runs=20000 crashes/   # libFuzzer options and corpus

The seed corpus is the importer's fixture (tests/ingest/test_fuzz.py: SEEDS; for a folder fixture
the member named there is what is mutated). An input must give records (a BadRecord for what
cannot be read) or a CloseknitError; anything else is a crash: libFuzzer prints it, saves the
input (``crash-*``) and stops. libFuzzer's own lines report the inputs tried (``#N``) and the
coverage reached. The Hypothesis version (tests/ingest/test_fuzz.py) runs in CI; benchmarks/fuzz.py
is the mutation-only long run of every importer.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import atheris

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("CLOSEKNIT_MBOX_WORKERS", "0")
os.environ.setdefault("CLOSEKNIT_BLOG_WORKERS", "0")

with atheris.instrument_imports(include=["closeknit"]):
    from closeknit.core.errors import CloseknitError
    from tests.ingest.test_fuzz import _GENERATED, SEEDS, read_all


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in SEEDS:
        sys.exit(f"usage: {sys.argv[0]} IMPORTER [libFuzzer options]; IMPORTER one of {', '.join(sorted(SEEDS))}")
    name = sys.argv.pop(1)
    seed, member = SEEDS[name]
    work = Path(tempfile.mkdtemp(prefix="closeknit-atheris-"))
    if seed is None:
        assert member is not None
        target, first = work / member, _GENERATED[member]
    elif seed.is_dir():
        assert member is not None
        shutil.copytree(seed, work / seed.name)
        target, first = work / seed.name / member, (seed / member).read_bytes()
    else:
        target, first = work / seed.name, seed.read_bytes()
    path = work / seed.name if seed is not None and seed.is_dir() else target
    corpus = work / "corpus"
    corpus.mkdir()
    (corpus / "seed").write_bytes(first)

    def one_input(data: bytes) -> None:
        target.write_bytes(data)
        try:
            read_all(name, path)
        except CloseknitError:
            pass  # one line for the user: fine

    atheris.Setup([sys.argv[0], *sys.argv[1:], str(corpus)], one_input)
    try:
        atheris.Fuzz()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
