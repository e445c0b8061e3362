"""What `wealthpulse run` shows while it runs: every step in a stage, the stage lines, the estimate, and
library output kept off the terminal but in Dagster's log."""

from __future__ import annotations

import io
import json
import os
import sys
import warnings

import dagster as dg
import pytest
from dagster._core.events import StepMaterializationData
from dagster._core.execution.plan.objects import StepSuccessData

from orchestration.progress import (
    STAGE_NAMES,
    ProgressView,
    RunProgress,
    execute,
    format_line,
    previous_stage_times,
    stage_of_asset,
    step_stages,
    write_record,
)
from orchestration.quiet import output_to

JOBS = ("brokerage_export", "nightly", "daily_leads")


@pytest.fixture(scope="module")
def defs():
    from orchestration.definitions import defs

    return defs


def test_every_asset_and_check_of_the_graph_has_a_stage(defs):
    graph = defs.resolve_asset_graph()
    unassigned = [
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if stage_of_asset(key, graph.get(key).group_name) is None
    ]
    assert not unassigned
    stages = step_stages(defs)
    steps = {node.name for name in JOBS for node in defs.resolve_job_def(name).graph.node_defs}
    assert {step for step in steps if stages.get(step) not in STAGE_NAMES} == set()
    # Every stage a person sees has steps of its own.
    assert {stages[step] for step in steps} == set(STAGE_NAMES)


@pytest.mark.parametrize(
    ("key", "group", "stage"),
    [
        ("landing/trades", "landing", "contracts"),
        ("mart_client_features", "warehouse", "dbt"),
        ("features/online_store", "features", "online_store"),
        ("models/churn_training_set", "models", "training_sets"),
        ("models/intent_model", "models", "training"),
        ("models/tiering_onnx", "models", "training"),
        ("models/churn_registered", "models", "registration"),
        ("serving/lead_list", "serving", "scores_and_leads"),
        ("something/new", "elsewhere", None),
    ],
)
def test_an_asset_belongs_to_the_stage_of_its_group_and_name(key, group, stage):
    assert stage_of_asset(dg.AssetKey(key.split("/")), group) == stage


def test_a_stage_line_says_where_it_is_how_much_and_how_long():
    line = format_line(3, 8, "dbt (warehouse)", "running", 42.4, 27, 32, "assets", 834_567, 70)
    assert line.startswith("[3/8] dbt (warehouse) ")
    assert "running" in line and "27/32 assets" in line and "834,567 rows" in line
    assert line.endswith("0:42  about 1:10 left")
    done = format_line(1, 8, "simulate", "done", 3725, 1, 1, "steps")
    assert "1/1 steps" in done and done.endswith("1:02:05") and "rows" not in done and "left" not in done
    assert format_line(8, 8, "batch scores and leads", "waiting") == "[8/8] batch scores and leads waiting"


class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def _event(kind: str, step: str, metadata: dict | None = None) -> dg.DagsterEvent:
    if kind == "materialization":
        data = dg.AssetMaterialization(asset_key=dg.AssetKey([step]), metadata=metadata or {})
        return dg.DagsterEvent(
            event_type_value="ASSET_MATERIALIZATION",
            job_name="j",
            step_key=step,
            event_specific_data=StepMaterializationData(data),
        )
    data = StepSuccessData(duration_ms=0.0) if kind == "STEP_SUCCESS" else None
    return dg.DagsterEvent(event_type_value=kind, job_name="j", step_key=step, event_specific_data=data)


def test_stage_times_add_up_from_their_steps_and_the_estimate_scales_the_previous_run():
    clock = Clock()
    stages = {"simulate_export": "simulate", "landing_files": "contracts", "warehouse_models": "dbt"}
    # The previous run: simulate 10 s, contracts 20 s, dbt 100 s.
    progress = RunProgress(stages, previous={"simulate": 10, "contracts": 20, "dbt": 100}, now=clock)
    for state, steps in zip(("simulate", "contracts", "dbt"), stages, strict=True):
        progress.states[state].steps.add(steps)
    progress.states["contracts"].assets = 2
    assert progress.left() == pytest.approx(130)
    progress.handle(_event("STEP_START", "simulate_export"))
    clock.t = 20.0  # twice as slow as the previous run
    progress.handle(_event("STEP_SUCCESS", "simulate_export"))
    assert progress.states["simulate"].status == "done"
    assert progress.left() == pytest.approx(240)
    progress.handle(_event("STEP_START", "landing_files"))
    progress.handle(_event("materialization", "landing_files", {"landed_rows": 1_000, "rows": 7}))
    clock.t = 30.0
    # 10 s into contracts, of about 40: 30 s left there, 200 s for dbt.
    assert progress.left() == pytest.approx(230)
    line = progress.line(progress.states["contracts"], progress.left())
    assert "[2/8] contracts (landing)" in line and "1/2 assets" in line and "1,000 rows" in line
    assert line.endswith("0:10  about 3:50 left")
    progress.handle(_event("STEP_SUCCESS", "landing_files"))
    times = {s["stage"]: s for s in progress.stage_times()}
    assert times["simulate"]["seconds"] == 20 and times["contracts"]["seconds"] == 10
    assert times["dbt"]["status"] == "not run" and times["contracts"]["rows"] == 1_000


def test_without_a_previous_run_a_line_shows_elapsed_time_only():
    progress = RunProgress({"simulate_export": "simulate"}, previous=None, now=Clock())
    progress.states["simulate"].steps.add("simulate_export")
    progress.handle(_event("STEP_START", "simulate_export"))
    assert progress.left() is None
    assert "left" not in progress.lines()[0]


def test_the_estimate_reads_the_newest_successful_run_of_the_same_preset(tmp_path):
    def record(name, preset, ok, seconds):
        stages = [{"stage": "dbt", "seconds": seconds, "status": "done"}]
        write_record(tmp_path, {"id": name, "preset": preset, "ok": ok, "stages": stages})

    record("20261201T000000Z", "ci", True, 50.0)
    record("20261202T000000Z", "ci", True, 60.0)
    record("20261203T000000Z", "ci", False, 70.0)
    record("20261204T000000Z", "small", True, 80.0)
    assert previous_stage_times(tmp_path, "ci") == {"dbt": 60.0}
    assert json.loads((tmp_path / "20261202T000000Z.json").read_text())["ok"] is True
    assert previous_stage_times(tmp_path, "demo") == {}


@dg.asset(group_name="landing")
def noisy_landing() -> dg.MaterializeResult:
    warnings.warn("ibis.common.deprecated: old spelling, noisy on purpose", DeprecationWarning, stacklevel=1)
    print("Materializing 2 feature views to 2026-12-05, noisy on purpose")
    os.write(2, b"[LightGBM] [Warning] noisy on purpose, from C\n")
    return dg.MaterializeResult(metadata={"landed_rows": 12})


@dg.asset(group_name="warehouse", deps=[noisy_landing])
def failing_table() -> None:
    raise ValueError("the table cannot be built, said plainly")


def test_library_noise_stays_in_the_dagster_log_and_errors_reach_the_terminal(tmp_path, capfd):
    job = dg.define_asset_job("noisy", selection=[noisy_landing, failing_table])
    defs = dg.Definitions(assets=[noisy_landing, failing_table], jobs=[job])
    resolved = defs.resolve_job_def("noisy")
    progress = RunProgress(step_stages(defs))
    progress.plan(resolved)
    log = tmp_path / "run.log"
    streams = sys.stdout, sys.stderr
    with warnings.catch_warnings():
        # As outside pytest (which records warnings instead of printing them): printed to standard error.
        warnings.simplefilter("always", DeprecationWarning)
        warnings.showwarning = _to_stderr
        with dg.DagsterInstance.local_temp(tempdir=str(tmp_path)) as instance:
            with output_to(log) as terminal, ProgressView(progress, terminal, interactive=False) as view:
                result = execute(resolved, instance, view)
            captured = instance.compute_log_manager.get_log_data(_logs_key(instance, result.run_id))
    out, err = capfd.readouterr()
    shown = out + err
    assert not result.success
    for noise in ("noisy on purpose", "DeprecationWarning", "dagster - "):
        assert noise not in shown
    # The lines a person reads, and the error of the failed step.
    assert "[2/8] contracts (landing)" in shown and "12 rows" in shown
    assert "[3/8] dbt (warehouse)" in shown and "FAILED" in shown
    assert "step failing_table failed: ValueError: the table cannot be built, said plainly" in shown
    # Dagster keeps the step's output (the UI shows it under the run), and the run's log file has it all.
    kept = (captured.stdout or b"").decode() + (captured.stderr or b"").decode()
    assert "DeprecationWarning: ibis.common.deprecated" in kept and "[LightGBM]" in kept
    assert "Materializing 2 feature views" in kept
    assert "DeprecationWarning" in log.read_text() and "dagster - ERROR" in log.read_text()
    assert (sys.stdout, sys.stderr) == streams  # the streams are back


def _to_stderr(message, category, filename, lineno, file=None, line=None):
    sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))


def _logs_key(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.LOGS_CAPTURED)
    file_key = records[0].dagster_event.logs_captured_data.file_key
    return instance.compute_log_manager.build_log_key_for_run(run_id, file_key)


def test_on_a_terminal_the_stage_lines_are_redrawn_in_place():
    progress = RunProgress({"simulate_export": "simulate"}, now=Clock())
    progress.states["simulate"].steps.add("simulate_export")
    stream = io.StringIO()
    view = ProgressView(progress, stream, interactive=True)
    view.redraw()
    progress.handle(_event("STEP_START", "simulate_export"))
    view.redraw()
    text = stream.getvalue()
    first, second = text.split("\x1b[8F\x1b[J")
    assert first.count("\n") == 8 and second.count("\n") == 8
    assert format_line(1, 8, "simulate", "waiting") in first.splitlines()
    assert second.splitlines()[0].startswith("[1/8] simulate               running")
