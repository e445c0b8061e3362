"""Split each landing table into accepted rows and quarantined rows, file by file.

Decision: the asset check blocks only on breakage that makes a whole file unusable (it cannot
be read, or its columns are missing / renamed / of another type); those rows are unknown or
unusable, so the warehouse must not run. Row-level failures (nulls, unknown codes, out-of-range
values, duplicates, dates outside their partition, unknown references) are quarantined with a
reason and reported, and the rest is accepted. Always: accepted + quarantined = landed
(the rows in readable files).

Outputs under ``<home>/quarantine/``:
- ``<table>/part-0.parquet``: every quarantined row, original columns as strings, plus
  ``_check`` (class), ``_reason`` (readable), ``_source_file`` (relative to the landing folder)
  and ``_row`` (0-based row number inside that file);
- ``_quarantined_keys/<table>.parquet``: ``_source_file``, ``_row``, ``_check`` and the table's
  primary-key columns (as strings), for the warehouse to exclude.
Both files are always written (empty when nothing is quarantined).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from landing.contracts import PRIMARY_KEYS, validate_table
from landing.partitions import PARTITION_RULE
from landing.schema import SCHEMAS

KEYS_DIR = "_quarantined_keys"
EARLIEST = pd.Timestamp("1990-01-01")
# Column references between tables: (column, referenced table, its key).
REFERENCES: dict[str, list[tuple[str, str, str]]] = {
    table: [("client_id", "clients", "client_id")]
    for table in SCHEMAS
    if table not in ("clients", "products", "campaigns") and "client_id" in SCHEMAS[table].names
}
REFERENCES["product_orders"].append(("product_id", "products", "product_id"))
REFERENCES["app_events"].append(("product_id", "products", "product_id"))
REFERENCES["campaign_contacts"].append(("campaign_id", "campaigns", "campaign_id"))


@dataclass
class TableCheck:
    table: str
    landed: int = 0
    accepted: int = 0
    quarantined: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    broken: list[tuple[str, str]] = field(default_factory=list)  # (file, reason): schema-level
    by_check: dict[str, int] = field(default_factory=dict)
    rows: pd.DataFrame | None = None  # the quarantined rows

    @property
    def blocking(self) -> bool:
        return bool(self.unreadable or self.broken)

    def summary(self) -> str:
        lines = [
            f"{self.table}: {self.landed:,} landed = {self.accepted:,} accepted + {self.quarantined:,} quarantined"
        ]
        lines += [f"  unreadable file {f}: {r}" for f, r in self.unreadable]
        lines += [f"  broken file {f}: {r}" for f, r in self.broken]
        lines += [f"  {check}: {count:,} rows quarantined" for check, count in sorted(self.by_check.items())]
        return "\n".join(lines)


def _files(landing_dir: Path, table: str) -> list[Path]:
    return sorted((landing_dir / table).glob("*/*.parquet"))


def _schema_problem(actual: pa.Schema, expected: pa.Schema) -> str | None:
    for f in expected:
        if f.name not in actual.names:
            extra = sorted(set(actual.names) - set(expected.names))
            return f"column {f.name!r} missing" + (f" (found {', '.join(extra)})" if extra else "")
        got = actual.field(f.name).type
        if got != f.type and not (pa.types.is_large_string(got) and pa.types.is_string(f.type)):
            return f"column {f.name!r} has type {got}, expected {f.type}"
    return None


def read_files(landing_dir: Path, table: str, check: TableCheck) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """Readable, well-formed rows (with ``dt``, ``_source_file``, ``_row``), and the rows of
    schema-broken files (already marked for quarantine)."""
    good: list[pd.DataFrame] = []
    broken: list[pd.DataFrame] = []
    expected = SCHEMAS[table]
    for file in _files(landing_dir, table):
        rel = str(file.relative_to(landing_dir))
        try:
            data = pq.read_table(file)
        except Exception as exc:  # noqa: BLE001  any reason a file cannot be read is reported
            check.unreadable.append((rel, f"{type(exc).__name__}: {str(exc).replace(str(file), rel)}"))
            continue
        frame = data.to_pandas(date_as_object=False, coerce_temporal_nanoseconds=True)
        frame["dt"] = file.parent.name.removeprefix("dt=")
        frame["_source_file"] = rel
        frame["_row"] = np.arange(len(frame))
        check.landed += len(frame)
        problem = _schema_problem(data.schema, expected)
        if problem:
            check.broken.append((rel, problem))
            broken.append(frame.assign(_check="schema", _reason=problem))
        else:
            good.append(frame)
    columns = [*expected.names, "dt", "_source_file", "_row"]
    frame = pd.concat(good, ignore_index=True) if good else pd.DataFrame(columns=columns)
    return frame, broken


def _classify(check: str) -> str:
    if "nullable" in check:
        return "not_null"
    if "isin" in check:
        return "unknown_code"
    if "unique" in check or "duplicates" in check:
        return "duplicate"
    if "str_matches" in check or "str_length" in check:
        return "format"
    if "dtype" in check:
        return "type"
    return "range"


def _date_checks(table: str, frame: pd.DataFrame) -> list[tuple[np.ndarray, str, str]]:
    column, kind = PARTITION_RULE[table]
    if column is None or frame.empty:
        return []
    when = pd.to_datetime(frame[column]).dt.normalize()
    dt = pd.to_datetime(frame["dt"])
    bad_range = (when < EARLIEST) | (when > dt)
    if kind == "from_start":
        late = (when < dt) & (dt > dt.min()) & ~bad_range
    else:
        late = (when < dt) & ~bad_range
    return [
        (bad_range.to_numpy(), "out_of_range_date", f"{column} outside [{EARLIEST.date()}, its partition day]"),
        (late.to_numpy(), "late_arrival", f"{column} earlier than its partition day (arrived late)"),
    ]


def check_table(landing_dir: Path, table: str, known: dict[str, pd.Index] | None = None) -> TableCheck:
    """Run the contract on every file of ``table``; ``known`` holds the accepted keys of the
    referenced tables (clients, products, campaigns)."""
    check = TableCheck(table)
    frame, broken = read_files(landing_dir, table, check)
    reasons = np.full(len(frame), None, dtype=object)
    classes = np.full(len(frame), None, dtype=object)

    def mark(mask: np.ndarray, cls: str, reason: str) -> None:
        new = mask & (classes == None)  # noqa: E711  first failure wins
        classes[new] = cls
        reasons[new] = reason

    if len(frame):
        result = validate_table(table, frame)
        rowwise = result.failures.dropna(subset=["index"])
        for (column, chk), group in rowwise.groupby(["column", "check"], sort=True):
            mask = np.zeros(len(frame), dtype=bool)
            mask[group["index"].astype(np.int64).to_numpy()] = True
            mark(mask, _classify(str(chk)), f"{column}: {chk}")
        tablewide = result.failures[result.failures["index"].isna()]
        for row in tablewide.itertuples(index=False):
            # Column-level failures (e.g. a wrong dtype across files) make the table unusable.
            check.broken.append(("(all files)", f"{row.column}: {row.check} {row.failure_case}"))
        for mask, cls, reason in _date_checks(table, frame):
            mark(mask, cls, reason)
        for column, ref_table, _ in REFERENCES.get(table, []):
            if known is None or ref_table not in known:
                continue
            values = frame[column]
            missing = values.notna().to_numpy() & ~values.isin(known[ref_table]).to_numpy()
            mark(missing, "unknown_reference", f"{column} not in {ref_table}")

    bad = classes != None  # noqa: E711
    quarantined = frame[bad].assign(_check=classes[bad], _reason=reasons[bad])
    rows = pd.concat([quarantined, *broken], ignore_index=True) if broken else quarantined
    check.rows = rows
    check.quarantined = len(rows)
    check.accepted = check.landed - check.quarantined
    check.by_check = rows["_check"].value_counts().to_dict() if len(rows) else {}
    return check


def accepted_keys(landing_dir: Path, table: str) -> pd.Index:
    """Keys of the accepted rows of a reference table (for the reference checks of the others)."""
    check = check_table(landing_dir, table)
    frame, _ = read_files(landing_dir, table, TableCheck(table))
    key = PRIMARY_KEYS[table][0]
    if check.rows is not None and len(check.rows):
        dropped = set(zip(check.rows["_source_file"], check.rows["_row"], strict=True))
        keep = [(f, r) not in dropped for f, r in zip(frame["_source_file"], frame["_row"], strict=True)]
        frame = frame[keep]
    return pd.Index(frame[key].dropna().unique())


def write_quarantine(check: TableCheck, quarantine_dir: Path) -> tuple[Path, Path]:
    """Write the quarantined rows and their keys (atomically; empty files when none)."""
    table = check.table
    rows = check.rows if check.rows is not None else pd.DataFrame()
    meta = ["_check", "_reason", "_source_file", "_row"]
    data_cols = [c for c in rows.columns if c not in meta]
    as_text = {c: rows[c].astype("string") for c in data_cols} if len(rows) else {c: [] for c in SCHEMAS[table].names}
    out = pd.DataFrame(as_text, dtype="string")
    for c in meta:
        out[c] = rows[c].to_numpy() if len(rows) else []
    out["_row"] = out["_row"].astype("int64")
    keys = out[[*[k for k in PRIMARY_KEYS[table] if k in out], "_source_file", "_row", "_check"]]
    paths = (quarantine_dir / table / "part-0.parquet", quarantine_dir / KEYS_DIR / f"{table}.parquet")
    for frame, path in zip((out, keys), paths, strict=True):
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        frame.to_parquet(tmp, index=False)
        tmp.replace(path)
    return paths
