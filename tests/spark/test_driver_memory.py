"""WEALTHPULSE_SPARK_DRIVER_MEMORY sizes the driver of every Spark session the platform starts: its own
(batch scores, point-in-time reads), dbt's and Feast's. The driver's heap is fixed when its JVM starts,
so each is checked in a fresh process with a size neither Spark's default (1g) nor the setting's (4g)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from features.store import store_config
from tests.warehouse.state import dbt
from wealthpulse.settings import Settings

SIZE = "1536m"
MIB = 1024 * 1024


def test_the_platforms_session_gets_the_heap_it_is_given(tmp_path, require_program):
    require_program("java", "default-jre-headless")
    pytest.importorskip("pyspark", reason="the spark extra is not installed (uv sync --extra spark)")
    program = (
        "import sys\n"
        "from pathlib import Path\n"
        "from wealthpulse.settings import Settings\n"
        "from wealthpulse.spark import spark_session\n"
        f"settings = Settings(home=Path(sys.argv[1]), engine='spark', spark_driver_memory={SIZE!r})\n"
        "spark = spark_session(settings, app_name='wealthpulse-driver-memory')\n"
        "print(spark.conf.get('spark.driver.memory'))\n"
        "print(spark.sparkContext._jvm.java.lang.Runtime.getRuntime().maxMemory())\n"
        "spark.stop()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, str(tmp_path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    conf, heap = result.stdout.split()[-2:]
    assert conf == SIZE
    # The JVM reports a little less than -Xmx as its most: far above the 1g default, below 1.5 GiB.
    assert 1300 * MIB < int(heap) <= 1536 * MIB


def test_dbts_session_gets_the_driver_memory(tmp_path, require_program):
    require_program("java", "default-jre-headless")
    pytest.importorskip("dbt.adapters.spark", reason="the spark extra is not installed (uv sync --extra spark)")
    settings = Settings(home=tmp_path, engine="spark", preset="ci", spark_driver_memory=SIZE)
    # Spark SQL substitutes ${conf} with the session's value: what dbt's own session was started with.
    result = dbt(
        tmp_path,
        "show",
        "--inline",
        "select '${spark.driver.memory}' as driver_memory",
        "--output",
        "json",
        environ=settings.tool_environment(),
    )
    assert f'"driver_memory": "{SIZE}"' in result.stdout


def test_feasts_spark_store_gets_the_driver_memory(tmp_path):
    config = store_config(Settings(home=tmp_path, engine="spark", spark_driver_memory=SIZE), "spark")
    assert config["offline_store"]["spark_conf"]["spark.driver.memory"] == SIZE


def test_the_default_is_four_gigabytes(tmp_path):
    assert Settings.from_env({"WEALTHPULSE_HOME": str(Path(tmp_path))}).spark_driver_memory == "4g"
