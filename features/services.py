from feast import FeatureService

from features.on_demand import request_time_features
from features.views import (
    client_activity,
    client_assets,
    client_flows,
    client_live_events,
    client_market,
    client_profile,
    client_tags,
    client_tiers,
    client_trading,
    client_transcripts,
)

# Models ask for a service by name, never for a list of features.
churn_v1 = FeatureService(
    name="churn_v1",
    features=[
        client_profile,
        client_assets,
        client_activity,
        client_trading,
        client_flows,
        client_tags,
        client_live_events,
        request_time_features,
    ],
    description="Features of the 60-day churn model.",
    tags={"owner": "data-science", "model": "churn"},
)

intent_v1 = FeatureService(
    name="intent_v1",
    features=[
        client_profile,
        client_assets,
        client_activity,
        client_trading,
        client_flows,
        client_transcripts,
        client_market,
        client_tags,
        client_tiers,
        client_live_events,
        request_time_features,
    ],
    description="Features of the six 30-day intent models.",
    tags={"owner": "data-science", "model": "intent"},
)

tiering_v1 = FeatureService(
    name="tiering_v1",
    features=[client_profile, client_assets, client_activity, client_trading, client_flows, client_tags, client_tiers],
    description="Features of the 90-day value tier model.",
    tags={"owner": "data-science", "model": "tiering"},
)

SERVICES = [churn_v1, intent_v1, tiering_v1]
