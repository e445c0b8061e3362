"""Small real mart files for tests of the feature and serving layers: every column the Feast views
read, with values a test chooses, written where the Feast sources look for them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd

from features.views import CLIENT_FEATURES_MART_COLUMNS, client_live_events, client_tags, client_tiers

Value = Callable[[str, int, str], float]  # (client_id, as-of index, feature) -> value


def write_marts(home: Path, clients: list[str], as_of: list[datetime], value: Value) -> Path:
    marts = home / "marts"
    marts.mkdir(parents=True, exist_ok=True)
    (home / "feast").mkdir(parents=True, exist_ok=True)

    def frame(columns: list[str], timestamp: str) -> pd.DataFrame:
        rows = []
        for client in clients:
            for i, when in enumerate(as_of):
                rows.append(
                    {"client_id": client, "as_of_date": when.date(), timestamp: when}
                    | {name: float(value(client, i, name)) for name in columns}
                )
        return pd.DataFrame(rows)

    frame(CLIENT_FEATURES_MART_COLUMNS, "feature_ts").to_parquet(marts / "client_features.parquet", index=False)
    frame([f.name for f in client_tags.schema], "feature_ts").to_parquet(marts / "client_tags.parquet", index=False)
    frame([f.name for f in client_tiers.schema], "feature_ts").to_parquet(marts / "client_tiers.parquet", index=False)
    events = frame([f.name for f in client_live_events.schema], "event_ts").rename(
        columns={"as_of_date": "activity_on"}
    )
    events.to_parquet(marts / "client_daily_events.parquet", index=False)
    return marts
