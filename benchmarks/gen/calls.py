"""Synthetic call-log XML (SMS Backup & Restore ``calls-<date>.xml``) for the import benchmark."""

from __future__ import annotations

import random
from pathlib import Path

__all__ = ["generate"]

_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ines Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo".split()
_LAST = "Smith Meyer Rossi Novak Silva Khan Berg Lund Costa Weber".split()


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    """Write ``calls-bench.xml`` with ``n_messages`` calls; returns its path."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "calls-bench.xml"
    contacts = [(f"+1415{rng.randint(2000000, 9999999)}", f"{rng.choice(_FIRST)} {rng.choice(_LAST)}") for _ in range(300)]
    contacts.append(("-1", "(Unknown)"))
    t = 1_500_000_000_000
    with open(path, "w", encoding="utf-8") as f:
        f.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n\n")
        f.write(f'<calls count="{n_messages}" backup_set="bench" backup_date="{t}" type="full">\n')
        for _ in range(n_messages):
            t += rng.randint(1000, 3_600_000)
            num, name = rng.choice(contacts)
            typ = rng.choices("123456", weights=(40, 40, 12, 3, 4, 1))[0]
            dur = 0 if typ in "356" else rng.randint(1, 3600)
            pres = "2" if num == "-1" else "1"
            f.write(
                f'  <call number="{num}" duration="{dur}" date="{t}" type="{typ}" presentation="{pres}" '
                f'subscription_id="1" post_dial_digits="" readable_date="" contact_name="{name}" />\n'
            )
        f.write("</calls>\n")
    return path
