"""Split each landing table into accepted rows and quarantined rows, file by file.

Decision: a file that is unusable as a whole (it cannot be read: empty, not parquet, truncated; or
its columns are missing, renamed or of another type) is quarantined whole and holds its day back:
the contract fails and the warehouse does not build until the file is exported again. Row-level
failures (nulls, unknown codes, out-of-range values, duplicates, dates outside their partition,
unknown references) are quarantined with a reason and the rest is accepted. Always: accepted +
quarantined = landed (the rows in readable files; an unreadable file's rows are unknown, and the
file is listed).

Outputs under ``<home>/quarantine/``:
- ``<table>/part-0.parquet``: every quarantined row, original columns as strings, plus
  ``_check`` (class), ``_reason`` (readable), ``_source_file`` (relative to the landing folder)
  and ``_row`` (0-based row number inside that file);
- ``_quarantined_keys/<table>.parquet``: ``_source_file``, ``_row``, ``_check`` and the table's
  primary-key columns (as strings), for the warehouse to exclude;
- ``_files/<table>.json``: every file quarantined whole, with its fault and reason.
All are rewritten on every check (empty when nothing is quarantined), so a file exported again
clean leaves the quarantine on the next check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from landing.contracts import PRIMARY_KEYS, validate_table
from landing.partitions import PARTITION_RULE
from landing.schema import SCHEMAS, TABLES

KEYS_DIR = "_quarantined_keys"
FILES_DIR = "_files"
PARQUET_MAGIC = b"PAR1"
REFERENCE_TABLES = ("clients", "products", "campaigns")
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


@dataclass(frozen=True)
class FileFault:
    """A file quarantined whole: ``fault`` is one of ``FILE_FAULTS``; ``rows`` is None when unknown."""

    file: str
    fault: str
    reason: str
    rows: int | None = None


# What makes a whole file unusable, and what to tell the firm that exports it.
FILE_FAULTS = {
    "empty_file": "the file is empty (0 bytes)",
    "not_parquet": "the file is not parquet (it does not start with the parquet magic bytes PAR1)",
    "unreadable_file": "the file is truncated or corrupt: its parquet footer cannot be read",
    "missing_column": "a contract column is missing (renamed or dropped)",
    "wrong_type": "a contract column has another type",
}


@dataclass
class TableCheck:
    table: str
    landed: int = 0
    accepted: int = 0
    quarantined: int = 0
    files: list[FileFault] = field(default_factory=list)  # quarantined whole
    table_faults: list[str] = field(default_factory=list)  # column-level failures across every file
    by_check: dict[str, int] = field(default_factory=dict)
    rows: pd.DataFrame | None = None  # the quarantined rows

    @property
    def unreadable(self) -> list[tuple[str, str]]:
        return [(f.file, f.reason) for f in self.files if f.rows is None]

    @property
    def broken(self) -> list[tuple[str, str]]:
        schema = [(f.file, f.reason) for f in self.files if f.rows is not None]
        return schema + [("(all files)", reason) for reason in self.table_faults]

    @property
    def blocking(self) -> bool:
        return bool(self.files or self.table_faults)

    def summary(self) -> str:
        lines = [
            f"{self.table}: {self.landed:,} landed = {self.accepted:,} accepted + {self.quarantined:,} quarantined"
        ]
        lines += [f"  file {f.file} quarantined whole ({f.fault}): {f.reason}" for f in self.files]
        lines += [f"  every file: {reason}" for reason in self.table_faults]
        whole = {f.file for f in self.files}
        rows = self.rows if self.rows is not None else pd.DataFrame(columns=["_source_file", "_check", "_reason"])
        rows = rows[~rows["_source_file"].isin(whole)]
        for (file, check), group in rows.groupby(["_source_file", "_check"], sort=True):
            lines.append(f"  file {file}: {len(group):,} rows quarantined ({check}: {group['_reason'].iloc[0]})")
        return "\n".join(lines)


def _files(landing_dir: Path, table: str) -> list[Path]:
    return sorted((landing_dir / table).glob("*/*.parquet"))


def _schema_problem(actual: pa.Schema, expected: pa.Schema) -> tuple[str, str] | None:
    """(fault, reason) when the file's columns break the contract."""
    for f in expected:
        if f.name not in actual.names:
            extra = sorted(set(actual.names) - set(expected.names))
            found = f" (found {', '.join(extra)} instead)" if extra else ""
            return "missing_column", f"column {f.name!r} is missing{found}"
        got = actual.field(f.name).type
        if got != f.type and not (pa.types.is_large_string(got) and pa.types.is_string(f.type)):
            return "wrong_type", f"column {f.name!r} has type {got}, the contract says {f.type}"
    return None


def unreadable_fault(file: Path, error: Exception) -> tuple[str, str]:
    """(fault, reason) of a file pyarrow cannot read: what the firm must fix, then the library's words."""
    with file.open("rb") as handle:
        head = handle.read(4)
    if file.stat().st_size == 0:
        fault = "empty_file"
    elif head != PARQUET_MAGIC:
        fault = "not_parquet"
    else:
        fault = "unreadable_file"
    detail = str(error).replace(str(file), file.name).strip().splitlines()
    return fault, f"{FILE_FAULTS[fault]} ({type(error).__name__}: {detail[0] if detail else ''})"


def footer_rows(landing_dir: Path, table: str) -> tuple[dict[str, int], list[str]]:
    """Rows of ``table``'s readable files by day (``dt=`` folder), from their parquet footers, and the
    files whose footer is unreadable: their sum is what the contract's accepted + quarantined rows must
    add up to."""
    rows: dict[str, int] = {}
    unreadable: list[str] = []
    for file in _files(landing_dir, table):
        day = file.parent.name.removeprefix("dt=")
        try:
            rows[day] = rows.get(day, 0) + pq.read_metadata(file).num_rows
        except Exception:  # noqa: BLE001  any reason a footer cannot be read is the contract's to report
            unreadable.append(str(file.relative_to(landing_dir)))
    return rows, unreadable


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
            check.files.append(FileFault(rel, *unreadable_fault(file, exc)))
            continue
        frame = data.to_pandas(date_as_object=False, coerce_temporal_nanoseconds=True)
        frame["dt"] = file.parent.name.removeprefix("dt=")
        frame["_source_file"] = rel
        frame["_row"] = np.arange(len(frame))
        check.landed += len(frame)
        problem = _schema_problem(data.schema, expected)
        if problem:
            fault, reason = problem
            check.files.append(FileFault(rel, fault, reason, rows=len(frame)))
            broken.append(frame.assign(_check="schema", _reason=reason))
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
            check.table_faults.append(f"{row.column}: {row.check} {row.failure_case}")
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


def check_landing(landing_dir: Path) -> dict[str, TableCheck]:
    """The contract of every table: the reference tables first, whose accepted keys the others'
    references are checked against."""
    checks = {table: check_table(landing_dir, table) for table in REFERENCE_TABLES}
    known = {table: _accepted_keys(landing_dir, check) for table, check in checks.items()}
    for table in TABLES:
        if table not in checks:
            checks[table] = check_table(landing_dir, table, known)
    return {table: checks[table] for table in TABLES}


def _accepted_keys(landing_dir: Path, check: TableCheck) -> pd.Index:
    frame, _ = read_files(landing_dir, check.table, TableCheck(check.table))
    key = PRIMARY_KEYS[check.table][0]
    if check.rows is not None and len(check.rows):
        dropped = set(zip(check.rows["_source_file"], check.rows["_row"], strict=True))
        keep = [(f, r) not in dropped for f, r in zip(frame["_source_file"], frame["_row"], strict=True)]
        frame = frame[keep]
    return pd.Index(frame[key].dropna().unique())


def accepted_keys(landing_dir: Path, table: str) -> pd.Index:
    """Keys of the accepted rows of a reference table (for the reference checks of the others)."""
    return _accepted_keys(landing_dir, check_table(landing_dir, table))


def write_quarantine(check: TableCheck, quarantine_dir: Path) -> tuple[Path, Path]:
    """Write the quarantined rows, their keys and the files quarantined whole (atomically; empty when none)."""
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
    listed = quarantine_dir / FILES_DIR / f"{table}.json"
    listed.parent.mkdir(parents=True, exist_ok=True)
    tmp = listed.with_name(f".{listed.name}.tmp")
    tmp.write_text(json.dumps([f.__dict__ for f in check.files], indent=2) + "\n")
    tmp.replace(listed)
    return paths


def quarantined_files(quarantine_dir: Path, table: str) -> list[FileFault]:
    """The files of ``table`` the last check quarantined whole."""
    listed = quarantine_dir / FILES_DIR / f"{table}.json"
    return [FileFault(**entry) for entry in json.loads(listed.read_text())] if listed.exists() else []
