"""ingest: one importer per source format, all yielding canonical records."""

from closeknit.ingest.base import ImportContext, Importer, detect_format, get_importer, importers, register
from closeknit.ingest.inputs import InputTree, open_tree
from closeknit.ingest.records import BadRecord, Ident, IdentityLink, Interaction, SelfIdentity, ThreadMerge

__all__ = [
    "BadRecord",
    "Ident",
    "IdentityLink",
    "ImportContext",
    "Importer",
    "InputTree",
    "Interaction",
    "SelfIdentity",
    "ThreadMerge",
    "detect_format",
    "get_importer",
    "importers",
    "open_tree",
    "register",
]
