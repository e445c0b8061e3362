"""The Feast repo on a small mart: apply, point-in-time joins, the online store."""

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from features.store import apply_repo, open_store, service_features, with_request_time
from features.views import ALL_VIEWS
from tests.features.online_parity import assert_reader_matches_feast
from tests.marts import write_marts

AS_OF = [datetime(2025, 7, d) for d in (1, 8, 15)]


@pytest.fixture(scope="module")
def store():
    # Every feature of a row carries its week number, so a join shows which row it used; epoch
    # features carry the row's as-of time.
    write_marts(
        Path(os.environ["WEALTHPULSE_HOME"]),
        ["C0000001", "C0000002"],
        AS_OF,
        lambda c, week, f: AS_OF[week].replace(tzinfo=UTC).timestamp() if f.endswith("epoch") else week,
    )
    feature_store = open_store()
    apply_repo(feature_store)
    return feature_store


def test_services_name_the_features_of_their_views():
    from features.services import SERVICES

    by_name = {view.name: [f.name for f in view.schema] for view in ALL_VIEWS}
    for service in SERVICES:
        names = [p.name for p in service.feature_view_projections]
        assert service.name.endswith("_v1") and names, service.name
        assert len(set(names)) == len(names)
    churn = {p.name for p in SERVICES[0].feature_view_projections}
    assert {"client_profile", "client_activity", "client_live_events", "request_time_features"} <= churn
    assert "client_tiers" in {p.name for p in SERVICES[2].feature_view_projections}
    assert all(by_name[name] for name in by_name)


def test_service_features_follow_the_declared_order(store):
    names = service_features(store, "tiering_v1")
    assert names[:5] == ["tenure_days", "age_band_code", "has_advisor", "risk_level_code", "has_valid_assessment"]
    assert "value_tier_code" in names and "days_since_last_login_now" not in names


def test_apply_is_idempotent(store):
    apply_repo(store)
    assert sorted(v.name for v in store.list_feature_views()) == sorted(v.name for v in ALL_VIEWS)
    assert sorted(s.name for s in store.list_feature_services()) == ["churn_v1", "intent_v1", "tiering_v1"]


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
    service = store.get_feature_service("churn_v1")
    frame = store.get_historical_features(entity_df=with_request_time(entity_df), features=service).to_df()
    frame = frame.sort_values("event_timestamp").set_index("event_timestamp")
    got = frame["logins_30d"].tolist()
    # Before any row: nothing; at week 0: row 0; an hour before week 1: still row 0 (row 1 is
    # in the future); three days after week 2: row 2.
    assert np.isnan(got[0]) and got[1:] == [0.0, 0.0, 2.0]


def test_materialized_latest_rows_are_served_online(store):
    store.materialize(start_date=AS_OF[0] - timedelta(days=1), end_date=AS_OF[-1] + timedelta(days=1))
    request_epoch = AS_OF[-1].replace(tzinfo=UTC).timestamp() + 2 * 86400
    online = store.get_online_features(
        features=store.get_feature_service("churn_v1"),
        entity_rows=[{"client_id": c, "request_epoch": request_epoch} for c in ("C0000001", "C9999999")],
    ).to_dict()
    assert online["aum"] == [2.0, None]
    # The online store serves the latest row it holds (TTL applies to point-in-time joins only).
    assert online["live_logins_today"] == [2.0, None]
    # Recency at request time: the stored 2 days aged by 2 more, unless the live last login (at the
    # row's as-of time here) is more recent: 2 days.
    assert online["days_since_last_login_now"][0] == pytest.approx(2.0)


def test_pushed_live_events_reach_the_online_store_and_request_time_features(store):
    now = datetime.now(tz=UTC)
    store.push(
        "live_app_events",
        pd.DataFrame(
            {
                "client_id": ["C0000002"],
                "event_ts": [now],
                "live_logins_today": [3.0],
                "live_product_views_today": [1.0],
                "live_searches_today": [0.0],
                "live_last_login_epoch": [now.timestamp() - 3600],
            }
        ),
    )
    online = store.get_online_features(
        features=store.get_feature_service("churn_v1"),
        entity_rows=[{"client_id": "C0000002", "request_epoch": now.timestamp()}],
    ).to_dict()
    assert online["live_logins_today"] == [3.0]
    # The stored row says "days since login = 2" weeks ago; the pushed login an hour ago wins.
    assert online["days_since_last_login_now"][0] == pytest.approx(1 / 24, abs=1e-6)


def test_the_service_reader_returns_what_feast_returns(store):
    request_epoch = datetime.now(tz=UTC).timestamp()
    clients = ["C0000001", "C9999999", "C0000002", "C0000001"]
    reader = assert_reader_matches_feast(store, clients, request_epoch)
    rows = reader.read(clients, {"request_epoch": request_epoch})
    # Known from the batch views' rows; an unknown id has no row anywhere; a repeated id is served twice.
    stamp = AS_OF[-1].replace(tzinfo=UTC).timestamp()
    assert rows.stored_at == [stamp, None, stamp, stamp]
    # The same through Feast's per-view online_read, the path every other online store takes.
    reader._packed = None
    assert reader.read(clients, {"request_epoch": request_epoch}).values == rows.values
    with pytest.raises(ValueError, match="request_epoch"):
        reader.read(clients, {})


def test_request_time_features_age_stored_recency():
    from features.on_demand import request_time_features

    inputs = {
        "days_since_last_login": [3.0, 3.0, 3.0, None],
        "as_of_epoch": [0.0, 0.0, 0.0, 0.0],
        "live_last_login_epoch": [np.nan, 5 * 86400.0, None, None],
        "request_epoch": [2 * 86400.0, 6 * 86400.0, -10 * 86400.0, 0.0],
    }
    out = request_time_features.feature_transformation.udf(inputs)
    # Aged by two days; a live login a day ago wins; never negative; unknown stays unknown.
    assert out["days_since_last_login_now"] == [5.0, 1.0, 0.0, None]


def test_a_training_set_read_in_pieces_equals_one_read(store):
    from models.training import training_frame

    labels = pd.DataFrame(
        {
            "client_id": ["C0000001", "C0000002", "C0000001", "C0000002", "C0000001"],
            "event_timestamp": pd.to_datetime([AS_OF[0], AS_OF[0], AS_OF[1], AS_OF[1], AS_OF[2]], utc=True),
            "churned_60d": [0, 1, 0, 0, 1],
        }
    )
    whole = training_frame(store, "churn_v1", labels)
    pieces = training_frame(store, "churn_v1", labels, read_rows=2)  # one as-of date per read
    pd.testing.assert_frame_equal(pieces, whole)
    assert whole["logins_30d"].tolist() == [0.0, 0.0, 1.0, 1.0, 2.0]  # each row joined its own week
