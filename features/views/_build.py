from datetime import timedelta

from feast import FeatureView, Field
from feast.data_source import DataSource
from feast.types import Float64

from features.entities import client

# Rows come weekly for history and daily for the latest day: a row older than a week no longer
# describes the client.
WEEKLY_TTL = timedelta(days=8)


def numeric_view(name: str, source: DataSource, features: list[str], description: str, owner: str) -> FeatureView:
    return FeatureView(
        name=name,
        entities=[client],
        ttl=WEEKLY_TTL,
        schema=[Field(name=feature, dtype=Float64) for feature in features],
        source=source,
        online=True,
        description=description,
        tags={"owner": owner},
    )
