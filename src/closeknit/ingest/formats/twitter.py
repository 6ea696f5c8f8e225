"""X / Twitter archive ("Download an archive of your data"): a zip, its unzipped folder, or single files.

Every data file is JavaScript wrapping one JSON array: ``window.YTD.<name>.part<N> = [ ... ]``.
We strip everything up to the first ``[`` and never evaluate anything. ``manifest.js`` is
``window.__THAR_CONFIG = { ... }`` instead. Big archives split a type over several files
(``tweets.js``, ``tweets-part1.js``, ...); the file's global name (``YTD.tweets.part1``) says
which type it holds, so files are dispatched on that name, not on the file name.

Format versions (all accepted, one fixture each under ``tests/fixtures/twitter``):

* 2018-2019 GDPR archives: ``tweet.js`` whose items are the tweet objects themselves (no wrapper).
* 2019-2021: ``tweet.js`` / ``window.YTD.tweet.part0`` with ``{"tweet": {...}}`` items,
  compact ``[ {`` layout.
* 2022+: ``tweets.js`` / ``window.YTD.tweets.part0``, one item per ``  {`` line.
* 2025+: end-to-end encrypted "XChat" DMs in ``message-event.js``: sender, conversation, time
  and read receipts are readable, the text is ciphertext (stored as ``None``).

What becomes what (the owner comes from ``account.js``, else ``manifest.js``, else the store's
``closeknit me`` identities):

* tweets: ``repost`` ("RT @x:", recipient = x), ``reply`` (recipient = the replied-to account,
  ``reply_to`` = ``tweet:<parent id>``), ``mention`` (a tweet naming people), else ``post``; all
  public. ``entities.user_mentions`` become "mentioned" participants and link account id and
  handle (IdentityLink, confidence 1.0: X states it).
* like.js: ``like`` (no time in the archive). The author is known only from an expanded URL
  ``twitter.com/<handle>/status/<id>`` or an "RT @x:" text; other ``@handles`` in the text are
  "mentioned" (a leading ``@x`` marks a reply *to* x, not x's own tweet).
* follower.js / following.js: ``follow`` with ``ts=None``; block.js / mute.js: ``block`` / ``mute``.
* direct-messages.js (1:1, private), direct-messages-group.js (group; join/leave/rename and a
  business account's automatic welcome message become ``system`` events; other event types are
  reported, with their count, as skipped), their ``*-headers.js`` twins (no text; the same message ids, so never
  counted twice), reactions (``reaction``, ``reply_to`` the message), message-event.js (XChat).

How a file is read: 4 MiB chunks cut after a top-level item (a ``\\n<indent>}`` line: JSON
strings cannot hold a raw newline), each decoded in one msgspec call (tweets as :class:`_Tweet`:
only the fields we read are decoded, and their types checked); a chunk that does not parse is
split item by item, so one broken item is reported and the rest of the file is still read. A file
laid out some other way (one long line) is streamed item by item (:class:`JsonCursor`). What a tweet means
(its kind, the account it answers, who it names) is decided in one place, :meth:`_Reader.do_tweets`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import PurePosixPath
from typing import Any, BinaryIO

import msgspec

from closeknit.core.files import MAX_RECORD_BYTES, too_big
from closeknit.core.ids import content_id
from closeknit.core.normalize import normalize_email, normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.formats._dyi import JsonCursor, JsonItemTooBig, JsonStreamError
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import (
    BadRecord,
    Ident,
    IdentityLink,
    Interaction,
    Record,
    SelfIdentity,
)

__all__ = ["TwitterImporter", "parse_tweet_time", "iter_js_items"]

CHANNEL = "twitter"
UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Bytes read per chunk, and the most we buffer while looking for the end of one item before
#: handing the rest of the file to the streaming parser: the limit of one record (the streaming
#: parser steps over an item over the limit and reports it).
CHUNK = 4 * 1024 * 1024
MAX_PENDING = MAX_RECORD_BYTES
_HEAD = 64 * 1024

_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_GLOBAL = re.compile(rb"window\.YTD\.([A-Za-z0-9_]+)\.part(\d+)\s*=")
_THAR = re.compile(rb"window\.__THAR_CONFIG\s*=")
_HANDLE_IN_TEXT = re.compile(r"(?<![\w@])@(\w{1,15})\b")
_STATUS_URL = re.compile(r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(\w{1,15})/status(?:es)?/(\d+)", re.I)
_RT = re.compile(r"^RT @(\w{1,15}):")

# data type (the global name) -> handler; the order is the reading order: the owner first,
# full DMs before their headers so that headers never shadow a message's text.
_TYPES = (
    ("manifest", "manifest"),
    ("account", "account"),
    ("screen_name_change", "screen_name_change"),
    ("tweets", "tweets"),  # 2022+
    ("tweet", "tweets"),  # 2019-2021 and the GDPR archives
    ("community_tweet", "tweets"),
    ("like", "likes"),
    ("follower", "follows"),
    ("following", "follows"),
    ("block", "blocks"),
    ("mute", "blocks"),
    ("direct_messages", "dms"),
    ("direct_messages_group", "dms"),
    ("direct_message_headers", "dms"),
    ("direct_message_group_headers", "dms"),
    ("message_event", "xchat"),
)
_ORDER = {name: i for i, (name, _) in enumerate(_TYPES)}
_HANDLER = dict(_TYPES)
# file stems (without -partN) we expect, for quick detection
_KNOWN_STEMS = {n.replace("_", "-") for n, _ in _TYPES} | {"profile"}


def parse_tweet_time(s: str) -> datetime:
    """Tweet ``created_at`` (``"Fri Mar 06 13:02:05 +0000 2026"``) to an aware UTC datetime.

    Fixed positions and a month table, about 5x faster than ``strptime``; other layouts seen in
    old archives (ISO 8601, ``2018-05-03 12:00:00 +0000``) go through the slow path.

    >>> parse_tweet_time("Fri Mar 06 13:02:05 +0000 2026").isoformat()
    '2026-03-06T13:02:05+00:00'
    """
    if len(s) == 30 and s[20:25] == "+0000":
        return datetime(int(s[26:30]), _MONTHS[s[4:7]], int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:19]), tzinfo=UTC)
    return _slow_time(s)


def _slow_time(s: str) -> datetime:
    s = s.strip()
    if s[:3] in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun") and len(s) >= 30:
        # "Fri Mar 06 13:02:05 +0100 2026"
        dt = datetime(int(s[-4:]), _MONTHS[s[4:7]], int(s[8:10]), int(s[11:13]), int(s[14:16]), int(s[17:19]))
        off = s[20:25]
        delta = timedelta(hours=int(off[1:3]), minutes=int(off[3:5]))
        return (dt - delta if off[0] == "+" else dt + delta).replace(tzinfo=UTC)
    return _iso_time(s)


def _iso_time(s: str) -> datetime:
    """ISO 8601 (``2026-01-25T19:33:24.183Z``) or ``2018-05-03 12:00:00 +0000`` to aware UTC."""
    v = s.strip()
    if v.endswith(("Z", "z")):
        v = v[:-1] + "+00:00"
    elif len(v) > 5 and v[-5] in "+-" and v[-6] == " ":
        v = v[:-6] + v[-5:-2] + ":" + v[-2:]
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        dt = parsedate_to_datetime(s)  # RFC 2822, last resort
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _ms_time(ms: str | int) -> datetime:
    return _EPOCH + timedelta(milliseconds=int(ms))


# ---------------------------------------------------------------------------------------------
# Reading a YTD file: prefix, then items in chunks


class _Chain(io.RawIOBase):
    """``head`` bytes followed by the rest of ``stream`` (for handing over to :class:`JsonCursor`)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(b))
        b[: len(data)] = data
        return len(data)


_DECODERS: dict[Any, msgspec.json.Decoder] = {}


def _loads_many(seg: bytes, typ: Any) -> list:
    """Parse ``[seg]`` as a list of ``typ`` (``Any``: plain dicts and lists)."""
    dec = _DECODERS.get(typ)
    if dec is None:
        dec = _DECODERS[typ] = msgspec.json.Decoder(list[typ])
    return dec.decode(b"[" + seg + b"]")


def _read_prefix(stream: BinaryIO, opener: bytes) -> tuple[bytes, bytes] | None:
    """(prefix, rest after ``opener``) or None when ``opener`` is not found in the head."""
    buf = b""
    while len(buf) < _HEAD:
        data = stream.read(4096)
        if not data:
            break
        buf += data
        eq = buf.find(b"=")
        if eq >= 0:
            i = buf.find(opener, eq)
            if i >= 0:
                return buf[:i], buf[i + 1 :]
    return None


def iter_js_items(stream: BinaryIO, name: str, typ: Any = Any) -> Iterator[tuple[int, Any] | BadRecord]:
    """Yield ``(index, item)`` for each item of a ``window.YTD.x.partN = [ ... ]`` stream.

    Items are decoded as ``typ`` (a :class:`msgspec.Struct` reads only its own fields and checks
    their types; ``Any`` gives plain dicts). An item that cannot be read is yielded as a
    :class:`BadRecord` and reading goes on.
    Memory stays bounded by :data:`CHUNK` plus the largest item.
    """
    head = _read_prefix(stream, b"[")
    if head is None:
        yield BadRecord(name, "no 'window.YTD.<name>.part<N> = [' prefix; not an X archive data file")
        return
    prefix, rest = head
    # The closing brace of a top-level item sits at the indentation of the line that opened it.
    while True:
        stripped = rest.lstrip()
        if stripped or len(rest) > _HEAD:
            break
        data = stream.read(4096)
        if not data:
            break
        rest += data
    if not stripped or stripped[:1] == b"]":
        return
    if stripped[:1] != b"{":
        yield from _stream_items(_Chain(b"[" + rest, stream), name, 0, typ)
        return
    ws = rest[: len(rest) - len(stripped)]
    if b"\n" in ws:
        indent = ws[ws.rfind(b"\n") + 1 :]
    else:
        line = prefix[prefix.rfind(b"\n") + 1 :]
        indent = line[: len(line) - len(line.lstrip())]
    marker = b"\n" + indent.replace(b"\r", b"") + b"}"
    idx = 0
    pending = rest
    eof = False
    searched = 0  # pending[:searched] is known to hold no marker
    while not eof:
        data = stream.read(CHUNK)
        if data:
            pending += data
        else:
            eof = True
        cut = pending.rfind(marker, searched)
        if cut < 0:
            searched = max(0, len(pending) - len(marker))
            if len(pending) > MAX_PENDING:
                yield from _stream_items(_Chain(b"[" + pending.lstrip(b" \t\r\n,"), stream), name, idx, typ)
                return
            continue
        end = cut + len(marker)
        seg, pending = pending[:end].lstrip(b" \t\r\n,"), pending[end:]
        searched = max(0, len(pending) - len(marker))
        if not seg:
            continue
        try:
            if len(seg) > MAX_RECORD_BYTES:  # perhaps one item over the limit: each one is measured
                raise msgspec.DecodeError
            items = _loads_many(seg, typ)
        except msgspec.DecodeError:
            for rec in _piecewise(seg, marker, name, idx, typ):
                if not isinstance(rec, BadRecord):
                    idx = rec[0] + 1
                else:
                    idx += 1
                yield rec
            continue
        for item in items:
            yield idx, item
            idx += 1
        del items
    tail = pending.strip().rstrip(b";").rstrip()
    if tail.endswith(b"]"):
        tail = tail[:-1].strip().lstrip(b",").strip()
        if tail:  # items after the last cut: the layout is not X's (one long line, say)
            yield from _stream_items(io.BytesIO(b"[" + tail + b"]"), name, idx, typ)
    elif tail:
        excerpt = tail.lstrip(b" \t\r\n,")[:200].decode("utf-8", "replace")
        yield BadRecord(f"{name} item {idx}", "the file ends inside an item (truncated download?)", excerpt)


def _piecewise(seg: bytes, marker: bytes, name: str, idx: int, typ: Any) -> Iterator[tuple[int, Any] | BadRecord]:
    """Parse ``seg`` one top-level item at a time, reporting the ones that do not parse."""
    pieces: list[bytes] = []
    start = 0
    while True:
        cut = seg.find(marker, start)
        if cut < 0:
            if seg[start:].strip(b" \t\r\n,"):
                pieces.append(seg[start:])
            break
        end = cut + len(marker)
        pieces.append(seg[start:end])
        start = end
    i = 0
    while i < len(pieces):
        if len(pieces[i]) > MAX_RECORD_BYTES:
            text = pieces[i].strip(b" \t\r\n,")
            yield BadRecord(f"{name} item {idx}", too_big("the item", len(text)), text[:200].decode("utf-8", "replace"))
            idx += 1
            i += 1
            continue
        # a piece is one item unless the file's indentation is irregular: then join up to 3 more
        why = "unreadable JSON item"
        for j in range(i + 1, min(i + 5, len(pieces) + 1)):
            body = b"".join(pieces[i:j]).strip(b" \t\r\n,")
            try:
                items = _loads_many(body, typ)
            except msgspec.ValidationError as e:  # JSON, but not the fields' types
                if j == i + 1:
                    why = f"unexpected JSON item ({e})"
                continue
            except msgspec.DecodeError:
                continue
            for item in items:
                yield idx, item
                idx += 1
            i = j
            break
        else:
            text = pieces[i].strip(b" \t\r\n,")
            yield BadRecord(f"{name} item {idx}", why, text[:200].decode("utf-8", "replace"))
            idx += 1
            i += 1


def _stream_items(stream: BinaryIO | io.RawIOBase, name: str, idx: int, typ: Any) -> Iterator[tuple[int, Any] | BadRecord]:
    """The items of a file not laid out the way X writes it (one long line, say), one at a time."""
    cur = JsonCursor(stream)
    try:
        for _ in cur.array():
            try:
                item = cur.value()
            except JsonItemTooBig as e:  # stepped over: the next item follows
                yield BadRecord(f"{name} item {idx}", too_big("the item", e.size, "characters"))
                idx += 1
                continue
            if typ is not Any:
                try:
                    item = msgspec.convert(item, typ)
                except msgspec.ValidationError as e:
                    yield BadRecord(f"{name} item {idx}", f"unexpected JSON item ({e})", _excerpt(item))
                    idx += 1
                    continue
            yield idx, item
            idx += 1
    except JsonStreamError as e:
        yield BadRecord(f"{name} item {idx}", f"unreadable JSON from here on ({e}); the rest of the file was skipped")


def _read_object(stream: BinaryIO, name: str) -> dict | BadRecord:
    """The object of ``window.__THAR_CONFIG = { ... }`` (manifest.js, small)."""
    head = _read_prefix(stream, b"{")
    if head is None:
        return BadRecord(name, "no 'window.__THAR_CONFIG = {' prefix")
    data = b"{" + head[1] + stream.read(MAX_RECORD_BYTES)
    try:
        obj = msgspec.json.decode(data.strip().rstrip(b";"))
    except msgspec.DecodeError as e:
        return BadRecord(name, f"unreadable JSON ({e})")
    return obj if isinstance(obj, dict) else BadRecord(name, "not a JSON object")


def _global_name(tree: InputTree, name: str) -> str | None:
    try:
        head = tree.head(name, 512)
    except OSError:
        return None
    m = _GLOBAL.search(head)
    if m:
        return m.group(1).decode()
    if _THAR.search(head):
        return "manifest"
    return None


def _excerpt(obj: Any) -> str:
    try:
        return msgspec.json.encode(obj).decode()[:200]
    except Exception:  # noqa: BLE001 - an excerpt is best effort
        return repr(obj)[:200]


class _Mention(msgspec.Struct):
    id_str: str | int | None = None
    id: str | int | None = None
    screen_name: str | None = None
    name: str | None = None


class _Entities(msgspec.Struct):
    user_mentions: list[_Mention] | None = None


class _Tweet(msgspec.Struct):
    """The fields of a tweet item we read (the rest of the item is skipped, not decoded): ``{"tweet":
    {...}}`` items, and the GDPR archives' bare tweet objects; ``id``/``text`` instead of
    ``id_str``/``full_text`` in early archives, numbers as numbers."""

    tweet: _Tweet | None = None
    id_str: str | int | None = None
    id: str | int | None = None
    full_text: str | None = None
    text: str | None = None
    created_at: str | None = None
    entities: _Entities | None = None
    in_reply_to_status_id_str: str | int | None = None
    in_reply_to_status_id: str | int | None = None
    in_reply_to_user_id_str: str | int | None = None
    in_reply_to_user_id: str | int | None = None
    in_reply_to_screen_name: str | None = None


def _s(v: str | int | None) -> str | None:
    return None if v is None or v == "" else str(v)


def _tweet_fields(item: _Tweet) -> tuple:
    """(id, text, created_at, mentions, parent id, replied-to user id, replied-to handle) of a tweet item."""
    tw = item.tweet or item
    tid = _s(tw.id_str or tw.id)
    if not tid:
        raise KeyError("id_str")
    text = tw.full_text if tw.full_text is not None else tw.text
    if text is None:
        raise KeyError("full_text")
    if tw.created_at is None:
        raise KeyError("created_at")
    ms = tw.entities.user_mentions if tw.entities is not None else None
    mentions = [(_s(m.id_str or m.id), m.screen_name or None, m.name) for m in ms or ()]
    parent = _s(tw.in_reply_to_status_id_str or tw.in_reply_to_status_id)
    uid = _s(tw.in_reply_to_user_id_str or tw.in_reply_to_user_id)
    return tid, text, tw.created_at, mentions, parent, uid, tw.in_reply_to_screen_name or None


# ---------------------------------------------------------------------------------------------


@register
class TwitterImporter(Importer):
    name = "twitter"
    channel = CHANNEL
    version = "2"  # 2 (2026-12): welcomeMessageCreate DM events; unknown DM event types reported
    description = "X/Twitter archive (zip, its folder, or data/*.js files): tweets, likes, follows, blocks, DMs"

    def detect(self, tree: InputTree) -> int:
        js = [n for n in tree.names() if n.endswith(".js") and "assets/" not in n]
        if not js:
            return 0
        known = [n for n in js if _stem(n) in _KNOWN_STEMS]
        for n in (known or js)[:5]:
            head = tree.head(n, 512).lstrip(b"\xef\xbb\xbf \t\r\n")
            if head.startswith((b"window.YTD.", b"window.__THAR_CONFIG")):
                return 10
        return 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        return _Reader(tree, ctx).run()


def _archive_root(name: str) -> str:
    """The archive a member belongs to: the folder holding ``data/`` (or the file's own folder)."""
    parent = PurePosixPath(name).parent
    return str(parent.parent if parent.name == "data" else parent)


def _stem(name: str) -> str:
    stem = PurePosixPath(name).name[:-3]
    m = re.match(r"^(.*?)-part\d+$", stem)
    return m.group(1) if m else stem


class _Reader:
    """One import: the owner, identity caches and the ids already yielded."""

    def __init__(self, tree: InputTree, ctx: ImportContext) -> None:
        self.tree = tree
        self.ctx = ctx
        self.owner: Ident | None = None
        self.owner_id: str | None = None
        owners = [i for i in ctx.self_idents if i.channel == CHANNEL and i.kind == "account_id"]
        # the owner when the archive does not say: `closeknit me` or an earlier import of account.js
        self._default_owner = owners[0] if len(owners) == 1 else None
        self._reset_owner()
        self._accts: dict[tuple[str, str | None], Ident] = {}
        self._handles: dict[tuple[str, str | None], Ident] = {}
        self._linked: set[tuple[str, str]] = set()
        self._dm_ids: set[str] = set()

    # -- identities
    def acct(self, aid: str, name: str | None = None) -> Ident:
        key = (aid, name)
        ident = self._accts.get(key)
        if ident is None:
            ident = self._accts[key] = Ident(CHANNEL, "account_id", aid, name or None)
        return ident

    def handle(self, sn: str, name: str | None = None) -> Ident:
        key = (sn, name)
        ident = self._handles.get(key)
        if ident is None:
            ident = self._handles[key] = Ident(CHANNEL, "handle", sn.strip().lstrip("@").lower(), name or None)
        return ident

    def link(self, aid: str, sn: str, name: str | None, reason: str) -> IdentityLink | None:
        """The account-id/handle link, once per pair and import."""
        key = (aid, sn)
        if key in self._linked:
            return None
        self._linked.add(key)
        return IdentityLink(self.acct(aid, name), self.handle(sn, name), reason, 1.0)

    # -- driving
    def run(self) -> Iterator[Record]:
        tree = self.tree
        files: list[tuple[str, int, str, str]] = []
        for n in tree.names():
            if not n.endswith(".js") or "assets/" in n:
                continue
            g = _global_name(tree, n)
            if g in _ORDER:
                files.append((_archive_root(n), _ORDER[g], n, g))
        files.sort()
        roots: dict[str, list[tuple[str, str]]] = {}
        for r, _, n, g in files:
            roots.setdefault(r, []).append((n, g))
        for group in roots.values():  # a folder holding several people's archives: one owner each
            self._reset_owner()
            yield from self._files(group)

    def _files(self, group: list[tuple[str, str]]) -> Iterator[Record]:
        for n, g in group:
            if g == "manifest":
                yield from self.manifest(n)
                continue
            handler = getattr(self, "do_" + _HANDLER[g])
            with self.tree.open(n) as stream:
                yield from handler(n, g, stream)

    def _reset_owner(self) -> None:
        d = self._default_owner
        self.owner, self.owner_id = (d, d.value) if d is not None else (None, None)
        self._owner_stated = False

    def items(self, name: str, stream: BinaryIO, key: str) -> Iterator[tuple[int, Any] | BadRecord]:
        """(index, inner object) for ``{"<key>": {...}}`` items; unwrapped items pass as they are."""
        for rec in iter_js_items(stream, name):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, item = rec
            try:
                inner = item.get(key)
            except AttributeError:
                yield BadRecord(f"{name} item {idx}", "item is not a JSON object", _excerpt(item))
                continue
            yield idx, (item if inner is None else inner)

    # -- owner
    def set_owner(self, aid: str, handle: str | None, name: str | None, evidence: str) -> Iterator[Record]:
        self.owner_id = aid
        self.owner = self.acct(aid, name)
        self._owner_stated = True
        yield SelfIdentity(self.owner, evidence)
        if handle:
            h = self.handle(handle, name)
            yield SelfIdentity(h, evidence)
            link = self.link(aid, handle, name, evidence)
            if link:
                yield link

    def manifest(self, name: str) -> Iterator[Record]:
        with self.tree.open(name) as stream:
            obj = _read_object(stream, name)
        if isinstance(obj, BadRecord):
            yield obj
            return
        info = obj.get("userInfo") or {}
        aid = info.get("accountId")
        if aid:  # account.js, read next, has the last word
            yield from self.set_owner(str(aid), info.get("userName"), info.get("displayName"), "manifest.js")

    def do_account(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        for rec in self.items(name, stream, "account"):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, acc = rec
            aid = acc.get("accountId")
            if not aid:
                yield BadRecord(f"{name} item {idx}", "account without accountId", _excerpt(acc))
                continue
            dname = acc.get("accountDisplayName")
            yield from self.set_owner(str(aid), acc.get("username"), dname, "account.js")
            email = normalize_email(acc.get("email") or "")
            if email:
                e = Ident("email", "email", email, dname)
                yield SelfIdentity(e, "account.js")
                yield IdentityLink(self.owner, e, "account.js", 1.0)  # type: ignore[arg-type]
            phone = normalize_phone(acc.get("phoneNumber") or "", self.ctx.region)
            if phone:
                p = Ident("phone", "phone", phone, dname)
                yield SelfIdentity(p, "account.js")
                yield IdentityLink(self.owner, p, "account.js", 1.0)  # type: ignore[arg-type]

    def do_screen_name_change(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        for rec in self.items(name, stream, "screenNameChange"):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, obj = rec
            aid = obj.get("accountId") or self.owner_id
            change = obj.get("screenNameChange") or {}
            if not aid:
                continue
            if not self._owner_stated:  # no account.js or manifest.js: this file names the owner
                self.owner_id, self.owner = str(aid), self.acct(str(aid))
                self._owner_stated = True
                yield SelfIdentity(self.owner, "screen-name-change.js")
            for key in ("changedFrom", "changedTo"):
                sn = change.get(key)
                if sn:
                    yield SelfIdentity(self.handle(sn), "screen-name-change.js")
                    link = self.link(str(aid), sn, None, "screen-name-change.js")
                    if link:
                        yield link

    # -- tweets
    def do_tweets(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        """What a tweet means: its kind, the account it answers or reposts, who it names."""
        owner = self.owner
        for rec in iter_js_items(stream, name, _Tweet):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, item = rec
            try:
                tid, text, created, mentions, parent, reply_uid, reply_sn = _tweet_fields(item)
                ts = parse_tweet_time(created)
            except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as e:
                yield BadRecord(f"{name} item {idx}", f"unreadable tweet ({type(e).__name__}: {e})", _excerpt(item))
                continue
            if "&" in text:
                text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            target_id = target_sn = None
            if text.startswith("RT @"):
                kind = "repost"
                m = _RT.match(text)
                if m:
                    target_sn = m.group(1).lower()
            elif parent:
                kind = "reply"
                if reply_uid and reply_uid != "-1":
                    target_id = reply_uid
                if reply_sn:
                    target_sn = reply_sn.lower()
            elif mentions:
                kind = "mention"
            else:
                kind = "post"
            # the first mention that names the target is the "recipient"; the others are "mentioned"
            parts: list[tuple[Ident, str]] = []
            found = target_id is None and target_sn is None
            for mid, sn, mname in mentions:
                role = "mentioned"
                if not found and (mid == target_id if target_id is not None else bool(sn) and sn.lower() == target_sn):
                    role, found = "recipient", True
                if mid and mid not in ("-1", "0"):
                    ident = self.acct(mid, mname)
                    parts.append((ident, role))
                    if sn:
                        link = self.link(mid, sn, mname, "twitter user_mentions")
                        if link:
                            yield link
                elif sn:
                    parts.append((self.handle(sn, mname), role))
            if not found:  # the target, named by no mention, after them
                if target_id is not None:
                    parts.append((self.acct(target_id), "recipient"))
                    if reply_sn:
                        link = self.link(target_id, reply_sn, None, "twitter in_reply_to")
                        if link:
                            yield link
                else:
                    parts.append((self.handle(target_sn), "recipient"))  # type: ignore[arg-type]
            reply_to = f"tweet:{parent}" if kind == "reply" else None
            yield Interaction("tweet:" + tid, kind, CHANNEL, ts, owner, parts, "public", None, reply_to, text)

    # -- likes
    def do_likes(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        owner_key = self.owner_id or "-"
        for rec in self.items(name, stream, "like"):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, like = rec
            tid = like.get("tweetId")
            if not tid:
                yield BadRecord(f"{name} item {idx}", "like without tweetId", _excerpt(like))
                continue
            text = like.get("fullText")
            parts: list[tuple[Ident, str]] = []
            author = None
            m = _STATUS_URL.match(like.get("expandedUrl") or "")
            if m and m.group(1).lower() not in ("i", "intent", "home"):
                author = m.group(1)
            elif text:
                rt = _RT.match(text)
                if rt:
                    author = rt.group(1)
            if author:
                parts.append((self.handle(author), "recipient"))
            if text:
                if "&" in text:
                    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                seen = {author.lower()} if author else set()
                for sn in _HANDLE_IN_TEXT.findall(text):
                    if sn.lower() not in seen:
                        seen.add(sn.lower())
                        parts.append((self.handle(sn), "mentioned"))
            yield Interaction(
                f"like:{owner_key}:{tid}", "like", CHANNEL, None, self.owner, parts, "public", None, f"tweet:{tid}", None
            )

    # -- social graph
    def do_follows(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        key = "follower" if g == "follower" else "following"
        owner, oid = self.owner, self.owner_id or "-"
        for rec in self.items(name, stream, key):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, obj = rec
            aid = obj.get("accountId")
            if not aid:
                yield BadRecord(f"{name} item {idx}", f"{key} without accountId", _excerpt(obj))
                continue
            other = self.acct(str(aid))
            if key == "follower":  # they follow the owner
                yield Interaction(
                    f"follow:{aid}:{oid}", "follow", CHANNEL, None, other, ((owner, "recipient"),) if owner else (), "public"
                )
            else:
                yield Interaction(f"follow:{oid}:{aid}", "follow", CHANNEL, None, owner, ((other, "recipient"),), "public")

    def do_blocks(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        key, kind = ("blocking", "block") if g == "block" else ("muting", "mute")
        owner, oid = self.owner, self.owner_id or "-"
        for rec in self.items(name, stream, key):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, obj = rec
            aid = obj.get("accountId")
            if not aid:
                yield BadRecord(f"{name} item {idx}", f"{key} without accountId", _excerpt(obj))
                continue
            yield Interaction(
                f"{kind}:{oid}:{aid}", kind, CHANNEL, None, owner, ((self.acct(str(aid)), "recipient"),), "private"
            )

    # -- direct messages
    def do_dms(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        group = "group" in g
        headers = "headers" in g
        unknown: dict[str, int] = {}
        for rec in self.items(name, stream, "dmConversation"):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, conv = rec
            try:
                yield from self.conversation(name, idx, conv, group, headers, unknown)
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                yield BadRecord(f"{name} item {idx}", f"unreadable conversation ({type(e).__name__}: {e})", _excerpt(conv))
        for etype, count in sorted(unknown.items()):  # nothing dropped in silence
            yield BadRecord(name, f"{count:,} DM event(s) of type {etype!r} skipped: no meaning known for this type")

    def conversation(self, name: str, idx: int, conv: Any, group: bool, headers: bool, unknown: dict[str, int]) -> Iterator[Record]:
        """The records of one ``dmConversation``. Event types (2026-12-07; the set read by
        alkihis/twitter-archive-reader, ``ts/types/GDPRDMs.ts``, commit 71c7a89cd838):
        ``messageCreate`` -> ``message``; ``welcomeMessageCreate`` (the automatic welcome a
        business account sends when someone opens a conversation with it) -> ``system`` from that
        account, with its text (not a message anyone wrote to you then); ``joinConversation``,
        ``participantsJoin``, ``participantsLeave``, ``conversationNameUpdate`` -> ``system``.
        Any other type is counted in ``unknown`` (reported per file by :meth:`do_dms`)."""
        cid = str(conv.get("conversationId") or "")
        events = conv.get("messages") or []
        vis = "group" if group else "private"
        members: list[str] = []
        if group:  # everyone seen in the conversation receives its messages
            seen: set[str] = set()
            for ev in events:
                for body in ev.values():
                    for v in (body.get("senderId"), body.get("initiatingUserId")):
                        if v:
                            seen.add(str(v))
                    for v in (*(body.get("userIds") or ()), *(body.get("participantsSnapshot") or ())):
                        seen.add(str(v))
            if self.owner_id:
                seen.add(self.owner_id)
            members = sorted(seen)
        for n, ev in enumerate(events):
            for etype, body in ev.items():
                where = f"{name} item {idx} message {n}"
                if etype in ("messageCreate", "welcomeMessageCreate"):
                    mid = body.get("id")
                    sender = body.get("senderId")
                    if not mid or not sender:
                        yield BadRecord(where, "message without id or senderId", _excerpt(body))
                        continue
                    mid = str(mid)
                    if headers and mid in self._dm_ids:
                        continue  # the full message was read from direct-messages*.js
                    self._dm_ids.add(mid)
                    try:
                        ts = _iso_time(body["createdAt"])
                    except (KeyError, ValueError, TypeError):
                        yield BadRecord(where, f"unreadable createdAt {body.get('createdAt')!r}", _excerpt(body))
                        continue
                    if group:
                        parts = [(self.acct(m), "recipient") for m in members if m != sender]
                    else:
                        rid = body.get("recipientId")
                        parts = [(self.acct(str(rid)), "recipient")] if rid else []
                    text = None if headers else body.get("text")
                    kind = "message" if etype == "messageCreate" else "system"
                    yield Interaction(f"dm:{mid}", kind, CHANNEL, ts, self.acct(str(sender)), parts, vis, cid, None, text)
                    for r in body.get("reactions") or ():
                        yield from self.reaction(where, r, mid, str(sender), vis, cid)
                elif etype in ("joinConversation", "participantsJoin", "participantsLeave", "conversationNameUpdate"):
                    created = body.get("createdAt")
                    try:
                        event_ts = _iso_time(created) if created else None
                    except ValueError:
                        yield BadRecord(where, f"unreadable createdAt {created!r}", _excerpt(body))
                        continue
                    users = [str(u) for u in (body.get("userIds") or ())]
                    initiator = body.get("initiatingUserId")
                    if etype == "participantsLeave" and not initiator and len(users) == 1:
                        initiator = users[0]
                    parts = [(self.acct(u), "subject") for u in users if u != initiator]
                    if etype == "joinConversation" and self.owner is not None:
                        parts.append((self.owner, "subject"))  # the owner was added
                    text = body.get("name") if etype == "conversationNameUpdate" else None
                    nid = "dmevent:" + content_id(cid, etype, created, initiator, ",".join(users), text)
                    yield Interaction(
                        nid, "system", CHANNEL, event_ts, self.acct(str(initiator)) if initiator else None, parts, vis, cid, None, text
                    )
                else:
                    unknown[etype] = unknown.get(etype, 0) + 1

    def reaction(self, where: str, r: Any, mid: str, author: str, vis: str, cid: str) -> Iterator[Record]:
        sender = r.get("senderId") or r.get("reactionSenderId")
        created = r.get("createdAt") or r.get("reactionCreatedAt")
        eid = r.get("eventId") or r.get("reactionEventId")
        key = r.get("reactionKey")
        try:
            ts = _iso_time(created) if created else None
        except ValueError:
            yield BadRecord(where, f"unreadable reaction time {created!r}", _excerpt(r))
            return
        nid = f"dmreaction:{eid}" if eid else "dmreaction:" + content_id(mid, sender, key, created)
        yield Interaction(
            nid,
            "reaction",
            CHANNEL,
            ts,
            self.acct(str(sender)) if sender else None,
            ((self.acct(author), "recipient"),),
            vis,
            cid,
            f"dm:{mid}",
            None,
        )

    # -- XChat (2025+): encrypted message events
    def do_xchat(self, name: str, g: str, stream: BinaryIO) -> Iterator[Record]:
        for rec in self.items(name, stream, "messageEvent"):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, ev = rec
            sender = ev.get("senderId")
            cid = ev.get("conversationId")
            mid = ev.get("messageId") or ev.get("sequenceId")
            try:
                ts = _ms_time(ev["createdAtMsec"])
            except (KeyError, ValueError, TypeError, OverflowError):
                yield BadRecord(f"{name} item {idx}", f"unreadable createdAtMsec {ev.get('createdAtMsec')!r}", _excerpt(ev))
                continue
            if not sender or not mid:
                yield BadRecord(f"{name} item {idx}", "message event without senderId or messageId", _excerpt(ev))
                continue
            detail = ev.get("detail") or {}
            dtypes = list(detail.keys())
            dtype = dtypes[0] if dtypes else ""
            if dtype == "messageCreateEvent":
                kind = "message"
            elif dtype == "markConversationReadEvent":
                kind = "read"
            elif "eaction" in dtype:
                kind = "reaction"
            else:
                kind = "system"  # conversationKeyChangeEvent and others
            sides = str(cid or "").split(":")
            if len(sides) == 2 and all(s.isdigit() for s in sides):
                vis = "private"
                parts = [(self.acct(s), "recipient") for s in sides if s != sender] or [(self.acct(sender), "recipient")]
            else:
                vis = "group"
                parts = []
            yield Interaction(f"xchat:{mid}", kind, CHANNEL, ts, self.acct(str(sender)), parts, vis, cid, None, None)
