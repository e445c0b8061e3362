"""The landing zone's table layout: every table, the exact Arrow schema of each, and which land daily.

An export, simulated or real, writes ``<table>/dt=YYYY-MM-DD/*.parquet`` files with these schemas.
"""

from __future__ import annotations

import pyarrow as pa

TABLES: tuple[str, ...] = (
    "clients",
    "risk_assessments",
    "products",
    "asset_snapshots",
    "trades",
    "app_events",
    "bank_transfers",
    "product_orders",
    "service_interactions",
    "campaigns",
    "campaign_contacts",
    "do_not_contact",
)
# Tables that get a new dt= partition every day (the others are reference data).
DAILY_TABLES: tuple[str, ...] = (
    "risk_assessments",
    "asset_snapshots",
    "trades",
    "app_events",
    "bank_transfers",
    "product_orders",
    "service_interactions",
    "campaign_contacts",
    "do_not_contact",
)

_STR = pa.string()
_DATE = pa.date32()
_TS = pa.timestamp("us")  # naive: the brokerage runs on a single local (Beijing) clock
_MONEY = pa.float64()


def table_schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(name, typ, nullable=nullable) for name, typ, nullable in fields])


SCHEMAS: dict[str, pa.Schema] = {
    "clients": table_schema(
        ("client_id", _STR, False),
        ("name", _STR, False),
        ("phone", _STR, False),
        ("branch", _STR, False),
        ("age_band", _STR, False),
        ("channel", _STR, False),
        ("advisor_id", _STR, True),
        ("opened_at", _DATE, False),
    ),
    "risk_assessments": table_schema(
        ("assessment_id", _STR, False),
        ("client_id", _STR, False),
        ("risk_level", _STR, False),
        ("assessed_at", _DATE, False),
    ),
    "products": table_schema(
        ("product_id", _STR, False),
        ("name", _STR, False),
        ("product_type", _STR, False),
        ("risk_rating", _STR, False),
    ),
    "asset_snapshots": table_schema(
        ("client_id", _STR, False),
        ("snapshot_date", _DATE, False),
        ("cash", _MONEY, False),
        ("equity", _MONEY, False),
        ("fund", _MONEY, False),
        ("bond", _MONEY, False),
        ("wealth_product", _MONEY, False),
        ("margin_debt", _MONEY, False),
        ("aum", _MONEY, False),
    ),
    "trades": table_schema(
        ("trade_id", _STR, False),
        ("client_id", _STR, False),
        ("traded_at", _TS, False),
        ("symbol", _STR, False),
        ("side", _STR, False),
        ("quantity", pa.int64(), False),
        ("price", _MONEY, False),
        ("amount", _MONEY, False),
        ("commission", _MONEY, False),
    ),
    "app_events": table_schema(
        ("event_id", _STR, False),
        ("client_id", _STR, False),
        ("event_at", _TS, False),
        ("event_type", _STR, False),
        ("product_id", _STR, True),
    ),
    "bank_transfers": table_schema(
        ("transfer_id", _STR, False),
        ("client_id", _STR, False),
        ("transferred_at", _TS, False),
        ("direction", _STR, False),
        ("amount", _MONEY, False),
    ),
    "product_orders": table_schema(
        ("order_id", _STR, False),
        ("client_id", _STR, False),
        ("product_id", _STR, False),
        ("ordered_at", _TS, False),
        ("side", _STR, False),
        ("amount", _MONEY, False),
        ("fee", _MONEY, False),
    ),
    "service_interactions": table_schema(
        ("interaction_id", _STR, False),
        ("client_id", _STR, False),
        ("advisor_id", _STR, True),
        ("occurred_at", _TS, False),
        ("channel", _STR, False),
        ("language", _STR, False),
        ("transcript", _STR, False),
    ),
    "campaigns": table_schema(
        ("campaign_id", _STR, False),
        ("name", _STR, False),
        ("need", _STR, False),
        ("channel", _STR, False),
        ("start_date", _DATE, False),
        ("end_date", _DATE, False),
    ),
    "campaign_contacts": table_schema(
        ("contact_id", _STR, False),
        ("campaign_id", _STR, False),
        ("client_id", _STR, False),
        ("advisor_id", _STR, True),
        ("contacted_at", _TS, False),
        ("need", _STR, False),
        ("outcome", _STR, False),
    ),
    "do_not_contact": table_schema(
        ("client_id", _STR, False),
        ("flagged_at", _DATE, False),
        ("reason", _STR, False),
    ),
}
