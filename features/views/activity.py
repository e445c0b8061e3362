from features.sources import client_features_source
from features.views._build import numeric_view
from features.views.mart_contract import windowed

client_activity = numeric_view(
    "client_activity",
    client_features_source,
    [
        *(f"{kind}_{days}d" for days in (7, 30, 90) for kind in ("logins", "events")),
        "quote_views_30d",
        "product_views_30d",
        "searches_30d",
        "research_reads_30d",
        "margin_views_30d",
        "days_since_last_login",
        "as_of_epoch",
        *(
            f"{name}_{days}d"
            for name in ("quote_views", "product_views", "searches", "research_reads", "margin_views")
            for days in (7, 90)
        ),
        *windowed("activity"),
    ],
    "App activity over 7/30/90 days and recency of the last login.",
    "data-platform",
)
