"""The feature-group ablation the benchmarks run: AUC with and without a group, overall and where it can matter."""

import numpy as np
import pytest

from models.ablation import ALL_ROWS, auc_added_interval, feature_group_ablation
from models.config import CHURN, TIERING
from models.training import time_split
from tests.models.synthetic import FEATURES, binary_frame


@pytest.fixture(scope="module")
def split():
    return time_split(binary_frame(rows_per_date=400).drop(columns="p_true"), CHURN)


def test_the_group_adds_most_where_it_is_present(split):
    mentioned = split.test["mentions_margin_30d"].to_numpy() > 0
    result = feature_group_ablation(
        split, FEATURES, CHURN, "churned_60d", "mentions_", subsets={"mentioned": mentioned, "silent": ~mentioned}
    )
    assert result["dropped"] == ["mentions_margin_30d"]
    rows = result["rows"]
    assert rows[ALL_ROWS]["rows"] == len(split.test)
    assert rows["mentioned"]["rows"] + rows["silent"]["rows"] == len(split.test)
    assert rows[ALL_ROWS]["auc_added"] > 0.005
    # Where the mentions are all zero they carry no information: removing them changes little there.
    assert rows["mentioned"]["auc_added"] > rows["silent"]["auc_added"]
    assert abs(rows["silent"]["auc_added"]) < rows["mentioned"]["auc_added"]
    # Each AUC added with its paired-bootstrap interval around it (800 test rows: a wide one).
    for part in (ALL_ROWS, "mentioned", "silent"):
        low, high = rows[part]["auc_added_interval"]
        assert low <= rows[part]["auc_added"] <= high and high - low < 0.1


def test_the_interval_pairs_the_heads_on_the_same_rows():
    rng = np.random.default_rng(0)
    y = (rng.random(4000) < 0.1).astype(int)
    scores = y + rng.normal(scale=1.5, size=len(y))
    # The same scores: every resample adds exactly nothing, so the interval is a point at 0.
    assert auc_added_interval(y, scores, scores, resamples=50) == (0.0, 0.0)
    # Scores a little noisier: a small loss, with an interval around it that excludes 0.
    noisier = scores + rng.normal(scale=0.5, size=len(y))
    low, high = auc_added_interval(y, noisier, scores, resamples=50)
    assert low < high < 0
    assert auc_added_interval(np.zeros(10), scores[:10], scores[:10]) is None


def test_given_scores_are_used_and_bad_inputs_are_named(split):
    # Scores that rank perfectly give an AUC of 1 "with" the group: the given scores are the ones graded.
    perfect = split.test["churned_60d"].to_numpy().astype(float)
    result = feature_group_ablation(split, FEATURES, CHURN, "churned_60d", "mentions_", with_scores=perfect)
    assert result["rows"][ALL_ROWS]["auc_with"] == 1.0
    one_class = split.test["churned_60d"].to_numpy() == 0
    result = feature_group_ablation(
        split, FEATURES, CHURN, "churned_60d", "mentions_", with_scores=perfect, subsets={"negatives": one_class}
    )
    assert result["rows"]["negatives"]["auc_with"] is None and result["rows"]["negatives"]["auc_added"] is None
    assert result["rows"]["negatives"]["auc_added_interval"] is None
    with pytest.raises(ValueError, match="no feature starts with 'transcript_'"):
        feature_group_ablation(split, FEATURES, CHURN, "churned_60d", "transcript_")
    with pytest.raises(ValueError, match="subset 'short' has 3 flags"):
        feature_group_ablation(
            split, FEATURES, CHURN, "churned_60d", "mentions_", with_scores=perfect, subsets={"short": np.ones(3)}
        )
    with pytest.raises(ValueError, match="binary heads only"):
        feature_group_ablation(split, FEATURES, TIERING, "tier_90d_code", "mentions_")
