"""Stable 63-bit ids for interactions, identities and people.

An id is the first 8 bytes (big-endian) of MD5 over a ``|``-joined key, masked to 63 bits so
it fits a signed BIGINT everywhere. MD5 is not used for security here: it is chosen because every
engine computes it identically - Python's hashlib, DuckDB's ``md5()`` (see :data:`SQL_STABLE_ID`)
and Spark's ``md5()`` - so ids can be computed set-wise inside the database. Importing the same
record twice yields the same id, which is how re-imports add nothing. With 10 million records the
chance of any collision is about 1e-5.
"""

from __future__ import annotations

from hashlib import blake2b, md5

__all__ = ["stable_id", "content_id", "sql_stable_id"]

_MASK = (1 << 63) - 1


def stable_id(*parts: object) -> int:
    """Hash ``parts`` (joined with ``|``) to a non-negative 63-bit int.

    >>> stable_id("twitter", "tweet", "123") == stable_id("twitter", "tweet", "123")
    True
    """
    key = "|".join("" if p is None else str(p) for p in parts)
    return int.from_bytes(md5(key.encode("utf-8", "surrogatepass")).digest()[:8], "big") & _MASK


def sql_stable_id(expr: str, dialect: str = "duckdb") -> str:
    """SQL computing :func:`stable_id` of the string expression ``expr`` (already joined), in
    DuckDB's dialect or Spark's (``conv`` to base -10 reads the 16 hex digits as a signed 64-bit
    number; masking the sign bit gives the same 63 bits as DuckDB's unsigned read).
    tests/relate/test_spark.py checks the Spark form against this function.

    >>> import duckdb
    >>> duckdb.sql("SELECT " + sql_stable_id("'twitter|tweet:1'")).fetchall()[0][0] == stable_id("twitter", "tweet:1")
    True
    """
    if dialect == "spark":
        return f"(CAST(conv(substr(md5({expr}), 1, 16), 16, -10) AS BIGINT) & {_MASK})"
    return f"(('0x' || left(md5({expr}), 16))::UBIGINT & {_MASK})::BIGINT"


def content_id(*parts: object) -> str:
    """A hex content hash, for records whose source has no id of its own."""
    key = "\x1f".join("" if p is None else str(p) for p in parts)
    return blake2b(key.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
