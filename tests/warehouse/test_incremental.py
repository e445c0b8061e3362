"""A nightly incremental build after one more landed day, and a rebuild from a past day, give exactly the
rows of a full rebuild."""

from __future__ import annotations

import json
import shutil
import threading
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.warehouse.state import copy_landing, dbt, land, land_next_day

# The models that build by day, and the parquet exports Feast reads.
INCREMENTAL = [
    "stg_landing__asset_snapshots",
    "stg_landing__app_events",
    "int_client_flows_daily",
    "int_client_activity_daily",
    "int_client_activity_windows",
    "mart_client_features",
    "mart_client_daily_events",
]
EXPORTS = ["client_features", "client_daily_events"]
CLIENTS, DAYS = 300, 100  # more days than the longest (90-day) window, so the lookback is exercised


REBUILD_FROM_DAY = 60  # a backfill from this day (0-based) on: within the longest window of the newest day


@pytest.fixture(scope="module")
def homes(tmp_path_factory) -> tuple[Path, Path]:
    nightly = land(tmp_path_factory.mktemp("nightly"), CLIENTS, DAYS)
    dbt(nightly, "build", "--full-refresh")
    land_next_day(nightly)
    dbt(nightly, "build")  # incremental: adds the new day
    (nightly / "nightly_run_results.json").write_bytes((nightly / "dbt-target" / "run_results.json").read_bytes())
    rebuilt = copy_landing(nightly, tmp_path_factory.mktemp("rebuilt"))
    dbt(rebuilt, "build", "--full-refresh")
    return nightly, rebuilt


@pytest.fixture(scope="module")
def backfilled(homes, tmp_path_factory) -> tuple[Path, str]:
    """The nightly state, then every day from a past one rebuilt, as a backfill of landing days runs it."""
    nightly, _ = homes
    home = tmp_path_factory.mktemp("backfilled") / "home"
    shutil.copytree(nightly, home, ignore=shutil.ignore_patterns("dbt-target"))
    first = sorted(_table(nightly, "int_client_activity_daily")["activity_on"].unique())[REBUILD_FROM_DAY]
    day = pd.Timestamp(first).date().isoformat()
    dbt(home, "build", "--vars", json.dumps({"rebuild_from": day}))
    return home, day


def _table(home: Path, model: str) -> pd.DataFrame:
    with duckdb.connect(str(home / "warehouse" / "wealthpulse.duckdb"), read_only=True) as con:
        frame = con.sql(f"select * from {model}").df()
    return _sorted(frame)


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns[:2])).reset_index(drop=True)


@pytest.mark.parametrize("model", INCREMENTAL)
def test_incremental_rows_equal_a_full_rebuild(homes, model):
    nightly, rebuilt = homes
    incremental, full = _table(nightly, model), _table(rebuilt, model)
    assert len(full) > 0
    # Exactly equal: a model trained on either build must be the same model (money is summed to the fen).
    pd.testing.assert_frame_equal(incremental, full, check_exact=True)


def test_the_nightly_build_read_only_new_days(homes):
    nightly, _ = homes
    results = json.loads((nightly / "nightly_run_results.json").read_text())["results"]
    compiled = {r["unique_id"].rsplit(".", 1)[-1]: r.get("compiled_code") or "" for r in results}
    days = sorted(_table(nightly, "int_client_activity_daily")["activity_on"].unique())
    built = f"cast('{pd.Timestamp(days[-2]).date()}' as date)"  # the newest day of the full build
    for model in INCREMENTAL:
        # The watermark filter is in the SQL only when dbt built the model incrementally, as a literal
        # (DuckDB pushes a constant into the scans, a subquery it cannot).
        assert f"> {built}" in compiled[model], model
    for model in ("int_client_activity_daily", "int_client_flows_daily", "mart_client_daily_events"):
        assert f"landed_on > {built}" in compiled[model], model  # only the new landing folders are read
    windows = compiled["int_client_activity_windows"]
    assert "carried" in windows
    # One new day: its windows are summed directly, not by window functions over the 90 days read.
    assert "days_back" in windows and " over (" not in windows


def test_the_new_day_was_added(homes):
    nightly, _ = homes
    days = _table(nightly, "int_client_activity_daily")["activity_on"]
    features = _table(nightly, "mart_client_features")["as_of_date"]
    assert days.nunique() == DAYS + 1
    assert features.max() == days.max()  # the new day is the latest as-of date


def test_every_build_runs_the_unit_tests(homes):
    """`dbt build` (as the warehouse asset runs it) runs every unit test of the models' YAML before the
    model it tests, in a full build and a nightly one alike: a broken rule stops the build there."""
    nightly, rebuilt = homes
    declared = set(json.loads((rebuilt / "dbt-target" / "manifest.json").read_text())["unit_tests"])
    assert len(declared) >= 6
    for results in (nightly / "nightly_run_results.json", rebuilt / "dbt-target" / "run_results.json"):
        ran = {
            r["unique_id"]: r["status"]
            for r in json.loads(results.read_text())["results"]
            if r["unique_id"].startswith("unit_test.")
        }
        assert ran == dict.fromkeys(declared, "pass"), results.name


@pytest.mark.parametrize("name", EXPORTS)
def test_parquet_exports_follow_the_incremental_tables(homes, name):
    nightly, rebuilt = homes
    incremental = _sorted(pd.read_parquet(nightly / "marts" / f"{name}.parquet"))
    full = _sorted(pd.read_parquet(rebuilt / "marts" / f"{name}.parquet"))
    pd.testing.assert_frame_equal(incremental, full, check_exact=True)


@pytest.mark.parametrize("model", INCREMENTAL)
def test_a_rebuild_from_a_past_day_equals_a_full_rebuild(homes, backfilled, model):
    _, rebuilt = homes
    home, day = backfilled
    pd.testing.assert_frame_equal(_table(home, model), _table(rebuilt, model), check_exact=True)
    results = json.loads((home / "dbt-target" / "run_results.json").read_text())["results"]
    compiled = next(r for r in results if r["unique_id"].endswith(f".{model}"))["compiled_code"]
    assert f"'{day}'" in compiled  # the watermark was the rebuild's first day, not the newest built one
    if model == "int_client_activity_windows":
        # More new days than window_join_max_days: window functions over the days read.
        assert " over (" in compiled and "days_back" not in compiled


# A bound this fixture's full build spills under (the old per-cursor settings then failed with "Cannot
# switch temporary directory"), built one model at a time: two models side by side share the one bound
# and sometimes ran out at 100MB. One at a time it ran out at 60MB and never spilled at 200MB.
SPILLING_MEMORY = "110MB"


class _SpillWatch(threading.Thread):
    """Polls the spill folder while a build runs, keeping the most bytes seen in it at once."""

    def __init__(self, folder: Path) -> None:
        super().__init__(daemon=True)
        self.folder, self.most, self.done = folder, 0, threading.Event()

    def run(self) -> None:
        while not self.done.wait(0.02):
            try:
                size = sum(f.stat().st_size for f in self.folder.rglob("*") if f.is_file())
            except FileNotFoundError:  # DuckDB removed a file between the listing and its stat
                continue
            self.most = max(self.most, size)


def test_a_build_that_spills_to_disk_gives_the_same_rows(homes, tmp_path_factory, monkeypatch):
    _, rebuilt = homes
    bounded = copy_landing(rebuilt, tmp_path_factory.mktemp("bounded"))
    monkeypatch.setenv("WEALTHPULSE_DUCKDB_MEMORY", SPILLING_MEMORY)
    watch = _SpillWatch(bounded / "warehouse" / "spill")
    watch.start()
    try:
        dbt(bounded, "build", "--full-refresh", "--threads", "1")
    finally:
        watch.done.set()
        watch.join()
    assert watch.most > 0, "the build never spilled: the bound no longer tests spilling"
    for model in INCREMENTAL:
        pd.testing.assert_frame_equal(_table(bounded, model), _table(rebuilt, model), check_exact=True)
