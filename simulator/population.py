"""Latent per-client traits: who the clients are, how engaged and wealthy, and who churns when.

Everything observable later (snapshots, trades, app events) is derived from these arrays,
so the churn signal lives here: the hazard is driven by engagement, tenure and wealth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60+")
CHANNELS = ("app", "branch", "referral")
N_BRANCHES = 20
CLIENTS_PER_ADVISOR = 1_600
# Allocation order used by every (N, 5) weight array below and by the snapshot columns.
ASSET_CLASSES = ("cash", "equity", "fund", "bond", "wealth_product")
# Dirichlet concentration per risk level C1..C5: conservative clients hold cash/bonds/wealth
# products, aggressive ones equities.
_ALLOC_ALPHA = np.array(
    [
        [3.0, 0.3, 0.8, 2.0, 3.0],
        [2.5, 0.8, 1.5, 2.0, 2.0],
        [2.0, 2.0, 2.0, 1.0, 1.0],
        [1.5, 3.0, 1.5, 0.5, 0.5],
        [1.2, 4.0, 1.0, 0.3, 0.3],
    ]
)
# Standard-normal cut points giving C1..C5 shares of about 8/30/35/20/7 %.
_RISK_CUTS = np.array([-1.405, -0.305, 0.613, 1.476])
_TRADER_SHARE_BY_RISK = np.array([0.03, 0.10, 0.25, 0.45, 0.60])

PRE_START_SHARE = 0.85
DORMANT_SHARE = 0.05  # of all clients, drawn among those opened before the window
TARGET_CHURN_60D = 0.035  # mean 60-day churn probability of active clients
LITTLE_WARNING_SHARE = 0.12  # churners whose activity does not fade beforehand
QUIET_FACTOR = 0.1  # activity multiplier inside a non-churn quiet spell
QUIET_SPELLS_PER_YEAR = 0.6


@dataclass(frozen=True)
class Population:
    """Per-client arrays (length N). Day numbers are offsets from the window start."""

    opened_day: np.ndarray  # int64, negative = opened before the window
    age_band: np.ndarray  # int codes into AGE_BANDS
    channel: np.ndarray  # int codes into CHANNELS
    branch: np.ndarray  # 0..19
    advisor: np.ndarray  # 0.., -1 = unassigned
    risk_level: np.ndarray  # 1..5 (C1..C5), the latest assessed level
    engagement: np.ndarray  # lognormal, drives logins and session length
    wealth: np.ndarray  # yuan at opening / window start
    alloc: np.ndarray  # (N, 5) weights over ASSET_CLASSES
    margin_ratio: np.ndarray  # margin debt as a share of wealth
    beta: np.ndarray  # equity sensitivity to the market index
    trade_rate: np.ndarray  # expected trades per weekday at full activity
    margin_user: np.ndarray  # bool
    dormant: np.ndarray  # bool, already inactive when the window starts
    churn_day: np.ndarray  # int64, may lie beyond the window (= no churn observed)
    decay_len: np.ndarray  # int64 >= 1, days of fading activity before churn_day
    drift_floor: np.ndarray  # share of assets still held when churn_day arrives
    residual: np.ndarray  # share of assets left after churn_day
    quiet_start: np.ndarray  # (N, 2) int64 start days of quiet spells
    quiet_len: np.ndarray  # (N, 2) int64 lengths (0 = no spell)

    @property
    def n(self) -> int:
        return int(self.opened_day.size)

    @property
    def first_day(self) -> np.ndarray:
        """First day the client appears in the window (snapshots start here)."""
        return np.maximum(self.opened_day, 0)


def draw_population(rng: np.random.Generator, n: int, days: int) -> Population:
    pre = rng.random(n) < PRE_START_SHARE
    # Tenure over ~10 years, skewed to recent years (the firm has grown).
    tenure = 1 + np.floor(3650 * rng.random(n) ** 1.3).astype(np.int64)
    opened_day = np.where(pre, -tenure, rng.integers(0, days, n))

    age_band = rng.choice(len(AGE_BANDS), n, p=[0.18, 0.28, 0.24, 0.17, 0.13])
    channel = rng.choice(len(CHANNELS), n, p=[0.55, 0.30, 0.15])
    branch_w = 1.0 / np.arange(1, N_BRANCHES + 1) ** 0.7
    branch = rng.choice(N_BRANCHES, n, p=branch_w / branch_w.sum())
    n_adv = max(1, round(n / CLIENTS_PER_ADVISOR))
    advisor = np.where(rng.random(n) < 0.85, rng.integers(0, n_adv, n), -1)

    # Younger clients lean to higher risk levels.
    risk_z = rng.standard_normal(n) - 0.15 * (age_band - 2)
    risk_level = 1 + np.searchsorted(_RISK_CUTS, risk_z)

    channel_f = np.array([1.25, 0.8, 1.0])[channel]
    age_f = np.array([1.1, 1.1, 1.0, 0.9, 0.7])[age_band]
    engagement = np.exp(0.7 * rng.standard_normal(n)) * channel_f * age_f

    log_w = np.log(200_000) + 1.3 * rng.standard_normal(n) + 0.15 * (age_band - 2)
    wealth = np.clip(np.exp(log_w), 2_000, 2e8)

    alloc = rng.gamma(_ALLOC_ALPHA[risk_level - 1])
    trader = rng.random(n) < _TRADER_SHARE_BY_RISK[risk_level - 1]
    alloc[trader, 1] += 0.3 * alloc[trader].sum(axis=1)  # traders keep a real stock book
    alloc /= alloc.sum(axis=1, keepdims=True)
    # Active traders trade a few times a week, everyone else a few times a year.
    trade_rate = np.where(
        trader,
        rng.uniform(0.35, 1.0, n) * np.sqrt(np.clip(engagement, 0.5, 2.0)),
        rng.uniform(0.005, 0.04, n),
    )
    margin_user = ((risk_level >= 4) & (wealth > 300_000) & (rng.random(n) < 0.35)) | (
        (risk_level == 3) & (wealth > 500_000) & (rng.random(n) < 0.08)
    )
    margin_ratio = np.where(margin_user, rng.uniform(0.1, 0.35, n) * alloc[:, 1], 0.0)
    beta = rng.uniform(0.7, 1.3, n)

    # Dormant clients left before the window: a small, mostly-cash balance and nothing else.
    dormant = pre & (rng.random(n) < DORMANT_SHARE / PRE_START_SHARE)
    wealth = np.where(dormant, np.exp(np.log(3_000) + 0.8 * rng.standard_normal(n)), wealth)
    alloc[dormant] = [0.8, 0.2, 0.0, 0.0, 0.0]
    trade_rate[dormant] = 0.0
    margin_ratio[dormant] = 0.0
    margin_user &= ~dormant

    churn_day, decay_len, drift_floor, residual = _draw_churn(rng, opened_day, engagement, log_w, advisor, dormant)
    quiet_start, quiet_len = _draw_quiet_spells(rng, n, days)
    return Population(
        opened_day=opened_day,
        age_band=age_band,
        channel=channel,
        branch=branch,
        advisor=advisor,
        risk_level=risk_level,
        engagement=engagement,
        wealth=wealth,
        alloc=alloc,
        margin_ratio=margin_ratio,
        beta=beta,
        trade_rate=trade_rate,
        margin_user=margin_user,
        dormant=dormant,
        churn_day=churn_day,
        decay_len=decay_len,
        drift_floor=drift_floor,
        residual=residual,
        quiet_start=quiet_start,
        quiet_len=quiet_len,
    )


def _draw_churn(
    rng: np.random.Generator,
    opened_day: np.ndarray,
    engagement: np.ndarray,
    log_w: np.ndarray,
    advisor: np.ndarray,
    dormant: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Constant per-client hazard; heterogeneous so the churners are partly predictable."""
    n = opened_day.size
    first_day = np.maximum(opened_day, 0)
    young = first_day - opened_day < 365
    z_w = (log_w - log_w.mean()) / max(log_w.std(), 1e-9)
    log_h = (
        -1.5 * np.log(engagement)
        + 0.6 * young
        - 0.25 * z_w
        - 0.3 * (advisor >= 0)
        + 0.5 * rng.standard_normal(n)  # the part no feature can explain
    )
    hazard = np.exp(log_h)
    active = ~dormant
    mean_h = hazard[active].mean() if active.any() else 1.0
    hazard = np.clip(hazard * (TARGET_CHURN_60D / 60) / mean_h, 1e-7, 0.02)
    gap = rng.geometric(hazard)
    # Memoryless, so clients already open just continue; new clients get a week's grace.
    churn_day = np.where(opened_day < 0, gap - 1, first_day + 6 + gap).astype(np.int64)
    churn_day[dormant] = np.iinfo(np.int32).max  # already gone: never churns again

    little_warning = rng.random(n) < LITTLE_WARNING_SHARE
    decay_len = np.where(little_warning, rng.integers(1, 5, n), rng.integers(20, 46, n))
    drift_floor = np.where(little_warning, 1.0, rng.uniform(0.55, 0.9, n))
    residual = rng.uniform(0.01, 0.12, n)
    return churn_day, decay_len.astype(np.int64), drift_floor, residual


def _draw_quiet_spells(rng: np.random.Generator, n: int, days: int) -> tuple[np.ndarray, np.ndarray]:
    """Holiday-like lulls of everyone (churners or not), so low activity alone is not churn."""
    p_spell = min(1.0, QUIET_SPELLS_PER_YEAR * (days + 30) / 365 / 2)
    start = rng.integers(-30, days, (n, 2))
    length = np.where(rng.random((n, 2)) < p_spell, rng.integers(7, 29, (n, 2)), 0)
    return start.astype(np.int64), length.astype(np.int64)
