"""closeknit export: every format read back with its tool's own reader."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3

import networkx as nx
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import closeknit
from closeknit.present.cli import cli
from closeknit.store import Store
from tests.relate.test_commands import LONELY, scored_life_store

CANONICAL = ["decisions", "identities", "identity_links", "import_errors", "identity_sources", "interaction_participants", "interaction_sources", "interactions",
             "me", "message_scores", "meta", "people", "person_aliases", "person_keys", "sources"]
MEASURES = ["channel_norms", "pairs", "relationship_months", "relationships"]


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "s.duckdb"
    scored_life_store(path)
    return path


@pytest.fixture(scope="module")
def rel(db):
    with closeknit.open(db) as ck:
        return ck.relationships().set_index("person")


def export(db, to, folder):
    r = CliRunner().invoke(cli, ["export", "--to", to, str(folder), "--db", str(db), "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout)


def test_parquet_every_table(db, rel, tmp_path):
    files = export(db, "parquet", tmp_path)
    assert sorted(f["path"].rsplit("/", 1)[1] for f in files) == sorted(f"{t}.parquet" for t in CANONICAL + MEASURES)
    assert all(f["bytes"] > 0 for f in files)
    assert pq.read_table(tmp_path / "interactions.parquet").num_rows == 142  # 141 with text and a follow
    people = pq.read_table(tmp_path / "relationships.parquet").to_pandas().set_index("person")
    assert list(people.index) == list(rel.index)
    assert people.loc["Ann Lee", "intimacy"] == rel.loc["Ann Lee", "intimacy"]
    assert people.loc["Ann Lee", "person_id"] == int(rel.loc["Ann Lee", "person_id"])  # integers in exports
    months = pq.read_table(tmp_path / "relationship_months.parquet").to_pandas()
    ann = months[months.person == "Ann Lee"]
    assert ann.month.iloc[0] == "2025-01" and ann.stage.iloc[-1] == rel.loc["Ann Lee", "stage"]


def test_csv_every_table(db, tmp_path):
    export(db, "csv", tmp_path)
    with open(tmp_path / "people.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert sorted(r["display_name"] for r in rows) == ["Ann Lee", "Bob Stone", "Carl Diaz", "Dee Park", "Me"]
    with open(tmp_path / "relationships.csv", newline="", encoding="utf-8") as f:
        rels = list(csv.DictReader(f))
    assert [r["person"] for r in rels] == ["Ann Lee", "Dee Park", "Bob Stone", "Carl Diaz"]


def test_sqlite_for_datasette(db, tmp_path):
    export(db, "sqlite", tmp_path)
    con = sqlite3.connect(tmp_path / "closeknit.db")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(CANONICAL + MEASURES + ["interactions_fts"]) <= tables
    # full-text search on message texts, joined back to who wrote them
    hits = con.execute("""SELECT p.display_name, i.channel, i.text FROM interactions_fts f
                          JOIN interactions i ON i.rowid = f.rowid JOIN identities d ON d.id = i.actor_id
                          JOIN people p ON p.id = d.person_id WHERE interactions_fts MATCH 'lonely'""").fetchall()
    assert hits == [("Bob Stone", "twitter", LONELY)]
    assert con.execute("SELECT count(*) FROM interactions_fts WHERE interactions_fts MATCH 'slides'").fetchone()[0] == 24
    fks = {(r[3], r[2], r[4]) for r in con.execute("PRAGMA foreign_key_list(interactions)")}
    assert fks == {("actor_id", "identities", "id"), ("source_id", "sources", "id")}
    assert con.execute("SELECT min(ts) FROM interactions").fetchone()[0] == "2025-01-06T09:00:00+00:00"
    # the FTS table in the form Datasette detects
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 'interactions_fts'").fetchone()[0]
    assert 'USING fts5(text, content="interactions")' in sql
    meta = json.loads((tmp_path / "metadata.json").read_text(encoding="utf-8"))
    t = meta["databases"]["closeknit"]["tables"]
    assert set(t) == set(CANONICAL + MEASURES)
    assert t["interactions"]["fts_table"] == "interactions_fts"
    assert t["interactions"]["columns"]["ts"] == "UTC; NULL when the source gives no time (follow lists)"
    assert t["people"]["description"] == "One row per real person; person 0 is the user."
    assert t["relationships"]["columns"]["stage"].startswith("relationship stage")


@pytest.mark.parametrize("to, read", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_graph_for_gephi(db, rel, tmp_path, to, read):
    export(db, to, tmp_path)
    g = read(tmp_path / f"relationships.{to}")
    labels = {d["label"] for _, d in g.nodes(data=True)}
    assert labels == {"Me", "Ann Lee", "Bob Stone", "Carl Diaz", "Dee Park"}
    assert g.number_of_edges() == 4
    me = [n for n, d in g.nodes(data=True) if d["label"] == "Me"][0]
    for other in g.neighbors(me):
        name = g.nodes[other]["label"]
        e = g.edges[me, other]
        assert e["intimacy"] == pytest.approx(rel.loc[name, "intimacy"])
        assert (e["stage"], e["contacts"]) == (rel.loc[name, "stage"], rel.loc[name, "contacts"])
        assert e["first_ts"] == rel.loc[name, "first_ts"].isoformat()


def test_convokit_corpus(db, tmp_path):
    """ConvoKit's documented format: utterances.jsonl with id, speaker, conversation_id, reply-to,
    timestamp, text, meta; speakers and conversations keyed by id; corpus.json; index.json."""
    export(db, "convokit", tmp_path)
    utts = [json.loads(line) for line in (tmp_path / "utterances.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(utts) == 141
    assert all({"id", "speaker", "conversation_id", "reply-to", "timestamp", "text", "meta"} <= set(u) for u in utts)
    by_id = {u["id"]: u for u in utts}
    assert len(by_id) == len(utts)
    speakers = json.loads((tmp_path / "speakers.json").read_text(encoding="utf-8"))
    convos = json.loads((tmp_path / "conversations.json").read_text(encoding="utf-8"))
    assert {u["speaker"] for u in utts} == set(speakers)
    assert {u["conversation_id"] for u in utts} == set(convos)
    for u in utts:  # a conversation is named by its first utterance, which is in it
        root = by_id[u["conversation_id"]]
        assert root["conversation_id"] == u["conversation_id"] and root["timestamp"] <= u["timestamp"]
        assert u["reply-to"] is None or u["reply-to"] in by_id
    lonely = [u for u in utts if u["text"] == LONELY][0]
    assert speakers[lonely["speaker"]]["meta"]["name"] == "Bob Stone"
    assert lonely["meta"]["personal_question"] is True and lonely["meta"]["channel"] == "twitter"
    index = json.loads((tmp_path / "index.json").read_text(encoding="utf-8"))
    assert set(index) == {"utterances-index", "speakers-index", "conversations-index", "overall-index", "version",
                          "vectors"}
    assert set(index["utterances-index"]) == set(lonely["meta"])
    assert json.loads((tmp_path / "corpus.json").read_text(encoding="utf-8"))["name"] == "closeknit"


def test_export_of_a_read_only_unscored_store_writes_nothing_to_it(db, tmp_path):
    bare = tmp_path / "bare.duckdb"
    shutil.copy(db, bare)
    with Store(bare) as st:
        st.con.execute("DELETE FROM message_scores")
    with closeknit.open(bare) as ck:
        files = ck.export("sqlite", tmp_path / "out")
    assert len(files) == 2
    con = sqlite3.connect(tmp_path / "out" / "closeknit.db")
    assert con.execute("SELECT count(*) FROM message_scores").fetchone()[0] == 141  # scored for the export
    assert con.execute("SELECT count(*) FROM interactions").fetchone()[0] == 142
    with Store(bare, read_only=True) as st:
        assert st.count("message_scores") == 0


def test_export_errors(db, tmp_path):
    (tmp_path / "f").write_text("x")
    r = CliRunner().invoke(cli, ["export", "--to", "gexf", str(tmp_path / "f"), "--db", str(db)])
    assert r.exit_code != 0
    with closeknit.open(db) as ck:
        with pytest.raises(closeknit.api.UsageError, match="unknown export format"):
            ck.export("xlsx", tmp_path / "o")


def test_events_for_a_community_run(db, tmp_path):
    """--to events writes the store's timed interactions in the schema `pairs --events` reads; the
    pairs measured from it have the store's contacts, first and last contacts."""
    from closeknit.relate.community import run_pairs
    from closeknit.relate.engines import DuckDBEngine

    files = export(db, "events", tmp_path)
    assert [f["path"].rsplit("/", 1)[1] for f in files] == ["events.parquet"]
    ev = pq.read_table(tmp_path / "events.parquet")
    assert ev.column_names == ["src", "dst", "ts", "text", "channel", "kind", "visibility", "thread", "duration"]
    ours = run_pairs(DuckDBEngine(), str(tmp_path / "events.parquet")).to_pandas()
    with closeknit.open(db) as ck:
        theirs = ck.pairs()
    key = lambda df: sorted(zip(df.contacts, df.first_contact.astype("int64"), df.last_contact.astype("int64")))  # noqa: E731
    assert len(ours) == len(theirs) > 0
    assert key(ours) == key(theirs)
