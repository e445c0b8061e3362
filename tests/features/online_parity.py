"""Shared check: the service's online reader returns what Feast's get_online_features returns."""

from __future__ import annotations

from feast import FeatureStore

from features.online import OnlineReader

SERVICES = ("churn_v1", "intent_v1", "tiering_v1")


def assert_reader_matches_feast(store: FeatureStore, client_ids: list[str], request_epoch: float) -> OnlineReader:
    services = [store.get_feature_service(name) for name in SERVICES]
    reader = OnlineReader(store, services)
    rows = reader.read(client_ids, {"request_epoch": request_epoch})
    refs = [f"{p.name_to_use()}:{f.name}" for s in services for p in s.feature_view_projections for f in p.features]
    expected = store.get_online_features(
        features=list(dict.fromkeys(refs)),
        entity_rows=[{"client_id": c, "request_epoch": request_epoch} for c in client_ids],
    ).to_dict(include_event_timestamps=True)
    served = {name for name in expected if name != "client_id" and not name.endswith("__ts")}
    assert served <= set(rows.values), sorted(served - set(rows.values))
    for name in sorted(served):
        assert rows.values[name] == expected[name], name
    # Feast's event times are epoch seconds, 0 for a client without a row in the view.
    for view, stamps in rows.timestamps.items():
        first = next(f.name for s in services for p in s.feature_view_projections if p.name == view for f in p.features)
        assert [s or 0 for s in stamps] == expected[f"{first}__ts"], view
    return reader
