"""ONNX export of LightGBM models (binary and multiclass) and the parity gate against LightGBM."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from onnxmltools import convert_lightgbm
from onnxmltools.convert.common.data_types import FloatTensorType

TARGET_OPSET = 15


def snap_thresholds_to_float32(booster: lgb.Booster) -> lgb.Booster:
    """The same model with every numerical split threshold moved down to a float32 value.

    LightGBM keeps thresholds as doubles; ONNX's tree ensemble stores them as float32. A
    double threshold t between two adjacent float32 values a < t < b is rounded to the
    nearest, which may be b, and then a feature equal to b goes the other way. For float32
    inputs (the only ones we feed) ``x <= t`` holds exactly when ``x <= a`` with a the
    largest float32 not above t, so snapping t to a changes no prediction of this model and
    makes LightGBM and ONNX Runtime take the same branch on every row.
    """
    lines = booster.model_to_string().split("\n")
    # Each tree has one threshold= and one decision_type= line (in that order): pair them.
    threshold_rows = [i for i, line in enumerate(lines) if line.startswith("threshold=")]
    decision_rows = [i for i, line in enumerate(lines) if line.startswith("decision_type=")]
    if len(threshold_rows) != len(decision_rows):
        raise ValueError("unexpected LightGBM model text: thresholds and decision types do not pair up")
    for t_row, d_row in zip(threshold_rows, decision_rows, strict=True):
        values = np.array(lines[t_row].split("=", 1)[1].split(), dtype=np.float64)
        decision_types = np.array(lines[d_row].split("=", 1)[1].split(), dtype=np.int64)
        snapped = values.astype(np.float32)
        above = snapped.astype(np.float64) > values
        snapped[above] = np.nextafter(snapped[above], np.float32(-np.inf))
        # Bit 0 of the decision type marks a categorical split: its threshold is an index.
        numerical = (decision_types & 1) == 0
        values[numerical] = snapped[numerical].astype(np.float64)
        lines[t_row] = "threshold=" + " ".join(repr(float(v)) for v in values)
    # tree_sizes gives each tree's length in bytes, which the new numbers change; without it
    # LightGBM reads the trees one after another.
    lines = [line for line in lines if not line.startswith("tree_sizes=")]
    return lgb.Booster(model_str="\n".join(lines))


def export_onnx(booster: lgb.Booster, name: str = "model") -> bytes:
    """Plain probability tensors (no ZipMap): rows x 2 for binary (column 1 is P(positive)),
    rows x K for multiclass."""
    model = convert_lightgbm(
        booster,
        initial_types=[("features", FloatTensorType([None, booster.num_feature()]))],
        zipmap=False,
        target_opset=TARGET_OPSET,
    )
    # The converter names the graph with a random UUID; a fixed name makes the bytes, and so
    # the content-addressed version in the model store, depend on the model alone.
    model.graph.name = name
    # The converter lists the opset domains in set order, which varies with each process's string
    # hashing: sorted, the same model always serializes to the same bytes.
    imports = sorted((entry.domain, entry.version) for entry in model.opset_import)
    del model.opset_import[:]
    for domain, version in imports:
        model.opset_import.add(domain=domain, version=version)
    return model.SerializeToString()


def onnx_session(model_bytes: bytes) -> ort.InferenceSession:
    options = ort.SessionOptions()
    # One thread: a request is a few rows, where a pool's wake-up costs more than it saves; a batch of
    # every client runs pieces of rows on one-thread sessions side by side, which scales better.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    # The converter declares the label output as shape [1]; batches make ORT warn on every call.
    options.log_severity_level = 3
    return ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])


JOINT_INPUT = "features"


def joint_model(models: dict[str, tuple[bytes, list[int]]], n_inputs: int) -> bytes:
    """One graph that scores several exported models at once, over the union of their inputs.

    `models` maps a name to the model's ONNX bytes and the columns of the union it reads, in its
    feature order. The graph holds each model's tree ensemble node and nothing else: its feature
    ids are rewritten to the union's columns, so every ensemble reads the one input as it is (no
    Gather, no copy). The converter's nodes after the ensemble only pass the probabilities on
    (Identity, and a Mul by a constant one) or make the label we do not serve, so they are left
    out. The outputs are the models' probability tensors, in the order given. One ``run`` then
    replaces a call per model: on one row the calls' and nodes' fixed costs are most of the work.
    The trees are the same nodes, so the probabilities are the same bits as each model alone.
    """
    nodes, outputs = [], []
    first = None
    for name, (model_bytes, columns) in models.items():
        model = onnx.load_from_string(model_bytes)
        first = first or model
        tree = _probability_node(model)
        joined = onnx.NodeProto()
        joined.CopyFrom(tree)
        joined.name = f"{name}/{tree.op_type}"
        joined.input[0] = JOINT_INPUT
        joined.output[0] = f"{name}/label"
        joined.output[1] = f"{name}/probabilities"
        for attribute in joined.attribute:
            if attribute.name == "nodes_featureids":
                remapped = [columns[i] for i in attribute.ints]
                del attribute.ints[:]
                attribute.ints.extend(remapped)
        nodes.append(joined)
        width = model.graph.output[1].type.tensor_type.shape.dim[1]
        outputs.append(helper.make_tensor_value_info(joined.output[1], TensorProto.FLOAT, [None, width.dim_value]))
    if first is None:
        raise ValueError("a joint model needs at least one model")
    features = helper.make_tensor_value_info(JOINT_INPUT, TensorProto.FLOAT, [None, n_inputs])
    joint = helper.make_model(
        helper.make_graph(nodes, "joint", [features], outputs), opset_imports=list(first.opset_import)
    )
    joint.ir_version = first.ir_version
    return joint.SerializeToString()


def _probability_node(model: onnx.ModelProto) -> onnx.NodeProto:
    """The one tree ensemble node of an exported model, checked to be all its probabilities depend on."""
    graph = model.graph
    trees = [node for node in graph.node if node.op_type == "TreeEnsembleClassifier"]
    ones = {t.name for t in graph.initializer if numpy_helper.to_array(t).tolist() in (1.0, [1.0])}
    if len(trees) != 1:
        raise ValueError(f"expected one TreeEnsembleClassifier, found {len(trees)}")
    if trees[0].input[0] != graph.input[0].name:
        raise ValueError("the tree ensemble does not read the model's input as it is")
    # Follow the probability tensor to the graph output through nodes that leave values unchanged.
    current = trees[0].output[1]
    wanted = graph.output[1].name
    consumers = {}
    for node in graph.node:
        for i in node.input:
            consumers.setdefault(i, []).append(node)
    while current != wanted:
        following = consumers.get(current, [])
        passes = [
            n for n in following if n.op_type == "Identity" or (n.op_type == "Mul" and set(n.input) - {current} <= ones)
        ]
        if len(passes) != 1:
            raise ValueError(f"unexpected nodes after the tree ensemble: {[n.op_type for n in following]}")
        current = passes[0].output[0]
    return trees[0]


def onnx_probabilities(session: ort.InferenceSession, features: np.ndarray) -> np.ndarray:
    """The probability tensor: rows x 2 (binary) or rows x K (multiclass)."""
    outputs = session.run(None, {session.get_inputs()[0].name: np.asarray(features, dtype=np.float32)})
    return outputs[1]


def onnx_positive_proba(session: ort.InferenceSession, features: np.ndarray) -> np.ndarray:
    return onnx_probabilities(session, features)[:, 1]


def onnx_scores(session: ort.InferenceSession, features: np.ndarray) -> np.ndarray:
    """What serving reads, shaped like ``booster.predict``: P(positive) or class probabilities."""
    proba = onnx_probabilities(session, features)
    return proba[:, 1] if proba.shape[1] == 2 else proba


TIE_MARGIN = 1e-5


def _top_decile_overlap(native: np.ndarray, exported: np.ndarray) -> float:
    """Share of the native top decile the export also puts there. A row that crosses the boundary while
    its score is within the parity goal (1e-5) of the boundary's is a tie at float32 precision, not a
    disagreement: the two runtimes cannot order it against the boundary."""
    k = max(1, len(native) // 10)
    order_native = np.argsort(-native, kind="stable")
    top_native = set(order_native[:k])
    top_onnx = set(np.argsort(-exported, kind="stable")[:k])
    boundary = native[order_native[k - 1]]
    moved = [i for i in top_native ^ top_onnx if abs(native[i] - boundary) > TIE_MARGIN]
    return 1.0 - len(moved) / (2 * k)


def check_parity(booster: lgb.Booster, model_bytes: bytes, features: np.ndarray) -> dict[str, float]:
    """Score the same rows both ways; report the largest difference and top-decile agreement.

    For a multiclass model the top decile is compared per class (the worst class is reported) and
    the predicted classes must agree too.
    """
    native = booster.predict(np.asarray(features, dtype=np.float32), num_iteration=booster.best_iteration or None)
    exported = onnx_scores(onnx_session(model_bytes), features)
    if len(native) == 0:
        return {"rows": 0.0, "max_abs_diff": 0.0, "top_decile_overlap": 1.0, "class_agreement": 1.0}
    if native.ndim == 1:
        overlap = _top_decile_overlap(native, exported)
        agreement = 1.0
    else:
        overlap = min(_top_decile_overlap(native[:, k], exported[:, k]) for k in range(native.shape[1]))
        agreement = float(np.mean(np.argmax(native, axis=1) == np.argmax(exported, axis=1)))
    return {
        "rows": float(len(native)),
        "max_abs_diff": float(np.max(np.abs(native - exported))),
        "top_decile_overlap": overlap,
        "class_agreement": agreement,
    }


def parity_passed(parity: dict[str, float], fail_above: float = 1e-4) -> bool:
    """The gate: max abs difference at most ``fail_above``, the same top decile, the same classes."""
    return (
        parity["max_abs_diff"] <= fail_above
        and parity["top_decile_overlap"] == 1.0
        and parity.get("class_agreement", 1.0) == 1.0
    )
