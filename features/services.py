from feast import FeatureService

from features.views import client_activity

# Models ask for a service by name, never for a list of features.
churn_v1 = FeatureService(
    name="churn_v1",
    features=[client_activity],
    description="Features of the 60-day churn model.",
    tags={"owner": "data-science", "model": "churn"},
)
