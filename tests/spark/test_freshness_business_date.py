"""Source freshness judged against the run's business date: the argument the warehouse asset hands dbt
on the Spark engine (where finding the newest landing partition scans every landing table, once per
table checked), and dbt honouring it. dbt runs here on DuckDB: the date reaches the same macro on both."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from orchestration.defs.warehouse.freshness import freshness_arguments, read_freshness
from tests.warehouse.state import dbt, land


def test_the_business_date_reaches_dbt_as_landing_today():
    assert freshness_arguments() == ["source", "freshness"]
    arguments = freshness_arguments("2026-03-02")
    assert arguments[:3] == ["source", "freshness", "--vars"]
    assert json.loads(arguments[3]) == {"landing_today": "2026-03-02"}
    with pytest.raises(ValueError):
        freshness_arguments("yesterday")


def test_ages_count_to_the_end_of_the_named_business_day(tmp_path):
    home = land(tmp_path, clients=60, days=10)
    newest = max(dt.date.fromisoformat(p.name.removeprefix("dt=")) for p in (home / "landing").glob("*/dt=*"))
    business_date = newest + dt.timedelta(days=1)  # an export day missed: every daily table one day older

    def ages(*arguments: str) -> dict[str, tuple[str | None, float | None]]:
        dbt(home, *arguments, check=False)
        results = read_freshness(json.loads((home / "dbt-target" / "sources.json").read_text()))
        return {r.table: (r.newest_partition, r.age_days) for r in results if r.newest_partition}

    named = ages(*freshness_arguments(business_date.isoformat()))
    found = ages(*freshness_arguments())
    assert named and named.keys() == found.keys()
    for table, (partition, age) in named.items():
        expected = (business_date + dt.timedelta(days=1) - dt.date.fromisoformat(partition)).days
        assert age == expected, f"{table}: {age} days old against {business_date}, expected {expected}"
        # Without the date, "today" is the newest landing partition: one day younger.
        assert found[table][1] == expected - 1
