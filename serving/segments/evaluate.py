"""The meaning of a segment tree over an audience frame, in pandas: the reference the SQL is checked against.

The asset check recounts every segment with it, and the property tests prove the compiled SQL,
run by DuckDB, selects exactly these rows.
"""

from __future__ import annotations

import operator

import pandas as pd

from serving.segments.parser import And, Compare, In, Node, Not, Tag
from serving.segments.vocabulary import Kind, Vocabulary

_OPS = {"=": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def members(node: Node, audience: pd.DataFrame, vocabulary: Vocabulary) -> pd.Series:
    """A boolean mask over the audience rows."""
    if isinstance(node, Tag):
        return audience[vocabulary.get(node.name).column] == 1
    if isinstance(node, Compare | In):
        known = vocabulary.get(node.field)
        column = audience[known.column]
        values = node.values if isinstance(node, In) else (node.value,)
        if known.kind is Kind.ORDERED:
            values = tuple(known.code(v) for v in values)
        if isinstance(node, Compare):
            return _OPS[node.op](column, values[0]).fillna(False).astype(bool)
        inside = column.isin(values)
        return ~inside if node.negated else inside
    if isinstance(node, Not):
        return ~members(node.operand, audience, vocabulary)
    masks = [members(operand, audience, vocabulary) for operand in node.operands]
    combined = masks[0]
    for mask in masks[1:]:
        combined = (combined & mask) if isinstance(node, And) else (combined | mask)
    return combined
