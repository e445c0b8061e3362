"""Realistic defects injected into written landing files, for testing the contracts.

Each class edits one landing file in place (atomically) and is recorded in ``<out>/_faults.json``:
the class, table, file (relative to ``out``), column, and how many rows it touched.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

FAULTS_FILE = "_faults.json"
# fault class -> (table, column) it is injected into.
FAULT_TARGETS: dict[str, tuple[str, str]] = {
    "null_required": ("trades", "client_id"),
    "duplicate_rows": ("app_events", "event_id"),
    "unknown_code": ("app_events", "event_type"),
    "negative_amount": ("bank_transfers", "amount"),
    "out_of_range_date": ("product_orders", "ordered_at"),
    "late_arrival": ("trades", "traded_at"),
    "unknown_reference": ("product_orders", "product_id"),
    "renamed_column": ("service_interactions", "transcript"),
    "retyped_column": ("bank_transfers", "amount"),
    "truncated_file": ("campaign_contacts", None),
}
ROW_FAULTS = (
    "null_required",
    "duplicate_rows",
    "unknown_code",
    "negative_amount",
    "out_of_range_date",
    "late_arrival",
    "unknown_reference",
)
US_PER_DAY = 86_400 * 1_000_000


def inject_faults(out_dir: Path | str, rate: float, seed: int = 0, days: list[str] | None = None) -> list[dict]:
    """Inject every fault class (row faults touch ``rate`` of a file's rows, at least one);
    with ``days``, only into those dt partitions. Returns and writes the record."""
    out = Path(out_dir)
    rng = np.random.default_rng([seed, 99])
    used: set[Path] = set()
    record: list[dict] = []
    for fault, (table, column) in FAULT_TARGETS.items():
        file = _pick_file(rng, out / table, days, used)
        if file is None:
            continue
        used.add(file)
        data = pq.read_table(file)
        n = data.num_rows
        k = max(1, round(rate * n))
        rows = np.sort(rng.choice(n, min(k, n), replace=False)) if n else np.array([], dtype=int)
        entry = {"fault": fault, "table": table, "file": str(file.relative_to(out)), "column": column}
        if fault == "truncated_file":
            raw = file.read_bytes()
            _atomic_bytes(file, raw[: len(raw) // 2])
            entry["rows"] = n
        else:
            data, touched = _apply(fault, data, column, rows, file)
            _atomic_table(file, data)
            entry["rows"] = int(touched.size)
            entry["row_index"] = touched.tolist()
        record.append(entry)
    existing = json.loads((out / FAULTS_FILE).read_text()) if (out / FAULTS_FILE).exists() else []
    (out / FAULTS_FILE).write_text(json.dumps(existing + record, indent=2) + "\n")
    return record


def _pick_file(rng: np.random.Generator, root: Path, days: list[str] | None, used: set[Path]) -> Path | None:
    files = sorted(p for p in root.glob("dt=*/*.parquet") if p not in used)
    if days:
        files = [p for p in files if p.parent.name[3:] in days]
    sized = [p for p in files if pq.ParquetFile(p).metadata.num_rows >= 2]
    if not sized:
        return None
    return sized[int(rng.integers(0, len(sized)))]


def _set(data: pa.Table, column: str, rows: np.ndarray, value: pa.Array) -> pa.Table:
    """``column`` with ``value[i]`` at ``rows[i]``."""
    col = data.column(column).combine_chunks()
    mask = np.zeros(data.num_rows, dtype=bool)
    mask[rows] = True
    where = np.zeros(data.num_rows, dtype=np.int64)
    where[rows] = np.arange(rows.size)
    new = pc.if_else(pa.array(mask), value.cast(col.type).take(pa.array(where)), col)
    return data.set_column(data.schema.get_field_index(column), data.schema.field(column), new)


def _apply(fault: str, data: pa.Table, column: str, rows: np.ndarray, file: Path) -> tuple[pa.Table, np.ndarray]:
    n = data.num_rows
    typ = data.schema.field(column).type
    if fault == "null_required":
        return _set(data, column, rows, pa.nulls(rows.size, typ)), rows
    if fault == "duplicate_rows":
        return pa.concat_tables([data, data.take(pa.array(rows))]), n + np.arange(rows.size)
    if fault == "unknown_code":
        return _set(data, column, rows, pa.array(["push_click"] * rows.size)), rows
    if fault == "negative_amount":
        values = pc.negate(data.column(column).combine_chunks().take(pa.array(rows)))
        return _set(data, column, rows, values), rows
    if fault == "unknown_reference":
        return _set(data, column, rows, pa.array(["P9999"] * rows.size)), rows
    if fault in ("out_of_range_date", "late_arrival"):
        micros = data.column(column).combine_chunks().cast(pa.int64()).to_numpy()[rows]
        if fault == "late_arrival":
            micros = micros - 3 * US_PER_DAY  # happened three days before the export it came in
        else:
            micros = micros + 30_000 * US_PER_DAY  # a clock ~82 years off
        return _set(data, column, rows, pa.array(micros).cast(typ)), rows
    if fault == "renamed_column":
        names = [f"{c}_text" if c == column else c for c in data.column_names]
        return data.rename_columns(names), np.arange(n)
    if fault == "retyped_column":
        idx = data.schema.get_field_index(column)
        return data.set_column(idx, pa.field(column, pa.string()), data.column(column).cast(pa.string())), np.arange(n)
    raise ValueError(f"unknown fault {fault!r}")


def _atomic_table(file: Path, data: pa.Table) -> None:
    tmp = file.with_name(f".{file.name}.tmp")
    # A broken export does not honour the contract's not-null flags either.
    data = data.cast(pa.schema([f.with_nullable(True) for f in data.schema]))
    pq.write_table(data, tmp)
    tmp.replace(file)


def _atomic_bytes(file: Path, raw: bytes) -> None:
    tmp = file.with_name(f".{file.name}.tmp")
    tmp.write_bytes(raw)
    tmp.replace(file)
