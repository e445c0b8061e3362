"""The feature-group ablation the benchmarks run: AUC with and without a group, overall and where it can matter."""

import numpy as np
import pytest

from models.ablation import ALL_ROWS, feature_group_ablation
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
    with pytest.raises(ValueError, match="no feature starts with 'transcript_'"):
        feature_group_ablation(split, FEATURES, CHURN, "churned_60d", "transcript_")
    with pytest.raises(ValueError, match="subset 'short' has 3 flags"):
        feature_group_ablation(
            split, FEATURES, CHURN, "churned_60d", "mentions_", with_scores=perfect, subsets={"short": np.ones(3)}
        )
    with pytest.raises(ValueError, match="binary heads only"):
        feature_group_ablation(split, FEATURES, TIERING, "tier_90d_code", "mentions_")
