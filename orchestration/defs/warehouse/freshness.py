"""Source freshness of the landing tables, judged against the business date of the run.

The simulated brokerage's "today" is its newest landing partition (it can be any date), so dbt
measures each table's age against that business date rather than the wall clock
(dbt_project/macros/freshness.sql); the thresholds live beside the sources in
``_landing__sources.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass


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
