"""One small config per model."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ModelConfig:
    name: str
    feature_service: str
    label: str
    params: dict = field(default_factory=dict)
    num_boost_round: int = 300
    early_stopping_rounds: int = 30
    # Share of the labelled as-of dates (latest first) held out for test and validation.
    test_share: float = 0.2
    validation_share: float = 0.2


CHURN = ModelConfig(
    name="churn",
    feature_service="churn_v1",
    label="churned_60d",
    params={
        "objective": "binary",
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        # Same data, same model: re-runs register the same version.
        "seed": 7,
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": 2,
        "verbose": -1,
    },
)
