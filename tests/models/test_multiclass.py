"""Tiering: multiclass training, the 'tier stays the same' baseline, ONNX parity, snapped thresholds."""

import numpy as np

from models.config import TIERING
from models.evaluation import evaluate, multiclass_metrics
from models.onnx_export import check_parity, export_onnx, onnx_scores, onnx_session, parity_passed
from models.training import feature_matrix, fit_head, predict, time_split, train
from tests.models.synthetic import FEATURES, TIERS, tier_frame

TIER_FEATURES = [*FEATURES, "value_tier_code"]


def _trained():
    split = time_split(tier_frame(), TIERING)
    return split, train(split, TIER_FEATURES, TIERING)


def test_multiclass_learns_moves_and_beats_the_baseline():
    split, booster = _trained()
    proba = predict(booster, feature_matrix(split.test, TIER_FEATURES))
    assert proba.shape == (len(split.test), 5)
    assert np.allclose(proba.sum(axis=1), 1.0)
    metrics = multiclass_metrics(
        split.test["tier_90d_code"].to_numpy(), proba, split.test["tier_now_code"].to_numpy(), TIERS
    )
    assert metrics["macro_f1_gain"] >= 0.10
    assert metrics["up_recall"] > 0.5 and metrics["down_recall"] > 0.5
    graded = evaluate(TIERING, "tiering", split.test, proba)
    assert [g["goal"] for g in graded["goals"]] == ["macro_f1_gain"] and graded["goals"][0]["met"]


def test_multiclass_onnx_parity_on_the_whole_test_set():
    split, booster = _trained()
    test_x = feature_matrix(split.test, TIER_FEATURES)
    model_bytes = export_onnx(booster, name="tiering")
    parity = check_parity(booster, model_bytes, test_x)
    assert parity["max_abs_diff"] <= 1e-5
    assert parity["top_decile_overlap"] == 1.0 and parity["class_agreement"] == 1.0
    assert parity_passed(parity)
    assert onnx_scores(onnx_session(model_bytes), test_x).shape == (len(split.test), 5)


def test_snapping_keeps_multiclass_predictions():
    from models.onnx_export import snap_thresholds_to_float32

    split, _ = _trained()
    import lightgbm as lgb

    x = feature_matrix(split.train, TIER_FEATURES)
    y = split.train["tier_90d_code"].to_numpy() - 1
    raw = lgb.train({**TIERING.params}, lgb.Dataset(x, label=y), num_boost_round=20)
    snapped = snap_thresholds_to_float32(raw)
    assert np.array_equal(raw.predict(x), snapped.predict(x))
    assert check_parity(snapped, export_onnx(snapped), x)["max_abs_diff"] <= 1e-5


def test_calibrated_multiclass_keeps_parity():
    split = time_split(tier_frame(), TIERING)
    booster, info = fit_head(split, TIER_FEATURES, TIERING, "tier_90d_code")
    assert info["method"] == "temperature"
    test_x = feature_matrix(split.test, TIER_FEATURES)
    assert check_parity(booster, export_onnx(booster), test_x)["max_abs_diff"] <= 1e-5
