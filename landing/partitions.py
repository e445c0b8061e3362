"""The partition rule of the landing zone: which export day a row belongs to, and which days have landed.

Layout: ``<landing>/<table>/dt=YYYY-MM-DD/*.parquet``; ``dt`` is the export day and lives only in the
folder name.
"""

from __future__ import annotations

from pathlib import Path

PARTITION_PREFIX = "dt="


def folder_day(name: str) -> str:
    """The export day ``YYYY-MM-DD`` of a partition folder's name ``dt=YYYY-MM-DD``."""
    return name.removeprefix(PARTITION_PREFIX)


# How each table's rows map to their export day (column, kind): "date" = that date,
# "timestamp" = its calendar day, "from_start" = that date, except that rows predating the
# window were all exported on its first day (no column: every row on the first day).
PARTITION_RULE: dict[str, tuple[str | None, str]] = {
    "clients": ("opened_at", "from_start"),
    "risk_assessments": ("assessed_at", "from_start"),
    "products": (None, "from_start"),
    "asset_snapshots": ("snapshot_date", "date"),
    "trades": ("traded_at", "timestamp"),
    "app_events": ("event_at", "timestamp"),
    "bank_transfers": ("transferred_at", "timestamp"),
    "product_orders": ("ordered_at", "timestamp"),
    "service_interactions": ("occurred_at", "timestamp"),
    "campaigns": ("start_date", "from_start"),
    "campaign_contacts": ("contacted_at", "timestamp"),
    "do_not_contact": ("flagged_at", "from_start"),
}

# The tables that land every day. Trades land on trading days only: a weekend has none, so they cannot
# tell whether a day is complete (counting them held every weekend back, and with it the online store).
COMPLETE_DAY_TABLES = ("asset_snapshots", "app_events")
# Every day the brokerage is open for its clients has end-of-day holdings, weekends included.
CALENDAR_TABLE = "asset_snapshots"


def _days(landing_dir: Path, table: str) -> list[str]:
    folder = landing_dir / table
    if not folder.is_dir():
        return []
    return sorted(p.name.removeprefix(PARTITION_PREFIX) for p in folder.glob(f"{PARTITION_PREFIX}*") if p.is_dir())


def newest_partition(landing_dir: Path) -> str | None:
    """The latest day (``YYYY-MM-DD``) every daily table has landed, or None when there is none yet."""
    per_table = []
    for table in COMPLETE_DAY_TABLES:
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


def waiting_days(landing_dir: Path) -> dict[str, list[str]]:
    """Days after the newest complete one that some daily table has landed, with the tables still missing
    them: a day waits until every one of ``COMPLETE_DAY_TABLES`` has its folder."""
    present = {table: set(_days(landing_dir, table)) for table in COMPLETE_DAY_TABLES}
    newest = newest_partition(landing_dir) or ""
    days = sorted(set().union(*present.values()))
    return {
        day: [table for table in COMPLETE_DAY_TABLES if day not in present[table]]
        for day in days
        if day > newest and any(day not in present[table] for table in COMPLETE_DAY_TABLES)
    }


def waiting_message(landing_dir: Path) -> str | None:
    """What to do about the days held back because a daily table has not landed them."""
    waiting = waiting_days(landing_dir)
    if not waiting:
        return None
    lines = [
        f"landing day {day} is held back: {', '.join(f'{t}/dt={day}/' for t in missing)} has not landed "
        f"(the other tables of the day wait in landing). Export the missing table for {day} (a parquet file "
        "with the contract's columns and no rows on a day without any); the day is built once it lands."
        for day, missing in waiting.items()
    ]
    return "\n".join(lines)
