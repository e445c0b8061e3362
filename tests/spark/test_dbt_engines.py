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

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.warehouse.state import DBT_PROJECT, copy_landing, dbt, run_contracts
from wealthpulse.settings import Settings

pytestmark = pytest.mark.spark

# The marts the warehouse writes (marts/<name>.parquet), each with the columns that identify a row:
# the four Feast reads (features/sources.py, MART_TIMESTAMPS) and those the models and serving read.
MARTS = {
    "client_features": ["client_id", "as_of_date"],
    "client_daily_events": ["client_id", "activity_on"],
    "client_tags": ["client_id", "as_of_date"],
    "client_tiers": ["client_id", "as_of_date"],
    "client_suitability": ["client_id", "as_of_date"],
    "client_audience": ["client_id"],
    "churn_labels": ["client_id", "as_of_date"],
    "intent_labels": ["client_id", "as_of_date"],
    "tier_labels": ["client_id", "as_of_date"],
    "campaign_outcomes": ["contact_id"],
    "products": ["product_id"],
}
# The day each mart's rows are dated by, where they have one: the newest day's rows show that the
# increment added it.
DAY_COLUMNS = {"client_features": "as_of_date", "client_daily_events": "activity_on", "client_tiers": "as_of_date"}
PARTITION_PREFIX = "dt="
# Wall-clock seconds of each build, printed after the builds (`pytest -s`).
SECONDS: dict[str, float] = {}


def _money_columns() -> frozenset[str]:
    """The columns the marts' contracts describe as amounts of money (in yuan)."""
    names = set()
    for path in (DBT_PROJECT / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            names.update(c["name"] for c in model.get("columns", []) if "(yuan)" in c.get("description", ""))
    return frozenset(names)


MONEY = _money_columns()


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


def _newest_day(landing: Path) -> str:
    return max(p.name for p in landing.glob(f"*/{PARTITION_PREFIX}*") if p.is_dir())


def _move_day(day: str, source: Path, target: Path) -> None:
    """Move every landing table's partition of ``day`` from the landing folder ``source`` to ``target``."""
    for partition in sorted(source.glob(f"*/{day}")):
        (target / partition.parent.name).mkdir(parents=True, exist_ok=True)
        partition.rename(target / partition.parent.name / day)


@pytest.fixture(scope="module")
def homes(ci_state: Path, tmp_path_factory, require_program) -> dict[str, Path]:
    require_program("java", "default-jre-headless")
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    spark = copy_landing(ci_state, tmp_path_factory.mktemp("spark"))
    newest = _newest_day(spark / "landing")
    held_back = tmp_path_factory.mktemp("newest-day")
    _move_day(newest, spark / "landing", held_back)
    run_contracts(spark)  # as they ran the night before the newest day landed
    duckdb = copy_landing(spark, tmp_path_factory.mktemp("duckdb"))

    _spark_dbt(spark, "run", "--full-refresh")
    yesterday = tmp_path_factory.mktemp("spark-yesterday")
    shutil.copytree(spark / "marts", yesterday / "marts")
    on_duckdb = {"WEALTHPULSE_ENGINE": "duckdb"}
    _timed("2. duckdb run --full-refresh", lambda: dbt(duckdb, "run", "--full-refresh", environ=on_duckdb))

    _move_day(newest, held_back, spark / "landing")
    # The ci state's quarantine: the one its marts were built on, over these same landing files.
    shutil.rmtree(spark / "quarantine")
    shutil.copytree(ci_state / "quarantine", spark / "quarantine")
    _spark_dbt(spark, "run")  # incremental: the new day's partitions only
    yield {"spark": yesterday, "duckdb": duckdb, "nightly": spark, "full": ci_state, "newest": newest}
    print("".join(f"\n{name}: {seconds:.0f} s" for name, seconds in SECONDS.items()))


def _mart(home: Path, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(home / "marts" / f"{name}.parquet")
    return frame.sort_values(MARTS[name]).reset_index(drop=True)


def _files(home: Path) -> list[str]:
    return sorted(path.name for path in (home / "marts").glob("*.parquet"))


def assert_marts_equal(left: pd.DataFrame, right: pd.DataFrame, name: str) -> None:
    """The same columns and rows; money equal to the fen, every other number within 1e-9."""
    assert len(right) > 0
    assert list(left.columns) == list(right.columns)
    assert left[MARTS[name]].duplicated().sum() == 0
    assert left[MARTS[name]].equals(right[MARTS[name]]), f"{name}: the two builds hold different rows"
    for column in [c for c in left.columns if c in MONEY]:
        fen = [np.round(frame[column].to_numpy(dtype="float64") * 100) for frame in (left, right)]
        np.testing.assert_array_equal(*fen, err_msg=f"{name}.{column} differs in fen")
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-9)


def test_both_engines_write_the_same_mart_files(homes):
    assert _files(homes["duckdb"]) == sorted(f"{name}.parquet" for name in MARTS)
    assert _files(homes["spark"]) == _files(homes["duckdb"])
    assert _files(homes["nightly"]) == _files(homes["duckdb"])


def test_the_money_columns_are_known():
    # The fen comparison reads the contracts' descriptions: a renamed unit must not empty it.
    assert {"aum", "trade_amount_30d", "revenue_amount_90d"} <= MONEY


@pytest.mark.parametrize("name", MARTS)
def test_a_spark_build_equals_the_duckdb_build(homes, name):
    assert_marts_equal(_mart(homes["spark"], name), _mart(homes["duckdb"], name), name)


@pytest.mark.parametrize("name", MARTS)
def test_a_nightly_increment_on_spark_equals_a_full_build(homes, name):
    nightly = _mart(homes["nightly"], name)
    assert_marts_equal(nightly, _mart(homes["full"], name), name)
    if name in DAY_COLUMNS:
        # The increment added the newest day, which the build before it did not hold.
        newest = pd.Timestamp(homes["newest"].removeprefix(PARTITION_PREFIX)).date()
        days = pd.to_datetime(nightly[DAY_COLUMNS[name]]).dt.date
        assert days.max() == newest
        assert pd.to_datetime(_mart(homes["spark"], name)[DAY_COLUMNS[name]]).dt.date.max() < newest
