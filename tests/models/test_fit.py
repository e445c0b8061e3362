"""fit_model and the artifacts it leaves: the nightly training step without the orchestrator."""

import json

import numpy as np
import pytest

from models.artifacts import ModelArtifacts
from models.config import CHURN, TIERING
from models.evaluation import binary_metrics
from models.fit import fit_model, head_truth
from models.onnx_export import export_onnx, parity_passed
from models.summaries import goals_table, missed_goals, training_set_summary
from models.training import feature_matrix, time_split
from tests.models.synthetic import FEATURES, binary_frame, tier_frame


@pytest.fixture(scope="module")
def churn_fit():
    frame = binary_frame()
    oracle = frame[["client_id", "as_of_date", "p_true"]].rename(columns={"p_true": "p_churn_60d"})
    return frame.drop(columns="p_true"), fit_model(frame.drop(columns="p_true"), CHURN, FEATURES, oracle)


def test_fit_model_grades_each_head_on_the_latest_dates_beside_the_oracle(churn_fit):
    frame, fitted = churn_fit
    assert list(fitted.heads) == ["churn"]
    head = fitted.heads["churn"]
    summary = head.summary
    # Graded on the split's test rows, which are the latest dates.
    assert summary["metrics"]["rows"] == len(time_split(frame, CHURN).test)
    assert summary["split"]["test"]["from"] > summary["split"]["train"]["to"]
    # The scores the summary was graded on are the booster's own on those rows.
    test = time_split(frame, CHURN).test
    scores = head.booster.predict(feature_matrix(test, FEATURES))
    np.testing.assert_array_equal(head.card.scores, scores)
    assert summary["metrics"]["auc"] == pytest.approx(binary_metrics(test[CHURN.label].to_numpy(), scores)["auc"])
    # What grading keeps of the test rows: keys, time and labels, not their features.
    assert list(fitted.split.test.columns) == ["client_id", "as_of_date", "event_timestamp", "churned_60d"]
    assert summary["metrics"]["auc"] > 0.8
    assert summary["oracle"]["oracle_rows"] == summary["metrics"]["rows"]
    assert {g["goal"] for g in summary["goals"]} == {"top_decile_lift", "ece", "oracle_auc_gap"}
    assert summary["feature_names"] == FEATURES
    assert summary["trees"] == head.booster.num_trees() == fitted.trees
    assert summary["train_seconds"] > 0
    np.testing.assert_array_equal(head.card.y_true, fitted.split.test[CHURN.label].to_numpy())
    assert list(head.card.importance.index) == FEATURES


def test_fit_model_without_an_oracle_grades_without_the_gap():
    fitted = fit_model(binary_frame(rows_per_date=300).drop(columns="p_true"), CHURN, FEATURES)
    summary = fitted.heads["churn"].summary
    assert summary["oracle"] is None
    assert "oracle_auc_gap" not in {g["goal"] for g in summary["goals"]}


def test_fit_model_for_tiering_grades_class_codes():
    frame = tier_frame(rows_per_date=300)
    fitted = fit_model(frame, TIERING, ["signal", "noise", "weak", "value_tier_code"])
    head = fitted.heads["tiering"]
    assert head.card.scores.shape == (len(fitted.split.test), 5)
    np.testing.assert_array_equal(head_truth(fitted.split.test, TIERING, "tier_90d_code"), head.card.y_true)
    assert "macro_f1_gain" in head.summary["metrics"]


def test_artifacts_round_trip_summary_booster_and_onnx(tmp_path, churn_fit):
    frame, fitted = churn_fit
    store = ModelArtifacts.of(tmp_path, "churn")
    with pytest.raises(FileNotFoundError, match="training set"):
        store.read_training_set()
    store.write_training_set(frame)
    assert store.read_training_set().equals(frame)
    head = fitted.heads["churn"]
    store.write_booster("churn", head.booster)
    store.write_summary("churn", head.summary)
    assert store.summary("churn") == json.loads(json.dumps(head.summary, default=str))
    test = time_split(frame, CHURN).test
    x = feature_matrix(test, FEATURES)
    np.testing.assert_array_equal(store.booster("churn").predict(x), head.booster.predict(x))
    store.write_onnx("churn", export_onnx(head.booster, name="churn"))
    assert parity_passed(store.parity("churn", test))
    # Nothing half-written is left beside the files.
    assert not list(tmp_path.rglob("*.tmp"))


def test_training_set_summary_and_goal_tables():
    frame = binary_frame(rows_per_date=100).drop(columns="p_true")
    summary = training_set_summary(frame, CHURN)
    assert summary["rows"] == 1000 and summary["as_of_dates"] == 10
    assert summary["positive_rate"] == pytest.approx(frame["churned_60d"].mean())
    assert summary["positive_rates"] == {"churn": pytest.approx(frame["churned_60d"].mean())}
    tiers = training_set_summary(tier_frame(rows_per_date=100), TIERING)
    assert sum(tiers["class_shares"].values()) == pytest.approx(1.0) and "positive_rate" not in tiers

    goals = {
        "a": [{"goal": "ece", "value": 0.01, "target": "<= 0.02", "met": True}],
        "b": [{"goal": "top_decile_lift", "value": 2.5, "target": ">= 3.0", "met": False}],
    }
    assert missed_goals(goals) == ["b.top_decile_lift"]
    assert goals_table(goals).splitlines()[3] == "| b | top_decile_lift | 2.5000 | >= 3.0 | NO |"
