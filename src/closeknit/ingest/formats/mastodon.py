"""Mastodon account archive (ActivityPub JSON) and Mastodon's CSV follow/block/mute exports.

The archive (Preferences > Import and export > Request your archive) is a zip with
``actor.json``, ``outbox.json``, ``likes.json``, ``bookmarks.json`` and media. Follow lists are
separate CSV downloads on the same page (``following_accounts.csv``: ``Account
address,Show boosts,Notify on new posts,Languages``; ``muted_accounts.csv``;
``blocked_accounts.csv`` without a header). Put them in the archive folder or import them alone.

What becomes what (the owner is the actor of ``actor.json``):

* ``Create`` of a ``Note`` -> ``reply`` when it has ``inReplyTo`` (``reply_to`` the parent, the
  parent's author as ``recipient``), else ``message`` when it is a direct message, else
  ``post``. Mentioned accounts (``tag[]`` of type ``Mention``) are participants with role
  ``mentioned`` (``recipient`` for the replied-to author and for direct messages). Thread =
  ``conversation``. Text = the HTML content as plain text.
* ``Announce`` (boost) -> ``repost``, to the author of the boosted status (from its URL).
* ``likes.json`` (bare status URLs) -> ``like`` without a time (the archive gives none), to the
  author when the URL names one (``https://host/users/<name>/statuses/<id>``).
* Visibility: ``as:Public`` in ``to`` (public) or in ``cc`` (unlisted) -> ``public``;
  followers-only -> ``group``; direct -> ``private``.
* ``actor.json`` -> the owner's identities (actor URL and ``user@host`` handle) and, from the
  profile fields (``attachment`` of type ``PropertyValue``) and ``alsoKnownAs``, links from the
  owner's handle to the websites, emails and other accounts listed there.
* CSV lists -> ``follow`` / ``mute`` / ``block`` from the owner, without a time.

Identities: accounts seen as URLs are ``Ident("mastodon", "url", actor URL)``, handles are
``Ident("mastodon", "handle", "user@host")``; a mention tag gives both, and they are linked.
``outbox.json`` and ``likes.json`` are read item by item (any size).

``outbox.json`` and ``likes.json`` are one long line and can be large: their ``orderedItems``
are read one at a time with :class:`~closeknit.ingest.formats._dyi.JsonCursor`, as the other
"download your data" JSON formats are.
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import BinaryIO


from closeknit.core.files import too_big
from closeknit.core.normalize import normalize_email, normalize_handle
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.formats._dyi import JsonCursor, JsonItemTooBig, JsonStreamError, bad, read_document
from closeknit.ingest.htmltext import html_to_text
from closeknit.ingest.inputs import InputTree, iter_lines
from closeknit.ingest.records import Ident, IdentityLink, Interaction, Record, SelfIdentity

__all__ = ["MastodonImporter", "author_of", "profile_link_ident"]

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_ALIASES = {PUBLIC, "as:Public", "Public"}
_TAG = re.compile(r"<[^>]+>")
_HREF = re.compile(r'href="([^"]+)"')
_USERS_URL = re.compile(r"^(https?://[^/]+/users/[^/]+)/statuses/[^/]+")
_AT_URL = re.compile(r"^https?://([^/]+)/@([^/@]+)(?:@([^/]+))?(?:/(\d+))?/?$")
_HANDLE = re.compile(r"^@?([^@\s]+)@([^@\s]+\.[^@\s]+)$")
_LISTS = {
    "following_accounts.csv": ("follow", "out"),
    "muted_accounts.csv": ("mute", "out"),
    "blocked_accounts.csv": ("block", "out"),
    "followers_accounts.csv": ("follow", "in"),
    "followers.csv": ("follow", "in"),
}


def _norm_url(url: str) -> str:
    """Scheme and host lower-cased, no trailing slash."""
    url = url.strip()
    m = re.match(r"^(https?)://([^/]+)(.*)$", url, re.I)
    if not m:
        return url
    return f"{m.group(1).lower()}://{m.group(2).lower()}{m.group(3).rstrip('/')}"


_AUTHORS: dict[str, Ident | None] = {}


def _author_cached(status_url: str) -> Ident | None:
    k = status_url.find("/statuses/")
    key = status_url[:k] if k > 0 else status_url
    hit = _AUTHORS.get(key, False)
    if hit is False:
        if len(_AUTHORS) > 100_000:
            _AUTHORS.clear()
        hit = _AUTHORS[key] = author_of(status_url)
    return hit  # type: ignore[return-value]


def author_of(status_url: str) -> Ident | None:
    """The author of a status from its URL, when the URL names one.

    >>> author_of("https://mastodon.social/users/ada/statuses/1")
    Ident(channel='mastodon', kind='url', value='https://mastodon.social/users/ada', name=None)
    >>> author_of("https://example.org/@bob/42").value
    'bob@example.org'
    >>> author_of("https://example.org/objects/9f0c") is None
    True
    """
    m = _USERS_URL.match(status_url)
    if m:
        return Ident("mastodon", "url", _norm_url(m.group(1)))
    m = _AT_URL.match(status_url)
    if m:
        host = m.group(3) or m.group(1)
        return Ident("mastodon", "handle", f"{m.group(2)}@{host}".lower())
    return None


def profile_link_ident(value: str) -> Ident | None:
    """The identity a Mastodon profile field points at (a website, an email, another account).

    >>> profile_link_ident('<a href="https://daniel.industries" rel="me">daniel.industries</a>')
    Ident(channel='blog', kind='url', value='https://daniel.industries', name=None)
    >>> profile_link_ident('@ada@hachyderm.io').value, profile_link_ident('ada@example.org').kind
    ('ada@hachyderm.io', 'email')
    """
    m = _HREF.search(value)
    if m:
        url = html.unescape(m.group(1))
    else:
        url = html.unescape(_TAG.sub("", value)).strip()
    if not url:
        return None
    if url.lower().startswith("mailto:") or (not m and "@" in url and "/" not in url and not url.startswith("@")):
        addr = normalize_email(url)
        return Ident("email", "email", addr) if addr else None
    hm = _HANDLE.match(url)
    if hm and url.startswith("@"):
        return Ident("mastodon", "handle", f"{hm.group(1)}@{hm.group(2)}".lower())
    if not re.match(r"^https?://", url, re.I):
        if re.match(r"^[\w.-]+\.[a-z]{2,}(/\S*)?$", url, re.I):
            url = "https://" + url
        else:
            return None
    u = _norm_url(url)
    low = u.lower()
    tw = re.match(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/([A-Za-z0-9_]{1,15})$", low)
    if tw:
        return Ident("twitter", "handle", tw.group(1))
    li = re.match(r"^https?://(?:[a-z]{2,3}\.|www\.)?linkedin\.com/in/([^/?#]+)", u, re.I)
    if li:
        return Ident("linkedin", "url", f"https://www.linkedin.com/in/{li.group(1).lower()}")
    ig = re.match(r"^https?://(?:www\.)?instagram\.com/([A-Za-z0-9._]{1,30})$", low)
    if ig:
        return Ident("instagram", "handle", ig.group(1))
    at = _AT_URL.match(u)
    if at and not at.group(4):
        return Ident("mastodon", "handle", f"{at.group(2)}@{at.group(3) or at.group(1)}".lower())
    return Ident("blog", "url", u)


def _ordered_items(f: BinaryIO) -> Iterator[object]:
    """The elements of the root object's ``orderedItems`` array, one at a time (any size); an
    element over the limit of one record is stepped over and its :class:`JsonItemTooBig` yielded
    in its place (the caller reports it and reads on)."""
    cur = JsonCursor(f)
    for key in cur.object():
        if key == "orderedItems" and cur.kind() == "[":
            for _ in cur.array():
                try:
                    yield cur.value()
                except JsonItemTooBig as e:
                    yield e
        else:
            try:
                cur.skip()
            except JsonItemTooBig:
                pass  # not read anyway


def _iso(s: str) -> datetime:
    dt = datetime.fromisoformat(s)
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def _as_list(v: object) -> list:
    if v is None:
        return []
    return v if isinstance(v, list) else [v]


@register
class MastodonImporter(Importer):
    name = "mastodon"
    channel = "mastodon"
    version = "1"
    description = "Mastodon account archive (outbox.json, likes.json, actor.json) and its CSV follow/mute/block lists"

    def detect(self, tree: InputTree) -> int:
        base = {n.rsplit("/", 1)[-1]: n for n in tree.names()}
        if "outbox.json" in base:
            head = tree.head(base["outbox.json"], 4096)
            if b"OrderedCollection" in head or b"orderedItems" in head or b"activitystreams" in head:
                return 9
        if "actor.json" in base and b"preferredUsername" in tree.head(base["actor.json"], 65536):
            return 8
        names = tree.names()
        if len(names) == 1:
            b = names[0].rsplit("/", 1)[-1]
            if b in _LISTS or b == "likes.json":
                head = tree.head(names[0], 1024)
                if b.endswith(".json"):
                    return 7 if b"OrderedCollection" in head else 0
                if head.lstrip(b"\xef\xbb\xbf").startswith(b"Account address") or re.match(rb"^[^@\s,]+@[^@\s,]+", head):
                    return 7
        return 0

    # -- identities
    def _url(self, url: str) -> Ident:
        ident = self._urls.get(url)
        if ident is None:
            ident = self._urls[url] = Ident("mastodon", "url", _norm_url(url))
        return ident

    def _mention(self, tag: dict, local_host: str | None) -> tuple[IdentityLink | None, Ident | None]:
        """``(link the first time a handle is seen, handle ident)`` of a Mention tag."""
        name, href = tag.get("name") or "", tag.get("href") or ""
        key = (name, href)
        hit = self._mentions.get(key)
        if hit is not None:
            return None, hit
        handle = normalize_handle(name)
        if handle and "@" not in handle:
            host = re.match(r"^https?://([^/]+)", href)
            handle = f"{handle}@{(host.group(1) if host else local_host or '').lower()}".rstrip("@")
        ident = Ident("mastodon", "handle", handle) if handle else (self._url(href) if href else None)
        link = None
        if ident is not None and handle and href:
            link = IdentityLink(ident, self._url(href), "Mastodon mention tag gives this handle's actor URL", 1.0)
        self._mentions[key] = ident
        return link, ident

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        self._urls: dict[str, Ident] = {}
        self._mentions: dict[tuple[str, str], Ident | None] = {}
        base = {n.rsplit("/", 1)[-1]: n for n in sorted(tree.names(), key=len, reverse=True)}
        self_url: Ident | None = None
        self_handle: Ident | None = None
        host = None
        if "actor.json" in base:
            for rec in self._actor(tree, base["actor.json"]):
                if isinstance(rec, tuple):
                    self_url, self_handle, host = rec
                else:
                    yield rec
        me = self_url or self_handle or next((i for i in ctx.self_idents if i.channel == "mastodon"), None)
        self._me = me
        if me is not None and host is None and me.kind == "url":
            hm = re.match(r"^https?://([^/]+)", me.value)
            host = hm.group(1) if hm else None
        self._host = host
        if "outbox.json" in base:
            yield from self._outbox(tree, base["outbox.json"])
        if "likes.json" in base:
            yield from self._likes(tree, base["likes.json"])
        for b, (kind, direction) in sorted(_LISTS.items()):
            if b in base:
                yield from self._list(tree, base[b], kind, direction)

    # -- actor.json
    def _actor(self, tree: InputTree, member: str) -> Iterator[Record | tuple]:
        try:
            actor = read_document(tree, member)
        except (ValueError, OSError) as e:  # not JSON, bad UTF-8, too big, unreadable
            yield bad(member, f"unreadable actor file ({e})")
            return
        if not isinstance(actor, dict) or not actor.get("id"):
            yield bad(member, "actor.json has no id")
            return
        url = self._url(str(actor["id"]))
        hm = re.match(r"^https?://([^/]+)", url.value)
        host = hm.group(1).lower() if hm else None
        name = actor.get("name") or None
        url = Ident("mastodon", "url", url.value, name)
        self._urls[str(actor["id"])] = url
        user = actor.get("preferredUsername")
        handle = Ident("mastodon", "handle", f"{user}@{host}".lower(), name) if user and host else None
        ev = f"{member} (the archive's actor)"
        yield SelfIdentity(url, ev)
        if handle is not None:
            yield SelfIdentity(handle, ev)
            yield IdentityLink(handle, url, "the archive's actor.json gives both", 1.0)
        anchor = handle or url
        seen = set()
        for field in _as_list(actor.get("attachment")):
            if not isinstance(field, dict) or field.get("type") != "PropertyValue":
                continue
            other = profile_link_ident(str(field.get("value") or ""))
            if other is not None and other != anchor and other not in seen:
                seen.add(other)
                yield IdentityLink(anchor, other, "listed in Mastodon profile", 1.0)
        for aka in _as_list(actor.get("alsoKnownAs")):
            if isinstance(aka, str) and aka:
                other = self._url(aka)
                if other not in seen and other != url:
                    seen.add(other)
                    yield IdentityLink(anchor, other, "Mastodon profile alsoKnownAs (a moved account)", 1.0)
        yield (url, handle, host)

    # -- outbox.json
    def _outbox(self, tree: InputTree, member: str) -> Iterator[Record]:
        i = 0
        with tree.open(member) as f:
            try:
                for item in _ordered_items(f):
                    if isinstance(item, JsonItemTooBig):
                        yield bad(f"{member} item {i}", too_big("the activity", item.size, "characters"))
                        i += 1
                        continue
                    try:
                        yield from self._activity(item, member, i)
                    except (KeyError, TypeError, ValueError, AttributeError) as e:
                        yield bad(f"{member} item {i}", f"unreadable activity ({type(e).__name__}: {e})", item)
                    i += 1
            except JsonStreamError as e:
                yield bad(member, f"outbox.json is cut short or not JSON ({e}); items before that were read")

    def _visibility(self, to: list, cc: list) -> str:
        # set.isdisjoint stops at the first hit and raises on an unhashable element like the
        # any(t in _PUBLIC_ALIASES ...) it replaces
        if not _PUBLIC_ALIASES.isdisjoint(to) or not _PUBLIC_ALIASES.isdisjoint(cc):
            return "public"
        for t in to:
            if isinstance(t, str) and t.endswith("/followers"):
                return "group"
        return "private"

    def _activity(self, item: object, member: str, i: int) -> Iterator[Record]:
        if not isinstance(item, dict):
            yield bad(f"{member} item {i}", "item is not an object", item)
            return
        get = item.get
        typ = get("type")
        actor_url = get("actor")
        me = self._me
        actor = self._url(actor_url) if isinstance(actor_url, str) else me
        if actor is not None and me is not None and actor.value == me.value:
            actor = me
        obj = get("object")
        published = get("published") or (obj.get("published") if isinstance(obj, dict) else None)
        ts = _iso(published) if published else None
        if typ == "Announce":
            vis = self._visibility(_as_list(get("to")), _as_list(get("cc")))
            target = obj.get("id") if isinstance(obj, dict) else obj
            if not isinstance(target, str):
                yield bad(f"{member} item {i}", "boost without the boosted status", item)
                return
            author = _author_cached(target)
            yield Interaction(
                f"announce:{get('id') or target}",
                "repost",
                "mastodon",
                ts,
                actor,
                ((author, "recipient"),) if author is not None else (),
                vis,
                None,
                f"note:{target}",
            )
            return
        if typ != "Create" or not isinstance(obj, dict):
            yield bad(f"{member} item {i}", f"activity type {typ!r} is not read", item)
            return
        oget = obj.get
        oid = oget("id")
        if not isinstance(oid, str):
            yield bad(f"{member} item {i}", "note without an id", item)
            return
        parent = oget("inReplyTo")
        parent_is_str = isinstance(parent, str)
        parent_author = _author_cached(parent) if isinstance(parent, str) else None
        if parent_author is not None and me is not None and parent_author.value in (me.value,):
            parent_author = None  # a thread of one's own
        vis = self._visibility(_as_list(oget("to", get("to"))), _as_list(oget("cc", get("cc"))))
        role = "recipient" if vis == "private" else "mentioned"
        parts: list[tuple[Ident, str]] = []
        parent_found = parent_author is None
        tags = oget("tag")
        if tags:
            seen: set[Ident] = set()
            host = self._host
            for tag in _as_list(tags):
                if not isinstance(tag, dict) or tag.get("type") != "Mention":
                    continue
                link, ident = self._mention(tag, host)
                if link is not None:
                    yield link
                if ident is None or ident in seen or (me is not None and ident.value == me.value):
                    continue
                seen.add(ident)
                r = role
                if parent_author is not None and (
                    (tag.get("href") and self._url(tag["href"]).value == parent_author.value) or ident.value == parent_author.value
                ):
                    r, parent_found = "recipient", True
                parts.append((ident, r))
        if not parent_found and parent_author is not None:
            parts.append((parent_author, "recipient"))
        content = oget("content")
        text = html_to_text(content) if isinstance(content, str) and content else None
        kind = "reply" if parent_is_str else ("message" if vis == "private" else "post")
        opub = oget("published")
        if opub:
            ts = ts if opub.__class__ is str and opub == published else _iso(obj["published"])
        conv = oget("conversation")
        yield Interaction(
            f"note:{oid}",
            kind,
            "mastodon",
            ts,
            actor,
            tuple(parts),
            vis,
            conv if isinstance(conv, str) else None,
            f"note:{parent}" if parent_is_str else None,
            text or None,
        )

    # -- likes.json
    def _likes(self, tree: InputTree, member: str) -> Iterator[Record]:
        with tree.open(member) as f:
            try:
                for i, url in enumerate(_ordered_items(f)):
                    if isinstance(url, JsonItemTooBig):
                        yield bad(f"{member} item {i}", too_big("the like", url.size, "characters"))
                        continue
                    yield from self._like(url, member, i)
            except JsonStreamError as e:
                yield bad(member, f"likes.json is cut short or not JSON ({e}); items before that were read")

    def _like(self, url: object, member: str, i: int) -> Iterator[Record]:
        if isinstance(url, dict):
            url = url.get("id") or url.get("object")
        if not isinstance(url, str) or not url:
            yield bad(f"{member} item {i}", "like is not a status URL", url)
            return
        author = _author_cached(url)
        yield Interaction(
            f"like:{url}",
            "like",
            "mastodon",
            None,
            self._me,
            ((author, "recipient"),) if author is not None else (),
            "public",
            None,
            f"note:{url}",
        )

    # -- CSV lists
    def _list(self, tree: InputTree, member: str, kind: str, direction: str) -> Iterator[Record]:
        me = self._me
        with tree.open(member) as f:
            for lineno, row in enumerate(csv.reader(iter_lines(f)), start=1):
                if not row or not row[0].strip():
                    continue
                addr = row[0].strip()
                if lineno == 1 and addr.lower() == "account address":
                    continue
                hm = _HANDLE.match(addr)
                if not hm:
                    yield bad(f"{member} line {lineno}", f"not an account address: {addr!r}", ",".join(row))
                    continue
                other = Ident("mastodon", "handle", f"{hm.group(1)}@{hm.group(2)}".lower())
                actor, target = (me, other) if direction == "out" else (other, me)
                yield Interaction(
                    native_id=f"{kind}:{direction}:{other.value}",
                    kind=kind,
                    channel="mastodon",
                    ts=None,
                    actor=actor,
                    participants=((target, "recipient"),) if target is not None else (),
                    visibility="private",
                )
