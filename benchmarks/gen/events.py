"""Generator: a researcher's interaction log (CSV with src,dst,ts,text,channel,kind,visibility,thread)."""

from __future__ import annotations

import random
from pathlib import Path

FORMAT = "events"
WORDS = "the a meeting lunch tomorrow idea project thanks great see you soon call later weekend plan draft notes".split()


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    rng = random.Random(seed)
    path = Path(out_dir) / "events.csv"
    people = [f"u{i}" for i in range(max(50, n_messages // 100))]
    t = 1_600_000_000
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("src,dst,ts,text,channel,kind,visibility,thread\n")
        lines = []
        for _ in range(n_messages):
            t += rng.randint(1, 120)
            a, b = rng.sample(people, 2)
            text = " ".join(rng.choices(WORDS, k=rng.randint(3, 12)))
            lines.append(f"{a},{b},{t},{text},chat,message,private,{a}-{b}\n")
            if len(lines) >= 10000:
                f.writelines(lines)
                lines = []
        f.writelines(lines)
    return path
