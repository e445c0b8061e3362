"""When the warehouse builds incrementally or fully, and how dbt's source freshness is read."""

from __future__ import annotations

import os
from pathlib import Path

from orchestration.defs.warehouse.freshness import read_freshness
from orchestration.defs.warehouse.refresh import full_refresh_reason, record_build


def _landing(root: Path, days: list[str]) -> Path:
    for day in days:
        folder = root / "landing" / "trades" / f"dt={day}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "part-0.parquet").write_bytes(b"rows")
    return root / "landing"


def _project(root: Path) -> Path:
    (root / "project" / "models").mkdir(parents=True)
    (root / "project" / "macros").mkdir()
    (root / "project" / "dbt_project.yml").write_text("name: p\n")
    (root / "project" / "models" / "m.sql").write_text("select 1\n")
    return root / "project"


def _age(landing: Path, day: str, seconds: float) -> None:
    file = landing / "trades" / f"dt={day}" / "part-0.parquet"
    os.utime(file, (seconds, seconds))


def test_first_build_is_full_then_a_new_day_is_incremental(tmp_path):
    landing, project, record = _landing(tmp_path, ["2025-01-01", "2025-01-02"]), _project(tmp_path), tmp_path / "r.json"
    assert full_refresh_reason(landing, record, project) == "no record of an earlier build"
    _age(landing, "2025-01-01", 1_000)
    _age(landing, "2025-01-02", 1_000)
    record_build(landing, record, project, started_at=2_000)
    assert full_refresh_reason(landing, record, project) is None
    _landing(tmp_path, ["2025-01-03"])  # the nightly export: a new partition only
    assert full_refresh_reason(landing, record, project) is None


def test_a_rewritten_covered_day_or_a_changed_project_forces_a_full_refresh(tmp_path):
    landing, project, record = _landing(tmp_path, ["2025-01-01", "2025-01-02"]), _project(tmp_path), tmp_path / "r.json"
    for day in ("2025-01-01", "2025-01-02"):
        _age(landing, day, 1_000)
    record_build(landing, record, project, started_at=2_000)
    _age(landing, "2025-01-01", 3_000)  # the history was exported again
    assert "trades/dt=2025-01-01" in full_refresh_reason(landing, record, project)
    _age(landing, "2025-01-01", 1_000)
    (project / "models" / "m.sql").write_text("select 2\n")
    assert full_refresh_reason(landing, record, project) == "the dbt project changed since the last build"


def test_an_unreadable_record_means_never_built(tmp_path):
    landing, project, record = _landing(tmp_path, ["2025-01-01"]), _project(tmp_path), tmp_path / "r.json"
    record.write_text("{not json")
    assert full_refresh_reason(landing, record, project) == "no record of an earlier build"


def test_read_freshness_names_each_table_with_its_age_and_thresholds():
    sources = {
        "results": [
            {
                "unique_id": "source.wealthpulse.landing.trades",
                "status": "warn",
                "max_loaded_at": "2025-11-25T00:00:00+00:00",
                "max_loaded_at_time_ago_in_s": 3 * 86400.0,
                "criteria": {"warn_after": {"count": 1, "period": "day"}, "error_after": {"count": 3, "period": "day"}},
            },
            {"unique_id": "source.wealthpulse.landing.app_events", "status": "runtime error", "error": "no files"},
        ]
    }
    app_events, trades = read_freshness(sources)
    assert (trades.table, trades.status, trades.age_days) == ("trades", "warn", 3)
    assert trades.newest_partition == "2025-11-25"
    assert not trades.is_error and "warn after 1 days, error after 3 days" in trades.line()
    assert app_events.is_error and "no files" in app_events.line()
