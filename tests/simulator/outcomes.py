"""Realized outcomes computed from landing tables only (what the warehouse can see)."""

from __future__ import annotations

import numpy as np
import pandas as pd

NEED_TYPES = {
    "equity_fund": ["equity_fund"],
    "fixed_income": ["bond_fund", "wealth_product"],
    "options": ["option"],
    "advisory": ["advisory_plan"],
}


def window(sim: dict[str, pd.DataFrame]) -> tuple[pd.Timestamp, int, int]:
    start = pd.Timestamp(sim["clients"].attrs["start"])
    days = (pd.Timestamp(sim["clients"].attrs["end"]) - start).days + 1
    return start, days, len(sim["clients"])


def day_of(values: pd.Series, start: pd.Timestamp) -> np.ndarray:
    return (pd.to_datetime(values.astype("datetime64[ns]")).dt.normalize() - start).dt.days.to_numpy()


def client_of(ids: pd.Series) -> np.ndarray:
    return ids.str.slice(1).astype(np.int64).to_numpy() - 1


def daily_counts(sim: dict[str, pd.DataFrame], frame: pd.DataFrame, column: str) -> np.ndarray:
    """(days + 1, N) cumulative counts: ``cum[t + 1]`` = rows through day t."""
    start, days, n = window(sim)
    counts = np.zeros((days + 1, n), dtype=np.int32)
    np.add.at(counts, (day_of(frame[column], start) + 1, client_of(frame["client_id"])), 1)
    return counts.cumsum(axis=0)


def snapshot_matrix(sim: dict[str, pd.DataFrame], column: str) -> np.ndarray:
    start, days, n = window(sim)
    snaps = sim["asset_snapshots"]
    out = np.zeros((days, n))
    out[day_of(snaps["snapshot_date"], start), client_of(snaps["client_id"])] = snaps[column].to_numpy()
    return out


def fulfilment_events(sim: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Per need, the (days + 1, N) cumulative count of fulfilments, by the documented rules."""
    start, days, n = window(sim)
    orders = sim["product_orders"].merge(sim["products"][["product_id", "product_type"]], on="product_id")
    subscribe = orders[orders["side"] == "subscribe"]
    out = {
        need: daily_counts(sim, subscribe[subscribe["product_type"].isin(types)], "ordered_at")
        for need, types in NEED_TYPES.items()
    }
    margin = snapshot_matrix(sim, "margin_debt")
    starts = np.zeros((days + 1, n), dtype=np.int32)
    starts[2:] = (margin[1:] > 0) & (margin[:-1] <= 0)
    out["margin_financing"] = starts.cumsum(axis=0)
    aum = snapshot_matrix(sim, "aum")
    bt = sim["bank_transfers"]
    d, c = day_of(bt["transferred_at"], start), client_of(bt["client_id"])
    prev = np.where(d > 0, aum[np.maximum(d - 1, 0), c], 0.0)
    amount = bt["amount"].to_numpy()
    large = (bt["direction"] == "in").to_numpy() & (amount >= 50_000) & (amount >= 0.2 * prev)
    out["transfer_in"] = daily_counts(sim, bt[large], "transferred_at")
    return out


def realized(sim, horizon: int = 30) -> pd.DataFrame:
    """Per oracle row: did the client fulfil each need in (as_of, as_of + horizon]?"""
    start, days, _ = window(sim)
    oracle = sim.oracle
    t = day_of(oracle["as_of_date"], start)
    c = client_of(oracle["client_id"])
    end = np.minimum(t + horizon, days - 1)
    out = {need: (cum[end + 1, c] - cum[t + 1, c]) > 0 for need, cum in fulfilment_events(sim).items()}
    frame = pd.DataFrame(out)
    frame["full_horizon"] = t + horizon <= days - 1
    frame["t"] = t
    frame["client"] = c
    return frame
