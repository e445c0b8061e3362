"""The value-tier rule, shared with the warehouse (which must compute it the same way)."""

from __future__ import annotations

import numpy as np

# Upper bounds (exclusive) of T1..T4 in yuan of value; T5 is everything from 6,000,000.
TIER_BOUNDS = np.array([100_000.0, 500_000.0, 2_000_000.0, 6_000_000.0])
REVENUE_WINDOW_DAYS = 90
REVENUE_WEIGHT = 10.0
MARGIN_RATE = 0.06  # yearly margin interest; accrues margin_debt * 0.06 / 365 per day


def value_tier(aum: np.ndarray, revenue_90d: np.ndarray) -> np.ndarray:
    """Tier number 1..5 of a client on a day.

    value = aum + 10 x revenue over the trailing 90 days (the day itself and the 89 before,
    counting only days inside the simulated window, i.e. what the landing data shows), where
    revenue = trade commissions + product_orders fees + margin interest (margin_debt x 0.06 / 365
    per day, on each day's end-of-day margin_debt). T1: value < 100,000; T2: < 500,000;
    T3: < 2,000,000; T4: < 6,000,000; T5: otherwise.
    """
    value = np.asarray(aum, dtype=np.float64) + REVENUE_WEIGHT * np.asarray(revenue_90d, dtype=np.float64)
    return 1 + np.searchsorted(TIER_BOUNDS, value, side="right")


def daily_margin_interest(margin_debt: np.ndarray) -> np.ndarray:
    return np.asarray(margin_debt) * (MARGIN_RATE / 365.0)
