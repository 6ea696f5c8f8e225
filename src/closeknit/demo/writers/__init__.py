"""One writer per export format. Each ``write(life, out_dir) -> list[Export]`` writes genuine
export files (the layout and quirks the real service produces) and says which format reads them."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Export", "write_zip", "ZIP_TIME"]

#: Fixed member time so the same life gives byte-identical zips.
ZIP_TIME = (2026, 11, 1, 0, 0, 0)


@dataclass(frozen=True)
class Export:
    path: Path
    format: str  # the importer expected to read it (closeknit import --list-formats)
    channel: str


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    """A zip with deterministic member times and order."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return path
