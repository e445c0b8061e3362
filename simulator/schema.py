"""The landing contract: exact Arrow schema of every table (and of the oracle), and its pandas mirror.

Both the in-memory frames returned by ``simulate`` and the parquet written by
``write_landing`` derive from these schemas, so the two can never drift apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def _schema(*fields: tuple[str, pa.DataType, bool]) -> pa.Schema:
    return pa.schema([pa.field(name, typ, nullable=nullable) for name, typ, nullable in fields])


SCHEMAS: dict[str, pa.Schema] = {
    "clients": _schema(
        ("client_id", _STR, False),
        ("name", _STR, False),
        ("phone", _STR, False),
        ("branch", _STR, False),
        ("age_band", _STR, False),
        ("channel", _STR, False),
        ("advisor_id", _STR, True),
        ("opened_at", _DATE, False),
    ),
    "risk_assessments": _schema(
        ("assessment_id", _STR, False),
        ("client_id", _STR, False),
        ("risk_level", _STR, False),
        ("assessed_at", _DATE, False),
    ),
    "products": _schema(
        ("product_id", _STR, False),
        ("name", _STR, False),
        ("product_type", _STR, False),
        ("risk_rating", _STR, False),
    ),
    "asset_snapshots": _schema(
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
    "trades": _schema(
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
    "app_events": _schema(
        ("event_id", _STR, False),
        ("client_id", _STR, False),
        ("event_at", _TS, False),
        ("event_type", _STR, False),
        ("product_id", _STR, True),
    ),
    "bank_transfers": _schema(
        ("transfer_id", _STR, False),
        ("client_id", _STR, False),
        ("transferred_at", _TS, False),
        ("direction", _STR, False),
        ("amount", _MONEY, False),
    ),
    "product_orders": _schema(
        ("order_id", _STR, False),
        ("client_id", _STR, False),
        ("product_id", _STR, False),
        ("ordered_at", _TS, False),
        ("side", _STR, False),
        ("amount", _MONEY, False),
        ("fee", _MONEY, False),
    ),
    "service_interactions": _schema(
        ("interaction_id", _STR, False),
        ("client_id", _STR, False),
        ("advisor_id", _STR, True),
        ("occurred_at", _TS, False),
        ("channel", _STR, False),
        ("language", _STR, False),
        ("transcript", _STR, False),
    ),
    "campaigns": _schema(
        ("campaign_id", _STR, False),
        ("name", _STR, False),
        ("need", _STR, False),
        ("channel", _STR, False),
        ("start_date", _DATE, False),
        ("end_date", _DATE, False),
    ),
    "campaign_contacts": _schema(
        ("contact_id", _STR, False),
        ("campaign_id", _STR, False),
        ("client_id", _STR, False),
        ("advisor_id", _STR, True),
        ("contacted_at", _TS, False),
        ("need", _STR, False),
        ("outcome", _STR, False),
    ),
    "do_not_contact": _schema(
        ("client_id", _STR, False),
        ("flagged_at", _DATE, False),
        ("reason", _STR, False),
    ),
}

# Ground truth, written beside (never inside) the landing folder.
ORACLE_SCHEMA = _schema(
    ("client_id", _STR, False),
    ("as_of_date", _DATE, False),
    ("p_equity_fund_30d", _MONEY, False),
    ("p_fixed_income_30d", _MONEY, False),
    ("p_margin_financing_30d", _MONEY, False),
    ("p_options_30d", _MONEY, False),
    ("p_advisory_30d", _MONEY, False),
    ("p_transfer_in_30d", _MONEY, False),
    ("p_churn_60d", _MONEY, False),
    ("tier_now", _STR, False),
    ("tier_90d", _STR, True),
    ("preference_group", _STR, False),
)


def _pandas_type(typ: pa.DataType) -> pd.api.extensions.ExtensionDtype | None:
    """Arrow -> pandas dtype; None keeps pyarrow's default (numpy float64/int64/datetime64[us])."""
    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return pd.StringDtype("pyarrow")
    if pa.types.is_date32(typ):
        # pandas has no native date dtype; the Arrow one keeps the landing type exact.
        return pd.ArrowDtype(pa.date32())
    return None


def pandas_dtypes(table: str) -> dict[str, object]:
    """The dtype of every column of ``table`` as ``simulate`` returns it."""
    out: dict[str, object] = {}
    for field in SCHEMAS[table]:
        mapped = _pandas_type(field.type)
        if mapped is not None:
            out[field.name] = mapped
        elif pa.types.is_timestamp(field.type):
            out[field.name] = np.dtype("datetime64[us]")
        else:
            out[field.name] = np.dtype(field.type.to_pandas_dtype())
    return out


def in_memory_schema(table: str) -> pa.Schema:
    """The contract with ``large_string`` for strings: what pandas' string[pyarrow] holds,
    so frames convert without copying (and without the 2 GiB limit of ``string``)."""
    schema = ORACLE_SCHEMA if table == "oracle" else SCHEMAS[table]
    return pa.schema([f.with_type(pa.large_string()) if pa.types.is_string(f.type) else f for f in schema])


def to_frame(table: str, columns: dict[str, object]) -> pd.DataFrame:
    """Build the pandas frame of ``table`` from numpy/pyarrow columns, cast to the contract."""
    schema = in_memory_schema(table)
    arrow = pa.table({f.name: columns[f.name] for f in schema}).cast(schema)
    # split_blocks avoids copying all float columns into one consolidated 2-D block,
    # which would double peak memory for the 70M-row bench snapshot table.
    return arrow.to_pandas(types_mapper=_pandas_type, split_blocks=True, self_destruct=True)


def to_arrow(table: str, columns: dict[str, object]) -> pa.Table:
    """Arrow table of ``table`` (``large_string`` strings) from numpy/pyarrow columns."""
    schema = in_memory_schema(table)
    return pa.table({f.name: columns[f.name] for f in schema}).cast(schema)


def arrow_to_frame(table: pa.Table) -> pd.DataFrame:
    return table.to_pandas(types_mapper=_pandas_type, split_blocks=True, self_destruct=True)
