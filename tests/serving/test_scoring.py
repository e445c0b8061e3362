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


def synthetic_churn() -> ServedModel:
    """A churn champion trained on the synthetic frame: `signal` drives its label."""
    booster = train(time_split(synthetic_frame(), CHURN), FEATURES, CHURN)
    model_bytes = export_onnx(booster)
    return ServedModel(
        name="churn",
        tag="churn:test",
        feature_names=FEATURES,
        feature_service="churn_v1",
        session=onnx_session(model_bytes),
        model_bytes=model_bytes,
        explainers=[build_explainer(booster)],
        labels={},
    )


def test_score_clients_scores_known_and_flags_unknown():
    churn = synthetic_churn()
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


def _served(name: str, booster, features: list[str]) -> ServedModel:
    classes = booster.num_model_per_iteration()
    model_bytes = export_onnx(booster)
    return ServedModel(
        name=name,
        tag=f"{name}:test",
        feature_names=features,
        feature_service=f"{name}_v1",
        session=onnx_session(model_bytes),
        model_bytes=model_bytes,
        explainers=[build_explainer(booster, klass=k) for k in range(classes)]
        if classes > 1
        else [build_explainer(booster)],
        labels={},
    )


def test_batch_entries_equal_each_client_alone_and_the_validated_response():
    """The /score path (plain dicts, one model call per batch) gives what scoring each client alone
    and serializing validated models give, and what the models say for that client."""
    from pydantic_core import to_json

    from models.config import TIERING
    from models.explain import class_block, reason_codes
    from models.onnx_export import onnx_probabilities
    from serving.schemas import ScoreResponse
    from tests.models.synthetic import FEATURES as MODEL_FEATURES
    from tests.models.synthetic import binary_frame, tier_frame
    from wealthpulse.domain import TIERS

    tier_features = [*MODEL_FEATURES, "value_tier_code"]
    served = {
        "churn": _served("churn", train(time_split(binary_frame(), CHURN), MODEL_FEATURES, CHURN), MODEL_FEATURES),
        "tiering": _served("tiering", train(time_split(tier_frame(), TIERING), tier_features, TIERING), tier_features),
        "intent_options": _served(
            "intent_options",
            train(time_split(binary_frame(seed=9), CHURN), MODEL_FEATURES, CHURN),
            MODEL_FEATURES,
        ),
        "intent_advisory": _served(
            "intent_advisory",
            train(time_split(binary_frame(seed=13), CHURN), MODEL_FEATURES, CHURN),
            MODEL_FEATURES,
        ),
    }
    scorer = Scorer(served)
    rng = np.random.default_rng(4)
    n = 40
    online = {name: rng.normal(size=n).tolist() for name in MODEL_FEATURES}
    online["noise"] = [None if i % 7 == 0 else v for i, v in enumerate(online["noise"])]
    online["mentions_margin_30d"] = [0.0 if i % 3 == 0 else abs(v) for i, v in enumerate(online["mentions_margin_30d"])]
    online["value_tier_code"] = [None if i % 11 == 0 else float(i % 5 + 1) for i in range(n)]
    stored_at = [None if i % 9 == 4 else 1764201600.0 for i in range(n)]
    ids = [f"C{i:07d}" for i in range(n)]
    matrix = np.array(
        [[np.nan if online[name][i] is None else online[name][i] for name in scorer.inputs] for i in range(n)]
    )

    batch = scorer.score_entries(matrix, stored_at, ids)
    alone = [scorer.score_entries(matrix[i : i + 1], stored_at[i : i + 1], ids[i : i + 1])[0] for i in range(n)]
    assert batch == alone
    # Without reasons: the same scores, nothing explained.
    assert scorer.score_entries(matrix, stored_at, ids, explain=False) == [{**e, "reasons": {}} for e in batch]
    versions = {name: model.tag for name, model in served.items()}
    validated = ScoreResponse(scores=scorer.score(online, stored_at, ids), model_versions=versions)
    assert to_json({"scores": batch, "model_versions": versions}) == validated.model_dump_json().encode()

    # Against the models themselves, client by client.
    for i, entry in enumerate(batch):
        if stored_at[i] is None:
            assert entry["error"] == UNKNOWN_CLIENT and entry["churn_probability"] is None
            continue
        row = np.array([[np.nan if online[f][i] is None else online[f][i] for f in MODEL_FEATURES]], dtype=np.float32)
        tier_row = np.array(
            [[np.nan if online[f][i] is None else online[f][i] for f in tier_features]], dtype=np.float32
        )
        churn = served["churn"]
        assert entry["churn_probability"] == float(onnx_probabilities(churn.session, row)[0, 1])
        expected = reason_codes(
            class_block(churn.explainers[0].contributions(row), len(MODEL_FEATURES)), MODEL_FEATURES
        )[0]
        assert entry["reasons"]["churn"] == expected
        tiers = onnx_probabilities(served["tiering"].session, tier_row)[0]
        klass = int(tiers.argmax())
        assert entry["tier_90d"] == TIERS[klass]
        assert entry["tier_probabilities"] == {t: float(p) for t, p in zip(TIERS, tiers, strict=True)}
        tier_reasons = served["tiering"].explainers[klass].contributions(tier_row)
        assert (
            entry["reasons"]["tiering"]
            == reason_codes(class_block(tier_reasons, len(tier_features), klass), tier_features)[0]
        )
        code = online["value_tier_code"][i]
        assert entry["tier_now"] == (TIERS[int(code) - 1] if code else None)
        intent = {
            need: float(onnx_probabilities(served[f"intent_{need}"].session, row)[0, 1])
            for need in ("options", "advisory")
        }
        assert entry["intent"] == intent
        top = max(intent, key=intent.get)
        assert entry["reasons"]["intent"] == served[f"intent_{top}"].reasons(row)[0]
