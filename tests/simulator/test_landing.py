"""Landing files: layout, byte-identical reruns, the oracle beside landing, one-day increments."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from simulator import (
    DAILY_TABLES,
    ORACLE_SCHEMA,
    SCHEMAS,
    TABLES,
    Simulation,
    next_day,
    simulate,
    simulate_to_disk,
    value_tier,
    write_landing,
    write_oracle,
)
from simulator.disk import STATE_DIR

SMALL = dict(clients=400, days=60, seed=11)


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def read(root: Path, table: str) -> pd.DataFrame:
    return ds.dataset(root / table, format="parquet", partitioning="hive").to_table().to_pandas()


@pytest.fixture(scope="module")
def small() -> Simulation:
    return simulate(**SMALL)


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    simulate_to_disk(**SMALL, out_dir=tmp_path / "a", progress=False)
    simulate_to_disk(**SMALL, out_dir=tmp_path / "b", progress=False)
    first = tree(tmp_path / "a")
    assert first == tree(tmp_path / "b")
    assert any(name.startswith("_oracle/") for name in first)
    simulate_to_disk(**{**SMALL, "seed": 12}, out_dir=tmp_path / "c", progress=False)
    assert tree(tmp_path / "c") != first


def test_disk_and_memory_agree(small: Simulation, tmp_path: Path) -> None:
    summary = simulate_to_disk(**SMALL, out_dir=tmp_path, progress=False)
    assert summary.rows == {name: len(small[name]) for name in TABLES}
    for name in TABLES:
        back = read(tmp_path, name).drop(columns="dt")
        key = SCHEMAS[name].names[0]
        assert sorted(back[key].astype(str)) == sorted(small[name][key].astype(str)), name
    oracle = pq.read_table(tmp_path / "_oracle" / "oracle.parquet")
    assert oracle.schema.remove_metadata() == ORACLE_SCHEMA
    assert oracle.num_rows == len(small.oracle)


def test_layout_and_partitions(small: Simulation, tmp_path: Path) -> None:
    simulate_to_disk(**SMALL, out_dir=tmp_path, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*TABLES, STATE_DIR, "_oracle"])
    start = datetime.date.fromisoformat(small["clients"].attrs["start"])
    end = datetime.date.fromisoformat(small["clients"].attrs["end"])
    for name in TABLES:
        for part in (tmp_path / name).iterdir():
            assert re.fullmatch(r"dt=\d{4}-\d{2}-\d{2}", part.name)
            assert start <= datetime.date.fromisoformat(part.name[3:]) <= end, (name, part.name)
            for file in part.iterdir():
                assert re.fullmatch(r"part-\d{5}\.parquet", file.name)
                assert pq.read_schema(file).remove_metadata() == SCHEMAS[name]
    # A row's partition is its day (rows from before the window: the first day).
    events = read(tmp_path, "app_events")
    assert (pd.to_datetime(events["dt"]) == events["event_at"].dt.normalize()).all()
    campaigns = read(tmp_path, "campaigns")
    expected = pd.to_datetime(campaigns["start_date"]).clip(lower=pd.Timestamp(start))
    assert (pd.to_datetime(campaigns["dt"]) == expected).all()


def test_next_day_writes_one_partition_and_continues(tmp_path: Path) -> None:
    simulate_to_disk(**SMALL, out_dir=tmp_path, progress=False)
    before = tree(tmp_path)
    summary = next_day(tmp_path, progress=False)
    new_day = (datetime.date(2025, 6, 1) + datetime.timedelta(days=SMALL["days"])).isoformat()
    assert summary.days_written == [new_day]
    after = tree(tmp_path)
    added = sorted(set(after) - set(before))
    assert all(f"/dt={new_day}/" in name for name in added)
    assert sorted({name.split("/")[0] for name in added}) == sorted(DAILY_TABLES)
    changed = [k for k in before if k in after and before[k] != after[k]]
    assert all(k.startswith((STATE_DIR, "_oracle/")) for k in changed)  # old partitions untouched
    # The state continues: every client gets its snapshot, ids continue without gaps.
    snaps = read(tmp_path, "asset_snapshots")
    today = snaps[snaps["dt"] == new_day]
    previous = (datetime.date.fromisoformat(new_day) - datetime.timedelta(days=1)).isoformat()
    yesterday = snaps[snaps["dt"] == previous]
    assert set(today["client_id"]) == set(yesterday["client_id"])
    merged = today.merge(yesterday, on="client_id")
    assert (np.abs(merged["aum_x"] - merged["aum_y"]) <= 0.2 * merged["aum_y"] + 60_000).mean() > 0.97
    events = read(tmp_path, "app_events")
    ids = events["event_id"].str.slice(1).astype(np.int64)
    assert ids.is_unique and ids.max() == len(events)
    run = json.loads((tmp_path / STATE_DIR / "run.json").read_text())
    assert run["days"] == SMALL["days"] + 1
    with pytest.raises(FileExistsError):
        # A second increment from a copy of the old state would clash with the new partition.
        (tmp_path / STATE_DIR / "run.json").write_text(json.dumps({**run, "days": SMALL["days"]}))
        next_day(tmp_path, progress=False)


def test_next_day_twice_matches_in_shape(tmp_path: Path) -> None:
    simulate_to_disk(**SMALL, out_dir=tmp_path, progress=False)
    next_day(tmp_path, progress=False)
    second = next_day(tmp_path, progress=False)
    assert second.rows["asset_snapshots"] == SMALL["clients"]


def test_next_day_extends_the_oracle(tmp_path: Path) -> None:
    out, oracle_dir = tmp_path / "landing", tmp_path / "oracle"
    days = 118  # as-of day 28 is then graded 90 days ahead by the increment
    simulate_to_disk(clients=300, days=days, seed=3, out_dir=out, oracle_dir=oracle_dir, progress=False)
    before = pd.read_parquet(oracle_dir / "oracle.parquet")
    # Recorded relative to the landing folder, so a copied state directory extends its own oracle.
    assert json.loads((out / STATE_DIR / "run.json").read_text())["oracle_dir"] == "../oracle"
    summary = next_day(out, progress=False)
    after = pd.read_parquet(oracle_dir / "oracle.parquet")
    new = datetime.date(2025, 6, 1) + datetime.timedelta(days=days)
    as_of = pd.to_datetime(after["as_of_date"]).dt.date
    added = after[as_of == new].set_index("client_id")
    # Appended once, for the same sample of clients a full run grades (all clients open that day).
    assert not after.duplicated(["client_id", "as_of_date"]).any()
    assert len(after) == len(before) + len(added) and summary.oracle_rows == len(added) > 0
    snaps = read(out, "asset_snapshots")
    today = snaps[snaps["dt"] == new.isoformat()]
    assert set(added.index) == set(today["client_id"])
    assert added["tier_90d"].isna().all()
    assert added.filter(like="p_").apply(lambda c: c.between(0, 1)).all().all()
    # Earlier rows stay as they were, except that the 90-day-ahead tier of as-of new - 90 is now known.
    merged = before.merge(after, on=["client_id", "as_of_date"], suffixes=("_before", "_after"))
    assert len(merged) == len(before)
    for column in [c for c in ORACLE_SCHEMA.names if c not in ("client_id", "as_of_date", "tier_90d")]:
        assert merged[f"{column}_before"].equals(merged[f"{column}_after"]), column
    due = pd.to_datetime(merged["as_of_date"]).dt.date == new - datetime.timedelta(days=90)
    assert due.sum() > 0 and merged.loc[due, "tier_90d_before"].isna().all()
    expected = added.loc[merged.loc[due, "client_id"], "tier_now"].to_numpy()
    assert (merged.loc[due, "tier_90d_after"].to_numpy() == expected).all()
    kept = merged.loc[~due, ["tier_90d_before", "tier_90d_after"]].fillna("-")
    assert (kept["tier_90d_before"] == kept["tier_90d_after"]).all()
    # tier_now of the new day follows the documented rule on what landing shows.
    window = [(new - datetime.timedelta(days=k)).isoformat() for k in range(90)]
    trades, orders = read(out, "trades"), read(out, "product_orders")
    snaps = snaps[snaps["dt"].isin(window)]
    revenue = (
        trades[trades["dt"].isin(window)].groupby("client_id")["commission"].sum()
        .add(orders[orders["dt"].isin(window)].groupby("client_id")["fee"].sum(), fill_value=0)
        .add(snaps.groupby("client_id")["margin_debt"].sum() * 0.06 / 365, fill_value=0)
    )  # fmt: skip
    aum = today.set_index("client_id")["aum"]
    tiers = value_tier(aum.to_numpy(), revenue.reindex(aum.index, fill_value=0).to_numpy())
    assert (added.loc[aum.index, "tier_now"].to_numpy() == np.array(["T1", "T2", "T3", "T4", "T5"])[tiers - 1]).all()


def test_write_landing_frames_and_oracle(small: Simulation, tmp_path: Path) -> None:
    counts = write_landing(small, tmp_path / "landing", oracle_dir=tmp_path / "oracle")
    assert counts == {name: len(small[name]) for name in TABLES}
    assert (tmp_path / "oracle" / "oracle.parquet").exists()
    for name in TABLES:
        assert read(tmp_path / "landing", name).shape[0] == len(small[name])
    path = write_oracle(small.oracle, tmp_path / "elsewhere")
    assert pq.read_table(path).num_rows == len(small.oracle)


def test_write_landing_is_idempotent(small: Simulation, tmp_path: Path) -> None:
    write_landing(small, tmp_path)
    files = tree(tmp_path)
    write_landing(small, tmp_path)
    assert tree(tmp_path) == files
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())
    products = small["products"].copy()
    products.attrs = {}
    with pytest.raises(ValueError, match="start"):
        write_landing({"products": products}, tmp_path)
    with pytest.raises(ValueError, match="unknown"):
        write_landing({"nope": products}, tmp_path)
