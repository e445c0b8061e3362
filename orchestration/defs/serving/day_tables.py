"""The serving tables (lead list, scores), one day's rows replaced at a time.

They live in their own DuckDB file beside the warehouse (``warehouse/serving.duckdb``): the dbt build holds
the warehouse's write lock for its whole run, and a backfill of past days must not wait for it. From the
warehouse: ``attach '<home>/warehouse/serving.duckdb' as serving (read_only); select * from serving.lead_list``.
"""

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

LEADS = ("lead_list", "lead_date")
SCORES = ("client_scores", "as_of_date")


def replace_day(database: Path, table: tuple[str, str], day: date, rows: pd.DataFrame) -> int:
    """Replace `day`'s rows of `table` (its name and its day column) with `rows`, in one transaction;
    returns the table's rows of that day after.

    A re-run of the same day therefore never duplicates a row, and other days stay as they were.
    """
    name, day_column = table
    with duckdb.connect(str(database)) as con:
        con.register("day_rows", rows)
        con.execute(f"create table if not exists {name} as select * from day_rows limit 0")
        # A column the rows gained since the table was made (e.g. a new field of the lead list) is added;
        # the table's earlier days read null in it.
        have = {row[0] for row in con.execute(f"describe {name}").fetchall()}
        for column, kind, *_ in con.execute("describe day_rows").fetchall():
            if column not in have:
                con.execute(f'alter table {name} add column "{column}" {kind}')
        con.execute("begin transaction")
        con.execute(f"delete from {name} where {day_column} = ?", [day])
        con.execute(f"insert into {name} by name select * from day_rows")
        con.execute("commit")
        (count,) = con.execute(f"select count(*) from {name} where {day_column} = ?", [day]).fetchone()
    return int(count)


def days_in_table(database: Path, table: tuple[str, str], days: list[date], column: str) -> pd.Series:
    """`column` of every row of `table` on `days` (for reconciling the table with the day files)."""
    name, day_column = table
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(f"select {column} from {name} where {day_column} in (select unnest(?))", [days]).df()[column]


def day_keys_in_table(database: Path, table: tuple[str, str], days: list[date], column: str) -> list[tuple[date, str]]:
    """(day, `column`) of every row of `table` on `days`: for a key unique per day, not over the days."""
    name, day_column = table
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute(
            f"select {day_column}, {column} from {name} where {day_column} in (select unnest(?))", [days]
        ).fetchall()
    return [(day, key) for day, key in rows]
