"""One HTML-to-text rule for every importer (email, blog comments, Mastodon, LinkedIn)."""

from __future__ import annotations

import pytest

from closeknit.ingest.htmltext import html_to_text


@pytest.mark.parametrize(
    ("html", "text"),
    [
        # Mastodon: mentions are spans inside links; paragraphs; line breaks
        ('<p>Hi <span class="h-card"><a href="x">@<span>ada</span></a></span> &amp; you</p><p>two<br>lines</p>',
         "Hi @ada & you\n\ntwo\nlines"),
        # an HTML email: style and comments go with their content, source line breaks around blocks fold
        ("<html><head><style>p { color: red }</style></head><body>\n<div>Dear Ann,</div>\n<div>see\tyou  "
         "<b>soon</b></div><!-- sig --></body></html>", "Dear Ann,\nsee you soon"),
        # table cells stay apart, rows end lines
        ("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"),
        # WordPress: the comment's own line breaks are kept, blank lines fold to one
        ("first line\nsecond line\n\n\n\nnew paragraph", "first line\nsecond line\n\nnew paragraph"),
        # escaped markup is text; a lone < is text
        ("&lt;b&gt;not bold&lt;/b&gt; 1 < 2 <3", "<b>not bold</b> 1 < 2 <3"),
        ("", ""),
    ],
)
def test_html_to_text(html, text):
    assert html_to_text(html) == text
