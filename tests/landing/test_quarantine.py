"""Every injected fault is caught with the right reason, and no row is lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from landing.held_back import held_back_message
from landing.partitions import landed_days, waiting_days, waiting_message
from landing.quarantine import (
    KEYS_DIR,
    TableCheck,
    accepted_keys,
    check_landing,
    check_table,
    quarantined_files,
    write_quarantine,
)
from simulator import TABLES, next_day, simulate_to_disk
from simulator.faults import ALL_FAULTS, FAULT_TARGETS, inject_faults

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
# Faults that make a whole file unusable, and the fault the contract names for it.
FILE_FAULT = {
    "renamed_column": "missing_column",
    "retyped_column": "wrong_type",
    "truncated_file": "unreadable_file",
    "not_parquet": "not_parquet",
    "empty_file": "empty_file",
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
        if entry["fault"] in FILE_FAULT:
            (whole,) = [f for f in check.files if f.file == entry["file"]]
            assert whole.fault == FILE_FAULT[entry["fault"]] and check.blocking, entry
            if entry["column"]:  # read, but broken: every row of the file is quarantined, the column named
                rows = check.rows[check.rows["_source_file"] == entry["file"]]
                assert len(rows) == entry["rows"] and set(rows["_check"]) == {"schema"}
                assert entry["column"] in whole.reason
            continue
        rows = check.rows[check.rows["_source_file"] == entry["file"]]
        caught = rows[rows["_row"].isin(entry["row_index"])]
        assert len(caught) == entry["rows"], entry
        assert set(caught["_check"]) == {EXPECTED_CHECK[entry["fault"]]}, (entry, set(caught["_check"]))


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


def test_check_landing_matches_the_table_by_table_checks(faulty: tuple[Path, list[dict]]) -> None:
    landing, _ = faulty
    together, one_by_one = check_landing(landing), check_all(landing)
    assert list(together) == list(TABLES)
    for table in TABLES:
        assert (together[table].accepted, together[table].quarantined) == (
            one_by_one[table].accepted,
            one_by_one[table].quarantined,
        ), table


@pytest.fixture(scope="module")
def next_faulty_day(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, list[dict]]:
    """The history, then one more day carrying every fault that breaks rows or files (not a missing table)."""
    out = tmp_path_factory.mktemp("next")
    # As many clients as the ci preset: a day then has rows in every table a row fault edits.
    simulate_to_disk(2_000, 19, 3, out, progress=False)  # the next day is a Friday: trades too
    day = next_day(out, progress=False).days_written[0]
    kinds = [k for k in ALL_FAULTS if k != "missing_table"]
    return out, day, inject_faults(out, 0.05, seed=2, days=[day], kinds=kinds)


def test_one_day_carries_every_fault_and_each_has_its_outcome(next_faulty_day, tmp_path: Path) -> None:
    landing, day, record = next_faulty_day
    assert [entry["fault"] for entry in record] == [k for k in ALL_FAULTS if k != "missing_table"]
    assert all(f"dt={day}/" in entry["file"] for entry in record)
    checks = check_landing(landing)
    for entry in record:
        check = checks[entry["table"]]
        if entry["fault"] in FILE_FAULT:
            (whole,) = [f for f in check.files if f.file == entry["file"]]
            assert whole.fault == FILE_FAULT[entry["fault"]], entry
            assert not whole.reason.startswith(("ArrowInvalid", "OSError")), whole.reason  # the firm's words first
            continue
        rows = check.rows[check.rows["_source_file"] == entry["file"]]
        caught = rows[rows["_row"].isin(entry["row_index"])]
        assert len(caught) == entry["rows"] and set(caught["_check"]) == {EXPECTED_CHECK[entry["fault"]]}, entry
    for table, check in checks.items():
        assert check.accepted + check.quarantined == check.landed == readable_rows(landing, table), table
        write_quarantine(check, tmp_path)
        assert {f.file for f in quarantined_files(tmp_path, table)} == {f.file for f in check.files}
    message = held_back_message(checks)
    for entry in record:
        if entry["fault"] in FILE_FAULT:
            assert f"{entry['table']}: landing/{entry['file']}: {FILE_FAULT[entry['fault']]}" in message
    assert f"make rebuild FROM={day} TO={day}" in message


def test_a_clean_file_exported_again_clears_its_quarantine(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    simulate_to_disk(300, 20, 5, landing, progress=False)
    day = next_day(landing, progress=False).days_written[0]
    clean = tmp_path / "clean"
    shutil.copytree(landing, clean)
    (entry,) = inject_faults(landing, 0.05, seed=1, days=[day], kinds=["truncated_file"])
    quarantine = tmp_path / "quarantine"
    write_quarantine(check_landing(landing)[entry["table"]], quarantine)
    assert [f.file for f in quarantined_files(quarantine, entry["table"])] == [entry["file"]]
    shutil.copyfile(clean / entry["file"], landing / entry["file"])
    check = check_landing(landing)[entry["table"]]
    write_quarantine(check, quarantine)
    assert quarantined_files(quarantine, entry["table"]) == [] and not check.blocking
    assert held_back_message(check_landing(landing)) is None


def test_a_missing_table_holds_its_day_back_and_says_which(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    simulate_to_disk(300, 20, 5, landing, progress=False)
    day = next_day(landing, progress=False).days_written[0]
    (entry,) = inject_faults(landing, 0.05, seed=1, days=[day], kinds=["missing_table"])
    assert entry["file"] == f"app_events/dt={day}"
    assert day not in landed_days(landing)
    assert waiting_days(landing) == {day: ["app_events"]}
    assert f"app_events/dt={day}/ has not landed" in waiting_message(landing)


def test_an_unknown_fault_class_is_a_clear_error(clean: Path) -> None:
    with pytest.raises(ValueError, match="unknown fault class"):
        inject_faults(clean, 0.1, kinds=["gremlins"])


def _summary(check: TableCheck) -> tuple:
    rows = check.rows
    quarantined = sorted(zip(rows["_source_file"], rows["_row"], rows["_check"], rows["_reason"], strict=True))
    files = [f.__dict__ for f in check.files]
    return check.landed, check.accepted, check.quarantined, files, sorted(check.table_faults), quarantined


def test_the_contract_in_batches_equals_the_contract_at_once(faulty: tuple[Path, list[dict]]) -> None:
    landing, _ = faulty
    known = {ref: accepted_keys(landing, ref) for ref in ("clients", "products", "campaigns")}
    for table in TABLES:
        at_once = check_table(landing, table, known, batch_rows=10**9)
        in_batches = check_table(landing, table, known, batch_rows=500)
        assert _summary(in_batches) == _summary(at_once), table
        if table in ("clients", "products", "campaigns"):
            assert in_batches.accepted_keys.sort_values().equals(at_once.accepted_keys.sort_values()), table


def test_a_reference_tables_accepted_keys_leave_out_its_quarantined_rows(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    simulate_to_disk(300, 20, 5, landing, progress=False)
    file = sorted((landing / "clients").glob("*/*.parquet"))[-1]
    rows = pq.read_table(file).to_pandas()
    bad = rows.iloc[:1].assign(client_id="C9999999", opened_at=pd.Timestamp("1980-01-01"))
    pd.concat([rows, bad], ignore_index=True).to_parquet(file, index=False)
    landed = pd.concat([pq.read_table(f).to_pandas() for f in (landing / "clients").glob("*/*.parquet")])
    for batch_rows in (1, 10**9):
        check = check_table(landing, "clients", batch_rows=batch_rows)
        assert check.rows["client_id"].tolist() == ["C9999999"]
        assert set(check.accepted_keys) == set(landed["client_id"]) - {"C9999999"}
    assert set(accepted_keys(landing, "clients")) == set(landed["client_id"]) - {"C9999999"}


def test_accepted_keys_of_a_table_no_other_refers_to_is_a_clear_error(clean: Path) -> None:
    with pytest.raises(ValueError, match="'trades' is not a reference table"):
        accepted_keys(clean, "trades")


def test_a_key_repeated_on_a_later_day_is_quarantined_in_another_batch(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    simulate_to_disk(300, 20, 5, landing, progress=False)
    first, later = sorted((landing / "app_events").glob("*/*.parquet"))[1:15:13]
    earlier = pq.read_table(first).to_pandas()
    rows = pq.read_table(later).to_pandas()
    rows.loc[rows.index[:2], "event_id"] = earlier["event_id"].iloc[:2].to_numpy()
    rows.to_parquet(later, index=False)
    check = check_table(landing, "app_events", batch_rows=1)  # a file a batch
    repeated = check.rows[check.rows["_check"] == "duplicate"]
    assert sorted(zip(repeated["_source_file"], repeated["_row"], strict=True)) == [
        (str(later.relative_to(landing)), 0),
        (str(later.relative_to(landing)), 1),
    ]
    assert check.accepted + check.quarantined == check.landed


def test_a_client_opened_before_the_day_it_lands_is_late_in_any_batch(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    simulate_to_disk(300, 20, 5, landing, progress=False)
    later = sorted((landing / "clients").glob("*/*.parquet"))[-1]
    rows = pq.read_table(later).to_pandas()
    late = rows.iloc[:1].assign(client_id="C9999999", opened_at=rows["opened_at"].iloc[0] - pd.Timedelta(days=3))
    pd.concat([rows, late], ignore_index=True).to_parquet(later, index=False)
    check = check_table(landing, "clients", batch_rows=1)  # the late file is a batch of its own
    assert check.quarantined == 1
    assert check.rows[["client_id", "_check"]].iloc[0].tolist() == ["C9999999", "late_arrival"]
