"""Turn online feature rows into scores: pure functions over a feature matrix and the served models.

``Scorer.score_entries`` is what ``/score`` runs: one ONNX call for every model (their graphs joined
in one) and one reason-code pass per explained model over all requested clients at once, each
client's entry a plain dict in the shape of ``ClientScore`` (serialized to JSON as it is).
``Scorer.score`` gives the same entries as validated ``ClientScore`` models, from the ``to_dict``
shape of an online read.
"""

from __future__ import annotations

from concurrent.futures import Executor
from datetime import UTC, datetime

import numpy as np

from models.onnx_export import JOINT_INPUT, joint_model, onnx_session
from serving.schemas import ClientScore
from serving.served_models import CHURN, INTENT_HEADS, TIERING, ServedModel
from wealthpulse.domain import TIERS

UNKNOWN_CLIENT = "unknown client_id: no features in the online store"
TIER_NOW = "value_tier_code"


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


def unscored(client_id: str, error: str | None = None) -> dict:
    """A `ClientScore` as a dict, every field in the schema's order, nothing scored yet."""
    return {
        "client_id": client_id,
        "churn_probability": None,
        "intent": None,
        "tier_now": None,
        "tier_90d": None,
        "tier_probabilities": None,
        "reasons": {},
        "feature_timestamp": None,
        "error": error,
    }


class Scorer:
    """Every served model's score with reason codes; what depends only on the models is set up once."""

    def __init__(self, served: dict[str, ServedModel]) -> None:
        self.served = served
        self.churn = served[CHURN]
        # One matrix over the union of every model's features per request (and the current tier);
        # each model takes its columns from it.
        self.union = list(dict.fromkeys(name for model in served.values() for name in model.feature_names))
        self.inputs = self.union if TIER_NOW in self.union else [*self.union, TIER_NOW]
        position = {name: j for j, name in enumerate(self.inputs)}
        self.columns = {name: np.array([position[f] for f in model.feature_names]) for name, model in served.items()}
        self.heads = {name: served[name] for name in INTENT_HEADS if name in served}
        self._tier_now = position[TIER_NOW]
        # Every model in one ONNX graph over the union: one call per request instead of one per model.
        self.joint = onnx_session(
            joint_model(
                {name: (m.model_bytes, self.columns[name].tolist()) for name, m in served.items()}, len(self.inputs)
            )
        )

    def probabilities(self, matrix: np.ndarray) -> dict[str, np.ndarray]:
        """Each model's probability tensor over rows of `self.inputs` (float32), from one joint run."""
        return dict(zip(self.served, self.joint.run(None, {JOINT_INPUT: matrix}), strict=True))

    def rows_of(self, everything: np.ndarray, name: str, rows: np.ndarray | None = None) -> np.ndarray:
        """Model `name`'s columns of the union matrix (of `rows` only, when given), for its reason codes."""
        columns = self.columns[name]
        return np.ascontiguousarray(everything[:, columns] if rows is None else everything[np.ix_(rows, columns)])

    def score(self, online: dict[str, list], stored_at: list[float | None], client_ids: list[str]) -> list[ClientScore]:
        """One entry per client in request order, as validated models.

        `online` holds each feature's values in request order; `stored_at` the event time of each
        client's stored features, None for a client the store does not know (an error entry).
        """
        known = [i for i, stamp in enumerate(stored_at) if stamp is not None]
        rows = np.full((len(client_ids), len(self.inputs)), np.nan, dtype=np.float32)
        if known:
            present = [name for name in self.inputs if name in online]
            position = {name: j for j, name in enumerate(self.inputs)}
            rows[np.ix_(known, [position[n] for n in present])] = feature_rows(online, present, known)
        return [ClientScore.model_validate(entry) for entry in self.score_entries(rows, stored_at, client_ids)]

    def score_entries(
        self, matrix: np.ndarray, stored_at: list[float | None], client_ids: list[str], explain: bool = True
    ) -> list[dict]:
        """One `ClientScore`-shaped dict per client in request order.

        `matrix` has a row per client in request order and a column per name of `self.inputs`
        (NaN where the store has no value); `stored_at` is None for a client the store does not know.
        With `explain` False the scores are the same and `reasons` stays empty.
        """
        entries = [unscored(client_id) for client_id in client_ids]
        known = [i for i, stamp in enumerate(stored_at) if stamp is not None]
        for i, stamp in enumerate(stored_at):
            if stamp is None:
                entries[i]["error"] = UNKNOWN_CLIENT
            else:
                entries[i]["feature_timestamp"] = iso_time(stamp)
        if not known:
            return entries
        scored = [entries[i] for i in known]
        everything = np.asarray(matrix, dtype=np.float32)
        if len(known) != len(client_ids):
            everything = everything[known]
        probabilities = self.probabilities(np.ascontiguousarray(everything))
        for entry, p in zip(scored, probabilities[CHURN][:, 1].tolist(), strict=True):
            entry["churn_probability"] = p
        if explain:
            churn = self.rows_of(everything, CHURN)
            for entry, why in zip(scored, self.churn.reasons(churn), strict=True):
                entry["reasons"]["churn"] = why
        if TIERING in self.served:
            now = everything[:, self._tier_now]
            _score_tiers(self, everything, probabilities[TIERING], now, scored, explain)
        if self.heads:
            _score_intent(self, everything, probabilities, scored, explain)
        return entries

    def score_in_pieces(
        self,
        pool: Executor,
        matrix: np.ndarray,
        stored_at: list[float | None],
        client_ids: list[str],
        piece_rows: int,
        explain: bool = True,
    ) -> list[dict]:
        """`score_entries` over pieces of `piece_rows` rows run side by side on `pool`, in order.

        ONNX Runtime and the reason kernels release the interpreter lock, so pieces use every core;
        neither the pieces nor the threads change a value (by test).
        """

        def piece(start: int) -> list[dict]:
            end = start + piece_rows
            return self.score_entries(matrix[start:end], stored_at[start:end], client_ids[start:end], explain)

        return [entry for part in pool.map(piece, range(0, len(client_ids), piece_rows)) for entry in part]


def _score_tiers(
    scorer: Scorer,
    everything: np.ndarray,
    probabilities: np.ndarray,
    now: np.ndarray,
    scored: list[dict],
    explain: bool,
) -> None:
    model = scorer.served[TIERING]
    predicted = probabilities.argmax(axis=1)
    # Reasons for the predicted tier: one explainer pass per predicted class.
    reasons: dict[int, list] = {}
    for klass in np.unique(predicted) if explain else ():
        rows = np.flatnonzero(predicted == klass)
        matrix = scorer.rows_of(everything, TIERING, rows)
        for row, why in zip(rows.tolist(), model.reasons(matrix, klass=int(klass)), strict=True):
            reasons[row] = why
    for row, (entry, p, klass, code) in enumerate(
        zip(scored, probabilities.tolist(), predicted.tolist(), now.tolist(), strict=True)
    ):
        entry["tier_now"] = TIERS[int(code) - 1] if code == code and code else None
        entry["tier_90d"] = TIERS[klass]
        entry["tier_probabilities"] = dict(zip(TIERS, p, strict=True))
        if explain:
            entry["reasons"]["tiering"] = reasons[row]


def _score_intent(
    scorer: Scorer, everything: np.ndarray, probabilities: dict, scored: list[dict], explain: bool
) -> None:
    heads = scorer.heads
    table = np.column_stack([probabilities[h][:, 1] for h in heads])
    top = table.argmax(axis=1)
    names = list(heads)
    for column in np.unique(top).tolist() if explain else ():
        # Reasons only for the need each client is most likely to have: what an advisor opens with.
        head = names[column]
        rows = np.flatnonzero(top == column)
        matrix = scorer.rows_of(everything, head, rows)
        for row, why in zip(rows.tolist(), heads[head].reasons(matrix), strict=True):
            scored[row]["reasons"]["intent"] = why
    needs = [INTENT_HEADS[h] for h in heads]
    for entry, p in zip(scored, table.tolist(), strict=True):
        entry["intent"] = dict(zip(needs, p, strict=True))
