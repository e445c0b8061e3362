import dagster as dg

from orchestration.definitions import defs
from orchestration.defs.automation.definitions import new_landing_partition
from orchestration.defs.automation.landing_partitions import DAILY_TABLES, newest_partition
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


def test_schedule_and_jobs_are_defined():
    assert defs.get_schedule_def("nightly").cron_schedule == "0 2 * * *"
    job = defs.resolve_job_def("downstream_of_landing")
    keys = {key.to_user_string() for key in job.asset_layer.executable_asset_keys}
    assert "models/churn_registered" in keys and "landing/clients" not in keys


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
