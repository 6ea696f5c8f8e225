"""The canonical tables. Plain relational types only, so the same schema maps onto Spark."""

from __future__ import annotations

__all__ = ["SCHEMA_VERSION", "DDL", "SELF_PERSON_ID", "MIGRATIONS", "MODEL_OF_VERSION", "MESSAGE_SCORES"]

#: 1: until 2026-12 (c7c6c5a). 2: which sources hold each interaction and identity, and the
#: settings each source was read with (so a source can be removed or read again). 3: which model
#: (fast, accurate) made each message score, and ``disclosure`` a probability (DOUBLE, was BOOLEAN).
SCHEMA_VERSION = 3
#: The user is always person 0.
SELF_PERSON_ID = 0

DDL = """
CREATE SEQUENCE IF NOT EXISTS source_seq START 1;

CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR
);

-- People forgotten on request (closeknit people forget): for each of their identities, a salted
-- SHA-256 of its id (salt: meta 'forget_salt'), never the identity itself. An import keeps
-- identities whose key is here out of the store, so a forgotten person stays forgotten.
CREATE TABLE IF NOT EXISTS forgotten (
    key VARCHAR PRIMARY KEY
);

-- One row per imported archive or file.
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    format VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    fingerprint VARCHAR NOT NULL,
    parser_version VARCHAR NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    n_records BIGINT NOT NULL,      -- interactions read (after de-duplication within the source)
    n_added BIGINT NOT NULL,        -- interactions new to the store
    n_present BIGINT NOT NULL,      -- interactions already in the store
    n_errors BIGINT NOT NULL,       -- unreadable records
    n_identities BIGINT NOT NULL,   -- identities seen
    settings VARCHAR                -- the settings it was read with (time zone, region, your identities); NULL before v2
);

-- Which sources hold each interaction and identity (an interaction in two archives is stored
-- once): removing or re-reading a source deletes only what no other source holds.
CREATE TABLE IF NOT EXISTS interaction_sources (
    interaction_id BIGINT NOT NULL,
    source_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS identity_sources (
    identity_id BIGINT NOT NULL,
    source_id INTEGER NOT NULL
);

-- One row per real person; person 0 is the user.
CREATE TABLE IF NOT EXISTS people (
    id BIGINT PRIMARY KEY,
    display_name VARCHAR,
    is_self BOOLEAN NOT NULL
);

-- Short, stable person ids: a person is keyed by its smallest identity id.
CREATE TABLE IF NOT EXISTS person_keys (
    rep_identity BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL
);

-- Person ids that a merge folded into another person: they keep naming the merged person.
CREATE TABLE IF NOT EXISTS person_aliases (
    alias BIGINT PRIMARY KEY,
    person_id BIGINT NOT NULL
);

-- A handle, address, phone number or account id on a channel, and the person it belongs to.
CREATE TABLE IF NOT EXISTS identities (
    id BIGINT PRIMARY KEY,
    channel VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    display_name VARCHAR,
    person_id BIGINT NOT NULL,
    first_source INTEGER
);

-- Evidence that two identities are one person (from imports: cards, profile links, owners).
CREATE TABLE IF NOT EXISTS identity_links (
    a BIGINT NOT NULL,
    b BIGINT NOT NULL,
    reason VARCHAR NOT NULL,
    confidence DOUBLE NOT NULL,
    source_id INTEGER
);

-- The user's own identities: from imports (origin 'import:<source>') and from `closeknit me`.
CREATE TABLE IF NOT EXISTS me (
    identity_id BIGINT NOT NULL,
    channel VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    origin VARCHAR NOT NULL,
    evidence VARCHAR
);

-- Decisions the user made by hand; kept apart from imported data so re-imports never undo them.
CREATE TABLE IF NOT EXISTS decisions (
    kind VARCHAR NOT NULL,          -- 'merge', 'split', 'reject', 'setting'
    a VARCHAR,
    b VARCHAR,
    made_at TIMESTAMPTZ NOT NULL
);

-- One row per event. `id` is stable: hash(format, the source's own id).
CREATE TABLE IF NOT EXISTS interactions (
    id BIGINT NOT NULL,
    source_id INTEGER NOT NULL,
    format VARCHAR NOT NULL,
    native_id VARCHAR NOT NULL,
    channel VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    ts TIMESTAMPTZ,                 -- UTC; NULL when the source gives no time (follow lists)
    actor_id BIGINT,                -- identities.id
    visibility VARCHAR NOT NULL,    -- private / group / public
    thread_id VARCHAR,
    reply_to BIGINT,                -- interactions.id of the parent (may be absent from the store)
    -- zstd rather than DuckDB's default string compression: writing 1M emails' texts cost 5.05 s
    -- of CPU against 4.14, and took 189 MB against 166 (a full scan of the texts: 0.09 s, 0.23)
    text VARCHAR USING COMPRESSION zstd,
    text_len INTEGER,
    duration_s DOUBLE
);

CREATE TABLE IF NOT EXISTS interaction_participants (
    interaction_id BIGINT NOT NULL,
    identity_id BIGINT NOT NULL,
    role VARCHAR NOT NULL
);

{MESSAGE_SCORES}
-- Views computed for one store revision (see closeknit.store.cache).
CREATE TABLE IF NOT EXISTS view_cache (
    revision BIGINT NOT NULL,       -- meta 'revision' the payload was computed for
    model VARCHAR NOT NULL,         -- intimacy model version the measures read + views version
    view VARCHAR NOT NULL,          -- API call, e.g. 'overview' or 'person'
    key VARCHAR NOT NULL,           -- its parameters, e.g. the person id ('' when none)
    payload VARCHAR NOT NULL        -- the call's result as JSON (closeknit.to_json)
);

CREATE TABLE IF NOT EXISTS import_errors (
    source_id INTEGER NOT NULL,
    location VARCHAR NOT NULL,
    error VARCHAR NOT NULL,
    excerpt VARCHAR
);
"""

#: The ``message_scores`` table (also made in memory for a read-only store, see
#: :meth:`closeknit.api.Closeknit.score_store`).
MESSAGE_SCORES = """-- Language scores of interaction texts, one row per (interaction, model version). The measures
-- read a message's score from the current accurate model where there is one, else the fast one.
CREATE TABLE IF NOT EXISTS message_scores (
    interaction_id BIGINT NOT NULL,
    model_version VARCHAR NOT NULL,
    model VARCHAR,                  -- the model that scored it, 'fast' or 'accurate' (NULL only before v3)
    intimacy DOUBLE NOT NULL,       -- 0 (impersonal) .. 1 (most intimate)
    confidence DOUBLE NOT NULL,     -- 0..1; low for languages the model has not learned
    lang VARCHAR,                   -- detected language (ISO 639-1) or NULL
    is_question BOOLEAN,
    personal_question BOOLEAN,      -- a question asking the recipient about themselves
    disclosure DOUBLE               -- 0..1: how much the sender discloses about themselves
);"""
DDL = DDL.replace("{MESSAGE_SCORES}", MESSAGE_SCORES)

#: The model of a score row written before v3 (no ``model`` column), from its version string
#: (``intimacy-accurate-1``); SQL over ``model_version``.
MODEL_OF_VERSION = "CASE WHEN model_version LIKE '%accurate%' THEN 'accurate' ELSE 'fast' END"

#: Statements that bring a store of version ``v`` to ``v + 1`` (run in one transaction, in order).
MIGRATIONS: dict[int, list[str]] = {
    1: [
        "ALTER TABLE sources ADD COLUMN settings VARCHAR",
        # a v1 store kept only the first source of each row: that is the best provenance there is
        "CREATE TABLE interaction_sources AS SELECT id AS interaction_id, source_id FROM interactions",
        "CREATE TABLE identity_sources AS SELECT id AS identity_id, first_source AS source_id FROM identities "
        "WHERE first_source IS NOT NULL",
    ],
    2: [
        "ALTER TABLE message_scores ADD COLUMN model VARCHAR",
        f"UPDATE message_scores SET model = {MODEL_OF_VERSION}",
        "ALTER TABLE message_scores ALTER disclosure TYPE DOUBLE USING CAST(disclosure AS DOUBLE)",
    ],
}
