"""Champion / challenger: both models scored on the candidate's holdout, and a champion that can no
longer score replaced."""

from dataclasses import replace

import pytest
from sklearn.metrics import roc_auc_score

from models.champion import compare_with_champion, registration_metadata
from models.config import CHURN
from models.onnx_export import export_onnx
from models.registry import CHALLENGER, CHAMPION, Champion, current_champion
from models.training import feature_matrix, time_split, train
from tests.models.synthetic import binary_frame

FULL = ["signal", "noise", "weak"]


@pytest.fixture(scope="module")
def models():
    """A candidate trained on all features, and two older models: one on `weak` alone (poor) and one on
    `signal` alone, trained on other clients' data (another seed)."""
    frame = binary_frame(rows_per_date=400, seed=3).drop(columns="p_true")
    older = binary_frame(rows_per_date=400, seed=11).drop(columns="p_true")
    split, older_split = time_split(frame, CHURN), time_split(older, CHURN)
    boosters = {
        "candidate": train(split, FULL, CHURN),
        "weak": train(older_split, ["weak"], CHURN),
        "signal": train(older_split, ["signal"], CHURN),
    }
    return split.test, {name: (booster, export_onnx(booster, name="churn")) for name, booster in boosters.items()}


def _auc_on(test, booster, features):
    return roc_auc_score(test[CHURN.label], booster.predict(feature_matrix(test, features)))


def _champion(model, features, stored_auc=0.99):
    # The stored figure is the champion's grade on its own, older holdout: never what it is compared on.
    return Champion(
        tag="churn:old", model_bytes=model[1], metadata={"feature_names": features, "metrics": {"auc": stored_auc}}
    )


def test_the_champion_is_rescored_on_the_candidates_holdout(models):
    test, built = models
    decision = compare_with_champion(
        CHURN, "churn", built["candidate"][1], FULL, test, _champion(built["weak"], ["weak"]), parity_passed=True
    )
    assert decision.champion == pytest.approx(_auc_on(test, built["weak"][0], ["weak"]), abs=1e-6)
    assert decision.champion != 0.99
    assert decision.candidate == pytest.approx(_auc_on(test, built["candidate"][0], FULL), abs=1e-6)
    assert decision.candidate > decision.champion + CHURN.champion_margin
    assert decision.stage == CHAMPION and decision.champion_tag == "churn:old"
    assert decision.reason.startswith("beats the champion's auc by")


def test_a_champion_as_good_on_the_holdout_stays(models):
    test, built = models
    # The same model as champion: equal on the holdout, the margin is not met.
    same = compare_with_champion(
        CHURN, "churn", built["candidate"][1], FULL, test, _champion(built["candidate"], FULL, 0.5), True
    )
    assert same.champion == pytest.approx(same.candidate) and same.stage == CHALLENGER
    # A much weaker stored grade does not help a candidate that is worse on the same rows.
    demanding = replace(CHURN, champion_margin=0.5)
    strong = compare_with_champion(
        demanding, "churn", built["candidate"][1], FULL, test, _champion(built["signal"], ["signal"], 0.1), True
    )
    assert strong.stage == CHALLENGER and "margin 0.5 not met" in strong.reason


def test_a_champion_that_can_no_longer_score_is_replaced(models):
    test, built = models
    # The champion reads a feature the training set no longer has: it cannot score the holdout.
    retired = _champion(built["signal"], ["signal", "retired_feature"])
    decision = compare_with_champion(CHURN, "churn", built["candidate"][1], FULL, test, retired, parity_passed=True)
    assert decision.champion is None
    assert decision.stage == CHAMPION and decision.reason == "champion cannot score holdout"
    assert decision.champion_tag == "churn:old"
    # A champion without its feature list cannot either; a candidate that failed parity never replaces it.
    unnamed = Champion(tag="churn:old", model_bytes=built["signal"][1], metadata={})
    assert compare_with_champion(CHURN, "churn", built["candidate"][1], FULL, test, unnamed, True).stage == CHAMPION
    broken = compare_with_champion(CHURN, "churn", built["candidate"][1], FULL, test, retired, parity_passed=False)
    assert broken.stage == CHALLENGER and broken.reason == "failed the ONNX parity gate"


def test_no_champion_yet(models):
    test, built = models
    assert current_champion("never_registered") is None
    decision = compare_with_champion(CHURN, "churn", built["candidate"][1], FULL, test, None, parity_passed=True)
    assert decision.stage == CHAMPION and decision.reason == "no champion to beat" and decision.champion is None


def test_registration_metadata_keeps_where_the_model_came_from(models):
    test, built = models
    decision = compare_with_champion(CHURN, "churn", built["candidate"][1], FULL, test, None, True)
    summary = {
        "feature_names": FULL,
        "metrics": {"auc": 0.9},
        "oracle": None,
        "goals": [],
        "calibration": {"applied": False},
        "split": {"test": {"rows": len(test)}},
        "fingerprint": "abc",
    }
    metadata = registration_metadata(CHURN, "churn", summary, decision, "deadbee")
    assert metadata["onnx_test_auc"] == decision.candidate
    assert metadata["label"] == "churned_60d" and metadata["feature_service"] == "churn_v1"
    assert (metadata["data_fingerprint"], metadata["code_version"]) == ("abc", "deadbee")
