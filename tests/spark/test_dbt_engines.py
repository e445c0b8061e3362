"""The one dbt project on both engines, on the ci preset: the marts a Spark build exports equal the
DuckDB build's (same files, columns and rows; money to the fen, other numbers within 1e-9), and a
nightly increment and a backfill's rebuild on Spark equal a full build.

Three Spark builds, one after the other in one state directory (the embedded Derby metastore admits one
Spark process at a time, and is set up once), over the landing of the ci state `wealthpulse run`
wrote (``ci_state``, shared with the end-to-end tests):

1. the landing without its newest day, built from scratch on Spark and on DuckDB: the two equal;
2. the newest day landed and built on Spark as the nightly run does (incrementally: the new day's
   partitions only), which equals the DuckDB full build of every day that ``wealthpulse run`` left;
3. a backfill of the last days (``rebuild_from``, as the warehouse asset runs one): their partitions
   are dropped and built again, the days before them kept, and the marts still equal the full build.

So a full Spark build equals the DuckDB one, and so does the Spark increment on top of it: the
increment equals what a full build of every day gives, without paying for a third Spark build.
`dbt run`, not `build`: the data tests are the project's, run on DuckDB by the warehouse tests; here
the question is whether the rows agree.
"""

from __future__ import annotations

import datetime
import json
import shutil
import time
from pathlib import Path

import pytest

from landing.partitions import landed_days, newest_partition
from tests.warehouse.marts import (
    DAY_COLUMNS,
    MARTS,
    MONEY,
    assert_marts_equal,
    mart_files,
    newest_day_of,
    read_mart,
)
from tests.warehouse.state import copy_landing, dbt, move_day, run_contracts
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


# A backfill of the last days: their partitions are dropped and built again, the day before them kept.
REBUILT_DAYS = 3


@pytest.fixture(scope="module")
def homes(ci_state: Path, tmp_path_factory, require_program) -> dict[str, Path]:
    require_program("java", "default-jre-headless")
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    spark = copy_landing(ci_state, tmp_path_factory.mktemp("spark"))
    newest = newest_partition(spark / "landing")
    held_back = tmp_path_factory.mktemp("newest-day")
    move_day(newest, spark / "landing", held_back)
    run_contracts(spark)  # as they ran the night before the newest day landed
    duckdb = copy_landing(spark, tmp_path_factory.mktemp("duckdb"))

    _spark_dbt(spark, "run", "--full-refresh")
    yesterday = tmp_path_factory.mktemp("spark-yesterday")
    shutil.copytree(spark / "marts", yesterday / "marts")
    on_duckdb = {"WEALTHPULSE_ENGINE": "duckdb"}
    _timed("2. duckdb run --full-refresh", lambda: dbt(duckdb, "run", "--full-refresh", environ=on_duckdb))

    move_day(newest, held_back, spark / "landing")
    # The ci state's quarantine: the one its marts were built on, over these same landing files.
    shutil.rmtree(spark / "quarantine")
    shutil.copytree(ci_state / "quarantine", spark / "quarantine")
    _spark_dbt(spark, "run")  # incremental: the new day's partitions only
    nightly = tmp_path_factory.mktemp("spark-nightly")
    shutil.copytree(spark / "marts", nightly / "marts")
    yield {"spark": yesterday, "duckdb": duckdb, "nightly": nightly, "full": ci_state, "newest": newest, "state": spark}
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
        newest = datetime.date.fromisoformat(homes["newest"])
        assert newest_day_of(nightly, name) == newest
        assert newest_day_of(read_mart(homes["spark"], name), name) < newest


def _partition_files(state: Path, table: str) -> dict[str, dict[str, int]]:
    """The files of each day partition of a Spark table of `state`: name -> modification time (ns)."""
    folder = state / "warehouse" / "spark" / "tables" / "wealthpulse.db" / table
    return {
        partition.name.split("=", 1)[1]: {f.name: f.stat().st_mtime_ns for f in partition.glob("part-*")}
        for partition in sorted(folder.glob("*=*"))
    }


@pytest.fixture(scope="module")
def rebuilt(homes) -> dict[str, object]:
    """The Spark state after a backfill of its last days, with the arguments the warehouse asset gives
    dbt for one (`rebuild_from`: the range's first day), and the daily table's files before and after."""
    state = homes["state"]
    first = landed_days(state / "landing")[-REBUILT_DAYS]
    before = _partition_files(state, "int_client_activity_daily")
    _spark_dbt(state, "run", "--vars", json.dumps({"rebuild_from": first}))
    after = _partition_files(state, "int_client_activity_daily")
    return {"state": state, "first": first, "before": before, "after": after}


def test_a_rebuild_builds_again_the_days_from_its_first_and_keeps_the_others(rebuilt):
    before, after, first = rebuilt["before"], rebuilt["after"], rebuilt["first"]
    assert sorted(after) == sorted(before) and first in after  # no day lost, none added
    for day in after:
        assert after[day], f"partition {day} holds no file"
        if day < first:
            assert after[day] == before[day], f"{day} is before the rebuild and was written again"
        else:
            assert set(after[day]).isdisjoint(before[day]), f"{day} was not rebuilt"


@pytest.mark.parametrize("name", MARTS)
def test_a_rebuild_of_the_last_days_on_spark_equals_a_full_build(rebuilt, homes, name):
    assert_marts_equal(read_mart(rebuilt["state"], name), read_mart(homes["full"], name), name)
