"""Reason codes: the table-driven TreeSHAP equals LightGBM's pred_contrib; readable labels."""

import lightgbm as lgb
import numpy as np
import pytest

from models.config import CHURN, TIERING
from models.explain import build_explainer, class_block, reason_codes
from models.feature_labels import labels_for, readable
from models.training import feature_matrix, fit_head, time_split, train
from tests.models.synthetic import FEATURES, binary_frame, tier_frame


def test_binary_contributions_equal_pred_contrib():
    split = time_split(binary_frame(), CHURN)
    booster, _ = fit_head(split, FEATURES, CHURN, CHURN.label)
    x = feature_matrix(split.test, FEATURES)
    explainer = build_explainer(booster)
    expected = booster.predict(x, pred_contrib=True)
    got = explainer.contributions(x)
    assert got.shape == expected.shape
    assert np.max(np.abs(got - expected)) <= 1e-6
    # Contributions add up to the raw score.
    assert np.allclose(got.sum(axis=1), booster.predict(x, raw_score=True), atol=1e-6)


def test_multiclass_contributions_equal_pred_contrib():
    features = [*FEATURES, "value_tier_code"]
    split = time_split(tier_frame(), TIERING)
    booster = train(split, features, TIERING)
    x = feature_matrix(split.test, features)
    got = build_explainer(booster).contributions(x)
    expected = booster.predict(x, pred_contrib=True)
    assert np.max(np.abs(got - expected)) <= 1e-6
    # One class's tables give that class's block exactly, and nothing for the others.
    width = len(features) + 1
    for klass in (0, 3):
        one = build_explainer(booster, klass=klass).contributions(x)
        block = slice(klass * width, (klass + 1) * width)
        assert np.max(np.abs(one[:, block] - expected[:, block])) <= 1e-6
        assert not np.delete(one, np.arange(block.start, block.stop), axis=1).any()


def test_missing_types_and_deep_trees_match():
    """NaN, missing type Zero (zero_as_missing) and None, on deeper trees than the configs use."""
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4000, 6))
    x[rng.random(x.shape) < 0.1] = np.nan
    x[rng.random(x.shape) < 0.1] = 0.0
    y = (np.nan_to_num(x[:, 0]) * np.nan_to_num(x[:, 1]) + np.nan_to_num(x[:, 2]) > 0).astype(int)
    for extra in ({}, {"zero_as_missing": True}, {"use_missing": False}):
        params = {"objective": "binary", "num_leaves": 63, "min_data_in_leaf": 5, "verbose": -1, **extra}
        booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=40)
        got = build_explainer(booster).contributions(x[:500])
        assert np.max(np.abs(got - booster.predict(x[:500], pred_contrib=True))) <= 1e-6, extra


def test_reason_codes_name_the_top_features_readably():
    split = time_split(binary_frame(), CHURN)
    booster = train(split, FEATURES, CHURN)
    x = feature_matrix(split.test, FEATURES)[:5]
    contributions = class_block(build_explainer(booster).contributions(x), len(FEATURES))
    reasons = reason_codes(contributions, FEATURES, top=2, labels={"signal": "Signal strength"})
    assert len(reasons) == 5 and all(len(row) == 2 for row in reasons)
    first = reasons[0][0]
    assert abs(first["contribution"]) == pytest.approx(np.max(np.abs(contributions[0])))
    assert {r["label"] for row in reasons for r in row} <= {
        "Signal strength",
        "Noise",
        "Weak",
        "Mentions of margin in advisor conversations in the last 30 days",
    }


def test_readable_labels():
    assert readable("logins_30d") == "Logins in the last 30 days"
    assert readable("aum_change_7d") == "Change in assets over the last 7 days"
    assert readable("tag_high_net_worth") == "Tag: high net worth"
    assert readable("live_product_views_today") == "Product views today (live)"
    assert readable("days_since_last_login") == "Days since the last login"
    assert readable("mentions_bond_fund") == "Mentions of bond fund in advisor conversations"
    assert readable("has_advisor") == "Has advisor"
    assert readable("logins_30d", {"logins_30d": "App logins, 30 days"}) == "App logins, 30 days"
    assert labels_for(["searches_30d"]) == {"searches_30d": "Searches in the last 30 days"}


def test_tree_by_tree_batches_equal_row_by_row_bit_for_bit(monkeypatch):
    """A large batch is walked tree by tree, a small one row by row: the same sums in the same order."""
    import models.explain as explain

    features = [*FEATURES, "value_tier_code"]
    split = time_split(tier_frame(), TIERING)
    booster = train(split, features, TIERING)
    x = feature_matrix(split.test, features)[:200]
    explainer = build_explainer(booster, klass=2)
    by_trees = explainer.contributions(x)
    monkeypatch.setattr(explain, "TREE_MAJOR_ROWS", len(x) + 1)
    by_rows = explainer.contributions(x)
    assert np.array_equal(by_trees, by_rows)
    block = slice(2 * (len(features) + 1), 3 * (len(features) + 1))
    assert np.max(np.abs(by_trees[:, block] - booster.predict(x, pred_contrib=True)[:, block])) <= 1e-6
