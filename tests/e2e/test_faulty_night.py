"""A faulty night on the ci preset, the real path: the simulator lands the next day with faults, the
`new_landing_partition` sensor (evaluated through Dagster) registers the day and requests its run, the run
holds the day back or lets it flow, and a clean re-export of the broken file recovers it.

The ci state is built once for the test session (`wealthpulse run`, the `ci_run` fixture) and copied for
each case. Every fault at once runs the whole path: the sensor's `nightly` run, the failure alert, then
`wealthpulse rebuild` of the day, whose marts must equal those of the same day landed clean. Each fault
alone runs the sensor and the landing assets with their contracts, and compares what the warehouse's
sources read of the faulted table, after the clean re-export, with the clean day's: a rebuild of the
warehouse per fault would add minutes each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import dagster as dg
import duckdb
import pandas as pd
import pytest
import yaml

from landing.quarantine import KEYS_DIR, check_landing, quarantined_files, write_quarantine
from orchestration.defs.landing.assets import landing_files
from orchestration.partitions import LANDING_DAYS
from orchestration.resources import PlatformResource
from simulator import TABLES, next_day
from simulator.faults import ALL_FAULTS, ROW_FAULTS, inject_faults
from tests.conftest import CiRun
from tests.orchestration.sensor_ticks import failure_alert, landing_tick

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ROOT / "dbt_project" / "models" / "staging" / "_landing__sources.yml"
pytestmark = pytest.mark.e2e
RATE, SEED = 0.05, 7
# A missing table holds its day back before any run: it cannot share a day with the faults a run reports.
AT_ONCE = [kind for kind in ALL_FAULTS if kind != "missing_table"]
ROW_CHECK = {
    "null_required": "not_null",
    "duplicate_rows": "duplicate",
    "unknown_code": "unknown_code",
    "negative_amount": "range",
    "out_of_range_date": "out_of_range_date",
    "late_arrival": "late_arrival",
    "unknown_reference": "unknown_reference",
}
FILE_FAULT = {
    "renamed_column": "missing_column",
    "retyped_column": "wrong_type",
    "truncated_file": "unreadable_file",
    "not_parquet": "not_parquet",
    "empty_file": "empty_file",
}


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "BENTOML_HOME"}}
    env.update(WEALTHPULSE_HOME=str(home), WEALTHPULSE_PRESET="ci", WEALTHPULSE_SEED="7")
    return env


def _python(home: Path, *args: str, timeout: int = 1800) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=_env(home), capture_output=True, text=True, timeout=timeout
    )
    return result


@pytest.fixture(scope="module")
def base(ci_run: CiRun) -> Path:
    """`make run` on the ci preset, as it finished: the state every case copies."""
    return ci_run.pristine


@pytest.fixture(scope="module")
def clean(base: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The next day landed clean, with its contracts run: the re-export a broken file is replaced by."""
    home = tmp_path_factory.mktemp("clean-day")
    shutil.copytree(base / "landing", home / "landing")
    day = next_day(home / "landing", progress=False).days_written[0]
    for check in check_landing(home / "landing").values():
        write_quarantine(check, home / "quarantine")
    return home, day


def _copy(base: Path, home: Path, folders: tuple[str, ...] | None = None) -> Path:
    if folders is None:
        shutil.copytree(base, home)
    else:
        for folder in folders:
            shutil.copytree(base / folder, home / folder)
    return home


def _apply_partition_requests(instance: dg.DagsterInstance, tick) -> None:
    """What the daemon does with the sensor's dynamic-partition requests."""
    for request in tick.dynamic_partitions_requests:
        instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))


def _source_rows(home: Path, table: str) -> pd.DataFrame:
    """The rows the warehouse's staging reads of ``table``: accepted rows only (the dbt source's SQL)."""
    template = yaml.safe_load(SOURCES.read_text())["sources"][0]["meta"]["external_location"]
    sql = template.replace("{{ env_var('WEALTHPULSE_HOME') }}", str(home)).replace("{name}", table)
    frame = duckdb.sql(f"select * from {sql}").df()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def _land_faulty_day(home: Path, kinds: list[str]) -> tuple[str, list[dict]]:
    day = next_day(home / "landing", progress=False).days_written[0]
    record = inject_faults(home / "landing", RATE, seed=SEED, days=[day], kinds=kinds)
    assert [entry["fault"] for entry in record] == kinds, record
    return day, record


def _assert_nothing_lost(result: dg.ExecuteInProcessResult | None, metadata: dict[str, dict]) -> None:
    assert set(metadata) == set(TABLES)  # the good tables are materialized and checked, not lost
    for table, values in metadata.items():
        landed = values["landed_rows"]
        assert landed == values["accepted_rows"] + values["quarantined_rows"], table


def _assert_outcomes(home: Path, record: list[dict], checks: dict) -> None:
    assert all(c.passed for (_, name), c in checks.items() if name == "rows_reconcile")
    quarantine = home / "quarantine"
    for entry in record:
        table, fault = entry["table"], entry["fault"]
        contract = checks[(table, "contract")]
        assert not contract.passed and entry["file"] in (contract.description or ""), entry
        if fault in ROW_CHECK:
            rows = pd.read_parquet(quarantine / table / "part-0.parquet")
            caught = rows[(rows["_source_file"] == entry["file"]) & rows["_row"].isin(entry["row_index"])]
            assert len(caught) == entry["rows"] > 0 and set(caught["_check"]) == {ROW_CHECK[fault]}, entry
        else:
            (whole,) = [f for f in quarantined_files(quarantine, table) if f.file == entry["file"]]
            assert whole.fault == FILE_FAULT[fault], entry


def _assert_recovered(home: Path, clean_home: Path, record: list[dict]) -> None:
    """Nothing of a replaced file stays in quarantine, and the warehouse's sources read the clean day."""
    quarantine = home / "quarantine"
    for entry in record:
        table = entry["table"]
        assert quarantined_files(quarantine, table) == []
        keys = pd.read_parquet(quarantine / KEYS_DIR / f"{table}.parquet")
        assert not (keys["_source_file"] == entry["file"]).any(), entry
        pd.testing.assert_frame_equal(_source_rows(home, table), _source_rows(clean_home, table))


def _replace_with_clean(home: Path, clean_home: Path, record: list[dict]) -> None:
    """The brokerage exports the broken files (or the missing table) again."""
    for entry in record:
        source, target = clean_home / "landing" / entry["file"], home / "landing" / entry["file"]
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)


def _landing_run(home: Path, instance: dg.DagsterInstance, day: str):
    platform = PlatformResource(home=str(home), preset="ci", seed=SEED)
    result = dg.materialize(
        [landing_files], partition_key=day, instance=instance, resources={"platform": platform}, raise_on_error=False
    )
    metadata = {
        e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
        for e in result.get_asset_materialization_events()
    }
    checks = {(c.asset_key.path[-1], c.check_name): c for c in result.get_asset_check_evaluations()}
    return result, metadata, checks


@pytest.mark.parametrize("kind", list(ALL_FAULTS))
def test_each_fault_alone_has_its_outcome_and_a_clean_re_export_recovers_it(
    kind: str, base: Path, clean: tuple[Path, str], tmp_path: Path
) -> None:
    clean_home, clean_day = clean
    home = _copy(base, tmp_path / "home", ("landing", "quarantine", "dagster"))
    platform = PlatformResource(home=str(home), preset="ci", seed=SEED)
    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        # Opening the UI after `make run`: the first tick (no cursor) starts nothing already built.
        first = landing_tick(instance, platform, None)
        assert not first.run_requests and "already built" in first.skip_message, first.skip_message
        day, record = _land_faulty_day(home, [kind])
        assert day == clean_day
        tick = landing_tick(instance, platform, first.cursor)
        if kind == "missing_table":
            assert not tick.run_requests and f"{record[0]['file']}/ has not landed" in tick.skip_message
            _replace_with_clean(home, clean_home, record)
            tick = landing_tick(instance, platform, tick.cursor)
        (request,) = tick.run_requests
        assert request.tags["dagster/asset_partition_range_start"] == day == request.tags["landing_partition"]
        _apply_partition_requests(instance, tick)
        assert day in instance.get_dynamic_partitions(LANDING_DAYS.name)
        result, metadata, checks = _landing_run(home, instance, day)
        _assert_nothing_lost(result, metadata)
        if kind == "missing_table":
            assert result.success
            _assert_recovered(home, clean_home, record)
            return
        _assert_outcomes(home, record, checks)
        if kind in ROW_FAULTS:
            assert result.success  # rows refused one by one: the day flows without them
        else:
            assert not result.success  # a file quarantined whole holds the day back
            alert = failure_alert(PlatformResource(home=str(home), preset="ci", seed=SEED), instance, result)
            assert f"landing/{record[0]['file']}: {FILE_FAULT[kind]}" in alert
            assert f"make rebuild FROM={day} TO={day}" in alert
        _replace_with_clean(home, clean_home, record)
        again, metadata, _ = _landing_run(home, instance, day)
        assert again.success
        _assert_nothing_lost(again, metadata)
        _assert_recovered(home, clean_home, record)


# Run in a process of its own: the Definitions bind the state directory of the environment they load in.
NIGHT = textwrap.dedent(
    """
    import json, sys
    import dagster as dg
    from wealthpulse.settings import Settings, ensure_dirs, export_tool_environment
    settings = ensure_dirs(Settings.from_env())
    export_tool_environment(settings)
    from orchestration.definitions import defs
    from orchestration.report import build_report
    from orchestration.resources import PlatformResource
    from tests.orchestration.sensor_ticks import failure_alert, landing_tick

    platform = PlatformResource(home=str(settings.home), preset=settings.preset, seed=settings.seed)
    out = {}
    with dg.DagsterInstance.get() as instance:
        # No cursor is kept between these processes: each tick is a first tick, which skips the days built.
        first = landing_tick(instance, platform)
        out["first"] = {"requests": len(first.run_requests), "skip": first.skip_message, "cursor": first.cursor}
        if sys.argv[1] == "first-tick":
            print(json.dumps(out)); sys.exit(0)
        (request,) = first.run_requests
        for partitions in first.dynamic_partitions_requests:
            instance.add_dynamic_partitions(partitions.partitions_def_name, list(partitions.partition_keys))
        day = request.tags["landing_partition"]
        out["request"] = {"day": day, "tags": dict(request.tags), "run_key": request.run_key}
        if sys.argv[1] == "night":
            result = defs.resolve_job_def("nightly").execute_in_process(
                instance=instance, partition_key=day, tags={"landing_partition": day}, raise_on_error=False
            )
            out["success"] = result.success
            out["run_id"] = result.run_id
            out["metadata"] = {
                e.asset_key.path[-1]: {k: v.value for k, v in e.materialization.metadata.items()}
                for e in result.get_asset_materialization_events()
                if e.asset_key.path[0] == "landing"
            }
            events = result.get_asset_materialization_events()
            out["materialized"] = sorted({e.asset_key.to_user_string() for e in events})
            evaluations = result.get_asset_check_evaluations()
            out["checks"] = [[c.asset_key.path[-1], c.check_name, c.passed, c.description] for c in evaluations]
            out["report"] = build_report([result], settings, 0.0, ui_port=3001, api_port=3000).text
            if not result.success:
                failure_alert(platform, instance, result)
    print(json.dumps(out, default=str))
    """
)


def _night(home: Path, mode: str) -> dict:
    result = _python(home, "-c", NIGHT, mode)
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def _rebuild(home: Path, day: str) -> None:
    result = _python(home, "-m", "wealthpulse.cli", "rebuild", "--from", day, "--to", day)
    assert result.returncode == 0, f"{result.stdout[-4000:]}\n{result.stderr[-6000:]}"


def _marts(home: Path) -> dict[str, pd.DataFrame]:
    marts = {}
    for file in sorted((home / "marts").glob("*.parquet")):
        frame = pd.read_parquet(file)
        marts[file.stem] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return marts


def test_every_fault_at_once_through_the_nightly_then_a_rebuild_equals_the_clean_day(
    base: Path, clean: tuple[Path, str], tmp_path: Path
) -> None:
    clean_home, clean_day = clean
    # The same day landed clean, built by the same rebuild: what the recovered warehouse must equal.
    twin = _copy(base, tmp_path / "twin")
    next_day(twin / "landing", progress=False)
    assert _night(twin, "register")["request"]["day"] == clean_day
    _rebuild(twin, clean_day)

    home = _copy(base, tmp_path / "home")
    first = _night(home, "first-tick")["first"]
    assert first["requests"] == 0 and "already built" in first["skip"], first
    day, record = _land_faulty_day(home, AT_ONCE)
    night = _night(home, "night")
    assert night["request"]["day"] == day and not night["success"]
    _assert_nothing_lost(None, night["metadata"])
    checks = {
        (table, name): SimpleNamespace(passed=passed, description=description)
        for table, name, passed, description in night["checks"]
    }
    _assert_outcomes(home, record, checks)
    alert = (home / "alerts" / f"{night['run_id']}.md").read_text()
    for entry in record:
        named = f"landing/{entry['file']}: {FILE_FAULT[entry['fault']]}" if entry["fault"] in FILE_FAULT else None
        assert named is None or (named in alert and named in night["report"]), entry
        # Rows refused one by one are named, file and check, by the contract's warning in the report.
        assert entry["fault"] in FILE_FAULT or (
            entry["file"] in night["report"] and ROW_CHECK[entry["fault"]] in night["report"]
        ), entry
    # Held back: nothing past the landing tables was built from the faulty day.
    assert night["materialized"] == sorted(f"landing/{table}" for table in TABLES)

    _replace_with_clean(home, clean_home, record)
    _rebuild(home, day)
    _assert_recovered(home, twin, record)
    recovered, landed_clean = _marts(home), _marts(twin)
    assert recovered.keys() == landed_clean.keys()
    for name, frame in landed_clean.items():
        pd.testing.assert_frame_equal(recovered[name], frame, check_exact=False, rtol=1e-9, obj=name)
