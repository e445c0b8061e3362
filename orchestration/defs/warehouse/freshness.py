"""Source freshness of the landing tables, judged against the business date of the run.

The simulated brokerage's "today" is its newest landing partition (it can be any date), so dbt
measures each table's age against that business date rather than the wall clock
(dbt_project/macros/freshness.sql); the thresholds live beside the sources in
``_landing__sources.yml``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class SourceFreshness:
    """One landing table's freshness as dbt judged it."""

    table: str
    status: str  # pass, warn, error or "runtime error"
    newest_partition: str | None
    age_days: float | None
    warn_after: str
    error_after: str
    message: str = ""

    @property
    def is_error(self) -> bool:
        return self.status in ("error", "runtime error")

    def line(self) -> str:
        if self.status == "runtime error":
            return f"landing.{self.table}: freshness could not be read: {self.message}"
        age = "?" if self.age_days is None else f"{self.age_days:g}"
        return (
            f"landing.{self.table}: {self.status}, newest partition {self.newest_partition}, {age} days old "
            f"(warn after {self.warn_after}, error after {self.error_after})"
        )


def _threshold(criteria: dict, key: str) -> str:
    limit = criteria.get(key) or {}
    return f"{limit['count']} {limit['period']}s" if limit.get("count") else "never"


def read_freshness(sources_json: dict) -> list[SourceFreshness]:
    """Turn dbt's ``sources.json`` into one result per table, in table order."""
    results = []
    for result in sources_json.get("results", []):
        table = result["unique_id"].rsplit(".", 1)[-1]
        criteria = result.get("criteria") or {}
        loaded = result.get("max_loaded_at")
        age = result.get("max_loaded_at_time_ago_in_s")
        results.append(
            SourceFreshness(
                table=table,
                status=result["status"],
                newest_partition=loaded[:10] if loaded else None,
                age_days=None if age is None else round(age / 86400, 2),
                warn_after=_threshold(criteria, "warn_after"),
                error_after=_threshold(criteria, "error_after"),
                message=result.get("error") or result.get("message") or "",
            )
        )
    return sorted(results, key=lambda r: r.table)


def freshness_arguments(business_date: str | None = None) -> list[str]:
    """The arguments of `dbt source freshness`, judged against `business_date` (YYYY-MM-DD) when given.

    Without one, every table's query finds "today" itself, the newest dt= partition of every landing
    table (macros/freshness.sql): a glob of file names on DuckDB, but on Spark a scan of the files of all
    the landing tables, once per table checked, which cost more than the whole warehouse build. The run
    knows its business date, the newest landing day it builds, and names it instead.
    """
    if business_date is None:
        return ["source", "freshness"]
    date.fromisoformat(business_date)  # a partition key is an ISO date; anything else is a bug upstream
    return ["source", "freshness", "--vars", json.dumps({"landing_today": business_date})]
