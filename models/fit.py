"""Fit every head of a model config on its training set: train, calibrate, grade and describe each head.

``fit_model_on(fitting, test_pieces, ...)`` is the whole nightly training step as one function: a
booster per head (early-stopped on the validation dates, calibrated on them), its grade on every test
row beside the oracle, the summary the later steps read and what the model card shows. The fitting rows
are bounded by the training budget; the test rows grow with the book, so they are scored a piece at a
time and only their keys, labels and scores are kept. ``fit_model`` does the same for a frame held whole.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

import lightgbm as lgb
import numpy as np
import pandas as pd

from models.cards import CardInputs
from models.config import ModelConfig
from models.evaluation import class_codes, evaluate
from models.registry import FrameDigest
from models.training import AS_OF, ENTITY_KEY, TIMESTAMP, Split, feature_matrix, fit_head, predict, split_dates


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


def graded_columns(config: ModelConfig, columns: pd.Index) -> list[str]:
    """What grading keeps of a test row: its keys and time (the oracle joins on them), its labels and
    the baseline; not its features."""
    wanted = [ENTITY_KEY, AS_OF, TIMESTAMP, *config.label_columns]
    if config.baseline_column:
        wanted.append(config.baseline_column)
    return [column for column in dict.fromkeys(wanted) if column in columns]


def score_test_pieces(
    pieces: Iterable[pd.DataFrame],
    boosters: dict[str, lgb.Booster],
    feature_names: list[str],
    config: ModelConfig,
    digest: FrameDigest | None = None,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Every head's scores on every test row, a piece at a time: the test rows' keys and labels, and the
    scores per head in the same order. ``digest`` is fed each piece as it passes."""
    kept: list[pd.DataFrame] = []
    scores: dict[str, list[np.ndarray]] = {head: [] for head in boosters}
    for piece in pieces:
        if digest is not None:
            digest.add(piece)
        features = feature_matrix(piece, feature_names)
        for head, booster in boosters.items():
            scores[head].append(predict(booster, features))
        kept.append(piece[graded_columns(config, piece.columns)])
    if not kept:
        raise ValueError("no test rows to grade the model on")
    return pd.concat(kept, ignore_index=True), {head: np.concatenate(parts) for head, parts in scores.items()}


def fit_model(
    frame: pd.DataFrame,
    config: ModelConfig,
    feature_names: list[str],
    oracle: pd.DataFrame | None = None,
) -> ModelFit:
    """``fit_model_on`` for a training set held whole: its rows before the first test date, then its
    test rows as one piece."""
    val_from, test_from = split_dates(frame[TIMESTAMP].unique(), config)
    when = frame[TIMESTAMP]
    return fit_model_on(frame[when < test_from], [frame[when >= test_from]], val_from, config, feature_names, oracle)


def fit_model_on(
    fitting: pd.DataFrame,
    test_pieces: Iterable[pd.DataFrame],
    validation_from: object,
    config: ModelConfig,
    feature_names: list[str],
    oracle: pd.DataFrame | None = None,
) -> ModelFit:
    """Every head of ``config`` trained on the fitting rows' dates before ``validation_from``, calibrated
    on the ones from it, and graded on every test row, read a piece at a time.

    ``fitting``: the training set's rows before its first test date (bounded by the training budget);
    ``test_pieces``: its test rows, in the file's order. ``oracle``: the simulator's ground truth
    (client_id, as_of_date and the config's oracle columns), for grading only; None where there is none.
    The fingerprint is of the fitting rows, then the test rows: the training set's, in its order.
    """
    when = fitting[TIMESTAMP]
    fit_split = Split(
        train=fitting[when < validation_from], validation=fitting[when >= validation_from], test=fitting.iloc[:0]
    )
    digest = FrameDigest().add(fitting)
    boosters, calibrations, seconds = {}, {}, {}
    for head, label in config.heads.items():
        started = time.perf_counter()
        boosters[head], calibrations[head] = fit_head(fit_split, feature_names, config, label)
        seconds[head] = time.perf_counter() - started
    test, scores = score_test_pieces(test_pieces, boosters, feature_names, config, digest)
    split = Split(train=fit_split.train, validation=fit_split.validation, test=test)
    fingerprint = digest.hexdigest()
    heads = {
        head: graded_head(
            split,
            config,
            head,
            boosters[head],
            calibrations[head],
            scores[head],
            seconds[head],
            feature_names,
            oracle,
            fingerprint,
        )
        for head in config.heads
    }
    return ModelFit(config=config, split=split, heads=heads)


def fit_one_head(
    split: Split, config: ModelConfig, head: str, feature_names: list[str], oracle: pd.DataFrame | None = None
) -> HeadFit:
    """One head alone, trained, calibrated and graded on a split held whole (the learning curve's samples)."""
    started = time.perf_counter()
    booster, calibration = fit_head(split, feature_names, config, config.heads[head])
    seconds = time.perf_counter() - started
    test, scores = score_test_pieces([split.test], {head: booster}, feature_names, config)
    graded = Split(train=split.train, validation=split.validation, test=test)
    return graded_head(graded, config, head, booster, calibration, scores[head], seconds, feature_names, oracle, None)


def graded_head(
    split: Split,
    config: ModelConfig,
    head: str,
    booster: lgb.Booster,
    calibration: dict[str, object],
    scores: np.ndarray,
    train_seconds: float,
    feature_names: list[str],
    oracle: pd.DataFrame | None,
    fingerprint: str | None,
) -> HeadFit:
    """One head's grade on the split's test rows, the summary written beside it and its card inputs."""
    label = config.heads[head]
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
