"""The BentoML model store: the only handoff from training to serving."""

from __future__ import annotations

import hashlib
import json

import bentoml

ONNX_FILE = "model.onnx"


def model_version(model_bytes: bytes) -> str:
    """Content-addressed version: retraining on the same data registers nothing new."""
    return hashlib.sha256(model_bytes).hexdigest()[:16]


def register(name: str, model_bytes: bytes, metadata: dict, labels: dict[str, str] | None = None) -> str:
    """Save an ONNX model with its metadata; returns the tag. Idempotent per content."""
    tag = f"{name}:{model_version(model_bytes)}"
    try:
        return str(bentoml.models.get(tag).tag)
    except bentoml.exceptions.NotFound:
        pass
    # Metadata must be plain JSON for the store.
    plain = json.loads(json.dumps(metadata, default=str))
    with bentoml.models.create(
        tag,
        labels=labels or {},
        metadata=plain,
    ) as model:
        with open(model.path_of(ONNX_FILE), "wb") as handle:
            handle.write(model_bytes)
    return str(model.tag)


def load(name: str, version: str = "latest") -> tuple[bytes, dict, str]:
    """The ONNX bytes, metadata and tag of a stored model."""
    model = bentoml.models.get(f"{name}:{version}")
    with open(model.path_of(ONNX_FILE), "rb") as handle:
        return handle.read(), dict(model.info.metadata), str(model.tag)
