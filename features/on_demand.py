"""Request-time features: computed when a score is asked for, from stored features and the request."""

import pandas as pd
from feast import Field, RequestSource
from feast.on_demand_feature_view import on_demand_feature_view
from feast.types import Float64

from features.entities import client
from features.views import client_activity, client_live_events

# The time of the request in epoch seconds: now when serving, the as-of time when training.
score_request = RequestSource(name="score_request", schema=[Field(name="request_epoch", dtype=Float64)])


@on_demand_feature_view(
    entities=[client],
    sources=[client_activity, client_live_events, score_request],
    schema=[Field(name="days_since_last_login_now", dtype=Float64)],
    mode="pandas",
    description="Days since the last login at request time: the stored recency aged to now, or a live login.",
    tags={"owner": "data-platform"},
)
def request_time_features(inputs: pd.DataFrame) -> pd.DataFrame:
    # Feast stores this function's source and runs it alone: imports and constants live inside.
    import numpy as np
    import pandas as pd

    SECONDS_PER_DAY = 86400.0
    request = inputs["request_epoch"].astype(float)
    aged = (
        inputs["days_since_last_login"].astype(float)
        + (request - inputs["as_of_epoch"].astype(float)) / SECONDS_PER_DAY
    )
    live_login = inputs["live_last_login_epoch"].astype(float)
    since_live = (request - live_login) / SECONDS_PER_DAY
    days = np.where(live_login.notna() & (since_live < aged), since_live, aged)
    return pd.DataFrame({"days_since_last_login_now": np.clip(days, 0.0, None)})
