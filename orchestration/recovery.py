"""Runs whose process died: a run killed half-way stays "started" in the instance for ever.

`wealthpulse run` tags each run with the process running it. Before a new run starts, every
run still marked started whose process is gone is marked failed, saying why and what to do, so
the UI shows what happened. The re-run itself rebuilds every asset from the landing files; every
step writes whole files or whole tables (replace, not append), so nothing is duplicated.
"""

from __future__ import annotations

import os
import socket

import dagster as dg
from dagster._core.storage.dagster_run import DagsterRunStatus

PID_TAG = "wealthpulse/pid"
HOST_TAG = "wealthpulse/host"
ABANDONED = (
    "the process running this run stopped before it finished (killed or crashed); "
    "nothing it left half-written is kept: run `make run` again to rebuild every asset"
)


def run_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def fail_abandoned_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed every started run of this host whose process is gone; their ids."""
    host = socket.gethostname()
    marked = []
    started = instance.get_runs(filters=dg.RunsFilter(statuses=[DagsterRunStatus.STARTED]))
    for run in started:
        pid = run.tags.get(PID_TAG)
        if pid is None or run.tags.get(HOST_TAG) != host or _alive(int(pid)):
            continue
        instance.report_run_failed(run, message=ABANDONED)
        marked.append(run.run_id)
    return marked
