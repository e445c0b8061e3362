"""The one dbt project on both engines, on the ci preset: the marts a Spark build exports equal the
DuckDB build's (same files, columns and rows; money to the fen, other numbers within 1e-9), and a
nightly increment on Spark equals a full build.

Two Spark builds, one after the other in one state directory (the embedded Derby metastore admits one
Spark process at a time, and is set up once), over the landing of the ci state `wealthpulse run`
wrote (``ci_state``, shared with the end-to-end tests):

1. the landing without its newest day, built from scratch on Spark and on DuckDB: the two equal;
2. the newest day landed and built on Spark as the nightly run does (incrementally: the new day's
   partitions only), which equals the DuckDB full build of every day that ``wealthpulse run`` left.

So a full Spark build equals the DuckDB one, and so does the Spark increment on top of it: the
increment equals what a full build of every day gives, without paying for a third Spark build.
`dbt run`, not `build`: the data tests are the project's, run on DuckDB by the warehouse tests; here
the question is whether the rows agree.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from tests.warehouse.marts import (
    DAY_COLUMNS,
    MARTS,
    MONEY,
    assert_marts_equal,
    mart_files,
    newest_day_of,
    partition_day,
    read_mart,
)
from tests.warehouse.state import copy_landing, dbt, move_partition, newest_partition, run_contracts
from wealthpulse.settings import Settings

pytestmark = pytest.mark.spark

# Wall-clock seconds of each build, printed after the builds (`pytest -s`).
SECONDS: dict[str, float] = {}


def _timed(name: str, build) -> None:
    started = time.monotonic()
    build()
    SECONDS[name] = time.monotonic() - started


def _spark_dbt(home: Path, *args: str) -> None:
    from wealthpulse.spark import collect_exports

    settings = Settings(home=home, engine="spark", preset="ci")

    def build() -> None:
        dbt(home, *args, environ=settings.tool_environment())
        collect_exports(settings)

    _timed(f"{len(SECONDS) + 1}. spark {' '.join(args)}", build)


@pytest.fixture(scope="module")
def homes(ci_state: Path, tmp_path_factory, require_program) -> dict[str, Path]:
    require_program("java", "default-jre-headless")
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    spark = copy_landing(ci_state, tmp_path_factory.mktemp("spark"))
    newest = newest_partition(spark / "landing")
    held_back = tmp_path_factory.mktemp("newest-day")
    move_partition(newest, spark / "landing", held_back)
    run_contracts(spark)  # as they ran the night before the newest day landed
    duckdb = copy_landing(spark, tmp_path_factory.mktemp("duckdb"))

    _spark_dbt(spark, "run", "--full-refresh")
    yesterday = tmp_path_factory.mktemp("spark-yesterday")
    shutil.copytree(spark / "marts", yesterday / "marts")
    on_duckdb = {"WEALTHPULSE_ENGINE": "duckdb"}
    _timed("2. duckdb run --full-refresh", lambda: dbt(duckdb, "run", "--full-refresh", environ=on_duckdb))

    move_partition(newest, held_back, spark / "landing")
    # The ci state's quarantine: the one its marts were built on, over these same landing files.
    shutil.rmtree(spark / "quarantine")
    shutil.copytree(ci_state / "quarantine", spark / "quarantine")
    _spark_dbt(spark, "run")  # incremental: the new day's partitions only
    yield {"spark": yesterday, "duckdb": duckdb, "nightly": spark, "full": ci_state, "newest": newest}
    print("".join(f"\n{name}: {seconds:.0f} s" for name, seconds in SECONDS.items()))


def test_both_engines_write_the_same_mart_files(homes):
    assert mart_files(homes["duckdb"]) == sorted(f"{name}.parquet" for name in MARTS)
    assert mart_files(homes["spark"]) == mart_files(homes["duckdb"])
    assert mart_files(homes["nightly"]) == mart_files(homes["duckdb"])


def test_the_money_columns_are_known():
    # The fen comparison reads the contracts' descriptions: a renamed unit must not empty it.
    assert {"aum", "trade_amount_30d", "revenue_amount_90d"} <= MONEY


@pytest.mark.parametrize("name", MARTS)
def test_a_spark_build_equals_the_duckdb_build(homes, name):
    assert_marts_equal(read_mart(homes["spark"], name), read_mart(homes["duckdb"], name), name)


@pytest.mark.parametrize("name", MARTS)
def test_a_nightly_increment_on_spark_equals_a_full_build(homes, name):
    nightly = read_mart(homes["nightly"], name)
    assert_marts_equal(nightly, read_mart(homes["full"], name), name)
    if name in DAY_COLUMNS:
        # The increment added the newest day, which the build before it did not hold.
        newest = partition_day(homes["newest"])
        assert newest_day_of(nightly, name) == newest
        assert newest_day_of(read_mart(homes["spark"], name), name) < newest
