"""The daily partitions of the platform: the warehouse's as-of days.

An as-of day is a day the warehouse holds every client's features, tier and suitability for: one a
week in history, and the newest landed day (see int_as_of_dates). Each dbt build registers the
as-of days it produced, so the partitions are exactly the days whose outputs can be (re)built:
the newest one every night, and any range of them by a backfill (UI or CLI). They are dynamic
rather than a calendar because the brokerage's calendar is the landing data's, not the clock's.
"""

from collections.abc import Iterable

import dagster as dg

AS_OF_DAYS = dg.DynamicPartitionsDefinition(name="as_of_day")


def register_as_of_days(instance: dg.DagsterInstance, days: Iterable[str]) -> list[str]:
    """Add the days not yet known as partitions; returns the new ones, oldest first."""
    known = set(instance.get_dynamic_partitions(AS_OF_DAYS.name))
    new = sorted(set(days) - known)
    if new:
        instance.add_dynamic_partitions(AS_OF_DAYS.name, new)
    return new


def newest_as_of_day(instance: dg.DagsterInstance) -> str | None:
    days = instance.get_dynamic_partitions(AS_OF_DAYS.name)
    return max(days) if days else None
