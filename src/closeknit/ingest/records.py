"""The canonical records every importer yields: the contract between ingest and store.

An importer yields, in any order:

* :class:`Interaction` - one event (message, reply, mention, like, repost, follow, call, ...).
* :class:`Ident` - an identity seen without an interaction (a contact card entry, say).
* :class:`IdentityLink` - evidence that two identities are the same person.
* :class:`SelfIdentity` - an identity that belongs to the archive's owner.
* :class:`ThreadMerge` - threads found late to be one (a reply read before the message that
  links it to its thread): the rows of this import in the old threads take the new ones.
* :class:`BadRecord` - a record it could not read (an ``Exception`` instance, *yielded* not
  raised, so the import goes on: HPI's ``Res[T] = T | Exception``).

Identity keys. An identity is ``(channel, kind, value)`` with ``value`` normalised. Email
addresses and phone numbers are their own address spaces - ``Ident("email", "email", addr)``
and ``Ident("phone", "phone", "+E164")`` - whichever service they were seen on, so the same
address or number found in two sources is one identity. Handles, account ids and display
names are kept with their channel (``Ident("twitter", "account_id", "12345")``), because
"@ada" on X and "@ada" on Mastodon are not known to be the same person.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import NamedTuple

from closeknit.core.ids import stable_id

__all__ = [
    "Ident",
    "Interaction",
    "IdentityLink",
    "SelfIdentity",
    "ThreadMerge",
    "BadRecord",
    "Record",
    "KINDS",
    "VISIBILITIES",
    "ROLES",
    "IDENT_KINDS",
]

#: Interaction kinds. ``block``/``mute`` are negative ties; ``system`` covers non-message
#: events of a conversation (group created, member added or left, security code changed).
KINDS = frozenset(
    {
        "message",
        "reply",
        "mention",
        "like",
        "reaction",
        "repost",
        "post",
        "follow",
        "connect",
        "invite",
        "block",
        "mute",
        "call",
        "meeting",
        "comment",
        "pingback",
        "trackback",
        "read",
        "system",
    }
)
VISIBILITIES = frozenset({"private", "group", "public"})
ROLES = frozenset({"sender", "recipient", "mentioned", "attendee", "cc", "bcc", "member", "subject"})
IDENT_KINDS = frozenset({"email", "phone", "account_id", "handle", "name", "url", "uid"})


class Ident(NamedTuple):
    """An identity: ``(channel, kind, value)`` plus the display name seen with it, if any."""

    channel: str
    kind: str
    value: str
    name: str | None = None

    @property
    def id(self) -> int:
        """Stable id of this identity (the display name does not take part)."""
        return stable_id("ident", self.channel, self.kind, self.value)


@dataclass(slots=True)
class Interaction:
    """One event. ``native_id`` must be unique within the importer's format.

    ``ts`` is a timezone-aware UTC datetime, or None when the source has no time (follow
    lists): times are never invented. ``reply_to`` is the *native* id of the parent in the
    same format; it may point at a record that is not in the store. ``participants`` lists
    everyone involved besides the actor with a role (recipient, cc, mentioned, attendee...).
    """

    native_id: str
    kind: str
    channel: str
    ts: datetime | None
    actor: Ident | None
    participants: tuple[tuple[Ident, str], ...] | list[tuple[Ident, str]] = ()
    visibility: str = "private"
    thread: str | None = None
    reply_to: str | None = None
    text: str | None = None
    duration_s: float | None = None

    def __reduce__(self) -> tuple:
        # pickled as its fields (worker processes send their records to the importing process):
        # a slots dataclass's own state pickling takes twice as long (12.8 against 6.3 us a mail
        # message, 2026-12), and that is a fifth of what a worker spends on one
        return (Interaction, _interaction_fields(self))


_interaction_fields = attrgetter(*(f.name for f in fields(Interaction)))


@dataclass(slots=True)
class IdentityLink:
    """Evidence that ``a`` and ``b`` are the same person (``confidence`` in 0..1)."""

    a: Ident
    b: Ident
    reason: str
    confidence: float = 1.0


@dataclass(slots=True)
class SelfIdentity:
    """``ident`` belongs to the owner of the archive; ``evidence`` says how we know."""

    ident: Ident
    evidence: str


@dataclass(slots=True)
class ThreadMerge:
    """Threads this import found to be one only after yielding rows in them.

    ``renames`` maps a thread id to the thread id that replaces it, for every row of the same
    import (yielded before or after this record). An importer that reads front to back (mbox:
    a grandchild, then the root, then the child that links them) names the merged threads
    once, at the end, instead of holding every row back.
    """

    renames: dict[str, str]


class BadRecord(Exception):
    """A record that could not be read. Yield it; the import goes on.

    ``location`` is where in the input it sits (``"data/tweets.js item 12"``, ``"line 88"``);
    ``excerpt`` is a short piece of the offending input (cut to 200 characters when stored).
    """

    def __init__(self, location: str, message: str, excerpt: str | None = None) -> None:
        super().__init__(f"{location}: {message}")
        self.location = location
        self.message = message
        self.excerpt = excerpt


Record = Interaction | Ident | IdentityLink | SelfIdentity | ThreadMerge | BadRecord
