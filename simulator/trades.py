"""Stock trades on weekdays during the A-share continuous-auction sessions."""

from __future__ import annotations

import datetime

import numpy as np

from simulator.activity import timestamps_us, weekdays
from simulator.market import Market
from simulator.population import Population
from simulator.strings import fixed_width_ids, pick

# 09:30-11:30 and 13:00-15:00: two 2-hour sessions, both inside 09:30-15:00.
_MORNING_OPEN = 9 * 3600 + 1800
_AFTERNOON_OPEN = 13 * 3600
_SESSION_SECONDS = 7200
N_FAVOURITES = 4
COMMISSION_RATE = 0.00025
MIN_COMMISSION = 5.0


def trade_columns(
    rng: np.random.Generator,
    pop: Population,
    market: Market,
    act: np.ndarray,
    start: datetime.date,
) -> dict[str, object]:
    trading_days = np.flatnonzero(weekdays(start, act.shape[0]))
    counts = rng.poisson(act[trading_days] * pop.trade_rate[None, :].astype(np.float32))
    cell_day, cell_client = np.nonzero(counts)
    per_cell = counts[cell_day, cell_client]
    del counts
    cell = np.repeat(np.arange(cell_day.size, dtype=np.int64), per_cell)
    day = trading_days[cell_day][cell]
    client = cell_client[cell]
    n = cell.size

    offset = rng.random(n) * (2 * _SESSION_SECONDS)
    second = np.where(
        offset < _SESSION_SECONDS,
        _MORNING_OPEN + offset,
        _AFTERNOON_OPEN + offset - _SESSION_SECONDS,
    ).astype(np.int64)
    order = np.lexsort((second, cell))  # chronological within a client's day
    day, client, second = day[order], client[order], second[order]

    # Clients mostly trade a handful of favourite names, sometimes whatever is hot.
    favourites = rng.choice(market.symbol_popularity.size, (pop.n, N_FAVOURITES), p=market.symbol_popularity)
    symbol = np.where(
        rng.random(n) < 0.65,
        favourites[client, rng.integers(0, N_FAVOURITES, n)],
        rng.choice(market.symbol_popularity.size, n, p=market.symbol_popularity),
    )
    price = market.symbol_price[symbol, day] * (1.0 + 0.006 * rng.standard_normal(n))
    price = np.maximum(np.round(price, 2), 0.01)
    # Ticket size scales with the client's liquid wealth; A-shares trade in lots of 100.
    liquid = pop.wealth * (pop.alloc[:, 0] + pop.alloc[:, 1])
    target = liquid[client] * rng.uniform(0.03, 0.2, n)
    lots = np.clip(np.rint(target / (100.0 * price)), 1, 100_000).astype(np.int64)
    quantity = lots * 100
    amount = np.round(quantity * price, 2)
    commission = np.round(np.maximum(amount * COMMISSION_RATE, MIN_COMMISSION), 2)
    # Clients on their way out sell more than they buy.
    p_sell = 0.5 + 0.35 * (1.0 - act[day, client])
    side = (rng.random(n) < p_sell).astype(np.int64)

    return {
        "trade_id": fixed_width_ids("T", np.arange(1, n + 1), 10),
        "client_id": fixed_width_ids("C", client + 1, 7),
        "traded_at": timestamps_us(start, day, second),
        "symbol": market.symbols.take(symbol),
        "side": pick(("buy", "sell"), side),
        "quantity": quantity,
        "price": price,
        "amount": amount,
        "commission": commission,
    }
