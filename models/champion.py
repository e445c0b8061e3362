"""Champion or challenger: a candidate and the current champion scored on the candidate's own holdout.

Both are ONNX models scored by ONNX Runtime on the same test rows (the candidate's latest as-of dates),
so the comparison is of the two models alone. A champion whose features are no longer all in the training
set cannot score that holdout: it counts as no champion, and a candidate that passed parity replaces it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.config import ModelConfig
from models.evaluation import holdout_metric
from models.fit import head_truth
from models.onnx_export import onnx_scores, onnx_session
from models.registry import Champion, Decision, decide
from models.training import feature_matrix


def onnx_holdout_metric(
    config: ModelConfig, y_true: np.ndarray, model_bytes: bytes, feature_names: list[str], test: pd.DataFrame
) -> float:
    """The config's primary metric of an ONNX model on the test rows."""
    return holdout_metric(config, y_true, onnx_scores(onnx_session(model_bytes), feature_matrix(test, feature_names)))


def champion_on_holdout(
    config: ModelConfig, y_true: np.ndarray, test: pd.DataFrame, champion: Champion | None
) -> float | None:
    """The champion's primary metric on the candidate's test rows; None when there is no champion or it
    cannot score them (it reads a feature the rows lack)."""
    if champion is None:
        return None
    features = champion.metadata.get("feature_names", [])
    if not features or not set(features) <= set(test.columns):
        return None
    return onnx_holdout_metric(config, y_true, champion.model_bytes, features, test)


def compare_with_champion(
    config: ModelConfig,
    head: str,
    candidate_bytes: bytes,
    feature_names: list[str],
    test: pd.DataFrame,
    champion: Champion | None,
    parity_passed: bool,
) -> Decision:
    """Score the candidate and the champion on the candidate's test rows and decide its stage."""
    y = head_truth(test, config, config.heads[head])
    candidate = onnx_holdout_metric(config, y, candidate_bytes, feature_names, test)
    current = champion_on_holdout(config, y, test, champion)
    return decide(
        config.primary_metric,
        candidate,
        current,
        config.champion_margin,
        parity_passed,
        champion.tag if champion else None,
    )


def registration_metadata(config: ModelConfig, head: str, summary: dict, decision: Decision, code_version: str) -> dict:
    """What the model store keeps beside a head's ONNX bytes: where it came from and how it was graded."""
    return {
        "model": config.name,
        "head": head,
        "label": config.heads[head],
        "task": config.task,
        "classes": list(config.classes),
        "feature_service": config.feature_service,
        "feature_names": summary["feature_names"],
        "metrics": summary["metrics"],
        "oracle_gap": summary["oracle"],
        "goals": summary["goals"],
        "calibration": summary["calibration"],
        "onnx_test_" + config.primary_metric: decision.candidate,
        "training_window": summary["split"],
        "data_fingerprint": summary["fingerprint"],
        "code_version": code_version,
    }


def registration_labels(config: ModelConfig) -> dict[str, str]:
    return {"model": config.name, "feature_service": config.feature_service}
