"""The precision and queue rules of the lead list: thresholds per need, leads carried from one day to the
next, one lead per client and need, and the suitability check that fails closed."""

import math
from datetime import date, timedelta

import pandas as pd
import pytest

from serving.lead_rules import DEFAULT_RULES, NEEDS, LeadRules
from serving.leads import build_leads, day_figures, open_leads, suitability_breaches

DAY1 = date(2025, 11, 27)
DAY2 = DAY1 + timedelta(days=1)
PRODUCTS = pd.DataFrame({"product_id": ["P1", "P2"], "need": ["equity_fund", "options"], "risk_rating": ["R2", "R3"]})
OPEN = dict.fromkeys(NEEDS, 0.0)
# Expected conversion by score band: equity leads rank by their band, every other need expects 0.1.
BANDS = {
    **dict.fromkeys(NEEDS, ((0.0, 0.1),)),
    "equity_fund": ((0.9, 0.5), (0.75, 0.4), (0.65, 0.3), (0.55, 0.2), (0.0, 0.1)),
}


def _clients(ids, advisor="A0001"):
    return pd.DataFrame(
        {
            "client_id": ids,
            "advisor_id": advisor,
            "value_tier": "T3",
            "allowed_rating": 5,
            "needs_reassessment": False,
        }
    )


def _scores(probabilities: dict[str, float], need="equity_fund"):
    return pd.DataFrame({"client_id": list(probabilities), "need": need, "probability": list(probabilities.values())})


def test_a_lead_only_where_the_need_reaches_its_threshold():
    clients = _clients(["C1", "C2", "C3"])
    scores = pd.concat(
        [_scores({"C1": 0.30, "C2": 0.10, "C3": 0.05}), _scores({"C1": 0.06, "C2": 0.04, "C3": 0.0}, "options")]
    )
    rules = LeadRules(thresholds={**OPEN, "equity_fund": 0.10, "options": 0.05})
    leads = build_leads(scores, clients, PRODUCTS, DAY1, rules=rules)
    # At or above each need's own threshold: equity 0.30 and 0.10, options 0.06; nothing else.
    assert sorted(zip(leads["client_id"], leads["need"], strict=True)) == [
        ("C1", "equity_fund"),
        ("C1", "options"),
        ("C2", "equity_fund"),
    ]
    # A need closed by an infinite threshold makes no lead at all.
    closed = build_leads(scores, clients, PRODUCTS, DAY1, rules=LeadRules(thresholds={**OPEN, "options": math.inf}))
    assert set(closed["need"]) == {"equity_fund"}


def test_the_rules_name_what_is_missing_or_wrong():
    with pytest.raises(ValueError, match="thresholds has no value for options"):
        LeadRules(thresholds={n: 0.1 for n in NEEDS if n != "options"})
    with pytest.raises(ValueError, match="capacity_per_advisor"):
        LeadRules(capacity_per_advisor=0)
    with pytest.raises(ValueError, match="thresholds of advisory"):
        LeadRules(thresholds={**OPEN, "advisory": -0.1})
    # The shipped defaults: every need has a threshold, and it lets through fewer than all scores.
    assert set(DEFAULT_RULES.thresholds) == set(NEEDS) and all(t > 0 for t in DEFAULT_RULES.thresholds.values())


def test_expected_conversion_is_the_bands_and_priority_is_its_expected_value_not_the_raw_score():
    bands = {**dict.fromkeys(NEEDS, ((0.0, 0.1),)), "options": ((0.5, 0.4), (0.1, 0.3))}
    rules = LeadRules(thresholds=OPEN, conversion_bands=bands, capacity_per_advisor=1)
    clients = _clients(["C1", "C2"])
    scores = pd.concat([_scores({"C1": 0.9, "C2": 0.5}), _scores({"C1": 0.2}, "options")])
    leads = build_leads(scores, clients, PRODUCTS, DAY1, rules=rules)
    figures = day_figures(leads, clients=2)
    assert figures.loc["equity_fund", "expected_conversions"] == pytest.approx(0.2)
    assert figures.loc["options", "expected_conversions"] == pytest.approx(0.3)
    assert figures.loc["equity_fund", "per_1000_clients"] == 1000.0
    # The options lead scores 0.2 against equity's 0.9, but is expected to convert at 0.3 against 0.1:
    # 0.3 x 1,200 yuan beats 0.1 x 1,500, so it is the advisor's one lead of the day.
    first = leads.iloc[0]
    assert (first["client_id"], first["need"], first["assignment"]) == ("C1", "options", "advisor")
    assert first["expected_value"] == pytest.approx(0.3 * 1200.0)
    assert set(leads.loc[leads["need"] == "equity_fund", "assignment"]) == {"deferred"}


def test_deferred_leads_queue_into_the_next_day_against_new_ones():
    rules = LeadRules(thresholds=OPEN, conversion_bands=BANDS, capacity_per_advisor=2, expiry_days=7)
    clients = _clients(["C1", "C2", "C3", "C4", "C5"])
    day1 = build_leads(_scores({"C1": 0.9, "C2": 0.8, "C3": 0.7, "C4": 0.6}), clients, PRODUCTS, DAY1, rules=rules)
    assert day1.set_index("client_id")["assignment"].to_dict() == {
        "C1": "advisor",
        "C2": "advisor",
        "C3": "deferred",
        "C4": "deferred",
    }
    # Day 2: C1 was worked (a contact on its need), C5 is new and worth more than C3 and C4; C2 was not worked.
    # The scores of day 2 hold C2 to C4 again (the same need), which must not make second leads.
    contacts = pd.DataFrame({"client_id": ["C1"], "need": ["equity_fund"], "contacted_on": [DAY1]})
    scores2 = _scores({"C2": 0.5, "C3": 0.7, "C4": 0.6, "C5": 0.95})
    day2 = build_leads(scores2, clients, PRODUCTS, DAY2, contacts=contacts, rules=rules, previous=day1)
    assert not day2.duplicated(["client_id", "need"]).any()
    assert day2["client_id"].tolist() == ["C5", "C3", "C4", "C2"]  # by today's expected value
    assert day2["assignment"].tolist() == ["advisor", "advisor", "deferred", "deferred"]
    by_client = day2.set_index("client_id")
    before = day1.set_index("client_id")
    for carried in ("C2", "C3", "C4"):
        assert by_client.at[carried, "lead_id"] == before.at[carried, "lead_id"]
        assert by_client.at[carried, "opened_on"] == DAY1
        assert by_client.at[carried, "expires_on"] == DAY1 + timedelta(days=7)
        assert f"open since {DAY1.isoformat()}" in by_client.at[carried, "reasons"]
    assert by_client.at["C2", "probability"] == 0.5  # weighed by today's score, not yesterday's 0.8
    assert by_client.at["C5", "opened_on"] == DAY2 and by_client.at["C5", "lead_date"] == DAY2
    assert (day2["lead_date"] == DAY2).all()


def test_a_carried_lead_keeps_its_place_without_a_new_score_and_lapses_at_expiry():
    rules = LeadRules(thresholds=OPEN, conversion_bands=BANDS, capacity_per_advisor=5, expiry_days=2)
    clients = _clients(["C1", "C2"])
    day1 = build_leads(_scores({"C1": 0.4, "C2": 0.3}), clients, PRODUCTS, DAY1, rules=rules)
    # No score at all on day 2: the open leads stay, with their own probability.
    day2 = build_leads(_scores({}), clients, PRODUCTS, DAY2, rules=rules, previous=day1)
    assert day2["client_id"].tolist() == ["C1", "C2"] and day2["probability"].tolist() == [0.4, 0.3]
    # Expiring two days after opening: still open on day 3, gone on day 4 (and free to open again).
    day3 = build_leads(_scores({}), clients, PRODUCTS, DAY1 + timedelta(days=2), rules=rules, previous=day2)
    assert len(day3) == 2
    day4 = build_leads(_scores({"C1": 0.4}), clients, PRODUCTS, DAY1 + timedelta(days=3), rules=rules, previous=day3)
    assert day4["client_id"].tolist() == ["C1"] and day4.at[0, "opened_on"] == DAY1 + timedelta(days=3)
    assert day4.at[0, "lead_id"] != day1.set_index("client_id").at["C1", "lead_id"]


def test_a_carried_lead_still_obeys_do_not_contact_suitability_and_campaigns():
    rules = LeadRules(thresholds=OPEN)
    clients = _clients(["C1", "C2", "C3"])
    day1 = build_leads(_scores({"C1": 0.4, "C2": 0.3, "C3": 0.2}), clients, PRODUCTS, DAY1, rules=rules)
    # Day 2: C1 asked not to be contacted, C2 may now hold R1 only (no R1 equity fund), a campaign owns C3.
    clients2 = clients.assign(allowed_rating=[5, 1, 5])
    exclusions = pd.DataFrame({"client_id": ["C3"], "need": ["equity_fund"]})
    day2 = build_leads(_scores({}), clients2, PRODUCTS, DAY2, {"C1"}, exclusions=exclusions, rules=rules, previous=day1)
    assert day2.empty


def test_open_leads_of_the_previous_list():
    previous = pd.DataFrame(
        {
            "lead_id": ["a", "b", "c"],
            "lead_date": [DAY1] * 3,
            "opened_on": [DAY1] * 3,
            "expires_on": [DAY1, DAY2, DAY2],
            "client_id": ["C1", "C2", "C3"],
            "need": "equity_fund",
            "probability": 0.5,
        }
    )
    assert open_leads(previous, DAY2)["lead_id"].tolist() == ["b", "c"]
    # A list is never its own previous list: a re-run of a day starts from the day before it.
    assert open_leads(previous, DAY1).empty
    assert open_leads(None, DAY2).empty


def test_suitability_breaches_fail_closed():
    allowed = pd.Series({"C1": 3, "C2": 1, "C3": None})
    rating = pd.Series({"P1": 2, "P2": 3, "P3": None})

    def breaches(client, products):
        return suitability_breaches(pd.DataFrame({"client_id": [client], "product_ids": [products]}), allowed, rating)

    assert breaches("C1", ["P1", "P2"]) == {
        "offers": 2,
        "unsuitable": 0,
        "unknown_client": 0,
        "unknown_product": 0,
        "leads_without_products": 0,
    }
    assert breaches("C2", ["P1"])["unsuitable"] == 1
    assert breaches("C9", ["P1"])["unknown_client"] == 1  # not in the lookup
    assert breaches("C3", ["P1"])["unknown_client"] == 1  # in it, with no rating
    assert breaches("C1", ["P9"])["unknown_product"] == 1
    assert breaches("C1", ["P3"])["unknown_product"] == 1
    assert breaches("C1", [])["leads_without_products"] == 1
