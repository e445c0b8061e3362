"""Realistic defects injected into written landing files, for testing the contracts.

Each class edits one landing file in place (atomically) and is recorded in ``<out>/_faults.json``:
the class, table, file (relative to ``out``), column, and how many rows it touched. Row faults may
share a file (on disjoint rows); a fault that breaks a whole file gets a file of its own, so one day
can carry every class at once.
"""

from __future__ import annotations

import json
import shutil
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
    "retyped_column": ("asset_snapshots", "cash"),
    "truncated_file": ("campaign_contacts", None),
}
# Faults of the export itself rather than of its rows, injected only when asked for by name.
EXPORT_FAULTS: dict[str, tuple[str, None]] = {
    "not_parquet": ("risk_assessments", None),  # the export wrote CSV under the parquet name
    "empty_file": ("do_not_contact", None),  # 0 bytes
    "missing_table": ("app_events", None),  # the table's dt= folder of the day never arrived
}
ALL_FAULTS: dict[str, tuple[str, str | None]] = {**FAULT_TARGETS, **EXPORT_FAULTS}
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


def inject_faults(
    out_dir: Path | str, rate: float, seed: int = 0, days: list[str] | None = None, kinds: list[str] | None = None
) -> list[dict]:
    """Inject fault classes (``kinds``, default every class of ``FAULT_TARGETS``; row faults touch ``rate``
    of a file's rows, at least one); with ``days``, only into those dt partitions. Returns and writes
    the record."""
    out = Path(out_dir)
    unknown = sorted(set(kinds or ()) - set(ALL_FAULTS))
    if unknown:
        raise ValueError(f"unknown fault class(es) {unknown}; known: {sorted(ALL_FAULTS)}")
    rng = np.random.default_rng([seed, 99])
    whole: set[Path] = set()  # files a fault broke as a whole
    touched: dict[Path, set[int]] = {}  # rows of files row faults edited
    record: list[dict] = []
    for fault in kinds or list(FAULT_TARGETS):
        table, column = ALL_FAULTS[fault]
        row_fault = fault in ROW_FAULTS
        # A file of its own where the days hold one; row faults share a file (on other rows) otherwise.
        file = _pick_file(rng, out / table, days, whole | set(touched), row_fault)
        if file is None and row_fault:
            file = _pick_file(rng, out / table, days, whole, row_fault)
        if file is None:
            continue
        data = pq.read_table(file)
        n = data.num_rows
        entry = {"fault": fault, "table": table, "file": str(file.relative_to(out)), "column": column, "rows": n}
        if row_fault:
            free = np.setdiff1d(np.arange(n), np.fromiter(touched.get(file, ()), dtype=np.int64))
            k = max(1, round(rate * n))
            rows = np.sort(rng.choice(free, min(k, free.size), replace=False))
            data, hit = _apply(fault, data, column, rows, file)
            _atomic_table(file, data)
            touched.setdefault(file, set()).update(rows.tolist(), hit.tolist())
            entry["rows"] = int(hit.size)
            entry["row_index"] = hit.tolist()
        else:
            whole.add(file)
            if fault == "truncated_file":
                raw = file.read_bytes()
                _atomic_bytes(file, raw[: len(raw) // 2])
            elif fault == "not_parquet":
                _atomic_bytes(file, data.to_pandas().to_csv(index=False).encode())
            elif fault == "empty_file":
                _atomic_bytes(file, b"")
            elif fault == "missing_table":
                entry["file"] = str(file.parent.relative_to(out))
                entry["rows"] = sum(pq.read_metadata(f).num_rows for f in file.parent.glob("*.parquet"))
                shutil.rmtree(file.parent)
            else:
                data, _ = _apply(fault, data, column, np.arange(n), file)
                _atomic_table(file, data)
        record.append(entry)
    existing = json.loads((out / FAULTS_FILE).read_text()) if (out / FAULTS_FILE).exists() else []
    (out / FAULTS_FILE).write_text(json.dumps(existing + record, indent=2) + "\n")
    return record


def _pick_file(
    rng: np.random.Generator, root: Path, days: list[str] | None, taken: set[Path], row_fault: bool
) -> Path | None:
    """A file of ``root`` (in ``days``) not in ``taken``, with two rows or more where there is one; a row
    fault needs a row, a fault that breaks the whole file takes any file (an empty day's)."""
    files = sorted(p for p in root.glob("dt=*/*.parquet") if p not in taken)
    if days:
        files = [p for p in files if p.parent.name[3:] in days]
    rows = {p: pq.ParquetFile(p).metadata.num_rows for p in files}
    sized = [p for p in files if rows[p] >= 2] or [p for p in files if rows[p] >= (1 if row_fault else 0)]
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
    if fault == "retyped_column":  # money written as text
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
