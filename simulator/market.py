"""Shared market state: index paths, the listed stocks clients trade, the product shelf.

Each day's moves come from their own random stream (seed, day), so the market of a longer
run starts with exactly the market of a shorter one: ``--next-day`` just draws one more day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from simulator.codes import PRODUCT_SHELF, PRODUCT_TYPES
from simulator.strings import fixed_width_ids, pick

N_SYMBOLS = 300
MARKET_STREAM = 1_000_003  # keeps market streams apart from the client chunks' streams
# Code prefixes of the Shanghai main board, Shenzhen main/SME boards and ChiNext.
_BOARD_PREFIXES = np.array([600, 601, 603, 0, 2, 300])
MOMENTUM_DAYS = 20


@dataclass(frozen=True)
class Market:
    log_index: np.ndarray  # (D,) log of the shared equity index, 0 on day 0
    bond_index: np.ndarray  # (D,) bond price level, 1 on day 0
    wealth_index: np.ndarray  # (D,) wealth-product NAV, 1 on day 0
    symbols: pa.Array  # (S,) 6-digit stock codes
    symbol_popularity: np.ndarray  # (S,) probabilities
    symbol_price: np.ndarray  # (S, D) close price in yuan
    product_rating: np.ndarray  # (P,) 1..5
    product_type: np.ndarray  # (P,) index into PRODUCT_TYPES
    product_popularity: np.ndarray  # (P,) relative weights

    @property
    def days(self) -> int:
        return int(self.log_index.size)

    def momentum(self, day: int) -> float:
        """Log return of the index over the last 20 days: what moves investors' appetite."""
        return float(self.log_index[day] - self.log_index[max(day - MOMENTUM_DAYS, 0)])


def draw_market(seed: int, days: int) -> Market:
    rng = np.random.default_rng([seed, MARKET_STREAM])
    # Unique codes: board prefix * 1000 + a 3-digit suffix.
    combo = rng.choice(_BOARD_PREFIXES.size * 1000, N_SYMBOLS, replace=False)
    codes = _BOARD_PREFIXES[combo // 1000] * 1000 + combo % 1000
    popularity = 1.0 / rng.permutation(np.arange(1, N_SYMBOLS + 1))  # Zipf over a shuffle
    popularity /= popularity.sum()
    base = np.clip(np.exp(np.log(15.0) + 0.9 * rng.standard_normal(N_SYMBOLS)), 2.0, 1_800.0)
    sym_beta = rng.uniform(0.6, 1.4, N_SYMBOLS)
    ratings = [rng.choice(allowed, count) for _, _, count, allowed in PRODUCT_SHELF]
    product_rating = np.concatenate(ratings).astype(np.int64)
    product_type = np.repeat(np.arange(len(PRODUCT_SHELF)), [row[2] for row in PRODUCT_SHELF])
    product_popularity = 1.0 / rng.permutation(np.arange(1, product_rating.size + 1)) ** 0.8

    steps = np.zeros(days)
    bond_steps = np.zeros(days)
    idio = np.zeros((N_SYMBOLS, days))
    for day in range(1, days):
        day_rng = np.random.default_rng([seed, MARKET_STREAM, day])
        steps[day] = day_rng.normal(0.0002, 0.011)
        bond_steps[day] = day_rng.normal(0.00012, 0.0007)
        idio[:, day] = day_rng.normal(0.0, 0.018, N_SYMBOLS)
    log_index = np.cumsum(steps)
    symbol_price = base[:, None] * np.exp(sym_beta[:, None] * log_index[None, :] + np.cumsum(idio, axis=1))
    return Market(
        log_index=log_index,
        bond_index=np.exp(np.cumsum(bond_steps)),
        wealth_index=np.exp(0.0001 * np.arange(days)),  # ~3.7 %/year, no volatility
        symbols=fixed_width_ids("", codes, 6),
        symbol_popularity=popularity,
        symbol_price=symbol_price,
        product_rating=product_rating,
        product_type=product_type,
        product_popularity=product_popularity,
    )


def products_of_type(market: Market, type_name: str) -> np.ndarray:
    return np.flatnonzero(market.product_type == PRODUCT_TYPES.index(type_name))


def product_ids(market: Market) -> list[str]:
    return [f"P{k:04d}" for k in range(1, market.product_rating.size + 1)]


def product_columns(market: Market) -> dict[str, object]:
    """The products table; ids follow the shelf order so P0001.. are stable across seeds."""
    types: list[str] = []
    names: list[str] = []
    for product_type, label, count, _ in PRODUCT_SHELF:
        types += [product_type] * count
        names += [f"{label} {k:03d}" for k in range(1, count + 1)]
    n = len(types)
    return {
        "product_id": fixed_width_ids("P", np.arange(1, n + 1), 4),
        "name": pa.array(names, pa.large_string()),
        "product_type": pa.array(types, pa.large_string()),
        "risk_rating": pick([f"R{k}" for k in range(1, 6)], market.product_rating - 1),
    }
