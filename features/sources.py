"""Offline sources: the warehouse marts, exported as parquet into the state directory."""

import os
from pathlib import Path

from feast import FileSource

# Feast needs an absolute path for a FileSource; the platform's settings export the home.
_HOME = Path(os.environ.get("WEALTHPULSE_HOME", Path(__file__).resolve().parent.parent / ".wealthpulse"))

client_features_source = FileSource(
    name="mart_client_features",
    path=str(_HOME.resolve() / "marts" / "client_features.parquet"),
    timestamp_field="feature_ts",
    description="mart_client_features: client features by as-of date.",
)
