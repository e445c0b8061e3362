"""The Feast repo on a small mart: apply, point-in-time joins, the online store."""

import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.store import apply_repo, open_store, service_features
from features.views import CLIENT_ACTIVITY_FEATURES

AS_OF = [datetime(2025, 7, d) for d in (1, 8, 15)]


@pytest.fixture(scope="module")
def store():
    home = Path(os.environ["WEALTHPULSE_HOME"])
    (home / "marts").mkdir(parents=True, exist_ok=True)
    (home / "feast").mkdir(parents=True, exist_ok=True)
    rows = []
    for client in ("C0000001", "C0000002"):
        for week, as_of in enumerate(AS_OF):
            # Every feature of a row carries its week number, so a join shows which row it used.
            rows.append(
                {
                    "client_id": client,
                    "as_of_date": as_of.date(),
                    "feature_ts": as_of,
                    **{name: float(week) for name in CLIENT_ACTIVITY_FEATURES},
                }
            )
    pd.DataFrame(rows).to_parquet(home / "marts" / "client_features.parquet", index=False)
    feature_store = open_store()
    apply_repo(feature_store)
    return feature_store


def test_churn_v1_names_every_view_feature_in_order(store):
    assert service_features(store, "churn_v1") == CLIENT_ACTIVITY_FEATURES


def test_apply_is_idempotent(store):
    apply_repo(store)
    assert [v.name for v in store.list_feature_views()] == ["client_activity"]
    assert [s.name for s in store.list_feature_services()] == ["churn_v1"]


def test_historical_features_are_point_in_time(store):
    entity_df = pd.DataFrame(
        {
            "client_id": ["C0000001", "C0000001", "C0000001", "C0000002"],
            "event_timestamp": pd.to_datetime(
                [AS_OF[0], AS_OF[1] - timedelta(hours=1), AS_OF[2] + timedelta(days=3), AS_OF[0] - timedelta(days=1)],
                utc=True,
            ),
        }
    )
    frame = store.get_historical_features(entity_df=entity_df, features=store.get_feature_service("churn_v1")).to_df()
    frame = frame.sort_values("event_timestamp").set_index("event_timestamp")
    got = frame["logins_30d"].tolist()
    # Before any row: nothing; at week 0: row 0; an hour before week 1: still row 0 (row 1 is
    # in the future); three days after week 2: row 2.
    assert np.isnan(got[0]) and got[1:] == [0.0, 0.0, 2.0]


def test_materialized_latest_rows_are_served_online(store):
    store.materialize(start_date=AS_OF[0] - timedelta(days=1), end_date=AS_OF[-1] + timedelta(days=1))
    online = store.get_online_features(
        features=store.get_feature_service("churn_v1"),
        entity_rows=[{"client_id": "C0000001"}, {"client_id": "C9999999"}],
    ).to_dict()
    assert online["aum"] == [2.0, None]
