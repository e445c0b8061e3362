"""Churn: a client decides to leave with a constant personal daily hazard, fades, then exits.

After the decision, activity fades over ``decay_len`` days and assets flow out in lumps; on
``churn_day`` the client moves out all but a small residual and never comes back. A few leave
with little warning (a fade of 1-4 days).
"""

from __future__ import annotations

import numpy as np

from simulator.state import ClientState

TARGET_CHURN_60D = 0.035  # mean 60-day churn probability of active clients
LITTLE_WARNING_SHARE = 0.12
WARNING_DAYS = (1, 5)  # [lo, hi) of a little-warning fade
FADE_DAYS = (20, 46)  # [lo, hi) of a normal fade
DECAY_SHAPE = 2.0  # activity = fade ** 2: drops fast once the fade starts
QUIET_FACTOR = 0.1  # activity multiplier inside a quiet spell (holidays; not churn)
QUIET_SPELLS_PER_DAY = 0.6 / 365
QUIET_DAYS = (7, 29)
GRACE_DAYS = 6  # new accounts do not decide to leave in their first week
# Mean of exp(log hazard) below over a typical population, measured once: keeps the target mean.
_HAZARD_NORM = 1.9


def draw_hazard(
    rng: np.random.Generator, engagement: np.ndarray, young: np.ndarray, wealth_z: np.ndarray, advisor: np.ndarray
) -> np.ndarray:
    """Heterogeneous, so churners are partly predictable from engagement, tenure and wealth."""
    log_h = (
        -1.5 * np.log(engagement)
        + 0.6 * young
        - 0.25 * wealth_z
        - 0.3 * (advisor >= 0)
        + 0.5 * rng.standard_normal(engagement.size)  # the part no feature can explain
    )
    return np.clip(np.exp(log_h) * (TARGET_CHURN_60D / 60) / _HAZARD_NORM, 1e-7, 0.02)


def draw_decay(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    little = rng.random(n) < LITTLE_WARNING_SHARE
    decay_len = np.where(little, rng.integers(*WARNING_DAYS, n), rng.integers(*FADE_DAYS, n)).astype(np.int32)
    drift_floor = np.where(little, 1.0, rng.uniform(0.55, 0.9, n))
    residual = rng.uniform(0.01, 0.12, n)
    return decay_len, drift_floor, residual


def fade(state: ClientState, day: int | np.ndarray) -> np.ndarray:
    """1 until the fade starts, linearly to 0 on churn_day (and after)."""
    left = state.churn_day.astype(np.float64) - day
    return np.clip(left / state.decay_len, 0.0, 1.0)


def alive(state: ClientState, day: int) -> np.ndarray:
    return (state.opened_day <= day) & ~state.dormant & (day < state.churn_day)


def activity(state: ClientState, day: int) -> np.ndarray:
    """(N,) in [0, 1]: 1 = the client's normal behaviour, 0 = none at all."""
    act = fade(state, day) ** DECAY_SHAPE
    act = np.where(day < state.quiet_until, act * QUIET_FACTOR, act)
    return np.where(alive(state, day), act, 0.0)


def decide(rng: np.random.Generator, state: ClientState, day: int) -> None:
    """Today's decisions to leave: the exit comes ``decay_len`` days later."""
    can = alive(state, day) & (state.churn_day == np.iinfo(np.int32).max) & (day >= state.opened_day + GRACE_DAYS)
    leave = can & (rng.random(state.n) < state.churn_hazard)
    state.churn_day[leave] = day + state.decay_len[leave]


def decay_cdf(horizon: int) -> np.ndarray:
    """P(decay_len <= m) for m = 0..horizon."""
    m = np.arange(horizon + 1)
    warn = np.clip((m - WARNING_DAYS[0] + 1) / (WARNING_DAYS[1] - WARNING_DAYS[0]), 0, 1)
    normal = np.clip((m - FADE_DAYS[0] + 1) / (FADE_DAYS[1] - FADE_DAYS[0]), 0, 1)
    return LITTLE_WARNING_SHARE * warn + (1 - LITTLE_WARNING_SHARE) * normal


def churn_probability(state: ClientState, day: int, horizon: int = 60) -> np.ndarray:
    """P(exit in (day, day + horizon]) given the latent state on ``day``.

    Decided clients exit on their churn_day (known); undecided ones decide on day + d with
    probability h (1 - h)^(d - 1) and then need decay_len <= horizon - d more days.
    """
    undecided = state.churn_day == np.iinfo(np.int32).max
    decided_in = (state.churn_day > day) & (state.churn_day <= day + horizon)
    cdf = decay_cdf(horizon)
    h = state.churn_hazard
    q = 1.0 - h
    p = np.zeros(state.n)
    survive = np.ones(state.n)
    grace_end = state.opened_day + GRACE_DAYS
    for d in range(1, horizon):
        can = (day + d) >= grace_end
        p += np.where(can, survive * h, 0.0) * cdf[horizon - d]
        survive = np.where(can, survive * q, survive)
    out = np.where(undecided, p, decided_in.astype(float))
    return np.where(alive(state, day), out, 0.0)
