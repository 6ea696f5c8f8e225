"""SMS Backup & Restore (SyncTech) XML: text messages (``sms``) and call logs (``calls``).

Format reference: synctech.com.au "Fields in XML Backup Files".

* ``<smses>`` holds interleaved ``<sms>`` and ``<mms>`` elements.

  - ``sms``: ``address`` (the other party), ``date`` (ms), ``type`` 1 received / 2 sent /
    3 draft / 4 outbox / 5 failed / 6 queued, ``body``, optional ``contact_name``
    (``"(Unknown)"`` when the phone had no contact). Only types 1 and 2 are messages that
    reached someone; drafts, outbox, failed and queued ones are skipped.
  - ``mms``: ``msg_box`` 1 inbox / 2 sent (others skipped like sms drafts), ``address`` (the other
    parties, ``~``-joined for group chats), ``m_id``, ``<parts><part ct="text/plain" text=.../>``
    and ``<addrs><addr address type=137 from / 151 to / 130 cc / 129 bcc/>``.

* ``<calls>`` holds ``<call number duration date type presentation contact_name/>``, type
  1 incoming / 2 outgoing / 3 missed / 4 voicemail / 5 rejected / 6 refused (blocked). Every
  type is kept as a ``call``; the ones nobody answered (3, 5, 6) get duration 0.

Who is who. The backup does not say the phone owner's number. The owner is
``Ident("phone", "phone", n)`` when ``closeknit me`` knows one number ``n``; otherwise the
synthetic ``Ident("phone", "uid", "owner")``, declared with a :class:`SelfIdentity` so it is
person 0. When a *sent* MMS names its own sender number (``addr type=137``), that number is the
owner's and is declared as a SelfIdentity too. Withheld / unknown numbers (``-1``, ``-2``,
``-3``, empty, ``null``) have no identity: such a message or call is kept with no actor (or no
recipient) so it counts in the totals without being pinned on anyone. Alphanumeric senders
and short codes that are not phone numbers become ``Ident("phone", "handle", value)``.

Bodies may hold UTF-16 surrogate pairs as two numeric references; they are repaired while
streaming (:class:`~closeknit.ingest.xmlsafe.SurrogateRefFixer`).

Native ids. The backup has no message ids, so an sms is identified by its time, direction,
number and a hash of its text (``sms:<ms>:<type>:<number>:<crc32 of text>``); identical duplicates (which restores
sometimes create) collapse into one. An mms uses its ``m_id`` when present. A call is
``call:<ms>:<number>:<type>``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from xml.etree.ElementTree import Element, TreeBuilder
from zlib import crc32

from closeknit.core import files
from closeknit.core.ids import content_id
from closeknit.core.normalize import normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import BadRecord, Ident, Interaction, Record, SelfIdentity
from closeknit.ingest.xmlsafe import _LOCAL, BigToken, MalformedXMLError, Skip, SurrogateRefFixer, feed, hardened_parser, local

__all__ = ["SmsImporter", "CallsImporter", "OWNER"]

#: The phone owner when their own number is unknown.
OWNER = Ident("phone", "uid", "owner")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_WITHHELD = frozenset({"", "-1", "-2", "-3", "-4", "null", "unknown", "private", "anonymous", "insert-address-token"})
_ROLE_OF_ADDR = {"151": "recipient", "130": "cc", "129": "bcc"}


def _ts(value: str | None) -> datetime | None:
    """Epoch milliseconds (seconds when the value is too small to be ms) to UTC."""
    if not value:
        return None
    try:
        n = int(value)
    except ValueError:
        try:
            n = int(float(value))
        except (ValueError, OverflowError):  # "inf" (found by fuzzing)
            return None
    if n <= 0:
        return None
    if n < 100_000_000_000:  # before 1973 in ms = a value in seconds
        n *= 1000
    try:
        return _EPOCH + timedelta(milliseconds=n)
    except OverflowError:  # past the year 9999 (found by fuzzing)
        return None


class _Phones:
    """Number -> Ident, cached (the same few numbers repeat thousands of times)."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.cache: dict[tuple[str, str | None], Ident | None] = {}
        #: the owner's own numbers learnt from sent MMS
        self.own: set[str] = set()
        #: (address, contact_name) -> (key, thread, participants if sent, participants if received)
        self.conv: dict[tuple[str | None, str | None], tuple] = {}

    def conversation(self, raw: str | None, contact_name: str | None, owner: Ident) -> tuple:
        other = self(raw, contact_name)
        key = "withheld" if other is None else other.value
        sent = ((other, "recipient"),) if other is not None else ()
        out = (key, "phone:" + key, sent, ((owner, "recipient"),))
        self.conv[(raw, contact_name)] = out
        return out

    def __call__(self, raw: str | None, contact_name: str | None = None) -> Ident | None:
        """The identity of number ``raw`` with the backup's ``contact_name`` (raw, may be "(Unknown)")."""
        if raw is None:
            return None
        key = (raw, contact_name)
        try:
            return self.cache[key]
        except KeyError:
            pass
        name = _name(contact_name)
        v = raw.strip()
        ident: Ident | None
        if v.lower() in _WITHHELD:
            ident = None
        else:
            e164 = normalize_phone(v, self.region)
            if e164:
                ident = Ident("phone", "phone", e164, name)
            else:
                ident = Ident("phone", "handle", v.lower(), name or v)
        self.cache[key] = ident
        return ident


def _name(contact_name: str | None) -> str | None:
    if not contact_name or contact_name in ("(Unknown)", "null"):
        return None
    return contact_name.strip() or None


def _members(tree: InputTree, marker: bytes) -> list[str]:
    out = []
    for n in sorted(tree.names()):
        if not n.lower().endswith((".xml", ".txt")):
            continue
        head = tree.head(n, 2048)
        if marker in head:
            out.append(n)
    return out


def _owner(ctx: ImportContext) -> tuple[Ident, bool]:
    """The owner's phone identity and whether it is already known to be the user's."""
    phones = sorted(ctx.self_values("phone"))
    if len(phones) == 1:
        return Ident("phone", "phone", phones[0]), True
    return OWNER, False


class _XmlPhoneImporter(Importer):
    channel = "phone"
    marker = b""
    top: frozenset[str] = frozenset()
    flat: frozenset[str] = frozenset()
    #: bytes read at a time
    chunk = 1 << 20

    def detect(self, tree: InputTree) -> int:
        return 9 if _members(tree, self.marker) else 0

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        owner, known = _owner(ctx)
        if not known:
            yield SelfIdentity(owner, evidence=f"{self.name} backup: the phone's owner")
        phones = _Phones(ctx.region)
        for member in _members(tree, self.marker):
            with tree.open(member) as raw:
                out: list[Record] = []
                try:
                    for _ in self._scan(SurrogateRefFixer(raw), member, owner, phones, out):
                        if out:
                            yield from out
                            out.clear()
                except MalformedXMLError as e:
                    yield BadRecord(f"{member} line {e.line}", f"{e}; stopped reading this file here")

    def _scan(self, stream, member: str, owner: Ident, phones: _Phones, out: list) -> Iterator[int]:
        """Parse one file; the records of its top-level elements go to ``out`` while parsing.

        Flat elements (``<sms .../>``, ``<call .../>``) are handled right in the expat start
        handler from their attributes (no element objects); others (``<mms>``) are built with
        the C TreeBuilder and handled at their end tag. The n-th top-level element is
        ``<tag> n`` in error locations. Yields after each chunk (see :func:`feed`).

        A record over the limit of one record (a 2 GB SMS body) is reported and skipped, and the
        rest of the file is read: :func:`feed` hands over the token expat could not finish, and
        this says which record it belongs to and which elements are open around it.
        """
        p = hardened_parser()
        top, flat = self.top, self.flat
        flat_record = self._flat
        element = self._element
        cache = _LOCAL
        n = 0
        root: Element | None = None
        tb_end: Callable[[str], Element] | None = None  # the record's TreeBuilder.end, while inside one
        root_n = root_at = root_line = 0
        root_tag = ""
        # the elements open outside records (names as written): the root, and any element that is
        # not a record; their end tags are watched only while one below the root is open (never in
        # a real backup: records sit right under the root), so the usual file pays nothing for it
        outer: list[str] = []

        def start_outside(tag: str, a: dict[str, str]) -> None:
            nonlocal n, root, tb_end, root_n, root_at, root_line, root_tag
            lt = cache.get(tag) or local(tag)
            if lt in flat:
                n += 1
                try:
                    res = flat_record(lt, a, member, n, owner, phones)
                except (ValueError, KeyError, TypeError) as e:
                    res = BadRecord(f"{member} {lt} {n}", f"unreadable {lt}: {e}", str(a)[:200])
                if res is not None:
                    if type(res) is list:
                        out.extend(res)
                    else:
                        out.append(res)
            elif lt in top:
                n += 1
                root_n, root_tag, root_at, root_line = n, tag, p.CurrentByteIndex, p.CurrentLineNumber
                tb = TreeBuilder()
                root = tb.start(lt, a)
                tb_end = tb.end
                p.StartElementHandler = tb.start
                p.CharacterDataHandler = tb.data
                p.EndElementHandler = end_inside
            else:
                outer.append(tag)
                if len(outer) > 1:
                    p.EndElementHandler = end_outer

        def end_outer(tag: str) -> None:
            if (cache.get(tag) or local(tag)) not in flat:
                outer.pop()
                if len(outer) <= 1:
                    p.EndElementHandler = None

        def end_inside(tag: str) -> None:
            nonlocal root, tb_end
            if tb_end is None:  # never: this handler is installed together with tb_end
                raise RuntimeError("end of an element outside a record")
            el = tb_end(tag)
            if root is el:
                root = tb_end = None
                p.StartElementHandler = start_outside
                p.CharacterDataHandler = None
                p.EndElementHandler = end_outer if len(outer) > 1 else None
                lt = el.tag
                try:
                    res = element(lt, el, member, root_n, owner, phones)
                except (ValueError, KeyError, TypeError) as e:
                    res = BadRecord(f"{member} {lt} {root_n}", f"unreadable {lt}: {e}", str(el.attrib)[:200])
                if res is not None:
                    if type(res) is list:
                        out.extend(res)
                    else:
                        out.append(res)

        def too_big(tok: BigToken) -> Skip | None:
            nonlocal n, root, tb_end
            lt = local(tok.tag) if tok.tag else None
            to: str | None
            if root is not None:  # in a record (an <mms>): it goes, up to its end tag
                where, what, start = f"{member} {root.tag} {root_n}", f"the <{root.tag}> of line {root_line + tok.line_shift:,}", root_at + tok.shift
                to, depth = root_tag, 1 + (tok.tag == root_tag and not tok.empty)
                root = tb_end = None
            elif lt is not None and (lt in flat or lt in top):  # a record's own start tag (<sms body="...2 GB..."/>)
                n += 1
                where, what, start = f"{member} {lt} {n}", f"the <{lt}> of line {tok.line:,}", tok.at
                to, depth = (None, 0) if tok.empty else (tok.tag, 1)
            else:  # not part of a record (a comment, the root's attributes): skipped, what is inside it is read
                where, what, start = f"{member} line {tok.line}", f"the {tok.tag and f'<{tok.tag}> start tag' or tok.kind} of line {tok.line:,}", tok.at
                to, depth = None, 0
                if tok.kind == "start" and not tok.empty and tok.tag is not None:  # a start token has a tag
                    outer.append(tok.tag)

            def done(fresh, size: int | None, _shift: int, _line_shift: int) -> None:
                nonlocal p
                out.append(BadRecord(where, files.too_big(what, size)))
                if fresh is not None:
                    p = fresh
                    p.StartElementHandler = start_outside
                    p.EndElementHandler = end_outer if len(outer) > 1 else None

            return Skip(to, depth, tuple(outer), start, done)

        p.StartElementHandler = start_outside
        yield from feed(p, stream, name=member, chunk=self.chunk, resume=too_big)

    def _flat(self, tag, a, member, n, owner, phones) -> Record | list[Record] | None:
        """The record(s) of one flat top-level element from its attributes ``a``."""
        raise NotImplementedError

    def _element(self, tag, el, member, n, owner, phones) -> Record | list[Record] | None:
        """The record(s) of one top-level element: one record, a list, or None to skip it."""
        raise NotImplementedError


@register
class SmsImporter(_XmlPhoneImporter):
    name = "sms"
    version = "1"
    description = "SMS Backup & Restore XML (<smses> with <sms> and <mms>)"
    marker = b"<smses"
    top = frozenset({"sms", "mms"})
    flat = frozenset({"sms"})

    def _flat(self, tag, a, member, n, owner, phones) -> Record | list[Record] | None:
        typ = a.get("type", "")
        if typ != "1" and typ != "2":
            if typ not in ("3", "4", "5", "6"):
                return BadRecord(f"{member} sms {n}", f"unknown sms type {typ!r}", str(a)[:200])
            return None
        date = a.get("date")
        try:
            ms = int(date)  # the usual case, inline; anything else goes through _ts
            ts = _EPOCH + timedelta(0, 0, 0, ms if ms >= 100_000_000_000 else ms * 1000) if ms > 0 else None
        except (TypeError, ValueError, OverflowError):
            ts = _ts(date)
        if ts is None:
            return BadRecord(f"{member} sms {n}", f"unreadable date {date!r}", str(a)[:200])
        address = a.get("address")
        contact = a.get("contact_name")
        ctx = phones.conv.get((address, contact))
        if ctx is None:
            ctx = phones.conversation(address, contact, owner)
        key, thread, sent, received = ctx
        body = a.get("body")
        nid = f"sms:{date}:{typ}:{key}:{crc32(body.encode('utf-8', 'surrogatepass')) if body else 0:08x}"
        if typ == "2":
            return Interaction(nid, "message", "phone", ts, owner, sent, "private", thread, None, body)
        return Interaction(nid, "message", "phone", ts, sent[0][0] if sent else None, received, "private", thread, None, body)

    def _element(self, tag, el, member, n, owner, phones) -> Record | list[Record] | None:
        a = el.attrib
        if tag == "sms":  # an <sms> with children: read as a flat one
            return self._flat(tag, a, member, n, owner, phones)
        # mms
        out: list[Record] = []
        box = a.get("msg_box", "")
        if box not in ("1", "2"):
            if box not in ("3", "4", "5", "6"):
                return BadRecord(f"{member} mms {n}", f"unknown mms msg_box {box!r}", str(a)[:200])
            return None
        ts = _ts(a.get("date"))
        if ts is None:
            return BadRecord(f"{member} mms {n}", f"unreadable date {a.get('date')!r}", str(a)[:200])
        names = [s.strip() for s in (a.get("contact_name") or "").split(",")]
        raw_others = [x for x in (a.get("address") or "").split("~") if x.strip()]
        others: list[Ident] = []
        for i, x in enumerate(raw_others):
            ident = phones(x, names[i] if len(names) == len(raw_others) else None)
            if ident is not None and ident not in others:
                others.append(ident)
        other_values = {o.value for o in others}
        sender: Ident | None = None
        roles: dict[str, str] = {}
        texts: list[str] = []
        local_names = _LOCAL
        for child in el:
            ctag = local_names.get(child.tag) or local(child.tag)
            if ctag == "parts":
                for part in child:
                    if part.get("ct") == "text/plain":
                        t = part.get("text")
                        if t and t != "null":
                            texts.append(t)
            elif ctag == "addrs":
                for addr in child:
                    atype = addr.get("type")
                    ident = phones(addr.get("address"))
                    if ident is None:
                        continue
                    if atype == "137":
                        sender = ident
                    elif atype in _ROLE_OF_ADDR and ident.value in other_values:
                        roles[ident.value] = _ROLE_OF_ADDR[atype]
        if box == "2":
            if sender is not None and sender.kind == "phone" and sender.value not in other_values:
                if sender.value not in phones.own:
                    phones.own.add(sender.value)
                    out.append(SelfIdentity(Ident("phone", "phone", sender.value), evidence="sender of a sent MMS (SMS Backup & Restore)"))
            actor = owner
            parts = tuple((o, roles.get(o.value, "recipient")) for o in others)
        else:
            actor = None
            if sender is not None and sender.value in other_values:
                actor = next(o for o in others if o.value == sender.value)
            elif others and len(others) == 1:
                actor = others[0]
            parts = tuple((o, roles.get(o.value, "recipient")) for o in others if o is not actor) + ((owner, "recipient"),)
        m_id = a.get("m_id")
        key = "~".join(sorted(other_values)) or "withheld"
        if m_id and m_id != "null":
            nid = f"mms:{m_id}"
        else:
            nid = f"mms:{a.get('date')}:{content_id(box, key, texts)}"
        out.append(Interaction(nid, "message", "phone", ts, actor, parts, "group" if len(others) > 1 else "private",
                               f"phone:{key}", None, "\n".join(texts) if texts else None))
        return out


@register
class CallsImporter(_XmlPhoneImporter):
    name = "calls"
    version = "1"
    description = "SMS Backup & Restore / Call Logs Backup & Restore XML (<calls> with <call>)"
    marker = b"<calls"
    top = frozenset({"call"})
    flat = frozenset({"call"})
    _INCOMING = frozenset({"1", "3", "4", "5", "6"})
    _UNANSWERED = frozenset({"3", "5", "6"})

    def _element(self, tag, el, member, n, owner, phones) -> Record | list[Record] | None:
        return self._flat(tag, el.attrib, member, n, owner, phones)

    def _flat(self, tag, a, member, n, owner, phones) -> Record | list[Record] | None:
        typ = a.get("type", "")
        if typ != "2" and typ not in self._INCOMING:
            return BadRecord(f"{member} call {n}", f"unknown call type {typ!r}", str(a)[:200])
        ts = _ts(a.get("date"))
        if ts is None:
            return BadRecord(f"{member} call {n}", f"unreadable date {a.get('date')!r}", str(a)[:200])
        other = phones(a.get("number"), a.get("contact_name"))
        try:
            duration = float(a.get("duration") or 0)
        except ValueError:
            duration = 0.0
        if typ in self._UNANSWERED:
            duration = 0.0
        if typ == "2":
            actor, parts = owner, (((other, "recipient"),) if other else ())
        else:
            actor, parts = other, ((owner, "recipient"),)
        key = other.value if other else "withheld"
        return Interaction(f"call:{a.get('date')}:{key}:{typ}", "call", "phone", ts, actor, parts, "private", "phone:" + key,
                           None, None, duration)
