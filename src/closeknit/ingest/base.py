"""The importer contract and the registry that picks an importer for an input.

An importer is a class with a ``name`` (the ``--format`` value), a ``channel``, a ``version``
(bumped whenever parsing changes what is produced), ``detect(tree) -> int`` (0 = not mine,
higher = more certain) and ``read(tree, ctx)`` yielding :mod:`closeknit.ingest.records`.
Importers never touch the store; :mod:`closeknit.store.load` writes what they yield.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from closeknit.core.errors import UnknownFormatError
from closeknit.core.normalize import DEFAULT_REGION
from closeknit.ingest.inputs import InputTree
from closeknit.ingest.records import Ident, Record

__all__ = ["Importer", "ImportContext", "register", "importers", "get_importer", "detect_format"]


@dataclass
class ImportContext:
    """What an importer may know about the store without reading it.

    ``self_idents`` are the user's own identities (``closeknit me``), ``region`` is the default
    phone region for numbers written without a country code, ``tz`` the IANA time zone
    (``closeknit me timezone``) of formats whose clock times carry no zone (WhatsApp, floating
    calendar times); ``None`` reads those times as UTC.
    """

    self_idents: frozenset[Ident] = field(default_factory=frozenset)
    region: str = DEFAULT_REGION
    tz: str | None = None

    def is_self(self, ident: Ident | None) -> bool:
        return ident is not None and (ident.channel, ident.kind, ident.value) in self._keys

    def __post_init__(self) -> None:
        self._keys = {(i.channel, i.kind, i.value) for i in self.self_idents}

    def self_values(self, kind: str) -> set[str]:
        return {i.value for i in self.self_idents if i.kind == kind}


class Importer:
    """Base class for importers; subclasses set the class attributes and both methods."""

    name: str = ""
    channel: str = ""
    version: str = "1"
    description: str = ""
    #: True when ``read`` also reads the zips found in a folder (a folder of WhatsApp chat zips):
    #: :func:`closeknit.ingest.discover.discover` may then hand it such a folder whole.
    reads_zips_in_folder: bool = False
    #: The settings that change what ``read`` makes of an export: "region" (phone numbers without
    #: a country code), "me" (who you are), "timezone" (clock times without a zone). When one
    #: changes, the sources read with the old value are read again (closeknit sources refresh).
    settings: tuple[str, ...] = ("region", "me")

    def detect(self, tree: InputTree) -> int:
        """0 if ``tree`` is not this format, else a confidence (10 = sure)."""
        raise NotImplementedError

    def read(self, tree: InputTree, ctx: ImportContext) -> Iterator[Record]:
        """Yield the canonical records of ``tree``."""
        raise NotImplementedError


_REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator adding an importer to the registry under ``cls.name``."""
    if not cls.name:
        raise ValueError(f"{cls.__name__} has no name")
    _REGISTRY[cls.name] = cls
    return cls


def _load_all() -> None:
    # Importing the package imports every importer module, which registers itself.
    import closeknit.ingest.formats  # noqa: F401


def importers() -> dict[str, type[Importer]]:
    """All registered importers by format name, sorted."""
    _load_all()
    return dict(sorted(_REGISTRY.items()))


def get_importer(name: str) -> Importer:
    regs = importers()
    if name not in regs:
        raise UnknownFormatError(f"unknown format {name!r}; supported formats: {', '.join(regs)}")
    return regs[name]()


def detect_format(tree: InputTree) -> Importer:
    """The importer most certain it can read ``tree``, or :class:`UnknownFormatError`."""
    best: tuple[int, str] | None = None
    for name, cls in importers().items():
        try:
            score = cls().detect(tree)
        except Exception:  # a detector must never break detection of the others
            score = 0
        if score > 0 and (best is None or score > best[0]):
            best = (score, name)
    if best is None:
        raise UnknownFormatError(
            f"{tree.path}: could not tell what export this is. Supported formats: {', '.join(importers())}. "
            "Name one with --format NAME."
        )
    return get_importer(best[1])
