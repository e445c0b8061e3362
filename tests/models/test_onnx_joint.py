"""One joint ONNX graph of several models gives each model's probabilities, the same bits as alone."""

import lightgbm as lgb
import numpy as np
import pytest

from models.onnx_export import JOINT_INPUT, export_onnx, joint_model, onnx_probabilities, onnx_session


def _booster(x: np.ndarray, y: np.ndarray, **params) -> lgb.Booster:
    base = {"num_leaves": 7, "verbose": -1, "seed": 1, "deterministic": True, "num_threads": 1}
    return lgb.train({**base, **params}, lgb.Dataset(x, label=y), num_boost_round=20)


def test_joint_graph_equals_each_model_on_its_own_columns():
    rng = np.random.default_rng(3)
    union = rng.normal(size=(300, 5)).astype(np.float32)
    union[rng.random(union.shape) < 0.1] = np.nan
    columns = {"binary": [3, 0], "multiclass": [1, 4, 2]}
    binary = _booster(union[:, columns["binary"]], (np.nan_to_num(union[:, 3]) > 0).astype(int), objective="binary")
    tiers = np.digitize(np.nan_to_num(union[:, 4]), [-1, 0, 1])
    multiclass = _booster(union[:, columns["multiclass"]], tiers, objective="multiclass", num_class=4)
    exported = {"binary": export_onnx(binary), "multiclass": export_onnx(multiclass)}

    joint = onnx_session(joint_model({n: (exported[n], columns[n]) for n in ("multiclass", "binary")}, 5))
    together = joint.run(None, {JOINT_INPUT: union})

    assert [t.shape for t in together] == [(300, 4), (300, 2)]
    for out, name in zip(together, ("multiclass", "binary"), strict=True):
        alone = onnx_probabilities(onnx_session(exported[name]), np.ascontiguousarray(union[:, columns[name]]))
        assert np.array_equal(out, alone), name


def test_joint_graph_needs_a_model():
    with pytest.raises(ValueError, match="at least one model"):
        joint_model({}, 3)


def test_joint_graph_refuses_a_model_whose_probabilities_are_changed_after_the_trees():
    """Only the tree ensemble is copied into the joint graph, so anything after it that changes the
    probabilities (here the converter's Mul by one, made a Mul by two) must be refused, not dropped."""
    import onnx
    from onnx import numpy_helper

    rng = np.random.default_rng(5)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    model = onnx.load_from_string(export_onnx(_booster(x, (x[:, 0] > 0).astype(int), objective="binary")))
    multipliers = [n.input[1] for n in model.graph.node if n.op_type == "Mul"]
    assert multipliers, "the converter's graph has changed: this test needs a new way to alter it"
    for i, tensor in enumerate(model.graph.initializer):
        if tensor.name in multipliers:
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(np.array([2.0], dtype=np.float32), tensor.name))
    with pytest.raises(ValueError, match="unexpected nodes after the tree ensemble"):
        joint_model({"doubled": (model.SerializeToString(), [0, 1, 2])}, 3)
