"""HTML to plain text, the one rule every importer uses (email bodies, blog comments, Mastodon
statuses, LinkedIn messages).

* ``<br>`` ends a line; block elements (``div``, ``li``, ``blockquote``, headings, table rows...)
  start and end lines; a paragraph (``<p>``) is set off by a blank line; table cells are
  separated by a space; any other tag is dropped without a trace (``<a>@<span>ada</span></a>``
  is ``@ada``); ``<script>``, ``<style>`` and comments go with their content.
* Entities are decoded after the tags are gone, so ``&lt;b&gt;`` is the text ``<b>``.
* White space: the white space around a block boundary folds into its line break; runs of
  spaces and tabs become one space, lines lose the spaces at their ends, and at most one blank
  line stands in a row (a plain-text comment's own line breaks are kept); the text is stripped.

A ``<`` not followed by a letter, ``/`` or ``!`` is text (``a < b``, ``<3``).
"""

from __future__ import annotations

import html
import re

__all__ = ["html_to_text"]

_DROP = re.compile(r"<(script|style)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
_SCRIPT_OR_STYLE = re.compile(r"<(?:script|style)", re.I)
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)\b[^>]*>")
_BLOCK = frozenset(
    {"div", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6",
     "tr", "table", "hr", "section", "article", "header", "footer", "address"}
)
# block and paragraph boundaries are marked first, then each run of them (with the white space
# around it) becomes one line break, or a blank line where a paragraph starts or ends
_BLOCK_MARK, _PARA_MARK = "\x1e", "\x1d"
_BOUNDARIES = re.compile(r"\s*[\x1d\x1e][\s\x1d\x1e]*")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_LINE_ENDS = re.compile(r" ?\n ?")
_BLANKS = re.compile(r"\n{3,}")
_REPLACE: dict[str, str] = {}


def _tag(m: re.Match[str]) -> str:
    name = m.group(2).lower()
    got = _REPLACE.get(name)
    if got is None:
        if name == "br":
            got = "\n"
        elif name == "p":
            got = _PARA_MARK
        elif name in _BLOCK:
            got = _BLOCK_MARK
        elif name in ("td", "th"):
            got = " "
        else:
            got = ""
        if len(_REPLACE) < 4096:
            _REPLACE[name] = got
    return got


def _boundary(m: re.Match[str]) -> str:
    return "\n\n" if _PARA_MARK in m.group() else "\n"


def html_to_text(s: str) -> str:
    """The plain text of an HTML fragment or document.

    >>> html_to_text('<p>Hi <span class="h-card"><a href="x">@<span>ada</span></a></span> &amp; you</p><p>two<br>lines</p>')
    'Hi @ada & you\\n\\ntwo\\nlines'
    >>> html_to_text('<style>p {}</style><div>a  <b>b</b>\\t&lt;c&gt;</div><div>d</div>')
    'a b <c>\\nd'
    >>> html_to_text("plain text, 1 < 2")
    'plain text, 1 < 2'
    """
    if "<" in s:
        if "<!" in s or _SCRIPT_OR_STYLE.search(s):
            s = _DROP.sub("", s)
        s = _TAG.sub(_tag, s)
        # the marks are white space to str.strip: those at either end go now (they would only
        # make line breaks that the last strip removes), and most texts have no other
        s = s.strip()
        if _BLOCK_MARK in s or _PARA_MARK in s:
            s = _BOUNDARIES.sub(_boundary, s)
    if "&" in s:
        s = html.unescape(s)
    if "  " in s or "\t" in s or "\r" in s or "\f" in s or "\v" in s:  # (a regex pass costs 5 us a comment)
        s = _SPACES.sub(" ", s)
    if "\n" in s:
        s = _BLANKS.sub("\n\n", _LINE_ENDS.sub("\n", s))
    return s.strip()
