"""The objects `feast apply` registers (the only module Feast scans, see .feastignore).

Declared in dependency order: entity, sources, feature views, on-demand view, services.
"""

from features.entities import client
from features.on_demand import request_time_features, score_request
from features.services import SERVICES
from features.sources import (
    client_daily_events_source,
    client_features_source,
    client_tags_source,
    client_tiers_source,
    live_app_events,
)
from features.views import ALL_VIEWS

ENTITIES = [client]
DATA_SOURCES = [
    client_features_source,
    client_tags_source,
    client_tiers_source,
    client_daily_events_source,
    live_app_events,
    score_request,
]
FEATURE_VIEWS = ALL_VIEWS
ON_DEMAND_FEATURE_VIEWS = [request_time_features]
FEATURE_SERVICES = SERVICES
