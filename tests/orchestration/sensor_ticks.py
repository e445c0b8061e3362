"""Evaluate the platform's sensors as the daemon does, for tests that drive them by hand."""

from __future__ import annotations

import dagster as dg

from orchestration.defs.automation.definitions import new_landing_partition, what_to_do_on_failure
from orchestration.resources import PlatformResource


def landing_tick(instance: dg.DagsterInstance, platform: PlatformResource, cursor: str | None = None):
    """One tick of `new_landing_partition` from `cursor`."""
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"platform": platform}) as context:
        return new_landing_partition.evaluate_tick(context)


def failure_alert(platform: PlatformResource, instance: dg.DagsterInstance, result: dg.ExecuteInProcessResult) -> str:
    """The alert `what_to_do_on_failure` writes for the failed run `result`."""
    failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
    context = dg.build_run_status_sensor_context(
        sensor_name="what_to_do_on_failure",
        dagster_instance=instance,
        dagster_run=result.dagster_run,
        dagster_event=failure,
        resources={"platform": platform},
    ).for_run_failure()
    what_to_do_on_failure(context)
    return (platform.settings.alerts_dir / f"{result.run_id}.md").read_text()
