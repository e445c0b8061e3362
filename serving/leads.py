"""The daily lead list: who each advisor should call today, about what, with what to offer.

Pure pandas over scores and reference frames, so every rule is testable without a server:
suitability (via serving.suitability), do-not-contact, contact cool-down, campaign exclusions,
advisor capacity, the shared pool for unassigned clients, priority and expiry.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from serving.lead_rules import DEFAULT_RULES, POOL, LeadRules
from serving.suitability import is_suitable

LEAD_COLUMNS = [
    "lead_id",
    "lead_date",
    "client_id",
    "need",
    "probability",
    "expected_value",
    "value_tier",
    "advisor_id",
    "assignment",
    "priority",
    "expires_on",
    "product_ids",
    "needs_reassessment",
    "reasons",
]


def _suitable_catalog(products: pd.DataFrame, max_products: int) -> dict[tuple[str, int], list[str]]:
    """Product ids per (need, allowed rating), lowest risk first, by the suitability rule."""
    catalog: dict[tuple[str, int], list[str]] = {}
    ordered = products.sort_values(["risk_rating", "product_id"], kind="stable")
    for need, group in ordered.groupby("need"):
        for allowed in range(1, 6):
            ids = [row.product_id for row in group.itertuples() if is_suitable(row.risk_rating, allowed)]
            catalog[(need, allowed)] = ids[:max_products]
    return catalog


def build_leads(
    scores: pd.DataFrame,
    clients: pd.DataFrame,
    products: pd.DataFrame,
    lead_date: date,
    do_not_contact: set[str] | None = None,
    contacts: pd.DataFrame | None = None,
    exclusions: pd.DataFrame | None = None,
    rules: LeadRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Leads for one day.

    scores: client_id, need, probability. clients: client_id, advisor_id (null = unassigned),
    value_tier, allowed_rating (1..5), needs_reassessment. products: product_id, need, risk_rating.
    contacts: client_id, need, contacted_on (past contacts, for the cool-down). exclusions:
    client_id, need (campaign exclusions).
    """
    frame = scores.merge(clients, on="client_id", how="inner", validate="many_to_one")
    frame = frame[frame["probability"] >= rules.min_probability]
    if do_not_contact:
        frame = frame[~frame["client_id"].isin(do_not_contact)]
    for blocked in (_cooling_down(contacts, lead_date, rules), exclusions):
        if blocked is not None and len(blocked):
            keys = blocked[["client_id", "need"]].drop_duplicates()
            frame = frame.merge(keys, on=["client_id", "need"], how="left", indicator=True)
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
    frame = frame.assign(
        expected_value=[
            rules.value(n, t) * p
            for n, t, p in zip(frame["need"], frame["value_tier"], frame["probability"], strict=True)
        ]
    )
    frame = frame.sort_values(["expected_value", "client_id", "need"], ascending=[False, True, True], kind="stable")
    frame["advisor_id"] = frame["advisor_id"].where(frame["advisor_id"].notna(), POOL)
    frame["priority"] = frame.groupby("advisor_id").cumcount() + 1
    over = (frame["advisor_id"] != POOL) & (frame["priority"] > rules.capacity_per_advisor)
    frame["assignment"] = "advisor"
    frame.loc[frame["advisor_id"] == POOL, "assignment"] = POOL
    frame.loc[over, "assignment"] = "deferred"
    frame["lead_date"] = lead_date
    frame["expires_on"] = lead_date + timedelta(days=rules.expiry_days)
    frame["lead_id"] = [f"L{lead_date:%Y%m%d}-{c}-{n}" for c, n in zip(frame["client_id"], frame["need"], strict=True)]
    frame["reasons"] = [
        [f"{n.replace('_', ' ')} probability {p:.0%}"] + (["risk assessment missing or expired: R1 only"] if r else [])
        for n, p, r in zip(frame["need"], frame["probability"], frame["needs_reassessment"], strict=True)
    ]
    return frame[LEAD_COLUMNS].reset_index(drop=True)


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
    return outcomes.loc[running, ["client_id", "need"]].drop_duplicates().reset_index(drop=True)


def conversion_by_decile(leads: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """Conversion of contacted leads by score decile (10 = highest), and lift over the base rate.

    outcomes: client_id, need, is_converted (one row per contact).
    """
    joined = leads.merge(outcomes, on=["client_id", "need"], how="inner")
    if joined.empty:
        return pd.DataFrame(columns=["decile", "contacts", "conversion", "lift"])
    joined["decile"] = pd.qcut(joined["probability"].rank(method="first"), 10, labels=range(1, 11)).astype(int)
    base = joined["is_converted"].mean()
    table = joined.groupby("decile").agg(contacts=("is_converted", "size"), conversion=("is_converted", "mean"))
    table["lift"] = table["conversion"] / base if base > 0 else float("nan")
    return table.reset_index().sort_values("decile", ascending=False, kind="stable").reset_index(drop=True)
