"""Metrics on held-out rows, the oracle gap and the goals a model is graded against.

ECE (expected calibration error) uses **15 equal-width bins** over [0, 1] (as in Guo et al., 2017):
the row-weighted mean of |observed rate - mean predicted probability| per non-empty bin. For a
multiclass model it is the top-label ECE: the predicted class's probability against whether that
class was right.

Tiering metrics compare the predicted tier with the tier 90 days ahead and with today's tier:
an *up-move* is a row whose tier rises; its recall is the share of up-moves the model predicted as a
rise (any higher tier), likewise for down-moves. The "tier stays the same" baseline predicts today's
tier, so its move recalls are 0 by construction.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    average_precision_score,
    brier_score_loss,
    f1_score,
    log_loss,
    roc_auc_score,
)

from models.config import ModelConfig

ECE_BINS = 15


def calibration_bins(y_true: np.ndarray, y_score: np.ndarray, bins: int = ECE_BINS) -> pd.DataFrame:
    """Per equal-width bin: rows, mean predicted probability, observed rate (empty bins dropped)."""
    y_true = np.asarray(y_true, dtype=np.float64)
    y_score = np.asarray(y_score, dtype=np.float64)
    index = np.clip((y_score * bins).astype(np.int64), 0, bins - 1)
    rows = np.bincount(index, minlength=bins)
    predicted = np.bincount(index, weights=y_score, minlength=bins)
    observed = np.bincount(index, weights=y_true, minlength=bins)
    keep = rows > 0
    return pd.DataFrame(
        {
            "bin": np.arange(bins)[keep],
            "rows": rows[keep],
            "mean_predicted": predicted[keep] / rows[keep],
            "observed_rate": observed[keep] / rows[keep],
        }
    )


def expected_calibration_error(y_true: np.ndarray, y_score: np.ndarray, bins: int = ECE_BINS) -> float:
    table = calibration_bins(y_true, y_score, bins)
    if table.empty:
        return 0.0
    gaps = np.abs(table["observed_rate"] - table["mean_predicted"])
    return float((gaps * table["rows"]).sum() / table["rows"].sum())


def top_label(y_index: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(was the predicted class right, its probability): the inputs of a top-label ECE."""
    predicted = np.argmax(proba, axis=1)
    return (predicted == np.asarray(y_index)).astype(np.float64), proba[np.arange(len(proba)), predicted]


def top_decile(y_score: np.ndarray) -> np.ndarray:
    """Row indices of the highest-scored 10% (at least one row), ties broken by row order."""
    order = np.argsort(-np.asarray(y_score), kind="stable")
    return order[: max(1, len(order) // 10)]


def binary_metrics(y_true: np.ndarray, y_score: np.ndarray) -> dict[str, float]:
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score, dtype=np.float64)
    if len(np.unique(y_true)) < 2:
        raise ValueError("evaluation needs both classes in the held-out rows")
    base_rate = float(y_true.mean())
    return {
        "rows": float(len(y_true)),
        "positive_rate": base_rate,
        "auc": float(roc_auc_score(y_true, y_score)),
        "pr_auc": float(average_precision_score(y_true, y_score)),
        "brier": float(brier_score_loss(y_true, y_score)),
        "ece": expected_calibration_error(y_true, y_score),
        "top_decile_lift": float(y_true[top_decile(y_score)].mean() / base_rate),
    }


def move_recalls(true_codes: np.ndarray, predicted_codes: np.ndarray, now_codes: np.ndarray) -> dict[str, float]:
    """Recall of up-moves and down-moves: of the rows whose class rises (falls), the share predicted to."""
    true_codes, predicted_codes, now_codes = (np.asarray(a) for a in (true_codes, predicted_codes, now_codes))
    up, down = true_codes > now_codes, true_codes < now_codes
    return {
        "up_moves": float(up.sum()),
        "down_moves": float(down.sum()),
        "up_recall": float((predicted_codes[up] > now_codes[up]).mean()) if up.any() else float("nan"),
        "down_recall": float((predicted_codes[down] < now_codes[down]).mean()) if down.any() else float("nan"),
    }


def multiclass_metrics(
    true_codes: np.ndarray, proba: np.ndarray, now_codes: np.ndarray, classes: tuple[str, ...]
) -> dict[str, float]:
    """Tier metrics of class probabilities (column k is code k + 1) beside the "stays the same" baseline."""
    true_codes = np.asarray(true_codes, dtype=np.int64)
    now_codes = np.asarray(now_codes, dtype=np.int64)
    codes = np.arange(1, len(classes) + 1)
    predicted = np.argmax(proba, axis=1) + 1
    macro_f1 = float(f1_score(true_codes, predicted, labels=codes, average="macro", zero_division=0))
    baseline_f1 = float(f1_score(true_codes, now_codes, labels=codes, average="macro", zero_division=0))
    moves = move_recalls(true_codes, predicted, now_codes)
    return {
        "rows": float(len(true_codes)),
        "accuracy": float(accuracy_score(true_codes, predicted)),
        "macro_f1": macro_f1,
        "log_loss": float(log_loss(true_codes, np.clip(proba, 1e-15, 1.0), labels=codes)),
        "ece": expected_calibration_error(*top_label(true_codes - 1, proba)),
        **moves,
        "baseline_accuracy": float(accuracy_score(true_codes, now_codes)),
        "baseline_macro_f1": baseline_f1,
        "macro_f1_gain": macro_f1 - baseline_f1,
    }


def confusion(true_codes: np.ndarray, predicted_codes: np.ndarray, classes: tuple[str, ...]) -> pd.DataFrame:
    """Rows: true class, columns: predicted class."""
    k = len(classes)
    counts = np.zeros((k, k), dtype=np.int64)
    np.add.at(counts, (np.asarray(true_codes) - 1, np.asarray(predicted_codes) - 1), 1)
    return pd.DataFrame(counts, index=list(classes), columns=list(classes))


def class_codes(values: pd.Series | np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    """Class codes 1..K from names ('T3') or codes (3)."""
    series = pd.Series(np.asarray(values))
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        lookup = {name: code for code, name in enumerate(classes, start=1)}
        mapped = series.map(lookup)
        if mapped.isna().any():
            raise ValueError(f"unknown classes {sorted(set(series[mapped.isna()]))}; expected {list(classes)}")
        return mapped.to_numpy(dtype=np.int64)
    return series.to_numpy(dtype=np.int64)


def align_oracle(frame: pd.DataFrame, oracle: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The oracle's columns for each row of ``frame`` (joined on client_id + as_of_date), row order kept.

    Rows the oracle does not cover get NaN; the gap is then computed on the covered rows only.
    """
    keys = ["client_id", "as_of_date"]
    missing = [key for key in keys if key not in frame.columns]
    if missing:
        raise ValueError(f"frame lacks {missing}: the oracle joins on client_id and as_of_date")
    left = frame[keys].assign(as_of_date=pd.to_datetime(frame["as_of_date"]).dt.date)
    right = oracle[keys + columns].assign(as_of_date=pd.to_datetime(oracle["as_of_date"]).dt.date)
    if right.duplicated(keys).any():
        raise ValueError("oracle has more than one row per client and as-of date")
    return left.merge(right, on=keys, how="left", validate="many_to_one")[columns].reset_index(drop=True)


def oracle_gap_binary(y_true: np.ndarray, model_score: np.ndarray, oracle_score: np.ndarray) -> dict[str, float]:
    """The oracle's AUC beside the model's on the same rows (those the oracle covers)."""
    oracle_score = np.asarray(oracle_score, dtype=np.float64)
    covered = ~np.isnan(oracle_score)
    y = np.asarray(y_true)[covered]
    model_auc = float(roc_auc_score(y, np.asarray(model_score)[covered]))
    oracle_auc = float(roc_auc_score(y, oracle_score[covered]))
    return {
        "oracle_rows": float(covered.sum()),
        "model_auc": model_auc,
        "oracle_auc": oracle_auc,
        "auc_gap": oracle_auc - model_auc,
    }


def oracle_gap_multiclass(
    true_codes: np.ndarray, predicted_codes: np.ndarray, oracle_codes: np.ndarray, classes: tuple[str, ...]
) -> dict[str, float]:
    """The oracle's macro-F1 beside the model's on the same rows."""
    oracle_codes = pd.Series(oracle_codes)
    covered = oracle_codes.notna().to_numpy()
    codes = np.arange(1, len(classes) + 1)
    true = np.asarray(true_codes)[covered]
    oracle = class_codes(oracle_codes[covered], classes)
    model_f1 = float(f1_score(true, np.asarray(predicted_codes)[covered], labels=codes, average="macro"))
    oracle_f1 = float(f1_score(true, oracle, labels=codes, average="macro", zero_division=0))
    return {
        "oracle_rows": float(covered.sum()),
        "model_macro_f1": model_f1,
        "oracle_macro_f1": oracle_f1,
        "macro_f1_gap": oracle_f1 - model_f1,
    }


def goal_results(config: ModelConfig, metrics: dict[str, float], oracle: dict[str, float] | None) -> list[dict]:
    """Each goal of the config with its value, target and whether it was met (NaN values miss)."""
    goals = config.goals
    rows: list[tuple[str, float, str, float]] = []
    if config.task == "binary":
        rows += [
            ("top_decile_lift", metrics["top_decile_lift"], ">=", goals.min_top_decile_lift),
            ("ece", metrics["ece"], "<=", goals.max_ece),
        ]
        if oracle:
            rows.append(("oracle_auc_gap", oracle["auc_gap"], "<=", goals.max_oracle_auc_gap))
    else:
        rows.append(("macro_f1_gain", metrics["macro_f1_gain"], ">=", goals.min_macro_f1_gain))
    results = []
    for goal, value, op, target in rows:
        met = bool(value >= target) if op == ">=" else bool(value <= target)
        results.append({"goal": goal, "value": float(value), "target": f"{op} {target}", "met": met})
    return results


def holdout_metric(config: ModelConfig, y_true: np.ndarray, scores: np.ndarray) -> float:
    """The config's primary metric (higher is better): what champion and challenger are compared on."""
    if config.task == "binary":
        return (
            float(roc_auc_score(y_true, scores))
            if config.primary_metric == "auc"
            else float(binary_metrics(y_true, scores)[config.primary_metric])
        )
    codes = np.arange(1, len(config.classes) + 1)
    predicted = np.argmax(scores, axis=1) + 1
    if config.primary_metric == "macro_f1":
        return float(f1_score(np.asarray(y_true), predicted, labels=codes, average="macro", zero_division=0))
    return float(accuracy_score(np.asarray(y_true), predicted))


def evaluate(
    config: ModelConfig,
    head: str,
    test: pd.DataFrame,
    scores: np.ndarray,
    oracle: pd.DataFrame | None = None,
) -> dict[str, object]:
    """Metrics of one head on the test rows, the oracle gap on the same rows (when an oracle is given)
    and the goals. ``scores``: P(positive) for binary, class probabilities for multiclass."""
    label = config.heads[head]
    oracle_column = config.oracle_columns.get(head)
    if config.task == "binary":
        y = test[label].to_numpy()
        metrics = binary_metrics(y, scores)
    else:
        y = class_codes(test[label], config.classes)
        now = class_codes(test[config.baseline_column], config.classes)
        metrics = multiclass_metrics(y, scores, now, config.classes)
    gap = None
    if oracle is not None and oracle_column and oracle_column in oracle.columns:
        aligned = align_oracle(test, oracle, [oracle_column])[oracle_column]
        if aligned.notna().any():
            if config.task == "binary":
                gap = oracle_gap_binary(y, scores, aligned.to_numpy(dtype=np.float64))
            else:
                gap = oracle_gap_multiclass(y, np.argmax(scores, axis=1) + 1, aligned, config.classes)
    return {"metrics": metrics, "oracle": gap, "goals": goal_results(config, metrics, gap)}
