"""``simulate``: one deterministic synthetic brokerage, as the six landing tables."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd

from simulator.activity import activity_matrix
from simulator.client_tables import client_columns, risk_assessment_columns
from simulator.events import app_event_columns
from simulator.market import draw_market, product_columns
from simulator.population import draw_population
from simulator.presets import DEFAULT_START
from simulator.schema import TABLES, to_frame
from simulator.snapshots import snapshot_columns
from simulator.trades import trade_columns

# One independent random stream per component: changing how e.g. trades are drawn
# leaves the population, snapshots and events of a seed untouched.
_STREAMS = ("population", "market", "clients", "risk", "snapshots", "trades", "events")


def simulate(clients: int, days: int, seed: int, start: datetime.date = DEFAULT_START) -> dict[str, pd.DataFrame]:
    """Generate all landing tables for ``clients`` over ``days`` days from ``start``.

    Same arguments => identical frames, row order included. Every frame carries
    ``attrs["start"]`` and ``attrs["end"]`` (ISO date strings, so ``DataFrame.to_parquet``
    can serialise them), which ``write_landing`` uses to place rows predating the window.
    """
    if clients < 1 or days < 1:
        raise ValueError("clients and days must be positive")
    rng = {name: np.random.default_rng([seed, k]) for k, name in enumerate(_STREAMS)}
    pop = draw_population(rng["population"], clients, days)
    market = draw_market(rng["market"], days)

    # Each table goes straight to its frame so its raw columns can be freed (bench memory).
    frames = {
        "clients": to_frame("clients", client_columns(rng["clients"], pop, start)),
        "risk_assessments": to_frame("risk_assessments", risk_assessment_columns(rng["risk"], pop, start, days)),
        "products": to_frame("products", product_columns(market)),
        "asset_snapshots": to_frame("asset_snapshots", snapshot_columns(rng["snapshots"], pop, market, start, days)),
    }
    act = activity_matrix(pop, days)  # shared so trades and app events fade together
    frames["trades"] = to_frame("trades", trade_columns(rng["trades"], pop, market, act, start))
    frames["app_events"] = to_frame("app_events", app_event_columns(rng["events"], pop, market, act, start))
    del act

    end = start + datetime.timedelta(days=days - 1)
    for frame in frames.values():
        frame.attrs.update(start=start.isoformat(), end=end.isoformat())
    return {name: frames[name] for name in TABLES}
