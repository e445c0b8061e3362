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
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from landing.contracts import PRIMARY_KEYS, key_rule, validate_table
from landing.partitions import PARTITION_RULE, folder_day
from landing.schema import SCHEMAS, TABLES

KEYS_DIR = "_quarantined_keys"
FILES_DIR = "_files"
PARQUET_MAGIC = b"PAR1"
REFERENCE_TABLES = ("clients", "products", "campaigns")
EARLIEST = pd.Timestamp("1990-01-01")
# Rows the contract checks at once. Memory follows the batch, not the history: the 50,000-client
# year's asset snapshots alone are 16.9 M rows, and a whole table in pandas held several GB.
BATCH_ROWS = 2_000_000
# DuckDB's bound for the key check across every file (it spills to disk beyond it).
KEY_CHECK_MEMORY = "1GB"
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
    accepted_keys: pd.Index | None = None  # a reference table's accepted keys, for the others' references

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
        day = folder_day(file.parent.name)
        try:
            rows[day] = rows.get(day, 0) + pq.read_metadata(file).num_rows
        except Exception:  # noqa: BLE001  any reason a footer cannot be read is the contract's to report
            unreadable.append(str(file.relative_to(landing_dir)))
    return rows, unreadable


def screen_files(landing_dir: Path, table: str, check: TableCheck) -> tuple[list[tuple[Path, int]], list[pd.DataFrame]]:
    """The readable files of ``table`` whose columns meet the contract, with their rows, and the rows
    of schema-broken files (already marked for quarantine). Unreadable and schema-broken files are
    recorded on ``check``; nothing is kept of the good files' rows.

    Each file is read whole, not only its footer: a file whose footer reads can still hold a corrupt
    page, and only a full read proves it is usable before the key check and the batches read it."""
    good: list[tuple[Path, int]] = []
    broken: list[pd.DataFrame] = []
    expected = SCHEMAS[table]
    for file in _files(landing_dir, table):
        rel = str(file.relative_to(landing_dir))
        try:
            data = pq.read_table(file)
        except Exception as exc:  # noqa: BLE001  any reason a file cannot be read is reported
            check.files.append(FileFault(rel, *unreadable_fault(file, exc)))
            continue
        check.landed += data.num_rows
        problem = _schema_problem(data.schema, expected)
        if problem:
            fault, reason = problem
            check.files.append(FileFault(rel, fault, reason, rows=data.num_rows))
            broken.append(_frame(landing_dir, file, data).assign(_check="schema", _reason=reason))
        else:
            good.append((file, data.num_rows))
    return good, broken


def _frame(landing_dir: Path, file: Path, data: pa.Table) -> pd.DataFrame:
    frame = data.to_pandas(date_as_object=False, coerce_temporal_nanoseconds=True)
    frame["dt"] = folder_day(file.parent.name)
    frame["_source_file"] = str(file.relative_to(landing_dir))
    frame["_row"] = np.arange(len(frame))
    return frame


def read_files(landing_dir: Path, table: str, files: list[Path]) -> pd.DataFrame:
    """The rows of ``files`` (readable, well-formed) with ``dt``, ``_source_file`` and ``_row``."""
    frames = [_frame(landing_dir, file, pq.read_table(file)) for file in files]
    columns = [*SCHEMAS[table].names, "dt", "_source_file", "_row"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def batches(files: list[tuple[Path, int]], batch_rows: int) -> list[list[Path]]:
    """Consecutive files, up to ``batch_rows`` rows a batch (a larger file is a batch of its own)."""
    out: list[list[Path]] = []
    rows = 0
    for file, count in files:
        if not out or rows + count > batch_rows:
            out.append([])
            rows = 0
        out[-1].append(file)
        rows += count
    return out


def repeated_keys(table: str, files: list[Path]) -> pd.DataFrame:
    """Rows whose key an earlier row already holds, over every file (in file order, then row order):
    ``_file`` (its index in ``files``), ``_row`` and the key columns. Out of core: DuckDB reads the key
    columns only and spills past its bound, so the check holds at any history's length."""
    rule = key_rule(table)
    columns = [*(rule.columns if rule else ()), "_file", "_row"]
    if rule is None or not files:
        return pd.DataFrame(columns=columns)
    keys = ", ".join(f'"{c}"' for c in rule.columns)
    nonnull = " and ".join(f'"{c}" is not null' for c in rule.columns)
    paths = [str(f) for f in files]
    with tempfile.TemporaryDirectory(prefix="contract-keys-") as spill, duckdb.connect() as con:
        con.execute(f"set memory_limit = '{KEY_CHECK_MEMORY}'")
        con.execute(f"set temp_directory = '{spill}'")
        con.execute("set preserve_insertion_order = false")
        return con.execute(
            f"""
            with rows as (
                select {keys}, list_position($files, filename) - 1 as _file, file_row_number as _row
                from read_parquet($files, filename = true, file_row_number = true)
                where {nonnull}
            )
            select {keys}, _file, _row from rows
            qualify row_number() over (partition by {keys} order by _file, _row) > 1
            order by _file, _row
            """,
            {"files": paths},
        ).df()


def _key_failures(rule, repeats: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The repeated keys of one batch as pandera reports them: a failure per key column and row."""
    if rule is None or repeats.empty:
        return pd.DataFrame(columns=["column", "check", "index"])
    position = pd.Series(np.arange(len(frame)), index=pd.MultiIndex.from_arrays([frame["_source_file"], frame["_row"]]))
    index = position.loc[list(zip(repeats["_source_file"], repeats["_row"], strict=True))].to_numpy()
    return pd.concat(
        [pd.DataFrame({"column": column, "check": rule.check, "index": index}) for column in rule.columns],
        ignore_index=True,
    )


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


def _date_checks(table: str, frame: pd.DataFrame, first_day: str | None) -> list[tuple[np.ndarray, str, str]]:
    """``first_day``: the table's first landed day (of every file, not only this batch's)."""
    column, kind = PARTITION_RULE[table]
    if column is None or frame.empty:
        return []
    when = pd.to_datetime(frame[column]).dt.normalize()
    dt = pd.to_datetime(frame["dt"])
    bad_range = (when < EARLIEST) | (when > dt)
    if kind == "from_start":
        late = (when < dt) & (dt > pd.Timestamp(first_day)) & ~bad_range
    else:
        late = (when < dt) & ~bad_range
    return [
        (bad_range.to_numpy(), "out_of_range_date", f"{column} outside [{EARLIEST.date()}, its partition day]"),
        (late.to_numpy(), "late_arrival", f"{column} earlier than its partition day (arrived late)"),
    ]


def check_table(
    landing_dir: Path, table: str, known: dict[str, pd.Index] | None = None, batch_rows: int = BATCH_ROWS
) -> TableCheck:
    """Run the contract on every file of ``table``; ``known`` holds the accepted keys of the
    referenced tables (clients, products, campaigns). The files are checked ``batch_rows`` rows at a
    time, and their keys across every file, so memory stays bounded as the history grows; the result
    does not depend on the batch size."""
    check = TableCheck(table)
    good, broken = screen_files(landing_dir, table, check)
    rule = key_rule(table)
    # In one batch pandera checks the keys itself; across batches DuckDB finds the repeats first.
    repeats = None
    if sum(rows for _, rows in good) > batch_rows:
        repeats = repeated_keys(table, [file for file, _ in good])
        repeats["_source_file"] = [str(good[i][0].relative_to(landing_dir)) for i in repeats["_file"]]
    first_day = min((folder_day(file.parent.name) for file, rows in good if rows), default=None)
    quarantined: list[pd.DataFrame] = []
    accepted: list[pd.Series] = []
    for files in batches(good, batch_rows):
        frame = read_files(landing_dir, table, files)
        in_batch = None
        if repeats is not None:
            in_batch = repeats[repeats["_source_file"].isin({str(f.relative_to(landing_dir)) for f in files})]
        quarantined.append(_check_rows(table, frame, known, rule, in_batch, first_day, check))
        if table in REFERENCE_TABLES:
            key = PRIMARY_KEYS[table][0]
            accepted.append(frame.loc[~frame.index.isin(quarantined[-1].index), key].dropna())
    if table in REFERENCE_TABLES:
        check.accepted_keys = pd.Index(pd.concat(accepted).unique() if accepted else [])
    parts = [*quarantined, *broken]
    columns = [*SCHEMAS[table].names, "dt", "_source_file", "_row", "_check", "_reason"]
    check.rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    check.quarantined = len(check.rows)
    check.accepted = check.landed - check.quarantined
    check.by_check = check.rows["_check"].value_counts().to_dict() if len(check.rows) else {}
    return check


def _check_rows(
    table: str,
    frame: pd.DataFrame,
    known: dict[str, pd.Index] | None,
    rule,
    repeats: pd.DataFrame | None,
    first_day: str | None,
    check: TableCheck,
) -> pd.DataFrame:
    """The quarantined rows of one batch, each with the first check it fails (in the order of the
    contract's columns and checks, then dates, then references). ``repeats``: the batch's rows whose
    key an earlier batch holds, or None when the batch is the whole table (pandera checks its keys)."""
    reasons = np.full(len(frame), None, dtype=object)
    classes = np.full(len(frame), None, dtype=object)

    def mark(mask: np.ndarray, cls: str, reason: str) -> None:
        new = mask & (classes == None)  # noqa: E711  first failure wins
        classes[new] = cls
        reasons[new] = reason

    if len(frame):
        result = validate_table(table, frame, keys=repeats is None)
        failures = result.failures
        if repeats is not None:
            failures = pd.concat([failures, _key_failures(rule, repeats, frame)], ignore_index=True)
        rowwise = failures.dropna(subset=["index"])
        for (column, chk), group in rowwise.groupby(["column", "check"], sort=True):
            mask = np.zeros(len(frame), dtype=bool)
            mask[group["index"].astype(np.int64).to_numpy()] = True
            mark(mask, _classify(str(chk)), f"{column}: {chk}")
        tablewide = failures[failures["index"].isna()]
        for row in tablewide.itertuples(index=False):
            # Column-level failures (e.g. a wrong dtype across files) make the table unusable.
            fault = f"{row.column}: {row.check} {row.failure_case}"
            if fault not in check.table_faults:
                check.table_faults.append(fault)
        for mask, cls, reason in _date_checks(table, frame, first_day):
            mark(mask, cls, reason)
        for column, ref_table, _ in REFERENCES.get(table, []):
            if known is None or ref_table not in known:
                continue
            values = frame[column]
            missing = values.notna().to_numpy() & ~values.isin(known[ref_table]).to_numpy()
            mark(missing, "unknown_reference", f"{column} not in {ref_table}")
    bad = classes != None  # noqa: E711
    return frame[bad].assign(_check=classes[bad], _reason=reasons[bad])


def check_landing(landing_dir: Path) -> dict[str, TableCheck]:
    """The contract of every table: the reference tables first, whose accepted keys the others'
    references are checked against."""
    checks = {table: check_table(landing_dir, table) for table in REFERENCE_TABLES}
    known = {table: check.accepted_keys for table, check in checks.items()}
    for table in TABLES:
        if table not in checks:
            checks[table] = check_table(landing_dir, table, known)
    return {table: checks[table] for table in TABLES}


def accepted_keys(landing_dir: Path, table: str) -> pd.Index:
    """Keys of the accepted rows of a reference table (for the reference checks of the others)."""
    if table not in REFERENCE_TABLES:
        raise ValueError(f"{table!r} is not a reference table ({', '.join(REFERENCE_TABLES)})")
    return check_table(landing_dir, table).accepted_keys


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
