"""Turn online feature rows into scores: pure functions over a feature dict and a session."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from serving.schemas import ClientScore
from serving.served_models import CHURN, INTENT_HEADS, TIERING, TIERS, ServedModel

UNKNOWN_CLIENT = "unknown client_id: no features in the online store"


def feature_rows(online: dict[str, list], feature_names: list[str], known: list[int]) -> np.ndarray:
    """The known clients' features stacked in model order (NaN where the store has no value)."""
    columns = [online[name] for name in feature_names]
    return np.array(
        [[np.nan if col[i] is None else col[i] for col in columns] for i in known],
        dtype=np.float32,
    ).reshape(len(known), len(feature_names))


def iso_time(epoch: float | None) -> str | None:
    """ISO time in UTC of a feature row's event time in epoch seconds."""
    return None if epoch is None else datetime.fromtimestamp(int(epoch), tz=UTC).isoformat()


class Scorer:
    """Every served model's score with reason codes; what depends only on the models is set up once."""

    def __init__(self, served: dict[str, ServedModel]) -> None:
        self.served = served
        self.churn = served[CHURN]
        # One matrix over the union of every model's features per request; each model takes its
        # columns from it.
        self.union = list(dict.fromkeys(name for model in served.values() for name in model.feature_names))
        position = {name: j for j, name in enumerate(self.union)}
        self.columns = {name: np.array([position[f] for f in model.feature_names]) for name, model in served.items()}
        self.heads = {name: served[name] for name in INTENT_HEADS if name in served}

    def score(self, online: dict[str, list], stored_at: list[float | None], client_ids: list[str]) -> list[ClientScore]:
        """One entry per client in request order.

        `online` holds each feature's values in request order; `stored_at` the event time of each
        client's stored features, None for a client the store does not know (an error entry).
        """
        known = [i for i, stamp in enumerate(stored_at) if stamp is not None]
        results: dict[int, dict] = {i: {"reasons": {}} for i in known}
        if known:
            everything = feature_rows(online, self.union, known)
            matrices = {name: np.ascontiguousarray(everything[:, columns]) for name, columns in self.columns.items()}
            churn_p = self.churn.probabilities(matrices[CHURN])[:, 1]
            for i, p, why in zip(known, churn_p, self.churn.reasons(matrices[CHURN]), strict=True):
                results[i]["churn_probability"] = float(p)
                results[i]["reasons"]["churn"] = why
            if TIERING in self.served:
                _score_tiers(self.served[TIERING], matrices[TIERING], known, online, results)
            if self.heads:
                _score_intent(self.heads, matrices, known, results)
        return [
            ClientScore(client_id=client_id, feature_timestamp=iso_time(stored_at[i]), **results[i])
            if i in results
            else ClientScore(client_id=client_id, error=UNKNOWN_CLIENT)
            for i, client_id in enumerate(client_ids)
        ]


def _score_tiers(model: ServedModel, matrix: np.ndarray, known: list[int], online: dict, results: dict) -> None:
    probabilities = model.probabilities(matrix)
    predicted = probabilities.argmax(axis=1)
    # Reasons for the predicted tier: one explainer pass per predicted class.
    reasons: dict[int, list] = {}
    for klass in np.unique(predicted):
        rows = np.flatnonzero(predicted == klass)
        for row, why in zip(rows, model.reasons(matrix[rows], klass=int(klass)), strict=True):
            reasons[row] = why
    now = online.get("value_tier_code")
    for row, i in enumerate(known):
        results[i]["tier_probabilities"] = {tier: float(p) for tier, p in zip(TIERS, probabilities[row], strict=True)}
        results[i]["tier_90d"] = TIERS[int(predicted[row])]
        code = None if now is None else now[i]
        results[i]["tier_now"] = TIERS[int(code) - 1] if code else None
        results[i]["reasons"]["tiering"] = reasons[row]


def _score_intent(heads: dict[str, ServedModel], matrices: dict, known: list[int], results: dict) -> None:
    table = np.column_stack([heads[h].probabilities(matrices[h])[:, 1] for h in heads])
    top = table.argmax(axis=1)
    for column, head in enumerate(heads):
        # Reasons only for the need each client is most likely to have: what an advisor opens with.
        rows = np.flatnonzero(top == column)
        for row, why in zip(rows, heads[head].reasons(matrices[head][rows]), strict=True):
            results[known[row]]["reasons"]["intent"] = why
    for row, i in enumerate(known):
        results[i]["intent"] = {INTENT_HEADS[h]: float(table[row, c]) for c, h in enumerate(heads)}
