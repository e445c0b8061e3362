"""The point_in_time check fails closed, and as a blocking check it stops the run."""

import pandas as pd

from models.config import CHURN
from models.training import FEATURE_TIME, TIMESTAMP, label_frame, point_in_time_audit
from tests.models.churn_assets import materialize_churn
from tests.models.synthetic import binary_frame


def _frame_and_labels(rows_per_date: int = 50) -> tuple[pd.DataFrame, pd.DataFrame]:
    frame = binary_frame(rows_per_date=rows_per_date).drop(columns="p_true")
    # Features taken a day before each as-of time, as the weekly feature rows are.
    as_of = (frame[TIMESTAMP] - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
    frame[FEATURE_TIME] = as_of - 86_400
    labels = label_frame(frame.rename(columns={TIMESTAMP: "label_ts"}), CHURN)
    return frame, labels


def test_a_sound_training_set_passes():
    frame, labels = _frame_and_labels()
    audit = point_in_time_audit(frame, labels)
    assert audit["passed"] and audit["problems"] == []
    assert (audit["rows"], audit["label_rows"], audit["features_after_as_of"]) == (500, 500, 0)


def test_a_missing_feature_time_fails_and_is_named():
    frame, labels = _frame_and_labels()
    audit = point_in_time_audit(frame.drop(columns=FEATURE_TIME), labels)
    assert not audit["passed"]
    assert audit["problems"] == ["training set lacks column 'as_of_epoch'"]


def test_late_features_duplicates_and_lost_rows_fail():
    frame, labels = _frame_and_labels()
    late = frame.copy()
    late.loc[late.index[:3], FEATURE_TIME] += 2 * 86_400
    assert point_in_time_audit(late, labels)["features_after_as_of"] == 3
    assert not point_in_time_audit(late, labels)["passed"]
    twice = pd.concat([frame, frame.head(1)], ignore_index=True)
    audit = point_in_time_audit(twice, labels)
    assert audit["duplicated"] == 1 and not audit["passed"]
    assert not point_in_time_audit(frame.iloc[1:], labels)["passed"]


def test_a_training_set_without_its_feature_time_stops_the_run(tmp_path, monkeypatch):
    """The real check on the churn training set, fed a frame without as_of_epoch: it fails, and being
    blocking, the model asset downstream never runs."""
    frame, labels = _frame_and_labels()
    result = materialize_churn(
        tmp_path,
        monkeypatch,
        labels,
        lambda store, service, rows: frame.drop(columns=FEATURE_TIME),
        assets=("churn_training_set", "churn_model"),
    )
    assert not result.success
    (evaluation,) = result.get_asset_check_evaluations()
    assert evaluation.check_name == "point_in_time" and not evaluation.passed
    assert "as_of_epoch" in evaluation.description
    assert result.asset_materializations_for_node("models__churn_training_set")
    # The model step did not fail: it never started, held back by the failed blocking check.
    assert result.asset_materializations_for_node("models__churn_model") == []
    assert {e.step_key for e in result.all_events if e.is_step_failure} == {"models__churn_training_set_point_in_time"}
    assert "models__churn_model" not in {e.step_key for e in result.all_events if e.is_step_start}
