"""One small config per model, and the one list the pipeline builds its model assets from.

Design choices:

- **Intent is six binary models, one per need**, not one multi-label or multiclass model. The needs
  are not exclusive (a client may want a bond fund and margin in the same month), their base rates
  differ by an order of magnitude, and each need is served, calibrated, early-stopped and promoted on
  its own: a better options model must not wait for, or drag along, the equity-fund one. Each need
  is a *head*: its own booster, ONNX file and model-store entry (``intent_<need>``).
- **Tiering is multiclass** (T1..T5 ninety days ahead, softmax class probabilities), not ordinal:
  advisors read "P(tier moves up)" as the sum of the higher classes' probabilities, and the class
  probabilities stay available for the service matrix. Its baseline is "the tier stays the same"
  (predict ``tier_now``), which a forward-looking model must clearly beat.
- **Churn** is one binary head, as before.

Enabling a model: its label mart and feature service must exist. Set ``enabled=True`` on its config
(intent and tiering are off until their marts ship); the Dagster factory builds assets for the
enabled configs only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from wealthpulse.domain import NEEDS, TIERS

# Parameters shared by every model: the same data gives the same model, so re-runs register the
# same content-addressed version.
_DETERMINISTIC = {
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 2,
    "verbose": -1,
}

_BINARY_PARAMS = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    **_DETERMINISTIC,
}


# Label rows on the fitting dates each model trains on by default. The learning curves of the 10,000-client
# book (benchmarks/README.md, "Training budget") still rise at every model's largest sample, so this is a cap
# chosen for time and memory, above every training set of that book: training and the point-in-time read
# stop growing past about 16,000 clients.
TRAINING_ROWS = 400_000


@dataclass(frozen=True)
class Goals:
    """What a model must reach on the test dates; a miss is a warning, never a failed run."""

    max_oracle_auc_gap: float = 0.01
    min_top_decile_lift: float = 3.0
    max_ece: float = 0.02
    # Tiering: macro-F1 over the "tier stays the same" baseline, in points of F1 (0.10 = 10 points).
    min_macro_f1_gain: float = 0.10


@dataclass(frozen=True)
class ModelConfig:
    name: str
    feature_service: str
    # Parquet mart under <home>/marts/ (without .parquet) and the dbt model that writes it.
    label_mart: str
    dbt_model: str
    # Head name (also its model-store name) -> label column. One booster per head.
    heads: dict[str, str]
    task: Literal["binary", "multiclass"] = "binary"
    params: dict = field(default_factory=dict)
    num_boost_round: int = 300
    early_stopping_rounds: int = 30
    # Share of the labelled as-of dates (latest first) held out for test and validation.
    test_share: float = 0.2
    validation_share: float = 0.2
    # Multiclass: class names in code order (code 1 is classes[0]); the label column holds codes.
    classes: tuple[str, ...] = ()
    # Multiclass baseline: the column with today's class code ("tier stays the same").
    baseline_column: str | None = None
    # Head name -> oracle column graded on the same rows (probability, or class for multiclass).
    oracle_columns: dict[str, str] = field(default_factory=dict)
    # "auto": fit on the validation dates and fold into the model when the validation ECE is above
    # calibrate_above_ece; "always"; "never". See models/calibration.py.
    calibration: Literal["auto", "always", "never"] = "auto"
    calibrate_above_ece: float = 0.01
    # Champion / challenger: the metric compared on the same holdout and the margin to beat.
    primary_metric: str = "auc"
    champion_margin: float = 0.002
    goals: Goals = field(default_factory=Goals)
    # Label rows on the fitting dates training reads, as whole clients (models/budget.py); None: all.
    # Set from the learning curve (benchmarks/learning_curve.py); WEALTHPULSE_TRAINING_ROWS overrides.
    training_rows: int | None = TRAINING_ROWS
    # Feature-name prefixes whose value the ablation benchmark measures (benchmarks/ablation.py retrains
    # without them); an experiment, not part of the nightly training.
    ablation_prefixes: tuple[str, ...] = ()
    enabled: bool = True

    @property
    def label(self) -> str:
        """The label column of a single-head model."""
        if len(self.heads) != 1:
            raise ValueError(f"model {self.name!r} has {len(self.heads)} heads: name one")
        return next(iter(self.heads.values()))

    @property
    def label_columns(self) -> list[str]:
        return list(self.heads.values())


CHURN = ModelConfig(
    name="churn",
    feature_service="churn_v1",
    label_mart="churn_labels",
    dbt_model="mart_churn_labels",
    heads={"churn": "churned_60d"},
    params=dict(_BINARY_PARAMS),
    oracle_columns={"churn": "p_churn_60d"},
)

INTENT_NEEDS = NEEDS

INTENT = ModelConfig(
    name="intent",
    feature_service="intent_v1",
    label_mart="intent_labels",
    dbt_model="mart_intent_labels",
    heads={f"intent_{need}": f"need_{need}_30d" for need in INTENT_NEEDS},
    params=dict(_BINARY_PARAMS),
    oracle_columns={f"intent_{need}": f"p_{need}_30d" for need in INTENT_NEEDS},
    # Transcript features: how much does the unstructured text add?
    ablation_prefixes=("mentions_",),
)

TIERING = ModelConfig(
    name="tiering",
    feature_service="tiering_v1",
    label_mart="tier_labels",
    dbt_model="mart_tier_labels",
    heads={"tiering": "tier_90d_code"},
    task="multiclass",
    params={
        "objective": "multiclass",
        "num_class": 5,
        "learning_rate": 0.05,
        "num_leaves": 15,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        **_DETERMINISTIC,
    },
    classes=TIERS,
    baseline_column="tier_now_code",
    oracle_columns={"tiering": "tier_90d"},
    primary_metric="macro_f1",
    champion_margin=0.005,
)

# The one list the pipeline builds model assets from.
MODEL_CONFIGS: tuple[ModelConfig, ...] = (CHURN, INTENT, TIERING)


def active_configs(configs: tuple[ModelConfig, ...] = MODEL_CONFIGS) -> list[ModelConfig]:
    return [config for config in configs if config.enabled]
