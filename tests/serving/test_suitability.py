"""The suitability rule, by example and by property (depth: WEALTHPULSE_HYPOTHESIS_PROFILE)."""

import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serving.suitability import (
    HIGHEST_RATING,
    LOWEST_RATING,
    Suitability,
    allowed_rating,
    assess,
    is_suitable,
    parse_rating,
    rating_label,
    suitable_products,
)


@dataclass(frozen=True)
class Item:
    product_id: str
    risk_rating: object


# What the online store may hand over: codes as floats, None, NaN, and values that are no level.
risk_codes = st.one_of(
    st.none(),
    st.integers(min_value=-3, max_value=9),
    st.integers(min_value=-3, max_value=9).map(float),
    st.floats(allow_nan=True, allow_infinity=True),
)
validity = st.one_of(st.booleans(), st.none(), st.sampled_from([0, 1, 0.0, 1.0, 0.5, math.nan, 2]))
ratings = st.one_of(
    st.sampled_from(["R1", "R2", "R3", "R4", "R5", "r3", " R2 ", "R0", "R6", "R", "", "C3", "R10"]),
    st.integers(min_value=-2, max_value=8),
    st.none(),
    st.text(max_size=4),
)


def _level(code) -> int | None:
    if code is None or isinstance(code, bool) or not math.isfinite(code) or code != int(code):
        return None
    return int(code) if 1 <= int(code) <= 5 else None


@pytest.mark.parametrize(
    ("code", "valid", "allowed", "reassess"),
    [
        (3, True, 3, False),
        (5.0, 1.0, 5, False),
        (1, True, 1, False),
        (4, False, 1, True),
        (4, 0.0, 1, True),
        (0, True, 1, True),
        (None, True, 1, True),
        (math.nan, 1.0, 1, True),
        (2, None, 1, True),
        (2.5, True, 1, True),
        (6, True, 1, True),
    ],
)
def test_allowance_by_example(code, valid, allowed, reassess):
    assert assess(code, valid) == Suitability(allowed_rating=allowed, needs_reassessment=reassess)
    assert allowed_rating(code, valid) == allowed


def test_ratings_parse_strictly():
    assert [parse_rating(f"R{k}") for k in range(1, 6)] == [1, 2, 3, 4, 5]
    assert parse_rating(" r4 ") == 4
    assert parse_rating(3) == 3
    for bad in ("R0", "R6", "3", "C3", "", None, True, 0, 6, 2.0):
        assert parse_rating(bad) is None
    assert rating_label(2) == "R2"
    with pytest.raises(ValueError):
        rating_label(7)


def test_unknown_ratings_are_never_suitable():
    assert is_suitable("R3", 3) and is_suitable("R1", 1)
    assert not is_suitable("R4", 3)
    assert not is_suitable("R9", 5) and not is_suitable(None, 5) and not is_suitable("", 5)


@pytest.mark.property
@given(code=risk_codes, valid=validity)
def test_allowance_is_the_level_only_with_a_valid_assessment(code, valid):
    result = assess(code, valid)
    assert LOWEST_RATING <= result.allowed_rating <= HIGHEST_RATING
    explicit_yes = valid is True or (not isinstance(valid, bool) and valid is not None and valid == 1)
    level = _level(code)
    if level is not None and explicit_yes:
        assert result == Suitability(level, needs_reassessment=False)
    else:
        assert result == Suitability(LOWEST_RATING, needs_reassessment=True)


@pytest.mark.property
@given(code=risk_codes, valid=validity, rating=ratings)
def test_nothing_above_the_clients_level_is_ever_suitable(code, valid, rating):
    allowed = allowed_rating(code, valid)
    if is_suitable(rating, allowed):
        parsed = parse_rating(rating)
        assert parsed is not None and parsed <= allowed
        # The regulatory rule itself: up to Rk for a valid Ck, R1 otherwise.
        level = _level(code)
        assert parsed == 1 or (level is not None and parsed <= level and not assess(code, valid).needs_reassessment)


@pytest.mark.property
@given(allowed=st.integers(min_value=1, max_value=5), rating=st.integers(min_value=1, max_value=5))
def test_every_rating_up_to_the_allowance_is_suitable(allowed, rating):
    assert is_suitable(rating, allowed) == (rating <= allowed)
    assert is_suitable(f"R{rating}", allowed) == (rating <= allowed)


@pytest.mark.property
@given(
    products=st.lists(st.builds(Item, st.text(max_size=3), ratings), max_size=20),
    allowed=st.integers(min_value=0, max_value=6),
)
def test_suitable_products_is_the_ordered_suitable_subset(products, allowed):
    chosen = suitable_products(products, allowed)
    assert chosen == [p for p in products if is_suitable(p.risk_rating, allowed)]
    assert all(parse_rating(p.risk_rating) <= allowed for p in chosen)
