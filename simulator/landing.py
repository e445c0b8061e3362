"""Write simulated tables as hive-partitioned daily landing parquet.

Layout: ``<out_dir>/<table>/dt=YYYY-MM-DD/part-0.parquet`` (``part-<chunk>.parquet`` when written
chunk by chunk, see ``simulator.disk``). ``dt`` is the export day and
lives only in the folder name. Each table is written in full to a hidden sibling folder and
swapped in with renames, so a reader never sees a half-written table (between the two
renames, for an instant, none) and a re-run replaces, never appends. Hidden (dot) folders
are skipped by pyarrow datasets and by ``*/`` globs.
"""

from __future__ import annotations

import datetime
import shutil
from collections.abc import Callable
from concurrent.futures import Executor, Future
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from landing.partitions import PARTITION_RULE
from simulator.brokerage import Simulation
from simulator.schema import ORACLE_SCHEMA, SCHEMAS, in_memory_schema

PART_FILE = "part-0.parquet"
_US_PER_DAY = 86_400 * 1_000_000
EPOCH = datetime.date(1970, 1, 1)

ORACLE_FILE = "oracle.parquet"
# Dictionary-encode only low-cardinality code columns: on ids and money it costs write time
# (2-3x on the snapshot table) and makes files larger, not smaller.
DICTIONARY_COLUMNS = frozenset(
    {
        "event_type", "side", "direction", "channel", "language", "need", "outcome", "reason", "risk_level",
        "age_band", "branch", "product_type", "risk_rating", "symbol", "product_id", "campaign_id", "advisor_id",
    }
)  # fmt: skip


def parquet_options(schema: pa.Schema) -> dict[str, object]:
    return {"use_dictionary": [n for n in schema.names if n in DICTIONARY_COLUMNS]}


def write_landing(
    tables: dict[str, pd.DataFrame],
    out_dir: Path | str,
    start: datetime.date | None = None,
    *,
    oracle_dir: Path | str | None = None,
) -> dict[str, int]:
    """Write every table; returns rows written per table.

    With ``oracle_dir`` and a ``Simulation``, also writes its oracle there (``write_oracle``).

    ``start`` (first day of the simulated window) defaults to ``frame.attrs["start"]`` (a date
    or ISO string, set by ``simulate``); only tables partitioned from the window start need it.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for name, frame in tables.items():
        if name not in SCHEMAS:
            raise ValueError(f"unknown landing table {name!r}")
        table = _to_arrow(name, frame)
        day = export_day(name, table, start or _attrs_start(frame))
        replace_dir(out_dir / name, partial(_write_partitions, table, SCHEMAS[name], day))
        written[name] = table.num_rows
    if isinstance(tables, Simulation) and hasattr(tables, "oracle") and oracle_dir is not None:
        write_oracle(tables.oracle, oracle_dir)
    return written


def _attrs_start(frame: pd.DataFrame) -> datetime.date | None:
    value = frame.attrs.get("start")
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _to_arrow(name: str, frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow with the contract's types, strings still ``large_string``.

    The cast to ``string`` happens per partition in ``_write_partitions``: a whole bench
    column can exceed the 2 GiB that ``string``'s int32 offsets can address. Dropping the
    pandas metadata keeps index details out of every file.
    """
    # columns= selects without the full copy that frame[names] would make (GBs for bench).
    table = pa.Table.from_pandas(frame, columns=SCHEMAS[name].names, preserve_index=False)
    return table.cast(in_memory_schema(name)).replace_schema_metadata(None)


def export_day(name: str, table: pa.Table, start: datetime.date | None) -> np.ndarray:
    """int64 days since 1970-01-01 of the partition of every row."""
    column, kind = PARTITION_RULE[name]
    if kind == "from_start" and start is None:
        raise ValueError(f"{name}: pass start= (or frame.attrs['start']) to partition it")
    if column is None:
        return np.full(table.num_rows, (start - EPOCH).days, dtype=np.int64)
    values = table.column(column)
    if kind == "timestamp":
        micros = values.cast(pa.int64()).to_numpy()
        return np.floor_divide(micros, _US_PER_DAY)
    days = values.cast(pa.int32()).to_numpy().astype(np.int64)
    if kind == "from_start":
        days = np.maximum(days, (start - EPOCH).days)
    return days


def write_table_partitions(
    name: str,
    table: pa.Table,
    root: Path,
    start: datetime.date,
    part_file: str = PART_FILE,
    *,
    pool: Executor | None = None,
) -> list[Future[None]]:
    """Write one (chunk of a) table into ``root/dt=.../part_file``, creating folders as needed.

    With ``pool``, each partition's file is written by the pool and the futures are returned
    (wait for them before reading or moving ``root``); the files are the same either way.
    """
    day = export_day(name, table, start)
    return _write_partitions(table, SCHEMAS[name], day, root, part_file, pool=pool)


def write_days_partitions(
    name: str, table: pa.Table, root: Path, start: datetime.date, days: range, part_file: str = PART_FILE
) -> None:
    """Write the rows of the simulated ``days`` (offsets from ``start``) into their partitions.

    Every row must belong to the partition of one of these days: a row of another day would
    overwrite that day's file, so it is an error.
    """
    export = export_day(name, table, start)
    first = (start - EPOCH).days
    if export.size and (export.min() < first + days.start or export.max() >= first + days.stop):
        raise ValueError(f"{name}: rows of simulated days {days.start}..{days.stop - 1} fall outside their partitions")
    _write_partitions(table, SCHEMAS[name], export, root, part_file)


def write_empty_partition(name: str, root: Path, day: datetime.date, part_file: str = PART_FILE) -> None:
    """A day without rows still gets its partition, so every daily table has every day."""
    folder = root / f"dt={day}"
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(SCHEMAS[name].empty_table(), folder / part_file)


def write_oracle(oracle: pd.DataFrame | pa.Table, out_dir: Path | str) -> Path:
    """Write the ground truth to ``<out_dir>/oracle.parquet`` (atomically: temp, then rename).

    Keep ``out_dir`` beside the landing folder, never inside a table folder: the oracle is for
    evaluation only, never for features or training.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    if isinstance(oracle, pd.DataFrame):
        oracle = pa.Table.from_pandas(oracle, preserve_index=False)
    table = oracle.select(ORACLE_SCHEMA.names).cast(ORACLE_SCHEMA).replace_schema_metadata(None)
    tmp = out_dir / f".{ORACLE_FILE}.tmp"
    pq.write_table(table, tmp)
    tmp.replace(out_dir / ORACLE_FILE)
    return out_dir / ORACLE_FILE


def _write_partitions(
    table: pa.Table,
    schema: pa.Schema,
    day: np.ndarray,
    root: Path,
    part_file: str = PART_FILE,
    *,
    pool: Executor | None = None,
) -> list[Future[None]]:
    if day.size and np.any(day[1:] < day[:-1]):
        order = np.argsort(day, kind="stable")  # keep the frame's order within a day
        table, day = table.take(order), day[order]
    bounds = np.flatnonzero(np.diff(day)) + 1
    starts = np.concatenate([[0], bounds]) if day.size else np.array([], dtype=np.int64)
    stops = np.concatenate([bounds, [day.size]]) if day.size else starts
    options = parquet_options(schema)
    futures: list[Future[None]] = []
    for lo, hi in zip(starts.tolist(), stops.tolist(), strict=True):
        folder = root / f"dt={EPOCH + datetime.timedelta(days=int(day[lo]))}"
        folder.mkdir(parents=True, exist_ok=True)
        part = table.slice(lo, hi - lo)
        if pool is None:
            _write_file(part, schema, folder / part_file, options)
        else:
            futures.append(pool.submit(_write_file, part, schema, folder / part_file, options))
    return futures


def _write_file(part: pa.Table, schema: pa.Schema, path: Path, options: dict[str, object]) -> None:
    # Arrow releases the GIL while casting and encoding, so pool threads write in parallel.
    pq.write_table(part.cast(schema), path, **options)


def replace_dir(final: Path, fill: Callable[[Path], None]) -> None:
    """Build ``final`` via ``fill(tmp)`` in a hidden sibling, then swap it in."""
    tmp = final.with_name(f".{final.name}.tmp")
    old = final.with_name(f".{final.name}.old")
    for leftover in (tmp, old):  # from an interrupted earlier run
        if leftover.exists():
            shutil.rmtree(leftover)
    tmp.mkdir()
    fill(tmp)
    if final.exists():
        final.rename(old)
    tmp.rename(final)
    if old.exists():
        shutil.rmtree(old)
