"""Feature views grouped by meaning, all keyed by the client entity."""

from features.views.activity import client_activity
from features.views.assets import client_assets
from features.views.flows import client_flows
from features.views.live import client_live_events
from features.views.market import client_market
from features.views.profile import client_profile
from features.views.tags import client_tags
from features.views.tiers import client_tiers
from features.views.trading import client_trading
from features.views.transcripts import client_transcripts

# The views over mart_client_features, in view order; the batch views add those over the tag and tier marts.
CLIENT_FEATURES_VIEWS = [
    client_profile,
    client_assets,
    client_activity,
    client_trading,
    client_flows,
    client_transcripts,
    client_market,
]
BATCH_VIEWS = [*CLIENT_FEATURES_VIEWS, client_tags, client_tiers]
ALL_VIEWS = [*BATCH_VIEWS, client_live_events]
# Every column of mart_client_features a view reads, in view order.
CLIENT_FEATURES_MART_COLUMNS = [field.name for view in CLIENT_FEATURES_VIEWS for field in view.schema]

__all__ = ["ALL_VIEWS", "BATCH_VIEWS", "CLIENT_FEATURES_MART_COLUMNS", *(v.name for v in ALL_VIEWS)]
