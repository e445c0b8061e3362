"""The segment language: what it accepts, what it refuses (and how it says so), and that its SQL means
exactly what the expression says, checked against a pandas reference over random audiences in DuckDB."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from serving.segments import (
    SegmentError,
    SegmentSyntaxError,
    SegmentTypeError,
    UnknownIdentifier,
    members,
    parse,
    to_sql,
    to_text,
    vocabulary,
)
from serving.segments.parser import And, Compare, In, Not, Or, Tag
from serving.segments.vocabulary import PREFERENCE_GROUPS, RISK_LEVELS, SCORES, TIERS

TAGS = ["dormant", "holds_fund", "holds_equity", "churn_warning"]
VOCABULARY = vocabulary(TAGS)


def test_the_example_of_the_issue_compiles_to_sql():
    tree = parse("tier in ('T4','T5') and churn_60d > 0.6 and holds_equity and risk_level >= 'C3'", VOCABULARY)
    assert tree == And(
        (
            In("tier", ("T4", "T5")),
            Compare("churn_60d", ">", 0.6),
            Tag("holds_equity"),
            Compare("risk_level", ">=", "C3"),
        )
    )
    assert to_sql(tree, VOCABULARY) == (
        '(("tier_code" IN (4, 5)) AND ("churn_60d" > 0.6) AND ("tag_holds_equity" = 1) AND ("risk_level_code" >= 3))'
    )


def test_precedence_keywords_and_operators():
    assert parse("dormant or holds_fund and not holds_equity", VOCABULARY) == Or(
        (Tag("dormant"), And((Tag("holds_fund"), Not(Tag("holds_equity")))))
    )
    assert parse("(dormant OR holds_fund) AND NOT NOT holds_equity", VOCABULARY) == And(
        (Or((Tag("dormant"), Tag("holds_fund"))), Not(Not(Tag("holds_equity"))))
    )
    assert parse("tier <> 'T1'", VOCABULARY) == parse("tier != 'T1'", VOCABULARY) == Compare("tier", "!=", "T1")
    assert parse("tier == 'T1'", VOCABULARY) == Compare("tier", "=", "T1")
    assert parse("preference_group not in ('wealth_builder_balanced')", VOCABULARY) == In(
        "preference_group", ("wealth_builder_balanced",), negated=True
    )
    assert parse("churn_60d >= .5", VOCABULARY) == Compare("churn_60d", ">=", 0.5)


def test_strings_are_escaped_in_sql():
    from serving.segments.sql import quote_identifier, quote_string

    assert quote_string("o'brien") == "'o''brien'"
    assert quote_identifier('a"b') == '"a""b"'
    # A quote inside a string literal can never end the SQL string: it is refused as an unknown value.
    with pytest.raises(SegmentTypeError, match="is not a tier"):
        parse("tier = 'T1'' or 1=1 --'", VOCABULARY)


@pytest.mark.parametrize(
    ("text", "error", "message", "position"),
    [
        ("", SegmentSyntaxError, "the expression is empty", 1),
        ("   ", SegmentSyntaxError, "the expression is empty", 1),
        (
            "holds_equity_fund",
            UnknownIdentifier,
            "unknown identifier 'holds_equity_fund'; did you mean 'holds_equity'",
            1,
        ),
        ("dormant and wealthy", UnknownIdentifier, "unknown identifier 'wealthy'", 13),
        ("(dormant", SegmentSyntaxError, "expected ')' to close the '(' at character 1", 9),
        ("dormant and", SegmentSyntaxError, "expected a tag or a field name but found the end", 12),
        (
            "dormant holds_fund",
            SegmentSyntaxError,
            "expected 'and', 'or' or the end of the expression but found 'holds_fund'",
            9,
        ),
        ("dormant)", SegmentSyntaxError, "found ')'", 8),
        ("dormant & holds_fund", SegmentSyntaxError, "unexpected character '&'", 9),
        ('tier = "T4"', SegmentSyntaxError, "single quotes", 8),
        ("tier = 'T4", SegmentSyntaxError, "unterminated string", 8),
        ("tier >", SegmentSyntaxError, "expected a value ('text' or a number) after '>'", 7),
        ("tier in 'T4'", SegmentSyntaxError, "expected '(' to open the list after 'in'", 9),
        ("tier in ('T4' 'T5')", SegmentSyntaxError, "expected ',' or ')' to close the list", 15),
        ("tier in ()", SegmentSyntaxError, "expected a value", 10),
        ("0.5 < churn_60d", SegmentSyntaxError, "expected a tag or a field name but found '0.5'", 1),
        ("tier", SegmentTypeError, "'tier' is not a tag: compare it", 1),
        ("churn_60d", SegmentTypeError, "'churn_60d' is not a tag: compare it, e.g. churn_60d > 0.5", 1),
        ("dormant = 1", SegmentTypeError, "'dormant' is a tag: use it alone or with 'not'", 1),
        ("dormant in (1)", SegmentTypeError, "'dormant' is a tag", 1),
        ("tier = 'T9'", SegmentTypeError, "'T9' is not a tier (one of T1, T2, T3, T4, T5)", 8),
        ("tier >= 4", SegmentTypeError, "4 is not a tier", 9),
        ("risk_level >= 'R3'", SegmentTypeError, "'R3' is not a risk_level", 15),
        ("preference_group = 'rich'", SegmentTypeError, "'rich' is not a preference_group", 20),
        ("preference_group > 'wealth_builder_balanced'", SegmentTypeError, "'preference_group' has no order", 1),
        ("churn_60d > 'high'", SegmentTypeError, "'churn_60d' is compared with numbers, not 'high'", 13),
        ("churn_60d > 1e999", SegmentTypeError, "1e999 is not a finite number", 13),
    ],
)
def test_every_error_names_what_is_wrong_and_where(text, error, message, position):
    with pytest.raises(error) as raised:
        parse(text, VOCABULARY)
    assert message in raised.value.message
    assert raised.value.position == position
    assert f"(at character {position})" in str(raised.value)


def test_limits_are_errors_not_crashes():
    with pytest.raises(SegmentSyntaxError, match="longer than"):
        parse("dormant or " * 1000 + "dormant", VOCABULARY)
    with pytest.raises(SegmentSyntaxError, match="nested deeper"):
        parse("(" * 200 + "dormant" + ")" * 200, VOCABULARY)
    with pytest.raises(SegmentSyntaxError, match="'not' in a row"):
        parse("not " * 200 + "dormant", VOCABULARY)
    with pytest.raises(SegmentSyntaxError, match="must be text"):
        parse(None, VOCABULARY)


def test_a_tag_named_like_a_field_is_refused():
    with pytest.raises(ValueError, match="tag 'tier' has the name of a segment field"):
        vocabulary(["tier"])


# --- properties -------------------------------------------------------------------------------

NUMBERS = st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.6, 0.75, 1.0, 3.0, 7.0])
OPS = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])


def _leaves() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(TAGS).map(Tag),
        st.builds(Compare, st.sampled_from([*SCORES, "preference_group_code"]), OPS, NUMBERS),
        st.builds(Compare, st.just("tier"), OPS, st.sampled_from(TIERS)),
        st.builds(Compare, st.just("risk_level"), OPS, st.sampled_from(RISK_LEVELS)),
        st.builds(
            Compare, st.just("preference_group"), st.sampled_from(["=", "!="]), st.sampled_from(PREFERENCE_GROUPS)
        ),
        st.builds(
            In, st.just("tier"), st.lists(st.sampled_from(TIERS), min_size=1, max_size=3).map(tuple), st.booleans()
        ),
        st.builds(
            In,
            st.just("risk_level"),
            st.lists(st.sampled_from(RISK_LEVELS), min_size=1, max_size=3).map(tuple),
            st.booleans(),
        ),
        st.builds(
            In,
            st.just("preference_group"),
            st.lists(st.sampled_from(PREFERENCE_GROUPS), min_size=1, max_size=3).map(tuple),
            st.booleans(),
        ),
    )


TREES = st.recursive(
    _leaves(),
    lambda inner: st.one_of(
        inner.map(Not),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: And(tuple(xs))),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: Or(tuple(xs))),
    ),
    max_leaves=8,
)


def _audience(rows: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"client_id": [f"C{i:07d}" for i in range(rows)]})
    frame["tier_code"] = rng.integers(1, 6, rows)
    frame["risk_level_code"] = rng.integers(0, 6, rows)  # 0: no valid assessment
    frame["preference_group"] = rng.choice(PREFERENCE_GROUPS, rows)
    frame["preference_group_code"] = rng.integers(1, 16, rows)
    for score in SCORES:
        frame[score] = rng.choice([0.0, 0.1, 0.25, 0.5, 0.6, 0.75, 1.0, 0.33], rows)
    for tag in TAGS:
        frame[f"tag_{tag}"] = rng.integers(0, 2, rows)
    return frame


AUDIENCE = _audience()
DUCK = duckdb.connect()
DUCK.register("audience", AUDIENCE)


@pytest.mark.property
@given(TREES)
def test_text_round_trips_through_the_parser(tree):
    assert parse(to_text(tree), VOCABULARY) == tree


@pytest.mark.property
@given(TREES)
def test_compiled_sql_selects_exactly_the_reference_members(tree):
    sql = to_sql(tree, VOCABULARY)
    selected = {row[0] for row in DUCK.execute(f"select client_id from audience where {sql}").fetchall()}
    expected = set(AUDIENCE.loc[members(tree, AUDIENCE, VOCABULARY), "client_id"])
    assert selected == expected


@pytest.mark.property
@given(st.text(alphabet=st.sampled_from(list("()',=<>!. \"-_andortierinchu0123456789T")), max_size=40))
def test_any_text_parses_or_raises_a_segment_error(text):
    try:
        tree = parse(text, VOCABULARY)
    except SegmentError as error:
        assert error.message
    else:
        assert parse(to_text(tree), VOCABULARY) == tree
