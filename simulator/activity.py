"""The day x client activity intensity that drives logins, app events and trades.

One dense (days, clients) float32 matrix is the cheapest way to keep every behaviour
consistent: a churner's fading, a quiet spell or an unopened account is applied once here.
"""

from __future__ import annotations

import datetime

import numpy as np

from simulator.population import QUIET_FACTOR, Population

# Exponent of the pre-churn fade: >1 makes activity drop quickly once the fade starts,
# then linger near zero until churn_day.
DECAY_SHAPE = 2.0
US_PER_DAY = 86_400 * 1_000_000


def weekdays(start: datetime.date, days: int) -> np.ndarray:
    """Bool (days,) calendar; holidays are not modelled."""
    return (start.weekday() + np.arange(days)) % 7 < 5


def timestamps_us(start: datetime.date, day: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Naive datetime64[us] from day offsets and seconds-of-day."""
    base = np.datetime64(start, "us").astype(np.int64)
    micros = base + day.astype(np.int64) * US_PER_DAY + second.astype(np.int64) * 1_000_000
    return micros.view("datetime64[us]")


def fade(pop: Population, days: int) -> np.ndarray:
    """Linear (days, N) countdown: 1 until decay starts, to 0 on churn_day and after."""
    t = np.arange(days, dtype=np.float32)[:, None]
    # Cap far-away churn days so float32 stays exact where it matters.
    churn = np.minimum(pop.churn_day, days + 1_000).astype(np.float32)[None, :]
    out = (churn - t) / pop.decay_len.astype(np.float32)[None, :]
    return np.clip(out, 0.0, 1.0, out=out)


def activity_matrix(pop: Population, days: int) -> np.ndarray:
    """(days, N) float32 in [0, 1]: 1 = the client's normal behaviour, 0 = none at all."""
    act = fade(pop, days)
    act **= np.float32(DECAY_SHAPE)
    t = np.arange(days)[:, None]
    for k in range(pop.quiet_start.shape[1]):
        lo = pop.quiet_start[None, :, k]
        quiet = (t >= lo) & (t < lo + pop.quiet_len[None, :, k])
        act *= np.where(quiet, np.float32(QUIET_FACTOR), np.float32(1.0))
    act *= t >= pop.first_day[None, :]  # no activity before the account exists
    act[:, pop.dormant] = 0.0
    return act
