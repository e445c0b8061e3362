"""Contract and behaviour tests of the synthetic brokerage (small sizes: runs in seconds)."""

from __future__ import annotations

import datetime
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from simulator import DEFAULT_START, PRESETS, SCHEMAS, TABLES, Preset, simulate, write_landing
from simulator.schema import pandas_dtypes

SMALL = dict(clients=300, days=90, seed=11)
# The churn statistics need a few thousand clients and room for a 60-day horizon.
SIGNAL = dict(clients=3_000, days=150, seed=5)

S, D, TS, F, INT = pa.string(), pa.date32(), pa.timestamp("us"), pa.float64(), pa.int64()
# The contract as written in the brief, independent of simulator.schema.
EXPECTED_COLUMNS: dict[str, list[tuple[str, pa.DataType]]] = {
    "clients": [
        ("client_id", S), ("name", S), ("phone", S), ("branch", S), ("age_band", S),
        ("channel", S), ("advisor_id", S), ("opened_at", D),
    ],
    "risk_assessments": [
        ("assessment_id", S), ("client_id", S), ("risk_level", S), ("assessed_at", D),
    ],
    "products": [("product_id", S), ("name", S), ("product_type", S), ("risk_rating", S)],
    "asset_snapshots": [
        ("client_id", S), ("snapshot_date", D), ("cash", F), ("equity", F), ("fund", F),
        ("bond", F), ("wealth_product", F), ("margin_debt", F), ("aum", F),
    ],
    "trades": [
        ("trade_id", S), ("client_id", S), ("traded_at", TS), ("symbol", S), ("side", S),
        ("quantity", INT), ("price", F), ("amount", F), ("commission", F),
    ],
    "app_events": [
        ("event_id", S), ("client_id", S), ("event_at", TS), ("event_type", S),
        ("product_id", S),
    ],
}  # fmt: skip
RATINGS_BY_TYPE = {
    "money_market": {"R1"},
    "wealth_product": {"R1", "R2"},
    "bond_fund": {"R2", "R3"},
    "equity_fund": {"R3", "R4"},
    "structured_note": {"R4", "R5"},
    "option": {"R5"},
}


@pytest.fixture(scope="module")
def small() -> dict[str, pd.DataFrame]:
    return simulate(**SMALL)


@pytest.fixture(scope="module")
def signal() -> dict[str, pd.DataFrame]:
    return simulate(**SIGNAL)


def window(frames: dict[str, pd.DataFrame]) -> tuple[datetime.date, datetime.date]:
    attrs = frames["clients"].attrs
    return datetime.date.fromisoformat(attrs["start"]), datetime.date.fromisoformat(attrs["end"])


def day_index(values: pd.Series, start: datetime.date) -> np.ndarray:
    """Whole days from ``start`` of a date or timestamp column."""
    stamps = values.astype("datetime64[us]").to_numpy()
    return (stamps - np.datetime64(start, "us")) // np.timedelta64(1, "D")


def client_index(ids: pd.Series) -> np.ndarray:
    return ids.str.slice(1).astype(np.int64).to_numpy() - 1


# --- API and determinism -------------------------------------------------------------------


def test_presets() -> None:
    assert PRESETS == {
        "ci": Preset(2000, 180),
        "demo": Preset(10000, 365),
        "bench": Preset(200000, 365),
    }
    assert DEFAULT_START == datetime.date(2025, 6, 1)
    assert TABLES == (
        "clients", "risk_assessments", "products", "asset_snapshots", "trades", "app_events",
    )  # fmt: skip


def test_same_seed_gives_identical_frames(small: dict[str, pd.DataFrame]) -> None:
    again = simulate(**SMALL)
    assert list(again) == list(TABLES)
    for name in TABLES:
        pd.testing.assert_frame_equal(small[name], again[name], check_exact=True)


def test_different_seed_differs(small: dict[str, pd.DataFrame]) -> None:
    other = simulate(**{**SMALL, "seed": SMALL["seed"] + 1})
    assert not small["clients"]["name"].equals(other["clients"]["name"])
    assert not small["asset_snapshots"]["aum"].equals(other["asset_snapshots"]["aum"])
    assert len(small["app_events"]) != len(other["app_events"])


# --- Contract -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", TABLES)
def test_columns_and_dtypes(small: dict[str, pd.DataFrame], name: str) -> None:
    expected = EXPECTED_COLUMNS[name]
    assert [(f.name, f.type) for f in SCHEMAS[name]] == expected
    frame = small[name]
    assert list(frame.columns) == [col for col, _ in expected]
    assert dict(frame.dtypes) == pandas_dtypes(name)
    for col, typ in expected:
        if typ == S:
            assert frame[col].dtype == pd.StringDtype("pyarrow")
        elif typ == D:
            assert frame[col].dtype == pd.ArrowDtype(pa.date32())
        elif typ == TS:
            assert frame[col].dtype == np.dtype("datetime64[us]")
        if col not in ("advisor_id", "product_id"):
            assert frame[col].notna().all(), col


@pytest.mark.parametrize(
    ("name", "column", "pattern"),
    [
        ("clients", "client_id", r"C\d{7}"),
        ("risk_assessments", "assessment_id", r"RA\d{8}"),
        ("products", "product_id", r"P\d{4}"),
        ("trades", "trade_id", r"T\d{10}"),
        ("app_events", "event_id", r"E\d{12}"),
    ],
)
def test_ids_unique_and_well_formed(small: dict[str, pd.DataFrame], name: str, column: str, pattern: str) -> None:
    ids = small[name][column]
    assert ids.is_unique
    assert ids.str.fullmatch(pattern).all()


def test_client_attributes(signal: dict[str, pd.DataFrame]) -> None:
    clients = signal["clients"]
    start, end = window(signal)
    assert clients["client_id"].tolist() == [f"C{k:07d}" for k in range(1, len(clients) + 1)]
    assert clients["phone"].str.fullmatch(r"1\d{10}").all()
    assert set(clients["branch"]) <= {f"BR{k:02d}" for k in range(1, 21)}
    assert set(clients["age_band"]) == {"18-29", "30-39", "40-49", "50-59", "60+"}
    assert set(clients["channel"]) == {"app", "branch", "referral"}
    advisors = clients["advisor_id"]
    assert 0.10 < advisors.isna().mean() < 0.20
    assert advisors.dropna().str.fullmatch(r"A\d{4}").all()
    assert advisors.nunique() == round(len(clients) / 1600)
    in_window = (clients["opened_at"] >= start).mean()
    assert 0.10 < in_window < 0.20
    assert (clients["opened_at"] <= end).all()
    assert clients["opened_at"].min() < start - datetime.timedelta(days=8 * 365)


def test_products(small: dict[str, pd.DataFrame]) -> None:
    products = small["products"]
    assert products["product_id"].tolist() == [f"P{k:04d}" for k in range(1, 241)]
    assert set(products["product_type"]) == set(RATINGS_BY_TYPE)
    for row in products.itertuples():
        assert row.risk_rating in RATINGS_BY_TYPE[row.product_type], row
    assert products["name"].is_unique


def test_risk_assessments(signal: dict[str, pd.DataFrame]) -> None:
    clients = signal["clients"].set_index("client_id")
    ra = signal["risk_assessments"]
    _, end = window(signal)
    assert set(ra["risk_level"]) == {"C1", "C2", "C3", "C4", "C5"}
    shares = ra["risk_level"].value_counts(normalize=True)
    assert shares[["C2", "C3"]].sum() > 0.5
    opened = clients.loc[ra["client_id"], "opened_at"].to_numpy()
    assert (ra["assessed_at"].to_numpy() >= opened).all()
    assert (ra["assessed_at"] <= end).all()
    per_client = ra.groupby("client_id").size()
    assert 0.02 < 1 - len(per_client) / len(clients) < 0.10  # no assessment at all
    assert (per_client == 2).mean() > 0.05  # some reassessments
    latest = ra.groupby("client_id")["assessed_at"].max()
    expired_only = (latest < end - datetime.timedelta(days=730)).sum() / len(clients)
    assert 0.05 < expired_only < 0.15


def test_references_and_window(small: dict[str, pd.DataFrame]) -> None:
    start, end = window(small)
    known = set(small["clients"]["client_id"])
    for name in ("risk_assessments", "asset_snapshots", "trades", "app_events"):
        assert set(small[name]["client_id"]) <= known, name
    snaps, trades, events = small["asset_snapshots"], small["trades"], small["app_events"]
    days = (end - start).days + 1
    for col, frame in (("snapshot_date", snaps), ("traded_at", trades), ("event_at", events)):
        offset = day_index(frame[col], start)
        assert offset.min() >= 0 and offset.max() < days, col
    views = events["event_type"] == "product_page_view"
    assert events.loc[views, "product_id"].notna().all()
    assert events.loc[~views, "product_id"].isna().all()
    assert set(events.loc[views, "product_id"]) <= set(small["products"]["product_id"])


def test_nothing_before_the_account_opens(small: dict[str, pd.DataFrame]) -> None:
    start, end = window(small)
    clients = small["clients"]
    first = np.maximum(day_index(clients["opened_at"], start), 0)
    snaps = small["asset_snapshots"]
    # One snapshot per client per day from max(opened_at, start) through end, no gaps.
    sc, sd = client_index(snaps["client_id"]), day_index(snaps["snapshot_date"], start)
    assert not pd.DataFrame({"c": sc, "d": sd}).duplicated().any()
    assert (sd >= first[sc]).all()
    assert (np.bincount(sc, minlength=len(clients)) == (end - start).days + 1 - first).all()
    for name, col in (("trades", "traded_at"), ("app_events", "event_at")):
        frame = small[name]
        assert (day_index(frame[col], start) >= first[client_index(frame["client_id"])]).all()


def test_money_columns(small: dict[str, pd.DataFrame]) -> None:
    snaps = small["asset_snapshots"]
    parts = ["cash", "equity", "fund", "bond", "wealth_product", "margin_debt"]
    for col in [*parts, "aum"]:
        assert (snaps[col] >= 0).all(), col
        assert np.allclose(snaps[col], snaps[col].round(2), rtol=0, atol=1e-6), col
    total = snaps[parts[:-1]].sum(axis=1) - snaps["margin_debt"]
    assert np.allclose(snaps["aum"], total, rtol=0, atol=0.011)


def test_wealth_is_lognormal_with_a_heavy_tail(signal: dict[str, pd.DataFrame]) -> None:
    start, _ = window(signal)
    snaps = signal["asset_snapshots"]
    aum = snaps.loc[snaps["snapshot_date"] == start, "aum"]
    assert 100_000 < aum.median() < 350_000
    assert aum.max() > 5_000_000


def test_trades(small: dict[str, pd.DataFrame]) -> None:
    trades = small["trades"]
    assert len(trades) > 0
    at = trades["traded_at"]
    assert (at.dt.weekday < 5).all()
    seconds = at.dt.hour * 3600 + at.dt.minute * 60 + at.dt.second
    assert ((seconds >= 9 * 3600 + 1800) & (seconds <= 15 * 3600)).all()
    assert trades["symbol"].str.fullmatch(r"\d{6}").all()
    assert set(trades["side"]) == {"buy", "sell"}
    assert ((trades["quantity"] > 0) & (trades["quantity"] % 100 == 0)).all()
    assert (trades["price"] > 0).all()
    assert np.allclose(trades["amount"], trades["quantity"] * trades["price"], rtol=0, atol=0.006)
    expected_fee = np.maximum(trades["amount"] * 0.00025, 5.0)
    assert np.allclose(trades["commission"], expected_fee, rtol=0, atol=0.006)


def test_sessions_start_with_a_login(small: dict[str, pd.DataFrame]) -> None:
    events = small["app_events"]
    assert set(events["event_type"]) == {
        "login", "quote_view", "product_page_view", "search", "research_read", "margin_page_view",
    }  # fmt: skip
    day = events["event_at"].dt.normalize()
    first = events.sort_values("event_at", kind="stable").groupby(["client_id", day]).head(1)
    assert (first["event_type"] == "login").all()
    assert events.groupby(["client_id", day]).size().mean() > 1.5  # logins lead to more


# --- Behaviour ------------------------------------------------------------------------------


def test_no_activity_after_assets_leave(signal: dict[str, pd.DataFrame]) -> None:
    """On churn day aum drops under 20 % of the day before; nothing happens from then on."""
    start, _ = window(signal)
    snaps = signal["asset_snapshots"].sort_values(["client_id", "snapshot_date"])
    prev = snaps.groupby("client_id")["aum"].shift()
    drop = snaps[(prev > 0) & (snaps["aum"] < 0.2 * prev)]
    churn_day = drop.groupby("client_id")["snapshot_date"].min()
    assert 20 < len(churn_day) < 0.3 * len(signal["clients"])
    churn_offset = pd.Series(day_index(churn_day, start), index=churn_day.index)
    for name, col in (("trades", "traded_at"), ("app_events", "event_at")):
        frame = signal[name]
        limit = frame["client_id"].map(churn_offset)
        after = day_index(frame[col], start) >= limit.to_numpy(dtype=float, na_value=np.inf)
        assert not after.any(), name
    # The account still exists: snapshots continue at the small residual.
    last = snaps.groupby("client_id").tail(1).set_index("client_id")["snapshot_date"]
    assert (last.loc[churn_day.index] == window(signal)[1]).all()


def test_some_clients_are_dormant_from_the_start(signal: dict[str, pd.DataFrame]) -> None:
    start, _ = window(signal)
    clients = signal["clients"]
    seen = set(signal["app_events"]["client_id"]) | set(signal["trades"]["client_id"])
    silent = clients[(clients["opened_at"] < start) & ~clients["client_id"].isin(seen)]
    assert 0.02 < len(silent) / len(clients) < 0.12
    snaps = signal["asset_snapshots"]
    day0 = snaps[snaps["snapshot_date"] == start].set_index("client_id")["aum"]
    assert day0.loc[silent["client_id"]].median() < 0.2 * day0.median()


def churn_panel(frames: dict[str, pd.DataFrame], horizon: int = 60) -> pd.DataFrame:
    """Per (as-of day, active client): logins in the prior 30 days and the 60-day label.

    Active = account open >= 30 days, some app event in the prior 60 days and aum still at
    least half its 60-day high (i.e. not already gone). Churned = aum falls below 20 % of
    its as-of value at some point in the next ``horizon`` days.
    """
    start, end = window(frames)
    days, n = (end - start).days + 1, len(frames["clients"])
    snaps = frames["asset_snapshots"]
    aum = np.full((days, n), np.nan)
    aum[day_index(snaps["snapshot_date"], start), client_index(snaps["client_id"])] = snaps["aum"]
    events = frames["app_events"]
    counts = np.zeros((2, days + 1, n))  # [any event, logins], cumulated over days below
    ed, ec = day_index(events["event_at"], start), client_index(events["client_id"])
    np.add.at(counts[0], (ed + 1, ec), 1)
    is_login = (events["event_type"] == "login").to_numpy()
    np.add.at(counts[1], (ed[is_login] + 1, ec[is_login]), 1)
    cum = counts.cumsum(axis=1)  # cum[:, t + 1] = total through day t
    rows = []
    for t in range(30, days - horizon, 10):
        lo = max(t - 59, 0)
        # fmax/fmin skip the NaN of days before an account opened.
        high = np.fmax.reduce(aum[lo : t + 1], axis=0)
        future = np.fmin.reduce(aum[t + 1 : t + horizon + 1], axis=0)
        active = ~np.isnan(aum[t - 30]) & (cum[0, t + 1] - cum[0, lo] > 0) & (aum[t] >= 0.5 * high)
        idx = np.flatnonzero(active)
        rows.append(
            pd.DataFrame(
                {
                    "as_of": t,
                    "client": idx,
                    "logins_30d": (cum[1, t + 1] - cum[1, t - 29])[idx],
                    "churned": future[idx] < 0.2 * aum[t, idx],
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_churn_rate_and_login_signal(signal: dict[str, pd.DataFrame]) -> None:
    panel = churn_panel(signal)
    rate = panel.groupby("as_of")["churned"].mean()
    assert rate.between(0.01, 0.08).all(), rate
    logins = panel.groupby("churned")["logins_30d"].mean()
    assert logins[True] / logins[False] < 0.6, logins


# --- Landing ---------------------------------------------------------------------------------


def tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_write_landing_layout_and_round_trip(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    out = tmp_path / "landing"
    counts = write_landing(small, out)
    assert counts == {name: len(small[name]) for name in TABLES}
    assert sorted(p.name for p in out.iterdir()) == sorted(TABLES)  # no temp leftovers
    start, end = window(small)
    for name in TABLES:
        parts = sorted((out / name).iterdir())
        assert parts and all(re.fullmatch(r"dt=\d{4}-\d{2}-\d{2}", p.name) for p in parts)
        for part in parts:
            assert [f.name for f in part.iterdir()] == ["part-0.parquet"]
            schema = pq.read_schema(part / "part-0.parquet")
            assert schema.remove_metadata() == SCHEMAS[name]
            assert "dt" not in schema.names
            assert start <= datetime.date.fromisoformat(part.name[3:]) <= end
        back = ds.dataset(out / name, format="parquet", partitioning="hive").to_table()
        assert back.num_rows == len(small[name])
    assert [p.name for p in (out / "products").iterdir()] == [f"dt={start}"]


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("clients", "opened_at"),
        ("risk_assessments", "assessed_at"),
        ("asset_snapshots", "snapshot_date"),
        ("trades", "traded_at"),
        ("app_events", "event_at"),
    ],
)
def test_rows_land_in_their_export_day(small: dict[str, pd.DataFrame], tmp_path: Path, name: str, column: str) -> None:
    write_landing({name: small[name]}, tmp_path)
    start, _ = window(small)
    back = ds.dataset(tmp_path / name, format="parquet", partitioning="hive").to_table()
    frame = back.to_pandas()
    dt = pd.to_datetime(frame["dt"]).to_numpy()
    when = pd.to_datetime(frame[column].astype("datetime64[us]")).dt.normalize().to_numpy()
    assert (dt == np.maximum(when, np.datetime64(start, "ns"))).all()
    # Same content as the frame, just grouped by day.
    key = SCHEMAS[name].names[0]
    original = small[name].sort_values(key, ignore_index=True)
    read = back.drop(["dt"]).to_pandas(types_mapper=_frame_types)
    pd.testing.assert_frame_equal(read.sort_values(key, ignore_index=True), original)


def _frame_types(typ: pa.DataType) -> object:
    if pa.types.is_string(typ):
        return pd.StringDtype("pyarrow")
    if pa.types.is_date32(typ):
        return pd.ArrowDtype(pa.date32())
    return None


def test_write_landing_is_idempotent_and_replaces(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    first = write_landing(small, tmp_path)
    files = tree(tmp_path)
    again = write_landing(small, tmp_path)
    assert again == first
    assert tree(tmp_path) == files  # byte-identical, nothing duplicated

    shorter = simulate(clients=100, days=30, seed=1)
    counts = write_landing(shorter, tmp_path)
    for name in TABLES:
        back = ds.dataset(tmp_path / name, format="parquet", partitioning="hive").to_table()
        assert back.num_rows == counts[name] == len(shorter[name])
    stale = tmp_path / "asset_snapshots" / f"dt={DEFAULT_START + datetime.timedelta(days=60)}"
    assert not stale.exists()
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())


def test_write_landing_cleans_leftovers_and_needs_a_start(small: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    (tmp_path / ".trades.tmp" / "dt=2000-01-01").mkdir(parents=True)
    write_landing({"trades": small["trades"]}, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["trades"]

    products = small["products"].copy()
    products.attrs = {}
    with pytest.raises(ValueError, match="start"):
        write_landing({"products": products}, tmp_path)
    write_landing({"products": products}, tmp_path, start=datetime.date(2024, 1, 2))
    assert [p.name for p in (tmp_path / "products").iterdir()] == ["dt=2024-01-02"]
    with pytest.raises(ValueError, match="unknown"):
        write_landing({"nope": products}, tmp_path)
