from features.sources import client_features_source
from features.views._build import numeric_view

client_assets = numeric_view(
    "client_assets",
    client_features_source,
    [
        "aum",
        "aum_change_7d",
        "aum_change_30d",
        "cash_share",
        "equity_share",
        "wealth_share",
        "margin_debt",
        "revenue_90d",
        "commission_90d",
        "value_amount",
        "aum_to_90d_high",
        "aum_90d_low_to_high",
        "aum_vs_30d_mean",
    ],
    "Holdings, their mix and trend, and the revenue the client brings.",
    "wealth-management",
)
