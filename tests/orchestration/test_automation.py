import uuid

import dagster as dg

from landing.partitions import COMPLETE_DAY_TABLES as DAILY_TABLES
from landing.partitions import landed_days, newest_partition
from orchestration.advice import ADVICE
from orchestration.definitions import defs
from orchestration.defs.automation.definitions import (
    leads_after_rebuild,
    new_landing_partition,
)
from orchestration.partitions import AS_OF_DAYS, LANDING_DAYS, register_days
from orchestration.resources import PlatformResource
from tests.orchestration.sensor_ticks import failure_alert, landing_tick


def _land(landing, table, day):
    (landing / table / f"dt={day}").mkdir(parents=True, exist_ok=True)


def test_newest_partition_needs_every_daily_table(tmp_path):
    landing = tmp_path / "landing"
    assert newest_partition(landing) is None
    for table in DAILY_TABLES:
        _land(landing, table, "2025-06-01")
    _land(landing, "app_events", "2025-06-02")
    assert newest_partition(landing) == "2025-06-01"
    for table in DAILY_TABLES:
        _land(landing, table, "2025-06-02")
    assert newest_partition(landing) == "2025-06-02"
    assert landed_days(landing) == ["2025-06-01", "2025-06-02"]


def test_a_weekend_without_trades_is_a_landed_day(tmp_path):
    landing = tmp_path / "landing"
    _land(landing, "trades", "2025-06-06")  # a Friday: the last trading day
    for day in ("2025-06-06", "2025-06-07", "2025-06-08"):
        for table in DAILY_TABLES:
            _land(landing, table, day)
    assert newest_partition(landing) == "2025-06-08"
    assert landed_days(landing)[-1] == "2025-06-08"


def test_sensor_registers_new_days_and_requests_one_run_for_them(tmp_path):
    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    landing = tmp_path / "landing"
    with dg.build_sensor_context(resources={"platform": platform}) as context:
        assert isinstance(new_landing_partition(context, platform=platform), dg.SkipReason)
    for day in ("2025-06-01", "2025-06-02"):
        for table in DAILY_TABLES:
            _land(landing, table, day)
    with dg.instance_for_test() as instance:
        with dg.build_sensor_context(instance=instance, resources={"platform": platform}) as context:
            result = new_landing_partition(context, platform=platform)
        # The first run builds the newest day (its warehouse build covers the history before it).
        (request,) = result.run_requests
        assert request.run_key == "landing-2025-06-02-2025-06-02"
        assert request.tags["dagster/asset_partition_range_start"] == "2025-06-02"
        (partitions,) = result.dynamic_partitions_requests
        assert partitions.partitions_def_name == LANDING_DAYS.name
        assert list(partitions.partition_keys) == ["2025-06-01", "2025-06-02"]
        # The next evaluation starts from the cursor the sensor set: nothing new, nothing started.
        with dg.build_sensor_context(
            instance=instance, cursor="2025-06-02", resources={"platform": platform}
        ) as context:
            assert isinstance(new_landing_partition(context, platform=platform), dg.SkipReason)
        for table in DAILY_TABLES:
            _land(landing, table, "2025-06-03")
        with dg.build_sensor_context(
            instance=instance, cursor="2025-06-02", resources={"platform": platform}
        ) as context:
            (request,) = new_landing_partition(context, platform=platform).run_requests
        assert request.run_key == "landing-2025-06-03-2025-06-03"


def _job_keys(name: str) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_job_def(name).asset_layer.executable_asset_keys}


def test_schedule_and_jobs_are_defined():
    schedule = defs.get_schedule_def("nightly_export")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.job_name == "brokerage_export"
    keys = _job_keys("nightly")
    assert {"models/churn_registered", "landing/clients", "features/online_store"} <= keys
    assert defs.resolve_job_def("nightly").partitions_def == LANDING_DAYS
    # The day's scores and leads are built per as-of day by their own partitioned job, after the rebuild,
    # and the segments read the newest day's scores.
    daily = {"serving/client_scores", "serving/lead_list", "serving/lead_conversion"}
    daily |= {"serving/segment_audience", "serving/segment_membership"}
    assert not daily & (keys | _job_keys("nightly"))
    assert _job_keys("daily_leads") == daily
    assert defs.resolve_job_def("daily_leads").partitions_def == AS_OF_DAYS


def test_a_successful_rebuild_requests_the_leads_of_the_newest_as_of_day():
    with dg.instance_for_test() as instance:
        run = instance.create_run_for_job(defs.resolve_job_def("nightly"), run_id=str(uuid.uuid4()))
        context = dg.build_run_status_sensor_context(
            sensor_name="leads_after_rebuild",
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=dg.DagsterEvent(
                event_type_value="PIPELINE_SUCCESS", job_name="nightly", event_specific_data=None
            ),
        )
        assert isinstance(leads_after_rebuild(context), dg.SkipReason)
        assert register_days(instance, AS_OF_DAYS, ["2025-11-20", "2025-11-27"]) == ["2025-11-20", "2025-11-27"]
        assert register_days(instance, AS_OF_DAYS, ["2025-11-27", "2025-11-28"]) == ["2025-11-28"]
        request = leads_after_rebuild(context)
        assert isinstance(request, dg.RunRequest) and request.partition_key == "2025-11-28"


def test_the_nightly_export_lands_one_more_day_and_registers_it(tmp_path):
    from datetime import date, timedelta

    from orchestration.defs.automation.definitions import NEXT_DAY
    from orchestration.defs.landing.assets import brokerage_export

    schedule = defs.get_schedule_def("nightly_export")
    with dg.build_schedule_context() as context:
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.run_config == NEXT_DAY

    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    landing = tmp_path / "landing"
    with dg.instance_for_test() as instance:
        # The first night has nothing to continue: the whole history is simulated.
        first = brokerage_export.execute_in_process(
            instance=instance, resources={"platform": platform}, run_config=NEXT_DAY
        )
        history = newest_partition(landing)
        assert first.output_for_node("simulate_export")[-1] == history
        assert instance.get_dynamic_partitions(LANDING_DAYS.name) == landed_days(landing)
        clients = sorted(p.name for p in (landing / "clients").iterdir())
        brokerage_export.execute_in_process(instance=instance, resources={"platform": platform}, run_config=NEXT_DAY)
        assert newest_partition(landing) == str(date.fromisoformat(history) + timedelta(days=1))
        assert instance.get_dynamic_partitions(LANDING_DAYS.name)[-1] == newest_partition(landing)
    assert sorted(p.name for p in (landing / "clients").iterdir()) == clients


def test_a_failed_run_leaves_an_alert_saying_what_to_do(tmp_path):
    @dg.asset(key=["features", "feast_registry"])
    def broken() -> None:
        raise RuntimeError("feature_store.yaml: registry path is not writable")

    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    with dg.instance_for_test() as instance:
        result = dg.materialize([broken], instance=instance, raise_on_error=False)
        assert not result.success
        alert = failure_alert(platform, instance, result)
    assert "Step features__feast_registry" in alert
    assert "registry path is not writable" in alert
    assert ADVICE["features"] in alert


def test_the_first_tick_never_requests_a_day_already_built(tmp_path):
    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    landing = tmp_path / "landing"
    for day in ("2025-06-01", "2025-06-02"):
        for table in DAILY_TABLES:
            _land(landing, table, day)
    with dg.instance_for_test() as instance:
        # What `make run` leaves behind: the newest day's landing tables materialized, no sensor cursor.
        instance.report_runless_asset_event(
            dg.AssetMaterialization(dg.AssetKey(["landing", "asset_snapshots"]), partition="2025-06-02")
        )
        tick = landing_tick(instance, platform)
        assert not tick.run_requests and "2025-06-02 already built" in tick.skip_message
        assert tick.cursor == "2025-06-02"
        # A day whose app events have not landed waits, and the skip says which table is missing.
        _land(landing, "asset_snapshots", "2025-06-03")
        tick = landing_tick(instance, platform, tick.cursor)
        assert not tick.run_requests and "app_events/dt=2025-06-03/ has not landed" in tick.skip_message
        _land(landing, "app_events", "2025-06-03")
        tick = landing_tick(instance, platform, tick.cursor)
        (request,) = tick.run_requests
        assert request.run_key == "landing-2025-06-03-2025-06-03"


def test_a_held_back_landing_day_leaves_an_alert_naming_every_file(tmp_path):
    message = (
        "landing day 2025-06-02 held back: 2 file(s) broke the landing contract as a whole\n"
        "- trades: landing/trades/dt=2025-06-02/part-0.parquet: empty_file: the file is empty (0 bytes)\n"
        "- clients: landing/clients/dt=2025-06-02/part-0.parquet: not_parquet: the file is not parquet"
    )

    @dg.asset(key=["landing", "trades"])
    def landing_files() -> None:
        raise dg.Failure(description=message)

    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    with dg.instance_for_test() as instance:
        result = dg.materialize([landing_files], instance=instance, raise_on_error=False)
        alert = failure_alert(platform, instance, result)
    assert message in alert and ADVICE["landing"] in alert
