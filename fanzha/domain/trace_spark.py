"""Forward tracing on Spark SQL: the same hop statements as DuckDB, for statement sets that outgrow
one machine (a province's worth of 流水).

:class:`SparkEngine` implements :class:`fanzha.domain.sql_engine.SqlEngine` over a ``SparkSession``;
:func:`fanzha.domain.trace.trace_forward` runs unchanged on it and sends Spark the very SQL text it
sends DuckDB (window functions, ``LN``/``EXP``, ``LEAST``/``GREATEST``, inline ``VALUES``). The
statements live in a Spark view named ``txn`` with the columns of the DuckDB ``txn`` table; times are integer seconds of the bank's wall-clock time, money integer fen.

Running on a cluster
--------------------
1. Export what the stations imported to Parquet, once per batch, from each DuckDB store::

       store.export_parquet("txn-2024-03.parquet")

   and put the files on shared storage (``hdfs:///fanzha/txn/``, ``s3a://bucket/fanzha/txn/``).
   Partitioning the files by account hash (``PARTITION_BY``) lets Spark skip files per hop.
2. Build the session against the cluster instead of ``local[*]``::

       spark = (SparkSession.builder.appName("fanzha-trace")
                .master("yarn")                      # or "spark://host:7077", "k8s://…"
                .config("spark.executor.memory", "8g")
                .config("spark.sql.shuffle.partitions", "400")
                .getOrCreate())
       engine = SparkEngine.from_parquet(spark, "hdfs:///fanzha/txn/")
       result = trace_forward(engine, TraceSpec("6222…", after=datetime(2024, 3, 5)))

   S3 needs the ``hadoop-aws`` package on the cluster and ``spark.hadoop.fs.s3a.*`` credentials
   from the cluster's own configuration; nothing here downloads anything.
3. ``engine.cache()`` keeps ``txn`` in executor memory between the hops of many traces.

The hop SQL is the same; only the inputs differ in size. A hop carries its frontier and the money
injected so far inline in the statement, which stays small (accounts reached, not rows read), so the
driver never collects transactions, only the per-hop results.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fanzha.domain.sql_engine import SqlInput, Template, inline_input
from fanzha.domain.statement_store import StatementStore

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class SparkEngine:
    """:class:`fanzha.domain.sql_engine.SqlEngine` over a ``SparkSession`` whose view ``txn`` holds
    the statements."""

    def __init__(self, spark: SparkSession, txn: DataFrame | None = None) -> None:
        self.spark = spark
        if txn is not None:
            txn.createOrReplaceTempView("txn")

    @classmethod
    def from_parquet(cls, spark: SparkSession, path: str) -> SparkEngine:
        """Statements from Parquet files (a local folder, ``hdfs://…`` or ``s3a://…``)."""
        return cls(spark, spark.read.parquet(path))

    @classmethod
    def from_store(
        cls, spark: SparkSession, store: StatementStore, folder: str | Path | None = None
    ) -> SparkEngine:
        """Statements of a DuckDB store, handed over as a Parquet file in ``folder``.

        For local mode and tests; on a cluster write the Parquet to shared storage instead.
        """
        target = Path(folder or tempfile.mkdtemp(prefix="fanzha-spark-")) / "txn.parquet"
        store.export_parquet(target)
        return cls.from_parquet(spark, str(target))

    def cache(self) -> None:
        """Keep ``txn`` in executor memory (worth it when tracing many transfers in one session)."""
        self.spark.table("txn").cache()

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return [tuple(row) for row in self.spark.sql(sql).collect()]

    def fetch_bound(
        self, template: Template, inputs: Sequence[SqlInput], values: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        by_name = {i.name: v for i, v in zip(inputs, values, strict=True)}
        return self.fetch(template(lambda spec: inline_input(spec, by_name[spec.name])))
