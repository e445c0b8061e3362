"""What the landing folder holds: its days, and the newest daily partition across the daily tables."""

from __future__ import annotations

from pathlib import Path

# The tables that land every day. Trades land on trading days only: a weekend has none, so they cannot
# tell whether a day is complete (counting them held every weekend back, and with it the online store).
DAILY_TABLES = ("asset_snapshots", "app_events")
# Every day the brokerage is open for its clients has end-of-day holdings, weekends included.
CALENDAR_TABLE = "asset_snapshots"


def _days(landing_dir: Path, table: str) -> list[str]:
    folder = landing_dir / table
    return sorted(p.name.removeprefix("dt=") for p in folder.glob("dt=*") if p.is_dir()) if folder.is_dir() else []


def newest_partition(landing_dir: Path) -> str | None:
    """The latest `dt=YYYY-MM-DD` present in every daily table, or None when there is none yet."""
    per_table = []
    for table in DAILY_TABLES:
        dates = _days(landing_dir, table)
        if not dates:
            return None
        per_table.append(dates[-1])
    # A day counts only once every daily table has landed it.
    return min(per_table)


def landed_days(landing_dir: Path) -> list[str]:
    """Every landed day, oldest first: the calendar table's days up to the newest complete one."""
    newest = newest_partition(landing_dir)
    return [day for day in _days(landing_dir, CALENDAR_TABLE) if newest is not None and day <= newest]
