"""Facebook Messenger and Instagram direct messages ("Download Your Information", JSON).

Both services write the same layout (a zip, or the unzipped folder)::

    messages/inbox/<title>_<threadid>/message_1.json          (until about 2023)
    your_facebook_activity/messages/inbox/<...>/message_1.json (since 2024)
    your_instagram_activity/messages/inbox/<...>/message_1.json
    ... and archived_threads/, filtered_threads/, message_requests/, e2ee_cutover/
    messages/<title>_<threadid>/message.json                  (2018: one file, no category)
    messages/inbox/<title>_<threadid>/message.json            (2018-2019)
    <title>_<threadid>/message_1.json                         (one thread's folder on its own)
    messages.json + profile.json                              (Instagram until December 2020)

One thread is split over ``message_1.json``, ``message_2.json``, ... with ``message_1`` the
newest and the messages of each file newest first; we read each thread oldest first, one file
at a time (memory stays at one file). Every string is UTF-8 written byte per ``\\u00XX``
escape (mojibake): :func:`fix_mojibake` repairs names, texts, actors and reactions.

What becomes what:

* ``Generic``/``Share`` messages -> ``message`` from the sender to every other current
  participant (``group`` visibility in group threads). Unsent or taken-down messages, media
  without text and the placeholder "X sent an attachment." are kept with ``text`` None.
* ``Call`` (or, in exports since 2024 that write no ``type``, any message with a
  ``call_duration``) -> ``call`` with ``call_duration``; ``Subscribe``/``Unsubscribe`` -> ``system``
  with the added/removed users as ``subject``.
* ``reactions[]`` -> one ``reaction`` per (actor, emoji) from the actor to the message's
  sender, ``reply_to`` the message, ``text`` the emoji, no time (the export has none).
  Duplicated entries are dropped.
* The pseudo-messages "X liked a message" / "X reacted 😮 to your message" are notices, not
  texts: they become a ``reaction`` to the latest earlier message of someone else in the
  thread, unless that person already has a reaction on it (then they are dropped).
* Messenger: friends (``your_friends.json``) -> ``connect``; sent/received friend requests
  -> ``invite``; ``who_you_follow.json`` -> ``follow``. Instagram: followers / following ->
  ``follow``; ``close_friends.json`` -> ``connect`` with thread ``instagram:close_friends``
  (the owner put them on the close-friends list: an explicit intimacy signal);
  ``blocked_accounts.json`` -> ``block``. Lists have times where the export gives them.

Identities: Meta exports give display names only, so message parties are
``Ident("messenger"|"instagram", "name", name)``; Instagram follow lists give handles
(``Ident("instagram", "handle", user)``). The owner comes from the profile file when present,
else from the sender of "You sent ..." placeholders, else from 1:1 threads (their title is
the other person), else from the one name present in every thread.

Native ids: Meta gives messages no ids, so a message is ``m:<thread id>:<timestamp_ms>:<hash
of sender and text>`` (plus an ordinal if two are identical), stable across re-exports and
across the old and new folder layouts.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timezone
from collections.abc import Iterator
from pathlib import PurePosixPath


from hashlib import blake2b as _hash

from closeknit.core.normalize import normalize_email, normalize_handle, normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.core.files import MAX_RECORD_BYTES, too_big
from closeknit.ingest.formats._dyi import JsonItemTooBig, Seq, bad, fix_mojibake, read_document, utc_ms, utc_s
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import Ident, IdentityLink, Interaction, Record, SelfIdentity

__all__ = ["MessengerImporter", "InstagramImporter", "meta_flavor"]

# Where Meta has put a thread's files (each layout seen in real exports; 2026-12-07):
# * 2018: ``messages/<thread>/message.json`` - no category folder, one unnumbered file per thread
#   (public analysis scripts of that year read ``messages/<chat>/message.json`` and skip the
#   ``stickers_used`` folder beside the threads). Named sources (2026-12-07, s5): the PyPI package
#   converse 0.1a5 (2018-07), README.md: run it "in the messages directory", the "structure is
#   usually archive-root/convo-name/message.json"; SamuelePilleri/facebook-schemas @ 4c86b2d1a65e,
#   reporter.py (checks each unnumbered ``messages/.+/message\.json`` of a dump against its
#   messages/message.json schema);
# * 2018-2019: ``messages/inbox/<thread>/message.json``;
# * since 2019: ``messages/<category>/<thread>/message_<N>.json``, the category one of inbox,
#   archived_threads, filtered_threads, message_requests, and since 2024 e2ee_cutover; the
#   ``messages/`` folder itself under ``your_facebook_activity/``,
#   ``your_activity_across_facebook/`` or ``your_instagram_activity/`` since 2022-2024;
# * one thread's own folder (``message_1.json``, ``photos/`` ...) given on its own.
_THREAD_FILE = re.compile(
    r"(?:^|/)messages/(?:(?:inbox|archived_threads|filtered_threads|message_requests|e2ee_cutover)/)?"
    r"(?!stickers_used/|photos/|gifs/|videos/|audio/|files/)([^/]+)/message(?:_(\d+))?\.json$"
)
_LONE_FILE = re.compile(r"^message(?:_(\d+))?\.json$")
_IG_HEAD = (b"sender_id_INTERNAL", b"is_taken_down", b"bumped_message_metadata", b"instagram.com")
# English notices Meta writes as if they were messages (other UI languages are not recognised).
_LIKED = re.compile(r"^(?:(.+?) )?[Ll]iked a message\.?$")
_REACTED = re.compile(r"^(?:(.+?) )?[Rr]eacted (.+?) to (?:your|a|their|his|her) message\.?$")
_SENT_MEDIA = re.compile(
    r"^(.+?) sent an? (?:attachment|photo|video|voice message|audio|GIF|gif|sticker|link|file)\.?$"
)
_IG_HANDLE = re.compile(r"^[A-Za-z0-9._]{1,30}$")
_PROFILE_FILES = ("profile_information.json", "personal_information.json")
_SEP, _NONE = "\x1f", "\x00"  # hash separators
# the list and profile files the importers read (besides threads); see _list_spec and _profile
_READ_FILES = frozenset(_PROFILE_FILES) | {
    "your_friends.json", "friends.json", "sent_friend_requests.json", "received_friend_requests.json",
    "who_you_follow.json", "following.json", "close_friends.json", "blocked_accounts.json", "blocked_profiles.json"}
_FOLLOWERS = re.compile(r"followers(_\d+)?\.json")


def meta_flavor(tree: InputTree) -> tuple[str | None, int]:
    """``("messenger"|"instagram", confidence)`` for a Meta DYI export, or ``(None, 0)``."""
    names = tree.names()
    threads = old_ig = None
    ig = fb = False
    content = False  # a file this importer reads: a flavour's folders alone import nothing
    for n in names:
        if not content and (n.rsplit("/", 1)[-1] in _READ_FILES or _FOLLOWERS.fullmatch(n.rsplit("/", 1)[-1])):
            content = True
        if n.startswith("your_instagram_activity/") or "followers_and_following/" in n or n.endswith("close_friends.json"):
            ig = True
        elif (n.startswith("your_facebook_activity/") or "messages/stickers_used/" in n
              or n.endswith(("your_friends.json", "profile_information.json"))):
            fb = True
        if threads is None and _thread_member(n) is not None:
            threads = n
        elif old_ig is None and (n == "messages.json" or n.endswith("/messages.json")) and n.count("/") <= 1:
            old_ig = n
    if threads is None and old_ig is None and not content:
        return None, 0
    if ig and not fb:
        return "instagram", 9
    if fb and not ig:
        return "messenger", 9
    if threads is None and old_ig is not None:
        head = tree.head(old_ig, 8192).lstrip()
        if head.startswith(b"[") and b'"participants"' in head and b'"conversation"' in head:
            return "instagram", 9
    if threads is None:
        return None, 0
    head = tree.head(threads, 8192)
    if b'"participants"' not in head and b'"messages"' not in head:
        return None, 0
    if any(m in head for m in _IG_HEAD):
        return "instagram", 9
    return "messenger", 8


def _thread_member(name: str) -> int | None:
    """The file's number (``message_3.json`` -> 3, ``message.json`` -> 1) when ``name`` is one
    file of a thread in any of Meta's layouts (see ``_THREAD_FILE``), else None.

    >>> [_thread_member(n) for n in ("messages/inbox/a_1/message_2.json", "messages/a_1/message.json",
    ...     "x/messages/message_requests/b_2/message_1.json", "message_1.json", "messages/stickers_used/message.json")]
    [2, 1, 1, 1, None]
    """
    m = _THREAD_FILE.search(name) or _LONE_FILE.match(name)
    if m is None:
        return None
    return int(m.groups()[-1] or 1)


class _Thread:
    """What is carried from one message to the next within a thread."""

    __slots__ = ("tid", "vis", "recips", "last", "prev", "rkeys", "rdone", "seq")

    def __init__(self, tid: str) -> None:
        self.tid = tid
        self.vis = "private"
        self.recips: dict[Ident, tuple] = {}
        self.last: tuple[Ident, str] | None = None  # (sender, native id) of the latest message
        self.prev: tuple[Ident, str] | None = None  # latest message by someone other than last's sender
        self.rkeys: set[tuple[str, str, str]] = set()
        self.rdone: set[tuple[str, str]] = set()
        self.seq = Seq()


class _MetaImporter(Importer):
    flavor = ""

    def detect(self, tree: InputTree) -> int:
        fl, score = meta_flavor(tree)
        return score if fl == self.flavor else 0

    # -- identities
    def _name(self, name: str) -> Ident:
        ident = self._idents.get(name)
        if ident is None:
            ident = self._idents[name] = Ident(self.channel, "name", name, name)
        return ident

    def _handle(self, user: str) -> Ident:
        return Ident("instagram", "handle", normalize_handle(user), user)

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        self._idents: dict[str, Ident] = {}
        self._owner: Ident | None = None
        self._owner_handle: Ident | None = None
        names = tree.names()
        yield from self._profile(tree, names)

        # Threads: (category, folder) -> [(N, member)]
        threads: dict[str, list[tuple[int, str]]] = {}
        for n in names:
            number = _thread_member(n)
            if number is not None:
                threads.setdefault(n.rsplit("/", 1)[0] if "/" in n else "", []).append((number, n))
        votes: Counter[str] = Counter()
        you_sent: Counter[str] = Counter()
        every: set[str] | None = None
        n_threads = 0
        for folder in sorted(threads):
            files = sorted(threads[folder], reverse=True)  # oldest file first
            folder_name = folder.rsplit("/", 1)[-1]
            st = _Thread(folder_name.rsplit("_", 1)[-1] if "_" in folder_name else folder_name)
            members: set[str] | None = None
            for _, member in files:
                for rec in self._thread_file(tree, member, st, you_sent):
                    if isinstance(rec, tuple):  # header info: (participant names, title, still a participant)
                        parts, title, still = rec
                        if members is None and still:
                            members = set(parts)
                        if len(parts) == 2 and title in parts and st.vis == "private":
                            votes[parts[0] if parts[1] == title else parts[1]] += 1
                    else:
                        yield rec
            n_threads += 1
            if members is not None:
                every = members if every is None else every & members
        # The owner, when no profile file said so.
        if self._owner is None:
            owner, evidence = None, ""
            if you_sent:
                owner, evidence = you_sent.most_common(1)[0][0], "sender of messages shown as 'You sent ...'"
            elif votes and (len(votes) == 1 or votes.most_common(2)[1][1] < votes.most_common(1)[0][1]):
                owner, evidence = votes.most_common(1)[0][0], "the participant 1:1 threads are not titled after"
            elif every is not None and n_threads > 1 and len(every) == 1:
                owner, evidence = next(iter(every)), "the only participant of every thread"
            if owner is not None:
                self._owner = self._name(owner)
                yield SelfIdentity(self._owner, f"{self.flavor}: {evidence}")
                if self._owner_handle is not None:
                    yield IdentityLink(self._owner_handle, self._owner, "owner of the Instagram export", 1.0)
        if self.flavor == "instagram":
            yield from self._old_instagram(tree, names)
        yield from self._lists(tree, names, ctx)

    # -- profile
    def _profile(self, tree: InputTree, names: list[str]) -> Iterator[Record]:
        for n in names:
            base = n.rsplit("/", 1)[-1]
            if base not in _PROFILE_FILES:
                continue
            try:
                doc = read_document(tree, n)
            except (ValueError, OSError) as e:  # not JSON, bad UTF-8, too big, unreadable
                yield bad(n, f"unreadable profile file ({e})")
                continue
            evidence = f"{self.flavor}: {base}"
            selves: list[Ident] = []
            if isinstance(doc, dict) and ("profile_v2" in doc or "profile" in doc):
                prof = doc.get("profile_v2") or doc.get("profile") or {}
                full = fix_mojibake(((prof.get("name") or {}).get("full_name") or "").strip())
                if full:
                    self._owner = self._name(full)
                    selves.append(self._owner)
                emails = prof.get("emails") or {}
                for value in (emails.get("emails") or []) + (emails.get("previous_emails") or []):
                    if isinstance(value, str) and (addr := normalize_email(value)):
                        selves.append(Ident("email", "email", addr))
                for p in prof.get("phone_numbers") or []:
                    num = normalize_phone(str((p or {}).get("phone_number") or ""))
                    if num:
                        selves.append(Ident("phone", "phone", num))
            elif isinstance(doc, dict) and "profile_user" in doc:
                for u in doc.get("profile_user") or []:
                    smd = (u or {}).get("string_map_data") or {}
                    val = lambda *keys: next(  # noqa: E731
                        (fix_mojibake(str(smd[k].get("value") or "")).strip() for k in keys if isinstance(smd.get(k), dict)), ""
                    )
                    user, name = val("Username", "username"), val("Name", "name")
                    email, phone = val("Email", "Email address", "email"), val("Phone Number", "Phone number")
                    if user:
                        self._owner_handle = self._handle(user)
                        selves.append(self._owner_handle)
                    if name:
                        self._owner = self._name(name)
                        selves.append(self._owner)
                    if email and (addr := normalize_email(email)):
                        selves.append(Ident("email", "email", addr))
                    if phone and (num := normalize_phone(phone)):
                        selves.append(Ident("phone", "phone", num))
            for s in selves:
                yield SelfIdentity(s, evidence)
            for s in selves[1:]:
                yield IdentityLink(selves[0], s, f"listed together in the {self.flavor} profile", 1.0)

    # -- one message file
    def _thread_file(self, tree: InputTree, member: str, st: _Thread, you_sent: Counter) -> Iterator[Record | tuple]:
        try:
            doc = read_document(tree, member, ("messages",))
        except (ValueError, OSError) as e:  # not JSON, bad UTF-8, too big, unreadable
            yield bad(member, f"not a readable message file ({e})")
            return
        if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
            yield bad(member, "no messages list in this file")
            return
        if st.tid == "" and doc.get("thread_path"):
            st.tid = str(doc["thread_path"]).rsplit("/", 1)[-1].rsplit("_", 1)[-1]
        parts = []
        for p in doc.get("participants") or []:
            nm = p.get("name") if isinstance(p, dict) else p if isinstance(p, str) else None
            if nm:
                parts.append(fix_mojibake(nm))
        title = fix_mojibake(doc.get("title") or doc.get("threadName") or "")
        ttype = str(doc.get("thread_type") or "")
        if "Group" in ttype or len(parts) > 2:
            st.vis = "group"
        yield (parts, title, doc.get("is_still_participant", True) is not False)
        pidents = tuple(self._name(p) for p in parts)
        st.recips = {}
        channel, tid, vis, flavor = self.channel, st.tid, st.vis, self.flavor
        like_emoji = "❤️" if flavor == "instagram" else "👍"
        msgs = doc["messages"]
        seq = st.seq
        for i in range(len(msgs) - 1, -1, -1):  # oldest first
            m = msgs[i]
            loc = f"{member} message {i}"
            if not isinstance(m, dict):
                if isinstance(m, JsonItemTooBig):  # stepped over in a file over 64 MiB
                    yield bad(loc, too_big("the message", m.size, "characters"))
                else:
                    yield bad(loc, "message is not an object", m)
                continue
            sender_raw = m.get("sender_name") or m.get("senderName")
            ts_ms = m.get("timestamp_ms") if "timestamp_ms" in m else m.get("timestamp")
            if not isinstance(sender_raw, str) or not sender_raw:
                yield bad(loc, "message without a sender", m)
                continue
            if not isinstance(ts_ms, (int, float)) or isinstance(ts_ms, bool):
                yield bad(loc, "message without a timestamp_ms", m)
                continue
            try:
                ts = utc_ms(ts_ms)
            except (OverflowError, ValueError):
                yield bad(loc, f"timestamp out of range: {ts_ms!r}", m)
                continue
            sender_name = fix_mojibake(sender_raw)
            sender = self._name(sender_name)
            recips = st.recips.get(sender)
            if recips is None:
                recips = st.recips[sender] = tuple((p, "recipient") for p in pidents if p is not sender)
            raw = m.get("content")
            if raw is None:
                raw = m.get("text")
            content = fix_mojibake(raw) if isinstance(raw, str) and raw else None
            if content is not None and len(content) > MAX_RECORD_BYTES:  # in a file read whole (up to 64 MiB)
                yield bad(loc, too_big("the message's text", len(content), "characters"))
                continue
            mtype = m.get("type") or "Generic"
            text = content
            kind = "message"
            duration = None
            if content is not None and len(content) < 200:
                pm = (_LIKED.match(content) or _REACTED.match(content)) if content.endswith(("message", "message.")) else None
                if pm is not None:
                    # a notice of a reaction, not a message
                    who = pm.group(1)
                    if who == "You":
                        you_sent[sender_name] += 1
                    elif who and who != sender_name and flavor == "instagram" and _IG_HANDLE.match(who):
                        yield IdentityLink(self._handle(who), sender, "Instagram notice '<user> liked a message' sent by this participant", 0.9)
                    target = st.last if st.last is not None and st.last[0] is not sender else st.prev
                    if target is not None and (target[1], sender_name) not in st.rdone:
                        emoji = pm.group(2) if pm.re is _REACTED else like_emoji
                        st.rdone.add((target[1], sender_name))
                        st.rkeys.add((target[1], sender_name, emoji))
                        yield Interaction(
                            native_id=f"r:{target[1]}:{sender_name}:{emoji}",
                            kind="reaction",
                            channel=channel,
                            ts=ts,
                            actor=sender,
                            participants=((target[0], "recipient"),) if target[0] is not sender else (),
                            visibility=vis,
                            thread=tid,
                            reply_to=target[1],
                            text=emoji,
                        )
                    continue
                if " sent a" in content:
                    sm = _SENT_MEDIA.match(content)
                    if sm is not None:
                        text = None
                        if sm.group(1) == "You":
                            you_sent[sender_name] += 1
            # Exports since 2024 write no "type" (adurivault/FBMessage pull request #5, "Handle 2024 data";
            # the schema in bepaald/signalbackup-tools issue #331, 2025-08): a call is known by its
            # "call_duration" (2026-12-07; until then such calls were read as messages "… called you.")
            if mtype == "Call" or (mtype == "Generic" and "call_duration" in m):
                kind, text = "call", None
                cd = m.get("call_duration")
                duration = float(cd) if isinstance(cd, (int, float)) else None
            elif mtype in ("Subscribe", "Unsubscribe"):
                kind, text = "system", None
                users = [fix_mojibake(u["name"]) for u in (m.get("users") or []) if isinstance(u, dict) and u.get("name")]
                recips = tuple((self._name(u), "subject") for u in users)
            if m.get("is_unsent") or m.get("isUnsent") or m.get("is_taken_down"):
                text = None
            nid = seq(f"m:{tid}:{ts_ms}:{_hash(f'{sender_name}{_SEP}{content or _NONE}'.encode('utf-8', 'surrogatepass'), digest_size=8).hexdigest()}")
            yield Interaction(
                native_id=nid,
                kind=kind,
                channel=channel,
                ts=ts,
                actor=sender,
                participants=recips,
                visibility=vis,
                thread=tid,
                text=text,
                duration_s=duration,
            )
            if kind == "message":
                if st.last is None or st.last[0] is not sender:
                    st.prev = st.last
                st.last = (sender, nid)
            reactions = m.get("reactions")
            if reactions:
                for r in reactions:
                    if not isinstance(r, dict):
                        continue
                    actor_raw, emoji_raw = r.get("actor"), r.get("reaction")
                    if not isinstance(actor_raw, str) or not actor_raw:
                        continue
                    actor_name = fix_mojibake(actor_raw)
                    emoji = fix_mojibake(emoji_raw) if isinstance(emoji_raw, str) and emoji_raw else like_emoji
                    rk = (nid, actor_name, emoji)
                    if rk in st.rkeys:
                        continue
                    st.rkeys.add(rk)
                    st.rdone.add((nid, actor_name))
                    actor = self._name(actor_name)
                    rts = r.get("timestamp")
                    yield Interaction(
                        native_id=f"r:{nid}:{actor_name}:{emoji}",
                        kind="reaction",
                        channel=channel,
                        ts=utc_s(rts) if isinstance(rts, (int, float)) and rts > 0 else None,
                        actor=actor,
                        participants=((sender, "recipient"),) if actor is not sender else (),
                        visibility=vis,
                        thread=tid,
                        reply_to=nid,
                        text=emoji,
                    )

    # -- Instagram until December 2020: one messages.json, handles only
    def _old_instagram(self, tree: InputTree, names: list[str]) -> Iterator[Record]:
        """Instagram's data download until December 2020 (2026-12-07): ``messages.json``, a
        list of conversations ``{"participants": [usernames], "conversation": [{"sender",
        "created_at" (ISO 8601), "text" | "media" | "media_share_url" | "voice_media" |
        "story_share" | "link" ...}]}`` newest first, beside ``profile.json`` (``"username"``).
        Public example of the layout: michabirklbauer/instagram_json_viewer, ``message_stats.py``
        ("only old backups [pre. 23. Dec 2020]") and ``instaview.py`` (commit ef3703b89f60)."""
        for n in names:
            if n.rsplit("/", 1)[-1] != "messages.json" or n.count("/") > 1:
                continue
            root = n[: -len("messages.json")]
            owner = None
            if root + "profile.json" in names:
                try:
                    prof = read_document(tree, root + "profile.json")
                except (ValueError, OSError) as e:  # not JSON, bad UTF-8, too big, unreadable
                    yield bad(root + "profile.json", f"unreadable profile file ({e})")
                    prof = None
                user = prof.get("username") if isinstance(prof, dict) else None
                if isinstance(user, str) and user.strip():
                    owner = self._handle(user.strip())
                    yield SelfIdentity(owner, "instagram: profile.json")
                    email = prof.get("email")
                    if isinstance(email, str) and (addr := normalize_email(email)):
                        yield SelfIdentity(Ident("email", "email", addr), "instagram: profile.json")
                        yield IdentityLink(owner, Ident("email", "email", addr), "listed together in the instagram profile", 1.0)
            try:
                doc = read_document(tree, n)
            except (ValueError, OSError) as e:  # not JSON, bad UTF-8, too big, unreadable
                yield bad(n, f"not a readable messages file ({e})")
                continue
            if not isinstance(doc, list):
                yield bad(n, "messages.json is not a list of conversations")
                continue
            every: set[str] | None = None
            for ci, conv in enumerate(doc):
                loc = f"{n} conversation {ci}"
                users = conv.get("participants") if isinstance(conv, dict) else None
                msgs = conv.get("conversation") if isinstance(conv, dict) else None
                if not isinstance(users, list) or not isinstance(msgs, list):
                    yield bad(loc, "conversation without participants or messages", conv)
                    continue
                users = [u.strip() for u in users if isinstance(u, str) and u.strip()]
                every = set(users) if every is None else every & set(users)
                idents = {u: self._handle(u) for u in users}
                tid = "ig:" + _hash(_SEP.join(sorted(normalize_handle(u) for u in users)).encode(), digest_size=8).hexdigest()
                vis = "group" if len(users) > 2 else "private"
                seq = Seq()
                for i in range(len(msgs) - 1, -1, -1):  # oldest first
                    m = msgs[i]
                    mloc = f"{loc} message {i}"
                    sender = m.get("sender") if isinstance(m, dict) else None
                    if not isinstance(sender, str) or not sender.strip():
                        yield bad(mloc, "message without a sender", m)
                        continue
                    try:
                        ts = datetime.fromisoformat(str(m.get("created_at")))
                    except ValueError:
                        yield bad(mloc, "message without a readable created_at", m)
                        continue
                    ts = ts.replace(tzinfo=timezone.utc) if ts.tzinfo is None else ts.astimezone(timezone.utc)
                    actor = idents.get(sender.strip()) or self._handle(sender.strip())
                    text = m.get("text") if isinstance(m.get("text"), str) and m.get("text") else None
                    yield Interaction(
                        native_id=seq(f"m:{tid}:{m.get('created_at')}:{_hash(f'{sender}{_SEP}{text or _NONE}'.encode('utf-8', 'surrogatepass'), digest_size=8).hexdigest()}"),
                        kind="message",
                        channel=self.channel,
                        ts=ts,
                        actor=actor,
                        participants=tuple((idents[u], "recipient") for u in users if idents[u] != actor),
                        visibility=vis,
                        thread=tid,
                        text=text,
                    )
            if owner is None and every is not None and len(doc) > 1 and len(every) == 1:
                owner = self._handle(next(iter(every)))
                yield SelfIdentity(owner, "instagram: the only participant of every conversation")
            if owner is not None and self._owner_handle is None:
                self._owner_handle = owner

    # -- friend and follow lists
    def _lists(self, tree: InputTree, names: list[str], ctx: ImportContext) -> Iterator[Record]:
        owner = self._owner_handle if self.flavor == "instagram" else self._owner
        if owner is None:
            owner = next((i for i in ctx.self_idents if i.channel == self.channel), None)
        for n in sorted(names):
            spec = self._list_spec(n)
            if spec is None:
                continue
            kind, direction, thread = spec
            try:
                doc = read_document(tree, n)
            except (ValueError, OSError) as e:  # not JSON, bad UTF-8, too big, unreadable
                yield bad(n, f"unreadable list file ({e})")
                continue
            items = doc
            if isinstance(doc, dict):
                items = next((v for v in doc.values() if isinstance(v, list)), [])
            if not isinstance(items, list):
                yield bad(n, "no list in this file")
                continue
            base = PurePosixPath(n).stem.rstrip("_0123456789")
            for i, it in enumerate(items):
                if not isinstance(it, dict):
                    yield bad(f"{n} item {i}", "item is not an object", it)
                    continue
                if self.flavor == "instagram":
                    sld = (it.get("string_list_data") or [{}])[0] or {}
                    user = sld.get("value") or it.get("title") or ""
                    if not user and isinstance(sld.get("href"), str):
                        user = sld["href"].rstrip("/").rsplit("/", 1)[-1]
                    user = fix_mojibake(str(user)).strip()
                    t = sld.get("timestamp")
                    other = self._handle(user) if user else None
                else:
                    nm = fix_mojibake(str(it.get("name") or "")).strip()
                    t = it.get("timestamp")
                    other = self._name(nm) if nm else None
                if other is None:
                    yield bad(f"{n} item {i}", "item without a name", it)
                    continue
                ts = utc_s(t) if isinstance(t, (int, float)) and t > 0 else None
                actor, target = (owner, other) if direction == "out" else (other, owner)
                yield Interaction(
                    native_id=f"{base}:{other.value}:{t or ''}",
                    kind=kind,
                    channel=self.channel,
                    ts=ts,
                    actor=actor,
                    participants=((target, "recipient"),) if target is not None else (),
                    visibility="private",
                    thread=thread,
                )

    def _list_spec(self, name: str) -> tuple[str, str, str | None] | None:
        raise NotImplementedError


@register
class MessengerImporter(_MetaImporter):
    name = "messenger"
    channel = "messenger"
    flavor = "messenger"
    version = "3"  # 2 (2026-12): threads of the 2018 layouts (message.json) and of a thread's own folder; 3: calls without "type"
    description = "Facebook 'Download Your Information' JSON: Messenger threads, friends (zip or folder)"

    def _list_spec(self, name: str) -> tuple[str, str, str | None] | None:
        base = name.rsplit("/", 1)[-1]
        if "friend" in name and base in ("your_friends.json", "friends.json"):
            return "connect", "out", None
        if base == "sent_friend_requests.json":
            return "invite", "out", None
        if base == "received_friend_requests.json":
            return "invite", "in", None
        if base == "who_you_follow.json":
            return "follow", "out", None
        return None


@register
class InstagramImporter(_MetaImporter):
    name = "instagram"
    channel = "instagram"
    flavor = "instagram"
    version = "3"  # 2 (2026-12): messages.json of downloads until December 2020; 3: calls without "type"
    description = "Instagram 'Download Your Information' JSON: direct messages, followers, close friends (zip or folder)"

    def _list_spec(self, name: str) -> tuple[str, str, str | None] | None:
        if "followers_and_following/" not in name and not name.startswith(("connections/", "followers", "following", "close")):
            if "/" in name:
                return None
        base = name.rsplit("/", 1)[-1]
        if _FOLLOWERS.fullmatch(base):
            return "follow", "in", None
        if base == "following.json":
            return "follow", "out", None
        if base == "close_friends.json":
            return "connect", "out", "instagram:close_friends"
        if base == "blocked_accounts.json" or base == "blocked_profiles.json":
            return "block", "out", None
        return None
