"""Fit every head of a model config on its training set: train, calibrate, grade and describe each head.

``fit_model(frame, config, feature_names, oracle)`` is the whole nightly training step as one function:
the time split, a booster per head (early-stopped, calibrated on the validation dates), its grade on the
test dates beside the oracle, the summary the later steps read and what the model card shows.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.cards import CardInputs
from models.config import ModelConfig
from models.evaluation import class_codes, evaluate
from models.registry import frame_fingerprint
from models.training import Split, feature_matrix, fit_head, predict, time_split


@dataclass
class HeadFit:
    """One trained head: its booster, the summary written beside it and its model card inputs."""

    head: str
    label: str
    booster: lgb.Booster
    summary: dict
    card: CardInputs


@dataclass
class ModelFit:
    config: ModelConfig
    split: Split
    heads: dict[str, HeadFit]

    @property
    def cards(self) -> list[CardInputs]:
        return [fitted.card for fitted in self.heads.values()]

    @property
    def trees(self) -> int:
        return sum(fitted.summary["trees"] for fitted in self.heads.values())

    @property
    def train_seconds(self) -> float:
        return sum(fitted.summary["train_seconds"] for fitted in self.heads.values())


def head_truth(frame: pd.DataFrame, config: ModelConfig, label: str) -> np.ndarray:
    """What a head's scores are graded against: 0/1 for binary, class codes 1..K for multiclass."""
    if config.task == "binary":
        return frame[label].to_numpy()
    return class_codes(frame[label], config.classes)


def fit_one_head(
    split: Split,
    config: ModelConfig,
    head: str,
    feature_names: list[str],
    oracle: pd.DataFrame | None = None,
    fingerprint: str | None = None,
) -> HeadFit:
    """Train, calibrate and grade one head on the split's test dates."""
    label = config.heads[head]
    started = time.perf_counter()
    booster, calibration = fit_head(split, feature_names, config, label)
    train_seconds = time.perf_counter() - started
    scores = predict(booster, feature_matrix(split.test, feature_names))
    graded = evaluate(config, head, split.test, scores, oracle)
    summary = {
        **graded,
        "calibration": calibration,
        "split": split.describe(),
        "feature_names": list(feature_names),
        "trees": booster.num_trees(),
        "train_seconds": train_seconds,
        "fingerprint": fingerprint,
    }
    card = CardInputs(
        name=head,
        task=config.task,
        y_true=head_truth(split.test, config, label),
        scores=scores,
        metrics=graded["metrics"],
        importance=pd.Series(booster.feature_importance("gain"), index=list(feature_names), name="gain"),
        classes=config.classes,
        oracle=graded["oracle"],
        goals=graded["goals"],
        details={"calibration": calibration.get("method") if calibration["applied"] else "none"},
    )
    return HeadFit(head=head, label=label, booster=booster, summary=summary, card=card)


def fit_model(
    frame: pd.DataFrame,
    config: ModelConfig,
    feature_names: list[str],
    oracle: pd.DataFrame | None = None,
) -> ModelFit:
    """Every head of ``config`` trained on the frame's earlier dates and graded on its latest ones.

    ``oracle``: the simulator's ground truth (client_id, as_of_date and the config's oracle columns),
    for grading only; None where there is none.
    """
    split = time_split(frame, config)
    fingerprint = frame_fingerprint(frame)
    heads = {head: fit_one_head(split, config, head, feature_names, oracle, fingerprint) for head in config.heads}
    return ModelFit(config=config, split=split, heads=heads)
