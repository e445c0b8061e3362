from features.sources import client_tiers_source
from features.views._build import numeric_view

client_tiers = numeric_view(
    "client_tiers",
    client_tiers_source,
    ["value_tier_code", "preference_group_code"],
    "Value tier T1..T5 (as 1..5) and preference group (1..15) on the as-of date.",
    "wealth-management",
)
