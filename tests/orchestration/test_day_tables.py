from datetime import date, timedelta

import duckdb
import pandas as pd

from orchestration.defs.serving.day_tables import LEADS, day_keys_in_table, replace_day

DAY = date(2025, 11, 27)


def _leads(day: date, clients: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "lead_id": [f"L{day:%Y%m%d}-{c}-options" for c in clients],
            "lead_date": day,
            "client_id": clients,
            "need": "options",
            "product_ids": [["P1", "P2"]] * len(clients),
        }
    )


def test_a_day_is_replaced_and_other_days_are_kept(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    assert replace_day(warehouse, LEADS, DAY - timedelta(days=1), _leads(DAY - timedelta(days=1), ["C1", "C2"])) == 2
    assert replace_day(warehouse, LEADS, DAY, _leads(DAY, ["C1", "C2", "C3"])) == 3
    # A re-run of the day with different leads replaces that day's rows, never adds to them.
    assert replace_day(warehouse, LEADS, DAY, _leads(DAY, ["C4"])) == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(f"select lead_date, client_id, product_ids from {LEADS[0]} order by all").fetchall()
    yesterday = DAY - timedelta(days=1)
    assert [(d, c) for d, c, _ in rows] == [(yesterday, "C1"), (yesterday, "C2"), (DAY, "C4")]
    assert rows[0][2] == ["P1", "P2"]


def test_a_column_the_rows_gained_is_added_to_the_table(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    yesterday = DAY - timedelta(days=1)
    replace_day(warehouse, LEADS, yesterday, _leads(yesterday, ["C1"]))
    # The lead list gained a field: the table takes it, and the earlier day reads null in it.
    assert replace_day(warehouse, LEADS, DAY, _leads(DAY, ["C2"]).assign(opened_on=yesterday)) == 1
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.sql(f"select client_id, opened_on from {LEADS[0]} order by all").fetchall()
    assert rows == [("C1", None), ("C2", yesterday)]


def test_day_keys_are_read_per_day(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    for day in (DAY - timedelta(days=1), DAY):
        # A lead carried over: the same lead id on both days.
        replace_day(warehouse, LEADS, day, _leads(day, ["C1"]).assign(lead_id="L20251127-C1-options"))
    keys = day_keys_in_table(warehouse, LEADS, [DAY - timedelta(days=1), DAY], "lead_id")
    assert sorted(keys) == [(DAY - timedelta(days=1), "L20251127-C1-options"), (DAY, "L20251127-C1-options")]
