import sqlite3
import subprocess
import sys

import dagster as dg
import duckdb
import pandas as pd
import pytest

from orchestration.defs.serving.day_tables import LEADS, replace_day
from orchestration.retries import is_transient, retry_when_transient

# Holds the warehouse's write lock until the file named by argv[2] exists (at most two minutes).
HOLD_LOCK = """
import pathlib, sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("locked", flush=True)
deadline = time.monotonic() + 120
while not pathlib.Path(sys.argv[2]).exists() and time.monotonic() < deadline:
    time.sleep(0.05)
"""


def test_locks_are_transient_and_other_errors_are_not():
    assert is_transient(sqlite3.OperationalError("database is locked"))
    assert not is_transient(sqlite3.OperationalError("no such table: feast_online"))
    assert not is_transient(duckdb.IOException("No files found that match the pattern"))
    assert not is_transient(ValueError("lock"))


def test_a_step_blocked_by_a_lock_is_retried_until_the_lock_is_gone(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    day = pd.Timestamp("2025-11-27").date()
    leads = pd.DataFrame({"lead_id": ["L1"], "lead_date": [day], "client_id": ["C1"]})
    release = tmp_path / "release"
    attempts = []

    @dg.asset
    def lead_table(context: dg.AssetExecutionContext) -> None:
        attempts.append(context.retry_number)
        with retry_when_transient(retries=5, pause=0.5):
            try:
                replace_day(warehouse, LEADS, day, leads)
            except duckdb.IOException:
                release.touch()  # the lock has been met: the other process may let go now
                raise

    duckdb.connect(str(warehouse)).close()
    # Another process holds the database's write lock, as a second run would.
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(warehouse), str(release)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    try:
        assert dg.materialize([lead_table]).success
    finally:
        holder.wait(timeout=30)
    assert len(attempts) >= 2 and attempts[0] == 0  # failed on the lock, then succeeded on a retry
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(f"select count(*) from {LEADS[0]}").fetchone() == (1,)


def test_a_real_error_is_not_retried(tmp_path):
    attempts = []

    @dg.asset
    def broken(context: dg.AssetExecutionContext) -> None:
        attempts.append(context.retry_number)
        with retry_when_transient(retries=10, pause=0.1):
            raise ValueError("a contract is broken: retrying will not mend it")

    with pytest.raises(ValueError, match="contract is broken"):
        dg.materialize([broken])
    assert attempts == [0]
