"""The report after `wealthpulse run`: every row count says what it counts, and where the full log is."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg

from orchestration.report import build_report, rows_by_section
from wealthpulse.settings import Settings


@dg.asset(key=["landing", "trades"], group_name="landing")
def trades() -> dg.MaterializeResult:
    # The newest day is a Sunday: no trades on it, 5,000 over all days.
    return dg.MaterializeResult(metadata={"rows": 0, "landed_rows": 5_000, "last_day": "2025-11-30"})


@dg.asset(group_name="warehouse", deps=[trades])
def stg_landing__trades() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"dagster/row_count": 4_990})


@dg.asset(key=["models", "churn_training_set"], group_name="models", deps=[stg_landing__trades])
def churn_training_set() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 1_234})


@dg.asset(key=["serving", "lead_list"], group_name="serving", deps=[churn_training_set])
def lead_list() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"rows": 56, "date": "2025-11-30"})


def _report(tmp_path: Path, **kwargs) -> str:
    job = dg.define_asset_job("report", selection="*")
    defs = dg.Definitions(assets=[trades, stg_landing__trades, churn_training_set, lead_list], jobs=[job])
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("report").execute_in_process(instance=instance)
    settings = Settings(home=tmp_path, preset="ci", seed=7)
    return build_report([result], settings, 12.0, ui_port=3001, api_port=3000, **kwargs).text, result.run_id


def test_landing_rows_count_every_landed_day_and_each_count_is_labelled(tmp_path):
    text, _ = _report(tmp_path)
    section = text.split("Rows per layer:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert section == [
        "  landing: rows landed over all days, accepted + quarantined:",
        f"    {'landing/trades':<40} {5_000:>12,}",
        "  warehouse: rows in each table, all days:",
        f"    {'stg_landing__trades':<40} {4_990:>12,}",
        "  training sets: labelled (client, as-of day) rows, all days:",
        f"    {'models/churn_training_set':<40} {1_234:>12,}",
        "  scores and leads: rows of 2025-11-30:",
        f"    {'serving/lead_list':<40} {56:>12,}",
    ]
    # The end-to-end test reads the rows as `<key> <count>` lines: the labels are not such lines.
    assert re.findall(r"^\s+(\S+)\s+([\d,]+)$", "\n".join(section), flags=re.M) == [
        ("landing/trades", "5,000"),
        ("stg_landing__trades", "4,990"),
        ("models/churn_training_set", "1,234"),
        ("serving/lead_list", "56"),
    ]


def test_the_online_store_counts_the_clients_of_its_day():
    sections = rows_by_section({"features/online_store": {"clients": 2_000, "as_of_date": "2025-11-27"}})
    assert sections == {"online store: clients written for 2025-11-27": [("features/online_store", 2_000)]}


def test_the_report_lists_stage_times_and_says_where_the_full_log_is(tmp_path):
    stages = [
        {"label": "simulate", "seconds": 6.1, "status": "done", "rows": None},
        {"label": "contracts (landing)", "seconds": 10.25, "status": "done", "rows": 5_000},
        {"label": "batch scores and leads", "seconds": 0.0, "status": "not run", "rows": None},
    ]
    log = tmp_path / "runs" / "20261205T204000Z.log"
    text, run_id = _report(tmp_path, stage_times=stages, log_path=log)
    times = text.split("Stage times:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert times == [
        "  simulate                      6.1 s  done",
        "  contracts (landing)          10.2 s  done            5,000 rows",
        "  batch scores and leads        0.0 s  not run",
    ]
    assert f"Log:    {log}" in text
    assert f"Runs:   report {run_id} (every step's log: make ui, then Runs)" in text
