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
