"""Shared market state: index paths, the listed stocks clients trade, the product shelf."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from simulator.strings import fixed_width_ids, pick

N_SYMBOLS = 300
# (product_type, display name, count, allowed risk ratings) -- 240 products in total.
PRODUCT_SHELF = (
    ("equity_fund", "Equity Fund", 60, (3, 4)),
    ("bond_fund", "Bond Fund", 50, (2, 3)),
    ("wealth_product", "Wealth Product", 50, (1, 2)),
    ("money_market", "Money Market", 20, (1,)),
    ("option", "Index Option", 20, (5,)),
    ("structured_note", "Structured Note", 40, (4, 5)),
)
# Code prefixes of the Shanghai main board, Shenzhen main/SME boards and ChiNext.
_BOARD_PREFIXES = np.array([600, 601, 603, 0, 2, 300])


@dataclass(frozen=True)
class Market:
    log_index: np.ndarray  # (D,) log of the shared equity index, 0 on day 0
    bond_index: np.ndarray  # (D,) bond price level, 1 on day 0
    wealth_index: np.ndarray  # (D,) wealth-product NAV, 1 on day 0
    symbols: pa.Array  # (S,) 6-digit stock codes
    symbol_popularity: np.ndarray  # (S,) probabilities
    symbol_price: np.ndarray  # (S, D) close price in yuan
    product_rating: np.ndarray  # (P,) 1..5
    product_popularity: np.ndarray  # (P,) relative weights


def draw_market(rng: np.random.Generator, days: int) -> Market:
    steps = rng.normal(0.0002, 0.011, days)
    steps[0] = 0.0
    log_index = np.cumsum(steps)
    bond_steps = rng.normal(0.00012, 0.0007, days)
    bond_steps[0] = 0.0
    bond_index = np.exp(np.cumsum(bond_steps))
    wealth_index = np.exp(0.0001 * np.arange(days))  # ~3.7 %/year, no volatility

    # Unique codes: board prefix * 1000 + a 3-digit suffix.
    combo = rng.choice(_BOARD_PREFIXES.size * 1000, N_SYMBOLS, replace=False)
    codes = _BOARD_PREFIXES[combo // 1000] * 1000 + combo % 1000
    symbols = fixed_width_ids("", codes, 6)
    popularity = 1.0 / rng.permutation(np.arange(1, N_SYMBOLS + 1))  # Zipf over a shuffle
    popularity /= popularity.sum()
    base = np.clip(np.exp(np.log(15.0) + 0.9 * rng.standard_normal(N_SYMBOLS)), 2.0, 1_800.0)
    sym_beta = rng.uniform(0.6, 1.4, N_SYMBOLS)
    idio = np.cumsum(rng.normal(0.0, 0.018, (N_SYMBOLS, days)), axis=1)
    symbol_price = base[:, None] * np.exp(sym_beta[:, None] * log_index[None, :] + idio)

    ratings = [rng.choice(allowed, count) for _, _, count, allowed in PRODUCT_SHELF]
    product_rating = np.concatenate(ratings).astype(np.int64)
    product_popularity = 1.0 / rng.permutation(np.arange(1, product_rating.size + 1)) ** 0.8
    return Market(
        log_index=log_index,
        bond_index=bond_index,
        wealth_index=wealth_index,
        symbols=symbols,
        symbol_popularity=popularity,
        symbol_price=symbol_price,
        product_rating=product_rating,
        product_popularity=product_popularity,
    )


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
