"""Metrics, ECE, the oracle gap on a synthetic oracle and goals."""

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from models.config import CHURN, INTENT
from models.evaluation import (
    align_oracle,
    evaluate,
    expected_calibration_error,
    move_recalls,
    oracle_gap_multiclass,
)
from models.training import feature_matrix, label_frame, predict, time_split, train
from tests.models.synthetic import FEATURES, TIERS, binary_frame


def test_ece_of_perfect_and_shifted_scores():
    y = np.array([0, 0, 0, 1] * 250)
    assert expected_calibration_error(y, np.full(1000, 0.25)) == pytest.approx(0.0)
    assert expected_calibration_error(y, np.full(1000, 0.45)) == pytest.approx(0.20)
    # Two bins, each off by 0.1: ECE is the row-weighted mean.
    scores = np.r_[np.full(500, 0.1), np.full(500, 0.9)]
    labels = np.r_[np.zeros(500), np.ones(500)]
    assert expected_calibration_error(labels, scores) == pytest.approx(0.1)


def test_oracle_gap_on_the_same_rows():
    split = time_split(binary_frame(), CHURN)
    booster = train(split, FEATURES, CHURN)
    scores = predict(booster, feature_matrix(split.test, FEATURES))
    # The oracle knows the true probabilities; shuffle it, drop some rows and add foreign ones.
    oracle = split.test[["client_id", "as_of_date", "p_true"]].rename(columns={"p_true": "p_churn_60d"})
    oracle = oracle.sample(frac=1.0, random_state=1).iloc[100:]
    extra = oracle.head(50).assign(client_id=lambda f: f["client_id"] + "X")
    oracle = pd.concat([oracle, extra])
    graded = evaluate(CHURN, "churn", split.test, scores, oracle)
    gap = graded["oracle"]
    covered = (
        split.test["client_id"]
        .add(split.test["as_of_date"].astype(str))
        .isin(oracle["client_id"].add(oracle["as_of_date"].astype(str)))
    )
    y = split.test[CHURN.label].to_numpy()
    assert gap["oracle_rows"] == covered.sum() == len(split.test) - 100
    assert gap["oracle_auc"] == pytest.approx(roc_auc_score(y[covered], split.test["p_true"][covered]))
    assert gap["model_auc"] == pytest.approx(roc_auc_score(y[covered], scores[covered]))
    assert gap["auc_gap"] == pytest.approx(gap["oracle_auc"] - gap["model_auc"])
    assert 0 <= gap["auc_gap"] < 0.02
    goals = {g["goal"]: g for g in graded["goals"]}
    assert set(goals) == {"top_decile_lift", "ece", "oracle_auc_gap"}


def test_oracle_alignment_rejects_duplicates_and_needs_keys():
    frame = pd.DataFrame({"client_id": ["a"], "as_of_date": ["2025-01-01"]})
    oracle = pd.DataFrame({"client_id": ["a", "a"], "as_of_date": ["2025-01-01"] * 2, "p": [0.1, 0.2]})
    with pytest.raises(ValueError, match="more than one row"):
        align_oracle(frame, oracle, ["p"])
    with pytest.raises(ValueError, match="as_of_date"):
        align_oracle(frame.drop(columns="as_of_date"), oracle, ["p"])


def test_multiclass_oracle_gap_reads_tier_names():
    true = np.array([1, 2, 3, 4, 5, 3])
    gap = oracle_gap_multiclass(
        true, np.array([1, 2, 3, 3, 3, 3]), pd.Series(["T1", "T2", "T3", "T4", "T5", None]), TIERS
    )
    assert gap["oracle_rows"] == 5
    assert gap["oracle_macro_f1"] == pytest.approx(1.0)
    assert gap["macro_f1_gap"] > 0


def test_move_recalls():
    moves = move_recalls(np.array([3, 4, 2, 3]), np.array([3, 5, 3, 3]), np.array([3, 3, 3, 3]))
    assert moves == {"up_moves": 1.0, "down_moves": 1.0, "up_recall": 1.0, "down_recall": 0.0}


def test_label_frame_renames_and_checks_columns():
    mart = pd.DataFrame(
        {
            "client_id": ["b", "a"],
            "as_of_date": ["2025-01-02"] * 2,
            "label_ts": pd.to_datetime(["2025-01-02"] * 2),
            "churned_60d": [1, 0],
        }
    )
    frame = label_frame(mart, CHURN)
    assert list(frame.columns) == ["client_id", "as_of_date", "event_timestamp", "churned_60d"]
    assert list(frame["client_id"]) == ["a", "b"]
    with pytest.raises(ValueError, match="need_options_30d"):
        label_frame(mart, INTENT)
