"""Synthetic frames with a known signal, shaped like the training sets Feast returns."""

import numpy as np
import pandas as pd

from models.training import AS_OF, TIMESTAMP

FEATURES = ["signal", "noise", "weak", "mentions_margin_30d"]
TIERS = ("T1", "T2", "T3", "T4", "T5")


def _frame(rows_per_date: int, dates: int, seed: int) -> tuple[pd.DataFrame, np.random.Generator]:
    rng = np.random.default_rng(seed)
    n = rows_per_date * dates
    as_of = pd.to_datetime("2025-07-01") + pd.to_timedelta(np.repeat(np.arange(dates) * 7, rows_per_date), unit="D")
    frame = pd.DataFrame(
        {
            "client_id": [f"C{i % rows_per_date:07d}" for i in range(n)],
            AS_OF: as_of.date,
            TIMESTAMP: as_of.tz_localize("UTC"),
        }
    )
    signal, noise, weak, mentions = rng.normal(size=(4, n))
    # Missing values and exact zeros exercise LightGBM's missing-value handling.
    noise[rng.random(n) < 0.05] = np.nan
    mentions = np.where(rng.random(n) < 0.5, 0.0, np.abs(mentions))
    return frame.assign(signal=signal, noise=noise, weak=weak, mentions_margin_30d=mentions), rng


def binary_frame(rows_per_date: int = 600, dates: int = 10, seed: int = 3, label: str = "churned_60d") -> pd.DataFrame:
    """The label's log-odds depend on `signal`, a little on `weak` and on transcript mentions;
    ``p_true`` is the true probability (a perfect oracle)."""
    frame, rng = _frame(rows_per_date, dates, seed)
    logit = -2.5 + 1.8 * frame["signal"] + 0.4 * frame["weak"] + 0.8 * frame["mentions_margin_30d"]
    p_true = 1 / (1 + np.exp(-logit))
    return frame.assign(**{label: (rng.random(len(frame)) < p_true).astype(int), "p_true": p_true})


def tier_frame(rows_per_date: int = 600, dates: int = 10, seed: int = 5) -> pd.DataFrame:
    """Today's tier plus a move 90 days ahead driven by `signal` (up) and `weak` (down)."""
    frame, rng = _frame(rows_per_date, dates, seed)
    now = rng.integers(1, 6, size=len(frame))
    drift = frame["signal"].to_numpy() - 0.8 * frame["weak"].to_numpy() + 0.4 * rng.normal(size=len(frame))
    move = np.where(drift > 1.0, 1, np.where(drift < -1.0, -1, 0))
    ahead = np.clip(now + move, 1, 5)
    return frame.assign(tier_now_code=now, tier_90d_code=ahead, value_tier_code=now.astype(float))
