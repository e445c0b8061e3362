"""Automation: the nightly run, the day's leads after it, and the sensors that react to new landing
partitions and to failed runs."""

import dagster as dg

from orchestration.advice import GENERIC, advice_for
from orchestration.defs.automation.landing_partitions import newest_partition
from orchestration.partitions import newest_as_of_day
from orchestration.resources import PlatformResource

# The assets built per as-of day (the lead list) and what reads them: run with a partition key.
DAILY = dg.AssetSelection.assets(dg.AssetKey(["serving", "lead_list"])).downstream()

# Everything downstream of the landing files: the warehouse, features, models.
downstream_of_landing = dg.define_asset_job(
    "downstream_of_landing",
    selection=dg.AssetSelection.groups("landing").downstream() - dg.AssetSelection.groups("landing") - DAILY,
    description="Rebuild the warehouse, features and models from the landing files as they are.",
)

everything = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all() - DAILY,
    description="Land the day's exports, then rebuild the warehouse, features and models; the day's leads follow.",
)

daily_leads = dg.define_asset_job(
    "daily_leads",
    selection=DAILY,
    description="The lead list of one as-of day (or a range: a backfill), and the conversion report.",
)

# The nightly landing is one more simulated day, not the whole history again.
NEXT_DAY = {"ops": {"landing_files": {"config": {"next_day": True}}}}

nightly_schedule = dg.ScheduleDefinition(
    name="nightly",
    job=everything,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    run_config=NEXT_DAY,
    description="Every night at 02:00 Beijing time: land the next day's exports, then rebuild everything downstream.",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


@dg.sensor(
    job=downstream_of_landing,
    minimum_interval_seconds=60,
    description="Starts a rebuild when a new dt= partition has landed in every daily landing table.",
    default_status=dg.DefaultSensorStatus.STOPPED,
)
def new_landing_partition(context: dg.SensorEvaluationContext, platform: PlatformResource):
    newest = newest_partition(platform.settings.landing_dir)
    if newest is None:
        return dg.SkipReason(f"no landing partitions yet in {platform.settings.landing_dir}")
    if context.cursor and newest <= context.cursor:
        return dg.SkipReason(f"newest partition {newest} already processed")
    context.update_cursor(newest)
    # The run key makes a re-evaluation of the same partition start nothing twice.
    return dg.RunRequest(run_key=f"landing-{newest}", tags={"landing_partition": newest})


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[everything, downstream_of_landing],
    request_job=daily_leads,
    description="After a successful nightly or rebuild run, builds the lead list of the newest as-of day.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def leads_after_rebuild(context: dg.RunStatusSensorContext):
    day = newest_as_of_day(context.instance)
    if day is None:
        return dg.SkipReason("the warehouse has registered no as-of day yet")
    # One lead run per successful rebuild, even when a sensor tick is evaluated twice.
    return dg.RunRequest(run_key=f"leads-{day}-{context.dagster_run.run_id}", partition_key=day)


@dg.run_failure_sensor(
    description="When a run fails, writes alerts/<run id>.md: each failed step, its error and what to do.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def what_to_do_on_failure(context: dg.RunFailureSensorContext, platform: PlatformResource):
    run = context.dagster_run
    lines = [f"# Run {run.run_id} of {run.job_name} failed", ""]
    failures = context.get_step_failure_events()
    for event in failures:
        error = event.event_specific_data.error
        while error is not None and error.cause is not None:  # the user's error, not Dagster's wrapper
            error = error.cause
        message = (error.message if error else event.message or "").strip().splitlines()
        lines += [f"## Step {event.step_key}", "", message[0] if message else "", "", advice_for(event.step_key), ""]
    if not failures:
        lines += [context.failure_event.message or "The run failed before any step ran.", "", GENERIC, ""]
    folder = platform.settings.home / "alerts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run.run_id}.md").write_text("\n".join(lines))
    context.log.info("\n".join(lines))


defs = dg.Definitions(
    jobs=[downstream_of_landing, everything, daily_leads],
    schedules=[nightly_schedule],
    sensors=[new_landing_partition, leads_after_rebuild, what_to_do_on_failure],
)
