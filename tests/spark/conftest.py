"""The Spark engine's tests: one local Spark session and one ci-preset state for the whole session.

Every test here is marked `spark`. Without Java they skip and say what to install (under CI they
fail); without the spark extra (`uv sync --extra spark`) they skip.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd
import pytest

from features.engines import repo_for
from features.store import apply_repo, open_store
from models.config import CHURN
from models.training import label_frame, training_frame
from tests.warehouse.state import dbt, land
from wealthpulse.settings import Settings

# The ci preset (simulator/presets.py): what `WEALTHPULSE_PRESET=ci` builds.
CI_CLIENTS, CI_DAYS = 2_000, 180
# Small data on two cores: a handful of shuffle partitions, not Spark's 200.
TEST_SPARK_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.catalogImplementation": "in-memory",
    "spark.sql.shuffle.partitions": "4",
    "spark.ui.enabled": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.driver.memory": "2g",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def spark(require_program):
    """A local[2] Spark session, stopped at the end of the test session."""
    require_program("java", "default-jre-headless")
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    from pyspark.sql import SparkSession

    # The driver binds to loopback, and the Python workers run this environment's interpreter.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    builder = SparkSession.builder.master("local[2]").appName("wealthpulse-tests")
    for key, value in TEST_SPARK_CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def ci_state(tmp_path_factory) -> Path:
    """A state directory of the ci preset built by the DuckDB engine: landing files, contracts, and
    `dbt run`, which writes the marts' parquet under marts/."""
    home = land(tmp_path_factory.mktemp("ci-duckdb"), CI_CLIENTS, CI_DAYS)
    dbt(home, "run")
    return home


def feature_store(home: Path, marts_dir: Path, engine: str):
    """A feature store of its own under `home` (its registry and online store) over `marts_dir`."""
    (home / "feast").mkdir(parents=True, exist_ok=True)
    store = open_store(Settings(home=home, preset="ci"), engine=engine)
    apply_repo(store, repo_for(engine, marts_dir))
    return store


@pytest.fixture(scope="session")
def duckdb_store(ci_state: Path):
    return feature_store(ci_state, ci_state / "marts", "duckdb")


@pytest.fixture(scope="session")
def churn_labels(ci_state: Path) -> pd.DataFrame:
    """The churn model's entity frame, as the training-set asset builds it."""
    return label_frame(pd.read_parquet(ci_state / "marts" / "churn_labels.parquet"), CHURN)


@pytest.fixture(scope="session")
def duckdb_training_set(duckdb_store, churn_labels: pd.DataFrame) -> pd.DataFrame:
    return training_frame(duckdb_store, CHURN.feature_service, churn_labels)
