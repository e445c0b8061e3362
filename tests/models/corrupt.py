"""A corrupted ONNX export for the parity gate's tests: the first tree's leaf weights shifted."""

import onnx
from onnx import helper


def corrupt_first_tree(model_bytes: bytes, shift: float = 0.5) -> bytes:
    """The same graph with every leaf weight of tree 0 raised by `shift`: a model that still loads and
    scores, but not as the LightGBM model it was exported from."""
    model = onnx.load_from_string(model_bytes)
    (node,) = (n for n in model.graph.node if n.op_type == "TreeEnsembleClassifier")
    attributes = {a.name: a for a in node.attribute}
    trees = list(attributes["class_treeids"].ints)
    weights = [w + shift if tree == 0 else w for w, tree in zip(attributes["class_weights"].floats, trees, strict=True)]
    node.attribute.remove(attributes["class_weights"])
    node.attribute.append(helper.make_attribute("class_weights", weights))
    return model.SerializeToString()
