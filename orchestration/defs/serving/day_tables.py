"""The lead list as a table, one day's rows replaced at a time.

It lives in its own DuckDB file beside the warehouse (``warehouse/serving.duckdb``): the dbt build holds the
warehouse's write lock for its whole run, and a lead backfill must not wait for it. From the warehouse:
``attach '<home>/warehouse/serving.duckdb' as serving (read_only); select * from serving.lead_list``.
"""

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

TABLE = "lead_list"


def write_lead_day(database: Path, day: date, leads: pd.DataFrame) -> int:
    """Replace `day`'s rows of the lead_list table with `leads`, in one transaction; rows of that day after.

    A re-run of the same day therefore never duplicates a lead, and other days stay as they were.
    """
    with duckdb.connect(str(database)) as con:
        con.register("day_leads", leads)
        con.execute(f"create table if not exists {TABLE} as select * from day_leads limit 0")
        con.execute("begin transaction")
        con.execute(f"delete from {TABLE} where lead_date = ?", [day])
        con.execute(f"insert into {TABLE} by name select * from day_leads")
        con.execute("commit")
        (rows,) = con.execute(f"select count(*) from {TABLE} where lead_date = ?", [day]).fetchone()
    return int(rows)
