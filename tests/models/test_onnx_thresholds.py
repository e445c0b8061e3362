"""LightGBM thresholds are doubles, ONNX's are float32: snapping must make them agree exactly."""

import lightgbm as lgb
import numpy as np

from models.onnx_export import check_parity, export_onnx, snap_thresholds_to_float32


def _adjacent_float32_booster() -> tuple[lgb.Booster, np.ndarray]:
    # Feature values come in pairs of adjacent float32 numbers with different labels, so
    # LightGBM splits at a double half-way between them: the case float32 rounding breaks.
    rng = np.random.default_rng(0)
    lows = rng.uniform(1, 1000, size=400).astype(np.float32)
    highs = np.nextafter(lows, np.float32(np.inf))
    x = np.concatenate([lows, highs]).reshape(-1, 1)
    y = np.concatenate([np.zeros(400), np.ones(400)])
    params = {"objective": "binary", "num_leaves": 31, "min_data_in_leaf": 1, "verbose": -1, "seed": 1}
    booster = lgb.train(params, lgb.Dataset(x, label=y, params={"max_bin": 1023}), num_boost_round=20)
    return booster, x


def test_raw_thresholds_can_disagree_and_snapped_ones_do_not():
    booster, x = _adjacent_float32_booster()
    snapped = snap_thresholds_to_float32(booster)
    # Same model for float32 inputs: not one prediction moves.
    assert np.array_equal(booster.predict(x), snapped.predict(x))
    parity = check_parity(snapped, export_onnx(snapped), x)
    assert parity["max_abs_diff"] <= 1e-5
    # The raw model's exported thresholds round to the wrong side for some of these rows.
    raw = check_parity(booster, export_onnx(booster), x)
    assert raw["max_abs_diff"] > parity["max_abs_diff"]
