"""Automation: the nightly export, the build of each new landing day, the day's scores and leads after
it, and the sensor that reacts to failed runs.

The chain: the `nightly_export` schedule runs `brokerage_export` (one more simulated day); the
`new_landing_partition` sensor sees the new `dt=` day, registers it as a landing_day partition and runs
`nightly` for it; `leads_after_rebuild` then runs `daily_leads` for the newest as-of day.
"""

import dagster as dg

from landing.partitions import CALENDAR_TABLE, landed_days, waiting_message
from orchestration.advice import GENERIC, advice_for, failure_message
from orchestration.defs.landing.assets import brokerage_export, landing_key
from orchestration.partitions import AS_OF_DAYS, LANDING_DAYS, newest_day, partition_range
from orchestration.resources import PlatformResource

# The assets built per as-of day (batch scores, the lead list) and what reads them: run with a partition key.
DAILY = dg.AssetSelection.assets(dg.AssetKey(["serving", "client_scores"])).downstream()

everything = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all() - DAILY,
    description=(
        "Build landing days (the new one, or a range: a backfill): the landing tables and their contracts, "
        "the warehouse, the online store, then retrain the models; the day's scores and leads follow."
    ),
)

daily_leads = dg.define_asset_job(
    "daily_leads",
    selection=DAILY,
    description=(
        "The batch scores and lead list of one as-of day (or a range: a backfill), then the segments and the "
        "conversion report."
    ),
)

# The nightly export is one more simulated day, not the whole history again.
NEXT_DAY = {"ops": {"simulate_export": {"config": {"next_day": True}}}}

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_export",
    job=brokerage_export,
    cron_schedule="0 2 * * *",
    execution_timezone="Asia/Shanghai",
    run_config=NEXT_DAY,
    description="Every night at 02:00 Beijing time: the brokerage's export of the next day (simulated).",
    default_status=dg.DefaultScheduleStatus.STOPPED,
)


@dg.sensor(
    job=everything,
    minimum_interval_seconds=60,
    description=(
        "Registers each day that has landed in every daily table as a landing_day partition and runs `nightly` "
        "for the days that landed since its last run (one run; several days at once are a range)."
    ),
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def new_landing_partition(context: dg.SensorEvaluationContext, platform: PlatformResource):
    landing_dir = platform.settings.landing_dir
    days = landed_days(landing_dir)
    waiting = waiting_message(landing_dir)
    if not days:
        return dg.SkipReason(waiting or f"no landing partitions yet in {landing_dir}")
    if context.cursor:
        new = [day for day in days if day > context.cursor]
    else:
        # No cursor yet (a new instance, or the UI opened after `make run`): a day whose landing tables are
        # materialized was built already and is never requested again. Otherwise the newest day only: its
        # warehouse build covers the history before it (a full refresh).
        built = context.instance.get_materialized_partitions(landing_key(CALENDAR_TABLE))
        done = [day for day in days if day in built]
        if done:
            context.update_cursor(done[-1])
        new = [day for day in days if day > done[-1]] if done else days[-1:]
    if not new:
        reason = f"newest landing day {days[-1]} already built or requested"
        return dg.SkipReason(reason + (f"; {waiting}" if waiting else ""))
    known = set(context.instance.get_dynamic_partitions(LANDING_DAYS.name))
    context.update_cursor(new[-1])
    # The run key makes a re-evaluation of the same days start nothing twice.
    return dg.SensorResult(
        run_requests=[
            dg.RunRequest(
                run_key=f"landing-{new[0]}-{new[-1]}",
                tags={**partition_range(new[0], new[-1]), "landing_partition": new[-1]},
            )
        ],
        dynamic_partitions_requests=[LANDING_DAYS.build_add_request([d for d in days if d not in known])],
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    monitored_jobs=[everything],
    request_job=daily_leads,
    description="After a successful nightly run, builds the scores and the lead list of the newest as-of day.",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def leads_after_rebuild(context: dg.RunStatusSensorContext):
    day = newest_day(context.instance, AS_OF_DAYS)
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
        lines += [f"## Step {event.step_key}", "", *failure_message(event), "", advice_for(event.step_key), ""]
    if not failures:
        lines += [context.failure_event.message or "The run failed before any step ran.", "", GENERIC, ""]
    folder = platform.settings.alerts_dir
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{run.run_id}.md").write_text("\n".join(lines))
    context.log.info("\n".join(lines))


defs = dg.Definitions(
    jobs=[everything, daily_leads],
    schedules=[nightly_schedule],
    sensors=[new_landing_partition, leads_after_rebuild, what_to_do_on_failure],
)
