"""pandera contracts for the landing tables: what a daily export must look like.

Column types, ranges, allowed codes and key uniqueness live here; checks that need the
partition or other tables (dates against ``dt``, references to clients / products / campaigns)
are in ``quarantine.py``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from landing.codes import (
    AGE_BANDS,
    BANK_DIRECTIONS,
    CAMPAIGN_CHANNELS,
    CLIENT_CHANNELS,
    DNC_REASONS,
    EVENT_TYPES,
    LANGUAGES,
    NEEDS,
    ORDER_SIDES,
    OUTCOMES,
    PRODUCT_TYPES,
    RISK_LEVELS,
    RISK_RATINGS,
    SERVICE_CHANNELS,
    TRADE_SIDES,
)

# Format checks on client ids only where the table is small; elsewhere the reference check
# (the id exists in clients) is stricter and much cheaper than a regex over millions of rows.
CLIENT_REF = pa.Column(str, nullable=False)
MONEY = pa.Column(float, pa.Check.ge(0), nullable=False)
POSITIVE = pa.Column(float, pa.Check.gt(0), nullable=False)
TS = pa.Column("datetime64[ns]", nullable=False)
ADVISOR = pa.Column(str, pa.Check.str_matches(r"^A\d{4}$"), nullable=True)


def _key(pattern: str) -> pa.Column:
    return pa.Column(str, pa.Check.str_matches(pattern), nullable=False, unique=True, report_duplicates="exclude_first")


def _codes(values: tuple[str, ...] | list[str]) -> pa.Column:
    return pa.Column(str, pa.Check.isin(list(values)), nullable=False)


CONTRACTS: dict[str, pa.DataFrameSchema] = {
    "clients": pa.DataFrameSchema(
        {
            "client_id": _key(r"^C\d{7}$"),
            "name": pa.Column(str),
            "phone": pa.Column(str, pa.Check.str_matches(r"^1\d{10}$")),
            "branch": pa.Column(str, pa.Check.str_matches(r"^BR\d{2}$")),
            "age_band": _codes(AGE_BANDS),
            "channel": _codes(CLIENT_CHANNELS),
            "advisor_id": ADVISOR,
            "opened_at": TS,
        },
    ),
    "risk_assessments": pa.DataFrameSchema(
        {
            "assessment_id": _key(r"^RA\d{8}$"),
            "client_id": CLIENT_REF,
            "risk_level": _codes(RISK_LEVELS),
            "assessed_at": TS,
        }
    ),
    "products": pa.DataFrameSchema(
        {
            "product_id": _key(r"^P\d{4}$"),
            "name": pa.Column(str),
            "product_type": _codes(PRODUCT_TYPES),
            "risk_rating": _codes(RISK_RATINGS),
        }
    ),
    "asset_snapshots": pa.DataFrameSchema(
        {
            "client_id": CLIENT_REF,
            "snapshot_date": TS,
            "cash": MONEY,
            "equity": MONEY,
            "fund": MONEY,
            "bond": MONEY,
            "wealth_product": MONEY,
            "margin_debt": MONEY,
            "aum": pa.Column(float, nullable=False),
        },
        unique=["client_id", "snapshot_date"],
        report_duplicates="exclude_first",
    ),
    "trades": pa.DataFrameSchema(
        {
            "trade_id": _key(r"^T\d{10}$"),
            "client_id": CLIENT_REF,
            "traded_at": TS,
            "symbol": pa.Column(str, pa.Check.str_length(6, 6)),
            "side": _codes(TRADE_SIDES),
            "quantity": pa.Column("int64", pa.Check.gt(0)),
            "price": POSITIVE,
            "amount": POSITIVE,
            "commission": MONEY,
        }
    ),
    "app_events": pa.DataFrameSchema(
        {
            "event_id": _key(r"^E\d{12}$"),
            "client_id": CLIENT_REF,
            "event_at": TS,
            "event_type": _codes(EVENT_TYPES),
            "product_id": pa.Column(str, nullable=True),
        }
    ),
    "bank_transfers": pa.DataFrameSchema(
        {
            "transfer_id": _key(r"^BT\d{10}$"),
            "client_id": CLIENT_REF,
            "transferred_at": TS,
            "direction": _codes(BANK_DIRECTIONS),
            "amount": POSITIVE,
        }
    ),
    "product_orders": pa.DataFrameSchema(
        {
            "order_id": _key(r"^PO\d{10}$"),
            "client_id": CLIENT_REF,
            "product_id": pa.Column(str, nullable=False),
            "ordered_at": TS,
            "side": _codes(ORDER_SIDES),
            "amount": POSITIVE,
            "fee": MONEY,
        }
    ),
    "service_interactions": pa.DataFrameSchema(
        {
            "interaction_id": _key(r"^SI\d{10}$"),
            "client_id": CLIENT_REF,
            "advisor_id": ADVISOR,
            "occurred_at": TS,
            "channel": _codes(SERVICE_CHANNELS),
            "language": _codes(LANGUAGES),
            "transcript": pa.Column(str, pa.Check.str_length(1, None), nullable=False),
        }
    ),
    "campaigns": pa.DataFrameSchema(
        {
            "campaign_id": _key(r"^CP\d{4}$"),
            "name": pa.Column(str),
            "need": _codes(NEEDS),
            "channel": _codes(CAMPAIGN_CHANNELS),
            "start_date": TS,
            "end_date": TS,
        },
        checks=pa.Check(lambda df: df["end_date"] >= df["start_date"], name="ends_after_start"),
    ),
    "campaign_contacts": pa.DataFrameSchema(
        {
            "contact_id": _key(r"^CC\d{10}$"),
            "campaign_id": pa.Column(str, nullable=False),
            "client_id": CLIENT_REF,
            "advisor_id": ADVISOR,
            "contacted_at": TS,
            "need": _codes(NEEDS),
            "outcome": _codes(OUTCOMES),
        }
    ),
    "do_not_contact": pa.DataFrameSchema(
        {
            "client_id": pa.Column(str, nullable=False, unique=True, report_duplicates="exclude_first"),
            "flagged_at": TS,
            "reason": _codes(DNC_REASONS),
        }
    ),
}
# Columns that identify a row (what dbt can anti-join on besides file and row number).
PRIMARY_KEYS: dict[str, list[str]] = {
    "clients": ["client_id"],
    "risk_assessments": ["assessment_id"],
    "products": ["product_id"],
    "asset_snapshots": ["client_id", "snapshot_date"],
    "trades": ["trade_id"],
    "app_events": ["event_id"],
    "bank_transfers": ["transfer_id"],
    "product_orders": ["order_id"],
    "service_interactions": ["interaction_id"],
    "campaigns": ["campaign_id"],
    "campaign_contacts": ["contact_id"],
    "do_not_contact": ["client_id"],
}


@dataclass(frozen=True)
class KeyRule:
    """A contract's key uniqueness, which spans every landed file: ``columns`` unique together, each
    repeat after the first (in file order, then row order) a failure named ``check`` under each column.
    As in pandera, a row with a null in its key repeats nothing (its null fails on its own)."""

    check: str
    columns: tuple[str, ...]


def key_rule(table: str) -> KeyRule | None:
    """The key uniqueness of ``table``'s contract (every contract keeps the first and reports the rest)."""
    schema = CONTRACTS[table]
    if schema.unique:
        return KeyRule("multiple_fields_uniqueness", tuple(schema.unique))
    unique = [name for name, column in schema.columns.items() if column.unique]
    return KeyRule("field_uniqueness", (unique[0],)) if unique else None


def _row_contract(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """The contract without its key uniqueness: what one batch of files can be checked for alone."""
    rows = schema.update_columns({name: {"unique": False} for name, column in schema.columns.items() if column.unique})
    rows = copy.deepcopy(rows)
    rows.unique = None
    return rows


# Checked a batch of files at a time (landing/quarantine.py); key_rule across every file.
ROW_CONTRACTS: dict[str, pa.DataFrameSchema] = {table: _row_contract(schema) for table, schema in CONTRACTS.items()}


@dataclass(frozen=True)
class ContractResult:
    table: str
    rows: int
    failures: pd.DataFrame  # one row per failed check: column, check, failure case, partition, index

    @property
    def passed(self) -> bool:
        return self.failures.empty

    def summary(self, limit: int = 5) -> str:
        if self.passed:
            return f"{self.table}: {self.rows} rows meet the contract"
        lines = [f"{self.table}: {len(self.failures)} contract failures, e.g.:"]
        for row in self.failures.head(limit).itertuples(index=False):
            lines.append(f"  partition {row.dt}, column {row.column}: {row.check} (value {row.failure_case!r})")
        return "\n".join(lines)


def validate_table(table: str, frame: pd.DataFrame, keys: bool = True) -> ContractResult:
    """Check a landing table (with its ``dt`` partition column) against its contract.

    Every failure is kept (lazy validation) and tied to the partition it came from, so
    a broken file can be found by folder, column and reason. ``index`` is the failing row's
    position in ``frame`` (null for column- or table-level failures). ``keys=False`` leaves out the
    key uniqueness, for a frame that holds part of the table (``key_rule`` checks it across the rest).
    """
    if table not in CONTRACTS:
        raise KeyError(f"no contract for landing table {table!r}; known: {sorted(CONTRACTS)}")
    data = frame.drop(columns=[c for c in frame.columns if c == "dt" or c.startswith("_")])
    try:
        (CONTRACTS if keys else ROW_CONTRACTS)[table].validate(data, lazy=True)
        failures = pd.DataFrame(columns=["column", "check", "failure_case", "dt", "index"])
    except SchemaErrors as errors:
        cases = errors.failure_cases
        partitions = frame["dt"].astype(str) if "dt" in frame else pd.Series("?", index=frame.index)
        index = pd.to_numeric(cases["index"], errors="coerce")
        cases = cases.assign(
            dt=[partitions.iloc[int(i)] if pd.notna(i) and int(i) < len(partitions) else "all" for i in index],
            index=index,
        )
        failures = cases[["column", "check", "failure_case", "dt", "index"]].reset_index(drop=True)
    return ContractResult(table=table, rows=len(frame), failures=failures)
