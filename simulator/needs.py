"""The six needs: when they arise, how they show, when and how they are fulfilled.

A need arises with a daily hazard (preferences, wealth, risk level, the market, activity), stays
active while the client browses the related pages, and resolves from MIN_DELAY days after it
arose with a daily probability RESOLVE_RATE: fulfilled with probability FULFIL (if a suitable
product exists, see ``fulfil_probability``) or abandoned.
"""

from __future__ import annotations

import numpy as np

from simulator.codes import ADVISORY, EQUITY, FIXED, MARGIN, OPTIONS, TRANSFER

MIN_DELAY = 3  # a need is never acted on within 3 days of arising: the signal comes first
RESOLVE_RATE = 1.0 / 6.0
FULFIL = np.array([0.60, 0.65, 0.55, 0.50, 0.45, 0.70])
# Calibrated so that each need is fulfilled by a few % of active clients per 30 days.
BASE_HAZARD = np.array([0.0032, 0.0024, 0.00052, 0.00078, 0.0011, 0.0019])
WEALTH_SLOPE = np.array([0.2, 0.3, 0.4, 0.3, 0.5, 0.2])
MOMENTUM_SLOPE = np.array([8.0, -6.0, 10.0, 6.0, 0.0, 5.0])  # per unit 20-day log return
# Lowest product risk rating a need can be fulfilled with (0: no product involved).
REQUIRED_LEVEL = np.array([3, 1, 0, 5, 1, 0])
REASSESS_SHARE = 0.5  # clients short of the needed level who retake the questionnaire to buy
MARGIN_MIN_AUM = 50_000.0
MAX_DAILY_HAZARD = 0.5


def static_multiplier(
    trading: np.ndarray, wm: np.ndarray, style: np.ndarray, level: np.ndarray, age_band: np.ndarray, advisor: np.ndarray
) -> np.ndarray:
    """(N, 6) base hazard x the fixed traits' multiplier."""
    old = (age_band >= 3).astype(float)
    log_m = np.stack(
        [
            0.5 * wm + 0.4 * style + 0.4 * (level >= 3),
            0.6 * wm - 0.3 * style + 0.3 * old,
            0.9 * trading + 0.5 * style + 0.6 * (level >= 4) - 1.5 * (level <= 2),
            0.9 * trading + 0.6 * style + 1.2 * (level == 5) + 0.4 * (level == 4) - 1.5 * (level <= 3),
            0.7 * wm + 0.4 * (advisor >= 0) + 0.3 * old,
            0.3 * trading + 0.3 * wm,
        ],
        axis=1,
    )
    return BASE_HAZARD[None, :] * np.exp(log_m - _LOG_M_MEAN[None, :])


# Rough population means of the log multipliers above, so BASE_HAZARD reads as a typical rate.
_LOG_M_MEAN = np.array([1.0, 0.3, 0.6, 0.2, 0.9, 0.5])


def wealth_score(aum: np.ndarray) -> np.ndarray:
    return np.clip((np.log(np.maximum(aum, 0.0) + 1_000.0) - np.log(200_000.0)) / 1.3, -3.0, 3.0)


def daily_hazard(
    need_base: np.ndarray, aum: np.ndarray, margin: np.ndarray, momentum: float, act: np.ndarray
) -> np.ndarray:
    """(N, 6) probability that each need arises today (for clients whose need is idle)."""
    z = wealth_score(aum)
    h = need_base * np.exp(WEALTH_SLOPE[None, :] * z[:, None] + MOMENTUM_SLOPE[None, :] * momentum)
    h *= act[:, None]
    # Margin financing is a need only of clients without margin debt and with real assets.
    h[:, MARGIN] *= (margin <= 0) & (aum >= MARGIN_MIN_AUM)
    return np.minimum(h, MAX_DAILY_HAZARD)


def fulfil_probability(valid_level: np.ndarray, risk_level: np.ndarray) -> np.ndarray:
    """(N, 6) probability that a resolving need is fulfilled, suitability included.

    A client allowed products up to R max(valid_level, 1) fulfils a product need only if the
    shelf has a suitable product; otherwise half retake the questionnaire (moving their level
    by -1/0/+1 with 15/70/15 %) and buy if the new level suffices.
    """
    allowed = np.maximum(valid_level, 1)[:, None]
    need = REQUIRED_LEVEL[None, :]
    level = risk_level[:, None].astype(np.int64)
    p_new_ok = (
        0.15 * (np.clip(level - 1, 1, 5) >= need) + 0.70 * (level >= need) + 0.15 * (np.clip(level + 1, 1, 5) >= need)
    )
    suit = np.where(allowed >= need, 1.0, REASSESS_SHARE * p_new_ok)
    return FULFIL[None, :] * suit


def product_need(k: int) -> bool:
    return k in (EQUITY, FIXED, OPTIONS, ADVISORY)


__all__ = ["MARGIN", "TRANSFER", "daily_hazard", "fulfil_probability", "static_multiplier"]
