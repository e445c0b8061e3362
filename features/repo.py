"""The objects `feast apply` registers (the only module Feast scans, see .feastignore)."""

from features.entities import client
from features.services import churn_v1
from features.sources import client_features_source
from features.views import client_activity

__all__ = ["client", "client_features_source", "client_activity", "churn_v1"]
