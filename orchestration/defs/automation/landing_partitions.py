"""What the landing folder holds: the newest daily partition across the daily tables."""

from __future__ import annotations

from pathlib import Path

DAILY_TABLES = ("asset_snapshots", "app_events", "trades")


def newest_partition(landing_dir: Path) -> str | None:
    """The latest `dt=YYYY-MM-DD` present in every daily table, or None when there is none yet."""
    per_table = []
    for table in DAILY_TABLES:
        folder = landing_dir / table
        dates = sorted(p.name.removeprefix("dt=") for p in folder.glob("dt=*") if p.is_dir()) if folder.is_dir() else []
        if not dates:
            return None
        per_table.append(dates[-1])
    # A day counts only once every daily table has landed it.
    return min(per_table)
