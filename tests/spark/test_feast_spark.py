"""Feast on Spark: the point-in-time training set read by Spark equals the DuckDB one, row for row."""

import pandas as pd
import pytest

from features.spark_offline import SparkOfflineStoreConfig
from models.config import CHURN
from models.training import FEATURE_TIME, TIMESTAMP, point_in_time_audit, training_frame
from tests.spark.conftest import feature_store


@pytest.fixture(scope="module")
def spark_store(spark, ci_state, tmp_path_factory):
    # Its own registry and online store, over the DuckDB build's marts: the two stores differ only
    # in the engine that reads the parquet.
    return feature_store(tmp_path_factory.mktemp("ci-spark"), ci_state / "marts", "spark")


def test_the_spark_store_reads_the_marts_with_spark(spark_store, ci_state):
    assert isinstance(spark_store.config.offline_store, SparkOfflineStoreConfig)
    source = spark_store.get_data_source("mart_client_features")
    assert type(source).__name__ == "SparkSource" and source.path == str(ci_state / "marts" / "client_features.parquet")
    assert spark_store.get_feature_view("client_live_events").batch_source.name == "mart_client_daily_events"


def test_the_spark_training_set_equals_the_duckdb_one(spark_store, churn_labels, duckdb_training_set):
    spark_set = training_frame(spark_store, CHURN.feature_service, churn_labels)
    assert len(spark_set) == len(churn_labels) > 10_000
    # Same columns in the same order, event times in UTC, every value the same (the features are
    # stored values and the request-time feature is computed from them alike).
    pd.testing.assert_frame_equal(spark_set, duckdb_training_set, check_exact=True)
    assert str(spark_set[TIMESTAMP].dtype).endswith(", UTC]")
    assert spark_set[FEATURE_TIME].notna().mean() > 0.9
    assert point_in_time_audit(spark_set, churn_labels)["passed"]
