from datetime import timedelta

from feast import FeatureView, Field
from feast.types import Float64

from features.entities import client
from features.sources import live_app_events

client_live_events = FeatureView(
    name="client_live_events",
    entities=[client],
    # Today's counters: yesterday's no longer say anything about today.
    ttl=timedelta(days=1),
    schema=[
        Field(name="live_logins_today", dtype=Float64),
        Field(name="live_product_views_today", dtype=Float64),
        Field(name="live_searches_today", dtype=Float64),
        Field(name="live_last_login_epoch", dtype=Float64),
    ],
    source=live_app_events,
    online=True,
    description="Today's app events, pushed live by the scoring service; history from the daily events mart.",
    tags={"owner": "data-platform"},
)
