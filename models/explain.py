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
``phi`` for all ``2^d`` sets ``O`` of each leaf (built once, in numpy). Explaining a row is then one
compiled pass (numba) over the nodes, parents before children: each node's split decision and the mask
of path features the row satisfies above it, from its parent's. Each leaf's mask ``O`` follows from its
parent's in one step, and its table row is added to the output. That is tens of microseconds a row;
an earlier kernel that rebuilt each leaf's mask from every split on its path took 1.3 to 1.8 times as
long. A batch is walked tree by tree, every row through one tree before the next, so a tree's tables
stay in the cache while all rows read them (row by row, each row reads every table of the model:
megabytes). The result equals ``pred_contrib`` to float64 rounding (tests check 1e-6) in the same
layout: per class a block of ``n_features + 1`` columns, the last one the expected value.

Only numerical splits are supported (every feature of the feature services is numeric); a categorical
split raises. Table size is ``sum_l 2^d * d``: ``max_path_features`` guards against very deep trees.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import factorial

import lightgbm as lgb
import numba
import numpy as np

from models.feature_labels import readable

_MISSING_TYPES = {"None": 0, "Zero": 1, "NaN": 2}
# LightGBM's kZeroThreshold: values this close to 0 count as zero for missing_type=Zero.
_ZERO = 1e-35
# From this many rows a batch is walked tree by tree (tables stay in the cache); fewer, row by row.
TREE_MAJOR_ROWS = 16


@dataclass(frozen=True)
class TreeExplainer:
    n_features: int
    n_classes: int
    # Internal nodes of every tree, each after its parent (a parent of -1: the root of a tree).
    node_feature: np.ndarray
    node_threshold: np.ndarray
    node_default_left: np.ndarray
    # Direction of NaN per node, and whether a node reads values near 0 as missing (type Zero).
    node_nan_left: np.ndarray
    node_zero: np.ndarray
    node_parent: np.ndarray
    node_is_left: np.ndarray  # the node is its parent's left child
    # The bit of the node's feature in the masks of the leaves below it (1 << its position among
    # the distinct features on the path), and whether the path meets that feature here first.
    node_bit: np.ndarray
    node_first: np.ndarray
    # Per leaf: its parent node and side, its first cell in the table, its number of path
    # features d, and where its d output columns start in `slot_column`.
    leaf_parent: np.ndarray
    leaf_is_left: np.ndarray
    leaf_base: np.ndarray
    leaf_width: np.ndarray
    leaf_slot: np.ndarray
    slot_column: np.ndarray
    table: np.ndarray
    bias: np.ndarray
    # Per tabulated tree, where its nodes and leaves start (one more row: the ends).
    tree_start: np.ndarray

    @property
    def n_columns(self) -> int:
        return self.n_classes * (self.n_features + 1)

    def contributions(self, features: np.ndarray) -> np.ndarray:
        """SHAP values like ``booster.predict(x, pred_contrib=True)``: rows x (n_classes * (n_features + 1))."""
        features = np.atleast_2d(np.asarray(features, dtype=np.float64))
        if features.shape[1] != self.n_features:
            raise ValueError(f"expected {self.n_features} features, got {features.shape[1]}")
        out = np.tile(self.bias, (len(features), 1))
        tables = (
            self.node_feature,
            self.node_threshold,
            self.node_default_left,
            self.node_nan_left,
            self.node_zero,
            self.node_parent,
            self.node_is_left,
            self.node_bit,
            self.node_first,
            self.leaf_parent,
            self.leaf_is_left,
            self.leaf_base,
            self.leaf_width,
            self.leaf_slot,
            self.slot_column,
            self.table,
        )
        rows = np.ascontiguousarray(features)
        if len(self.leaf_base) and len(features) >= TREE_MAJOR_ROWS:
            _explain_trees(rows, *tables, self.tree_start, out)
        elif len(self.leaf_base):
            _explain_rows(rows, *tables, out)
        return out


@numba.njit(cache=True, inline="always")
def _goes_left(value, threshold, default_left, nan_left, zero):
    if np.isnan(value):
        return nan_left
    if zero and abs(value) <= _ZERO:
        return default_left
    return value <= threshold


@numba.njit(cache=True, inline="always")
def _child_mask(mask, parent_left, is_left, bit, first):
    # Bit k of a leaf's mask O: the row satisfies every split on the k-th feature of its path. A
    # child inherits its parent's mask; the parent's split sets its feature's bit when the path
    # meets the feature there and the row follows the path, and clears it when the row does not.
    if parent_left == is_left:
        return mask | bit if first else mask
    return mask & ~bit


@numba.njit(cache=True, inline="always")
def _walk(
    x, r, n0, n1, l0, l1, node_feature, node_threshold, node_default_left, node_nan_left, node_zero, node_parent,
    node_is_left, node_bit, node_first, leaf_parent, leaf_is_left, leaf_base, leaf_width, leaf_slot, slot_column,
    table, go_left, mask, cell, sink, prefetch, out,
):  # fmt: skip
    # Parents come before their children, so one pass in node order gives every node's split
    # decision and the mask of path features the row satisfies above it.
    for n in range(n0, n1):
        p = node_parent[n]
        if p < 0:
            mask[n] = 0
        else:
            mask[n] = _child_mask(mask[p], go_left[p], node_is_left[n], node_bit[p], node_first[p])
        go_left[n] = _goes_left(
            x[r, node_feature[n]], node_threshold[n], node_default_left[n], node_nan_left[n], node_zero[n]
        )
    # The leaf's table is 2^d x d, row-major: cell (O, k) at base + O * d + k.
    for leaf in range(l0, l1):
        p = leaf_parent[leaf]
        leaf_mask = _child_mask(mask[p], go_left[p], leaf_is_left[leaf], node_bit[p], node_first[p])
        cell[leaf] = leaf_base[leaf] + leaf_mask * leaf_width[leaf]
    if prefetch:
        # One row's cells are scattered over megabytes of tables: read each leaf's first and last
        # cell in a loop of independent loads first, so the cache misses overlap instead of
        # queueing behind the adds (a quarter less time a row measured). Tree by tree, the
        # tables are already in the cache.
        touched = 0.0
        for leaf in range(l0, l1):
            touched += table[cell[leaf]] + table[cell[leaf] + leaf_width[leaf] - 1]
        sink[0] = touched
    for leaf in range(l0, l1):
        base = cell[leaf]
        slot = leaf_slot[leaf]
        for k in range(leaf_width[leaf]):
            out[r, slot_column[slot + k]] += table[base + k]


@numba.njit(cache=True, nogil=True)
def _explain_trees(
    x, node_feature, node_threshold, node_default_left, node_nan_left, node_zero, node_parent, node_is_left,
    node_bit, node_first, leaf_parent, leaf_is_left, leaf_base, leaf_width, leaf_slot, slot_column, table,
    tree_start, out,
):  # fmt: skip
    # Tree-major: each output cell still adds its terms in leaf order, so the sums are the same
    # bits as row by row.
    go_left = np.empty(len(node_feature), dtype=np.bool_)
    mask = np.empty(len(node_feature), dtype=np.int64)
    cell = np.empty(len(leaf_base), dtype=np.int64)
    sink = np.empty(1)
    for t in range(len(tree_start) - 1):
        n0, n1 = tree_start[t, 0], tree_start[t + 1, 0]
        l0, l1 = tree_start[t, 1], tree_start[t + 1, 1]
        for r in range(x.shape[0]):
            _walk(
                x, r, n0, n1, l0, l1, node_feature, node_threshold, node_default_left, node_nan_left, node_zero,
                node_parent, node_is_left, node_bit, node_first, leaf_parent, leaf_is_left, leaf_base, leaf_width,
                leaf_slot, slot_column, table, go_left, mask, cell, sink, False, out,
            )  # fmt: skip


@numba.njit(cache=True, nogil=True)
def _explain_rows(
    x, node_feature, node_threshold, node_default_left, node_nan_left, node_zero, node_parent, node_is_left,
    node_bit, node_first, leaf_parent, leaf_is_left, leaf_base, leaf_width, leaf_slot, slot_column, table, out,
):  # fmt: skip
    go_left = np.empty(len(node_feature), dtype=np.bool_)
    mask = np.empty(len(node_feature), dtype=np.int64)
    cell = np.empty(len(leaf_base), dtype=np.int64)
    sink = np.empty(1)
    for r in range(x.shape[0]):
        _walk(
            x, r, 0, len(node_feature), 0, len(leaf_base), node_feature, node_threshold, node_default_left,
            node_nan_left, node_zero, node_parent, node_is_left, node_bit, node_first, leaf_parent, leaf_is_left,
            leaf_base, leaf_width, leaf_slot, slot_column, table, go_left, mask, cell, sink, True, out,
        )  # fmt: skip


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
    # Per internal node: feature, threshold, default left, missing type, parent, is left, bit, first.
    nodes: list[tuple[int, float, bool, int, int, bool, int, bool]] = []
    leaf_parent: list[int] = []
    leaf_is_left: list[bool] = []
    leaf_base: list[int] = []
    leaf_width: list[int] = []
    leaf_slot: list[int] = []
    slot_column: list[int] = []
    tables: list[np.ndarray] = []
    table_rows = 0
    bias = np.zeros(n_classes * width)
    tree_start: list[tuple[int, int]] = []

    for info in dump["tree_info"]:
        tree_class = info["tree_index"] % n_classes
        if klass is not None and tree_class != klass:
            continue
        root = info["tree_structure"]
        if "leaf_value" in root:
            bias[tree_class * width + n_features] += root["leaf_value"]
            continue
        tree_start.append((len(nodes), len(leaf_base)))
        # Depth-first walk, each node numbered when reached (after its parent); a path is a list
        # of (node id, went left, feature, zero fraction).
        stack = [(root, [])]
        while stack:
            node, path = stack.pop()
            # The distinct features on the path, in order of first appearance: a leaf's slots.
            on_path = list(dict.fromkeys(feature for _, _, feature, _ in path))
            parent, is_left = (path[-1][0], path[-1][1]) if path else (-1, False)
            if "leaf_value" in node:
                d = len(on_path)
                if d > max_path_features:
                    raise ValueError(f"a leaf has {d} distinct path features; tables would need 2^{d} rows")
                fractions = dict.fromkeys(on_path, 1.0)
                for _, _, feature, fraction in path:
                    fractions[feature] *= fraction
                z = np.array(list(fractions.values()))
                value = float(node["leaf_value"])
                bias[tree_class * width + n_features] += value * float(np.prod(z))
                leaf_parent.append(parent)
                leaf_is_left.append(is_left)
                leaf_base.append(table_rows)
                leaf_width.append(d)
                leaf_slot.append(len(slot_column))
                slot_column.extend(tree_class * width + feature for feature in on_path)
                tables.append(_shapley_table(z, value).ravel())
                table_rows += (1 << d) * d
                continue
            if node.get("decision_type", "<=") != "<=":
                raise ValueError("only numerical splits are supported")
            node_id = len(nodes)
            feature = int(node["split_feature"])
            first = feature not in on_path
            position = len(on_path) if first else on_path.index(feature)
            nodes.append(
                (
                    feature,
                    float(node["threshold"]),
                    bool(node["default_left"]),
                    _MISSING_TYPES[node["missing_type"]],
                    parent,
                    is_left,
                    1 << position,
                    first,
                )
            )
            count = float(node["internal_count"])
            for child, left in ((node["left_child"], True), (node["right_child"], False)):
                child_count = float(child["leaf_count"] if "leaf_value" in child else child["internal_count"])
                stack.append((child, [*path, (node_id, left, feature, child_count / count)]))

    tree_start.append((len(nodes), len(leaf_base)))
    node_array = np.array(nodes, dtype=object).reshape(-1, 8)
    node_threshold = node_array[:, 1].astype(np.float64)
    node_default_left = node_array[:, 2].astype(bool)
    node_missing = node_array[:, 3].astype(np.int64)
    return TreeExplainer(
        n_features=n_features,
        n_classes=n_classes,
        node_feature=node_array[:, 0].astype(np.int64),
        node_threshold=node_threshold,
        node_default_left=node_default_left,
        # With missing type None a NaN is read as 0 and compared with the threshold.
        node_nan_left=np.where(node_missing == 0, 0.0 <= node_threshold, node_default_left),
        node_zero=node_missing == 1,
        node_parent=node_array[:, 4].astype(np.int64),
        node_is_left=node_array[:, 5].astype(bool),
        node_bit=node_array[:, 6].astype(np.int64),
        node_first=node_array[:, 7].astype(bool),
        leaf_parent=np.array(leaf_parent, dtype=np.int64),
        leaf_is_left=np.array(leaf_is_left, dtype=bool),
        leaf_base=np.array(leaf_base, dtype=np.int64),
        leaf_width=np.array(leaf_width, dtype=np.int64),
        leaf_slot=np.array(leaf_slot, dtype=np.int64),
        slot_column=np.array(slot_column, dtype=np.int64),
        table=np.concatenate(tables) if tables else np.zeros(0),
        bias=bias,
        tree_start=np.array(tree_start, dtype=np.int64).reshape(-1, 2),
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
