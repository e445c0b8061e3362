"""A small real state directory for warehouse tests: simulated landing files, the landing contracts'
quarantine, and dbt run against it exactly as the warehouse asset runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from landing.partitions import PARTITION_PREFIX
from landing.quarantine import REFERENCE_TABLES, accepted_keys, check_table, write_quarantine
from simulator import TABLES, next_day, simulate_to_disk
from wealthpulse.settings import PROJECT_ROOT

DBT_PROJECT = PROJECT_ROOT / "dbt_project"


def run_contracts(home: Path) -> None:
    """The landing contracts, as the landing asset checks run them: quarantine files for every table."""
    landing = home / "landing"
    for table in TABLES:
        known = {ref: accepted_keys(landing, ref) for ref in REFERENCE_TABLES if ref != table}
        write_quarantine(check_table(landing, table, known), home / "quarantine")


def land(home: Path, clients: int, days: int, seed: int = 7) -> Path:
    for folder in ("warehouse", "marts"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    simulate_to_disk(clients, days, seed, home / "landing", oracle_dir=home / "oracle", progress=False)
    run_contracts(home)
    return home


def land_next_day(home: Path) -> None:
    next_day(home / "landing", progress=False)
    run_contracts(home)


def move_day(day: str, source: Path, target: Path) -> None:
    """Move every landing table's partition of `day` (``YYYY-MM-DD``) from the landing folder `source`
    to `target`."""
    partition = f"{PARTITION_PREFIX}{day}"
    for folder in sorted(source.glob(f"*/{partition}")):
        (target / folder.parent.name).mkdir(parents=True, exist_ok=True)
        folder.rename(target / folder.parent.name / partition)


def copy_landing(source: Path, home: Path) -> Path:
    """A second state directory over the same landing files and quarantine (no warehouse)."""
    for folder in ("landing", "quarantine"):
        shutil.copytree(source / folder, home / folder)
    for folder in ("warehouse", "marts"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    return home


def dbt(
    home: Path,
    *args: str,
    check: bool = True,
    environ: dict[str, str] | None = None,
    timeout: float | None = 1800,
) -> subprocess.CompletedProcess:
    """Run dbt on the project against ``home``, with its own target folder (parse state is per home);
    ``environ`` adds variables (a Settings' tool environment chooses the engine). The timeout stops a
    hung test; a benchmark's builds of millions of clients run as long as they take (``None``)."""
    env = {**os.environ, **(environ or {}), "WEALTHPULSE_HOME": str(home), "DBT_SEND_ANONYMOUS_USAGE_STATS": "False"}
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *args,
        "--project-dir",
        str(DBT_PROJECT),
        "--profiles-dir",
        str(DBT_PROJECT),
        "--target-path",
        str(home / "dbt-target"),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}")
    return result
