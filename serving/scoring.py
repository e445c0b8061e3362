"""Turn online feature rows into scores: pure functions over a feature dict and a session."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from feast import FeatureService, FeatureStore

from serving.schemas import ClientScore
from serving.served_models import CHURN, INTENT_HEADS, TIERING, TIERS, ServedModel

UNKNOWN_CLIENT = "unknown client_id: no features in the online store"


def feature_refs(services: list[FeatureService]) -> list[str]:
    """``view:feature`` references covering every service, each once, for one online read for all models."""
    refs: dict[str, None] = {}
    for service in services:
        for projection in service.feature_view_projections:
            for feature in projection.features:
                refs[f"{projection.name_to_use()}:{feature.name}"] = None
    return list(refs)


def request_fields(store: FeatureStore, services: list[FeatureService]) -> list[str]:
    """Request-time inputs the services' on-demand views need in every entity row."""
    on_demand = {view.name: view for view in store.list_on_demand_feature_views()}
    fields: dict[str, None] = {}
    for service in services:
        for projection in service.feature_view_projections:
            view = on_demand.get(projection.name)
            if view is None:
                continue
            for source in view.source_request_sources.values():
                fields.update(dict.fromkeys(field.name for field in source.schema))
    return list(fields)


def _stamp(online: dict[str, list], name: str, index: int):
    stamps = online.get(f"{name}__ts")
    return None if stamps is None else stamps[index]


def feature_rows(
    online: dict[str, list], client_ids: list[str], feature_names: list[str], known: list[int] | None = None
) -> tuple[np.ndarray, list[int]]:
    """Stack the online features in model order; indices of clients that have them (or of `known`).

    A client unknown to the online store comes back with every stored feature None (and, with
    timestamps requested, every stamp 0 or None): it is left out, whatever on-demand features
    computed from the request alone.
    """
    columns = [online[name] for name in feature_names]
    if known is None:
        stamped = [name for name in feature_names if f"{name}__ts" in online]
        if stamped:
            known = [i for i in range(len(client_ids)) if any(_stamp(online, name, i) for name in stamped)]
        else:
            known = [i for i in range(len(client_ids)) if any(col[i] is not None for col in columns)]
    matrix = np.array(
        [[np.nan if col[i] is None else col[i] for col in columns] for i in known],
        dtype=np.float32,
    ).reshape(len(known), len(feature_names))
    return matrix, known


def feature_timestamp(online: dict[str, list], feature_names: list[str], index: int) -> str | None:
    """ISO time of a client's stored features: the first feature in model order that has one.

    Feast returns epoch seconds, and 0 for a view without a row for the client.
    """
    stamp = next((s for s in (_stamp(online, name, index) for name in feature_names) if s), None)
    if stamp is None:
        return None
    if isinstance(stamp, datetime):
        return stamp.astimezone(UTC).isoformat()
    return datetime.fromtimestamp(int(stamp), tz=UTC).isoformat()


def score_clients(online: dict[str, list], client_ids: list[str], served: dict[str, ServedModel]) -> list[ClientScore]:
    """Every served model's score for every client the online store knows, with reason codes."""
    churn = served[CHURN]
    # One matrix over the union of every model's features, built once per request; each model
    # takes its columns from it (known clients are decided on the churn model's features).
    union = list(dict.fromkeys(name for model in served.values() for name in model.feature_names))
    column = {name: j for j, name in enumerate(union)}
    _, known = feature_rows(online, client_ids, churn.feature_names)
    results: dict[int, dict] = {i: {"reasons": {}} for i in known}
    if known:
        everything, _ = feature_rows(online, client_ids, union, known)
        matrices = {
            name: np.ascontiguousarray(everything[:, [column[f] for f in model.feature_names]])
            for name, model in served.items()
        }
        churn_p = churn.probabilities(matrices[CHURN])[:, 1]
        for i, p, why in zip(known, churn_p, churn.reasons(matrices[CHURN]), strict=True):
            results[i]["churn_probability"] = float(p)
            results[i]["reasons"]["churn"] = why
        if TIERING in served:
            _score_tiers(served[TIERING], matrices[TIERING], known, online, results)
        heads = [name for name in INTENT_HEADS if name in served]
        if heads:
            _score_intent({h: served[h] for h in heads}, matrices, known, results)
    return [
        ClientScore(
            client_id=client_id,
            feature_timestamp=feature_timestamp(online, churn.feature_names, i),
            **results[i],
        )
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
