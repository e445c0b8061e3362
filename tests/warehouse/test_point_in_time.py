"""Point in time inside the warehouse: a feature row of an as-of date reads nothing after that date.

A small simulated brokerage is built through the real dbt project three times over the same landing
files, but for one client's app events and trades of one later day: as landed; moved to the day after
an as-of date; moved to the as-of date itself. The first move must leave every feature of that as-of
date unchanged, for every client; the second, one day earlier, must change the client's trailing
windows (it would not if the features did not read that client's activity at all).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.warehouse.state import copy_landing, dbt, land, run_contracts

CLIENTS, DAYS, SEED = 300, 100, 13
# The activity a move carries: the app events (logins, views, searches) and trades of a client's day.
MOVED = {"app_events": "event_at", "trades": "traded_at"}


def _query(home: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(home / "warehouse" / "wealthpulse.duckdb"), read_only=True) as con:
        return con.sql(sql).df()


def _features(home: Path, as_of: dt.date) -> pd.DataFrame:
    frame = _query(home, f"select * from mart_client_features where as_of_date = '{as_of}'")
    return frame.sort_values("client_id").reset_index(drop=True)


def _logins_7d(home: Path, client_id: str, day: dt.date) -> float:
    sql = f"select logins_7d from int_client_activity_windows where client_id = '{client_id}' and activity_on = '{day}'"
    return _query(home, sql)["logins_7d"].item()


def _partition(home: Path, table: str, day: dt.date) -> Path:
    """The day's landing file of the table (one per day); for a day without one (no trades land on a
    weekend), the file it would have."""
    folder = home / "landing" / table / f"dt={day}"
    files = sorted(folder.glob("*.parquet"))
    assert len(files) <= 1, files
    return files[0] if files else folder / "part-00000.parquet"


def move_activity(home: Path, client_id: str, source: dt.date, target: dt.date) -> int:
    """Move the client's app events and trades of ``source`` to ``target``, as if they had happened (and
    landed) that day: out of the source day's landing file, into the target day's with the timestamps
    shifted by whole days. Returns the rows moved."""
    moved = 0
    shift = pa.scalar(target - source, pa.duration("us"))
    for table, timestamp in MOVED.items():
        source_file, target_file = _partition(home, table, source), _partition(home, table, target)
        rows = pq.read_table(source_file)
        mine = pc.equal(rows["client_id"], client_id)
        taken = rows.filter(mine)
        shifted = taken.set_column(
            taken.schema.get_field_index(timestamp), taken.schema.field(timestamp), pc.add(taken[timestamp], shift)
        )
        pq.write_table(rows.filter(pc.invert(mine)), source_file)
        landed = [pq.read_table(target_file)] if target_file.exists() else []
        target_file.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables([*landed, shifted.cast(rows.schema)]), target_file)
        moved += taken.num_rows
    run_contracts(home)  # the landing contracts run again over the changed files, as the landing checks do
    return moved


def _build(home: Path) -> None:
    dbt(home, "run", "--select", "+mart_client_features")


@pytest.fixture(scope="module")
def landed(tmp_path_factory) -> Path:
    home = land(tmp_path_factory.mktemp("pit-landed"), CLIENTS, DAYS, SEED)
    _build(home)
    return home


@pytest.fixture(scope="module")
def case(landed: Path) -> tuple[dt.date, str, dt.date]:
    """An as-of date in history, and a client with logins and trades on a day a few days after it."""
    as_of_dates = sorted(_query(landed, "select as_of_date from int_as_of_dates where not is_latest")["as_of_date"])
    as_of = pd.Timestamp(as_of_dates[len(as_of_dates) // 2]).date()
    daily = _query(
        landed,
        f"""select client_id, activity_on from int_client_activity_daily
            where login_count > 0 and trade_count > 0
              and activity_on between date '{as_of}' + 2 and date '{as_of}' + 6
            order by activity_on, client_id limit 1""",
    )
    assert len(daily) == 1, "no client with logins and trades in the days after the as-of date"
    return as_of, daily["client_id"][0], pd.Timestamp(daily["activity_on"][0]).date()


def _moved_home(landed: Path, tmp_path_factory, name: str, client_id: str, source: dt.date, target: dt.date) -> Path:
    home = copy_landing(landed, tmp_path_factory.mktemp(name))
    assert move_activity(home, client_id, source, target) > 0
    _build(home)
    return home


def test_activity_the_day_after_the_as_of_date_changes_no_feature_of_it(landed, case, tmp_path_factory):
    as_of, client_id, day = case
    home = _moved_home(landed, tmp_path_factory, "pit-after", client_id, day, as_of + dt.timedelta(days=1))
    pd.testing.assert_frame_equal(_features(home, as_of), _features(landed, as_of), check_exact=True)
    # And the move happened: the client's windows one day later hold the moved activity.
    next_day = as_of + dt.timedelta(days=1)
    assert _logins_7d(home, client_id, next_day) > _logins_7d(landed, client_id, next_day)


def test_the_same_activity_on_the_as_of_date_itself_changes_its_trailing_windows(landed, case, tmp_path_factory):
    as_of, client_id, day = case
    home = _moved_home(landed, tmp_path_factory, "pit-on", client_id, day, as_of)
    moved, original = _features(home, as_of), _features(landed, as_of)
    row = moved["client_id"] == client_id
    for feature in ("logins_7d", "trades_7d", "events_7d", "logins_30d", "trades_90d"):
        assert moved.loc[row, feature].item() > original.loc[row, feature].item(), feature
    assert moved.loc[row, "days_since_last_login"].item() == 0
