from features.sources import client_features_source
from features.views._build import numeric_view

client_trading = numeric_view(
    "client_trading",
    client_features_source,
    [
        *(f"{kind}_{days}d" for days in (7, 30, 90) for kind in ("trades", "trade_amount")),
        "days_since_last_trade",
    ],
    "Trading frequency, traded amounts and recency of the last trade.",
    "wealth-management",
)
