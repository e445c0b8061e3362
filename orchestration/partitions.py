"""The daily partitions of the platform: landing days and the warehouse's as-of days.

A **landing day** is a day the brokerage's export holds (a `dt=` folder of the daily tables). The landing
tables, the warehouse and the online store are partitioned by it: the nightly run builds the new day, a
backfill rebuilds a range (the warehouse from the range's first day on; see dbt_project/macros/incremental.sql).

An **as-of day** is a day the warehouse holds every client's features, tier and suitability for: one a
week in history, and the newest landed day (see int_as_of_dates). The batch scores and the lead list are
partitioned by it: the newest one every night, any range of them by a backfill.

Both are dynamic rather than a calendar because the brokerage's calendar is the landing data's, not the
clock's: the days are registered as they land (landing days) and as each dbt build produces them (as-of days).
"""

from collections.abc import Iterable

import dagster as dg

LANDING_DAYS = dg.DynamicPartitionsDefinition(name="landing_day")
AS_OF_DAYS = dg.DynamicPartitionsDefinition(name="as_of_day")


def register_days(
    instance: dg.DagsterInstance, partitions: dg.DynamicPartitionsDefinition, days: Iterable[str]
) -> list[str]:
    """Add the days not yet known as partitions; returns the new ones, oldest first."""
    known = set(instance.get_dynamic_partitions(partitions.name))
    new = sorted(set(days) - known)
    if new:
        instance.add_dynamic_partitions(partitions.name, new)
    return new


def newest_day(instance: dg.DagsterInstance, partitions: dg.DynamicPartitionsDefinition) -> str | None:
    days = instance.get_dynamic_partitions(partitions.name)
    return max(days) if days else None


def partition_range(first: str, last: str) -> dict[str, str]:
    """The run tags that make one run of partitioned assets build first..last (as a single-run backfill does)."""
    return {"dagster/asset_partition_range_start": first, "dagster/asset_partition_range_end": last}
