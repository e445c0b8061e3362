"""Automation: the nightly run and the sensor that reacts to a new landing partition."""

import dagster as dg

from orchestration.defs.automation.landing_partitions import newest_partition
from orchestration.resources import PlatformResource

# Everything downstream of the landing files: the warehouse, features, models.
downstream_of_landing = dg.define_asset_job(
    "downstream_of_landing",
    selection=dg.AssetSelection.groups("landing").downstream() - dg.AssetSelection.groups("landing"),
    description="Rebuild the warehouse, features and models from the landing files as they are.",
)

everything = dg.define_asset_job(
    "nightly",
    selection=dg.AssetSelection.all(),
    description="Land the day's exports, then rebuild everything downstream.",
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


defs = dg.Definitions(
    jobs=[downstream_of_landing, everything],
    schedules=[nightly_schedule],
    sensors=[new_landing_partition],
)
