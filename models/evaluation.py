"""Metrics of a binary model on held-out rows."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def binary_metrics(y_true: np.ndarray, y_score: np.ndarray) -> dict[str, float]:
    y_true = np.asarray(y_true)
    if len(np.unique(y_true)) < 2:
        raise ValueError("evaluation needs both classes in the held-out rows")
    order = np.argsort(-y_score, kind="stable")
    top = order[: max(1, len(order) // 10)]
    base_rate = float(y_true.mean())
    return {
        "rows": float(len(y_true)),
        "positive_rate": base_rate,
        "auc": float(roc_auc_score(y_true, y_score)),
        "pr_auc": float(average_precision_score(y_true, y_score)),
        "brier": float(brier_score_loss(y_true, y_score)),
        "top_decile_lift": float(y_true[top].mean() / base_rate),
    }
