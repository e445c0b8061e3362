"""The simulator's view of the landing contract (``landing.schema``): the oracle's schema, and the
pandas mirror of every table.

Both the in-memory frames returned by ``simulate`` and the parquet written by
``write_landing`` derive from the landing schemas, so the two can never drift apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from landing.schema import DAILY_TABLES, SCHEMAS, TABLES, table_schema

__all__ = ["DAILY_TABLES", "ORACLE_SCHEMA", "SCHEMAS", "TABLES"]

_STR = pa.string()
_DATE = pa.date32()
_MONEY = pa.float64()

# Ground truth, written beside (never inside) the landing folder.
ORACLE_SCHEMA = table_schema(
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
