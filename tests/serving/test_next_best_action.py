"""Next-best-action: ranking, k, channels, and never an unsuitable product."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from serving.next_best_action import (
    CHANNEL_BY_TIER,
    NEED_CODES,
    REASSESSMENT_REASON,
    Product,
    channel_for_tier,
    next_best_actions,
    offered_product,
)
from serving.suitability import Suitability, assess, parse_rating

CATALOG = [
    Product("P001", "Money market fund", "fund", "R1", "fixed_income"),
    Product("P002", "Bond fund", "fund", "R2", "fixed_income"),
    Product("P003", "Equity index fund", "fund", "R3", "equity_fund"),
    Product("P004", "Sector equity fund", "fund", "R4", "equity_fund"),
    Product("P005", "Margin account", "credit", "R4", "margin_financing"),
    Product("P006", "Index options", "derivative", "R5", "options"),
    Product("P007", "Advisory subscription", "service", "R1", "advisory"),
]
NEEDS = {"equity_fund": 0.6, "fixed_income": 0.3, "margin_financing": 0.8, "options": 0.9, "advisory": 0.1}


def test_conservative_client_gets_only_what_fits():
    actions = next_best_actions(NEEDS, Suitability(2, False), "T4", CATALOG, k=10)
    assert [a.need for a in actions] == ["fixed_income", "advisory"]
    assert [p.product_id for p in actions[0].products] == ["P001", "P002"]
    assert all(a.channel == "advisor_call" for a in actions)
    assert all(a.reasons == () for a in actions)


def test_aggressive_client_ranked_by_score_and_cut_at_k():
    actions = next_best_actions(NEEDS, Suitability(5, False), "T3", CATALOG, k=3)
    assert [(a.need, a.score) for a in actions] == [("options", 0.9), ("margin_financing", 0.8), ("equity_fund", 0.6)]
    assert {a.channel for a in actions} == {"advisor_chat"}


def test_missing_assessment_offers_r1_and_asks_for_reassessment():
    actions = next_best_actions(NEEDS, assess(0, False), "T1", CATALOG, k=5)
    assert [a.need for a in actions] == ["fixed_income", "advisory"]
    assert all(p.risk_rating == "R1" for a in actions for p in a.products)
    assert all(REASSESSMENT_REASON in a.reasons and a.channel == "app_push" for a in actions)


def test_unusable_scores_and_bad_k_are_handled():
    needs = {"fixed_income": math.nan, "advisory": 1.5, "equity_fund": "x", "options": 0.2}
    assert [a.need for a in next_best_actions(needs, Suitability(5, False), "T2", CATALOG)] == ["options"]
    with pytest.raises(ValueError, match="k must be"):
        next_best_actions(NEEDS, Suitability(5, False), "T2", CATALOG, k=0)


def test_channels_by_tier():
    assert [channel_for_tier(t) for t in ("T5", "T4", "T3", "T2", "T1")] == [
        "advisor_call",
        "advisor_call",
        "advisor_chat",
        "app_push",
        "app_push",
    ]
    assert channel_for_tier(None) == channel_for_tier("T9") == "app_push"
    assert channel_for_tier("t5") == "advisor_call"


def test_offered_product_shows_id_name_and_rating_only():
    assert offered_product(CATALOG[1]) == {"product_id": "P002", "product_name": "Bond fund", "risk_rating": "R2"}


products = st.builds(
    Product,
    product_id=st.text(min_size=1, max_size=4),
    product_name=st.text(max_size=6),
    product_type=st.sampled_from(["fund", "bond", "credit", "derivative", "service"]),
    risk_rating=st.sampled_from(["R1", "R2", "R3", "R4", "R5", "R6", "R0", "", "r2"]),
    need_code=st.sampled_from([*NEED_CODES, "unknown_need"]),
)
need_scores = st.dictionaries(
    st.sampled_from([*NEED_CODES, "unknown_need"]),
    st.one_of(st.floats(min_value=0, max_value=1), st.floats(allow_nan=True, allow_infinity=True)),
)


@pytest.mark.property
@given(
    needs=need_scores,
    code=st.integers(min_value=-1, max_value=7),
    valid=st.booleans(),
    tier=st.one_of(st.none(), st.sampled_from(["T1", "T2", "T3", "T4", "T5", "T0", "x"])),
    catalog=st.lists(products, max_size=25),
    k=st.integers(min_value=1, max_value=10),
    max_products=st.integers(min_value=1, max_value=5),
)
def test_actions_are_suitable_ranked_and_at_most_k(needs, code, valid, tier, catalog, k, max_products):
    suitability = assess(code, valid)
    actions = next_best_actions(needs, suitability, tier, catalog, k=k, max_products=max_products)
    assert len(actions) <= k
    assert len({a.need for a in actions}) == len(actions)
    scores = [a.score for a in actions]
    assert scores == sorted(scores, reverse=True)
    for action in actions:
        assert 0.0 <= action.score <= 1.0 and action.score == float(needs[action.need])
        assert 1 <= len(action.products) <= max_products
        for product in action.products:
            rating = parse_rating(product.risk_rating)
            assert rating is not None and rating <= suitability.allowed_rating
            assert product.need_code == action.need and product in catalog
        assert action.channel == CHANNEL_BY_TIER.get(tier or "", "app_push")
        assert (REASSESSMENT_REASON in action.reasons) == suitability.needs_reassessment
    # Nothing left out that ranks above the last one returned.
    offered = {a.need for a in actions}
    servable = {
        need
        for need, score in needs.items()
        if math.isfinite(score)
        and 0 <= score <= 1
        and any(
            p.need_code == need and (parse_rating(p.risk_rating) or 9) <= suitability.allowed_rating for p in catalog
        )
    }
    assert len(actions) == min(k, len(servable))
    if actions:
        assert all(needs[n] <= actions[-1].score for n in servable - offered)
