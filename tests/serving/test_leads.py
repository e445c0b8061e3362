from datetime import date, timedelta

import numpy as np
import pandas as pd

from serving.lead_feedback import conversion_by_decile
from serving.lead_rules import NEEDS, POOL, LeadRules
from serving.leads import build_leads, campaign_exclusions, leads_from_marts

TODAY = date(2025, 11, 27)
# The rules below the threshold: these tests are about the other rules, so every score makes a lead.
OPEN = dict.fromkeys(NEEDS, 0.0)
PRODUCTS = pd.DataFrame(
    {
        "product_id": ["P1", "P2", "P3", "P4", "P5"],
        "need": ["equity_fund", "equity_fund", "fixed_income", "options", "advisory"],
        "risk_rating": ["R3", "R4", "R1", "R5", "R2"],
    }
)


def _clients(n=5, advisor="A0001", allowed=5, tier="T3", reassess=False):
    return pd.DataFrame(
        {
            "client_id": [f"C{i:07d}" for i in range(n)],
            "advisor_id": [advisor] * n,
            "value_tier": [tier] * n,
            "allowed_rating": [allowed] * n,
            "needs_reassessment": [reassess] * n,
        }
    )


def _scores(clients, need="equity_fund", p=0.5):
    return pd.DataFrame({"client_id": clients["client_id"], "need": need, "probability": p})


def test_suitability_is_a_hard_rule():
    clients = _clients(allowed=1, reassess=True)
    scores = pd.concat([_scores(clients, "equity_fund"), _scores(clients, "fixed_income"), _scores(clients, "options")])
    leads = build_leads(scores, clients, PRODUCTS, TODAY, rules=LeadRules(thresholds=OPEN))
    # Only R1 products exist for an R1 client: fixed income (P3); equity funds and options make no lead.
    assert set(leads["need"]) == {"fixed_income"}
    assert all(ids == ["P3"] for ids in leads["product_ids"])
    assert all("R1 only" in " ".join(r) for r in leads["reasons"])
    rated = dict(zip(PRODUCTS["product_id"], PRODUCTS["risk_rating"].str[1].astype(int), strict=True))
    for allowed in range(1, 6):
        offered = build_leads(scores, _clients(allowed=allowed), PRODUCTS, TODAY, rules=LeadRules(thresholds=OPEN))[
            "product_ids"
        ].sum()
        assert all(rated[p] <= allowed for p in offered)


def test_capacity_ranks_by_expected_value_and_defers_the_rest():
    clients = _clients(n=40)
    scores = _scores(clients).assign(probability=np.linspace(0.9, 0.1, 40))
    leads = build_leads(scores, clients, PRODUCTS, TODAY, rules=LeadRules(capacity_per_advisor=30, thresholds=OPEN))
    assigned = leads[leads["assignment"] == "advisor"]
    assert len(assigned) == 30 and (leads["assignment"] == "deferred").sum() == 10
    assert assigned["priority"].tolist() == list(range(1, 31))
    assert assigned["expected_value"].min() >= leads.loc[leads["assignment"] == "deferred", "expected_value"].max()
    assert len(leads) == 40  # nothing dropped


def test_unassigned_clients_go_to_the_pool_without_a_cap():
    clients = _clients(n=35, advisor=None)
    leads = build_leads(
        _scores(clients), clients, PRODUCTS, TODAY, rules=LeadRules(capacity_per_advisor=30, thresholds=OPEN)
    )
    assert set(leads["advisor_id"]) == {POOL} and set(leads["assignment"]) == {POOL} and len(leads) == 35


def test_do_not_contact_cooldown_and_exclusions():
    clients = _clients(n=4)
    scores = _scores(clients)
    contacts = pd.DataFrame(
        {
            "client_id": ["C0000001", "C0000002"],
            "need": ["equity_fund", "equity_fund"],
            "contacted_on": [TODAY - timedelta(days=3), TODAY - timedelta(days=20)],
        }
    )
    exclusions = pd.DataFrame({"client_id": ["C0000003"], "need": ["equity_fund"]})
    leads = build_leads(
        scores,
        clients,
        PRODUCTS,
        TODAY,
        {"C0000000"},
        contacts,
        exclusions,
        LeadRules(cooldown_days=14, thresholds=OPEN),
    )
    # 0 is do-not-contact, 1 was contacted 3 days ago, 3 is excluded; 2's contact is past the cool-down.
    assert leads["client_id"].tolist() == ["C0000002"]


def test_a_running_campaign_excludes_the_clients_it_contacted_on_its_need():
    outcomes = pd.DataFrame(
        {
            "client_id": ["C0000001", "C0000002", "C0000003", "C0000004"],
            "need": ["equity_fund", "equity_fund", "options", "equity_fund"],
            "contacted_on": [TODAY - timedelta(days=30), TODAY - timedelta(days=40), TODAY, TODAY + timedelta(days=1)],
            # 1: still running; 2: ended yesterday; 3: running, other need; 4: contacted after the lead date.
            "campaign_ends_on": [TODAY + timedelta(days=d) for d in (0, -1, 5, 9)],
        }
    )
    excluded = campaign_exclusions(outcomes, TODAY)
    assert sorted(map(tuple, excluded.to_numpy())) == [("C0000001", "equity_fund"), ("C0000003", "options")]
    clients = _clients(n=5)
    leads = build_leads(
        _scores(clients), clients, PRODUCTS, TODAY, exclusions=excluded, rules=LeadRules(thresholds=OPEN)
    )
    # The equity-fund lead of client 1 is the campaign's; client 3's exclusion is on another need.
    assert sorted(leads["client_id"]) == ["C0000000", "C0000002", "C0000003", "C0000004"]


def test_the_marts_as_stored_give_the_rules_their_inputs():
    """Suitability rows and campaign outcomes straight from the marts: the stored rating column, the
    do-not-contact flag, the cool-down and a running campaign all reach the rules."""
    suitability = _clients(n=5).rename(columns={"allowed_rating": "allowed_risk_rating_code"})
    suitability["allowed_risk_rating_code"] = [5, 5, 5, 5, 1]  # client 4 may hold only R1: no equity fund
    suitability["is_do_not_contact"] = [True, False, False, False, False]
    outcomes = pd.DataFrame(
        {
            "client_id": ["C0000001", "C0000002"],
            "need": ["equity_fund", "equity_fund"],
            # 1: contacted by a campaign that ended 3 days ago (cool-down); 2: by one still running.
            "contacted_on": [TODAY - timedelta(days=10), TODAY - timedelta(days=40)],
            "campaign_ends_on": [TODAY - timedelta(days=3), TODAY + timedelta(days=2)],
            "is_converted": [False, False],
        }
    )
    leads = leads_from_marts(
        _scores(suitability), suitability, PRODUCTS, outcomes, TODAY, LeadRules(cooldown_days=14, thresholds=OPEN)
    )
    assert leads["client_id"].tolist() == ["C0000003"]


def test_expiry_tier_value_and_ids():
    clients = pd.concat([_clients(n=1, tier="T1"), _clients(n=2, tier="T5").iloc[1:]])
    leads = build_leads(
        _scores(clients, p=0.4), clients, PRODUCTS, TODAY, rules=LeadRules(expiry_days=7, thresholds=OPEN)
    )
    assert (leads["expires_on"] == TODAY + timedelta(days=7)).all()
    # Same probability, the T5 client is worth more and comes first.
    assert leads["value_tier"].tolist() == ["T5", "T1"]
    assert leads["lead_id"].is_unique


def test_conversion_by_decile_measures_lift():
    rng = np.random.default_rng(0)
    n = 5000
    scored = pd.DataFrame(
        {"client_id": [f"C{i:07d}" for i in range(n)], "need": "equity_fund", "probability": rng.random(n)}
    )
    scored["is_converted"] = (rng.random(n) < 0.01 + 0.3 * scored["probability"] ** 4).astype(int)
    table = conversion_by_decile(scored)
    assert table["decile"].tolist()[0] == 10 and len(table) == 10
    assert table.loc[0, "lift"] > 3.0 > table.loc[9, "lift"]
