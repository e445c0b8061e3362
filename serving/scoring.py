"""Turn online feature rows into scores: pure functions over a feature dict and a session."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import onnxruntime as ort

from serving.schemas import ClientScore

UNKNOWN_CLIENT = "unknown client_id: no features in the online store"


def feature_rows(
    online: dict[str, list], client_ids: list[str], feature_names: list[str]
) -> tuple[np.ndarray, list[int]]:
    """Stack the online features in model order; indices of clients that have them.

    A client unknown to the online store comes back with every feature None.
    """
    columns = [online[name] for name in feature_names]
    known = [i for i in range(len(client_ids)) if any(col[i] is not None for col in columns)]
    matrix = np.array(
        [[np.nan if col[i] is None else col[i] for col in columns] for i in known],
        dtype=np.float32,
    ).reshape(len(known), len(feature_names))
    return matrix, known


def feature_timestamp(online: dict[str, list], feature_name: str, index: int) -> str | None:
    """ISO time of a client's feature row; Feast returns it as epoch seconds."""
    stamps = online.get(f"{feature_name}__ts")
    stamp = None if stamps is None else stamps[index]
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
            feature_timestamp=feature_timestamp(online, feature_names[0], i),
        )
        if i in probabilities
        else ClientScore(client_id=client_id, error=UNKNOWN_CLIENT)
        for i, client_id in enumerate(client_ids)
    ]
