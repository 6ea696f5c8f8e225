"""Every pair in contact, for research and for communities: closeness and every measure.

* :func:`pairs_table` - pure: the rows of :meth:`Relationships.pairs` with each person named as the
  data names them (the handle, address, number or id of their first identity) and readable
  stages and times.
* :func:`pairs` - the edge: extract the all-pairs events of a store (``scope="all"``) as of a date,
  and return :func:`pairs_table`. Only events at or before ``as_of`` are read.

    >>> from closeknit.relate import pairs
    >>> t = pairs(store.con, as_of=None)     # doctest: +SKIP
    >>> t.column_names[:4]                   # doctest: +SKIP
    ['a_id', 'a', 'b_id', 'b']
"""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.compute as pc

from closeknit.relate.inputs import dyad_events, latest_time, post_counts, to_arrow, user_timezone
from closeknit.relate.measures import Params, Relationships

__all__ = ["pairs", "pairs_table", "person_handles", "PAIR_LEAD_COLUMNS"]

#: The first columns of the pairs table, in order; every other measure follows.
PAIR_LEAD_COLUMNS = ["a_id", "a", "b_id", "b", "a_name", "b_name", "closeness", "stage", "peak_stage", "trajectory",
                     "first_contact", "last_contact", "contacts", "contacts_ab", "contacts_ba"]


def person_handles(con) -> pa.Table:
    """``person_id, handle, name``: each person's first identity (the smallest identity id) as the
    source wrote it, and their display name."""
    return to_arrow(con, """SELECT pk.person_id, i.value AS handle, p.display_name AS name FROM person_keys pk
                            JOIN identities i ON i.id = pk.rep_identity JOIN people p ON p.id = pk.person_id
                            ORDER BY pk.person_id""")


def pairs_table(rel: Relationships, handles: pa.Table) -> pa.Table:
    """One row per pair in contact as of ``rel.as_of``: ``a_id < b_id``; ``a``, ``b`` as the data
    names them (handle, address, number or id: see :func:`person_handles`) and ``a_name``,
    ``b_name``; ``closeness``; stage and peak stage (names), trajectory, first and last contact
    (UTC times); then every measure of :meth:`Relationships.dyads` and the closeness features
    (``f_*``), parts (``part_*``) and evidence (``ev_*``). Times ending in ``_ts`` are UTC
    timestamps. Set-wise: a join on ids, no loop over pairs."""
    t = rel.pairs()
    ids = handles["person_id"]
    a_id, b_id = t["a"], t["b"]
    ia, ib = pc.index_in(a_id, value_set=ids), pc.index_in(b_id, value_set=ids)
    cols: dict[str, pa.Array] = {
        "a_id": a_id, "a": pc.take(handles["handle"], ia), "b_id": b_id, "b": pc.take(handles["handle"], ib),
        "a_name": pc.take(handles["name"], ia), "b_name": pc.take(handles["name"], ib),
        "closeness": t["closeness"], "stage": t["stage_name"], "peak_stage": t["peak_stage_name"],
        "trajectory": t["trajectory"], "first_contact": _ts(t["first_contact_ts"]),
        "last_contact": _ts(t["last_contact_ts"]), "contacts": t["contacts"], "contacts_ab": t["contacts_ab"],
        "contacts_ba": t["contacts_ba"],
    }
    skip = {"a", "b", "closeness", "stage_name", "peak_stage_name", "stage", "peak_stage", "trajectory",
            "first_contact_ts", "last_contact_ts", "contacts", "contacts_ab", "contacts_ba"}
    for name in t.column_names:
        if name not in skip:
            cols[name] = _ts(t[name]) if name.endswith("_ts") else t[name]
    return pa.table(cols)


def _ts(col) -> pa.ChunkedArray:
    us = pc.cast(pc.round(pc.multiply(col, 1e6)), pa.int64())  # microseconds, as stored
    return pc.cast(us, pa.timestamp("us", tz="UTC"))


def pairs(con, *, as_of: float | None = None, model_version: str | None = None, params: Params | None = None,
          memory_limit: str | None = None, threads: int | None = None) -> pa.Table:
    """Every pair of people in contact in the store behind ``con`` (not only the owner's), as of
    ``as_of`` (Unix seconds; default: the latest interaction): :func:`pairs_table`.

    Texts must already be scored by the current intimacy model for ``intimacy`` to count (the CLI
    scores them first); unscored texts count as text-less contacts. ``memory_limit`` (``"4GB"``)
    caps the engine's memory (default: DuckDB's, 80% of RAM); beyond it the engine spills to a
    temporary folder beside the store (its disk has room for the store), removed afterwards.
    ``threads`` caps the engine's threads (default: one per core).
    """
    now = latest_time(con) if as_of is None else float(as_of)
    ev = dyad_events(con, scope="all", model_version=model_version, as_of=now)
    posts = post_counts(con, as_of=now)
    spill = _spill_dir(con)
    rel = Relationships(ev, posts, as_of=now, params=params or Params(), scope="all", memory_limit=memory_limit,
                        threads=threads, temp_directory=spill, timezone=user_timezone(con))
    del ev
    try:
        # each table goes as soon as nothing more is built from it: the events (the engine has its
        # copy), the monthly panel (once the pairs' rows are made), the events again (once closeness is)
        rel.release_input()
        rel.build("dyads")
        rel.release("panel")
        rel.build("closeness")
        rel.release("e")
        return pairs_table(rel, person_handles(con))
    finally:
        rel.close()
        if spill:
            shutil.rmtree(spill, ignore_errors=True)


def _spill_dir(con) -> str | None:
    """A new folder beside the store behind ``con`` for the engine to spill to (None: an in-memory
    store or a folder we may not write in; the engine then uses its default)."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0]:
        return None
    from closeknit.relate.engines import spill_folder

    return spill_folder(row[0])
