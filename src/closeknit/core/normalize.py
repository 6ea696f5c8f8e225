"""Normalising identity values so the same address or number always looks the same."""

from __future__ import annotations

import re
from email.utils import parseaddr
from functools import lru_cache

import phonenumbers

__all__ = ["normalize_email", "normalize_phone", "normalize_handle", "DEFAULT_REGION"]

DEFAULT_REGION = "US"
_EMAIL_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+$")


def normalize_email(value: str) -> str | None:
    """Lower-cased bare address, or None if ``value`` holds no address.

    >>> normalize_email('Ada Lovelace <Ada@Example.ORG>')
    'ada@example.org'
    """
    if not value:
        return None
    value = value.strip()
    if value.lower().startswith("mailto:"):
        value = value[7:]
    _, addr = parseaddr(value)
    addr = (addr or value).strip().strip("<>").lower()
    return addr if _EMAIL_RE.match(addr) else None


@lru_cache(maxsize=65536)
def normalize_phone(value: str, region: str | None = None) -> str | None:
    """E.164 form (``+14155550123``) or None if ``value`` is not a possible number.

    Numbers without a country code are read in ``region`` (default ``US``; configurable with
    ``closeknit me region``).

    >>> normalize_phone('(415) 555-0123')
    '+14155550123'
    """
    if not value:
        return None
    value = value.strip()
    if value.lower().startswith("tel:"):
        value = value[4:]
    value = value.replace("\u200e", "").replace("\u202a", "").replace("\u202c", "").replace("\xa0", " ")
    if value.startswith("00"):
        value = "+" + value[2:]
    try:
        num = phonenumbers.parse(value, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def normalize_handle(value: str) -> str:
    """Lower-cased handle without a leading ``@``.

    >>> normalize_handle('@AdaL')
    'adal'
    """
    return value.strip().lstrip("@").lower()


_SOCIAL = [
    # (host suffixes, channel, path pattern giving the handle)
    (("twitter.com", "x.com"), "twitter", re.compile(r"^/@?([A-Za-z0-9_]{1,15})/?$")),
    (("instagram.com",), "instagram", re.compile(r"^/([A-Za-z0-9_.]{1,30})/?$")),
    (("facebook.com",), "messenger", re.compile(r"^/([A-Za-z0-9.]{5,})/?$")),
    (("github.com",), "github", re.compile(r"^/([A-Za-z0-9-]{1,39})/?$")),
]
_RESERVED = {"home", "share", "intent", "i", "search", "explore", "hashtag", "settings", "login", "profile.php", "p", "status"}


def normalize_url(url: str) -> str | None:
    """Canonical form of a profile URL: https, no ``www.``, no query, no trailing slash, lower-case host.

    >>> normalize_url('HTTP://www.LinkedIn.com/in/ada-lovelace/?trk=x')
    'https://linkedin.com/in/ada-lovelace'
    """
    from urllib.parse import urlsplit

    if not url:
        return None
    u = url.strip()
    if "://" not in u:
        u = "https://" + u
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    if not host or "." not in host:
        return None
    if host.startswith("www."):
        host = host[4:]
    if host.endswith("linkedin.com"):
        host = "linkedin.com"
    path = parts.path.rstrip("/")
    return f"https://{host}{path}"


def social_ident(url: str) -> tuple[str, str, str] | None:
    """The channel identity a profile URL stands for, as ``(channel, kind, value)``, if known.

    X/Twitter, Instagram, Facebook and GitHub URLs become handles on their channel; LinkedIn
    profiles stay URLs on ``linkedin``; Mastodon-style ``https://host/@user`` and
    ``https://host/users/user`` become ``user@host`` handles on ``mastodon``.

    >>> social_ident('https://x.com/AdaL')
    ('twitter', 'handle', 'adal')
    >>> social_ident('https://uk.linkedin.com/in/Ada-Lovelace/')
    ('linkedin', 'url', 'https://www.linkedin.com/in/ada-lovelace')
    >>> social_ident('https://mastodon.social/@ada')
    ('mastodon', 'handle', 'ada@mastodon.social')
    """
    canon = normalize_url(url)
    if not canon:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(canon)
    host, path = parts.hostname or "", parts.path
    if host == "linkedin.com":
        segs = [x for x in path.split("/") if x]
        if len(segs) >= 2 and segs[0] in ("in", "pub"):
            slug = segs[1] if segs[1].startswith("ACo") else segs[1].lower()  # member ids are case-sensitive
            return ("linkedin", "url", f"https://www.linkedin.com/{segs[0]}/{slug}")
        return None
    for hosts, channel, pat in _SOCIAL:
        if any(host == h or host.endswith("." + h) for h in hosts):
            m = pat.match(path)
            if m and m.group(1).lower() not in _RESERVED:
                return (channel, "handle", m.group(1).lower())
            return None
    m = re.match(r"^/(?:@|users/)([A-Za-z0-9_]{1,30})/?$", path)
    if m:
        return ("mastodon", "handle", f"{m.group(1).lower()}@{host}")
    return None
