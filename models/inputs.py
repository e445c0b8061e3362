"""What a model reads: the feature service's features less the points in time.

A feature service carries timestamps beside the features: ``as_of_epoch`` (when the feature row was
taken: the point-in-time audit reads it, and request-time features age from it) and
``live_last_login_epoch`` (when today's last login happened: ``days_since_last_login_now`` is made from
it). Neither is a model input. A tree split on a date learns "the weeks before training" and
extrapolates on every day after it, and "as-of date" is no reason an advisor can act on. What moves
with the calendar enters as a named feature instead (``market_momentum_20d``); a point in time enters
only as a duration (days since ...).

A request-time feature ``<name>_now`` refines the batch feature ``<name>`` (``days_since_last_login_now``
is the stored recency aged to the request, or a live login's). In training the two are equal, since the
request is the as-of time, so a tree could split on either; one that chose the batch copy would never see
a live login. Only the ``_now`` feature is an input.
"""

from __future__ import annotations

# Feature names that are points in time (epoch seconds): kept in the training set, never an input.
TIME_SUFFIX = "_epoch"
# A request-time feature: the batch feature of the same name without it, brought up to the request.
NOW_SUFFIX = "_now"


def is_point_in_time(name: str) -> bool:
    return name.endswith(TIME_SUFFIX)


def model_inputs(service_features: list[str]) -> list[str]:
    """The inputs of a model trained on a feature service: its features, in order, less points in time
    and less each batch feature that a request-time feature of the service refines."""
    refined = {name.removesuffix(NOW_SUFFIX) for name in service_features if name.endswith(NOW_SUFFIX)}
    return [name for name in service_features if not is_point_in_time(name) and name not in refined]
