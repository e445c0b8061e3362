"""What `wealthpulse run` shows while it runs: one line per stage, from Dagster's event stream.

A person follows the run as eight stages (simulate, contracts, dbt, online store, training sets,
training, registration, batch scores and leads), not as Dagster's steps: every step belongs to the stage
of the assets it materializes or checks. A stage's time is the time of its steps (the run executes
them one after another in this process), so the stages' times add up to the run's. The estimate of
what is left scales the previous run's stage times (recorded under `<home>/runs/`) by how this run
compares with it so far; without a previous run, a line shows the time elapsed only.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import dagster as dg
from dagster._core.utils import make_new_run_id

from orchestration.advice import failure_message


@dataclass(frozen=True)
class Stage:
    name: str
    label: str


STAGES = (
    Stage("simulate", "simulate"),
    Stage("contracts", "contracts (landing)"),
    Stage("dbt", "dbt (warehouse)"),
    Stage("online_store", "online store"),
    Stage("training_sets", "training sets"),
    Stage("training", "training"),
    Stage("registration", "registration"),
    Stage("scores_and_leads", "batch scores and leads"),
)
STAGE_NAMES = tuple(stage.name for stage in STAGES)
# The ops that are no asset: the brokerage's export (simulated).
OP_STAGES = {"simulate_export": "simulate"}
GROUP_STAGES = {"landing": "contracts", "warehouse": "dbt", "features": "online_store", "serving": "scores_and_leads"}
# The metadata that counts an asset's rows, in order of preference: a landing table's rows over all its
# days (its `rows` are those of the run's days only), then a table's or training set's rows.
ROW_KEYS = ("landed_rows", "rows", "dagster/row_count")


def stage_of_asset(key: dg.AssetKey, group: str | None) -> str | None:
    """The stage of an asset, by its group and, for the models, by what its key names."""
    if group == "models":
        name = key.path[-1]
        if name.endswith("_training_set"):
            return "training_sets"
        if name.endswith("_registered"):
            return "registration"
        return "training"  # the model, its ONNX export, and any evaluation beside them
    return GROUP_STAGES.get(group or "")


def step_stages(defs: dg.Definitions) -> dict[str, str | None]:
    """The stage of every op of the code location (a step key is its op's name), None where its assets
    belong to no stage or to several."""
    graph = defs.resolve_asset_graph()
    stages: dict[str, str | None] = dict(OP_STAGES)
    for assets_def in graph.assets_defs:
        if not assets_def.is_executable:
            continue
        keys = set(assets_def.keys) | {check.asset_key for check in assets_def.check_keys}
        found = {stage_of_asset(key, graph.get(key).group_name) for key in keys}
        stages[assets_def.node_def.name] = found.pop() if len(found) == 1 else None
    return stages


def rows_of(metadata: Mapping[str, object]) -> int | None:
    for key in ROW_KEYS:
        entry = metadata.get(key)
        value = getattr(entry, "value", entry)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return int(value)
    return None


def clock(seconds: float) -> str:
    """m:ss, or h:mm:ss past the hour."""
    seconds = max(int(round(seconds)), 0)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def format_line(
    index: int,
    total: int,
    label: str,
    status: str,
    seconds: float = 0.0,
    done: int | None = None,
    of: int | None = None,
    unit: str = "assets",
    rows: int | None = None,
    left: float | None = None,
) -> str:
    """One stage's line: `[3/8] dbt (warehouse)  running  27/32 assets  834,567 rows  0:42  about 1:10 left`."""
    line = f"[{index}/{total}] {label:<22} {status:<8}"
    if status == "waiting":
        return line.rstrip()
    line += f" {f'{done}/{of} {unit}' if of else '':<13}"
    line += f" {f'{rows:,} rows' if rows is not None else '':>16}"
    line += f" {clock(seconds):>7}"
    if left is not None:
        line += f"  about {clock(left)} left"
    return line.rstrip()


@dataclass
class StageState:
    stage: Stage
    steps: set[str] = field(default_factory=set)
    assets: int = 0
    started: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    failed: bool = False
    materialized: int = 0
    rows: int | None = None
    seconds: float = 0.0  # of its finished steps
    running_since: dict[str, float] = field(default_factory=dict)

    @property
    def status(self) -> str:
        if not self.started:
            return "waiting"
        if self.failed:
            return "FAILED"
        return "done" if self.finished >= self.steps else "running"

    def elapsed(self, now: float) -> float:
        return self.seconds + sum(now - since for since in self.running_since.values())


class RunProgress:
    """The stages of one `wealthpulse run` as its Dagster events arrive (any number of Dagster runs)."""

    def __init__(
        self,
        stages_of_steps: Mapping[str, str | None],
        previous: Mapping[str, float] | None = None,
        now: Callable[[], float] = time.monotonic,
    ):
        self.stages_of_steps = dict(stages_of_steps)
        self.states = {stage.name: StageState(stage) for stage in STAGES}
        self.previous = dict(previous or {})
        self.now = now
        self.failures: list[str] = []
        self.lock = threading.RLock()

    def plan(self, job: dg.JobDefinition) -> None:
        """The steps and assets a job will run, so a stage knows when it is done."""
        selected = job.asset_layer.executable_asset_keys
        graph = job.asset_layer.asset_graph
        for node in job.graph.node_defs:
            stage = self.stages_of_steps.get(node.name)
            if stage in self.states:
                self.states[stage].steps.add(node.name)
        for key in selected:
            stage = stage_of_asset(key, graph.get(key).group_name)
            if stage in self.states:
                self.states[stage].assets += 1

    def stage_of(self, step_key: str | None) -> StageState | None:
        return self.states.get(self.stages_of_steps.get(step_key or "") or "")

    def handle(self, event: dg.DagsterEvent) -> StageState | None:
        """Take one event; the stage it changed, if any."""
        with self.lock:
            state = self.stage_of(event.step_key)
            if state is None:
                return None
            now, step = self.now(), event.step_key
            if event.is_step_start:
                state.started.add(step)
                state.running_since[step] = now
            elif event.is_step_success or event.is_step_failure or event.is_step_skipped:
                state.started.add(step)
                state.finished.add(step)
                state.seconds += now - state.running_since.pop(step, now)
                if event.is_step_failure:
                    state.failed = True
                    lines = failure_message(event)
                    self.failures.append(f"step {step} failed: {lines[0] if lines else event.message}")
            elif event.is_step_materialization:
                state.materialized += 1
                materialization = event.event_specific_data.materialization
                rows = rows_of(dict(materialization.metadata))
                if rows is not None:
                    state.rows = (state.rows or 0) + rows
            else:
                return None
            return state

    def left(self) -> float | None:
        """Seconds left: the previous run's time of each unfinished stage, scaled by how long the finished
        stages took against their time then; None without a previous run."""
        if not self.previous:
            return None
        now = self.now()
        finished = [s for s in self.states.values() if s.status in ("done", "FAILED")]
        then = sum(self.previous.get(s.stage.name, 0.0) for s in finished)
        ratio = sum(s.seconds for s in finished) / then if then > 0 else 1.0
        return sum(
            max(self.previous.get(s.stage.name, 0.0) * ratio - s.elapsed(now), 0.0)
            for s in self.states.values()
            if s.status in ("waiting", "running")
        )

    def line(self, state: StageState, left: float | None = None) -> str:
        index = STAGE_NAMES.index(state.stage.name) + 1
        if state.assets:
            done, of, unit = state.materialized, state.assets, "assets"
        else:
            done, of, unit = len(state.finished), len(state.steps), "steps"
        return format_line(
            index,
            len(STAGES),
            state.stage.label,
            state.status,
            state.elapsed(self.now()),
            done,
            of,
            unit,
            state.rows,
            left if state.status == "running" else None,
        )

    def lines(self) -> list[str]:
        with self.lock:
            left = self.left()
            return [self.line(state, left) for state in self.states.values()]

    def stage_times(self) -> list[dict[str, object]]:
        now = self.now()
        return [
            {
                "stage": s.stage.name,
                "label": s.stage.label,
                "status": s.status if s.started else "not run",
                "seconds": round(s.elapsed(now), 3),
                "rows": s.rows,
                "assets": s.materialized,
            }
            for s in self.states.values()
        ]


class ProgressView:
    """Writes the progress to the terminal. On a terminal the eight lines are redrawn in place every
    second; into a file or a pipe, a stage's line is written when it starts and when it ends."""

    def __init__(self, progress: RunProgress, stream: TextIO, interactive: bool | None = None):
        self.progress = progress
        self.stream = stream
        self.interactive = stream.isatty() if interactive is None else interactive
        self.drawn = 0
        self.shown: dict[str, str] = {}
        self.stop = threading.Event()
        self.ticker: threading.Thread | None = None

    def __enter__(self) -> ProgressView:
        if self.interactive:
            self.redraw()
            self.ticker = threading.Thread(target=self._tick, daemon=True)
            self.ticker.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        if self.ticker is not None:
            self.ticker.join()
        if self.interactive:
            self.redraw()
        self.stream.flush()

    def _tick(self) -> None:
        while not self.stop.wait(1.0):
            self.redraw()

    def redraw(self, message: str | None = None) -> None:
        with self.progress.lock:
            # Up to the first line drawn, clear to the end of the screen, then the message and the lines.
            text = f"\x1b[{self.drawn}F\x1b[J" if self.drawn else ""
            lines = self.progress.lines()
            text += (message + "\n" if message else "") + "".join(line + "\n" for line in lines)
            self.stream.write(text)
            self.stream.flush()
            self.drawn = len(lines)

    def say(self, message: str) -> None:
        """A line for the person (a failed step): above the stage lines on a terminal."""
        if self.interactive:
            self.redraw(message)
        else:
            self.stream.write(message + "\n")
            self.stream.flush()

    def on_event(self, record: dg.EventLogEntry) -> None:
        event = record.dagster_event
        if event is None:
            return
        failures = len(self.progress.failures)
        state = self.progress.handle(event)
        if state is None:
            return
        for message in self.progress.failures[failures:]:
            self.say(message)
        if self.interactive:
            self.redraw()
            return
        # Written at its start and at its end, not at each asset in between.
        status = state.status
        if self.shown.get(state.stage.name) != status and status != "waiting":
            self.shown[state.stage.name] = status
            with self.progress.lock:
                self.say(self.progress.line(state, self.progress.left()))


def runs_dir(home: Path) -> Path:
    """Where each `wealthpulse run` records its stage times and keeps its full log (`<home>/runs/`)."""
    return home / "runs"


def stamp(at: datetime | None = None) -> str:
    """The id of a `wealthpulse run`: when it started, in UTC (its record and log are named by it)."""
    return (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def execute(job: dg.JobDefinition, instance: dg.DagsterInstance, view: ProgressView, **kwargs):
    """Run `job` in this process, every event it stores shown by `view` as it is stored."""
    run_id = make_new_run_id()

    def listener(record: dg.EventLogEntry) -> None:
        try:
            view.on_event(record)
        except Exception as error:  # what the terminal shows must never stop the run
            print(f"the progress display failed on an event: {error!r}", file=sys.stderr)

    instance.add_event_listener(run_id, listener)
    return job.execute_in_process(instance=instance, run_id=run_id, raise_on_error=False, **kwargs)


def previous_stage_times(folder: Path, preset: str) -> dict[str, float]:
    """The stage times of the newest successful run of this preset recorded in `folder`; empty if none."""
    for path in sorted(folder.glob("*.json"), reverse=True):
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if record.get("ok") and record.get("preset") == preset:
            return {s["stage"]: float(s["seconds"]) for s in record.get("stages", []) if s.get("status") == "done"}
    return {}


def write_record(folder: Path, record: Mapping[str, object]) -> Path:
    """`<folder>/<id>.json`, written whole (temp file, then rename)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{record['id']}.json"
    path.with_suffix(".tmp").write_text(json.dumps(record, indent=2) + "\n")
    path.with_suffix(".tmp").replace(path)
    return path


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else []


def run_record(
    run: str, settings, results, stages: list[dict[str, object]], seconds: float, ok: bool
) -> dict[str, object]:
    """What `<home>/runs/<id>.json` keeps of a run: its scale, its stage times and rows, its Dagster runs, and the
    machine's load (a shared machine's times are not a quiet one's)."""
    from simulator import PRESETS

    preset = PRESETS.get(settings.preset)
    return {
        "id": run,
        "preset": settings.preset,
        "clients": getattr(preset, "clients", None),
        "days": getattr(preset, "days", None),
        "seed": settings.seed,
        "engine": settings.engine,
        "ok": ok,
        "seconds": round(seconds, 3),
        "stages": stages,
        "dagster_runs": {result.job_def.name: result.run_id for result in results},
        "cpus": os.cpu_count(),
        "load_average": load_average(),
    }
