"""ONNX export of a LightGBM binary model and the parity gate against LightGBM."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import onnxruntime as ort
from onnxmltools import convert_lightgbm
from onnxmltools.convert.common.data_types import FloatTensorType

TARGET_OPSET = 15


def export_onnx(booster: lgb.Booster, name: str = "model") -> bytes:
    """Plain probability tensors (no ZipMap), so serving reads column 1 as P(positive)."""
    model = convert_lightgbm(
        booster,
        initial_types=[("features", FloatTensorType([None, booster.num_feature()]))],
        zipmap=False,
        target_opset=TARGET_OPSET,
    )
    # The converter names the graph with a random UUID; a fixed name makes the bytes, and so
    # the content-addressed version in the model store, depend on the model alone.
    model.graph.name = name
    return model.SerializeToString()


def onnx_session(model_bytes: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # Scoring is a few rows at a time: one thread avoids pool wake-up costs.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # The converter declares the label output as shape [1]; batches make ORT warn on every call.
    options.log_severity_level = 3
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


def onnx_positive_proba(session: ort.InferenceSession, features: np.ndarray) -> np.ndarray:
    outputs = session.run(None, {session.get_inputs()[0].name: features.astype(np.float32)})
    return outputs[1][:, 1]


def check_parity(booster: lgb.Booster, model_bytes: bytes, features: np.ndarray) -> dict[str, float]:
    """Score the same rows both ways; report the largest difference and top-decile agreement."""
    native = booster.predict(features.astype(np.float32), num_iteration=booster.best_iteration or None)
    exported = onnx_positive_proba(onnx_session(model_bytes), features)
    k = max(1, len(native) // 10)
    top_native = set(np.argsort(-native, kind="stable")[:k])
    top_onnx = set(np.argsort(-exported, kind="stable")[:k])
    return {
        "rows": float(len(native)),
        "max_abs_diff": float(np.max(np.abs(native - exported))) if len(native) else 0.0,
        "top_decile_overlap": len(top_native & top_onnx) / k,
    }
