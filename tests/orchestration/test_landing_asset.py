"""The landing asset on a faulty day, through Dagster: every table's contract recorded, nothing lost, the day
held back by a file quarantined whole with a message naming it, and released by a clean re-export."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest

from landing.quarantine import quarantined_files
from orchestration.defs.landing.assets import landing_files
from orchestration.partitions import LANDING_DAYS
from orchestration.resources import PlatformResource
from simulator import TABLES, next_day, simulate_to_disk
from simulator.faults import inject_faults


@pytest.fixture(scope="module")
def landed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    home = tmp_path_factory.mktemp("home")
    simulate_to_disk(300, 19, 5, home / "landing", progress=False)
    return home, next_day(home / "landing", progress=False).days_written[0]


def _materialize(home: Path, day: str, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    instance.add_dynamic_partitions(LANDING_DAYS.name, [day])
    platform = PlatformResource(home=str(home), preset="ci", seed=7)
    return dg.materialize(
        [landing_files], partition_key=day, instance=instance, resources={"platform": platform}, raise_on_error=False
    )


def test_a_truncated_file_holds_its_day_back_and_a_clean_copy_releases_it(landed, tmp_path: Path) -> None:
    source, day = landed
    home = tmp_path / "home"
    shutil.copytree(source / "landing", home / "landing")
    (entry,) = inject_faults(home / "landing", 0.05, seed=1, days=[day], kinds=["truncated_file"])
    with dg.instance_for_test() as instance:
        result = _materialize(home, day, instance)
        assert not result.success
        failure = next(e for e in result.all_events if e.is_step_failure)
        message = failure.step_failure_data.user_failure_data.description
        assert f"landing/{entry['file']}: unreadable_file: the file is truncated" in message
        assert f"make rebuild FROM={day} TO={day}" in message
        # Every table is materialized with its contract; the good ones pass, nothing is lost anywhere.
        materialized = {
            e.asset_key.path[-1]: e.materialization.metadata for e in result.get_asset_materialization_events()
        }
        assert set(materialized) == set(TABLES)
        for metadata in materialized.values():
            landed_rows = metadata["landed_rows"].value
            assert landed_rows == metadata["accepted_rows"].value + metadata["quarantined_rows"].value
        checks = {(c.asset_key.path[-1], c.check_name): c for c in result.get_asset_check_evaluations()}
        assert len(checks) == 2 * len(TABLES)
        assert all(c.passed for (_, name), c in checks.items() if name == "rows_reconcile")
        failed = {table for (table, name), c in checks.items() if name == "contract" and not c.passed}
        assert failed == {entry["table"]}
        assert [f.file for f in quarantined_files(home / "quarantine", entry["table"])] == [entry["file"]]

        shutil.copyfile(source / "landing" / entry["file"], home / "landing" / entry["file"])
        again = _materialize(home, day, instance)
        assert again.success
        assert quarantined_files(home / "quarantine", entry["table"]) == []
