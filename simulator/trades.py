"""Stock trades of one day, during the A-share continuous-auction sessions."""

from __future__ import annotations

import numpy as np

from simulator.market import Market
from simulator.state import ClientState

# 09:30-11:30 and 13:00-15:00: two 2-hour sessions, both inside 09:30-15:00.
_MORNING_OPEN = 9 * 3600 + 1800
_AFTERNOON_OPEN = 13 * 3600
_SESSION_SECONDS = 7200
COMMISSION_RATE = 0.00025
MIN_COMMISSION = 5.0


def trades_today(
    rng: np.random.Generator, state: ClientState, market: Market, act: np.ndarray, day: int
) -> dict[str, np.ndarray]:
    counts = rng.poisson(act * state.trade_rate)
    client = np.repeat(np.arange(state.n), counts)
    n = client.size
    offset = rng.random(n) * (2 * _SESSION_SECONDS)
    second = np.where(
        offset < _SESSION_SECONDS, _MORNING_OPEN + offset, _AFTERNOON_OPEN + offset - _SESSION_SECONDS
    ).astype(np.int64)
    order = np.lexsort((second, client))  # chronological within a client's day
    client, second = client[order], second[order]
    # Clients mostly trade a handful of favourite names, sometimes whatever is hot.
    symbol = np.where(
        rng.random(n) < 0.65,
        state.favourites[client, rng.integers(0, state.favourites.shape[1], n)],
        rng.choice(market.symbol_popularity.size, n, p=market.symbol_popularity),
    ).astype(np.int64)
    price = market.symbol_price[symbol, day] * (1.0 + 0.006 * rng.standard_normal(n))
    price = np.maximum(np.round(price, 2), 0.01)
    # Ticket size scales with liquid wealth; A-shares trade in lots of 100.
    liquid = np.maximum(state.cash + state.equity, 0.0)[client]
    lots = np.clip(np.rint(liquid * rng.uniform(0.03, 0.2, n) / (100.0 * price)), 1, 100_000).astype(np.int64)
    quantity = lots * 100
    amount = np.round(quantity * price, 2)
    commission = np.round(np.maximum(amount * COMMISSION_RATE, MIN_COMMISSION), 2)
    # Clients on their way out sell more than they buy.
    side = (rng.random(n) < 0.5 + 0.35 * (1.0 - act[client])).astype(np.int8)
    return {
        "client": client,
        "second": second,
        "symbol": symbol,
        "side": side,
        "quantity": quantity,
        "price": price,
        "amount": amount,
        "commission": commission,
    }
