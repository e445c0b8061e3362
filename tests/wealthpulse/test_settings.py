"""The one settings object: built from the environment and flags, validated, and free of side effects."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from simulator.presets import PRESETS as SIMULATOR_PRESETS
from wealthpulse.settings import PRESETS, Settings, SettingsError

HOME = {"WEALTHPULSE_HOME": "/srv/wealthpulse"}


def test_the_allowed_presets_are_the_simulators():
    assert PRESETS == tuple(SIMULATOR_PRESETS)


def test_defaults_and_one_home_moving_everything():
    settings = Settings.from_env(HOME)
    assert (settings.preset, settings.seed, settings.engine, settings.online_store) == ("small", 7, "duckdb", "sqlite")
    assert settings.api_workers == 2 and settings.duckdb_memory == "6GB" and settings.redis_url is None
    home = Path("/srv/wealthpulse")
    for path in (
        settings.landing_dir,
        settings.warehouse_path,
        settings.serving_db_path,
        settings.marts_dir,
        settings.feast_dir,
        settings.dagster_home,
        settings.bentoml_home,
        settings.artifacts_dir,
        settings.learning_curve_dir,
        settings.oracle_file,
        settings.quarantine_dir,
        settings.alerts_dir,
        settings.audience_root,
    ):
        assert path.is_relative_to(home), path
    day = date(2026, 5, 31)
    assert settings.leads_file(day) == home / "leads" / "dt=2026-05-31" / "leads.parquet"
    assert settings.scores_file(day) == home / "scores" / "dt=2026-05-31" / "scores.parquet"
    assert settings.audience_dir(day) == home / "segments" / "audience" / "dt=2026-05-31"
    assert settings.membership_dir(day) == home / "segments" / "membership" / "dt=2026-05-31"


def test_flags_win_over_the_environment():
    environ = {**HOME, "WEALTHPULSE_PRESET": "demo", "WEALTHPULSE_SEED": "7"}
    settings = Settings.from_env(environ, preset="ci", seed=11, home=None)
    assert (settings.preset, settings.seed, settings.home) == ("ci", 11, Path("/srv/wealthpulse"))


def test_tool_homes_follow_their_own_variables_when_set():
    settings = Settings.from_env({**HOME, "BENTOML_HOME": "/elsewhere/bentoml"})
    assert settings.bentoml_home == Path("/elsewhere/bentoml")
    assert settings.dagster_home == Path("/srv/wealthpulse/dagster")


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"WEALTHPULSE_PRESET": "huge"}, "WEALTHPULSE_PRESET='huge': expected one of ci, small, demo, large, bench"),
        ({"WEALTHPULSE_ENGINE": "trino"}, "WEALTHPULSE_ENGINE='trino': expected one of duckdb, spark"),
        ({"WEALTHPULSE_SPARK_MASTER": "local[two]"}, "WEALTHPULSE_SPARK_MASTER='local[two]': expected local, local[N]"),
        ({"WEALTHPULSE_SPARK_MASTER": "spark://master"}, "WEALTHPULSE_SPARK_MASTER='spark://master': expected local"),
        ({"WEALTHPULSE_SPARK_MASTER": "mesos://m:5050"}, "WEALTHPULSE_SPARK_MASTER='mesos://m:5050': expected local"),
        ({"WEALTHPULSE_SEED": "seven"}, "WEALTHPULSE_SEED='seven': expected a whole number"),
        ({"WEALTHPULSE_SEED": "-1"}, "WEALTHPULSE_SEED='-1': expected a whole number"),
        (
            {"WEALTHPULSE_ONLINE_STORE": "memcached"},
            "WEALTHPULSE_ONLINE_STORE='memcached': expected one of sqlite, redis",
        ),
        ({"WEALTHPULSE_ONLINE_STORE": "redis"}, "WEALTHPULSE_ONLINE_STORE=redis needs WEALTHPULSE_REDIS_URL"),
        ({"WEALTHPULSE_API_WORKERS": "0"}, "WEALTHPULSE_API_WORKERS=0: expected a whole number >= 1"),
        ({"WEALTHPULSE_API_WORKERS": "two"}, "WEALTHPULSE_API_WORKERS='two': expected a whole number"),
        ({"WEALTHPULSE_DUCKDB_MEMORY": "lots"}, "WEALTHPULSE_DUCKDB_MEMORY='lots': expected a size"),
    ],
)
def test_a_bad_value_is_an_error_naming_the_variable_and_the_allowed_values(environ, message):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({**HOME, **environ})
    assert str(error.value).startswith(message)


def test_a_flag_is_validated_like_the_variable():
    with pytest.raises(SettingsError, match="WEALTHPULSE_PRESET='huge'"):
        Settings.from_env(HOME, preset="huge")


@pytest.mark.parametrize(
    "master", ["local", "local[2]", "local[*]", "spark://10.0.0.5:7077", "yarn", "k8s://https://k:6443"]
)
def test_the_spark_engine_and_its_master_urls(master):
    settings = Settings.from_env({**HOME, "WEALTHPULSE_ENGINE": "spark", "WEALTHPULSE_SPARK_MASTER": master})
    assert (settings.engine, settings.spark_master) == ("spark", master)
    assert Settings.from_env(HOME).spark_master == "local[2]"


def test_under_spark_the_tools_bind_to_loopback_and_run_this_python():
    environment = Settings.from_env(HOME, engine="spark").tool_environment(HOME)
    assert environment["SPARK_LOCAL_IP"] == "127.0.0.1"
    assert environment["PYSPARK_PYTHON"] == sys.executable
    assert environment["WEALTHPULSE_SPARK_MASTER"] == "local[2]"
    # An address the machine's owner chose stays; DuckDB needs neither variable.
    chosen = Settings.from_env(HOME, engine="spark").tool_environment({**HOME, "SPARK_LOCAL_IP": "10.1.2.3"})
    assert chosen["SPARK_LOCAL_IP"] == "10.1.2.3"
    assert "SPARK_LOCAL_IP" not in Settings.from_env(HOME).tool_environment(HOME)


def test_redis_with_its_url():
    settings = Settings.from_env({**HOME, "WEALTHPULSE_ONLINE_STORE": "redis", "WEALTHPULSE_REDIS_URL": "h:6379"})
    assert settings.tool_environment(HOME)["WEALTHPULSE_REDIS_URL"] == "h:6379"


def test_loading_settings_leaves_the_environment_alone(monkeypatch):
    monkeypatch.setenv("WEALTHPULSE_PRESET", "ci")
    before = dict(os.environ)
    Settings.from_env(preset="small", home=Path("/srv/other"))
    assert dict(os.environ) == before


def test_a_child_process_rebuilds_the_same_settings_from_the_tool_environment():
    settings = Settings.from_env(HOME, preset="ci", seed=3)
    environment = settings.tool_environment(HOME)
    assert Settings.from_env(environment) == settings
    # What dbt's profile, Feast's yaml, BentoML and Dagster read for themselves.
    assert environment["WEALTHPULSE_HOME"] == "/srv/wealthpulse"
    assert environment["BENTOML_HOME"] == "/srv/wealthpulse/bentoml"
    assert environment["DAGSTER_HOME"] == "/srv/wealthpulse/dagster"
    assert environment["WEALTHPULSE_DUCKDB_MEMORY"] == "6GB"
    assert environment["PATH"].split(os.pathsep)[0] == str(Path(sys.executable).parent)


def test_the_command_line_names_a_bad_setting_without_a_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "wealthpulse.cli", "ui", "--home", str(tmp_path)],
        env={**os.environ, "WEALTHPULSE_ENGINE": "spark", "WEALTHPULSE_SPARK_MASTER": "spark://nowhere"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "WEALTHPULSE_SPARK_MASTER='spark://nowhere'" in result.stderr and "Traceback" not in result.stderr
