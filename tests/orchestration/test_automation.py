import uuid

import dagster as dg

from orchestration.advice import ADVICE
from orchestration.definitions import defs
from orchestration.defs.automation.definitions import (
    leads_after_rebuild,
    new_landing_partition,
    what_to_do_on_failure,
)
from orchestration.defs.automation.landing_partitions import DAILY_TABLES, newest_partition
from orchestration.partitions import AS_OF_DAYS, register_as_of_days
from orchestration.resources import PlatformResource


def _land(landing, table, day):
    (landing / table / f"dt={day}").mkdir(parents=True, exist_ok=True)


def test_newest_partition_needs_every_daily_table(tmp_path):
    landing = tmp_path / "landing"
    assert newest_partition(landing) is None
    for table in DAILY_TABLES:
        _land(landing, table, "2025-06-01")
    _land(landing, "trades", "2025-06-02")
    assert newest_partition(landing) == "2025-06-01"
    for table in DAILY_TABLES:
        _land(landing, table, "2025-06-02")
    assert newest_partition(landing) == "2025-06-02"


def test_sensor_requests_one_run_per_new_partition(tmp_path):
    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    landing = tmp_path / "landing"
    with dg.build_sensor_context(resources={"platform": platform}) as context:
        assert isinstance(new_landing_partition(context, platform=platform), dg.SkipReason)
    for table in DAILY_TABLES:
        _land(landing, table, "2025-06-01")
    with dg.build_sensor_context(resources={"platform": platform}) as context:
        request = new_landing_partition(context, platform=platform)
        assert isinstance(request, dg.RunRequest) and request.run_key == "landing-2025-06-01"
    # The next evaluation starts from the cursor the sensor set: nothing new, nothing started.
    with dg.build_sensor_context(cursor="2025-06-01", resources={"platform": platform}) as context:
        assert isinstance(new_landing_partition(context, platform=platform), dg.SkipReason)


def _job_keys(name: str) -> set[str]:
    return {key.to_user_string() for key in defs.resolve_job_def(name).asset_layer.executable_asset_keys}


def test_schedule_and_jobs_are_defined():
    assert defs.get_schedule_def("nightly").cron_schedule == "0 2 * * *"
    keys = _job_keys("downstream_of_landing")
    assert "models/churn_registered" in keys and "landing/clients" not in keys
    # The day's leads are built per as-of day by their own partitioned job, after the rebuild.
    assert "serving/lead_list" not in keys | _job_keys("nightly")
    assert _job_keys("daily_leads") == {"serving/lead_list", "serving/lead_conversion"}
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
        assert register_as_of_days(instance, ["2025-11-20", "2025-11-27"]) == ["2025-11-20", "2025-11-27"]
        assert register_as_of_days(instance, ["2025-11-27", "2025-11-28"]) == ["2025-11-28"]
        request = leads_after_rebuild(context)
        assert isinstance(request, dg.RunRequest) and request.partition_key == "2025-11-28"


def test_the_nightly_run_lands_one_more_day(tmp_path):
    from datetime import date, timedelta

    from orchestration.defs.automation.definitions import NEXT_DAY
    from orchestration.defs.landing.assets import landing_files

    schedule = defs.get_schedule_def("nightly")
    with dg.build_schedule_context() as context:
        (request,) = schedule.evaluate_tick(context).run_requests
    assert request.run_config == NEXT_DAY

    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    landing = tmp_path / "landing"
    # The first night has nothing to continue: the whole history is simulated.
    assert dg.materialize([landing_files], resources={"platform": platform}, run_config=NEXT_DAY).success
    history = newest_partition(landing)
    clients = sorted(p.name for p in (landing / "clients").iterdir())
    assert dg.materialize([landing_files], resources={"platform": platform}, run_config=NEXT_DAY).success
    assert newest_partition(landing) == str(date.fromisoformat(history) + timedelta(days=1))
    assert sorted(p.name for p in (landing / "clients").iterdir()) == clients


def test_a_failed_run_leaves_an_alert_saying_what_to_do(tmp_path):
    @dg.asset(key=["features", "feast_registry"])
    def broken() -> None:
        raise RuntimeError("feature_store.yaml: registry path is not writable")

    platform = PlatformResource(home=str(tmp_path), preset="ci", seed=7)
    with dg.instance_for_test() as instance:
        result = dg.materialize([broken], instance=instance, raise_on_error=False)
        assert not result.success
        failure = next(e for e in result.all_events if e.event_type_value == "PIPELINE_FAILURE")
        context = dg.build_run_status_sensor_context(
            sensor_name="what_to_do_on_failure",
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            dagster_event=failure,
            resources={"platform": platform},
        ).for_run_failure()
        what_to_do_on_failure(context)
    alert = (tmp_path / "alerts" / f"{result.run_id}.md").read_text()
    assert "Step features__feast_registry" in alert
    assert "registry path is not writable" in alert
    assert ADVICE["features"] in alert
