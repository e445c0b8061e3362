"""pandera contracts for the landing tables: what a daily export must look like."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

CLIENT_ID = pa.Column(str, pa.Check.str_matches(r"^C\d{7}$"), nullable=False)
MONEY = pa.Column(float, pa.Check.ge(0), nullable=False)

CONTRACTS: dict[str, pa.DataFrameSchema] = {
    "clients": pa.DataFrameSchema(
        {
            "client_id": pa.Column(str, pa.Check.str_matches(r"^C\d{7}$"), unique=True),
            "name": pa.Column(str),
            "phone": pa.Column(str, pa.Check.str_matches(r"^1\d{10}$")),
            "branch": pa.Column(str),
            "age_band": pa.Column(str, pa.Check.isin(["18-29", "30-39", "40-49", "50-59", "60+"])),
            "channel": pa.Column(str, pa.Check.isin(["app", "branch", "referral"])),
            "advisor_id": pa.Column(str, nullable=True),
            "opened_at": pa.Column("datetime64[ns]"),
        },
        strict=False,
    ),
    "risk_assessments": pa.DataFrameSchema(
        {
            "assessment_id": pa.Column(str, unique=True),
            "client_id": CLIENT_ID,
            "risk_level": pa.Column(str, pa.Check.isin(["C1", "C2", "C3", "C4", "C5"])),
            "assessed_at": pa.Column("datetime64[ns]"),
        }
    ),
    "products": pa.DataFrameSchema(
        {
            "product_id": pa.Column(str, unique=True),
            "name": pa.Column(str),
            "product_type": pa.Column(str),
            "risk_rating": pa.Column(str, pa.Check.isin(["R1", "R2", "R3", "R4", "R5"])),
        }
    ),
    "asset_snapshots": pa.DataFrameSchema(
        {
            "client_id": CLIENT_ID,
            "snapshot_date": pa.Column("datetime64[ns]"),
            "cash": MONEY,
            "equity": MONEY,
            "fund": MONEY,
            "bond": MONEY,
            "wealth_product": MONEY,
            "margin_debt": MONEY,
            "aum": pa.Column(float, nullable=False),
        },
        unique=["client_id", "snapshot_date"],
    ),
    "trades": pa.DataFrameSchema(
        {
            "trade_id": pa.Column(str, unique=True),
            "client_id": CLIENT_ID,
            "traded_at": pa.Column("datetime64[ns]"),
            "symbol": pa.Column(str, pa.Check.str_matches(r"^\d{6}$")),
            "side": pa.Column(str, pa.Check.isin(["buy", "sell"])),
            "quantity": pa.Column("int64", pa.Check.gt(0)),
            "price": pa.Column(float, pa.Check.gt(0)),
            "amount": pa.Column(float, pa.Check.gt(0)),
            "commission": pa.Column(float, pa.Check.ge(0)),
        }
    ),
    "app_events": pa.DataFrameSchema(
        {
            "event_id": pa.Column(str, unique=True),
            "client_id": CLIENT_ID,
            "event_at": pa.Column("datetime64[ns]"),
            "event_type": pa.Column(
                str,
                pa.Check.isin(
                    ["login", "quote_view", "product_page_view", "search", "research_read", "margin_page_view"]
                ),
            ),
            "product_id": pa.Column(str, nullable=True),
        }
    ),
}


@dataclass(frozen=True)
class ContractResult:
    table: str
    rows: int
    failures: pd.DataFrame  # one row per failed check: column, check, failure case, partition

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


def validate_table(table: str, frame: pd.DataFrame) -> ContractResult:
    """Check a landing table (with its ``dt`` partition column) against its contract.

    Every failure is kept (lazy validation) and tied to the partition it came from, so
    a broken file can be found by folder, column and reason.
    """
    if table not in CONTRACTS:
        raise KeyError(f"no contract for landing table {table!r}; known: {sorted(CONTRACTS)}")
    data = frame.drop(columns=["dt"], errors="ignore")
    try:
        CONTRACTS[table].validate(data, lazy=True)
        failures = pd.DataFrame(columns=["column", "check", "failure_case", "dt"])
    except SchemaErrors as errors:
        cases = errors.failure_cases
        partitions = frame["dt"].astype(str) if "dt" in frame else pd.Series("?", index=frame.index)
        index = pd.to_numeric(cases["index"], errors="coerce")
        cases = cases.assign(
            dt=[partitions.iloc[int(i)] if pd.notna(i) and int(i) < len(partitions) else "all" for i in index]
        )
        failures = cases[["column", "check", "failure_case", "dt"]].reset_index(drop=True)
    return ContractResult(table=table, rows=len(frame), failures=failures)
