"""Offline sources: the warehouse marts, exported as parquet into the state directory; and the
push source through which the app's live events reach the online store."""

import os
from pathlib import Path

from feast import FileSource, PushSource

# Feast needs an absolute path for a FileSource; the platform's settings export the home.
_MARTS = Path(os.environ.get("WEALTHPULSE_HOME", Path(__file__).resolve().parent.parent / ".wealthpulse")).resolve()
_MARTS = _MARTS / "marts"


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
