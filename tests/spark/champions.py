"""Every champion the scorer serves (churn, tiering, six intent heads), trained on the point-in-time
features of a real state: what the Spark batch scores are compared on, in the tests and the cluster
benchmark. Labels are made from the features, for models whose scores and reasons vary, not for
their quality."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd

from features.store import service_features
from models.config import CHURN, INTENT, TIERING
from models.explain import build_explainer
from models.feature_labels import labels_for
from models.onnx_export import export_onnx, onnx_session
from models.training import TIMESTAMP, time_split, train, training_frame
from serving.served_models import CHURN as CHURN_MODEL
from serving.served_models import INTENT_HEADS, ServedModel
from serving.served_models import TIERING as TIERING_MODEL

SERVICE = INTENT.feature_service  # the widest service: it carries the current tier the scorer reads
DATES = 4  # as-of dates of features: the models train on the first three, the last one is scored


def served_model(name: str, booster, feature_names: list[str]) -> ServedModel:
    """A champion as the service loads it, without the model store."""
    model_bytes = export_onnx(booster, name=name)
    classes = booster.num_model_per_iteration()
    klasses = range(classes) if classes > 1 else [None]
    return ServedModel(
        name=name,
        tag=f"{name}:test",
        feature_names=feature_names,
        feature_service=SERVICE,
        session=onnx_session(model_bytes),
        model_bytes=model_bytes,
        explainers=[build_explainer(booster, klass=k) for k in klasses],
        labels=labels_for(feature_names),
    )


def trained_champions(store, labels: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, ServedModel], date]:
    """The last as-of date's feature rows (one per client), the eight champions, and that date."""
    dates = np.sort(labels[TIMESTAMP].unique())[-DATES:]
    frame = training_frame(store, SERVICE, labels[labels[TIMESTAMP].isin(dates)])
    names = service_features(store, SERVICE)
    frame["tier_label"] = frame["value_tier_code"].fillna(3).clip(1, 5).astype(int)
    configs = {CHURN_MODEL: (CHURN, "churned_60d"), TIERING_MODEL: (TIERING, "tier_label")}
    varied = [name for name in names if frame[name].nunique() > 20]
    for i, head in enumerate(INTENT_HEADS):
        column = varied[3 * i]
        frame[head] = (frame[column] > frame[column].median()).astype(int)
        configs[head] = (INTENT, head)
    served = {}
    for name, (config, label) in configs.items():
        config = dataclasses.replace(config, num_boost_round=20, early_stopping_rounds=5)
        served[name] = served_model(name, train(time_split(frame, config), names, config, label), names)
    last = frame[TIMESTAMP].max()
    latest = frame[frame[TIMESTAMP] == last].drop(columns=[*INTENT_HEADS, "tier_label"])
    return latest.reset_index(drop=True), served, last.date()
