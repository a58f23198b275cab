"""The Spark engine gives the DuckDB engine's answers on the hand-computed case (Spark local mode).

Needs Java 17 and pyspark; skipped, with the reason, when either is missing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fanzha.domain.statement_store import StatementStore
from fanzha.domain.trace import TraceResult, TraceSpec, trace_forward
from tests.domain.test_trace import ALIPAY, M1, M2, M3, M4, V, write_case

pytestmark = pytest.mark.slow

AFTER = datetime(2024, 3, 5, 0, 0)


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    # CI installs both (.ci/run, scripts/test.sh), so there a missing piece is a failure, not a skip.
    missing = pytest.fail if os.environ.get("CI") == "true" else pytest.skip
    if shutil.which("java") is None:
        missing("Java 17 is not installed (Debian: openjdk-17-jre-headless)")
    try:
        import pyspark.sql as pyspark_sql
    except ImportError:
        missing("pyspark is not installed (requirements-spark.lock)")
    session = (
        pyspark_sql.SparkSession.builder.master("local[1]")
        .appName("fanzha-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "512m")
        # Tiny data: compiling code and re-planning adaptively cost more than they save.
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.sql.codegen.wholeStage", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory, spark: Any) -> Iterator[tuple[StatementStore, Any]]:
    from fanzha.domain.trace_spark import SparkEngine

    folder: Path = tmp_path_factory.mktemp("case")
    store = StatementStore()
    report = store.import_files(write_case(folder).values())
    assert report.failed == [] and report.created == 13
    yield store, SparkEngine.from_store(spark, store, folder)
    store.close()


def summary(result: TraceResult) -> list[tuple[Any, ...]]:
    return [
        (a.account, a.depth, a.amount_fen, a.first_at, a.held_fen, a.balance_fen, a.is_sink, a.sink_kind)
        for a in result.accounts
    ]


# Each trace takes Spark local mode seconds, so the cases are few and each covers several paths.
SPECS = [
    TraceSpec(V, after=AFTER, rule="proportional"),
    TraceSpec(V, after=AFTER, amount_fen=600_000, rule="libr", max_depth=2),
    TraceSpec(V, rule="libr", window=timedelta(days=1, hours=10, minutes=45)),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.start[-4:]}-{s.rule}-{s.max_depth}")
def test_spark_engine_matches_duckdb(stores: tuple[StatementStore, Any], spec: TraceSpec) -> None:
    store, engine = stores
    expected = trace_forward(store, spec)
    got = trace_forward(engine, spec)
    assert summary(got) == summary(expected)
    assert got.start_fen == expected.start_fen
    assert [(e.src, e.dst, e.depth, e.amount_fen) for e in got.edges] == [
        (e.src, e.dst, e.depth, e.amount_fen) for e in expected.edges
    ]


def test_spark_engine_reproduces_the_hand_computed_libr_trail(stores: tuple[StatementStore, Any]) -> None:
    _, engine = stores
    result = trace_forward(engine, TraceSpec(V, after=AFTER, rule="libr"))
    assert [(a.account, a.depth, a.amount_fen) for a in result.accounts] == [
        (M1, 1, 500_000),
        (M2, 1, 300_000),
        (M3, 2, 600_000),
        (ALIPAY, 2, 150_000),
        (M4, 3, 100_000),
    ]
    held = {a.account: a.held_fen for a in result.accounts}
    assert held[M1] == 50_000 and held[M3] == 500_000


def test_spark_runs_many_traces_in_the_same_hop_statements(stores: tuple[StatementStore, Any]) -> None:
    from fanzha.domain.trace import trace_many

    store, engine = stores
    specs = [*SPECS, TraceSpec(V, after=AFTER, rule="libr"), TraceSpec(M2, after=AFTER, rule="libr")]
    got = trace_many(engine, specs)
    for spec, result in zip(specs, got, strict=True):
        expected = trace_forward(store, spec)
        assert summary(result) == summary(expected)
        assert [(e.src, e.dst, e.depth, e.amount_fen) for e in result.edges] == [
            (e.src, e.dst, e.depth, e.amount_fen) for e in expected.edges
        ]
    assert [(a.account, a.amount_fen) for a in got[3].accounts][:3] == [
        (M1, 500_000),
        (M2, 300_000),
        (M3, 600_000),
    ]
