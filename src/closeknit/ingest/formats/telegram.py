"""Telegram Desktop exports (``result.json``): one chat, or the whole account.

Telegram Desktop > Settings > Advanced > Export Telegram data (machine-readable JSON) writes
``result.json``; a single chat (chat menu > Export chat history) writes the same shape for one
chat: ``{"name", "type", "id", "messages": [...]}``. The full export adds
``personal_information``, ``contacts``, ``frequent_contacts``, ``chats.list`` and
``left_chats.list``. The file is read item by item (any size); the ``\\xNN`` escapes the
writer puts in for control characters (not valid JSON) are repaired on the fly.

What becomes what:

* ``message`` -> ``message`` (``reply`` when it has ``reply_to_message_id``; ``repost`` when
  it has ``forwarded_from``: the forwarder is the actor, the text is not theirs). Text given as
  a string or as a list of strings and entities is joined; ``@mentions`` become
  ``mentioned`` participants. Empty text (stickers, photos) is None.
* ``service`` -> ``system`` (actor ``actor_id``; invited/removed members as ``subject``),
  except ``phone_call``/``group_call`` -> ``call`` with ``duration_seconds`` (a phone call) or
  ``duration`` (a group call). A reply to another chat's message (``reply_to_peer_id``) links there.
* Recipients: in a personal chat the other person (the chat's ``id`` is the peer's user id);
  in groups the members seen so far (up to 50; larger groups get only the replied-to author);
  channels none. Visibility: personal/bot/saved chats ``private``; groups and private channels
  ``group``; public channels ``public``.
* ``personal_information`` -> the owner (user id, phone, username). In a single personal
  chat the owner is the sender who is not the chat's peer.
* ``contacts.list`` -> phone identities named as in the address book, linked to the Telegram
  user id ("Telegram contact card", confidence 1.0).
* ``frequent_contacts.list`` (Telegram's own top-peers ranking) -> one ``system`` interaction
  per user, from the owner to that user, without a time, thread ``telegram:frequent_contacts``
  and text ``rating=<0..1> category=<people|calls|...>``: the relationship model reads the
  rating from there.

Times come from ``date_unixtime``; old exports without it give only a local ``date`` with no
zone, which is read as UTC. Native ids are ``msg:<chat id>:<message id>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from closeknit.core.files import too_big
from closeknit.core.normalize import normalize_handle, normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.formats._dyi import JsonCursor, JsonItemTooBig, JsonStreamError, bad, utc_s
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import Ident, IdentityLink, Interaction, Record, SelfIdentity

__all__ = ["TelegramImporter", "join_text"]

_VIS = {
    "personal_chat": "private",
    "bot_chat": "private",
    "saved_messages": "private",
    "replies": "private",
    "verification_codes": "private",
    "private_group": "group",
    "private_supergroup": "group",
    "public_supergroup": "group",
    "private_channel": "group",
    "public_channel": "public",
}
_MAX_MEMBERS = 50
_MAX_REMEMBERED = 200_000
FREQUENT_THREAD = "telegram:frequent_contacts"
_UTC = timezone.utc


def join_text(text: object) -> str:
    """Telegram's ``text`` (a string, or a list of strings and ``{type, text}`` entities) as one string.

    >>> join_text(["see ", {"type": "link", "text": "https://x.org"}, " ok"])
    'see https://x.org ok'
    """
    if isinstance(text, str):
        return text
    if isinstance(text, list):
        return "".join(p if isinstance(p, str) else str(p.get("text", "")) if isinstance(p, dict) else "" for p in text)
    return ""


def _ts(m: dict) -> datetime | None:
    u = m.get("date_unixtime")
    if u is not None:
        return utc_s(u)
    d = m.get("date")
    if isinstance(d, str) and d:
        dt = datetime.fromisoformat(d)
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
    return None


def _section_items(sec: object) -> list | None:
    """The entries of an account section (contacts, frequent contacts): its ``list``, or the
    section itself; [] when it has none, None when they are not a list."""
    items = sec.get("list") if isinstance(sec, dict) else sec
    if not items:
        return []
    return items if isinstance(items, list) else None


class _Chat:
    __slots__ = ("id", "name", "type", "vis", "thread", "peer", "members", "recips", "senders", "group", "owner_votes")

    def __init__(self) -> None:
        self.id: str | None = None
        self.name: str | None = None
        self.type = ""
        self.vis = "private"
        self.thread: str | None = None
        self.peer: Ident | None = None
        self.members: dict[Ident, None] = {}
        self.recips: dict[Ident | None, tuple[tuple[Ident, str], ...]] = {}  # by sender (None: no sender)
        self.senders: dict[int, Ident] = {}
        self.group = False
        self.owner_votes: dict[Ident, int] = {}


@register
class TelegramImporter(Importer):
    name = "telegram"
    channel = "telegram"
    version = "2"  # 2 (2026-12-07): group calls' "duration"; replies to another chat's message link there
    description = "Telegram Desktop JSON export (result.json): one chat or the whole account"

    def detect(self, tree: InputTree) -> int:
        for n in self._files(tree):
            head = tree.head(n, 16384)
            if b'"personal_information"' in head or (b'"messages"' in head and (b'"date_unixtime"' in head or b'"from_id"' in head)):
                return 9
            if b'"type"' in head and any(f'"{t}"'.encode() in head for t in _VIS) and b'"messages"' in head:
                return 8
        return 0

    @staticmethod
    def _files(tree: InputTree) -> list[str]:
        names = tree.names()
        res = [n for n in names if n.rsplit("/", 1)[-1] == "result.json"]
        if not res and len(names) == 1 and names[0].lower().endswith(".json"):
            res = names
        return sorted(res)

    # -- identities
    def _user(self, from_id: object, name: object) -> Ident | None:
        if from_id is None or from_id == "":
            return None
        key = (from_id, name)
        ident = self._cache.get(key)
        if ident is None:
            fid = str(from_id)
            value = fid[4:] if fid.startswith("user") and fid[4:].isdigit() else fid
            ident = self._cache[key] = Ident("telegram", "account_id", value, name if isinstance(name, str) and name else None)
        return ident

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        self._cache: dict[tuple, Ident] = {}
        self._owner: Ident | None = next((i for i in ctx.self_idents if i.channel == "telegram" and i.kind == "account_id"), None)
        self._ctx = ctx
        for member in self._files(tree):
            with tree.open(member) as f:
                cur = JsonCursor(f, repair_x=True)
                try:
                    yield from self._document(cur, member)
                except JsonStreamError as e:
                    yield bad(member, f"result.json is cut short or not JSON ({e}); what came before was read")

    def _document(self, cur: JsonCursor, member: str) -> Iterator[Record]:
        # a value over the limit of one record is stepped over (JsonItemTooBig): reported, and
        # the cursor, already after it, reads on
        single = _Chat()
        for key in cur.object():
            try:
                if key == "personal_information":
                    yield from self._personal(cur.value(), member)
                elif key == "contacts":
                    yield from self._contacts(cur.value(), member)
                elif key == "frequent_contacts":
                    yield from self._frequent(cur.value(), member)
                elif key in ("chats", "left_chats"):
                    if cur.kind() != "{":
                        cur.skip()
                        continue
                    for k2 in cur.object():
                        if k2 != "list":
                            cur.skip()
                            continue
                        for i in cur.array():
                            try:
                                if cur.kind() != "{":
                                    yield bad(f"{member} {key} {i}", "chat is not an object", cur.value())
                                    continue
                                chat = _Chat()
                                for k3 in cur.object():
                                    if k3 == "messages":
                                        yield from self._messages(cur, chat, member)
                                    else:
                                        try:
                                            self._chat_field(chat, k3, cur.value())
                                        except JsonItemTooBig as e:
                                            yield bad(f"{member} {key} {i} {k3}", too_big(f"the chat's {k3}", e.size, "characters"))
                                yield from self._chat_end(chat)
                            except JsonItemTooBig as e:
                                yield bad(f"{member} {key} {i}", too_big("the chat", e.size, "characters"))
                elif key == "messages":
                    yield from self._messages(cur, single, member)
                elif key in ("name", "type", "id"):
                    self._chat_field(single, key, cur.value())
                else:
                    cur.skip()
            except JsonItemTooBig as e:
                yield bad(f"{member} {key}", too_big(f"the {key}", e.size, "characters"))
        if single.id is not None or single.senders:
            yield from self._chat_end(single)

    def _chat_field(self, chat: _Chat, key: str, val: object) -> None:
        if key == "name":
            chat.name = val if isinstance(val, str) else None
        elif key == "type":
            chat.type = str(val or "")
            chat.vis = _VIS.get(chat.type, "group")
            chat.group = chat.type.endswith("group")
        elif key == "id":
            chat.id = str(val)
        if chat.id is not None and chat.type in ("personal_chat", "bot_chat") and chat.peer is None:
            chat.peer = self._user("user" + chat.id if chat.id.isdigit() else chat.id, chat.name)

    def _chat_end(self, chat: _Chat) -> Iterator[Record]:
        # a single personal chat: the owner is the sender who is not the peer
        if self._owner is None and chat.type == "personal_chat" and len(chat.owner_votes) == 1:
            self._owner = next(iter(chat.owner_votes))
            yield SelfIdentity(self._owner, "telegram: the sender of a personal chat who is not the chat's peer")

    # -- account-level sections
    def _personal(self, pi: object, member: str) -> Iterator[Record]:
        if not isinstance(pi, dict) or not pi.get("user_id"):
            yield bad(f"{member} personal_information", "no user_id", pi)
            return
        name = " ".join(x for x in (pi.get("first_name"), pi.get("last_name")) if isinstance(x, str) and x) or None
        me = Ident("telegram", "account_id", str(pi["user_id"]), name)
        self._owner = me
        self._cache[("user" + str(pi["user_id"]), name)] = me
        ev = f"{member} personal_information"
        yield SelfIdentity(me, ev)
        phone = normalize_phone(str(pi.get("phone_number") or ""), self._ctx.region)
        if phone:
            p = Ident("phone", "phone", phone, name)
            yield SelfIdentity(p, ev)
            yield IdentityLink(me, p, "Telegram personal information lists this phone number", 1.0)
        user = pi.get("username")
        if isinstance(user, str) and user.strip("@"):
            h = Ident("telegram", "handle", normalize_handle(user), name)
            yield SelfIdentity(h, ev)
            yield IdentityLink(me, h, "Telegram personal information lists this username", 1.0)

    def _contacts(self, sec: object, member: str) -> Iterator[Record]:
        items = _section_items(sec)
        if items is None:
            yield bad(f"{member} contacts", "the contacts are not a list", sec)
            return
        for i, c in enumerate(items):
            if not isinstance(c, dict):
                yield bad(f"{member} contacts {i}", "contact is not an object", c)
                continue
            name = " ".join(x for x in (c.get("first_name"), c.get("last_name")) if isinstance(x, str) and x) or None
            phone = normalize_phone(str(c.get("phone_number") or ""), self._ctx.region)
            uid = c.get("user_id")
            tg = Ident("telegram", "account_id", str(uid), name) if uid not in (None, 0, "0", "") else None
            if phone is None and tg is None:
                yield bad(f"{member} contacts {i}", "contact without a phone number or user id", c)
                continue
            p = Ident("phone", "phone", phone, name) if phone else None
            if p is not None:
                yield p
            if tg is not None:
                yield tg
            if p is not None and tg is not None:
                yield IdentityLink(tg, p, "Telegram contact card", 1.0)

    def _frequent(self, sec: object, member: str) -> Iterator[Record]:
        items = _section_items(sec)
        if items is None:
            yield bad(f"{member} frequent_contacts", "the frequent contacts are not a list", sec)
            return
        for i, c in enumerate(items):
            if not isinstance(c, dict) or c.get("id") is None:
                yield bad(f"{member} frequent_contacts {i}", "entry without an id", c)
                continue
            if c.get("type", "user") != "user":
                continue  # groups, channels and bots ranked by Telegram: not people
            rating = c.get("rating")
            cat = c.get("category") or "people"
            other = self._user("user" + str(c["id"]), c.get("name"))
            yield Interaction(
                native_id=f"top:{cat}:{c['id']}",
                kind="system",
                channel="telegram",
                ts=None,
                actor=self._owner,
                participants=((other, "recipient"),) if other is not None else (),  # always one: the id is not empty
                visibility="private",
                thread=FREQUENT_THREAD,
                text=f"rating={rating} category={cat}",
            )

    # -- messages
    def _messages(self, cur: JsonCursor, chat: _Chat, member: str) -> Iterator[Record]:
        if chat.id is None:
            chat.id = "?"
        chat.thread = chat.id
        cid, vis, thread = chat.id, chat.vis, chat.thread
        peer, senders, members = chat.peer, chat.senders, chat.members
        channel_like = chat.type.endswith("channel")
        loc = f"{member} chat {cid}"
        cache, user, fromts = self._cache, self._user, datetime.fromtimestamp
        personal = chat.type == "personal_chat"
        group = chat.group
        chat_recips = chat.recips
        for i in cur.array():
            try:
                m = cur.value()
            except JsonItemTooBig as e:
                yield bad(f"{loc} item {i}", too_big("the message", e.size, "characters"))
                continue
            if m.__class__ is not dict and not isinstance(m, dict):
                yield bad(f"{loc} item {i}", "message is not an object", m)
                continue
            get = m.get
            mid = get("id")
            try:
                u = get("date_unixtime")
                ts = fromts(float(u), _UTC) if u is not None else _ts(m)
            except (ValueError, OverflowError, TypeError):
                yield bad(f"{loc} message {mid}", f"unreadable date {m.get('date_unixtime') or m.get('date')!r}", m)
                continue
            mtype = get("type")
            if mtype == "service":
                fid, nm = get("actor_id"), get("actor")
            else:
                fid, nm = get("from_id"), get("from")
            if fid is None or fid == "":
                actor = None
            else:
                actor = cache.get((fid, nm))
                if actor is None:
                    actor = user(fid, nm)
            if mid is None:
                yield bad(f"{loc} item {i}", "message without an id", m)
                continue
            if actor is not None:
                if peer is not None and actor != peer and personal:
                    chat.owner_votes[actor] = chat.owner_votes.get(actor, 0) + 1
                if group and actor not in members:
                    members[actor] = None
                    chat_recips.clear()
            # recipients
            rto = get("reply_to_message_id")
            rchat = cid
            if rto is not None:
                # a reply to a message of another chat names that chat in "reply_to_peer_id" ("channel123",
                # "user45"; same writer as above): the link goes there, not to this chat's message of that id
                rpeer = get("reply_to_peer_id")
                if rpeer is not None:
                    bare = str(rpeer)
                    for kind_prefix in ("user", "channel", "chat"):
                        if bare.startswith(kind_prefix):
                            bare = bare[len(kind_prefix):]
                            break
                    if bare and bare != str(cid):
                        rchat = bare
            recips: tuple[tuple[Ident, str], ...]
            if peer is not None:
                if actor == peer:
                    other = self._owner or (next(iter(chat.owner_votes)) if len(chat.owner_votes) == 1 else None)
                    recips = ((other, "recipient"),) if other is not None else ()
                else:
                    recips = ((peer, "recipient"),)
            elif group and len(members) <= _MAX_MEMBERS:
                kept = chat_recips.get(actor)
                if kept is None:
                    kept = chat_recips[actor] = tuple((p, "recipient") for p in members if p != actor)
                recips = kept
            else:
                recips = ()
                if rto is not None and not channel_like and rchat == cid:
                    target = senders.get(rto)
                    if target is not None and target != actor:
                        recips = ((target, "recipient"),)
            kind = "message"
            duration = None
            text: str | None
            if mtype == "service":
                action = get("action") or ""
                text = None
                if action in ("phone_call", "group_call"):
                    kind = "call"
                    # phone_call writes "duration_seconds", group_call "duration" (2026-12-07: Telegram
                    # Desktop's writer, telegramdesktop/tdesktop @ 35f5d5a7e787,
                    # Telegram/SourceFiles/export/output/export_output_json.cpp); until then a group
                    # call's length was lost
                    d = get("duration_seconds")
                    if d is None:
                        d = get("duration")
                    duration = float(d) if isinstance(d, (int, float)) else None
                else:
                    kind = "system"
                    names = get("members")
                    if isinstance(names, list) and names:
                        subj = tuple((Ident("telegram", "name", n, n), "subject") for n in names if isinstance(n, str) and n)
                        recips = tuple(recips) + subj
            else:
                raw = get("text")
                if raw.__class__ is str:
                    text = raw or None
                else:
                    text = join_text(raw) or None
                if get("forwarded_from") is not None or get("forwarded_from_id") is not None:
                    kind = "repost"
                elif rto is not None:
                    kind = "reply"
                if isinstance(raw, list):
                    mentioned: list[tuple[Ident, str]] = []
                    for ent in raw:
                        if not isinstance(ent, dict):
                            continue
                        et = ent.get("type")
                        if et == "mention" and isinstance(ent.get("text"), str) and len(ent["text"]) > 1:
                            mentioned.append((Ident("telegram", "handle", normalize_handle(ent["text"])), "mentioned"))
                        elif et == "mention_name" and ent.get("user_id"):
                            named = self._user("user" + str(ent["user_id"]), ent.get("text"))
                            if named is not None:  # always: the id is not empty
                                mentioned.append((named, "mentioned"))
                    if mentioned:
                        recips = tuple(recips) + tuple(mentioned)
            if actor is not None and not channel_like:
                senders[mid] = actor
                if len(senders) > _MAX_REMEMBERED:
                    for k in list(senders)[: _MAX_REMEMBERED // 2]:
                        del senders[k]
            yield Interaction(
                f"msg:{cid}:{mid}",
                kind,
                "telegram",
                ts,
                actor,
                recips,
                vis,
                thread,
                f"msg:{rchat}:{rto}" if rto is not None else None,
                text,
                duration,
            )
