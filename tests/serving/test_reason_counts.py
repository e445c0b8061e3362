"""The reasons benchmark counts each feature once per client and flags a point in time among the top three."""

from benchmarks.reasons import point_in_time_share, top_reasons


def _reason(feature: str) -> dict:
    return {"feature": feature, "label": feature, "contribution": 0.1, "direction": "raises"}


def _reasons(*features: str) -> list[dict]:
    return [_reason(f) for f in features]


ENTRIES = [
    {"client_id": "C1", "reasons": {"churn": _reasons("logins_30d", "aum", "age", "x_epoch")}},
    {"client_id": "C2", "reasons": {"churn": _reasons("as_of_epoch", "logins_30d"), "intent": _reasons("aum")}},
    {"client_id": "C3", "error": "unknown client_id", "reasons": {}},
]


def test_top_three_per_model_and_client():
    counts = top_reasons(ENTRIES)
    assert counts["churn"] == {"logins_30d": 2, "aum": 1, "age": 1, "as_of_epoch": 1}  # x_epoch is fourth
    assert counts["intent"] == {"aum": 1}


def test_point_in_time_share_of_scored_clients():
    assert point_in_time_share(ENTRIES) == 0.5
