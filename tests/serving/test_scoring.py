import numpy as np
import pytest
from pydantic import ValidationError

from models.config import CHURN
from models.explain import build_explainer
from models.onnx_export import export_onnx, onnx_session
from models.training import time_split, train
from serving.schemas import MAX_CLIENT_IDS, ScoreRequest
from serving.scoring import UNKNOWN_CLIENT, Scorer, feature_rows
from serving.served_models import ServedModel
from tests.models.test_training import FEATURES, synthetic_frame


def test_feature_rows_take_known_clients_in_model_order():
    online = {"a": [1.0, None, 3.0], "b": [10.0, None, None]}
    matrix = feature_rows(online, ["b", "a"], [0, 2])
    assert matrix.shape == (2, 2)
    assert matrix[0].tolist() == [10.0, 1.0]
    assert np.isnan(matrix[1, 0]) and matrix[1, 1] == 3.0


def test_score_clients_scores_known_and_flags_unknown():
    split = time_split(synthetic_frame(), CHURN)
    booster = train(split, FEATURES, CHURN)
    churn = ServedModel(
        name="churn",
        tag="churn:test",
        feature_names=FEATURES,
        feature_service="churn_v1",
        session=onnx_session(export_onnx(booster)),
        explainers=[build_explainer(booster)],
        labels={},
    )
    online = {"signal": [2.0, None, -2.0], "noise": [0.0, None, 0.0], "weak": [0.0, None, 0.0]}
    scores = Scorer({"churn": churn}).score(online, [1764201600.0, None, 1764201600.0], ["C1", "C2", "C3"])
    assert [s.client_id for s in scores] == ["C1", "C2", "C3"]
    assert scores[1].error == UNKNOWN_CLIENT and scores[1].churn_probability is None
    assert 0 <= scores[2].churn_probability < scores[0].churn_probability <= 1
    # The strongest reason is the feature the label was built from.
    assert scores[0].reasons["churn"][0].feature == "signal"
    assert scores[0].reasons["churn"][0].direction == "raises"
    assert scores[0].intent is None and scores[0].tier_90d is None
    assert scores[0].feature_timestamp == "2025-11-27T00:00:00+00:00" and scores[1].feature_timestamp is None


def test_request_limits():
    assert ScoreRequest(client_ids=["C0000001"]).client_ids == ["C0000001"]
    with pytest.raises(ValidationError, match="client_ids"):
        ScoreRequest(client_ids=[])
    with pytest.raises(ValidationError, match="client_ids"):
        ScoreRequest(client_ids=["C"] * (MAX_CLIENT_IDS + 1))
    with pytest.raises(ValidationError, match="client_ids"):
        ScoreRequest(client_ids="C0000001")


def test_iso_time_is_utc():
    from serving.scoring import iso_time

    assert iso_time(1764201600.0) == "2025-11-27T00:00:00+00:00"
    assert iso_time(None) is None
