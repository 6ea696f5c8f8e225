"""A synthetic WordPress WXR 1.2 export for the import benchmark: one message = one comment.

Posts with 0-60 comments each, threaded replies, a few pingbacks/trackbacks, spam and pending
comments (skipped by the importer), HTML content in CDATA, two blog authors.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

__all__ = ["generate"]

_WORDS = ("great post thanks really helpful I disagree about the second point have you tried this "
          "lovely photos my grandmother used to say the same what about winter any tips").split()
_FIRST = "Ada Ben Cleo Dan Eva Finn Gia Hugo Ines Jon Kim Leo Mia Nils Olga Paul Rita Sam Tess Ugo".split()
_LAST = "Smith Meyer Rossi Novak Silva Khan Berg Lund Costa Weber".split()


def generate(out_dir: Path, n_messages: int, seed: int = 0) -> Path:
    """Write ``wordpress-bench.xml`` with about ``n_messages`` comments; returns its path."""
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "wordpress-bench.xml"
    people = [(f"{rng.choice(_FIRST)} {rng.choice(_LAST)}", f"reader{i}@example.org") for i in range(3000)]
    t = datetime(2012, 1, 1)
    cid = 0
    post = 0
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" '
                'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
                'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">\n<channel>\n'
                "\t<title>Bench blog</title>\n\t<link>https://bench.example.net</link>\n\t<wp:wxr_version>1.2</wp:wxr_version>\n"
                "\t<wp:base_site_url>https://bench.example.net</wp:base_site_url>\n\t<wp:base_blog_url>https://bench.example.net</wp:base_blog_url>\n")
        for login, email, name in (("rosa", "rosa@bench.example.net", "Rosa Gallica"), ("guest", "guest@bench.example.net", "Guest Writer")):
            f.write(f"\t<wp:author><wp:author_id>{len(login)}</wp:author_id><wp:author_login><![CDATA[{login}]]></wp:author_login>"
                    f"<wp:author_email><![CDATA[{email}]]></wp:author_email><wp:author_display_name><![CDATA[{name}]]></wp:author_display_name>"
                    "</wp:author>\n")
        while cid < n_messages:
            post += 1
            t += timedelta(hours=rng.randint(1, 72))
            f.write(f"\t<item>\n\t\t<title><![CDATA[Post {post}]]></title>\n\t\t<link>https://bench.example.net/{post}/</link>\n"
                    f"\t\t<dc:creator><![CDATA[{rng.choice(('rosa', 'rosa', 'guest'))}]]></dc:creator>\n"
                    f"\t\t<content:encoded><![CDATA[<p>{' '.join(rng.choices(_WORDS, k=40))}</p>]]></content:encoded>\n"
                    f"\t\t<wp:post_id>{post}</wp:post_id>\n\t\t<wp:post_type><![CDATA[post]]></wp:post_type>\n")
            ids: list[int] = []
            ct = t
            for _ in range(min(rng.randint(0, 60), n_messages - cid)):
                cid += 1
                ct += timedelta(minutes=rng.randint(1, 600))
                name, email = rng.choice(people)
                r = rng.random()
                ctype, approved, url = "comment", "1", ""
                if r < 0.02:
                    ctype, email, url = "pingback", "", f"https://other{rng.randint(1, 50)}.example.com/{cid}/"
                elif r < 0.03:
                    ctype, email, url = "trackback", "", f"https://other{rng.randint(1, 50)}.example.com/tb/{cid}/"
                elif r < 0.06:
                    approved = rng.choice(("0", "spam", "trash"))
                parent = rng.choice(ids) if ids and rng.random() < 0.4 else 0
                ids.append(cid)
                f.write(f"\t\t<wp:comment>\n\t\t\t<wp:comment_id>{cid}</wp:comment_id>\n"
                        f"\t\t\t<wp:comment_author><![CDATA[{name}]]></wp:comment_author>\n"
                        f"\t\t\t<wp:comment_author_email><![CDATA[{email}]]></wp:comment_author_email>\n"
                        f"\t\t\t<wp:comment_author_url>{url}</wp:comment_author_url>\n"
                        f"\t\t\t<wp:comment_author_IP><![CDATA[192.0.2.{cid % 250}]]></wp:comment_author_IP>\n"
                        f"\t\t\t<wp:comment_date><![CDATA[{ct:%Y-%m-%d %H:%M:%S}]]></wp:comment_date>\n"
                        f"\t\t\t<wp:comment_date_gmt><![CDATA[{ct:%Y-%m-%d %H:%M:%S}]]></wp:comment_date_gmt>\n"
                        f"\t\t\t<wp:comment_content><![CDATA[<p>{' '.join(rng.choices(_WORDS, k=rng.randint(3, 40)))}</p>]]></wp:comment_content>\n"
                        f"\t\t\t<wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>\n"
                        f"\t\t\t<wp:comment_type><![CDATA[{ctype}]]></wp:comment_type>\n"
                        f"\t\t\t<wp:comment_parent>{parent}</wp:comment_parent>\n\t\t\t<wp:comment_user_id>0</wp:comment_user_id>\n"
                        "\t\t</wp:comment>\n")
            f.write("\t</item>\n")
        f.write("</channel>\n</rss>\n")
    return path
