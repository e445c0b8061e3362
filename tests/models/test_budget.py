"""The training budget: whole clients by a stable hash, before the join; the test dates stay whole."""

import pandas as pd
import pytest

from models.budget import client_order, sample_labels, training_budget
from models.config import CHURN, INTENT, MODEL_CONFIGS
from models.inputs import model_inputs
from models.training import ENTITY_KEY, FEATURE_TIME, TIMESTAMP, label_frame, time_split
from tests.models.churn_assets import materialize_churn
from tests.models.synthetic import binary_frame
from wealthpulse.settings import Settings, SettingsError

KNOWN = tuple(config.name for config in MODEL_CONFIGS)


def _labels(rows_per_date: int = 200, dates: int = 10) -> pd.DataFrame:
    frame = binary_frame(rows_per_date=rows_per_date, dates=dates).drop(columns="p_true")
    return label_frame(frame.rename(columns={TIMESTAMP: "label_ts"}), CHURN)


def test_the_sample_is_whole_clients_within_the_budget_and_every_test_row():
    labels = _labels()
    full = time_split(labels, CHURN)
    sample = sample_labels(labels, CHURN, 500)
    split = time_split(sample.labels, CHURN)
    # The test dates are kept whole: the same rows as without a budget.
    pd.testing.assert_frame_equal(split.test, full.test)
    assert sample.test_rows == len(full.test)
    fitting = pd.concat([split.train, split.validation])
    assert len(fitting) == sample.fit_rows <= 500
    assert sample.fit_rows_total == len(full.train) + len(full.validation)
    # Whole clients: a sampled client has all its fitting rows (8 dates each here), nobody else has any.
    per_client = fitting.groupby(ENTITY_KEY).size()
    assert set(per_client) == {8} and len(per_client) == sample.clients == 500 // 8
    assert sample.clients_total == 200


def test_samples_are_nested_and_stable():
    labels = _labels()
    clients = [
        set(time_split(sample_labels(labels, CHURN, budget).labels, CHURN).train[ENTITY_KEY])
        for budget in (200, 400, 800)
    ]
    assert clients[0] < clients[1] < clients[2]
    # The order does not depend on the rows' order nor on the process: a fixed hash of the id.
    shuffled = labels.sample(frac=1.0, random_state=1)
    assert set(sample_labels(shuffled, CHURN, 400).labels[ENTITY_KEY]) == set(
        sample_labels(labels, CHURN, 400).labels[ENTITY_KEY]
    )
    assert int(client_order(pd.Series(["C0000001"])).iloc[0]) == 0x92EEB6446C0CB9FC


def test_no_budget_or_a_larger_one_keeps_every_row():
    labels = _labels(rows_per_date=20)
    for budget in (None, 10_000):
        sample = sample_labels(labels, CHURN, budget)
        assert len(sample.labels) == len(labels) and sample.clients == sample.clients_total == 20


def test_the_budget_comes_from_the_setting_then_the_config():
    from dataclasses import replace

    churn = replace(CHURN, training_rows=100_000)
    assert training_budget(churn, None, KNOWN) == 100_000
    assert training_budget(churn, "all", KNOWN) is None
    assert training_budget(churn, "5000", KNOWN) == 5_000
    assert training_budget(churn, "5000,churn=all", KNOWN) is None
    assert training_budget(INTENT, "5000, churn=all", KNOWN) == 5_000
    assert training_budget(INTENT, "churn=7000", KNOWN) == INTENT.training_rows
    with pytest.raises(SettingsError, match="WEALTHPULSE_TRAINING_ROWS=.*no model named atrition"):
        training_budget(churn, "atrition=5000", KNOWN)


@pytest.mark.parametrize("raw", ["0", "-5", "lots", "churn=", "churn=1,churn=2", "my model=5"])
def test_a_bad_budget_is_an_error_naming_the_setting(raw):
    with pytest.raises(SettingsError, match="WEALTHPULSE_TRAINING_ROWS"):
        Settings.from_env({"WEALTHPULSE_TRAINING_ROWS": raw, "WEALTHPULSE_HOME": "/nonexistent"})


def test_points_in_time_are_never_model_inputs():
    names = ["logins_30d", "as_of_epoch", "live_last_login_epoch", "days_since_last_login_now", "market_momentum_20d"]
    assert model_inputs(names) == ["logins_30d", "days_since_last_login_now", "market_momentum_20d"]


def test_a_request_time_feature_replaces_its_batch_twin():
    # Equal in training, so a tree may split on either; only the request-time one sees a live login.
    names = ["days_since_last_login", "logins_30d", "days_since_last_login_now", "as_of_epoch"]
    assert model_inputs(names) == ["logins_30d", "days_since_last_login_now"]


def test_the_training_set_asset_joins_only_the_sampled_rows(tmp_path, monkeypatch):
    """The point-in-time read gets the sample, the check passes on it, and the metadata says how many
    rows of how many were read."""
    frame = binary_frame(rows_per_date=200).drop(columns="p_true")
    frame[FEATURE_TIME] = (frame[TIMESTAMP] - pd.Timestamp(0, tz="UTC")).dt.total_seconds() - 86_400
    joined = []

    def join(store, service, labels):
        joined.append(labels)
        return frame.merge(labels[[ENTITY_KEY, TIMESTAMP]], on=[ENTITY_KEY, TIMESTAMP])

    result = materialize_churn(tmp_path, monkeypatch, frame, join, training_rows="churn=400")
    assert result.success
    (labels,) = joined
    test_rows = 200 * 2
    assert len(labels) == 400 + test_rows
    metadata = result.asset_materializations_for_node("models__churn_training_set")[0].metadata
    assert metadata["fit_rows_sampled"].value == 400
    assert metadata["fit_rows_total"].value == 200 * 8
    assert (metadata["clients_sampled"].value, metadata["clients_total"].value) == (50, 200)
    assert metadata["test_rows"].value == test_rows
    (check,) = result.get_asset_check_evaluations()
    assert check.check_name == "point_in_time" and check.passed
    assert check.metadata["label_rows"].value == 400 + test_rows
