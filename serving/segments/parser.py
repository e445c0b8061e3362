"""A segment expression, parsed by hand (no ``eval``) into a small tree checked against the vocabulary.

Grammar (keywords ``and or not in`` in any case)::

    expression := conjunction ("or" conjunction)*
    conjunction := negation ("and" negation)*
    negation   := "not" negation | primary
    primary    := "(" expression ")" | NAME [comparison]
    comparison := ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") literal
                | ["not"] "in" "(" literal ("," literal)* ")"
    literal    := 'single-quoted string' ('' escapes a quote) | number

A bare NAME must be a tag; a NAME followed by a comparison must be a field or a score.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass

from serving.segments.errors import SegmentSyntaxError, SegmentTypeError, UnknownIdentifier
from serving.segments.vocabulary import Field, Kind, Vocabulary

MAX_LENGTH = 4000
MAX_DEPTH = 64
KEYWORDS = frozenset({"and", "or", "not", "in"})
OPERATORS = ("<=", ">=", "!=", "<>", "=", "<", ">")
ORDERING = frozenset({"<", "<=", ">", ">="})

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>-?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<string>'(?:[^']|'')*')
      | (?P<op><=|>=|!=|<>|==|=|<|>)
      | (?P<punct>[(),])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # name, keyword, number, string, op, punct, end
    text: str
    position: int  # 1-based
    value: str | float | None = None


@dataclass(frozen=True)
class Tag:
    name: str


@dataclass(frozen=True)
class Compare:
    field: str
    op: str  # = != < <= > >=
    value: str | float


@dataclass(frozen=True)
class In:
    field: str
    values: tuple[str | float, ...]
    negated: bool = False


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class And:
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    operands: tuple[Node, ...]


Node = Tag | Compare | In | Not | And | Or


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    at = 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            char = text[at]
            if char == "'":
                raise SegmentSyntaxError("unterminated string: a closing ' is missing", at + 1)
            if char == '"':
                raise SegmentSyntaxError("strings use single quotes ('T4'), not double quotes", at + 1)
            raise SegmentSyntaxError(f"unexpected character {char!r}", at + 1)
        kind, raw = match.lastgroup, match.group()
        if kind == "name" and raw.lower() in KEYWORDS:
            tokens.append(Token("keyword", raw.lower(), at + 1))
        elif kind == "number":
            tokens.append(Token("number", raw, at + 1, float(raw)))
        elif kind == "string":
            tokens.append(Token("string", raw, at + 1, raw[1:-1].replace("''", "'")))
        elif kind == "op":
            tokens.append(Token("op", "=" if raw == "==" else "!=" if raw == "<>" else raw, at + 1))
        elif kind != "space":
            tokens.append(Token(kind, raw, at + 1))
        at = match.end()
    tokens.append(Token("end", "end of expression", len(text) + 1))
    return tokens


def _describe(token: Token) -> str:
    return "the end of the expression" if token.kind == "end" else repr(token.text)


class _Parser:
    def __init__(self, text: str, vocabulary: Vocabulary) -> None:
        self.tokens = tokenize(text)
        self.at = 0
        self.vocabulary = vocabulary
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def keyword(self, word: str) -> bool:
        if self.token.kind == "keyword" and self.token.text == word:
            self.at += 1
            return True
        return False

    def expect(self, text: str, what: str) -> None:
        if self.token.text != text or self.token.kind not in ("punct", "keyword"):
            raise SegmentSyntaxError(f"expected {what} but found {_describe(self.token)}", self.token.position)
        self.at += 1

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise SegmentSyntaxError("the expression is empty", 1)
        node = self.expression()
        if self.token.kind != "end":
            raise SegmentSyntaxError(
                f"expected 'and', 'or' or the end of the expression but found {_describe(self.token)}",
                self.token.position,
            )
        return node

    def expression(self) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise SegmentSyntaxError(f"nested deeper than {MAX_DEPTH} levels", self.token.position)
        operands = [self.conjunction()]
        while self.keyword("or"):
            operands.append(self.conjunction())
        self.depth -= 1
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.negation()]
        while self.keyword("and"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def negation(self) -> Node:
        nots = 0
        while self.keyword("not"):
            nots += 1
            if nots > MAX_DEPTH:
                raise SegmentSyntaxError(f"more than {MAX_DEPTH} 'not' in a row", self.token.position)
        node = self.primary()
        for _ in range(nots):
            node = Not(node)
        return node

    def primary(self) -> Node:
        token = self.token
        if token.kind == "punct" and token.text == "(":
            self.take()
            node = self.expression()
            self.expect(")", f"')' to close the '(' at character {token.position}")
            return node
        if token.kind != "name":
            raise SegmentSyntaxError(f"expected a tag or a field name but found {_describe(token)}", token.position)
        self.take()
        known = self.known(token)
        follows = self.token
        if follows.kind == "op":
            return self.comparison(known, token)
        if follows.kind == "keyword" and follows.text in ("in", "not") and self.is_membership():
            return self.membership(known, token)
        if known.kind is not Kind.TAG:
            raise SegmentTypeError(f"{known.name!r} is not a tag: compare it, e.g. {_example(known)}", token.position)
        return Tag(known.name)

    def is_membership(self) -> bool:
        if self.token.text == "in":
            return True
        following = self.tokens[self.at + 1]
        return following.kind == "keyword" and following.text == "in"

    def known(self, token: Token) -> Field:
        known = self.vocabulary.get(token.text)
        if known is None:
            close = difflib.get_close_matches(token.text, self.vocabulary.names, n=1)
            raise UnknownIdentifier(token.text, token.position, close[0] if close else None)
        return known

    def literal(self, after: str) -> Token:
        token = self.take()
        if token.kind not in ("string", "number"):
            raise SegmentSyntaxError(
                f"expected a value ('text' or a number) after {after!r} but found {_describe(token)}", token.position
            )
        return token

    def comparison(self, known: Field, name: Token) -> Node:
        op = self.take().text
        if known.kind is Kind.TAG:
            raise SegmentTypeError(
                f"{known.name!r} is a tag: use it alone or with 'not', not with {op!r}", name.position
            )
        if known.kind is Kind.CATEGORY and op in ORDERING:
            raise SegmentTypeError(f"{known.name!r} has no order: use =, != or in", name.position)
        value = _check_value(known, self.literal(op))
        return Compare(known.name, op, value)

    def membership(self, known: Field, name: Token) -> Node:
        negated = self.keyword("not")
        self.keyword("in")
        if known.kind is Kind.TAG:
            raise SegmentTypeError(f"{known.name!r} is a tag: use it alone or with 'not', not with 'in'", name.position)
        self.expect("(", "'(' to open the list after 'in'")
        values = [_check_value(known, self.literal("in ("))]
        while self.token.kind == "punct" and self.token.text == ",":
            self.take()
            values.append(_check_value(known, self.literal(",")))
        self.expect(")", "',' or ')' to close the list")
        return In(known.name, tuple(values), negated)


def _example(known: Field) -> str:
    if known.kind is Kind.NUMBER:
        return f"{known.name} > 0.5"
    return f"{known.name} = '{known.values[-1]}'"


def _check_value(known: Field, token: Token) -> str | float:
    if known.kind is Kind.NUMBER:
        if token.kind != "number":
            raise SegmentTypeError(f"{known.name!r} is compared with numbers, not {token.text}", token.position)
        if not math.isfinite(token.value):
            raise SegmentTypeError(f"{token.text} is not a finite number", token.position)
        return float(token.value)
    if token.kind != "string" or token.value not in known.values:
        allowed = ", ".join(known.values) if len(known.values) <= 5 else f"{known.values[0]} ... {known.values[-1]}"
        raise SegmentTypeError(f"{token.text} is not a {known.name} (one of {allowed})", token.position)
    return token.value


def parse(text: str, vocabulary: Vocabulary) -> Node:
    """The checked tree of a segment expression; SegmentError (naming what and where) when it is not valid."""
    if not isinstance(text, str):
        raise SegmentSyntaxError(f"the expression must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise SegmentSyntaxError(f"the expression is longer than {MAX_LENGTH} characters")
    return _Parser(text, vocabulary).parse()
