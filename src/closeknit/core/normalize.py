"""Normalising identity values so the same address or number always looks the same."""

from __future__ import annotations

import re
from email.utils import parseaddr
from functools import lru_cache

import phonenumbers

__all__ = ["normalize_email", "normalize_phone", "normalize_handle", "profile_key", "DEFAULT_REGION"]

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



_HANDLE_HOSTS = {
    "twitter.com": "twitter", "x.com": "twitter", "mobile.twitter.com": "twitter",
    "instagram.com": "instagram", "facebook.com": "facebook", "fb.com": "facebook", "github.com": "github",
}
_NOT_HANDLES = frozenset({"", "home", "share", "intent", "i", "profile.php", "people", "pages", "p", "explore"})
_HANDLE_SERVICES = ("twitter", "instagram", "facebook", "github")


def profile_key(url: str, service: str | None = None, user: str | None = None) -> tuple[str, str, str] | None:
    """The identity a profile URL stands for, as ``(channel, kind, value)``; None for an empty URL.

    X/Twitter, Instagram, Facebook and GitHub profiles become handles on their channel; LinkedIn
    profiles ``https://www.linkedin.com/in/<slug>`` on ``linkedin``; ``https://host/@user`` a
    Mastodon handle ``user@host``; anything else a ``web`` URL. ``service``/``user`` are hints some
    address books give (``X-SOCIALPROFILE;TYPE=twitter;X-USER=ada``).

    >>> profile_key('https://twitter.com/AdaL')
    ('twitter', 'handle', 'adal')
    >>> profile_key('https://uk.linkedin.com/in/Ada-Lovelace/')
    ('linkedin', 'url', 'https://www.linkedin.com/in/ada-lovelace')
    >>> profile_key('https://hachyderm.io/@ada')
    ('mastodon', 'handle', 'ada@hachyderm.io')
    >>> profile_key('example.org/blog/')
    ('web', 'url', 'https://example.org/blog')
    """
    from urllib.parse import unquote, urlsplit

    url = url.strip()
    if service in _HANDLE_SERVICES and user:
        return (service, "handle", normalize_handle(user))
    if not url:
        return None
    if "://" not in url:
        if service in _HANDLE_SERVICES and "/" not in url and "." not in url:
            return (service, "handle", normalize_handle(url))
        url = "https://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = parts.netloc.lower().split("@")[-1].split(":")[0]
    if host.startswith("www."):
        host = host[4:]
    segs = [unquote(s) for s in parts.path.split("/") if s]
    if host in _HANDLE_HOSTS and segs and segs[0].lower() not in _NOT_HANDLES:
        return (_HANDLE_HOSTS[host], "handle", normalize_handle(segs[0]))
    if host.endswith("linkedin.com") and len(segs) >= 2 and segs[0] in ("in", "pub"):
        slug = segs[1] if segs[1].startswith("ACo") else segs[1].lower()  # member ids are case-sensitive
        return ("linkedin", "url", f"https://www.linkedin.com/{segs[0]}/{slug}")
    if segs and segs[0].startswith("@") and len(segs[0]) > 1:
        return ("mastodon", "handle", f"{normalize_handle(segs[0])}@{host}")
    if not host:
        return None
    path = parts.path.rstrip("/")
    return ("web", "url", f"{parts.scheme.lower() or 'https'}://{host}{path}" + (f"?{parts.query}" if parts.query else ""))
