"""The champion models the service scores with: ONNX sessions, feature order and reason codes."""

from __future__ import annotations

from dataclasses import dataclass

import bentoml
import lightgbm as lgb
import numpy as np
import onnxruntime as ort

from models.explain import TreeExplainer, build_explainer, class_block, reason_codes
from models.feature_labels import labels_for
from models.onnx_export import onnx_probabilities, onnx_session
from models.registry import LIGHTGBM_FILE, champion_tag, load, load_champion, load_file
from wealthpulse.domain import NEEDS

CHURN = "churn"
TIERING = "tiering"
INTENT_HEADS = {f"intent_{need}": need for need in NEEDS}
# Every model the service scores with: churn, tiering and the six intent heads, each by its champion.
SERVED = (CHURN, TIERING, *INTENT_HEADS)


@dataclass
class ServedModel:
    name: str
    tag: str
    feature_names: list[str]
    feature_service: str
    session: ort.InferenceSession
    # The exported model the session runs: the service also scores it inside one joint graph.
    model_bytes: bytes
    # One explainer per class of a multiclass model (reasons are asked for one class), else one.
    explainers: list[TreeExplainer]
    labels: dict[str, str]

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        """rows x classes (two columns for a binary model)."""
        return onnx_probabilities(self.session, matrix)

    def reasons(self, matrix: np.ndarray, klass: int = 0, top: int = 3) -> list[list[dict]]:
        """Exact TreeSHAP reason codes of one class (class 0 for a binary model's positive score)."""
        if not self.explainers or len(matrix) == 0:
            return [[] for _ in range(len(matrix))]
        explainer = self.explainers[klass if len(self.explainers) > 1 else 0]
        contributions = class_block(explainer.contributions(matrix), len(self.feature_names), klass)
        return reason_codes(contributions, self.feature_names, top=top, labels=self.labels)


def champion_tags(names: tuple[str, ...] = SERVED) -> dict[str, str]:
    """The champion's tag of every name, from the model store; a name without one is an error naming it."""
    tags = {name: champion_tag(name) for name in names}
    missing = [name for name, tag in tags.items() if tag is None]
    if missing:
        raise LookupError(
            f"no champion of {', '.join(missing)} in the model store: the service scores with all of "
            f"{', '.join(names)}; train and register them first (`make run`)"
        )
    return tags


def load_served(name: str, tag: str | None = None) -> ServedModel | None:
    """The model `tag` of `name` (by default its champion), ready to score; None when the store has no champion."""
    try:
        model_bytes, metadata, tag = load(name, tag.split(":", 1)[1]) if tag else load_champion(name)
    except (LookupError, bentoml.exceptions.NotFound):
        if tag:
            raise
        return None
    feature_names = list(metadata["feature_names"])
    session = onnx_session(model_bytes)
    # One inference now, so the first request does not pay for ONNX Runtime's lazy set-up.
    session.run(None, {session.get_inputs()[0].name: np.zeros((1, len(feature_names)), dtype=np.float32)})
    try:
        booster = lgb.Booster(model_str=load_file(tag, LIGHTGBM_FILE).decode())
        classes = booster.num_model_per_iteration()
        explainers = (
            [build_explainer(booster, klass=k) for k in range(classes)] if classes > 1 else [build_explainer(booster)]
        )
    except (FileNotFoundError, bentoml.exceptions.NotFound):
        explainers = []  # a model stored without its LightGBM text scores, without reasons
    return ServedModel(
        name=name,
        tag=tag,
        feature_names=feature_names,
        feature_service=str(metadata["feature_service"]),
        session=session,
        model_bytes=model_bytes,
        explainers=explainers,
        labels=labels_for(feature_names),
    )


def load_all() -> dict[str, ServedModel]:
    """Every champion the store holds of churn, tiering and the six intent heads."""
    served = {}
    for name in SERVED:
        model = load_served(name)
        if model is not None:
            served[name] = model
    return served
