"""Calibration folded into the LightGBM leaves, so the served ONNX model is the calibrated one.

Approach: **Platt scaling on the raw score** for binary models (``p = sigmoid(a * s + b)`` with ``s``
LightGBM's raw margin) and **temperature scaling** for multiclass models (``softmax(s / T)``), both
fitted on the validation dates. Both are affine maps of the raw score, and a tree ensemble's raw score
is a sum of leaf values with exactly one leaf per tree per row, so the map is folded into the model
itself: every leaf value is multiplied by ``a`` (or ``1 / T``) and ``b`` is added to every leaf of the
first tree. The result is an ordinary LightGBM model, so:

- ONNX export, the float32 threshold snapping and the parity gate apply unchanged: what is served is
  exactly what was evaluated, with no extra graph nodes to keep in step;
- reason codes (TreeSHAP) explain the calibrated score: contributions scale by ``a``, the bias by ``b``;
- the ranking (AUC, lift, top decile) is unchanged, since ``a > 0``.

Isotonic regression was the alternative; its step function does not fold into leaves and, served as a
piecewise-linear map, its steep segments amplify float32 rounding beyond the parity budget. LightGBM's
miscalibration is mostly a monotone sigmoid-shaped distortion (class weights, sampling, shrinkage),
which Platt corrects. "When needed": with policy ``auto`` calibration is applied only when the raw
validation ECE exceeds ``calibrate_above_ece`` and calibration lowers it.
"""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import log_softmax

from models.evaluation import expected_calibration_error, top_label


def fit_platt(raw: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Slope and intercept of ``sigmoid(a * raw + b)`` minimising log loss (unregularised)."""
    raw = np.asarray(raw, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        z = theta[0] * raw + theta[1]
        # log(1 + e^z) - y z, stable for large |z|.
        value = np.logaddexp(0.0, z) - y * z
        residual = 1.0 / (1.0 + np.exp(-z)) - y
        return float(value.mean()), np.array([(residual * raw).mean(), residual.mean()])

    result = minimize(loss, x0=np.array([1.0, 0.0]), jac=True, method="L-BFGS-B")
    a, b = (float(v) for v in result.x)
    if a <= 0:
        raise ValueError("Platt slope is not positive: the model's ranking is worse than random on validation")
    return a, b


def fit_temperature(raw: np.ndarray, y_index: np.ndarray) -> float:
    """Temperature ``T`` of ``softmax(raw / T)`` minimising log loss; ``y_index`` in 0..K-1."""
    raw = np.asarray(raw, dtype=np.float64)
    rows = np.arange(len(raw))

    def loss(log_t: float) -> float:
        return float(-log_softmax(raw / np.exp(log_t), axis=1)[rows, y_index].mean())

    result = minimize_scalar(loss, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(result.x))


def fold_affine(booster: lgb.Booster, scale: float, shift: float = 0.0) -> lgb.Booster:
    """The same trees with every leaf value ``v`` replaced by ``scale * v`` (+ ``shift`` on the first
    tree of each class), so the raw score becomes ``scale * s + shift`` for every row."""
    lines = booster.model_to_string().split("\n")
    per_iteration = booster.num_model_per_iteration()
    tree = -1
    for i, line in enumerate(lines):
        if line.startswith("Tree="):
            tree = int(line.split("=", 1)[1])
        elif tree >= 0 and line.startswith(("leaf_value=", "internal_value=")):
            key, values = line.split("=", 1)
            numbers = np.array(values.split(), dtype=np.float64) * scale
            if tree < per_iteration:
                numbers = numbers + shift
            lines[i] = key + "=" + " ".join(repr(float(v)) for v in numbers)
    lines = [line for line in lines if not line.startswith("tree_sizes=")]
    return lgb.Booster(model_str="\n".join(lines))


def calibrate(
    booster: lgb.Booster,
    features: np.ndarray,
    y: np.ndarray,
    task: str,
    policy: str = "auto",
    above_ece: float = 0.01,
) -> tuple[lgb.Booster, dict[str, object]]:
    """Fit calibration on validation rows and fold it into the model when the policy asks for it.

    ``y`` is 0/1 for binary and the class index 0..K-1 for multiclass. Returns the model to serve
    and what was done, with the validation ECE before and after.
    """
    raw = booster.predict(features, raw_score=True)
    proba = booster.predict(features)
    if task == "binary":
        before = expected_calibration_error(y, proba)
        a, b = fit_platt(raw, y)
        candidate = fold_affine(booster, a, b)
        after = expected_calibration_error(y, candidate.predict(features))
        info: dict[str, object] = {"method": "platt", "slope": a, "intercept": b}
    else:
        before = expected_calibration_error(*top_label(y, proba))
        temperature = fit_temperature(raw, y)
        candidate = fold_affine(booster, 1.0 / temperature)
        after = expected_calibration_error(*top_label(y, candidate.predict(features)))
        info = {"method": "temperature", "temperature": temperature}
    apply = policy == "always" or (policy == "auto" and before > above_ece and after < before)
    info.update(
        {
            "applied": bool(apply),
            "policy": policy,
            "validation_ece_before": float(before),
            "validation_ece_after": float(after if apply else before),
        }
    )
    return (candidate if apply else booster), info
