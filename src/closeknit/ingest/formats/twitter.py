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
* direct-messages.js (1:1, private), direct-messages-group.js (group; join/leave/rename become
  ``system`` events), their ``*-headers.js`` twins (no text; the same message ids, so never
  counted twice), reactions (``reaction``, ``reply_to`` the message), message-event.js (XChat).

Speed: the tweets files of a heavy account hold gigabytes, so tweets are read set-wise
(:class:`_TweetRun`, while the Python reader does the rest): a thread copies each file minus its prefix to a scratch file,
DuckDB reads it with ``read_json`` and one explicit column spec, and SQL works out kinds,
participants, identity ids and the account-id/handle links; the store gets Arrow batches. A file
DuckDB cannot read, or with any item it might read differently from Python (broken JSON, a time
in another layout, a null mention...), is read by the Python reader instead: 4 MiB chunks cut
after a top-level item (a ``\\n<indent>}`` line: JSON strings cannot hold a raw newline), each
parsed in one call (simdjson when installed, else orjson); a file laid out some other way (one
long line) falls back to ijson's streaming parser; a chunk that does not parse is split item by
item, so one broken item is reported and the rest of the file is still read. Its rows go
through the same SQL, so what a tweet means is written down once (:data:`_SHAPE_SQL`).
Likes, follows, blocks and DMs (a few percent of an archive) are read by the Python reader.
"""

from __future__ import annotations

import io
import itertools
import queue
import re
import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import duckdb
import ijson
import orjson
import pyarrow as pa

from closeknit.core.duck import connect
from closeknit.core.ids import content_id, sql_stable_id
from closeknit.core.scratch import ScratchDir
from closeknit.core.normalize import normalize_email, normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import (
    BadRecord,
    Ident,
    IdentityLink,
    Interaction,
    InteractionBatch,
    Record,
    SelfIdentity,
)

try:  # simdjson parses a chunk ~3x faster than orjson and builds Python objects only for what we read
    import simdjson as _simdjson
except ImportError:  # pragma: no cover - optional speed-up
    _simdjson = None

__all__ = ["TwitterImporter", "parse_tweet_time", "iter_js_items"]

CHANNEL = "twitter"
UTC = timezone.utc
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: Bytes read per chunk, and the most we buffer while looking for the end of one item before
#: handing the rest of the file to the streaming parser.
CHUNK = 4 * 1024 * 1024
MAX_PENDING = 64 * 1024 * 1024
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
    """``head`` bytes followed by the rest of ``stream`` (for handing over to ijson)."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self._head = memoryview(head)
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._head:
            n = min(len(b), len(self._head))
            b[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._stream.read(len(b))
        b[: len(data)] = data
        return len(data)


def _loads_many(seg: bytes, fast: bool) -> Any:
    """Parse ``[seg]``; simdjson proxies (read-only, dict-like) when ``fast``, else Python objects."""
    doc = b"[" + seg + b"]"
    if fast and _simdjson is not None:
        return _simdjson.Parser().parse(doc)
    return orjson.loads(doc)


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


def iter_js_items(stream: BinaryIO, name: str, fast: bool = False) -> Iterator[tuple[int, Any] | BadRecord]:
    """Yield ``(index, item)`` for each item of a ``window.YTD.x.partN = [ ... ]`` stream.

    An item that cannot be parsed is yielded as a :class:`BadRecord` and reading goes on.
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
        for rec in _ijson_items(_Chain(b"[" + rest, stream), name, 0):
            yield rec
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
                for rec in _ijson_items(_Chain(b"[" + pending.lstrip(b" \t\r\n,"), stream), name, idx):
                    yield rec
                return
            continue
        end = cut + len(marker)
        seg, pending = pending[:end].lstrip(b" \t\r\n,"), pending[end:]
        searched = max(0, len(pending) - len(marker))
        if not seg:
            continue
        try:
            items = _loads_many(seg, fast)
        except ValueError:  # orjson.JSONDecodeError and simdjson errors are ValueErrors
            for rec in _piecewise(seg, marker, name, idx, fast):
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
            for rec in _ijson_items(_Chain(b"[" + tail + b"]", io.BytesIO()), name, idx):
                yield rec
    elif tail:
        excerpt = tail.lstrip(b" \t\r\n,")[:200].decode("utf-8", "replace")
        yield BadRecord(f"{name} item {idx}", "the file ends inside an item (truncated download?)", excerpt)


def _piecewise(seg: bytes, marker: bytes, name: str, idx: int, fast: bool) -> Iterator[tuple[int, Any] | BadRecord]:
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
        # a piece is one item unless the file's indentation is irregular: then join up to 3 more
        for j in range(i + 1, min(i + 5, len(pieces) + 1)):
            body = b"".join(pieces[i:j]).strip(b" \t\r\n,")
            try:
                items = _loads_many(body, fast)
            except ValueError:
                continue
            for item in items:
                yield idx, item
                idx += 1
            i = j
            break
        else:
            text = pieces[i].strip(b" \t\r\n,")
            yield BadRecord(f"{name} item {idx}", "unreadable JSON item", text[:200].decode("utf-8", "replace"))
            idx += 1
            i += 1


def _ijson_items(stream: io.RawIOBase, name: str, idx: int) -> Iterator[tuple[int, Any] | BadRecord]:
    try:
        for item in ijson.items(io.BufferedReader(stream, 1 << 20), "item", use_float=True):
            yield idx, item
            idx += 1
    except ijson.JSONError as e:
        yield BadRecord(f"{name} item {idx}", f"unreadable JSON from here on ({e}); the rest of the file was skipped")


def _read_object(stream: BinaryIO, name: str) -> dict | BadRecord:
    """The object of ``window.__THAR_CONFIG = { ... }`` (manifest.js, small)."""
    head = _read_prefix(stream, b"{")
    if head is None:
        return BadRecord(name, "no 'window.__THAR_CONFIG = {' prefix")
    data = b"{" + head[1] + stream.read(MAX_PENDING)
    try:
        obj = orjson.loads(data.strip().rstrip(b";"))
    except ValueError as e:
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
        if _simdjson is not None and isinstance(obj, (_simdjson.Object, _simdjson.Array)):
            obj = obj.as_dict() if isinstance(obj, _simdjson.Object) else obj.as_list()
        return orjson.dumps(obj).decode()[:200]
    except Exception:  # noqa: BLE001 - an excerpt is best effort
        return repr(obj)[:200]


def _day_epoch(s: str) -> int:
    """Epoch seconds of the day of a tweet time ``"Fri Mar 06 13:02:05 +0000 2026"``."""
    return int(datetime(int(s[26:30]), _MONTHS[s[4:7]], int(s[8:10]), tzinfo=UTC).timestamp())


_US = timedelta(microseconds=1)
#: Tweets per InteractionBatch.
TWEET_BATCH = 50_000
#: Bytes per read while a tweets file is copied to the scratch folder.
SPOOL_CHUNK = 1024 * 1024
#: Tweets the Python reader hands to DuckDB at a time.
_ROWS_FLUSH = 20_000
#: DuckDB's memory budget for shaping tweets (it spills to the scratch folder beyond it).
TWEETS_MEMORY_LIMIT = "256MB"
TWEETS_THREADS = 1
#: Tweets files read at once, each by its own worker thread and DuckDB cursor: DuckDB reads one
#: JSON array with one thread, so two files at a time keep both cores busy.
TWEETS_WORKERS = 2


def _tweet_ts_us(s: Any, days: dict[str, int]) -> int:
    """Epoch microseconds of a tweet's ``created_at``: fixed positions, else :func:`_slow_time`."""
    if len(s) == 30 and s[20:25] == "+0000":
        day = days.get(s[4:10] + s[26:30])
        if day is None:
            day = days[s[4:10] + s[26:30]] = _day_epoch(s)
        hh, mi, ss = int(s[11:13]), int(s[14:16]), int(s[17:19])
        if hh > 23 or mi > 59 or ss > 60:
            raise ValueError(f"no such time {s!r}")
        return (day + hh * 3600 + mi * 60 + ss) * 1_000_000
    return (_slow_time(s) - _EPOCH) // _US


def _str_or_none(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _tweet_fields(item: Any) -> tuple:
    """(id, text, created_at, mentions, parent id, replied-to user id, replied-to handle), tolerantly.

    For tweets the strict reading in :func:`_tweet_row` could not read: no wrapper, ``id``/``text``
    instead of ``id_str``/``full_text`` (early archives), numbers as numbers, missing ``entities``.
    """
    tw = item.get("tweet")
    if tw is None:
        tw = item
    get = tw.get
    tid = _str_or_none(get("id_str") or get("id"))
    text = get("full_text")
    if text is None:
        text = get("text")
    if not isinstance(text, str):
        raise KeyError("full_text")
    created = get("created_at")
    if not isinstance(created, str):
        raise KeyError("created_at")
    ents = get("entities") or {}
    mentions = []
    for m in ents.get("user_mentions") or ():
        mentions.append((_str_or_none(m.get("id_str") or m.get("id")), m.get("screen_name"), m.get("name")))
    parent = _str_or_none(get("in_reply_to_status_id_str") or get("in_reply_to_status_id"))
    uid = _str_or_none(get("in_reply_to_user_id_str") or get("in_reply_to_user_id"))
    return tid, text, created, mentions, parent, uid, get("in_reply_to_screen_name")


def _check_str(what: str, v: Any) -> None:
    if v is not None and not isinstance(v, str):
        raise TypeError(f"{what} is a {type(v).__name__}, not a string")


def _tweet_row(item: Any, days: dict[str, int]) -> tuple:
    """One parsed tweet item as a row of :data:`_ROW_SCHEMA` (the Python reader's field reading).

    Fields are read strictly first (``[]`` is cheapest on simdjson proxies); a tweet lacking one of
    them is read again tolerantly by :func:`_tweet_fields`. What a tweet *means* (kind, people,
    identities) is worked out in SQL, the same for both readers (see :data:`_SHAPE_SQL`).
    """
    try:
        tw = item["tweet"] if len(item) == 1 else item  # GDPR archives: no wrapper
        tid = tw["id_str"]
        text = tw["full_text"]
        s = tw["created_at"]
        mentions = [(m["id_str"], m["screen_name"], m["name"]) for m in tw["entities"]["user_mentions"]]
        # listing the keys (~1 us) beats looking up an absent one (~6 us: pysimdjson raises a
        # C++ exception) on every tweet that is not a reply
        keys = list(tw.keys())
        if "in_reply_to_status_id_str" in keys:
            parent = tw["in_reply_to_status_id_str"]
            reply_uid = tw["in_reply_to_user_id_str"]
            reply_sn = tw["in_reply_to_screen_name"]
        elif "in_reply_to_status_id" in keys:
            raise KeyError("in_reply_to_status_id_str")  # an older layout: read tolerantly
        else:
            parent = reply_uid = reply_sn = None
    except KeyError:
        tid, text, s, mentions, parent, reply_uid, reply_sn = _tweet_fields(item)
    if not tid:
        raise KeyError("id_str")
    _check_str("id_str", tid)
    if not isinstance(text, str):
        raise TypeError(f"full_text is a {type(text).__name__}, not a string")
    ts_us = _tweet_ts_us(s, days)
    for what, v in (("in_reply_to_status_id", parent), ("in_reply_to_user_id", reply_uid), ("in_reply_to_screen_name", reply_sn)):
        _check_str(what, v)
    ms = []
    for mid, sn, mname in mentions:
        _check_str("user_mentions id", mid)
        _check_str("user_mentions screen_name", sn)
        _check_str("user_mentions name", mname)
        ms.append({"mid": mid, "sn": sn, "name": mname})
    return tid, text, s, ts_us, ms, parent, reply_uid, reply_sn


# The normalised tweet both readers produce: DuckDB's read_json (X's own layout) and the Python
# reader (anything else, and every file holding an item DuckDB reads differently from Python).
_MENTION_TYPE = pa.struct([("mid", pa.string()), ("sn", pa.string()), ("name", pa.string())])
_ROW_SCHEMA = pa.schema(
    [
        ("tid", pa.string()),
        ("text", pa.string()),
        ("created", pa.string()),
        ("ts", pa.timestamp("us", tz="UTC")),
        ("mentions", pa.list_(_MENTION_TYPE)),
        ("parent", pa.string()),
        ("uid", pa.string()),
        ("rsn", pa.string()),
    ]
)
_ROW_SQL = "tid VARCHAR, text VARCHAR, created VARCHAR, ts TIMESTAMPTZ, " \
    "mentions STRUCT(mid VARCHAR, sn VARCHAR, name VARCHAR)[], parent VARCHAR, uid VARCHAR, rsn VARCHAR"

_J_FIELDS = (
    ("id_str", "VARCHAR"),
    ("id", "VARCHAR"),
    ("full_text", "VARCHAR"),
    ("text", "VARCHAR"),
    ("created_at", "VARCHAR"),
    ("entities", "STRUCT(user_mentions STRUCT(id_str VARCHAR, id VARCHAR, screen_name VARCHAR, name VARCHAR)[])"),
    ("in_reply_to_status_id_str", "VARCHAR"),
    ("in_reply_to_status_id", "VARCHAR"),
    ("in_reply_to_user_id_str", "VARCHAR"),
    ("in_reply_to_user_id", "VARCHAR"),
    ("in_reply_to_screen_name", "VARCHAR"),
)
# {"tweet": {...}} items and the GDPR archives' bare tweet objects alike
_J_COLUMNS = "{'tweet': 'STRUCT(" + ", ".join(f"{k} {t}" for k, t in _J_FIELDS) + ")', " + ", ".join(
    f"'{k}': '{t}'" for k, t in _J_FIELDS
) + "}"


def _jf(field: str) -> str:
    return f"(CASE WHEN tweet IS NOT NULL THEN tweet.{field} ELSE {field} END)"


_MONTH_RE = "|".join(_MONTHS)
#: The one layout X writes (``Fri Mar 06 13:02:05 +0000 2026``); DuckDB reads only that, and a file
#: with any other time goes to the Python reader (:func:`_tweet_ts_us`).
_CANONICAL_TIME = (
    "CASE WHEN regexp_full_match({c}, '[A-Za-z]{{3}} (" + _MONTH_RE + r") [0-9]{{2}} [0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}} \+0000 [1-9][0-9]{{3}}')"
    " THEN try_strptime({c}[5:], '%b %d %H:%M:%S +0000 %Y')::TIMESTAMPTZ END"
)
# read_json -> the normalised row, the tolerant reading of _tweet_fields, plus `irregular`: an item
# DuckDB may read differently from Python (then the whole file is read by Python instead)
_READ_SQL = f"""
SELECT tid, text, created, ts, mentions, parent, uid, rsn,
       tid IS NULL OR text IS NULL OR ts IS NULL OR id_str = '' OR bad_mention AS irregular
FROM (
    SELECT nullif(coalesce(nullif({_jf('id_str')}, ''), {_jf('id')}), '') AS tid,
           {_jf('id_str')} AS id_str,
           coalesce({_jf('full_text')}, {_jf('text')}) AS text,
           {_jf('created_at')} AS created,
           {_CANONICAL_TIME.format(c=_jf('created_at'))} AS ts,
           list_transform(coalesce({_jf('entities')}.user_mentions, []),
                          lambda m: {{'mid': nullif(coalesce(nullif(m.id_str, ''), m.id), ''), 'sn': m.screen_name, 'name': m.name}})
               AS mentions,
           coalesce(list_bool_or(list_transform({_jf('entities')}.user_mentions, lambda m: m IS NULL)), false) AS bad_mention,
           nullif(coalesce(nullif({_jf('in_reply_to_status_id_str')}, ''), {_jf('in_reply_to_status_id')}), '') AS parent,
           nullif(coalesce(nullif({_jf('in_reply_to_user_id_str')}, ''), {_jf('in_reply_to_user_id')}), '') AS uid,
           {_jf('in_reply_to_screen_name')} AS rsn
    FROM read_json(?, format = 'array', columns = {_J_COLUMNS})
)
"""


def _ident_sql(kind: str, value: str) -> str:
    """SQL for ``Ident("twitter", kind, value).id``."""
    return sql_stable_id(f"'ident|{CHANNEL}|{kind}|' || {value}")


_WS = r"[\t-\r\x{1c}-\x{20}\x{85}\p{Z}]"


def _handle_sql(x: str) -> str:
    """SQL for the value of ``_Reader.handle(x)``: ``x.strip().lstrip("@").lower()``."""
    return f"lower(ltrim(regexp_replace({x}, '^{_WS}+|{_WS}+$', '', 'g'), '@'))"


#: Where a tweet's replied-to / retweeted account sits among its mentions (after all of them).
_TARGET_ORD = (1 << 19) - 1

# What a tweet means, from the normalised rows in table `r` (rowid = the tweet's place in its file):
#   s: one row per tweet with its kind and the account it answers/retweets (target_id / target_sn)
#   m: its mentions, numbered; the first that is the target (s.first_match) becomes the "recipient"
#   p: participants (mentions that name someone, then the target if no mention named it)
#   ev: identity events in the order Python met them (pos), for the Ident / IdentityLink records
# Truthiness follows Python: '' counts as absent.
_RT_ASCII = "'^RT @([A-Za-z0-9_]{1,15}):'"
_RT_WORD = r"'^RT @([\p{L}\p{N}_]{1,15}):'"  # Python's \w; tried only when the ASCII pattern fails
_S_SQL = f"""
CREATE OR REPLACE TABLE s@K AS
SELECT *,
       -- the first mention that is the target (1-based), which becomes the "recipient"
       list_position(list_transform(mentions, lambda mm:
           CASE WHEN target_id IS NOT NULL THEN coalesce(mm.mid = target_id, false)
                WHEN target_sn IS NOT NULL THEN coalesce(mm.sn <> '' AND lower(mm.sn) = target_sn, false)
                ELSE false END), true) AS first_match
FROM (
SELECT tid, ts, text, kind,
       CASE WHEN kind = 'reply' THEN 'tweet:' || parent END AS reply_native,
       CASE WHEN kind = 'reply' AND uid <> '' AND uid <> '-1' THEN uid END AS target_id,
       CASE WHEN kind = 'repost' THEN nullif(lower(CASE WHEN regexp_matches(text, {_RT_ASCII})
                                                        THEN regexp_extract(text, {_RT_ASCII}, 1)
                                                        ELSE regexp_extract(text, {_RT_WORD}, 1) END), '')
            WHEN kind = 'reply' AND rsn <> '' THEN lower(rsn) END AS target_sn,
       rsn, mentions, irregular
FROM (
    SELECT *, CASE WHEN starts_with(text, 'RT @') THEN 'repost'
                   WHEN parent <> '' THEN 'reply'
                   WHEN len(mentions) > 0 THEN 'mention'
                   ELSE 'post' END AS kind
    FROM (SELECT tid, ts, parent, uid, rsn, mentions, irregular,
                 replace(replace(replace(text, '&lt;', '<'), '&gt;', '>'), '&amp;', '&') AS text FROM ({{src}}))
)
)
"""
_SHAPE_SQL = (
    """
CREATE OR REPLACE TABLE m@K AS
SELECT idx, ord, tid, mm.mid AS mid, mm.sn AS sn, nullif(mm.name, '') AS name,
       coalesce(mm.mid <> '' AND mm.mid <> '-1' AND mm.mid <> '0', false) AS valid,
       coalesce(mm.sn <> '', false) AS has_sn,
       ord = coalesce(first_match, 0) AS is_target
FROM (SELECT rowid AS idx, tid, first_match, unnest(mentions) AS mm, generate_subscripts(mentions, 1) AS ord
      FROM s@K WHERE len(mentions) > 0)
""",
    """
CREATE OR REPLACE TABLE t@K AS
SELECT rowid AS idx, tid, target_id, target_sn, rsn FROM s@K
WHERE (target_id IS NOT NULL OR target_sn IS NOT NULL) AND first_match IS NULL
""",
    f"""
CREATE OR REPLACE TABLE p@K AS
SELECT idx, ord, 'tweet:' || tid AS native_id,
       CASE WHEN valid THEN {_ident_sql('account_id', 'mid')} ELSE {_ident_sql('handle', _handle_sql('sn'))} END AS identity_id,
       CASE WHEN is_target THEN 'recipient' ELSE 'mentioned' END AS role
FROM m@K WHERE valid OR has_sn
UNION ALL
SELECT idx, {_TARGET_ORD}, 'tweet:' || tid,
       CASE WHEN target_id IS NOT NULL THEN {_ident_sql('account_id', 'target_id')}
            ELSE {_ident_sql('handle', _handle_sql('target_sn'))} END,
       'recipient'
FROM t@K
ORDER BY idx, ord
""",
    f"""
CREATE OR REPLACE TABLE ev@K AS
WITH links AS (
    SELECT * FROM (
        SELECT *, row_number() OVER (PARTITION BY v, sn ORDER BY pos) AS k FROM (
            SELECT idx * {1 << 20} + ord * 2 + 1 AS pos, 'lu' AS ev, mid AS v, name, sn FROM m@K WHERE valid AND has_sn
            UNION ALL
            SELECT idx * {1 << 20} + {_TARGET_ORD} * 2, 'lr', target_id, NULL, rsn FROM t@K
            WHERE target_id IS NOT NULL AND rsn <> ''
        )
    ) l
    WHERE k = 1 AND NOT EXISTS (SELECT 1 FROM linked x WHERE x.aid = l.v AND x.sn = l.sn)
)
SELECT ev, v, name, sn, min(pos) AS pos FROM (
    SELECT idx * {1 << 20} + ord * 2 AS pos, CASE WHEN valid THEN 'a' ELSE 'h' END AS ev,
           CASE WHEN valid THEN mid ELSE {_handle_sql('sn')} END AS v, name, NULL AS sn
    FROM m@K WHERE valid OR has_sn
    UNION ALL
    SELECT idx * {1 << 20} + {_TARGET_ORD} * 2 + 1, CASE WHEN target_id IS NOT NULL THEN 'a' ELSE 'h' END,
           coalesce(target_id, {_handle_sql('target_sn')}), NULL, NULL
    FROM t@K
    UNION ALL
    SELECT pos, ev, v, name, sn FROM links
)
GROUP BY ALL
""",
)

_BATCH_SQL = (
    """SELECT 'tweet:' || tid AS native_id, kind, '{channel}' AS channel, ts, {actor}::BIGINT AS actor_id,
              'public' AS visibility, NULL::VARCHAR AS thread_id, reply_native, text, NULL::DOUBLE AS duration_s
       FROM s@K WHERE rowid >= $lo AND rowid < $hi ORDER BY rowid""",
    """SELECT idx - $lo AS row, identity_id, role FROM p@K WHERE idx >= $lo AND idx < $hi""",
)


class _Spool:
    """Copies tweets files (minus the ``window.YTD.x.partN = `` prefix) to a scratch folder on a
    thread, one file ahead of each reader: inflating a zip member releases the GIL, so the copy of
    the next file overlaps DuckDB's reading of this one. File ``k`` goes to reader ``k % readers``
    (:meth:`files`) as ``(k, name, path or None)``; None when the file could not be copied as a
    JSON array (the Python reader then says why)."""

    def __init__(self, tree: InputTree, names: list[str], folder: str, readers: int = 1) -> None:
        self._qs: list[queue.Queue] = [queue.Queue(maxsize=1) for _ in range(readers)]
        self._stop = False
        self._done = [False] * readers
        self._thread = threading.Thread(
            target=self._run, args=(tree, names, Path(folder)), name="closeknit-twitter-spool", daemon=True
        )
        self._thread.start()

    def _run(self, tree: InputTree, names: list[str], folder: Path) -> None:
        try:
            for i, name in enumerate(names):
                if self._stop:
                    break
                path = folder / f"tweets-{i}.json"
                ok = False
                try:
                    with tree.open(name) as stream, open(path, "wb") as out:
                        head = _read_prefix(stream, b"[")
                        if head is not None:
                            out.write(b"[")
                            out.write(head[1])
                            while not self._stop:
                                data = stream.read(SPOOL_CHUNK)
                                if not data:
                                    ok = True
                                    break
                                out.write(data)
                    ok = ok and _trim_tail(path)
                except Exception:  # noqa: BLE001 - the Python reader reads it again and reports
                    ok = False
                if not ok:
                    path.unlink(missing_ok=True)
                self._qs[i % len(self._qs)].put((i, name, path if ok else None))
        finally:
            for q in self._qs:
                q.put(None)

    def files(self, reader: int) -> Iterator[tuple[int, str, Path | None]]:
        q = self._qs[reader]
        while not self._done[reader]:
            item = q.get()
            if item is None:
                self._done[reader] = True
                return
            yield item

    def close(self) -> None:
        self._stop = True
        for j, q in enumerate(self._qs):
            while not self._done[j]:
                item = q.get()
                if item is None:
                    self._done[j] = True
                elif item[2] is not None:
                    item[2].unlink(missing_ok=True)
        self._thread.join()


def _trim_tail(path: Path) -> bool:
    """Drop what follows the array's closing ``]`` (``;``, blanks); False if there is no ``]``."""
    with open(path, "r+b") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - 256))
        tail = f.read()
        body = tail.rstrip(b" \t\r\n;")
        if not body.endswith(b"]"):
            return False
        f.truncate(size - len(tail) + len(body))
    return True


class _Tweets:
    """A private DuckDB database that turns tweets files into :class:`InteractionBatch` tables.

    Worker threads (:data:`TWEETS_WORKERS`) read and shape files ``k`` (tables ``s_k``, ``p_k``,
    ...) while the caller hands earlier files' batches to the store: DuckDB releases the GIL, so
    reading, shaping and the store's writes overlap. Each thread has its own cursor. One thread and
    ``preserve_insertion_order`` (the default) keep every table in file order (``rowid``), so
    batches are read back without sorting.
    """

    def __init__(self) -> None:
        self._tmp = ScratchDir()  # swept by the next import if this process is killed
        self.folder = self._tmp.name
        con = self.con = connect()  # no extension fetched or loaded
        con.execute(f"SET temp_directory = '{Path(self.folder) / 'spill'}'")
        con.execute(f"SET memory_limit = '{TWEETS_MEMORY_LIMIT}'")
        con.execute("SET TimeZone = 'UTC'")
        # one thread: read_json reads an array with one thread anyway, and the spool thread and the
        # store's writer need the other core (a second DuckDB thread here cost more CPU than it saved)
        con.execute(f"SET threads = {TWEETS_THREADS}")
        con.execute("CREATE TABLE linked (aid VARCHAR, sn VARCHAR)")
        self.wcurs = [con.cursor() for _ in range(TWEETS_WORKERS)]  # one per worker
        self.ocur = con.cursor()  # the caller's (batches out)

    def close(self) -> None:
        try:
            for cur in self.wcurs:
                cur.close()
            self.ocur.close()
            self.con.close()
        finally:
            self._tmp.cleanup()

    def link(self, pairs: list[tuple[str, str]]) -> None:
        """Account id / handle pairs linked before (by the owner's files): not linked again."""
        if pairs:
            self.wcurs[0].execute("INSERT INTO linked SELECT unnest(?), unnest(?)", [[a for a, _ in pairs], [b for _, b in pairs]])

    def read_json(self, cur: duckdb.DuckDBPyConnection, path: Path, k: int) -> bool:
        """Table ``s_k`` from a spooled file by DuckDB; False if DuckDB cannot read it like Python would."""
        try:
            cur.execute(_S_SQL.replace("@K", f"_{k}").replace("{src}", _READ_SQL), [str(path)])
            return not cur.execute(f"SELECT count(*) FROM s_{k} WHERE irregular").fetchall()[0][0]
        except duckdb.Error:
            return False

    def start_rows(self, cur: duckdb.DuckDBPyConnection, k: int) -> None:
        cur.execute(f"CREATE OR REPLACE TABLE r_{k} ({_ROW_SQL})")

    def add_rows(self, cur: duckdb.DuckDBPyConnection, rows: list[tuple], k: int) -> None:
        cols = list(zip(*rows))
        arrays = [_strings(list(c)) if f.type == pa.string() else None for c, f in zip(cols, _ROW_SCHEMA)]
        arrays[3] = pa.array(cols[3], pa.int64()).cast(_ROW_SCHEMA.field("ts").type)
        try:
            arrays[4] = pa.array(cols[4], _ROW_SCHEMA.field("mentions").type)
        except (UnicodeEncodeError, pa.ArrowInvalid):  # lone surrogates in a name
            arrays[4] = pa.array([[{f: _clean_str(v) for f, v in m.items()} for m in ms] for ms in cols[4]],
                                 _ROW_SCHEMA.field("mentions").type)
        tab = pa.Table.from_arrays(arrays, schema=_ROW_SCHEMA)
        cur.register("_rows", tab)
        try:
            cur.execute(f"INSERT INTO r_{k} SELECT * FROM _rows")
        finally:
            cur.unregister("_rows")

    def end_rows(self, cur: duckdb.DuckDBPyConnection, k: int) -> None:
        """Table ``s_k`` from the Python reader's rows."""
        cur.execute(_S_SQL.replace("@K", f"_{k}").replace("{src}", f"SELECT *, false AS irregular FROM r_{k}"))
        cur.execute(f"DROP TABLE r_{k}")

    def shape(self, cur: duckdb.DuckDBPyConnection, k: int) -> tuple[int, list[tuple]]:
        """Participants and identity events of the tweets in ``s_k``: (count, events).

        Links made before this run (table ``linked``) are left out here. Links made by earlier
        files of the run are left out by the caller, which takes files in order
        (:meth:`_Reader._tweet_events`): files are shaped two at a time, so a later file may be
        shaped first and must not hide a link that an earlier file makes."""
        for sql in _SHAPE_SQL:
            cur.execute(sql.replace("@K", f"_{k}"))
        n = cur.execute(f"SELECT count(*) FROM s_{k}").fetchall()[0][0]
        events = cur.execute(
            f"SELECT ev, v, name, sn, CASE WHEN sn IS NOT NULL THEN {_handle_sql('sn')} END FROM ev_{k} ORDER BY pos"
        ).fetchall()
        for t in ("m", "t", "ev"):
            cur.execute(f"DROP TABLE IF EXISTS {t}_{k}")
        return n, events

    def batches(self, k: int, n: int, owner_iid: int | None) -> Iterator[InteractionBatch]:
        cur = self.ocur
        isql = _BATCH_SQL[0].format(channel=CHANNEL, actor="NULL" if owner_iid is None else int(owner_iid))
        isql, psql = isql.replace("@K", f"_{k}"), _BATCH_SQL[1].replace("@K", f"_{k}")
        step = max(1, TWEET_BATCH)
        try:
            for lo in range(0, n, step):
                args = {"lo": lo, "hi": lo + step}
                interactions = cur.sql(isql, params=args).to_arrow_table()
                participants = cur.sql(psql, params=args).to_arrow_table()
                yield InteractionBatch(interactions, participants)
        finally:
            for t in ("s", "p"):
                cur.execute(f"DROP TABLE IF EXISTS {t}_{k}")


def _clean_str(v: Any) -> Any:
    return v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v


def _strings(values: list) -> pa.Array:
    try:
        return pa.array(values, pa.string())
    except (UnicodeEncodeError, pa.ArrowInvalid):  # lone surrogates from a broken export
        return pa.array([v.encode("utf-8", "replace").decode("utf-8") if isinstance(v, str) else v for v in values], pa.string())


# ---------------------------------------------------------------------------------------------


@register
class TwitterImporter(Importer):
    name = "twitter"
    channel = CHANNEL
    version = "1"
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


_NOTHING = object()
#: Records of an archive's other files (likes, DMs...) read ahead while its tweets are being read.
READ_AHEAD = 100_000


class _TweetRun:
    """One archive's tweets files (``tweets.js``, ``tweets-part1.js``, ...) read set-wise.

    Three stages overlap, each releasing the GIL most of the time: a spool thread copies each file
    minus its prefix to a scratch file (:class:`_Spool`); a worker thread (two, on alternate files) has DuckDB read it
    (``read_json`` with one explicit column spec) and work out kinds, participants and identity ids
    in SQL (:data:`_SHAPE_SQL`); :meth:`records` hands the results on to the store. The threads
    start at once, so they read while the caller reads the archive's other files. A file DuckDB
    cannot read, or holding any item it might read differently from Python (a broken item, another
    time layout, a null mention...), is read by the Python reader instead (:func:`iter_js_items`,
    :func:`_tweet_row`), which reports unreadable items as BadRecords; its rows go through the same SQL.

    Handing tweets on after the archive's other files changes nothing in the store: those files
    name people without display names, and the owner's files (which have names) come first.
    """

    def __init__(self, reader: _Reader, names: list[str]) -> None:
        self.reader = reader
        self.owner = reader.owner
        self.tweets = _Tweets()
        self.tweets.link(sorted(reader._linked))  # pairs the owner's files linked: not linked again
        workers = min(TWEETS_WORKERS, len(names))
        self.spool = _Spool(reader.tree, names, self.tweets.folder, workers)
        # worker j reads files j, j + workers, ...; its results wait in dones[j], taken in file order
        self.dones: list[queue.Queue] = [queue.Queue(maxsize=1) for _ in range(workers)]
        self.stop = threading.Event()
        self.closed = False
        self.workers = [
            threading.Thread(
                target=reader._tweets_worker,
                args=(self.tweets, self.tweets.wcurs[j], self.spool.files(j), self.dones[j], self.stop),
                name=f"closeknit-twitter-sql-{j}", daemon=True,
            )
            for j in range(workers)
        ]
        for w in self.workers:
            w.start()

    def records(self, idle: Callable[[], bool] | None = None) -> Iterator[Record]:
        """The tweets' records; ``idle()`` is called while the next file is not ready yet (it
        returns False when it has nothing left to do)."""
        try:
            owner = self.owner
            owner_iid = None
            if owner is not None:
                owner_iid = owner.id
                yield owner
            for k in itertools.count():
                done = self.dones[k % len(self.dones)]
                item = _NOTHING
                while idle is not None and item is _NOTHING:
                    try:
                        item = done.get_nowait()
                    except queue.Empty:
                        if not idle():
                            idle = None
                if item is _NOTHING:
                    item = done.get()
                if item is None:  # file k does not exist: all files are done
                    break
                if isinstance(item, BaseException):
                    raise item
                _, bad, n, events = item
                yield from bad
                yield from self.reader._tweet_events(events)
                yield from self.tweets.batches(k, n, owner_iid)
        finally:
            self.close()

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.stop.set()
        for w, done in zip(self.workers, self.dones):
            while w.is_alive():  # unblock the worker, whatever it is waiting for
                try:
                    done.get(timeout=0.1)
                except queue.Empty:
                    pass
            w.join()
        self.spool.close()
        self.tweets.close()


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
        self._days: dict[str, int] = {}

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
            i = 0
            while i < len(group):
                n, g = group[i]
                i += 1
                if _HANDLER[g] == "tweets":  # this archive's tweets files, read together
                    names = [n]
                    while i < len(group) and _HANDLER[group[i][1]] == "tweets":
                        names.append(group[i][0])
                        i += 1
                    yield from self._tweets_then(names, self._files(group[i:]))
                    break
                yield from self._files([(n, g)])

    def _files(self, group: list[tuple[str, str]]) -> Iterator[Record]:
        for n, g in group:
            if g == "manifest":
                yield from self.manifest(n)
                continue
            handler = getattr(self, "do_" + _HANDLER[g])
            with self.tree.open(n) as stream:
                yield from handler(n, g, stream)

    def _tweets_then(self, names: list[str], rest: Iterator[Record]) -> Iterator[Record]:
        """The tweets, then ``rest`` (the archive's files after them), in that order.

        The tweets are read on threads (:class:`_TweetRun`); while this thread waits for them it
        reads ahead in ``rest`` (Python: likes, follows, DMs), keeping up to :data:`READ_AHEAD`
        records, so both kinds of work overlap and the records still come out in file order.
        """
        run = _TweetRun(self, names)
        ahead: list[Record] = []
        more = [True]

        def read_ahead() -> bool:
            if not more[0] or len(ahead) >= READ_AHEAD:
                return False
            for _ in range(1000):
                rec = next(rest, None)
                if rec is None:
                    more[0] = False
                    break
                ahead.append(rec)
            return True

        try:
            yield from run.records(read_ahead)
        finally:
            run.close()
        yield from ahead
        del ahead[:]
        yield from rest

    def _reset_owner(self) -> None:
        d = self._default_owner
        self.owner, self.owner_id = (d, d.value) if d is not None else (None, None)
        self._owner_stated = False

    def items(self, name: str, stream: BinaryIO, key: str, fast: bool = False) -> Iterator[tuple[int, Any] | BadRecord]:
        """(index, inner object) for ``{"<key>": {...}}`` items; unwrapped items pass as they are."""
        for rec in iter_js_items(stream, name, fast):
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

    # -- tweets (see _TweetRun)
    def _tweets_worker(self, tweets: _Tweets, cur: Any, files: Iterator[tuple[int, str, Path | None]],
                       done: queue.Queue, stop: threading.Event) -> None:
        try:
            for k, name, path in files:
                if stop.is_set():
                    break
                ok = path is not None and tweets.read_json(cur, path, k)
                if path is not None:
                    path.unlink(missing_ok=True)
                bad: list[BadRecord] = []
                if not ok:
                    bad = self._python_rows(tweets, cur, name, k)
                n, events = tweets.shape(cur, k)
                done.put((k, bad, n, events))
            done.put(None)
        except BaseException as e:  # noqa: BLE001 - handed to the reading thread
            done.put(e)

    def _python_rows(self, tweets: _Tweets, cur: Any, name: str, k: int) -> list[BadRecord]:
        """Table ``r_k`` from ``name`` read item by item in Python; returns the unreadable items."""
        tweets.start_rows(cur, k)
        days = self._days
        bad: list[BadRecord] = []
        rows: list[tuple] = []
        with self.tree.open(name) as stream:
            for rec in iter_js_items(stream, name, fast=True):
                if type(rec) is not tuple:
                    bad.append(rec)  # type: ignore[arg-type]
                    continue
                idx, item = rec
                try:
                    rows.append(_tweet_row(item, days))
                except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as e:
                    bad.append(BadRecord(f"{name} item {idx}", f"unreadable tweet ({type(e).__name__}: {e})", _excerpt(item)))
                    continue
                if len(rows) >= _ROWS_FLUSH:
                    tweets.add_rows(cur, rows, k)
                    rows = []
        if rows:
            tweets.add_rows(cur, rows, k)
        tweets.end_rows(cur, k)
        return bad

    def _tweet_events(self, events: list[tuple]) -> Iterator[Record]:
        """Identities and account id / handle links, in the order the tweets name them."""
        linked = self._linked
        for ev, v, name, sn, hv in events:
            if ev == "a":
                yield Ident(CHANNEL, "account_id", v, name)
            elif ev == "h":
                yield Ident(CHANNEL, "handle", v, name)
            elif (v, sn) not in linked:  # the first time this import meets the pair (an earlier
                # file read at the same time as this one may have linked it already)
                linked.add((v, sn))
                reason = "twitter user_mentions" if ev == "lu" else "twitter in_reply_to"
                yield IdentityLink(Ident(CHANNEL, "account_id", v, name), Ident(CHANNEL, "handle", hv, name), reason, 1.0)

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
        for rec in self.items(name, stream, "dmConversation"):
            if isinstance(rec, BadRecord):
                yield rec
                continue
            idx, conv = rec
            try:
                yield from self.conversation(name, idx, conv, group, headers)
            except (KeyError, TypeError, ValueError, AttributeError) as e:
                yield BadRecord(f"{name} item {idx}", f"unreadable conversation ({type(e).__name__}: {e})", _excerpt(conv))

    def conversation(self, name: str, idx: int, conv: Any, group: bool, headers: bool) -> Iterator[Record]:
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
                if etype == "messageCreate":
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
                    yield Interaction(f"dm:{mid}", "message", CHANNEL, ts, self.acct(str(sender)), parts, vis, cid, None, text)
                    for r in body.get("reactions") or ():
                        yield from self.reaction(where, r, mid, str(sender), vis, cid)
                elif etype in ("joinConversation", "participantsJoin", "participantsLeave", "conversationNameUpdate"):
                    created = body.get("createdAt")
                    try:
                        ts = _iso_time(created) if created else None
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
                        nid, "system", CHANNEL, ts, self.acct(str(initiator)) if initiator else None, parts, vis, cid, None, text
                    )

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
