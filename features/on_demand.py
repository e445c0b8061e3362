"""Request-time features: computed when a score is asked for, from stored features and the request."""

from typing import Any

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
    # Python mode: a few microseconds per request instead of building pandas frames.
    mode="python",
    description="Days since the last login at request time: the stored recency aged to now, or a live login.",
    tags={"owner": "data-platform"},
)
def request_time_features(inputs: dict[str, Any]) -> dict[str, Any]:
    # Feast stores this function's source and runs it alone: constants live inside.
    seconds_per_day = 86400.0
    out = []
    for stored, as_of, live_login, request in zip(
        inputs["days_since_last_login"],
        inputs["as_of_epoch"],
        inputs["live_last_login_epoch"],
        inputs["request_epoch"],
        strict=True,
    ):
        if stored is None or as_of is None or request is None:
            out.append(None)
            continue
        days = stored + (request - as_of) / seconds_per_day
        if live_login is not None and live_login == live_login:  # not None, not NaN
            days = min(days, (request - live_login) / seconds_per_day)
        out.append(max(days, 0.0))
    return {"days_since_last_login_now": out}
