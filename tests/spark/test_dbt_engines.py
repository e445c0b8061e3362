"""The one dbt project on both engines: the marts a Spark build exports equal the DuckDB build's (same
files, columns and rows; money to the fen, other numbers within 1e-9), and a nightly increment on
Spark equals a full Spark build.

One landing, four builds, one after the other (the embedded Derby metastore admits one Spark process at
a time), the three Spark ones in one state directory so the metastore is set up once: a full build of
every day but the last; the last day landed and built as the nightly run does (its marts kept aside);
a full build of every day; and a full DuckDB build of every day in a copy of the landing. `dbt run`, not
`build`: the data tests are the project's, run on DuckDB by the warehouse tests; here the question is
whether the rows agree.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.warehouse.state import copy_landing, dbt, land, land_next_day
from wealthpulse.settings import Settings

pytestmark = pytest.mark.spark

# As the warehouse tests, with enough days for a 90-day tier label after the 28-day warm-up: with
# fewer, tier_labels is empty (and DuckDB writes an empty external mart as one row of nulls).
CLIENTS, DAYS = 300, 120
# The marts the platform reads (marts/<name>.parquet), each with the columns that identify a row.
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
def homes(tmp_path_factory, require_program) -> dict[str, Path]:
    require_program("java", "default-jre-headless")
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    spark = land(tmp_path_factory.mktemp("spark"), CLIENTS, DAYS)
    _spark_dbt(spark, "run", "--full-refresh")
    land_next_day(spark)
    _spark_dbt(spark, "run")  # incremental: the new day's partitions only
    nightly = tmp_path_factory.mktemp("nightly")
    shutil.copytree(spark / "marts", nightly / "marts")
    _spark_dbt(spark, "run", "--full-refresh")
    duckdb = copy_landing(spark, tmp_path_factory.mktemp("duckdb"))
    on_duckdb = {"WEALTHPULSE_ENGINE": "duckdb"}
    _timed("4. duckdb run --full-refresh", lambda: dbt(duckdb, "run", "--full-refresh", environ=on_duckdb))
    yield {"nightly": nightly, "full": spark, "duckdb": duckdb}
    print("".join(f"\n{name}: {seconds:.0f} s" for name, seconds in SECONDS.items()))


def _mart(home: Path, name: str) -> pd.DataFrame:
    frame = pd.read_parquet(home / "marts" / f"{name}.parquet")
    return frame.sort_values(MARTS[name]).reset_index(drop=True)


def test_both_engines_write_the_same_mart_files(homes):
    def files(home: Path) -> list[str]:
        return sorted(path.name for path in (home / "marts").glob("*.parquet"))

    assert files(homes["duckdb"]) == sorted(f"{name}.parquet" for name in MARTS)
    assert files(homes["full"]) == files(homes["duckdb"])


@pytest.mark.parametrize("name", MARTS)
def test_a_spark_build_equals_the_duckdb_build(homes, name):
    spark, duckdb = _mart(homes["full"], name), _mart(homes["duckdb"], name)
    assert len(duckdb) > 0
    assert list(spark.columns) == list(duckdb.columns)
    assert spark[MARTS[name]].duplicated().sum() == 0
    # Money is rounded to the fen on both engines, so 1e-9 holds it exactly; ratios agree to 1e-9.
    pd.testing.assert_frame_equal(spark, duckdb, check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("name", MARTS)
def test_a_nightly_increment_on_spark_equals_a_full_spark_build(homes, name):
    nightly, full = _mart(homes["nightly"], name), _mart(homes["full"], name)
    assert len(full) > 0
    pd.testing.assert_frame_equal(nightly, full, check_exact=True)
