"""The spark engine's checks: a missing pyspark, Java or cluster master is an error naming the setting and
the fix, before any JVM starts; and the marts a Spark build exported become the files DuckDB writes."""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wealthpulse.settings import Settings, SettingsError
from wealthpulse.spark import SparkUnavailable, check_spark, collect_exports, exports_dir


def _fake_java(tmp_path: Path) -> dict[str, str]:
    java = tmp_path / "jdk" / "bin" / "java"
    java.parent.mkdir(parents=True)
    java.write_text("#!/bin/sh\n")
    java.chmod(0o755)
    return {"JAVA_HOME": str(tmp_path / "jdk"), "PATH": ""}


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_without_pyspark_the_error_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # what an install without the extra sees
    with pytest.raises(SparkUnavailable, match=r"WEALTHPULSE_ENGINE=spark needs pyspark.*uv sync --extra spark"):
        check_spark(Settings(home=tmp_path, engine="spark"), _fake_java(tmp_path))


def test_without_java_the_error_names_the_setting_and_the_package(tmp_path):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    with pytest.raises(SparkUnavailable) as error:
        check_spark(Settings(home=tmp_path, engine="spark"), {"PATH": str(tmp_path)})
    assert "WEALTHPULSE_ENGINE=spark needs Java" in str(error.value)
    assert "apt-get install default-jre-headless" in str(error.value)


def test_an_unreachable_master_names_its_setting(tmp_path):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    master = f"spark://127.0.0.1:{_closed_port()}"
    with pytest.raises(SparkUnavailable, match=r"WEALTHPULSE_SPARK_MASTER='spark://127.*: the Spark master"):
        check_spark(Settings(home=tmp_path, engine="spark", spark_master=master), _fake_java(tmp_path))


def test_local_mode_needs_no_cluster(tmp_path):
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    check_spark(Settings(home=tmp_path, engine="spark", spark_master="local[*]"), _fake_java(tmp_path))


def test_exported_folders_become_the_mart_files_duckdb_writes(tmp_path):
    settings = Settings(home=tmp_path, engine="spark")
    folder = exports_dir(settings) / "client_features"
    folder.mkdir(parents=True)
    when = datetime(2025, 9, 1, tzinfo=UTC)
    rows = pa.table({"client_id": ["C1", "C2"], "feature_ts": pa.array([when, when], pa.timestamp("us", tz="UTC"))})
    pq.write_table(rows.slice(0, 1), folder / "part-00000-a.parquet")
    pq.write_table(rows.slice(1, 1), folder / "part-00001-a.parquet")
    (folder / "_SUCCESS").write_text("")

    assert collect_exports(settings) == [settings.marts_dir / "client_features.parquet"]
    table = pq.read_table(settings.marts_dir / "client_features.parquet")
    assert table.schema.field("feature_ts").type == pa.timestamp("us")  # wall clock, as DuckDB writes it
    frame = table.to_pandas()
    assert frame["client_id"].tolist() == ["C1", "C2"]
    assert (frame["feature_ts"] == pd.Timestamp("2025-09-01 00:00:00")).all()


def test_an_export_without_part_files_is_an_error(tmp_path):
    settings = Settings(home=tmp_path, engine="spark")
    (exports_dir(settings) / "client_tags").mkdir(parents=True)
    with pytest.raises(FileNotFoundError, match="client_tags holds no parquet part file"):
        collect_exports(settings)


def test_the_driver_memory_is_a_jvm_size_named_in_its_error(tmp_path):
    assert Settings(home=tmp_path, spark_driver_memory="512m").spark_driver_memory == "512m"
    with pytest.raises(SettingsError, match=r"WEALTHPULSE_SPARK_DRIVER_MEMORY='4 GB': expected a JVM size"):
        Settings(home=tmp_path, spark_driver_memory="4 GB")
    environment = Settings.from_env({"WEALTHPULSE_HOME": str(tmp_path), "WEALTHPULSE_SPARK_DRIVER_MEMORY": "6g"})
    assert environment.tool_environment({})["WEALTHPULSE_SPARK_DRIVER_MEMORY"] == "6g"
