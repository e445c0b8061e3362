"""What a feature group adds to a binary head: retrain without it, and compare test AUC on all test rows
and on the rows where the group can matter (e.g. transcript mentions on clients who had a call or chat).

An experiment for the benchmarks, not part of the nightly training: each group costs a retrained head.
Each AUC added comes with a 95 % interval from a paired bootstrap over the rows (both heads graded on the
same resampled rows): on a subset of a few hundred positives an AUC moves by a hundredth by chance, and
the interval says whether a gain is more than that.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

from models.config import ModelConfig
from models.training import Split, feature_matrix, predict, train

ALL_ROWS = "all"
BOOTSTRAP_RESAMPLES = 200


def _auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(y, scores)) if len(np.unique(y)) == 2 else None


def auc_added_interval(
    y: np.ndarray,
    with_scores: np.ndarray,
    without_scores: np.ndarray,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float] | None:
    """The 2.5 % and 97.5 % quantiles of AUC with minus AUC without over ``resamples`` bootstrap
    resamples of the rows, both heads on the same resample; None when the rows hold one class."""
    y = np.asarray(y)
    if len(np.unique(y)) < 2:
        return None
    rng = np.random.default_rng(seed)
    added = []
    for _ in range(resamples):
        pick = rng.integers(0, len(y), len(y))
        if len(np.unique(y[pick])) == 2:
            added.append(roc_auc_score(y[pick], with_scores[pick]) - roc_auc_score(y[pick], without_scores[pick]))
    low, high = np.quantile(added, [0.025, 0.975])
    return float(low), float(high)


def feature_group_ablation(
    split: Split,
    feature_names: list[str],
    config: ModelConfig,
    label: str,
    prefix: str,
    with_scores: np.ndarray | None = None,
    subsets: dict[str, np.ndarray] | None = None,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> dict[str, object]:
    """Test AUC with and without the features starting with ``prefix``, on every test row and on each
    subset (a boolean mask over the test rows), the AUC added with its bootstrap interval
    (``auc_added_interval``, ``resamples`` of them; 0: none). ``with_scores``: the full head's test
    scores when already at hand (a stored booster), else the full head is trained too. A subset with
    one class only has no AUC (None)."""
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
        interval = (
            auc_added_interval(y[mask], with_scores[mask], without_scores[mask], resamples) if resamples else None
        )
        rows[name] = {
            "rows": int(mask.sum()),
            "positives": int(y[mask].sum()),
            "auc_with": auc_with,
            "auc_without": auc_without,
            "auc_added": None if auc_with is None or auc_without is None else auc_with - auc_without,
            "auc_added_interval": interval,
        }
    return {"prefix": prefix, "dropped": dropped, "rows": rows}
