from features.sources import client_features_source
from features.views._build import numeric_view

client_profile = numeric_view(
    "client_profile",
    client_features_source,
    ["tenure_days", "age_band_code", "has_advisor", "risk_level_code", "has_valid_assessment"],
    "Who the client is: tenure, age band, advisor, risk tolerance and whether its assessment is valid.",
    "crm",
)
