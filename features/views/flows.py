from features.sources import client_features_source
from features.views._build import numeric_view
from features.views.mart_contract import net_inflows, windowed

client_flows = numeric_view(
    "client_flows",
    client_features_source,
    [*windowed("flows"), *net_inflows()],
    "Money in and out, product subscriptions and redemptions, fees and revenue over 7 to 90 days.",
    "wealth-management",
)
