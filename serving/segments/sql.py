"""A checked segment tree as portable SQL (a WHERE condition over the audience table) and back to text.

Identifiers are double-quoted, strings single-quoted with quotes doubled, numbers written with
``repr`` (finite by construction): nothing of the user's text reaches the SQL unescaped. Ordered
labels (tiers, risk levels) compare through their integer codes, so ``risk_level >= 'C3'`` is
``"risk_level_code" >= 3`` and a client without a valid assessment (code 0) never matches it.
"""

from __future__ import annotations

from serving.segments.parser import And, Compare, In, Node, Not, Tag
from serving.segments.vocabulary import Kind, Vocabulary


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _sql_value(node_field, value) -> str:
    if node_field.kind is Kind.ORDERED:
        return str(node_field.code(value))
    if node_field.kind is Kind.CATEGORY:
        return quote_string(value)
    return _number(value)


def to_sql(node: Node, vocabulary: Vocabulary) -> str:
    """The SQL condition of a tree ``parse`` returned with the same vocabulary."""
    if isinstance(node, Tag):
        return f"({quote_identifier(vocabulary.get(node.name).column)} = 1)"
    if isinstance(node, Compare):
        known = vocabulary.get(node.field)
        op = "<>" if node.op == "!=" else node.op
        return f"({quote_identifier(known.column)} {op} {_sql_value(known, node.value)})"
    if isinstance(node, In):
        known = vocabulary.get(node.field)
        values = ", ".join(_sql_value(known, v) for v in node.values)
        return f"({quote_identifier(known.column)} {'NOT IN' if node.negated else 'IN'} ({values}))"
    if isinstance(node, Not):
        return f"(NOT {to_sql(node.operand, vocabulary)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    return "(" + joiner.join(to_sql(operand, vocabulary) for operand in node.operands) + ")"


def _text_value(value: str | float) -> str:
    return quote_string(value) if isinstance(value, str) else _number(value)


def to_text(node: Node) -> str:
    """The expression of a tree, fully parenthesized: ``parse(to_text(tree))`` gives the tree back."""
    if isinstance(node, Tag):
        return node.name
    if isinstance(node, Compare):
        return f"{node.field} {node.op} {_text_value(node.value)}"
    if isinstance(node, In):
        values = ", ".join(_text_value(v) for v in node.values)
        return f"{node.field} {'not in' if node.negated else 'in'} ({values})"
    if isinstance(node, Not):
        return f"not ({to_text(node.operand)})"
    joiner = " and " if isinstance(node, And) else " or "
    return "(" + joiner.join(to_text(operand) for operand in node.operands) + ")"
