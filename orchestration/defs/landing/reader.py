"""Read a landing table back from its hive-partitioned parquet folders."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds


def read_landing(landing_dir: Path, table: str) -> pd.DataFrame:
    folder = landing_dir / table
    if not folder.is_dir():
        raise FileNotFoundError(f"landing table {table!r} has no folder at {folder}")
    dataset = ds.dataset(folder, format="parquet", partitioning="hive")
    # Nanosecond timestamps and real datetimes for dates: the dtypes the contracts state.
    return dataset.to_table().to_pandas(date_as_object=False, coerce_temporal_nanoseconds=True)
