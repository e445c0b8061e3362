"""The feature repo on either engine: the same views and services, only the sources differ."""

from pathlib import Path

import pytest

from features import repo
from features.engines import declared_repo, repo_for
from features.sources import MART_TIMESTAMPS, mart_path
from features.store import store_config
from wealthpulse.settings import Settings


def test_the_spark_repo_keeps_every_view_and_moves_only_its_sources(tmp_path: Path):
    spark = repo_for("spark", tmp_path)
    assert [v.name for v in spark.feature_views] == [v.name for v in repo.FEATURE_VIEWS]
    for moved, declared in zip(spark.feature_views, repo.FEATURE_VIEWS, strict=True):
        assert moved.schema == declared.schema and moved.ttl == declared.ttl and moved.tags == declared.tags
        assert type(moved.batch_source).__name__ == "SparkSource"
        assert moved.batch_source.name == declared.batch_source.name
        assert moved.batch_source.timestamp_field == declared.batch_source.timestamp_field
        assert moved.batch_source.path == str(mart_path(tmp_path, moved.batch_source.name.removeprefix("mart_")))
    live = next(v for v in spark.feature_views if v.stream_source is not None)
    assert live.stream_source.name == "live_app_events" and live.stream_source.batch_source is live.batch_source
    # The declared objects are untouched: the DuckDB repo still reads FileSources.
    assert all(type(v.batch_source).__name__ == "FileSource" for v in declared_repo().feature_views)
    assert {s.name for s in spark.data_sources} == {s.name for s in repo.DATA_SOURCES}


def test_the_duckdb_repo_of_another_state_reads_its_marts(tmp_path: Path):
    duckdb = repo_for("duckdb", tmp_path)
    paths = {v.batch_source.path for v in duckdb.feature_views}
    assert paths == {str(mart_path(tmp_path, name)) for name in MART_TIMESTAMPS}
    with pytest.raises(ValueError, match="engine 'trino'"):
        repo_for("trino", tmp_path)


def test_the_spark_config_keeps_the_online_store_and_names_the_master(tmp_path: Path):
    settings = Settings(home=tmp_path)
    duckdb, spark = store_config(settings, "duckdb"), store_config(settings, "spark")
    assert duckdb["offline_store"] == {"type": "duckdb"}
    assert spark["online_store"] == duckdb["online_store"] and spark["registry"] == duckdb["registry"]
    assert spark["offline_store"]["type"] == "features.spark_offline.SparkOfflineStore"
    conf = spark["offline_store"]["spark_conf"]
    assert conf["spark.master"] == "local[2]" and conf["spark.sql.catalogImplementation"] == "in-memory"
    assert conf["spark.sql.session.timeZone"] == "UTC"
    with pytest.raises(ValueError, match="engine 'trino'"):
        store_config(settings, "trino")
