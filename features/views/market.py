from features.sources import client_features_source
from features.views._build import numeric_view

# The same value for every client on a day: the market sets how many needs arise across the book.
client_market = numeric_view(
    "client_market",
    client_features_source,
    ["market_momentum_20d"],
    "The market the client saw on the as-of date: the trade tape's 20-day log return.",
    "wealth-management",
)
