"""The daily lead list: who each advisor should call today, about what, with what to offer.

Pure pandas over scores and reference frames, so every rule is testable without a server:
the per-need threshold (a lead only where the need is likely enough), suitability (via
serving.suitability), do-not-contact, contact cool-down, campaign exclusions, the queue (the previous
list's open leads weigh against the new ones, one lead per client and need), advisor capacity, the
shared pool for unassigned clients, priority and expiry.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from serving.lead_rules import ADVISOR, DEFAULT_RULES, DEFERRED, POOL, LeadRules
from serving.suitability import is_suitable

LEAD_COLUMNS = [
    "lead_id",
    "lead_date",
    "opened_on",
    "client_id",
    "need",
    "probability",
    "expected_value",
    "expected_conversion",
    "value_tier",
    "advisor_id",
    "assignment",
    "priority",
    "expires_on",
    "product_ids",
    "needs_reassessment",
    "reasons",
]
KEY = ["client_id", "need"]


def _suitable_catalog(products: pd.DataFrame, max_products: int) -> dict[tuple[str, int], list[str]]:
    """Product ids per (need, allowed rating), lowest risk first, by the suitability rule."""
    catalog: dict[tuple[str, int], list[str]] = {}
    ordered = products.sort_values(["risk_rating", "product_id"], kind="stable")
    for need, group in ordered.groupby("need"):
        for allowed in range(1, 6):
            ids = [row.product_id for row in group.itertuples() if is_suitable(row.risk_rating, allowed)]
            catalog[(need, allowed)] = ids[:max_products]
    return catalog


def above_threshold(scores: pd.DataFrame, rules: LeadRules = DEFAULT_RULES) -> pd.DataFrame:
    """The (client, need) scores likely enough to be worth a contact: probability >= the need's threshold.

    A need the rules hold no threshold for is an error, not a need without leads.
    """
    unknown = sorted(set(scores["need"]) - set(rules.thresholds))
    if unknown:
        raise ValueError(f"lead rules: thresholds has no value for {', '.join(unknown)}")
    return scores[scores["probability"] >= scores["need"].map(rules.thresholds)]


def open_leads(previous: pd.DataFrame | None, lead_date: date) -> pd.DataFrame:
    """The previous list's leads still open on `lead_date`: not yet expired, of any assignment (an
    advisor's lead not worked yesterday, a deferred one, a pool one). A lead that was worked is closed
    by the contact it led to (the cool-down), which `build_leads` applies to these as to new ones."""
    columns = ["lead_id", "opened_on", "expires_on", *KEY, "probability"]
    if previous is None or previous.empty:
        return pd.DataFrame(columns=columns)
    if "opened_on" not in previous.columns:  # a list written before leads carried over: each opened that day
        previous = previous.assign(opened_on=previous["lead_date"])
    expires = pd.to_datetime(previous["expires_on"]).dt.date
    listed = pd.to_datetime(previous["lead_date"]).dt.date
    still = previous[(expires >= lead_date) & (listed < lead_date)][columns]
    still = still.assign(
        opened_on=pd.to_datetime(still["opened_on"]).dt.date, expires_on=pd.to_datetime(still["expires_on"]).dt.date
    )
    return still.drop_duplicates(KEY).reset_index(drop=True)


def build_leads(
    scores: pd.DataFrame,
    clients: pd.DataFrame,
    products: pd.DataFrame,
    lead_date: date,
    do_not_contact: set[str] | None = None,
    contacts: pd.DataFrame | None = None,
    exclusions: pd.DataFrame | None = None,
    rules: LeadRules = DEFAULT_RULES,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Leads for one day.

    scores: client_id, need, probability. clients: client_id, advisor_id (null = unassigned),
    value_tier, allowed_rating (1..5), needs_reassessment. products: product_id, need, risk_rating.
    contacts: client_id, need, contacted_on (past contacts, for the cool-down). exclusions:
    client_id, need (campaign exclusions). previous: the previous lead list (its open leads carry over
    with their id, opening day and expiry, ranked by today's probability when the client has one).
    """
    carried = open_leads(previous, lead_date)
    fresh = above_threshold(scores, rules).drop_duplicates(KEY)
    fresh = fresh.merge(carried[KEY], on=KEY, how="left", indicator=True)
    fresh = fresh[fresh["_merge"] == "left_only"].drop(columns="_merge")
    fresh = fresh.assign(
        opened_on=lead_date,
        expires_on=lead_date + timedelta(days=rules.expiry_days),
        lead_id=[f"L{lead_date:%Y%m%d}-{c}-{n}" for c, n in zip(fresh["client_id"], fresh["need"], strict=True)],
    )
    today = scores.drop_duplicates(KEY).set_index(KEY)["probability"]
    rescored = carried.set_index(KEY)["probability"].astype(float)
    rescored.update(today.reindex(rescored.index).dropna())
    carried = carried.assign(probability=rescored.to_numpy())
    candidates = pd.concat([carried, fresh[carried.columns]], ignore_index=True)

    frame = candidates.merge(clients, on="client_id", how="inner", validate="many_to_one")
    if do_not_contact:
        frame = frame[~frame["client_id"].isin(do_not_contact)]
    for blocked in (_cooling_down(contacts, lead_date, rules), exclusions):
        if blocked is not None and len(blocked):
            keys = blocked[KEY].drop_duplicates()
            frame = frame.merge(keys, on=KEY, how="left", indicator=True)
            frame = frame[frame["_merge"] == "left_only"].drop(columns="_merge")

    catalog = _suitable_catalog(products, rules.max_products)
    frame = frame.assign(
        product_ids=[
            catalog.get((need, int(allowed)), [])
            for need, allowed in zip(frame["need"], frame["allowed_rating"], strict=True)
        ]
    )
    # A need with nothing the client may be offered makes no lead.
    frame = frame[[bool(ids) for ids in frame["product_ids"]]]
    # Priority is what the conversion feedback expects a contact to bring: the need's value for the client's
    # tier times the expected conversion of the lead's score band, not the raw intent score (intent to buy is
    # not the same as answering an advisor's call, and the needs' scores are not on one scale).
    conversion = rules.expected_conversion(frame["need"], frame["probability"]).astype(float)
    frame = frame.assign(
        expected_conversion=conversion,
        expected_value=[
            rules.value(n, t) * c for n, t, c in zip(frame["need"], frame["value_tier"], conversion, strict=True)
        ],
    )
    # Highest expected value first; at equal value the older lead, so a deferred lead is not overtaken by a
    # new one that is worth no more; then the higher score.
    frame = frame.sort_values(
        ["expected_value", "opened_on", "probability", "client_id", "need"],
        ascending=[False, True, False, True, True],
        kind="stable",
    )
    frame["advisor_id"] = frame["advisor_id"].where(frame["advisor_id"].notna(), POOL)
    frame["priority"] = frame.groupby("advisor_id").cumcount() + 1
    over = (frame["advisor_id"] != POOL) & (frame["priority"] > rules.capacity_per_advisor)
    frame["assignment"] = ADVISOR
    frame.loc[frame["advisor_id"] == POOL, "assignment"] = POOL
    frame.loc[over, "assignment"] = DEFERRED
    frame["lead_date"] = lead_date
    frame["reasons"] = [
        [f"{n.replace('_', ' ')} probability {p:.0%}"]
        + ([f"open since {o.isoformat()}"] if o < lead_date else [])
        + (["risk assessment missing or expired: R1 only"] if r else [])
        for n, p, o, r in zip(
            frame["need"], frame["probability"], frame["opened_on"], frame["needs_reassessment"], strict=True
        )
    ]
    return frame[LEAD_COLUMNS].reset_index(drop=True)


def leads_from_marts(
    scores: pd.DataFrame,
    suitability: pd.DataFrame,
    products: pd.DataFrame,
    outcomes: pd.DataFrame,
    lead_date: date,
    rules: LeadRules = DEFAULT_RULES,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The day's leads from the marts as they are stored: `build_leads` with the client suitability rows
    of `lead_date` (client_id, advisor_id, value_tier, allowed_risk_rating_code, needs_reassessment,
    is_do_not_contact) and the campaign outcomes (client_id, need, contacted_on, campaign_ends_on), which
    give both the cool-down and the running campaigns' exclusions."""
    clients = suitability.rename(columns={"allowed_risk_rating_code": "allowed_rating"})
    contacts = outcomes[["client_id", "need", "contacted_on", "campaign_ends_on"]]
    return build_leads(
        scores,
        clients[["client_id", "advisor_id", "value_tier", "allowed_rating", "needs_reassessment"]],
        products,
        lead_date,
        do_not_contact=set(clients.loc[clients["is_do_not_contact"].astype(bool), "client_id"]),
        contacts=contacts,
        exclusions=campaign_exclusions(contacts, lead_date),
        rules=rules,
        previous=previous,
    )


def _cooling_down(contacts: pd.DataFrame | None, lead_date: date, rules: LeadRules) -> pd.DataFrame | None:
    if contacts is None or contacts.empty:
        return None
    contacted = pd.to_datetime(contacts["contacted_on"]).dt.date
    since = lead_date - timedelta(days=rules.cooldown_days)
    return contacts[(contacted > since) & (contacted <= lead_date)]


def campaign_exclusions(outcomes: pd.DataFrame, lead_date: date) -> pd.DataFrame:
    """(client, need) pairs a campaign still owns on `lead_date`: the client was contacted by a campaign
    on that need which has not ended yet. An advisor calling them too would be a second, competing
    contact on the same offer.

    outcomes: client_id, need, contacted_on, campaign_ends_on (the campaign outcomes mart).
    """
    contacted = pd.to_datetime(outcomes["contacted_on"]).dt.date
    ends = pd.to_datetime(outcomes["campaign_ends_on"]).dt.date
    running = (contacted <= lead_date) & (ends >= lead_date)
    return outcomes.loc[running, KEY].drop_duplicates().reset_index(drop=True)


def day_figures(leads: pd.DataFrame, clients: int) -> pd.DataFrame:
    """Per need: the day's leads, how many went to advisors, were deferred or pooled, carried over from
    earlier days, leads per 1,000 clients, and their expected conversions if worked."""
    flags = pd.DataFrame(
        {
            "need": leads["need"],
            "leads": 1,
            "to_advisors": (leads["assignment"] == ADVISOR).astype(int),
            "deferred": (leads["assignment"] == DEFERRED).astype(int),
            "pool": (leads["assignment"] == POOL).astype(int),
            "carried_over": [o < d for o, d in zip(leads["opened_on"], leads["lead_date"], strict=True)],
            "expected_conversions": leads["expected_conversion"].astype(float),
        }
    )
    table = flags.groupby("need").sum()
    table["carried_over"] = table["carried_over"].astype(int)
    table.insert(1, "per_1000_clients", table["leads"] * 1000 / max(clients, 1))
    return table


def suitability_breaches(leads: pd.DataFrame, allowed: pd.Series, rating: pd.Series) -> dict[str, int]:
    """Offers on `leads` that break suitability, failing closed.

    allowed: the allowed rating code (1..5) by client_id; rating: the product's rating code by product_id.
    An offer is unsuitable when its product is rated above the client's allowed rating, and equally when
    either is unknown (the client or product missing from its lookup, or its code null): a rule that cannot
    be checked is not met. A lead with no product to offer is counted too.
    """
    offered = leads[["client_id", "product_ids"]].explode("product_ids")
    empty = int(offered["product_ids"].isna().sum())
    offered = offered.dropna(subset=["product_ids"])
    client_rating = offered["client_id"].map(allowed)
    product_rating = offered["product_ids"].map(rating)
    unknown = client_rating.isna() | product_rating.isna()
    above = ~unknown & (product_rating > client_rating)
    return {
        "offers": len(offered),
        "unsuitable": int(above.sum()),
        "unknown_client": int(client_rating.isna().sum()),
        "unknown_product": int(product_rating.isna().sum()),
        "leads_without_products": empty,
    }
