"""LinkedIn data export (CSV files in a zip): connections, messages, invitations.

LinkedIn is a *professional* channel (``channel="linkedin"``): the relationship model judges
intimacy against that channel's norms, so a romantic advance here weighs differently from the
same words on a chat app.

Files read (by name, anywhere in the zip or folder; ``guide_messages.csv`` and
``learning_role_play_messages.csv`` are AI-coach chats and are ignored):

* ``Connections.csv`` -> ``connect`` from the owner to each connection, dated "Connected On"
  (``22 Dec 2025``, midnight UTC). 2020+ files start with a ``Notes:`` preamble and have a
  ``URL`` column; older ones have neither. A connection's identity is its profile URL
  (``Ident("linkedin", "url", "https://www.linkedin.com/in/<slug>")``), with the email as a
  linked identity when LinkedIn gives one ("LinkedIn connection lists this email", 1.0).
* ``messages.csv`` -> ``message`` from ``FROM``/``SENDER PROFILE URL`` to each of ``TO`` /
  ``RECIPIENT PROFILE URLS`` (several -> ``group``), thread ``CONVERSATION ID``, text
  ``CONTENT`` (HTML turned to text). Every header variant since 2019 is read by column name;
  the layout until 2019 (``From,To,Date,Subject,Content,Direction,Folder``: names only, no
  conversation id) gets one thread per set of parties, and its ``Direction`` names the owner.
  Sponsored InMail (sender "LinkedIn Member" without a profile URL) and drafts are skipped:
  they are not from a person one could know.
* ``Invitations.csv`` -> ``invite`` from inviter to invitee, with the invitation's note as text.
* ``Profile.csv``, ``Email Addresses.csv``, ``PhoneNumbers.csv`` -> the owner's name,
  emails and numbers. The owner's profile URL is the sender of ``FOLDER=SENT`` messages, the
  inviter of outgoing invitations, or the one party present in every message.

Messages have no ids in the export: a message is ``msg:<conversation>:<date>:<hash of sender
and text>``; a connection is ``connect:<url or email or name>``.
"""

from __future__ import annotations

import csv
import re
from hashlib import blake2b as _hash
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone

from closeknit.core.normalize import normalize_email, normalize_phone
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.formats._dyi import Seq, bad
from closeknit.ingest.htmltext import html_to_text
from closeknit.ingest.inputs import InputTree, iter_lines
from closeknit.ingest.records import Ident, IdentityLink, Interaction, Record, SelfIdentity

__all__ = ["LinkedInImporter", "normalize_linkedin_url", "parse_linkedin_date"]

_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_IN_URL = re.compile(r"^(?:https?://)?(?:[a-z]{2,3}\.|www\.)?linkedin\.com/(in|pub)/([^/?#]+)", re.I)
_US_DT = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2,4}),?\s*(?:(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
_FILES = {
    "connections.csv": "connections",
    "messages.csv": "messages",
    "invitations.csv": "invitations",
    "profile.csv": "profile",
    "email addresses.csv": "emails",
    "phonenumbers.csv": "phones",
}
SPONSORED_SENDER = "LinkedIn Member"
# messages.csv until 2019 (2026-12-07): "From,To,Date,Subject,Content,Direction,Folder", names
# only, dates "MM/dd/YY, HH:mm a", no conversation id; documented by apache/streams,
# streams-contrib/streams-provider-linkedin/src/main/templates/linkedin.ttl.ftl (commit 439f66b708a5).
_HEADER_2018 = b"FROM,TO,DATE,SUBJECT,CONTENT"


def normalize_linkedin_url(url: str) -> str | None:
    """``https://www.linkedin.com/in/<slug>`` (slug lower-cased unless it is a member id).

    >>> normalize_linkedin_url("http://uk.linkedin.com/in/Ada-Lovelace/?trk=x")
    'https://www.linkedin.com/in/ada-lovelace'
    >>> normalize_linkedin_url("https://www.linkedin.com/in/ACoAABc1dEF")
    'https://www.linkedin.com/in/ACoAABc1dEF'
    """
    url = (url or "").strip()
    if not url:
        return None
    m = _IN_URL.match(url)
    if not m:
        return url.rstrip("/")
    slug = m.group(2)
    if not slug.startswith("ACo"):
        slug = slug.lower()
    return f"https://www.linkedin.com/{m.group(1).lower()}/{slug}"


def parse_linkedin_date(value: str) -> datetime | None:
    """The dates LinkedIn writes, as aware UTC datetimes (None if unreadable).

    >>> parse_linkedin_date("22 Dec 2025").isoformat()
    '2025-12-22T00:00:00+00:00'
    >>> parse_linkedin_date("2026-04-06 16:35:35 UTC").isoformat()
    '2026-04-06T16:35:35+00:00'
    >>> parse_linkedin_date("4/6/26, 4:35 PM").isoformat()
    '2026-04-06T16:35:00+00:00'
    """
    v = (value or "").strip()
    if not v:
        return None
    try:
        if len(v) == 23 and v.endswith(" UTC") and v[4] == "-":
            return datetime.fromisoformat(v[:19] + "+00:00")
        if v[:4].isdigit() and len(v) >= 10 and v[4] == "-":
            if v.endswith(" UTC"):
                v = v[:-4]
            elif v.endswith("Z"):
                v = v[:-1]
            dt = datetime.fromisoformat(v)
            return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)
        parts = v.replace(",", " ").split()
        if len(parts) == 3 and parts[1][:3].lower() in _MONTHS:
            return datetime(int(parts[2]), _MONTHS[parts[1][:3].lower()], int(parts[0]), tzinfo=timezone.utc)
        if len(parts) == 3 and parts[0][:3].lower() in _MONTHS:  # "Dec 22 2025"
            return datetime(int(parts[2]), _MONTHS[parts[0][:3].lower()], int(parts[1]), tzinfo=timezone.utc)
        m = _US_DT.match(v)
        if m:
            mo, d, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            y = y + 2000 if y < 100 else y
            hh, mm, ss = int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0)
            ap = (m.group(7) or "").lower()
            if ap == "pm" and hh < 12:
                hh += 12
            elif ap == "am" and hh == 12:
                hh = 0
            return datetime(y, mo, d, hh, mm, ss, tzinfo=timezone.utc)
    except ValueError:
        return None
    return None


def _rows(tree: InputTree, member: str, first_col: str | tuple[str, ...]) -> Iterator[tuple[int, dict[str, int] | None, list[str] | csv.Error]]:
    """``(line number, header index, row)`` after the header (found by its first column name,
    or any of several); in place of a row that is not CSV (a carriage return in an unquoted
    field: found by fuzzing), the :class:`csv.Error` (the caller reports it; the next row is read)."""
    firsts = (first_col,) if isinstance(first_col, str) else first_col
    with tree.open(member) as f:
        reader = csv.reader(iter_lines(f))
        header: dict[str, int] | None = None
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                if header is not None:
                    yield reader.line_num, header, e
                continue
            if header is None:
                if row and row[0].strip().lstrip("\ufeff").upper() in firsts:
                    header = {c.strip().upper(): i for i, c in enumerate(row)}
                continue
            if not row or (not row[0].strip() and not any(c.strip() for c in row)):
                continue
            yield reader.line_num, header, row
        if header is None:
            yield 0, None, []


@register
class LinkedInImporter(Importer):
    name = "linkedin"
    channel = "linkedin"
    version = "2"  # 2 (2026-12): messages.csv of the layout until 2019
    description = "LinkedIn data export: Connections.csv, messages.csv, Invitations.csv (zip or folder)"

    def _members(self, tree: InputTree) -> dict[str, str]:
        out: dict[str, str] = {}
        for n in sorted(tree.names(), key=len):
            kind = _FILES.get(n.rsplit("/", 1)[-1].lower())
            if kind and kind not in out:
                out[kind] = n
        return out

    def detect(self, tree: InputTree) -> int:
        mem = self._members(tree)
        for kind, first in (("connections", b"FIRST NAME,LAST NAME"), ("messages", b"CONVERSATION ID"),
                            ("messages", _HEADER_2018), ("invitations", b"FROM,TO,SENT AT")):
            if kind in mem:
                head = tree.head(mem[kind], 4096).upper().replace(b'"', b"")
                if first in head:
                    return 9
        return 0

    # -- identities
    def _person(self, url: str, name: str) -> Ident:
        key = (url, name)
        ident = self._cache.get(key)
        if ident is None:
            nu = normalize_linkedin_url(url) if url else None
            ident = Ident("linkedin", "url", nu, name or None) if nu else Ident("linkedin", "name", name, name)
            self._cache[key] = ident
        return ident

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        self._cache: dict[tuple[str, str], Ident] = {}
        self._recips: dict[tuple[str, str], list[Ident]] = {}
        mem = self._members(tree)
        owner_votes: Counter[Ident] = Counter()
        every: set[Ident] | None = None
        owner: Ident | None = next((i for i in ctx.self_idents if i.channel == "linkedin" and i.kind == "url"), None)
        if "messages" in mem:
            for rec in self._messages(tree, mem["messages"], owner_votes):
                if isinstance(rec, set):
                    every = rec if every is None else every & rec
                else:
                    yield rec
        if "invitations" in mem:
            yield from self._invitations(tree, mem["invitations"], owner_votes)
        evidence = ""
        if owner is None and owner_votes:
            owner, evidence = owner_votes.most_common(1)[0][0], "sender of SENT or OUTGOING messages / inviter of outgoing invitations"
        elif owner is None and every is not None and len(every) == 1:
            owner, evidence = next(iter(every)), "the one party of every message"
        # profile files
        name = None
        if "profile" in mem:
            for _, hdr, row in _rows(tree, mem["profile"], "FIRST NAME"):
                if hdr is None:
                    break
                if isinstance(row, csv.Error):
                    continue
                get = lambda k: row[hdr[k]].strip() if k in hdr and hdr[k] < len(row) else ""  # noqa: E731
                name = " ".join(x for x in (get("FIRST NAME"), get("LAST NAME")) if x) or None
                break
        if owner is None and name:
            owner, evidence = Ident("linkedin", "name", name, name), "Profile.csv"
        if owner is not None:
            if name and owner.name != name:
                owner = Ident(owner.channel, owner.kind, owner.value, name)
            yield SelfIdentity(owner, f"linkedin: {evidence or 'known owner'}")
        for kind, col, norm, what in (("emails", "EMAIL ADDRESS", normalize_email, "email"), ("phones", "NUMBER", lambda v: normalize_phone(v, ctx.region), "phone")):
            if kind not in mem:
                continue
            first = "EMAIL ADDRESS" if kind == "emails" else "EXTENSION"
            for _, hdr, row in _rows(tree, mem[kind], first):
                if hdr is None or isinstance(row, csv.Error) or col not in hdr or hdr[col] >= len(row):
                    continue
                val = norm(row[hdr[col]])
                if val:
                    ident = Ident(what, what, val, name)
                    yield SelfIdentity(ident, f"linkedin: {mem[kind]}")
                    if owner is not None:
                        yield IdentityLink(owner, ident, f"LinkedIn account {what}", 1.0)
        if "connections" in mem:
            yield from self._connections(tree, mem["connections"], owner)

    # -- Connections.csv
    def _connections(self, tree: InputTree, member: str, owner: Ident | None) -> Iterator[Record]:
        for lineno, hdr, row in _rows(tree, member, "FIRST NAME"):
            if hdr is None:
                yield bad(member, "no 'First Name,Last Name,...' header found")
                return
            if isinstance(row, csv.Error):
                yield bad(f"{member} line {lineno}", f"not a CSV line ({row})")
                continue
            get = lambda k: row[hdr[k]].strip() if k in hdr and hdr[k] < len(row) else ""  # noqa: E731
            name = " ".join(x for x in (get("FIRST NAME"), get("LAST NAME")) if x)
            url, email = get("URL"), normalize_email(get("EMAIL ADDRESS"))
            if not (name or url or email):
                yield bad(f"{member} line {lineno}", "connection without a name, URL or email", ",".join(row))
                continue
            if url:
                person = self._person(url, name)
            elif email:
                person = Ident("email", "email", email, name or None)
            else:
                person = self._person("", name)
            if email and person.kind != "email":
                yield IdentityLink(person, Ident("email", "email", email, name or None), "LinkedIn connection lists this email", 1.0)
            raw_date = get("CONNECTED ON")
            ts = parse_linkedin_date(raw_date)
            if raw_date and ts is None:
                yield bad(f"{member} line {lineno}", f"unreadable date {raw_date!r}", ",".join(row))
                continue
            yield Interaction(
                native_id=f"connect:{person.value}",
                kind="connect",
                channel="linkedin",
                ts=ts,
                actor=owner,
                participants=((person, "recipient"),),
                visibility="private",
            )

    # -- messages.csv
    def _messages(self, tree: InputTree, member: str, votes: Counter) -> Iterator[Record | set]:
        seen_ids = Seq().seen  # Seq inlined: the ordinal of identical ids
        every: set[Ident] | None = None
        cols: tuple[int, ...] | None = None
        cache, person = self._cache, self._person
        recips_cache = self._recips
        parts_cache: dict[tuple, tuple[list[Ident], tuple]] = {}
        for lineno, hdr, row in _rows(tree, member, ("CONVERSATION ID", "FROM")):
            if hdr is None:
                yield bad(member, "no 'CONVERSATION ID,...' or 'FROM,TO,DATE,...' header found")
                return
            if isinstance(row, csv.Error):
                yield bad(f"{member} line {lineno}", f"not a CSV line ({row})")
                continue
            if cols is None:
                cols = tuple(hdr.get(k, 10_000) for k in (
                    "CONVERSATION ID", "FROM", "SENDER PROFILE URL", "TO", "RECIPIENT PROFILE URLS",
                    "DATE", "CONTENT", "FOLDER", "IS MESSAGE DRAFT", "DIRECTION"))
                i_conv, i_sname, i_surl, i_to, i_rurls, i_date, i_content, i_folder, i_draft, i_dir = cols
            n = len(row)
            conv = row[i_conv] if i_conv < n else ""
            sender_name = (row[i_sname] if i_sname < n else "").strip()
            sender_url = (row[i_surl] if i_surl < n else "").strip()
            to = row[i_to] if i_to < n else ""
            rurls = row[i_rurls] if i_rurls < n else ""
            raw_date = row[i_date] if i_date < n else ""
            content = row[i_content] if i_content < n else ""
            folder = row[i_folder] if i_folder < n else ""
            draft = row[i_draft] if i_draft < n else ""
            if draft and draft.strip().lower() in ("yes", "true"):
                continue
            if sender_name == SPONSORED_SENDER and not sender_url:
                continue  # sponsored InMail / a hidden profile: nobody to relate to
            if not sender_name and not sender_url:
                yield bad(f"{member} line {lineno}", "message without a sender", ",".join(row)[:200])
                continue
            ts = parse_linkedin_date(raw_date)
            if ts is None:
                yield bad(f"{member} line {lineno}", f"unreadable date {raw_date!r}", ",".join(row)[:200])
                continue
            sender = cache.get((sender_url, sender_name))
            if sender is None:
                sender = person(sender_url, sender_name)
            pkey = (to, rurls, sender)
            got = parts_cache.get(pkey)
            if got is None:
                recips = recips_cache.get((to, rurls))
                if recips is None:
                    urls = [u.strip() for u in rurls.split(",") if u.strip()]
                    names = [t.strip() for t in to.split(",") if t.strip()]
                    if urls:
                        if len(names) != len(urls):
                            names = [""] * len(urls) if len(urls) > 1 else [to.strip()]
                        recips = [person(u, nm) for u, nm in zip(urls, names)]
                    else:
                        recips = [person("", nm) for nm in names]
                    if len(recips_cache) > 100_000:
                        recips_cache.clear()
                    recips_cache[(to, rurls)] = recips
                if sender in recips:
                    recips = [r for r in recips if r != sender]
                if len(parts_cache) > 100_000:
                    parts_cache.clear()
                got = parts_cache[pkey] = (recips, tuple((r, "recipient") for r in recips))
            recips, parts = got
            if folder and sender.kind == "url" and folder.strip().upper() == "SENT":
                votes[sender] += 1
            elif i_dir < n:  # the 2018 layout: names only, and a direction
                direction = row[i_dir].strip().upper()
                if direction == "OUTGOING":
                    votes[sender] += 1
                elif direction == "INCOMING" and len(recips) == 1:
                    votes[recips[0]] += 1
            if every is None:
                every = {sender, *recips}
            elif every:
                every = {x for x in every if x == sender or x in recips}
            text = content.strip()
            if "<" in text and ">" in text:
                text = html_to_text(text)
            conv = conv.strip()
            if i_conv == 10_000:  # the 2018 layout has no conversation id: the thread of these parties
                conv = "parties:" + _hash("\x1f".join(sorted({sender.value, *(r.value for r in recips)})).encode(
                    "utf-8", "surrogatepass"), digest_size=8).hexdigest()
            h = _hash(f"{sender.value}\x1f{content}".encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
            key = f"msg:{conv}:{raw_date.strip()}:{h}"
            k = seen_ids.get(key, 0)
            seen_ids[key] = k + 1
            yield Interaction(
                key if k == 0 else f"{key}#{k}",
                "message",
                "linkedin",
                ts,
                sender,
                parts,
                "group" if len(recips) > 1 else "private",
                conv or None,
                None,
                text or None,
            )
        if every is not None:
            yield every

    # -- Invitations.csv
    def _invitations(self, tree: InputTree, member: str, votes: Counter) -> Iterator[Record]:
        for lineno, hdr, row in _rows(tree, member, "FROM"):
            if hdr is None:
                yield bad(member, "no 'From,To,Sent At,...' header found")
                return
            if isinstance(row, csv.Error):
                yield bad(f"{member} line {lineno}", f"not a CSV line ({row})")
                continue
            get = lambda k: row[hdr[k]].strip() if k in hdr and hdr[k] < len(row) else ""  # noqa: E731
            inviter = self._person(get("INVITERPROFILEURL"), get("FROM"))
            invitee = self._person(get("INVITEEPROFILEURL"), get("TO"))
            if not inviter.value or not invitee.value:
                yield bad(f"{member} line {lineno}", "invitation without both parties", ",".join(row))
                continue
            raw = get("SENT AT")
            ts = parse_linkedin_date(raw)
            if raw and ts is None:
                yield bad(f"{member} line {lineno}", f"unreadable date {raw!r}", ",".join(row))
                continue
            direction = get("DIRECTION").upper()
            if direction == "OUTGOING" and inviter.kind == "url":
                votes[inviter] += 1
            elif direction == "INCOMING" and invitee.kind == "url":
                votes[invitee] += 1
            yield Interaction(
                native_id=f"invite:{inviter.value}:{invitee.value}:{raw}",
                kind="invite",
                channel="linkedin",
                ts=ts,
                actor=inviter,
                participants=((invitee, "recipient"),),
                visibility="private",
                text=get("MESSAGE") or None,
            )
