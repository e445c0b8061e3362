"""The marts two warehouse builds are compared on, and how: the Spark tests and the cluster benchmark
hold a Spark build against a DuckDB one with these."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from tests.warehouse.state import DBT_PROJECT

# The marts the warehouse writes (marts/<name>.parquet), each with the columns that identify a row:
# the four Feast reads (features/sources.py, MART_TIMESTAMPS) and those the models and serving read.
MARTS = {
    "client_features": ["client_id", "as_of_date"],
    "client_daily_events": ["client_id", "activity_on"],
    "client_tags": ["client_id", "as_of_date"],
    "client_tiers": ["client_id", "as_of_date"],
    "client_suitability": ["client_id", "as_of_date"],
    "client_audience": ["client_id"],
    "churn_labels": ["client_id", "as_of_date"],
    "intent_labels": ["client_id", "as_of_date"],
    "tier_labels": ["client_id", "as_of_date"],
    "campaign_outcomes": ["contact_id"],
    "products": ["product_id"],
}
# The day each mart's rows are dated by, where they have one: the newest day's rows show that an
# increment added it.
DAY_COLUMNS = {"client_features": "as_of_date", "client_daily_events": "activity_on", "client_tiers": "as_of_date"}


def _money_columns() -> frozenset[str]:
    """The columns the marts' contracts describe as amounts of money (in yuan)."""
    names = set()
    for path in (DBT_PROJECT / "models" / "marts").rglob("*.yml"):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models", []):
            names.update(c["name"] for c in model.get("columns", []) if "(yuan)" in c.get("description", ""))
    return frozenset(names)


MONEY = _money_columns()


def read_mart(home: Path, name: str) -> pd.DataFrame:
    """A mart of the state directory `home`, in the order of the columns that identify its rows."""
    frame = pd.read_parquet(home / "marts" / f"{name}.parquet")
    return frame.sort_values(MARTS[name]).reset_index(drop=True)


def mart_files(home: Path) -> list[str]:
    return sorted(path.name for path in (home / "marts").glob("*.parquet"))


def assert_marts_equal(left: pd.DataFrame, right: pd.DataFrame, name: str) -> None:
    """The same columns and rows; money equal to the fen, every other number within 1e-9."""
    assert len(right) > 0
    assert list(left.columns) == list(right.columns)
    assert left[MARTS[name]].duplicated().sum() == 0
    assert left[MARTS[name]].equals(right[MARTS[name]]), f"{name}: the two builds hold different rows"
    for column in [c for c in left.columns if c in MONEY]:
        fen = [np.round(frame[column].to_numpy(dtype="float64") * 100) for frame in (left, right)]
        np.testing.assert_array_equal(*fen, err_msg=f"{name}.{column} differs in fen")
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9, atol=1e-9)


def newest_day_of(frame: pd.DataFrame, name: str) -> datetime.date:
    """The newest day a dated mart holds (DAY_COLUMNS)."""
    return pd.to_datetime(frame[DAY_COLUMNS[name]]).dt.date.max()
