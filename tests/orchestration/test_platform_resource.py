"""The Dagster resource carries every setting: a Settings object survives the round trip through it."""

from dataclasses import fields

from orchestration.resources import PlatformResource
from wealthpulse.settings import Settings


def test_every_setting_round_trips_through_the_resource(tmp_path):
    settings = Settings(
        home=tmp_path,
        preset="ci",
        seed=11,
        engine="spark",
        spark_master="local[1]",
        spark_driver_memory="3g",
        duckdb_memory="2GB",
        online_store="redis",
        redis_url="127.0.0.1:6380",
        api_workers=3,
        training_rows="churn=1000",
        bentoml_home=tmp_path / "b",
        dagster_home=tmp_path / "d",
    )
    defaults = Settings(home=tmp_path)
    # Every field differs from its default here, so a field the resource lacks would come back as default.
    assert all(getattr(settings, f.name) != getattr(defaults, f.name) for f in fields(Settings) if f.name != "home")
    assert PlatformResource.of(settings).settings == settings
