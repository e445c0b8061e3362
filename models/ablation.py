"""What a feature group adds to a binary head: retrain without it, and compare test AUC on all test rows
and on the rows where the group can matter (e.g. transcript mentions on clients who had a call or chat).

An experiment for the benchmarks, not part of the nightly training: each group costs a retrained head.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from models.config import ModelConfig
from models.training import Split, feature_matrix, predict, train

ALL_ROWS = "all"


def _auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(y, scores)) if len(np.unique(y)) == 2 else None


def feature_group_ablation(
    split: Split,
    feature_names: list[str],
    config: ModelConfig,
    label: str,
    prefix: str,
    with_scores: np.ndarray | None = None,
    subsets: dict[str, np.ndarray] | None = None,
) -> dict[str, object]:
    """Test AUC with and without the features starting with ``prefix``, on every test row and on each
    subset (a boolean mask over the test rows). ``with_scores``: the full head's test scores when
    already at hand (a stored booster), else the full head is trained too. A subset with one class
    only has no AUC (None)."""
    if config.task != "binary":
        raise ValueError("ablation compares AUC: binary heads only")
    dropped = [name for name in feature_names if name.startswith(prefix)]
    if not dropped:
        raise ValueError(f"no feature starts with {prefix!r}")
    kept = [name for name in feature_names if name not in dropped]
    if with_scores is None:
        with_scores = predict(train(split, feature_names, config, label), feature_matrix(split.test, feature_names))
    without_scores = predict(train(split, kept, config, label), feature_matrix(split.test, kept))
    y = split.test[label].to_numpy()
    masks = {ALL_ROWS: np.ones(len(y), dtype=bool), **(subsets or {})}
    rows = {}
    for name, mask in masks.items():
        mask = np.asarray(mask, dtype=bool)
        if len(mask) != len(y):
            raise ValueError(f"subset {name!r} has {len(mask)} flags for {len(y)} test rows")
        auc_with, auc_without = _auc(y[mask], with_scores[mask]), _auc(y[mask], without_scores[mask])
        rows[name] = {
            "rows": int(mask.sum()),
            "positives": int(y[mask].sum()),
            "auc_with": auc_with,
            "auc_without": auc_without,
            "auc_added": None if auc_with is None or auc_without is None else auc_with - auc_without,
        }
    return {"prefix": prefix, "dropped": dropped, "rows": rows}
