"""Offline sources: the warehouse marts, exported as parquet into the state directory; and the
push source through which the app's live events reach the online store."""

from feast import FileSource, PushSource

from wealthpulse.settings import Settings

# Feast declares its sources as module-level objects with absolute paths: the marts folder of the
# settings the environment describes when the repo is imported (the entry points export it first).
_MARTS = Settings.from_env().marts_dir


def _mart(name: str, timestamp_field: str = "feature_ts") -> FileSource:
    return FileSource(
        name=f"mart_{name}",
        path=str(_MARTS / f"{name}.parquet"),
        timestamp_field=timestamp_field,
        description=f"The dbt mart mart_{name}, exported as parquet.",
    )


client_features_source = _mart("client_features")
client_tags_source = _mart("client_tags")
client_tiers_source = _mart("client_tiers")
client_daily_events_source = _mart("client_daily_events", timestamp_field="event_ts")

# Live app events pushed by the scoring service; their batch history is the daily events mart.
live_app_events = PushSource(
    name="live_app_events",
    batch_source=client_daily_events_source,
    description="Today's logins, product page views and searches, pushed as they happen.",
)
