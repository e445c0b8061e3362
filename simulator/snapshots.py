"""Daily end-of-day asset snapshots: wealth x allocation x flows x market moves."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa

from simulator.activity import fade
from simulator.market import Market
from simulator.population import Population
from simulator.strings import fixed_width_ids

FLOW_VOL = 0.003  # daily log-volatility of net deposits/withdrawals
STOCK_PICKING_VOL = 0.009  # daily idiosyncratic volatility of a client's stock book
FUND_BETA = 0.6
MAX_MARGIN_TO_EQUITY = 0.5  # forced deleveraging keeps aum >= 0


def snapshot_columns(
    rng: np.random.Generator,
    pop: Population,
    market: Market,
    start: datetime.date,
    days: int,
) -> dict[str, object]:
    t = np.arange(days)[:, None]
    # Day-major rows, so each dt partition is one contiguous slice; int32 halves the index.
    day, client = (a.astype(np.int32) for a in np.nonzero(t >= pop.first_day[None, :]))
    # Everything below is built as dense (days, N) float32, then reduced to existing rows
    # so that the float64 money columns are only ever allocated at their final size.
    flow = _random_walk(rng, days, pop.n, FLOW_VOL)
    flow[:, pop.dormant] = 0.0
    np.exp(flow, out=flow)
    lin = fade(pop, days)  # assets drift out linearly before churn
    after = t >= pop.churn_day[None, :]
    floor = pop.drift_floor.astype(np.float32)[None, :]
    left = floor * pop.residual.astype(np.float32)[None, :]  # what stays after churn_day
    keep = np.where(after, left, floor + (1 - floor) * lin)
    scale = (flow * keep)[day, client].astype(np.float64)
    margin_scale = (flow * lin)[day, client].astype(np.float64)  # repaid as the client leaves
    del keep, lin, after
    stock = _random_walk(rng, days, pop.n, STOCK_PICKING_VOL)
    stock += pop.beta.astype(np.float32)[None, :] * market.log_index.astype(np.float32)[:, None]
    equity_move = np.exp(stock[day, client], dtype=np.float64)
    del stock, flow

    def money(values: np.ndarray) -> np.ndarray:
        return np.round(values, 2)

    def holding(k: int) -> np.ndarray:
        # Index a per-client (N,) base rather than an (rows, 5) allocation matrix: memory.
        return (pop.wealth * pop.alloc[:, k])[client] * scale

    cash = money(holding(0))
    equity = money(holding(1) * equity_move)
    fund = money(holding(2) * np.exp(FUND_BETA * market.log_index)[day])
    bond = money(holding(3) * market.bond_index[day])
    wealth_product = money(holding(4) * market.wealth_index[day])
    margin_debt = pop.wealth[client] * pop.margin_ratio[client] * margin_scale
    margin_debt = money(np.minimum(margin_debt, MAX_MARGIN_TO_EQUITY * equity))
    aum = money(cash + equity + fund + bond + wealth_product - margin_debt)
    return {
        "client_id": fixed_width_ids("C", client + 1, 7),
        "snapshot_date": pa.array(np.datetime64(start, "D") + day.astype("timedelta64[D]")),
        "cash": cash,
        "equity": equity,
        "fund": fund,
        "bond": bond,
        "wealth_product": wealth_product,
        "margin_debt": margin_debt,
        "aum": aum,
    }


def _random_walk(rng: np.random.Generator, days: int, n: int, vol: float) -> np.ndarray:
    """(days, n) float32 cumulative normal steps, 0 on day 0."""
    steps = rng.standard_normal((days, n), dtype=np.float32)
    steps *= np.float32(vol)
    steps[0] = 0.0
    return np.cumsum(steps, axis=0, out=steps)
