"""The as-of days a serving asset builds: the run's partitions, checked against the warehouse."""

from datetime import date

import dagster as dg
import pandas as pd

from orchestration.partitions import AS_OF_DAYS


def as_of_dates(suitability: pd.DataFrame) -> pd.Series:
    return pd.to_datetime(suitability["as_of_date"]).dt.date


def requested_days(context: dg.AssetExecutionContext, suitability: pd.DataFrame) -> list[date]:
    """The run's as-of days, oldest first; a day the warehouse no longer holds is a clear failure."""
    days = sorted(date.fromisoformat(key) for key in context.partition_keys)
    unknown = sorted(set(days) - set(as_of_dates(suitability)))
    if unknown:
        raise dg.Failure(
            f"no warehouse snapshot for {', '.join(map(str, unknown))}: this needs that day's clients and features. "
            "History is kept weekly, so a day that was the newest one is retired when the next day lands "
            "(what was already built for it stays). Pick as-of days the warehouse still has."
        )
    return days


def checked_days(context: dg.AssetCheckExecutionContext, suitability: pd.DataFrame) -> list[date]:
    """The days the run built (its partitions), else the newest as-of day."""
    tags = context.run.tags
    first = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    last = tags.get("dagster/asset_partition_range_end") or first
    # Partition keys are ISO dates: their order as text is their order in time.
    keys = [k for k in context.instance.get_dynamic_partitions(AS_OF_DAYS.name) if first and first <= k <= last]
    return [date.fromisoformat(k) for k in keys] or [max(as_of_dates(suitability))]
