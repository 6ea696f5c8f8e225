"""A synthetic Disqus export for the import benchmark: one message = one ``<post>``.

Threads first, then posts (as Disqus writes them), replies via ``<parent dsq:id>``, some deleted
and spam posts, anonymous guests and registered users with usernames.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

__all__ = ["generate"]

_WORDS = ("great post thanks really helpful I disagree about the second point have you tried this "
          "lovely photos my grandmother used to say the same what about winter any tips").split()
_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ines Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo".split()


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    """Write ``disqus-bench.xml`` with ``n_messages`` posts; returns its path."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "disqus-bench.xml"
    n_threads = max(1, n_messages // 25)
    users = [(f"{rng.choice(_FIRST)}{i}", f"user{i}@example.org") for i in range(3000)]
    t0 = datetime(2013, 1, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<disqus xmlns="http://disqus.com" '
                'xmlns:dsq="http://disqus.com/disqus-internals" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
                '  <category dsq:id="1"><forum>bench</forum><title>General</title><isDefault>true</isDefault></category>\n')
        for i in range(n_threads):
            f.write(f'  <thread dsq:id="{100000 + i}">\n    <id>post-{i}</id>\n    <forum>bench</forum>\n    <category dsq:id="1" />\n'
                    f"    <link>https://bench.example.net/{i}/</link>\n    <title>Post {i}</title>\n    <message />\n"
                    f"    <createdAt>{t0 + timedelta(hours=i):%Y-%m-%dT%H:%M:%SZ}</createdAt>\n"
                    "    <author><name>Rosa</name><isAnonymous>false</isAnonymous><username>rosag</username></author>\n"
                    "    <isClosed>false</isClosed>\n    <isDeleted>false</isDeleted>\n  </thread>\n")
        by_thread: dict[int, list[int]] = {}
        for j in range(n_messages):
            pid = 10_000_000 + j
            th = rng.randrange(n_threads)
            prev = by_thread.setdefault(th, [])
            parent = f'    <parent dsq:id="{rng.choice(prev)}" />\n' if prev and rng.random() < 0.4 else ""
            prev.append(pid)
            if rng.random() < 0.3:
                author = f"<name>Guest {rng.choice(_FIRST)}</name><isAnonymous>true</isAnonymous>"
            else:
                name, email = rng.choice(users)
                author = f"<email>{email}</email><name>{name}</name><isAnonymous>false</isAnonymous><username>{name.lower()}</username>"
            r = rng.random()
            f.write(f'  <post dsq:id="{pid}">\n    <id />\n    <message><![CDATA[<p>{" ".join(rng.choices(_WORDS, k=rng.randint(3, 40)))}</p>]]></message>\n'
                    f"    <createdAt>{t0 + timedelta(hours=th, minutes=j % 5000):%Y-%m-%dT%H:%M:%SZ}</createdAt>\n"
                    f"    <isDeleted>{'true' if r < 0.02 else 'false'}</isDeleted>\n    <isSpam>{'true' if 0.02 <= r < 0.04 else 'false'}</isSpam>\n"
                    f"    <author>{author}</author>\n    <ipAddress>127.0.0.1</ipAddress>\n"
                    f'    <thread dsq:id="{100000 + th}" />\n{parent}  </post>\n')
        f.write("</disqus>\n")
    return path
