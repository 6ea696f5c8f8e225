"""store: the canonical tables in an embedded DuckDB file, and the code that writes them."""

from closeknit.store.db import Store
from closeknit.store.schema import SELF_PERSON_ID

__all__ = ["Store", "SELF_PERSON_ID"]
