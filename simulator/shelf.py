"""Which products a client browses and buys: popularity, weighted towards suitable ones."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.codes import NEED_PRODUCT_TYPES, PRODUCT_TYPES
from simulator.market import Market

UNSUITABLE_BROWSE_WEIGHT = 0.25  # clients mostly look at products their level allows


@dataclass(frozen=True)
class Shelf:
    rating: np.ndarray  # (P,) 1..5
    type_index: np.ndarray  # (P,)
    browse_cum: np.ndarray  # (5, P) cumulative browse weights per allowed level 1..5
    need_products: dict[int, np.ndarray]  # need -> product indices of its types
    need_browse_cum: dict[int, np.ndarray]  # need -> (5, len) cumulative weights
    popularity: np.ndarray

    def browse(self, u: np.ndarray, allowed: np.ndarray, need: int | None = None) -> np.ndarray:
        """Product index per event, from uniforms ``u`` and allowed levels 1..5."""
        out = np.empty(u.size, dtype=np.int64)
        cum = self.browse_cum if need is None else self.need_browse_cum[need]
        for lvl in range(1, 6):
            sel = allowed == lvl
            if sel.any():
                row = cum[lvl - 1]
                out[sel] = np.minimum(np.searchsorted(row, u[sel] * row[-1]), row.size - 1)
        return out if need is None else self.need_products[need][out]

    def buy(self, u: np.ndarray, allowed: np.ndarray, need: int) -> np.ndarray:
        """A suitable product of the need's types (rating <= allowed), -1 if none exists."""
        products = self.need_products[need]
        out = np.full(u.size, -1, dtype=np.int64)
        for lvl in range(1, 6):
            sel = allowed == lvl
            ok = products[self.rating[products] <= lvl]
            if sel.any() and ok.size:
                cum = np.cumsum(self.popularity[ok])
                out[sel] = ok[np.minimum(np.searchsorted(cum, u[sel] * cum[-1]), ok.size - 1)]
        return out

    def of_type(self, type_name: str) -> np.ndarray:
        return np.flatnonzero(self.type_index == PRODUCT_TYPES.index(type_name))


def build_shelf(market: Market) -> Shelf:
    rating, pop = market.product_rating, market.product_popularity
    levels = np.arange(1, 6)[:, None]
    browse = np.cumsum(pop[None, :] * np.where(rating[None, :] <= levels, 1.0, UNSUITABLE_BROWSE_WEIGHT), axis=1)
    need_products: dict[int, np.ndarray] = {}
    need_cum: dict[int, np.ndarray] = {}
    for need, types in NEED_PRODUCT_TYPES.items():
        idx = np.flatnonzero(np.isin(market.product_type, [PRODUCT_TYPES.index(t) for t in types]))
        need_products[need] = idx
        w = pop[idx][None, :] * np.where(rating[idx][None, :] <= levels, 1.0, UNSUITABLE_BROWSE_WEIGHT)
        need_cum[need] = np.cumsum(w, axis=1)
    return Shelf(
        rating=rating,
        type_index=market.product_type,
        browse_cum=browse,
        need_products=need_products,
        need_browse_cum=need_cum,
        popularity=pop,
    )
