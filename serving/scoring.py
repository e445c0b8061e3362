"""Turn online feature rows into scores: pure functions over a feature dict and a session."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import onnxruntime as ort
from feast import FeatureService, FeatureStore

from serving.schemas import ClientScore

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


def warm_up(session: ort.InferenceSession, n_features: int) -> None:
    """One inference on a zero row, so the first request does not pay for ONNX Runtime's lazy setup."""
    session.run(None, {session.get_inputs()[0].name: np.zeros((1, n_features), dtype=np.float32)})


def _stamp(online: dict[str, list], name: str, index: int):
    stamps = online.get(f"{name}__ts")
    return None if stamps is None else stamps[index]


def feature_rows(
    online: dict[str, list], client_ids: list[str], feature_names: list[str]
) -> tuple[np.ndarray, list[int]]:
    """Stack the online features in model order; indices of clients that have them.

    A client unknown to the online store comes back with every stored feature None (and, with
    timestamps requested, every stamp 0 or None): it is left out, whatever on-demand features
    computed from the request alone.
    """
    columns = [online[name] for name in feature_names]
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


def score_clients(
    online: dict[str, list],
    client_ids: list[str],
    feature_names: list[str],
    session: ort.InferenceSession,
) -> list[ClientScore]:
    matrix, known = feature_rows(online, client_ids, feature_names)
    probabilities: dict[int, float] = {}
    if known:
        outputs = session.run(None, {session.get_inputs()[0].name: matrix})
        probabilities = dict(zip(known, outputs[1][:, 1].tolist(), strict=True))
    return [
        ClientScore(
            client_id=client_id,
            churn_probability=probabilities[i],
            feature_timestamp=feature_timestamp(online, feature_names, i),
        )
        if i in probabilities
        else ClientScore(client_id=client_id, error=UNKNOWN_CLIENT)
        for i, client_id in enumerate(client_ids)
    ]
