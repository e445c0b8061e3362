from datetime import timedelta

from feast import FeatureView, Field
from feast.types import Float64

from features.entities import client
from features.sources import client_features_source

# Feature names in the order the mart documents them (dbt_project/models/marts/_marts__models.yml).
CLIENT_ACTIVITY_FEATURES = [
    *(f"{kind}_{days}d" for days in (7, 30, 90) for kind in ("logins", "events", "trades", "trade_amount")),
    "quote_views_30d",
    "product_views_30d",
    "searches_30d",
    "research_reads_30d",
    "margin_views_30d",
    "commission_90d",
    "aum",
    "aum_change_7d",
    "aum_change_30d",
    "cash_share",
    "equity_share",
    "wealth_share",
    "margin_debt",
    "days_since_last_login",
    "days_since_last_trade",
    "tenure_days",
    "age_band_code",
    "has_advisor",
    "risk_level_code",
    "has_valid_assessment",
]

client_activity = FeatureView(
    name="client_activity",
    entities=[client],
    # Rows come weekly for history and daily for the latest day: a row older than
    # a week no longer describes the client.
    ttl=timedelta(days=8),
    schema=[Field(name=name, dtype=Float64) for name in CLIENT_ACTIVITY_FEATURES],
    source=client_features_source,
    online=True,
    description="Activity, holdings, tenure and suitability profile of a client by as-of date.",
    tags={"owner": "data-platform"},
)
