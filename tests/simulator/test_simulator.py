"""The landing contract of the synthetic brokerage: API, presets, tables, ids, codes."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from simulator import (
    DEFAULT_START,
    EVENT_TYPES,
    NEEDS,
    ORACLE_SCHEMA,
    PRESETS,
    PRODUCT_TYPES,
    SCHEMAS,
    TABLES,
    Preset,
    Simulation,
    value_tier,
)
from simulator.schema import pandas_dtypes

S, D, TS, F, INT = pa.string(), pa.date32(), pa.timestamp("us"), pa.float64(), pa.int64()
# The contract as written in the issue, independent of simulator.schema.
EXPECTED_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "clients": [
        ("client_id", S), ("name", S), ("phone", S), ("branch", S), ("age_band", S),
        ("channel", S), ("advisor_id", S), ("opened_at", D),
    ],
    "risk_assessments": [("assessment_id", S), ("client_id", S), ("risk_level", S), ("assessed_at", D)],
    "products": [("product_id", S), ("name", S), ("product_type", S), ("risk_rating", S)],
    "asset_snapshots": [
        ("client_id", S), ("snapshot_date", D), ("cash", F), ("equity", F), ("fund", F),
        ("bond", F), ("wealth_product", F), ("margin_debt", F), ("aum", F),
    ],
    "trades": [
        ("trade_id", S), ("client_id", S), ("traded_at", TS), ("symbol", S), ("side", S),
        ("quantity", INT), ("price", F), ("amount", F), ("commission", F),
    ],
    "app_events": [("event_id", S), ("client_id", S), ("event_at", TS), ("event_type", S), ("product_id", S)],
    "bank_transfers": [
        ("transfer_id", S), ("client_id", S), ("transferred_at", TS), ("direction", S), ("amount", F),
    ],
    "product_orders": [
        ("order_id", S), ("client_id", S), ("product_id", S), ("ordered_at", TS), ("side", S),
        ("amount", F), ("fee", F),
    ],
    "service_interactions": [
        ("interaction_id", S), ("client_id", S), ("advisor_id", S), ("occurred_at", TS),
        ("channel", S), ("language", S), ("transcript", S),
    ],
    "campaigns": [
        ("campaign_id", S), ("name", S), ("need", S), ("channel", S), ("start_date", D), ("end_date", D),
    ],
    "campaign_contacts": [
        ("contact_id", S), ("campaign_id", S), ("client_id", S), ("advisor_id", S),
        ("contacted_at", TS), ("need", S), ("outcome", S),
    ],
    "do_not_contact": [("client_id", S), ("flagged_at", D), ("reason", S)],
}  # fmt: skip
NULLABLE = {("clients", "advisor_id"), ("app_events", "product_id"), ("service_interactions", "advisor_id")}
NULLABLE |= {("campaign_contacts", "advisor_id")}
RATINGS_BY_TYPE = {
    "money_market": {"R1"},
    "wealth_product": {"R1", "R2"},
    "bond_fund": {"R2", "R3"},
    "equity_fund": {"R3", "R4"},
    "structured_note": {"R4", "R5"},
    "option": {"R5"},
    "advisory_plan": {"R1", "R2"},
}
FEES = {
    "equity_fund": 0.012,
    "bond_fund": 0.003,
    "wealth_product": 0.001,
    "money_market": 0.0,
    "structured_note": 0.005,
    "option": 0.002,
}


def test_presets_and_tables() -> None:
    assert PRESETS == {
        "ci": Preset(2_000, 180),
        "small": Preset(10_000, 365),
        "demo": Preset(50_000, 365),
        "large": Preset(200_000, 365),
        "bench": Preset(1_000_000, 365),
    }
    assert DEFAULT_START == datetime.date(2025, 6, 1)
    assert TABLES[:6] == ("clients", "risk_assessments", "products", "asset_snapshots", "trades", "app_events")
    assert set(TABLES) == set(EXPECTED_COLUMNS)
    assert NEEDS == ("equity_fund", "fixed_income", "margin_financing", "options", "advisory", "transfer_in")


def test_simulate_returns_tables_and_oracle(ci: Simulation) -> None:
    assert isinstance(ci, dict) and list(ci) == list(TABLES)
    assert list(ci.oracle.columns) == ORACLE_SCHEMA.names
    assert len(ci.oracle) > 0


@pytest.mark.parametrize("name", TABLES)
def test_columns_and_dtypes(ci: Simulation, name: str) -> None:
    expected = EXPECTED_COLUMNS[name]
    assert [(f.name, f.type) for f in SCHEMAS[name]] == expected
    frame = ci[name]
    assert len(frame) > 0, name
    assert list(frame.columns) == [col for col, _ in expected]
    assert dict(frame.dtypes) == pandas_dtypes(name)
    for col, _ in expected:
        if (name, col) not in NULLABLE:
            assert frame[col].notna().all(), col


@pytest.mark.parametrize(
    ("name", "column", "pattern"),
    [
        ("clients", "client_id", r"C\d{7}"),
        ("risk_assessments", "assessment_id", r"RA\d{8}"),
        ("products", "product_id", r"P\d{4}"),
        ("trades", "trade_id", r"T\d{10}"),
        ("app_events", "event_id", r"E\d{12}"),
        ("bank_transfers", "transfer_id", r"BT\d{10}"),
        ("product_orders", "order_id", r"PO\d{10}"),
        ("service_interactions", "interaction_id", r"SI\d{10}"),
        ("campaigns", "campaign_id", r"CP\d{4}"),
        ("campaign_contacts", "contact_id", r"CC\d{10}"),
        ("do_not_contact", "client_id", r"C\d{7}"),
    ],
)
def test_ids_unique_and_well_formed(ci: Simulation, name: str, column: str, pattern: str) -> None:
    ids = ci[name][column]
    assert ids.is_unique
    assert ids.str.fullmatch(pattern).all()


def test_codes(ci: Simulation) -> None:
    assert set(ci["app_events"]["event_type"]) == set(EVENT_TYPES)
    assert set(ci["products"]["product_type"]) == set(PRODUCT_TYPES) == set(RATINGS_BY_TYPE)
    assert set(ci["bank_transfers"]["direction"]) == {"in", "out"}
    assert set(ci["product_orders"]["side"]) == {"subscribe", "redeem"}
    assert set(ci["service_interactions"]["channel"]) == {"call", "chat"}
    assert set(ci["service_interactions"]["language"]) == {"zh", "en"}
    assert set(ci["campaigns"]["need"]) == set(NEEDS)
    assert set(ci["campaigns"]["channel"]) <= {"app_push", "sms", "advisor_call"}
    assert set(ci["campaign_contacts"]["outcome"]) == {"converted", "interested", "no_answer", "declined"}
    assert set(ci["do_not_contact"]["reason"]) <= {"client_request", "complaint", "regulatory"}


def test_products(ci: Simulation) -> None:
    products = ci["products"]
    assert len(products) >= 200
    assert products["product_id"].tolist() == [f"P{k:04d}" for k in range(1, len(products) + 1)]
    for row in products.itertuples():
        assert row.risk_rating in RATINGS_BY_TYPE[row.product_type], row
    assert products["name"].is_unique


def test_clients_advisors_and_tenure(ci: Simulation) -> None:
    clients = ci["clients"]
    assert clients["client_id"].tolist() == [f"C{k:07d}" for k in range(1, len(clients) + 1)]
    advisors = clients["advisor_id"]
    assert 0.10 < advisors.isna().mean() < 0.20
    assert advisors.dropna().str.fullmatch(r"A\d{4}").all()
    assert advisors.nunique() == round(len(clients) / 1600)
    start = datetime.date.fromisoformat(clients.attrs["start"])
    assert 0.10 < (clients["opened_at"] >= start).mean() < 0.20


def test_orders_fees_and_amounts(ci: Simulation) -> None:
    orders = ci["product_orders"].merge(ci["products"][["product_id", "product_type"]], on="product_id")
    assert (orders["amount"] > 0).all() and (orders["fee"] >= 0).all()
    redeem = orders["side"] == "redeem"
    assert (orders.loc[redeem, "fee"] == 0).all()
    sub = orders[~redeem]
    advisory = sub["product_type"] == "advisory_plan"
    assert advisory.any()
    assert np.allclose(sub.loc[advisory, "fee"], sub.loc[advisory, "amount"])
    rate = sub.loc[~advisory, "product_type"].map(FEES)
    assert np.allclose(sub.loc[~advisory, "fee"], (sub.loc[~advisory, "amount"] * rate).round(2), atol=0.011)
    assert (ci["bank_transfers"]["amount"] > 0).all()


def test_orders_are_suitable_most_of_the_time(ci: Simulation) -> None:
    """Subscriptions match the risk level valid on the day (missing/expired: R1 only)."""
    orders = ci["product_orders"][ci["product_orders"]["side"] == "subscribe"]
    orders = orders.merge(ci["products"][["product_id", "risk_rating"]], on="product_id")
    ra = ci["risk_assessments"].copy()
    ra["assessed_at"] = ra["assessed_at"].astype("datetime64[us]")
    orders = orders.sort_values("ordered_at")
    ra = ra.sort_values("assessed_at")
    joined = pd.merge_asof(
        orders, ra, left_on="ordered_at", right_on="assessed_at", by="client_id", direction="backward"
    )
    valid = joined["assessed_at"].notna() & (joined["ordered_at"] - joined["assessed_at"] <= pd.Timedelta(days=730))
    level = np.where(valid, joined["risk_level"].str.slice(1).astype(float), 1)
    rating = joined["risk_rating"].str.slice(1).astype(int)
    assert (rating <= level).mean() > 0.9


def test_money_columns(ci: Simulation) -> None:
    snaps = ci["asset_snapshots"]
    parts = ["cash", "equity", "fund", "bond", "wealth_product", "margin_debt"]
    for col in [*parts, "aum"]:
        assert (snaps[col] >= 0).all(), col
    total = snaps[parts[:-1]].sum(axis=1) - snaps["margin_debt"]
    assert np.allclose(snaps["aum"], total, rtol=0, atol=0.011)


def test_value_tier_rule() -> None:
    aum = np.array([0, 99_999.99, 100_000, 499_999, 500_000, 1_999_999, 2_000_000, 5_999_999, 6_000_000])
    assert value_tier(aum, np.zeros(aum.size)).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5]
    assert value_tier(np.array([90_000.0]), np.array([1_000.0])).tolist() == [2]  # 90,000 + 10 x 1,000


def test_pii_only_in_clients_and_transcripts(ci: Simulation) -> None:
    names = set(ci["clients"]["name"])
    phones = set(ci["clients"]["phone"])
    with_pii = ("clients", "service_interactions")
    checked = []
    for name, frame in ci.items():
        if name in with_pii:
            continue
        for col in frame.columns:
            if frame[col].dtype == pd.StringDtype("pyarrow"):
                values = set(frame[col].dropna().unique())
                assert not values & names and not values & phones, (name, col)
                checked.append((name, col))
    # Every text column of every other table was scanned: a dtype the scan no longer recognised
    # would otherwise let it pass having looked at nothing.
    text_columns = [(t, c) for t, cols in EXPECTED_COLUMNS.items() if t not in with_pii for c, k in cols if k == S]
    assert sorted(checked) == sorted(text_columns) and len(checked) == 35
    assert set(ci.oracle.columns).isdisjoint({"name", "phone", "transcript"})
    text = ci["service_interactions"]["transcript"]
    assert text.str.contains(r"1\d{10}").any()  # some raw transcripts hold a phone number, as real ones do
