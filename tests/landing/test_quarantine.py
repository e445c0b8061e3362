"""Every injected fault is caught with the right reason, and no row is lost."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from landing.quarantine import KEYS_DIR, TableCheck, accepted_keys, check_table, write_quarantine
from simulator import TABLES, simulate_to_disk
from simulator.faults import FAULT_TARGETS, inject_faults

SMALL = dict(clients=400, days=60, seed=3)
EXPECTED_CHECK = {
    "null_required": "not_null",
    "duplicate_rows": "duplicate",
    "unknown_code": "unknown_code",
    "negative_amount": "range",
    "out_of_range_date": "out_of_range_date",
    "late_arrival": "late_arrival",
    "unknown_reference": "unknown_reference",
    "renamed_column": "schema",
    "retyped_column": "schema",
}


def check_all(landing: Path) -> dict[str, TableCheck]:
    known = {ref: accepted_keys(landing, ref) for ref in ("clients", "products", "campaigns")}
    return {table: check_table(landing, table, known) for table in TABLES}


def readable_rows(landing: Path, table: str) -> int:
    total = 0
    for file in (landing / table).glob("*/*.parquet"):
        try:
            total += pq.ParquetFile(file).metadata.num_rows
        except Exception:  # noqa: BLE001
            continue
    return total


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean")
    simulate_to_disk(**SMALL, out_dir=out, progress=False)
    return out


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("faulty")
    simulate_to_disk(**SMALL, out_dir=out, progress=False)
    return out, inject_faults(out, 0.02, seed=1)


def test_clean_landing_quarantines_nothing(clean: Path) -> None:
    for table, check in check_all(clean).items():
        assert not check.blocking, check.summary()
        assert check.quarantined == 0, check.summary()
        assert check.accepted == check.landed == readable_rows(clean, table)


def test_every_fault_is_caught_with_its_reason(faulty: tuple[Path, list[dict]]) -> None:
    landing, record = faulty
    assert {entry["fault"] for entry in record} == set(FAULT_TARGETS)
    assert json.loads((landing / "_faults.json").read_text()) == record
    checks = check_all(landing)
    for entry in record:
        check = checks[entry["table"]]
        if entry["fault"] == "truncated_file":
            assert [f for f, _ in check.unreadable] == [entry["file"]]
            assert check.blocking
            continue
        rows = check.rows[check.rows["_source_file"] == entry["file"]]
        caught = rows[rows["_row"].isin(entry["row_index"])]
        assert len(caught) == entry["rows"], entry
        assert set(caught["_check"]) == {EXPECTED_CHECK[entry["fault"]]}, (entry, set(caught["_check"]))
        if EXPECTED_CHECK[entry["fault"]] == "schema":
            assert any(f == entry["file"] and entry["column"] in r for f, r in check.broken)
            assert check.blocking


def test_no_row_is_lost(faulty: tuple[Path, list[dict]]) -> None:
    landing, _ = faulty
    for table, check in check_all(landing).items():
        assert check.accepted + check.quarantined == check.landed == readable_rows(landing, table), table


def test_quarantine_files(faulty: tuple[Path, list[dict]], tmp_path: Path) -> None:
    landing, _ = faulty
    checks = check_all(landing)
    for check in checks.values():
        rows_path, keys_path = write_quarantine(check, tmp_path)
        rows, keys = pd.read_parquet(rows_path), pd.read_parquet(keys_path)
        assert len(rows) == len(keys) == check.quarantined
        assert {"_check", "_reason", "_source_file", "_row"} <= set(rows.columns)
        assert {"_source_file", "_row", "_check"} <= set(keys.columns)
        assert keys_path.parent.name == KEYS_DIR
    trades = pd.read_parquet(tmp_path / KEYS_DIR / "trades.parquet")
    assert "trade_id" in trades.columns and len(trades) > 0
