"""Batch scores on Spark equal the in-process scorer's within 1e-6, on the ci preset's features."""

import pandas as pd
import pytest

from models.training import ENTITY_KEY
from serving.batch import score_columns, score_table
from serving.scoring import Scorer
from tests.spark.champions import trained_champions


@pytest.fixture(scope="module")
def features_and_models(duckdb_store, churn_labels):
    return trained_champions(duckdb_store, churn_labels)


def test_spark_scores_equal_the_in_process_scores(spark, features_and_models):
    from serving.spark_batch import spark_score_table

    features, served, day = features_and_models
    assert len(features) > 500 and features[ENTITY_KEY].is_unique
    in_process = score_table(Scorer(served), features, day)
    on_spark = spark_score_table(spark, served, features, day, partitions=3)
    assert on_spark.columns.tolist() == score_columns()
    assert on_spark[ENTITY_KEY].tolist() == in_process[ENTITY_KEY].tolist()
    numbers = [c for c in score_columns() if in_process[c].dtype.kind == "f"]
    assert len(numbers) == 1 + 6 + 5  # churn, six needs, five tier probabilities: every model scored
    pd.testing.assert_frame_equal(on_spark[numbers], in_process[numbers], check_exact=False, rtol=0, atol=1e-6)
    others = [c for c in score_columns() if c not in numbers]
    pd.testing.assert_frame_equal(on_spark[others], in_process[others])
    assert in_process["reasons_tiering"].str.len().gt(2).all()  # reasons were computed, not left empty


def test_spark_scores_name_what_is_wrong(spark, features_and_models):
    from serving.spark_batch import spark_score_table

    features, served, day = features_and_models
    with pytest.raises(ValueError, match="aum"):
        spark_score_table(spark, served, features.drop(columns="aum"), day)
    with pytest.raises(ValueError, match="one feature row per client"):
        spark_score_table(spark, served, pd.concat([features, features.head(1)]), day)


def test_the_scores_asset_scores_on_spark_under_the_spark_engine(spark, features_and_models, tmp_path):
    from orchestration.defs.serving.scores import day_scorer
    from wealthpulse.settings import Settings

    features, served, day = features_and_models
    scorer = Scorer(served)
    on_duckdb = day_scorer(Settings(home=tmp_path, preset="ci"), served, scorer)(features, day)
    on_spark = day_scorer(Settings(home=tmp_path, preset="ci", engine="spark"), served, scorer)
    jobs_before = len(spark.sparkContext.statusTracker().getJobIdsForGroup())
    scores = on_spark(features, day)
    assert len(spark.sparkContext.statusTracker().getJobIdsForGroup()) > jobs_before  # Spark did the work
    numbers = [c for c in score_columns() if on_duckdb[c].dtype.kind == "f"]
    pd.testing.assert_frame_equal(scores[numbers], on_duckdb[numbers], check_exact=False, rtol=0, atol=1e-6)
