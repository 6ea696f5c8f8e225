"""Blog comments: WordPress WXR exports (``wordpress``) and Disqus exports (``disqus``).

WordPress eXtended RSS (WXR 1.0, 1.1, 1.2; namespace ``http(s)://wordpress.org/export/1.x/``):
every ``<item>`` (a post or page) holds its ``<wp:comment>`` elements. A comment becomes an
interaction of kind ``comment`` (``comment_type`` '' / ``comment`` and anything unknown),
``pingback`` (also ``webmention``) or ``trackback``; WooCommerce order notes and action logs
(``note``, ``order_note``, ``action_log``) are not conversations and are skipped. Only approved
comments (``comment_approved`` = 1) are kept: pending (0), ``spam`` and ``trash`` ones are
skipped. The person commented to (role ``recipient``) is the author of the parent comment for a
reply (``comment_parent``), otherwise the post's author (``dc:creator``, resolved through the
``<wp:author>`` entries to an email address when the export lists one). A reply's ``reply_to`` is
its parent's native id; ``thread`` is the post's link. Times come from ``comment_date_gmt``
(falling back to ``comment_date``, the blog's local time, when the GMT field is zeroed).

Disqus XML (``<disqus xmlns="http://disqus.com">``): ``<thread dsq:id>`` and ``<post dsq:id>`` are
siblings linked by ``dsq:id``; ``<parent dsq:id>`` threads replies. Posts with ``isDeleted`` or
``isSpam`` true are skipped (a reply to a deleted post keeps its ``reply_to`` and is addressed
to the deleted post's author, who is still named in the export). A top-level post is addressed
to the thread's author when the export names one. An author shown with both an email and a
Disqus username gives an :class:`IdentityLink` between the two (Disqus's own account data).

Identities of commenters: the email address when given (``Ident("email", "email", addr, name)``),
else a Disqus username (``Ident("disqus", "handle", username, name)``), else the commenter's
website (``Ident("blog", "url", url, name)``, which is what pingbacks and trackbacks carry),
else the bare name (``Ident("blog", "name", name)``). A WordPress post author without an email is
``Ident("wordpress", "handle", "<blog host>/<login>", display name)``.

Native ids: ``comment:<blog>|<post>|<comment_id>`` (WordPress ids are unique per blog, but the
post is included because some hand-edited exports reuse ids across posts) and
``post:<dsq:id>`` for Disqus. Comment text is the comment's HTML reduced to plain text.

Reading: the hardened expat reader (:func:`closeknit.ingest.xmlsafe.iter_converted`) hands each
element to :func:`_wp_convert` / :func:`_dsq_convert`, which turn it into plain values; a big
file is cut into pieces that worker processes read the same way. Each comment is one
:class:`Interaction`.
"""

from __future__ import annotations

import html
from collections.abc import Generator, Iterator
from functools import partial
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

from closeknit.core.files import RecordTooBig
from closeknit.core.normalize import normalize_email, normalize_handle
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.htmltext import html_to_text
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import BadRecord, Ident, IdentityLink, Interaction, Record
from closeknit.ingest.pool import default_workers, in_order, spawn_pool
from closeknit.ingest.xmlsafe import (
    _LOCAL,
    MalformedXMLError,
    convert_piece,
    cut_pieces,
    iter_converted,
    iter_converted_pieces,
    local,
    plain_head,
)

__all__ = ["WordPressImporter", "DisqusImporter"]

_SKIP_TYPES = frozenset({"note", "order_note", "action_log"})
_KIND_OF_TYPE = {"": "comment", "comment": "comment", "pingback": "pingback", "webmention": "pingback", "trackback": "trackback"}
_MISSING = object()


def _comment(native_id: str, kind: str, ts: datetime, actor: Ident | None, recipient: Ident | None,
             thread: str | None, reply_to: str | None, text: str | None) -> Interaction:
    """One comment (channel blog, visibility public), addressed to ``recipient`` (or nobody)."""
    return Interaction(native_id, kind, "blog", ts, actor, () if recipient is None else ((recipient, "recipient"),),
                       "public", thread, reply_to, text)


def _gmt(value: str) -> datetime | None:
    if not value or value.startswith("0000"):
        return None
    if len(value) == 19 and value[4] == "-" and value[7] == "-" and value[10] in " T" and value[13] == ":" and value[16] == ":":
        # the usual "2024-02-01 10:00:00" (naive = UTC): read with its offset, 10x faster than .replace(tzinfo=)
        try:
            return datetime.fromisoformat(value + "+00:00")
        except ValueError:
            pass
    try:
        dt = datetime.fromisoformat(value.replace(" ", "T", 1) if "T" not in value else value)
    except ValueError:
        return None
    if dt.tzinfo is timezone.utc:
        return dt
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _norm_url(url: str) -> str | None:
    url = url.strip()
    if not url or url in ("http://", "https://"):
        return None
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if not parts.netloc:
        return None
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}" + (f"?{parts.query}" if parts.query else "")


def _members(tree: InputTree, markers: tuple[bytes, ...]) -> list[str]:
    out = []
    for n in sorted(tree.names()):
        if not n.lower().endswith((".xml", ".wxr")):
            continue
        head = tree.head(n, 8192)
        if all(m in head for m in markers):
            out.append(n)
    return out


def _commenter(email: str, name: str, url: str, username: str = "", cache: dict | None = None) -> Ident | None:
    key = (email, name, url, username)
    if cache is not None and key in cache:
        return cache[key]
    ident: Ident | None = None
    disp = " ".join(html.unescape(name).split()) or None if name else None
    e = normalize_email(email) if email else None
    if e:
        ident = Ident("email", "email", e, disp)
    elif username:
        ident = Ident("disqus", "handle", normalize_handle(username), disp or username)
    elif url and (u := _norm_url(url)):
        ident = Ident("blog", "url", u, disp)
    elif disp:
        ident = Ident("blog", "name", disp, disp)
    if cache is not None:
        cache[key] = ident
    return ident


def _children(el: Element) -> dict[str, str]:
    """Local tag -> stripped text of ``el``'s direct children (first occurrence wins)."""
    names = _LOCAL
    try:
        # reversed: an earlier child overwrites a later one with the same tag (first wins)
        return {names[c.tag]: t.strip() if (t := c.text) else "" for c in el[::-1]}
    except KeyError:  # a tag not seen before: the slow way, which learns it
        pass
    out: dict[str, str] = {}
    for c in el:
        tag = names.get(c.tag) or local(c.tag)
        if tag not in out:
            text = c.text
            out[tag] = text.strip() if text else ""
    return out


def _kids(el: Element) -> dict[str, Element]:
    """Local tag -> first direct child of ``el`` with that tag."""
    names = _LOCAL
    try:
        return {names[c.tag]: c for c in el[::-1]}  # reversed: the first one wins
    except KeyError:  # a tag not seen before: the slow way, which learns it
        pass
    out: dict[str, Element] = {}
    for c in el:
        tag = names.get(c.tag) or local(c.tag)
        if tag not in out:
            out[tag] = c
    return out


def _text(el: Element | None) -> str:
    if el is None:
        return ""
    t = el.text
    return t.strip() if t else ""


def _child(el: Element | None, name: str) -> Element | None:
    """The first direct child of ``el`` with local tag ``name``."""
    if el is None:
        return None
    for c in el:
        if local(c.tag) == name:
            return c
    return None


_WP_TAGS = ("author", "item", "base_blog_url", "link")


def _wp_convert(el: Element) -> tuple:
    """What the WordPress importer reads from one element:
    ``("item", fields, [comment fields, ...])`` (``None, None`` without comments),
    ``("author", fields, None)``, or ``(tag, text, None)`` for the blog's URL."""
    names = _LOCAL
    tag = names.get(el.tag) or local(el.tag)
    if tag == "item":
        comments = []
        fields: dict[str, str] = {}  # _children(el), in the same pass
        for c in el:
            name = names.get(c.tag) or local(c.tag)
            if name == "comment":
                comments.append(_children(c))
            if name not in fields:
                t = c.text
                fields[name] = t.strip() if t else ""
        return ("item", fields, comments) if comments else ("item", None, None)
    if tag == "author":
        return ("author", _children(el), None)
    return (tag, el.text, None)


@register
class WordPressImporter(Importer):
    name = "wordpress"
    channel = "blog"
    version = "1"
    description = "WordPress WXR export (.xml) - comments, pingbacks and trackbacks"

    def detect(self, tree: InputTree) -> int:
        return 9 if _members(tree, (b"wordpress.org/export/",)) else 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        cache: dict = {}
        with _Workers() as workers:
            for member in _members(tree, (b"wordpress.org/export/",)):
                skip = 0  # the items the workers read before a piece was not what the cut assumed
                if workers.wanted(tree, member):
                    done = yield from self._pieces(tree, member, workers.pool())
                    if done is None:
                        continue
                    skip = done
                    workers.discard()  # a piece was not what the cut assumed: the rest is read here
                wxr = _WxrFile(self, member, cache)
                try:
                    for rec in iter_converted(partial(tree.open, member), _WP_TAGS, _wp_convert, name=member):
                        if isinstance(rec, RecordTooBig):
                            yield BadRecord(f"{member} line {rec.line}", str(rec))
                            continue
                        yield from wxr.element(rec, skip_items=skip)
                except MalformedXMLError as e:
                    yield BadRecord(f"{member} line {e.line}", f"{e}; stopped reading this file here")

    def _pieces(self, tree: InputTree, member: str, pool: Any) -> Generator[Record, None, int | None]:
        """Read ``member`` in pieces of whole ``<item>`` elements, parsed by worker processes.

        The file is cut before an ``<item>`` about every :data:`PIECE_BYTES`; each worker parses
        the file's head (the blog and its authors) followed by one piece (:func:`_wxr_piece`), and
        the results are taken in file order.
        Returns None when the whole file was read, else the number of items read: a piece that is
        not a run of whole items (a cut inside CDATA, say) or anything else unusual stops this,
        and the caller reads the file the established way from the start, skipping those items.
        """
        def find_cut(buf: bytes, start: int) -> int:
            return buf.find(b"<item>", start)

        with tree.open(member) as stream:
            split = plain_head(stream, find_cut, head_max=HEAD_MAX_BYTES)
            if split is None:
                return 0
            head, buf = split
            items_done = 0
            tasks = ((member, head, piece, last) for piece, last in cut_pieces(stream, buf, find_cut, piece_bytes=PIECE_BYTES))
            for args, got in in_order(pool, _wxr_piece, tasks, 2 * _blog_workers() + 1):
                if got is None:
                    return items_done
                n, records = got
                if records is None:  # a comment to report: its item number needs the items before
                    _, _, piece, last = args
                    got = _wxr_piece(member, head, piece, last, items_done)
                    if got is None:
                        return items_done
                    n, records = got
                yield from records
                items_done += n
        return None

    @staticmethod
    def _handle(host: str, login: str) -> str:
        login = normalize_handle(login)
        return f"{host}/{login}" if host else login

    def _item(self, f: dict, comments: list, member: str, n_item: int, site: str, host: str, authors: dict,
              cache: dict) -> Iterator[Record]:
        """One ``<item>``: ``f`` its fields (:func:`_children`), ``comments`` its comments' fields."""
        login = f.get("creator", "")
        post_author = authors.get(login) if login else None
        if post_author is None and login:
            post_author = authors[login] = Ident("wordpress", "handle", self._handle(host, login), login)
        post = f.get("post_id") or f.get("link") or f"item{n_item}"
        thread = f.get("link") or f"{site}?p={post}"
        prefix = f"comment:{site}|{post}|"
        rows = []
        by_id: dict[str, Ident | None] = {}
        miss = _MISSING
        for cf in comments:
            cid = cf.get("comment_id", "")
            key = (cf.get("comment_author_email", ""), cf.get("comment_author", ""), cf.get("comment_author_url", ""), "")
            author = cache.get(key, miss)
            if author is miss:
                author = _commenter(*key, cache=cache)
            if cid:
                by_id[cid] = author
            rows.append((cid, author, cf))
        for cid, author, cf in rows:
            if not cid:
                yield BadRecord(f"{member} item {n_item} comment ?", "comment without comment_id", (cf.get("comment_content") or "")[:200])
                continue
            if cf.get("comment_approved", "1") != "1":
                continue  # pending, spam or trash
            ctype = cf.get("comment_type", "")
            kind = _KIND_OF_TYPE.get(ctype)
            if kind is None:
                ctype = ctype.lower()
                if ctype in _SKIP_TYPES:
                    continue
                kind = _KIND_OF_TYPE.get(ctype, "comment")
            ts = _gmt(cf.get("comment_date_gmt", "")) or _gmt(cf.get("comment_date", ""))
            if ts is None:
                yield BadRecord(f"{member} item {n_item} comment {cid}", f"no readable date (comment_date_gmt={cf.get('comment_date_gmt')!r})")
                continue
            parent = cf.get("comment_parent", "0") or "0"
            reply_to = None
            recipient = post_author
            if parent != "0":
                reply_to = prefix + parent
                if parent in by_id:
                    recipient = by_id[parent]
            text = html_to_text(cf.get("comment_content") or "") or None
            if recipient is not None and author is not None and recipient[:3] == author[:3]:
                recipient = None  # talking to oneself
            yield _comment(prefix + cid, kind, ts, author, recipient, thread, reply_to, text)


class _WxrFile:
    """One WXR file as the importer reads it, element by element: the blog, its authors, the
    items so far. The same code reads a whole file here and one piece of it in a worker."""

    def __init__(self, importer: WordPressImporter, member: str, cache: dict) -> None:
        self.importer = importer
        self.member = member
        self.cache = cache
        self.authors: dict[str, Ident] = {}
        self.site = ""
        self.host = ""
        self.n_items = 0

    def element(self, rec: tuple, skip_items: int = 0) -> Iterator[Record]:
        """The records of one element as :func:`_wp_convert` gives it; the first ``skip_items``
        items are counted but not read (they were read before)."""
        tag, a, b = rec
        if tag == "item":
            self.n_items += 1
            if b and self.n_items > skip_items:
                yield from self.importer._item(a, b, self.member, self.n_items, self.site, self.host, self.authors,
                                               self.cache)
        elif tag == "author":
            login = a.get("author_login", "")
            if not login:
                return
            disp = html.unescape(a.get("author_display_name") or login)
            e = normalize_email(a.get("author_email", ""))
            self.authors[login] = (
                Ident("email", "email", e, disp) if e
                else Ident("wordpress", "handle", self.importer._handle(self.host, login), disp)
            )
        elif tag == "base_blog_url" or (tag == "link" and not self.site):
            url = _norm_url(a or "")
            if url:
                self.site = url
                self.host = urlsplit(url).netloc


#: A WordPress export this big is parsed by worker processes, a piece each (``CLOSEKNIT_BLOG_WORKERS``).
PARALLEL_MIN_BYTES = 64 << 20
#: Bytes per piece (it ends before the first ``<item>`` after this many).
PIECE_BYTES = 4 << 20
#: The file's head (everything before its first ``<item>``) that every piece is parsed after.
HEAD_MAX_BYTES = 4 << 20

def _blog_workers() -> int:
    """Worker processes for big WordPress and Disqus exports (``CLOSEKNIT_BLOG_WORKERS``)."""
    return default_workers("CLOSEKNIT_BLOG_WORKERS")


class _Workers:
    """The worker processes of one import, started when the first big file needs them; stopped at
    the end (at once if the import fails or is stopped)."""

    def __init__(self) -> None:
        self._pool: Any = None

    def wanted(self, tree: InputTree, member: str) -> bool:
        return tree.size(member) >= PARALLEL_MIN_BYTES and _blog_workers() > 0

    def pool(self) -> Any:
        if self._pool is None:
            self._pool = spawn_pool(_blog_workers(), _worker_init)
        return self._pool

    def discard(self) -> None:
        """Stop the workers now (pieces still queued are not needed)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:  # noqa: ANN001
        if self._pool is None:
            return
        if exc_type is not None:
            self.discard()
        else:
            self._pool.close()
            self._pool.join()
            self._pool = None


_WORKER_CACHE: dict = {}
#: Entries a worker keeps in its commenter cache and in its set of identities reported (up to 4
#: workers run beside the importing process; each one's memory must not grow with the file).
_WORKER_CACHE_MAX = 100_000


def _worker_init() -> None:
    import gc

    gc.disable()  # no reference cycles worth the full scans (as in the loader)


def _wxr_piece(member: str, head: bytes, piece: bytes, last: bool, item_base: int | None = None) -> tuple | None:
    """The records of one piece of a WXR file (see :meth:`WordPressImporter._pieces`), in a
    worker: ``(items in the piece, records)``. None if the piece is not a run of whole items
    after the file's head. Without ``item_base`` (the items before the piece, which a worker
    does not know), a piece with a comment to report gives ``(items, None)``: the importing
    process then reads it itself."""
    try:
        got = convert_piece(head, piece, _WP_TAGS, _wp_convert, last=last)
        if got is None:
            return None
        from_head, items = got
        if any(r[0] != "item" for r in items) or any(r[0] == "item" for r in from_head):
            return None
        if len(_WORKER_CACHE) > _WORKER_CACHE_MAX:
            _WORKER_CACHE.clear()
        wxr = _WxrFile(WordPressImporter(), member, _WORKER_CACHE)
        out: list = []
        for rec in from_head:
            out.extend(wxr.element(rec))
        wxr.n_items = item_base or 0
        for rec in items:
            out.extend(wxr.element(rec))
        if item_base is None and any(type(r) is BadRecord for r in out):
            return len(items), None
        return len(items), out
    except Exception:  # noqa: BLE001 - the importing process reads the file itself and reports
        return None


def _bool(value: str) -> bool:
    return value.strip().lower() in ("true", "1", "yes")


@register
class DisqusImporter(Importer):
    name = "disqus"
    channel = "blog"
    version = "1"
    description = "Disqus comments export (XML with <thread> and <post>)"

    def detect(self, tree: InputTree) -> int:
        return 9 if _members(tree, (b"<disqus", b"disqus.com")) else 0

    def _author(self, key: str | None, cache: dict, links: dict) -> Ident | None:
        """The identity of an author element given as its :func:`_author_key` (see
        :func:`_dsq_convert`); a Disqus account shown with its email also links the two."""
        if key is None:
            return None
        # the same author element (tags and texts) gives the same identity and link
        ident = cache.get(key, _MISSING)
        if ident is _MISSING:
            ident = cache[key] = self._author_of(key, cache, links)
        return ident

    def _author_of(self, key: str, cache: dict, links: dict) -> Ident | None:
        f = _pair_fields(key)
        username = "" if _bool(f.get("isAnonymous", "false")) else f.get("username", "")
        ident = _commenter(f.get("email", ""), f.get("name", ""), "", username, cache=cache)
        if ident is not None and ident.kind == "email" and username:
            handle = Ident("disqus", "handle", normalize_handle(username), ident.name)
            if (ident.value, handle.value) not in links:
                links[(ident.value, handle.value)] = IdentityLink(ident, handle, "Disqus account with this email", 1.0)
        return ident

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        cache: dict = {}
        threads: dict[str, tuple[str, Ident | None]] = {}
        authors: dict[str, Ident | None] = {}
        pending: list[tuple] = []  # posts whose thread or parent came later in the file
        links: dict[tuple[str, str], IdentityLink] = {}
        with _Workers() as workers:
            yield from self._files(tree, workers, cache, threads, authors, pending, links)
        for where, rec in pending:
            out = self._post(where, None, rec, threads, authors)
            if out is not None:
                yield out
        yield from links.values()

    def _files(self, tree: InputTree, workers: _Workers, cache: dict, threads: dict, authors: dict, pending: list,
               links: dict) -> Iterator[Record]:
        """The files' threads and posts, in order; posts whose thread or parent comes later wait in ``pending``.

        A big file is parsed in pieces by worker processes (:func:`iter_converted_pieces`), which
        gives the same elements in the same order; everything else happens here."""
        for member in _members(tree, (b"<disqus", b"disqus.com")):
            n = 0
            opener = lambda m=member: tree.open(m)  # noqa: E731
            if workers.wanted(tree, member):
                elements = iter_converted_pieces(opener, ("thread", "post"), _dsq_convert, pool=workers.pool(),
                                                 workers=_blog_workers(), name=member, piece_bytes=PIECE_BYTES)
            else:
                elements = iter_converted(opener, ("thread", "post"), _dsq_convert, name=member)
            try:
                for rec in elements:
                    if isinstance(rec, RecordTooBig):
                        yield BadRecord(f"{member} line {rec.line}", str(rec))
                        continue
                    if rec[0] == "thread":
                        _, tid, link, author_key = rec
                        threads[tid] = (link or tid, self._author(author_key, cache, links))
                        continue
                    n += 1
                    _, pid, message, created, deleted, spam, author_key, tid, parent = rec
                    if not pid:
                        yield BadRecord(f"{member} post {n}", "post without dsq:id", message[:200])
                        continue
                    authors[pid] = self._author(author_key, cache, links)
                    if (tid and tid not in threads) or (parent and parent not in authors):
                        pending.append((f"{member} post {n}", rec))
                        continue
                    out = self._post(member, n, rec, threads, authors)
                    if out is not None:
                        yield out
            except MalformedXMLError as e:
                yield BadRecord(f"{member} line {e.line}", f"{e}; stopped reading this file here")

    def _post(self, member, n, rec, threads, authors) -> Interaction | BadRecord | None:
        """One post (as :func:`_dsq_convert` gives it); ``member`` is the file (or, with ``n``
        None, the full location). None for a deleted or spam post."""
        _, pid, message, created, deleted, spam, _author_key, tid, parent = rec
        if deleted and deleted != "false" and _bool(deleted):
            return None
        if spam and spam != "false" and _bool(spam):
            return None
        ts = _dsq_time(created)
        if ts is None:
            return BadRecord(member if n is None else f"{member} post {n}", f"unreadable createdAt {created!r}")
        author = authors.get(pid)
        link, thread_author = threads.get(tid, (None, None))
        recipient = authors.get(parent) if parent else thread_author
        if recipient is not None and author is not None and recipient[:3] == author[:3]:
            recipient = None  # talking to oneself
        return _comment(
            "post:" + pid,
            "comment",
            ts,
            author,
            recipient,
            f"disqus:{link}" if link else (f"disqus:thread:{tid}" if tid else None),
            f"post:{parent}" if parent else None,
            message,
        )


def _dsq_time(created: str) -> datetime | None:
    """A post's ``createdAt`` as an aware UTC time; None if it cannot be read."""
    if len(created) == 20 and created[19] == "Z" and created[10] == "T" and created[13] == ":" and created[16] == ":":
        try:  # the usual "2013-01-01T00:00:00Z", straight to an aware UTC time
            return datetime.fromisoformat(created[:19] + "+00:00")
        except ValueError:
            pass
    return _gmt(created.replace("Z", "+00:00"))


def _dsq_id(el: Element | None) -> str:
    """The first ``id`` / ``prefix:id`` attribute (``dsq:id`` as written), stripped; '' without one."""
    if el is None:
        return ""
    keys = el.keys()  # a list (typeshed says dict_keys, which the C Element does not give)
    if keys:
        k = next(iter(keys))
        if k == "dsq:id":  # the usual <post dsq:id="...">
            return el.get(k, "").strip()
        for k in keys:
            if k == "id" or k.endswith(":id"):
                return el.get(k, "").strip()
    return ""


def _pair_fields(key: str) -> dict[str, str]:
    """:func:`_children` of an author element given as its :func:`_author_key`."""
    out: dict[str, str] = {}
    for item in key.split("\x1e"):
        name, _, text = item.partition("\x1f")
        if name not in out:
            out[name] = text.strip()
    return out


_SEPARATORS = str.maketrans({"\x1e": "\ufffd", "\x1f": "\ufffd"})


def _author_key(el: Element) -> str:
    """``el``'s children as one string, ``name US text RS name US text ...`` (US, RS: the
    ASCII unit and record separators, which XML 1.0 text cannot hold; an XML 1.1 document's are
    replaced): what identifies an author, cheap to hash, compare and send from a worker process
    (a tuple of ``(tag, text)`` pairs cost the importing process 4 s per million posts to hash
    and compare)."""
    names = _LOCAL
    parts = []
    for c in el:
        text = c.text or ""
        if "\x1e" in text or "\x1f" in text:
            text = text.translate(_SEPARATORS)
        parts.append(f"{names.get(c.tag) or local(c.tag)}\x1f{text}")
    return "\x1e".join(parts)


def _dsq_convert(el: Element) -> tuple:
    """What the Disqus importer reads from one element:
    ``("thread", dsq:id, link or id, author)`` or ``("post", dsq:id, message, createdAt,
    isDeleted, isSpam, author, thread dsq:id, parent dsq:id)``. ``author`` is the author
    element's :func:`_author_key` (None without one); ``message`` is the message
    as plain text (:func:`html_to_text`; None without one), or for a post without an id its
    stripped leading text; ``isDeleted``/``isSpam`` are their raw texts (None when absent or
    empty). Text is converted here, where worker processes do it for big files
    (:func:`~closeknit.ingest.xmlsafe.iter_converted_pieces`)."""
    names = _LOCAL
    if (names.get(el.tag) or local(el.tag)) == "thread":
        f = _children(el)
        author = _child(el, "author")
        return ("thread", _dsq_id(el), f.get("link") or f.get("id"), None if author is None else _author_key(author))
    pid = _dsq_id(el)
    kids = _kids(el)
    msg = kids.get("message")
    if not pid:
        return ("post", pid, _text(msg), "", None, None, None, "", "")
    author = kids.get("author")
    flag = kids.get("isDeleted")
    deleted = None if flag is None else flag.text
    flag = kids.get("isSpam")
    spam = None if flag is None else flag.text
    return (
        "post",
        pid,
        None if msg is None else html_to_text(("".join(msg.itertext()) if len(msg) else msg.text) or "") or None,
        _text(kids.get("createdAt")),
        deleted,
        spam,
        None if author is None else _author_key(author),
        _dsq_id(kids.get("thread")),
        _dsq_id(kids.get("parent")),
    )
