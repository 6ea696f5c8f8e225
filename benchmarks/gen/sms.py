"""Synthetic SMS Backup & Restore exports (``sms-<date>.xml``) for the import benchmark.

About 90% ``<sms>`` (received/sent, a few drafts, some emoji written as UTF-16 surrogate-pair
references like the real app does) and 10% ``<mms>`` group messages with parts and addrs, over
a few hundred contacts.
"""

from __future__ import annotations

import random
from pathlib import Path
from xml.sax.saxutils import quoteattr

__all__ = ["generate"]

_WORDS = (
    "ok yes no maybe tomorrow tonight dinner lunch coffee call me later sure thanks great love it "
    "haha lol see you soon where are you on my way running late home work meeting train bus weekend"
).split()
_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ines Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo".split()
_LAST = "Smith Meyer Rossi Novak Silva Khan Berg Lund Costa Weber".split()
_EMOJI = ("&#55357;&#56832;", "&#55357;&#56397;", "&#10084;&#65039;", "&#55358;&#56595;")


def _body(rng: random.Random) -> str:
    text = quoteattr(" ".join(rng.choices(_WORDS, k=rng.randint(1, 14))))[1:-1]
    if rng.random() < 0.15:
        text += " " + rng.choice(_EMOJI)
    return text


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    """Write ``sms-bench.xml`` with about ``n_messages`` messages; returns its path."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "sms-bench.xml"
    contacts = [(f"+1415{rng.randint(2000000, 9999999)}", f"{rng.choice(_FIRST)} {rng.choice(_LAST)}") for _ in range(400)]
    t = 1_500_000_000_000
    with open(path, "w", encoding="utf-8") as f:
        f.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        f.write(f'<smses count="{n_messages}" backup_set="bench" backup_date="{t}" type="full">\n')
        for i in range(n_messages):
            t += rng.randint(1000, 600_000)
            if rng.random() < 0.1:
                group = rng.sample(contacts, rng.randint(2, 5))
                box = rng.choice("12")
                sender = group[0][0] if box == "1" else "+14155550000"
                addrs = f'<addr address="{sender}" type="137" charset="106" />' + "".join(
                    f'<addr address="{n}" type="151" charset="106" />' for n, _ in group if n != sender
                )
                f.write(
                    f'  <mms date="{t}" msg_box="{box}" address="{"~".join(n for n, _ in group)}" m_id="m{seed}-{i}" '
                    f'read="1" sub="null" ct_t="application/vnd.wap.multipart.related" text_only="1" '
                    f'contact_name="{", ".join(c for _, c in group)}">\n'
                    f'    <parts><part seq="0" ct="text/plain" name="null" chset="106" text="{_body(rng)}" /></parts>\n'
                    f"    <addrs>{addrs}</addrs>\n  </mms>\n"
                )
                continue
            num, name = rng.choice(contacts)
            typ = "3" if rng.random() < 0.01 else rng.choice("12")
            f.write(
                f'  <sms protocol="0" address="{num}" date="{t}" type="{typ}" subject="null" body="{_body(rng)}" '
                f'toa="null" sc_toa="null" service_center="null" read="1" status="-1" locked="0" date_sent="0" '
                f'sub_id="1" readable_date="" contact_name="{name}" />\n'
            )
        f.write("</smses>\n")
    return path
