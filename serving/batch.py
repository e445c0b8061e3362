"""Batch scoring for the daily lead list: the champion intent heads over a frame of features."""

from __future__ import annotations

import pandas as pd

from serving.served_models import INTENT_HEADS, ServedModel


def intent_scores(features: pd.DataFrame, heads: dict[str, ServedModel]) -> pd.DataFrame:
    """Long frame (client_id, need, probability) of every intent head over the feature rows."""
    parts = []
    for name, model in heads.items():
        matrix = features[model.feature_names].to_numpy(dtype="float32")
        parts.append(
            pd.DataFrame(
                {
                    "client_id": features["client_id"].to_numpy(),
                    "need": INTENT_HEADS[name],
                    "probability": model.probabilities(matrix)[:, 1],
                }
            )
        )
    if not parts:
        raise LookupError("no intent champion in the model store: the lead list needs the intent models")
    return pd.concat(parts, ignore_index=True)


def churn_scores(features: pd.DataFrame, model: ServedModel) -> pd.DataFrame:
    """client_id, churn_60d: the champion churn model's probability over the feature rows."""
    matrix = features[model.feature_names].to_numpy(dtype="float32")
    return pd.DataFrame({"client_id": features["client_id"].to_numpy(), "churn_60d": model.probabilities(matrix)[:, 1]})
