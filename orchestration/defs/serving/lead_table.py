"""The lead list as a table in the warehouse, beside the marts: one day's rows replaced at a time."""

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

SCHEMA = "serving"
TABLE = f"{SCHEMA}.lead_list"


def write_lead_day(warehouse: Path, day: date, leads: pd.DataFrame) -> int:
    """Replace `day`'s rows of serving.lead_list with `leads`, in one transaction; rows of that day after.

    A re-run of the same day therefore never duplicates a lead, and other days stay as they were.
    """
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"create schema if not exists {SCHEMA}")
        con.register("day_leads", leads)
        con.execute(f"create table if not exists {TABLE} as select * from day_leads limit 0")
        con.execute("begin transaction")
        con.execute(f"delete from {TABLE} where lead_date = ?", [day])
        con.execute(f"insert into {TABLE} by name select * from day_leads")
        con.execute("commit")
        (rows,) = con.execute(f"select count(*) from {TABLE} where lead_date = ?", [day]).fetchone()
    return int(rows)
