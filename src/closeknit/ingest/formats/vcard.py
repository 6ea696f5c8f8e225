"""Address books: vCard files (format ``vcard``; 2.1, 3.0 and 4.0, many cards per ``.vcf``).

A contact card is the strongest evidence that several identities are one person. Each card
yields an :class:`Ident` for every identity on it and an :class:`IdentityLink` between the card's
first identity and each of the others (``reason="same contact card: <FN>"``, confidence 1.0).
No interactions are produced: an address book says who people are, not what happened.

What is read from a card (property names are case-insensitive; Apple/Google group prefixes
like ``item1.EMAIL`` are ignored):

* ``FN`` (else ``N`` as "Given Family", else ``ORG``): the display name of every identity.
* ``EMAIL`` -> ``Ident("email", "email", addr)``; ``CALADRURI:mailto:`` likewise.
* ``TEL`` (text or ``VALUE=uri`` ``tel:``) -> ``Ident("phone", "phone", "+E164")`` read in the
  store's phone region; numbers that cannot be normalised are skipped.
* ``IMPP`` (``xmpp:``, ``sip:``, ``skype:``, ``aim:``, ``ymsgr:``, ``msnim:``, ``icq:``, ...) and
  ``X-JABBER``, ``X-SKYPE``, ``X-AIM``, ``X-ICQ``, ``X-MSN``, ``X-YAHOO``, ``X-GOOGLE-TALK`` ->
  ``Ident(<service>, "handle", name)``; ``X-TWITTER`` -> ``Ident("twitter", "handle", ...)``.
* ``URL`` and ``X-SOCIALPROFILE``: profile URLs of known services become handles
  (``twitter.com/ada`` / ``x.com/ada`` -> ``Ident("twitter", "handle", "ada")``, ``instagram.com/ada``
  -> instagram, ``https://host/@ada`` -> ``Ident("mastodon", "handle", "ada@host")``,
  ``linkedin.com/in/ada`` -> ``Ident("linkedin", "url", "https://www.linkedin.com/in/ada")``,
  ``facebook.com/ada`` -> ``Ident("facebook", "handle", "ada")``); other URLs are
  ``Ident("web", "url", url)``.
* A card with none of these still names a person: ``Ident("contacts", "name", FN)``.

``KIND:group``, ``KIND:org``, ``KIND:location`` and Apple's ``X-ADDRESSBOOKSERVER-KIND:group``
cards are not people and are skipped. vCard 2.1 ``ENCODING=QUOTED-PRINTABLE`` values (with ``=``
soft line breaks and a ``CHARSET``) are decoded.

Format ``google-contacts`` (Google Contacts CSV export, both the older ``Name,Given Name,...,
E-mail 1 - Type,E-mail 1 - Value`` header and the 2024 ``First Name,Middle Name,Last Name,...,
E-mail 1 - Label,E-mail 1 - Value`` one) produces the same records; a cell holding several
values separates them with `` ::: ``.
"""

from __future__ import annotations

import csv
import quopri
import re
from collections.abc import Iterator
from urllib.parse import unquote

from closeknit.core.normalize import normalize_email, normalize_handle, normalize_phone, profile_key
from closeknit.ingest.base import ImportContext, Importer, register
from closeknit.ingest.formats.ical import parse_line, text_lines, unescape_text
from closeknit.ingest.records import BadRecord, Ident, IdentityLink, Record

__all__ = ["VcardImporter", "GoogleContactsImporter", "card_records", "profile_ident"]

_NOT_PEOPLE = frozenset({"group", "org", "organization", "location"})
_BINARY = frozenset({"PHOTO", "LOGO", "SOUND", "KEY"})
_IM_SCHEMES = {
    "xmpp": "xmpp", "jabber": "xmpp", "gtalk": "xmpp", "sip": "sip", "skype": "skype", "callto": "skype",
    "aim": "aim", "ymsgr": "yahoo", "msnim": "msn", "msn": "msn", "icq": "icq", "irc": "irc",
    "matrix": "matrix", "tg": "telegram", "telegram": "telegram", "facebook": "facebook", "qq": "qq",
}
_X_IM = {
    "X-JABBER": "xmpp", "X-GOOGLE-TALK": "xmpp", "X-GTALK": "xmpp", "X-SKYPE": "skype", "X-SKYPE-USERNAME": "skype",
    "X-AIM": "aim", "X-ICQ": "icq", "X-MSN": "msn", "X-YAHOO": "yahoo", "X-TWITTER": "twitter",
    "X-MASTODON": "mastodon", "X-TELEGRAM": "telegram",
}
_SERVICE_OF_TYPE = {"twitter": "twitter", "x": "twitter", "instagram": "instagram", "facebook": "facebook",
                    "linkedin": "linkedin", "mastodon": "mastodon", "github": "github"}


def profile_ident(url: str, service: str | None = None, user: str | None = None) -> Ident | None:
    """The identity a profile URL stands for (:func:`closeknit.core.normalize.profile_key`), or None.

    >>> profile_ident('https://twitter.com/AdaL')
    Ident(channel='twitter', kind='handle', value='adal', name=None)
    """
    key = profile_key(url, service, user)
    return Ident(*key) if key else None


def card_records(name: str | None, idents: list[Ident], where: str) -> Iterator[Record]:
    """The records of one contact: its identities (named ``name``) linked to the first one."""
    seen: dict[tuple[str, str, str], Ident] = {}
    for i in idents:
        key = (i.channel, i.kind, i.value)
        if key not in seen:
            seen[key] = Ident(i.channel, i.kind, i.value, name or i.name)
    if not seen and name:
        seen[("contacts", "name", name)] = Ident("contacts", "name", name, name)
    out = list(seen.values())
    yield from out
    reason = f"same contact card: {name or where}"
    for other in out[1:]:
        yield IdentityLink(out[0], other, reason, 1.0)


def _im(value: str, scheme_hint: str | None = None) -> Ident | None:
    v = value.strip()
    if not v:
        return None
    scheme, sep, rest = v.partition(":")
    if sep and scheme.lower() in _IM_SCHEMES and not rest.startswith("//"):
        channel = _IM_SCHEMES[scheme.lower()]
        rest = unquote(rest).split("?")[0]
    elif sep and scheme.lower() in ("tel", "sms"):
        return None  # handled as a phone by the caller
    elif scheme_hint:
        channel, rest = scheme_hint, v
    else:
        return None
    rest = rest.strip()
    if not rest:
        return None
    if channel == "twitter" or channel == "instagram":
        return Ident(channel, "handle", normalize_handle(rest))
    if channel == "matrix" and rest.startswith("u/"):  # matrix:u/alice:example.org (RFC-style URI)
        rest = "@" + rest[2:]
    return Ident(channel, "handle", rest.lower())


def _decode_qp(value: str, charset: str) -> str:
    try:
        return quopri.decodestring(value.encode("latin-1", "replace")).decode(charset or "utf-8", "replace")
    except LookupError:
        return quopri.decodestring(value.encode("latin-1", "replace")).decode("utf-8", "replace")


class _Card:
    __slots__ = ("fn", "n", "org", "kind", "idents", "line", "version")

    def __init__(self, line: int) -> None:
        self.fn: str | None = None
        self.n: str | None = None
        self.org: str | None = None
        self.kind = "individual"
        self.idents: list[Ident] = []
        self.line = line
        self.version = ""

    def name(self) -> str | None:
        if self.fn:
            return self.fn
        if self.n:
            parts = [unescape_text(p).strip() for p in re.split(r"(?<!\\);", self.n)]
            given, family = (parts[1] if len(parts) > 1 else ""), parts[0]
            full = " ".join(p for p in (given, family) if p)
            if full:
                return full
        return self.org


def _logical_lines(lines) -> Iterator[tuple[int, str]]:
    """Unfolded lines; also joins vCard 2.1 quoted-printable soft line breaks (a value ending in '=')."""
    buf: str | None = None
    start = 0
    qp = False
    binary = False  # PHOTO/LOGO/SOUND/KEY: continuation lines are dropped, not accumulated
    for n, line in enumerate(lines, start=1):
        if line[-1:] == "\r":
            line = line[:-1]
        if buf is not None and qp and buf.endswith("="):
            buf = buf[:-1] + line.lstrip(" \t")
            continue
        if line[:1] in (" ", "\t"):
            if buf is not None and not binary:
                buf += line[1:]
            continue
        if buf:
            yield start, buf
        buf, start = line, n
        head = line.split(":", 1)[0].upper()
        qp = "QUOTED-PRINTABLE" in head
        binary = head.split(";", 1)[0].rpartition(".")[2] in _BINARY
    if buf:
        yield start, buf


@register
class VcardImporter(Importer):
    name = "vcard"
    channel = "contacts"
    version = "1"
    description = "vCard address books (.vcf, versions 2.1, 3.0 and 4.0; Apple, Google, Android exports)"

    @staticmethod
    def _members(tree) -> list[str]:
        return [
            n for n in sorted(tree.names())
            if n.lower().endswith((".vcf", ".vcard")) and b"BEGIN:VCARD" in tree.head(n, 4096).upper()
        ]

    def detect(self, tree) -> int:
        return 9 if self._members(tree) else 0

    def read(self, tree, ctx: ImportContext) -> Iterator[Record]:
        for member in self._members(tree):
            with tree.open(member) as raw:
                yield from self._read_file(member, text_lines(raw), ctx)

    def _read_file(self, member: str, lines, ctx: ImportContext) -> Iterator[Record]:
        card: _Card | None = None
        region = ctx.region
        for lineno, line in _logical_lines(lines):
            if not line.strip():
                continue
            p = parse_line(line)
            if p is None:
                if card is not None:
                    yield BadRecord(f"{member} line {lineno}", "unreadable vCard line", line[:200])
                continue
            name, params, value = p
            name = name.rpartition(".")[2]  # item1.EMAIL -> EMAIL
            if name == "BEGIN" and value.strip().upper() == "VCARD":
                if card is not None:
                    yield BadRecord(f"{member} line {card.line}", "card not closed (END:VCARD missing)")
                card = _Card(lineno)
                continue
            if card is None:
                continue
            if name == "END" and value.strip().upper() == "VCARD":
                c, card = card, None
                if c.kind in _NOT_PEOPLE:
                    continue
                yield from card_records(c.name(), c.idents, f"{member} line {c.line}")
                continue
            enc = params.get("ENCODING", [""])[0].upper()
            if enc == "QUOTED-PRINTABLE" or "quoted-printable" in params.get("TYPE", ()):
                value = _decode_qp(value, params.get("CHARSET", ["utf-8"])[0])
            elif enc in ("B", "BASE64") or "base64" in params.get("TYPE", ()):
                continue  # photos, keys, sounds
            if name == "FN":
                if card.fn is None:
                    card.fn = " ".join(unescape_text(value).split()) or None
            elif name == "N":
                card.n = value
            elif name == "ORG":
                card.org = unescape_text(value.split(";")[0]).strip() or card.org
            elif name in ("KIND", "X-ADDRESSBOOKSERVER-KIND"):
                card.kind = value.strip().lower()
            elif name == "EMAIL" or name == "CALADRURI":
                addr = normalize_email(unescape_text(value))
                if addr:
                    card.idents.append(Ident("email", "email", addr))
            elif name == "TEL":
                num = normalize_phone(unescape_text(value).split(";ext=")[0], region)
                if num:
                    card.idents.append(Ident("phone", "phone", num))
            elif name == "IMPP":
                svc = params.get("X-SERVICE-TYPE", [""])[0].lower()
                v = unescape_text(value)
                if v.lower().startswith(("tel:", "sms:")):
                    num = normalize_phone(v[4:], region)
                    if num:
                        card.idents.append(Ident("phone", "phone", num))
                    continue
                ident = _im(v, _SERVICE_OF_TYPE.get(svc) or svc or None)
                if ident is not None:
                    card.idents.append(ident)
            elif name in _X_IM:
                ident = _im(unescape_text(value), _X_IM[name])
                if ident is not None:
                    if ident.channel == "mastodon" and "@" in ident.value.lstrip("@"):
                        ident = Ident("mastodon", "handle", ident.value.lstrip("@"))
                    card.idents.append(ident)
            elif name == "URL" or name == "X-SOCIALPROFILE":
                types = [t.lower() for t in params.get("TYPE", ())]
                service = next((_SERVICE_OF_TYPE[t] for t in types if t in _SERVICE_OF_TYPE), None)
                user = params.get("X-USER", [None])[0]
                ident = profile_ident(unescape_text(value), service, user)
                if ident is not None:
                    card.idents.append(ident)
        if card is not None:
            yield BadRecord(f"{member} line {card.line}", "card not closed (END:VCARD missing); file cut off?")


# --------------------------------------------------------------------------- Google Contacts CSV

_G_SPLIT = " ::: "


@register
class GoogleContactsImporter(Importer):
    name = "google-contacts"
    channel = "contacts"
    version = "1"
    description = "Google Contacts CSV export (contacts.csv, 'Google CSV' format, old and 2024 headers)"

    @staticmethod
    def _members(tree) -> list[str]:
        out = []
        for n in sorted(tree.names()):
            if not n.lower().endswith(".csv"):
                continue
            head = tree.head(n, 8192).decode("utf-8", "replace").lstrip("\ufeff").split("\n", 1)[0]
            if "E-mail 1 - Value" in head or ("Given Name" in head and "Group Membership" in head) or (
                "First Name" in head and "Labels" in head and "Phone 1 - Value" in head
            ):
                out.append(n)
        return out

    def detect(self, tree) -> int:
        return 9 if self._members(tree) else 0

    def read(self, tree, ctx: ImportContext) -> Iterator[Record]:
        for member in self._members(tree):
            with tree.open(member) as raw:
                reader = csv.reader(text_lines(raw))
                rows = _csv_rows(reader)
                header = next(rows, None)
                if isinstance(header, csv.Error):
                    yield BadRecord(f"{member} line 1", f"not readable as CSV: {header}")
                    continue
                if not header:
                    continue
                ix = {h.strip(): i for i, h in enumerate(header)}
                n_cols = len(header)
                emails = [i for h, i in ix.items() if re.fullmatch(r"E-mail \d+ - Value", h)]
                phones = [i for h, i in ix.items() if re.fullmatch(r"Phone \d+ - Value", h)]
                sites = [(i, ix.get(h.replace("Value", "Type"), ix.get(h.replace("Value", "Label"))))
                         for h, i in ix.items() if re.fullmatch(r"Website \d+ - Value", h)]
                ims = [(i, ix.get(h.replace("Value", "Service"), ix.get(h.replace("Value", "Label"))))
                       for h, i in ix.items() if re.fullmatch(r"IM \d+ - Value", h)]
                for rowno, row in enumerate(rows, start=2):
                    if isinstance(row, csv.Error):  # a broken line (found by fuzzing): reported, the rest read
                        yield BadRecord(f"{member} line {reader.line_num}", f"not readable as CSV: {row}")
                        continue
                    if not row or not any(c.strip() for c in row):
                        continue
                    if len(row) < n_cols:
                        row = row + [""] * (n_cols - len(row))
                    get = lambda h: row[ix[h]].strip() if h in ix else ""  # noqa: E731
                    name = get("Name") or " ".join(
                        p for p in (get("First Name") or get("Given Name"), get("Middle Name") or get("Additional Name"),
                                    get("Last Name") or get("Family Name")) if p
                    ) or get("File As") or get("Nickname") or get("Organization Name") or get("Organization 1 - Name") or None
                    idents: list[Ident] = []
                    for i in emails:
                        for v in row[i].split(_G_SPLIT):
                            addr = normalize_email(v)
                            if addr:
                                idents.append(Ident("email", "email", addr))
                    for i in phones:
                        for v in row[i].split(_G_SPLIT):
                            num = normalize_phone(v, ctx.region)
                            if num:
                                idents.append(Ident("phone", "phone", num))
                    for i, ti in ims:
                        svc = (row[ti].strip().lower().lstrip("* ") if ti is not None else "")
                        for v in row[i].split(_G_SPLIT):
                            ident = _im(v, _SERVICE_OF_TYPE.get(svc) or _IM_SCHEMES.get(svc) or svc or None)
                            if ident is not None:
                                idents.append(ident)
                    for i, ti in sites:
                        label = (row[ti].strip().lower().lstrip("* ") if ti is not None else "")
                        for v in row[i].split(_G_SPLIT):
                            ident = profile_ident(v, _SERVICE_OF_TYPE.get(label))
                            if ident is not None:
                                idents.append(ident)
                    if not idents and not name:
                        yield BadRecord(f"{member} row {rowno}", "contact without a name, address or number", ",".join(row)[:200])
                        continue
                    yield from card_records(name, idents, f"{member} row {rowno}")


def _csv_rows(reader) -> Iterator[list[str] | csv.Error]:
    """The rows of ``reader``, with the :class:`csv.Error` of a line that cannot be read in its place
    (the reader goes on with the next line)."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield e
