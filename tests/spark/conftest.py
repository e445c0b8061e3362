"""The Spark engine's tests: one local Spark session and one ci-preset state for the whole session.

The state is the one `wealthpulse run` leaves on the ci preset (tests/conftest.py's ``ci_run``, which the
end-to-end tests share): in a whole test session it is built once for both. `pytest -m spark` alone
pays for that run first (a few minutes on two cores).

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
from tests.conftest import CiRun
from wealthpulse.settings import Settings

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
def ci_state(ci_run: CiRun) -> Path:
    """The ci preset's state right after `wealthpulse run` on the DuckDB engine: its landing files and
    quarantine, and the marts' parquet under marts/. Shared: tests read it and copy from it, never
    write into it."""
    return ci_run.pristine


def feature_store(home: Path, marts_dir: Path, engine: str):
    """A feature store of its own under `home` (its registry and online store) over `marts_dir`."""
    (home / "feast").mkdir(parents=True, exist_ok=True)
    store = open_store(Settings(home=home, preset="ci"), engine=engine)
    apply_repo(store, repo_for(engine, marts_dir))
    return store


@pytest.fixture(scope="session")
def duckdb_store(ci_state: Path, tmp_path_factory):
    return feature_store(tmp_path_factory.mktemp("ci-duckdb-store"), ci_state / "marts", "duckdb")


@pytest.fixture(scope="session")
def churn_labels(ci_state: Path) -> pd.DataFrame:
    """The churn model's entity frame, as the training-set asset builds it."""
    return label_frame(pd.read_parquet(ci_state / "marts" / "churn_labels.parquet"), CHURN)


@pytest.fixture(scope="session")
def duckdb_training_set(duckdb_store, churn_labels: pd.DataFrame) -> pd.DataFrame:
    return training_frame(duckdb_store, CHURN.feature_service, churn_labels)
