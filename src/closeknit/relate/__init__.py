"""Relationships: measures over the timeline of interactions (see the submodules).

* :mod:`closeknit.relate.inputs` - the edge: the dyad-event table extracted from the store once.
* :mod:`closeknit.relate.measures` - familiarity, intimacy, reciprocity, trust, stage, trajectory,
  familiarity gap, channel norms and the boundary verdicts, set-wise in SQL over Arrow tables.
* :mod:`closeknit.relate.closeness` - closeness: one tie-strength number with its parts (a readable model).
* :mod:`closeknit.relate.pairs` - every pair in contact with closeness and every measure (``closeknit pairs``).
* :mod:`closeknit.relate.personal` - the personal view: attention, circles, one relationship.
* :mod:`closeknit.relate.predict` - who will you talk to next (``predict-contacts``).
* :mod:`closeknit.relate.contacts` - the same model as of one moment for every pair in contact, as SQL.
* :mod:`closeknit.relate.community` and :mod:`closeknit.relate.engines` - a community's log on DuckDB or Spark.

    >>> from closeknit.relate import load            # doctest: +SKIP
    >>> rel = load(store.con)                        # doctest: +SKIP
    >>> rel.dyads().to_pandas()                      # doctest: +SKIP
"""

from closeknit.relate.closeness import ClosenessModel, load_closeness_model
from closeknit.relate.inputs import EVENT_COLUMNS, dyad_events, post_counts
from closeknit.relate.measures import STAGE_RULES, STAGES, TRAJECTORIES, VERDICTS, Params, Relationships, jenks_breaks
from closeknit.relate.pairs import pairs, pairs_table
from closeknit.relate.personal import attention, circles, load, people_measures, relationship

__all__ = [
    "EVENT_COLUMNS",
    "dyad_events",
    "post_counts",
    "Params",
    "Relationships",
    "STAGES",
    "STAGE_RULES",
    "TRAJECTORIES",
    "VERDICTS",
    "jenks_breaks",
    "load",
    "attention",
    "circles",
    "relationship",
    "people_measures",
    "ClosenessModel",
    "load_closeness_model",
    "pairs",
    "pairs_table",
]
