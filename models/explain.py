"""Exact TreeSHAP reason codes from per-leaf lookup tables, vectorised over a batch in numpy.

LightGBM's ``pred_contrib`` runs the path-dependent TreeSHAP recursion for every row and tree: about
1.8 ms a row for 300 trees, too slow per request. The same values come much faster from tables
built once per model:

For one leaf ``l`` with value ``v`` and the distinct features ``P`` on its path (``d = |P|``), TreeSHAP's
value of a coalition ``S`` is the product game ``g(S) = v * prod_{j in P} (o_j if j in S else z_j)``, where
``z_j`` is the product of the cover fractions of the path's splits on ``j`` (the share of training rows
that follow the path) and ``o_j`` is 1 when the row satisfies every split on ``j`` along the path, else 0.
A tree's SHAP values are the sum over its leaves of the Shapley values of these games (the features off
the path are dummies), and the expected value is ``sum_l v_l * prod z``. Since ``o`` is 0/1, the Shapley
value of ``k`` in leaf ``l`` depends on the row only through the set ``O`` of satisfied path features:

    phi_k(O) = v * (o_k - z_k) * prod_{j not in O, j != k} z_j * sum_s w(s, d) * e_{|A|-s}(z_A),  A = O minus k

with ``w(s, d) = s! (d-s-1)! / d!`` and ``e_m`` the elementary symmetric polynomials. The tables hold
``phi`` for all ``2^d`` sets ``O`` of each leaf (built once, in numpy). Explaining a batch is then: every
split decision of every tree, the bit mask ``O`` of every leaf, one gather and one ``bincount``. The result
equals ``pred_contrib`` to float64 rounding (tests check 1e-6) in the same layout: per class a block of
``n_features + 1`` columns, the last one the expected value.

Only numerical splits are supported (every feature of the feature services is numeric); a categorical
split raises. Table size is ``sum_l 2^d * d``: ``max_path_features`` guards against very deep trees.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import lightgbm as lgb
import numpy as np
from scipy import sparse

from models.feature_labels import readable

_MISSING_TYPES = {"None": 0, "Zero": 1, "NaN": 2}
# LightGBM's kZeroThreshold: values this close to 0 count as zero for missing_type=Zero.
_ZERO = 1e-35


@dataclass(frozen=True)
class TreeExplainer:
    n_features: int
    n_classes: int
    # Internal nodes of every tree.
    node_feature: np.ndarray
    node_threshold: np.ndarray
    node_default_left: np.ndarray
    node_missing: np.ndarray
    # Path steps grouped by slot (a distinct feature on a leaf's path), slots grouped by leaf.
    step_node: np.ndarray
    step_left: np.ndarray
    slot_starts: np.ndarray
    slot_weight: np.ndarray
    leaf_slot_starts: np.ndarray
    # One entry per (leaf, slot): its leaf, its column within the leaf's table, its output column.
    entry_leaf: np.ndarray
    entry_offset: np.ndarray
    entry_column: np.ndarray
    leaf_base: np.ndarray
    table: np.ndarray
    bias: np.ndarray
    # Sparse sums: steps -> slots, slots -> leaf masks (bit weights), entries -> output columns.
    step_to_slot: sparse.csr_matrix
    slot_to_leaf: sparse.csr_matrix
    entry_to_column: sparse.csr_matrix
    # Direction of NaN per node, and the nodes whose missing type is Zero.
    node_nan_left: np.ndarray
    zero_nodes: np.ndarray

    @property
    def n_columns(self) -> int:
        return self.n_classes * (self.n_features + 1)

    def contributions(self, features: np.ndarray, chunk: int = 256) -> np.ndarray:
        """SHAP values like ``booster.predict(x, pred_contrib=True)``: rows x (n_classes * (n_features + 1))."""
        features = np.atleast_2d(np.asarray(features, dtype=np.float64))
        if features.shape[1] != self.n_features:
            raise ValueError(f"expected {self.n_features} features, got {features.shape[1]}")
        parts = [self._contributions(features[i : i + chunk]) for i in range(0, len(features), chunk)]
        return np.concatenate(parts) if parts else np.zeros((0, self.n_columns))

    def _contributions(self, x: np.ndarray) -> np.ndarray:
        if len(self.entry_leaf) == 0:
            return np.tile(self.bias, (len(x), 1))
        # Rows run along the last axis, so every step below works on contiguous blocks.
        value = x.T[self.node_feature]
        go_left = value <= self.node_threshold[:, None]
        nan = np.isnan(value)
        if nan.any():
            # NaN goes the default way (missing type NaN or Zero) or, as 0, by the threshold (None).
            go_left[nan] = np.broadcast_to(self.node_nan_left[:, None], value.shape)[nan]
        if self.zero_nodes.size:
            zero = np.abs(value[self.zero_nodes]) <= _ZERO
            block = go_left[self.zero_nodes]
            block[zero] = np.broadcast_to(self.node_default_left[self.zero_nodes, None], zero.shape)[zero]
            go_left[self.zero_nodes] = block
        missed = (go_left[self.step_node] != self.step_left[:, None]).astype(np.float64)
        # A slot (a feature on a leaf's path) holds when none of its steps is missed.
        slot_ok = (self.step_to_slot @ missed) == 0
        # Table row of each leaf: its first cell plus its mask O times its width d (folded into the weights).
        row = (self.slot_to_leaf @ slot_ok.astype(np.float64)).astype(np.int64) + self.leaf_base[:, None]
        index = row[self.entry_leaf] + self.entry_offset[:, None]
        out = self.entry_to_column @ self.table[index]
        return out.T + self.bias


def _shapley_table(z: np.ndarray, value: float) -> np.ndarray:
    """phi[O, k] for every subset O (bit mask) of a leaf's d path features; z the zero fractions."""
    d = len(z)
    masks = np.arange(1 << d)
    bits = ((masks[:, None] >> np.arange(d)) & 1).astype(np.float64)
    size = bits.sum(axis=1).astype(np.int64)
    # Elementary symmetric polynomials of z over each subset: coefficients of prod (1 + z_j t).
    esp = np.zeros((1 << d, d + 1))
    esp[0, 0] = 1.0
    for j in range(d):
        low, high = slice(0, 1 << j), slice(1 << j, 1 << (j + 1))
        esp[high] = esp[low]
        esp[high, 1:] += z[j] * esp[low, :-1]
    # weight[m, t] = w(m - t, d): the Shapley weight of a coalition of m - t satisfied features.
    weight = np.zeros((d + 1, d + 1))
    for m in range(d):
        for t in range(m + 1):
            s = m - t
            weight[m, t] = factorial(s) * factorial(d - s - 1) / factorial(d)
    summed = (esp * weight[size]).sum(axis=1)
    # Product of z over the features outside each mask.
    outside = np.prod(np.where(bits == 1.0, 1.0, z[None, :]), axis=1)
    table = np.empty((1 << d, d))
    for k in range(d):
        without_k = masks & ~(1 << k)
        with_k = masks | (1 << k)
        table[:, k] = value * (bits[:, k] - z[k]) * summed[without_k] * outside[with_k]
    return table


def build_explainer(booster: lgb.Booster, max_path_features: int = 16, klass: int | None = None) -> TreeExplainer:
    """Tables of a trained booster (numerical splits only); build once per model and reuse.

    With `klass`, only the trees of that class of a multiclass model are tabulated: its block of
    the output is exact and the other blocks are zero. Explaining one class (the predicted tier)
    then costs a fifth of explaining all five.
    """
    dump = booster.dump_model()
    n_features = booster.num_feature()
    n_classes = booster.num_model_per_iteration()
    width = n_features + 1
    nodes: list[tuple[int, float, bool, int]] = []
    step_node: list[int] = []
    step_left: list[bool] = []
    slot_starts: list[int] = []
    slot_weight: list[int] = []
    leaf_slot_starts: list[int] = []
    leaf_base: list[int] = []
    entries: list[tuple[int, int, int, int]] = []
    tables: list[np.ndarray] = []
    table_rows = 0
    bias = np.zeros(n_classes * width)
    leaf_count = 0

    for info in dump["tree_info"]:
        tree_class = info["tree_index"] % n_classes
        if klass is not None and tree_class != klass:
            continue
        root = info["tree_structure"]
        if "leaf_value" in root:
            bias[tree_class * width + n_features] += root["leaf_value"]
            continue
        # Depth-first walk; a path is a list of (node id, went left, feature, zero fraction).
        stack = [(root, [])]
        while stack:
            node, path = stack.pop()
            if "leaf_value" in node:
                features_on_path: dict[int, list] = {}
                for node_id, left, feature, fraction in path:
                    slot = features_on_path.setdefault(feature, [[], 1.0])
                    slot[0].append((node_id, left))
                    slot[1] *= fraction
                d = len(features_on_path)
                if d > max_path_features:
                    raise ValueError(f"a leaf has {d} distinct path features; tables would need 2^{d} rows")
                z = np.array([fraction for _, fraction in features_on_path.values()])
                value = float(node["leaf_value"])
                bias[tree_class * width + n_features] += value * float(np.prod(z))
                leaf_slot_starts.append(len(slot_starts))
                for k, (feature, (steps, _)) in enumerate(features_on_path.items()):
                    slot_starts.append(len(step_node))
                    slot_weight.append(1 << k)
                    for node_id, left in steps:
                        step_node.append(node_id)
                        step_left.append(left)
                    # The leaf's table is 2^d x d, row-major: cell (O, k) at table_rows + O * d + k.
                    entries.append((leaf_count, k, d, tree_class * width + feature))
                leaf_base.append(table_rows)
                tables.append(_shapley_table(z, value).ravel())
                table_rows += (1 << d) * d
                leaf_count += 1
                continue
            if node.get("decision_type", "<=") != "<=":
                raise ValueError("only numerical splits are supported")
            node_id = len(nodes)
            nodes.append(
                (
                    int(node["split_feature"]),
                    float(node["threshold"]),
                    bool(node["default_left"]),
                    _MISSING_TYPES[node["missing_type"]],
                )
            )
            count = float(node["internal_count"])
            for child, left in ((node["left_child"], True), (node["right_child"], False)):
                child_count = float(child["leaf_count"] if "leaf_value" in child else child["internal_count"])
                stack.append((child, [*path, (node_id, left, int(node["split_feature"]), child_count / count)]))

    node_array = np.array(nodes, dtype=object).reshape(-1, 4)
    entry_array = np.array(entries, dtype=np.int64).reshape(-1, 4)
    node_threshold = node_array[:, 1].astype(np.float64)
    node_default_left = node_array[:, 2].astype(bool)
    node_missing = node_array[:, 3].astype(np.int64)
    starts = np.array(slot_starts, dtype=np.int64)
    leaf_starts = np.array(leaf_slot_starts, dtype=np.int64)
    n_steps, n_slots = len(step_node), len(slot_starts)
    step_slot = np.repeat(np.arange(n_slots), np.diff(np.append(starts, n_steps)))
    slot_leaf = np.repeat(np.arange(len(leaf_starts)), np.diff(np.append(leaf_starts, n_slots)))
    step_to_slot = sparse.csr_matrix((np.ones(n_steps), (step_slot, np.arange(n_steps))), shape=(n_slots, n_steps))
    # Bit k of a leaf's mask weighs 2^k times the leaf's width d, so the product is a row offset.
    slot_width = entry_array[:, 2].astype(np.float64)
    slot_to_leaf = sparse.csr_matrix(
        (np.array(slot_weight, dtype=np.float64) * slot_width, (slot_leaf, np.arange(n_slots))),
        shape=(len(leaf_starts), n_slots),
    )
    entry_to_column = sparse.csr_matrix(
        (np.ones(len(entry_array)), (entry_array[:, 3], np.arange(len(entry_array)))),
        shape=(n_classes * width, len(entry_array)),
    )
    return TreeExplainer(
        n_features=n_features,
        n_classes=n_classes,
        node_feature=node_array[:, 0].astype(np.int64),
        node_threshold=node_threshold,
        node_default_left=node_default_left,
        node_missing=node_missing,
        step_node=np.array(step_node, dtype=np.int64),
        step_left=np.array(step_left, dtype=bool),
        slot_starts=np.array(slot_starts, dtype=np.int64),
        slot_weight=np.array(slot_weight, dtype=np.int64),
        leaf_slot_starts=np.array(leaf_slot_starts, dtype=np.int64),
        entry_leaf=entry_array[:, 0],
        entry_offset=entry_array[:, 1],
        entry_column=entry_array[:, 3],
        leaf_base=np.array(leaf_base, dtype=np.int64),
        table=np.concatenate(tables) if tables else np.zeros(0),
        bias=bias,
        step_to_slot=step_to_slot,
        slot_to_leaf=slot_to_leaf,
        entry_to_column=entry_to_column,
        # With missing type None a NaN is read as 0 and compared with the threshold.
        node_nan_left=np.where(node_missing == 0, 0.0 <= node_threshold, node_default_left),
        zero_nodes=np.flatnonzero(node_missing == 1),
    )


def class_block(contributions: np.ndarray, n_features: int, klass: int = 0) -> np.ndarray:
    """One class's feature contributions (rows x n_features), without the expected-value column."""
    start = klass * (n_features + 1)
    return contributions[:, start : start + n_features]


def reason_codes(
    contributions: np.ndarray,
    feature_names: list[str],
    top: int = 3,
    labels: dict[str, str] | None = None,
) -> list[list[dict[str, object]]]:
    """The ``top`` features that pushed each score most (by absolute contribution), with readable labels.

    ``contributions`` is rows x n_features (use ``class_block`` for one class of a multiclass model).
    """
    labels = labels or {}
    contributions = np.atleast_2d(contributions)
    if contributions.shape[1] != len(feature_names):
        raise ValueError("one contribution per feature name is needed (drop the expected-value column)")
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :top]
    result = []
    for row, picks in zip(contributions, order, strict=True):
        result.append(
            [
                {
                    "feature": feature_names[i],
                    "label": labels.get(feature_names[i]) or readable(feature_names[i]),
                    "contribution": float(row[i]),
                    "direction": "raises" if row[i] > 0 else "lowers",
                }
                for i in picks
                if row[i] != 0
            ]
        )
    return result
