"""Offline sources: the warehouse marts, exported as parquet into the state directory; and the
push source through which the app's live events reach the online store.

On the DuckDB engine a mart is a Feast ``FileSource``; on Spark a ``SparkSource`` over the same
parquet, which Feast's Spark offline store reads (``features.spark_offline``)."""

from __future__ import annotations

from pathlib import Path

from feast import FileSource, PushSource
from feast.data_source import DataSource

from wealthpulse.settings import Settings

# The marts the feature views read, with the event time of their rows.
MART_TIMESTAMPS = {
    "client_features": "feature_ts",
    "client_tags": "feature_ts",
    "client_tiers": "feature_ts",
    "client_daily_events": "event_ts",
}
# The mart whose rows are the history of the live events pushed by the scoring service.
LIVE_EVENTS_MART = "client_daily_events"


def mart_path(marts_dir: Path, name: str) -> Path:
    """Where the warehouse writes mart `name`: the one place that knows the layout of marts/."""
    return marts_dir / f"{name}.parquet"


def mart_source(name: str, marts_dir: Path, engine: str = "duckdb") -> DataSource:
    """The offline source of mart `name` under `marts_dir`, as the engine's offline store reads it."""
    common = {
        "name": f"mart_{name}",
        "timestamp_field": MART_TIMESTAMPS[name],
        "description": f"The dbt mart mart_{name}, exported as parquet.",
    }
    path = str(mart_path(marts_dir, name))
    if engine == "spark":
        # Imported here: the Spark source lives in the optional spark extra.
        from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import SparkSource

        return SparkSource(path=path, file_format="parquet", **common)
    return FileSource(path=path, **common)


def live_events_source(batch_source: DataSource) -> PushSource:
    return PushSource(
        name="live_app_events",
        batch_source=batch_source,
        description="Today's logins, product page views and searches, pushed as they happen.",
    )


# Feast declares its sources as module-level objects with absolute paths: the marts folder and the
# engine of the settings the environment describes when the repo is imported (the entry points
# export it first). ``features.engines`` builds the same repo for another engine or state.
_SETTINGS = Settings.from_env()
_MARTS, ENGINE = _SETTINGS.marts_dir, _SETTINGS.engine

client_features_source = mart_source("client_features", _MARTS, ENGINE)
client_tags_source = mart_source("client_tags", _MARTS, ENGINE)
client_tiers_source = mart_source("client_tiers", _MARTS, ENGINE)
client_daily_events_source = mart_source(LIVE_EVENTS_MART, _MARTS, ENGINE)

# Live app events pushed by the scoring service; their batch history is the daily events mart.
live_app_events = live_events_source(client_daily_events_source)
