"""Ground truth: what the simulation itself knows about each client on an as-of date.

p_<need>_30d: the probability, given the latent state at the end of the as-of day, that the
client FULFILS that need in the 30 days strictly after it (as-of + 1 .. as-of + 30): a product
need by a subscribe of a matching product type, margin financing by margin_debt turning > 0,
transfer-in by a bank transfer in of >= 50,000 and >= 20 % of the previous day's aum. It is
computed from the simulation's own hazards: an active need resolves from MIN_DELAY days after it
arose with daily probability RESOLVE_RATE and is then fulfilled with ``fulfil_probability``; an
idle need arises with today's hazard (activity averaged over the coming 30 days) and then follows
the same course. Left out (small): a need arising again after being abandoned within the 30
days, campaign contacts, and changes in wealth, market or suitability over the 30 days.

p_churn_60d: the probability that the client exits (churn_day) in the 60 days after the as-of
date: 1 for a client already fading towards an exit inside the horizon, else from the daily
hazard and the fade-length distribution.

tier_now / tier_90d: ``tiers.value_tier`` on the as-of day and 90 days later (null past the window).
"""

from __future__ import annotations

import numpy as np

from simulator import churn, needs
from simulator.state import ClientState
from wealthpulse.domain import NEEDS

HORIZON = 30
FIRST_AS_OF = 28
AS_OF_STEP = 7
TIER_AHEAD = 90
_FUTURE_SAMPLES = np.array([3, 8, 13, 18, 23, 28])


def as_of_days(days: int) -> np.ndarray:
    """Window start + 28 days, then every 7 days, plus the last day."""
    out = list(range(FIRST_AS_OF, days, AS_OF_STEP))
    if days - 1 not in out:
        out.append(days - 1)
    return np.array([d for d in out if d >= 0], dtype=np.int64)


def sample_clients(seed: int, total: int, limit: int) -> np.ndarray:
    """Global client indices covered by the oracle: all, or a deterministic sample."""
    if total <= limit:
        return np.arange(total)
    return np.sort(np.random.default_rng([seed, 1_000_051]).choice(total, limit, replace=False))


def need_probabilities(state: ClientState, day: int, momentum: float) -> np.ndarray:
    """(N, 6) P(fulfil need in (day, day + 30]) given the state at the end of ``day``."""
    alive = churn.alive(state, day)
    # Days in the horizon on which the client is still there (no fulfilment from the exit day on).
    horizon = np.clip(state.churn_day.astype(np.int64) - 1 - day, 0, HORIZON)
    future_act = np.zeros(state.n)
    for j in _FUTURE_SAMPLES:
        future_act += churn.activity(state, day + int(j)) / _FUTURE_SAMPLES.size
    lam = needs.daily_hazard(state.need_base, state.aum(), state.margin, momentum, future_act)
    f_eff = needs.fulfil_probability(state.valid_level(day), state.risk_level)
    s = 1.0 - needs.RESOLVE_RATE
    q = 1.0 - lam
    k = np.maximum(horizon - needs.MIN_DELAY, 0)[:, None].astype(float)
    diff = s - q
    safe = np.where(np.abs(diff) < 1e-12, 1e-12, diff)
    p_idle = (1.0 - q**k) - lam * s * (s**k - q**k) / safe
    since = state.need_since.astype(np.int64)
    first_chance = np.maximum(day + 1, since + needs.MIN_DELAY)
    count = np.clip(day + horizon[:, None] - first_chance + 1, 0, None)
    p_active = 1.0 - s**count
    p = np.where(since >= 0, p_active, np.clip(p_idle, 0.0, 1.0)) * f_eff
    return np.where(alive[:, None], p, 0.0)


def churn_probability(state: ClientState, day: int) -> np.ndarray:
    return churn.churn_probability(state, day, 60)


ORACLE_NEED_COLUMNS = tuple(f"p_{need}_30d" for need in NEEDS)
