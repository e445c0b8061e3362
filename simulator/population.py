"""The initial latent state of a chunk of clients, and the rows that predate the window.

Who the clients are (age, branch, channel, tenure, advisor), their preferences (the 15
groups), risk tolerance and its assessment history, wealth, income and holdings on day 0.
"""

from __future__ import annotations

import numpy as np

from simulator import churn, needs
from simulator.codes import COMBO_TRADING, COMBO_WM, EVENT_TYPES
from simulator.state import NEVER, UNDECIDED, ClientState

AGE_BANDS = ("18-29", "30-39", "40-49", "50-59", "60+")
CHANNELS = ("app", "branch", "referral")
N_BRANCHES = 20
CLIENTS_PER_ADVISOR = 1_600
ADVISED_SHARE = 0.85
PRE_START_SHARE = 0.85
DORMANT_SHARE = 0.05  # of all clients, drawn among those opened before the window
COMBO_SHARES = [0.30, 0.20, 0.25, 0.15, 0.10]
STYLE_SHARES = [0.30, 0.45, 0.25]
# Standard-normal cut points giving C1..C5 shares of about 8/30/35/20/7 %.
_RISK_CUTS = np.array([-1.405, -0.305, 0.613, 1.476])
# Dirichlet concentration over cash, equity, fund, bond, wealth product per allocation style.
_ALLOC_ALPHA = np.array(
    [
        [3.0, 0.4, 0.8, 2.0, 3.0],
        [2.0, 1.5, 1.8, 1.0, 1.0],
        [1.3, 3.5, 1.2, 0.3, 0.3],
    ]
)
VALIDITY_DAYS = 730
NO_ASSESSMENT_SHARE = 0.05
EXPIRED_ONLY_SHARE = 0.12  # of accounts older than the validity period
DNC_BEFORE_SHARE = 0.02
# Generic (non-login) app event mix: quote, product, search, research, margin, options, advisory, transfer.
_EVENT_MIX = np.array([0.72, 0.06, 0.08, 0.08, 0.02, 0.013, 0.013, 0.013])
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅文辉鹏宇浩然子轩欣怡")
_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159,
     166, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199]
)  # fmt: skip


def n_advisors(total_clients: int) -> int:
    return max(1, round(total_clients / CLIENTS_PER_ADVISOR))


def draw_clients(
    rng: np.random.Generator, n: int, total_clients: int, days: int, n_symbols: int, symbol_p: np.ndarray
) -> tuple[ClientState, dict[str, dict[str, np.ndarray]]]:
    """The chunk's state on the eve of day 0, plus risk-assessment and do-not-contact rows
    dated before (or, for accounts opened later, on) their day."""
    pre = rng.random(n) < PRE_START_SHARE
    tenure = 1 + np.floor(3650 * rng.random(n) ** 1.3).astype(np.int64)  # ~10 years, skewed recent
    opened_day = np.where(pre, -tenure, rng.integers(0, max(days, 1), n)).astype(np.int32)
    age_band = rng.choice(len(AGE_BANDS), n, p=[0.18, 0.28, 0.24, 0.17, 0.13]).astype(np.int8)
    channel = rng.choice(len(CHANNELS), n, p=[0.55, 0.30, 0.15]).astype(np.int8)
    branch_w = 1.0 / np.arange(1, N_BRANCHES + 1) ** 0.7
    branch = rng.choice(N_BRANCHES, n, p=branch_w / branch_w.sum()).astype(np.int8)
    advisor = np.where(rng.random(n) < ADVISED_SHARE, rng.integers(0, n_advisors(total_clients), n), -1)
    combo = rng.choice(5, n, p=COMBO_SHARES).astype(np.int8)
    style = rng.choice(3, n, p=STYLE_SHARES).astype(np.int8)
    trading, wm = COMBO_TRADING[combo], COMBO_WM[combo]
    language = (rng.random(n) < 0.15).astype(np.int8)

    # Aggressive allocators and the young lean to higher risk levels.
    risk_z = 0.8 * rng.standard_normal(n) + 0.75 * (style - 1) - 0.15 * (age_band - 2)
    risk_level = (1 + np.searchsorted(_RISK_CUTS, risk_z)).astype(np.int8)

    channel_f = np.array([1.25, 0.8, 1.0])[channel]
    age_f = np.array([1.1, 1.1, 1.0, 0.9, 0.7])[age_band]
    engagement = np.exp(0.7 * rng.standard_normal(n)) * channel_f * age_f * (0.8 + 0.2 * trading)

    log_w = np.log(200_000) + 1.3 * rng.standard_normal(n) + 0.15 * (age_band - 2)
    wealth = np.clip(np.exp(log_w), 2_000, 2e8)
    alpha = _ALLOC_ALPHA[style].copy()
    alpha[:, 1] += 1.5 * (trading == 2)
    alpha[:, 2:] *= (1.0 + 0.6 * wm)[:, None]
    alloc = rng.gamma(alpha)
    alloc /= alloc.sum(axis=1, keepdims=True)
    rates = np.array([[0.005, 0.03], [0.05, 0.2], [0.35, 1.0]])[trading]
    trade_rate = rng.uniform(rates[:, 0], rates[:, 1]) * np.sqrt(np.clip(engagement, 0.5, 2.0))
    margin_user = ((risk_level >= 4) & (wealth > 300_000) & (rng.random(n) < 0.35)) | (
        (risk_level == 3) & (wealth > 500_000) & (rng.random(n) < 0.08)
    )
    margin = np.where(margin_user, rng.uniform(0.1, 0.35, n) * alloc[:, 1] * wealth, 0.0)

    dormant = pre & (rng.random(n) < DORMANT_SHARE / PRE_START_SHARE)
    wealth = np.where(dormant, np.exp(np.log(3_000) + 0.8 * rng.standard_normal(n)), wealth)
    alloc[dormant] = [0.8, 0.2, 0.0, 0.0, 0.0]
    margin[dormant] = 0.0
    trade_rate[dormant] = 0.0
    holdings = wealth[:, None] * alloc
    holdings[:, 1] += margin  # margin debt is invested in stocks

    has_income = rng.random(n) < 0.75
    income = np.minimum(np.exp(np.log(3_000) + 0.5 * (log_w - np.log(200_000)) + 0.6 * rng.standard_normal(n)), 45_000)
    payday = np.where(has_income, rng.integers(1, 29, n), 0).astype(np.int8)

    young = (np.maximum(opened_day, 0) - opened_day) < 365
    wealth_z = (log_w - np.log(200_000)) / 1.3
    hazard = churn.draw_hazard(rng, engagement, young, wealth_z, advisor)
    decay_len, drift_floor, residual = churn.draw_decay(rng, n)
    # Memoryless: an open account's exit is geometric from today; exits whose fade began
    # before day 0 are already decided, the rest will be decided day by day.
    gap = rng.geometric(hazard) - 1
    churn_day = np.full(n, UNDECIDED, dtype=np.int32)
    decided = pre & ~dormant & (gap - decay_len < 0)
    churn_day[decided] = gap[decided]

    quiet_until = np.where(rng.random(n) < 0.03, rng.integers(1, 29, n), 0).astype(np.int32)

    mix = np.tile(_EVENT_MIX, (n, 1))
    mix[:, 0] *= 1.0 + 0.5 * trading  # quotes
    mix[:, 1] *= 1.0 + 0.5 * wm  # product pages
    mix[:, 4] *= np.where(margin > 0, 2.0, 1.0)  # margin users check their margin pages
    mix[:, 5] *= 1.0 + 0.5 * trading
    mix[:, 6] *= 1.0 + 0.5 * wm
    event_mix = np.cumsum(mix / mix.sum(axis=1, keepdims=True), axis=1).astype(np.float32)
    event_mix[:, -1] = 1.0

    assessed_day, risk_rows = _risk_history(rng, opened_day, risk_level)
    dnc, dnc_rows = _dnc_before(rng, opened_day, pre)
    name, phone = _pii(rng, n)
    state = ClientState(
        opened_day=opened_day,
        age_band=age_band,
        channel=channel,
        branch=branch,
        advisor=advisor.astype(np.int32),
        combo=combo,
        style=style,
        language=language,
        engagement=engagement,
        trade_rate=trade_rate,
        beta=rng.uniform(0.7, 1.3, n),
        favourites=rng.choice(n_symbols, (n, 4), p=symbol_p).astype(np.int16),
        payday=payday,
        income=income,
        churn_hazard=hazard,
        decay_len=decay_len,
        drift_floor=drift_floor,
        residual=residual,
        dormant=dormant,
        need_base=needs.static_multiplier(trading, wm, style, risk_level, age_band, advisor),
        event_mix=event_mix,
        name=name,
        phone=phone,
        cash=holdings[:, 0].copy(),
        equity=holdings[:, 1].copy(),
        fund=holdings[:, 2].copy(),
        bond=holdings[:, 3].copy(),
        wealth=holdings[:, 4].copy(),
        margin=margin,
        risk_level=risk_level,
        assessed_day=assessed_day,
        churn_day=churn_day,
        moved_keep=np.ones(n),
        quiet_until=quiet_until,
        need_since=np.full((n, 6), NEVER, dtype=np.int32),
        dnc=dnc,
    )
    return state, {"risk_assessments": risk_rows, "do_not_contact": dnc_rows}


def _uniform_day(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    high = np.maximum(high, low)
    return (low + np.floor(rng.random(low.size) * (high - low + 1))).astype(np.int32)


def _risk_history(
    rng: np.random.Generator, opened: np.ndarray, level: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Latest assessment day per client (NEVER = none) and the rows: none, expired-only,
    renewed (sometimes with the original still on file) or assessed at opening."""
    n = opened.size
    none = rng.random(n) < NO_ASSESSMENT_SHARE
    old = (-opened > VALIDITY_DAYS) & ~none
    expired_only = old & (rng.random(n) < EXPIRED_ONLY_SHARE)
    renewed = old & ~expired_only
    young = ~old & ~none
    latest = np.full(n, NEVER, dtype=np.int32)
    latest[expired_only] = _uniform_day(rng, opened, np.full(n, -VALIDITY_DAYS - 1))[expired_only]
    latest[renewed] = _uniform_day(rng, np.maximum(opened + 1, -VALIDITY_DAYS + 30), np.zeros(n))[renewed]
    latest[young] = opened[young]  # assessed when the account opened
    earlier = renewed & (rng.random(n) < 0.4)
    earlier_level = np.clip(level + rng.choice([-1, 0, 1], n, p=[0.2, 0.6, 0.2]), 1, 5)
    client = np.concatenate([np.flatnonzero(earlier), np.flatnonzero(latest != NEVER)])
    day = np.concatenate([opened[earlier], latest[latest != NEVER]])
    lvl = np.concatenate([earlier_level[earlier], level[latest != NEVER]])
    order = np.lexsort((client, day))
    return latest, {"client": client[order], "day": day[order], "level": lvl[order].astype(np.int8)}


def _dnc_before(
    rng: np.random.Generator, opened: np.ndarray, pre: np.ndarray
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    n = opened.size
    flagged = pre & (rng.random(n) < DNC_BEFORE_SHARE / PRE_START_SHARE)
    day = _uniform_day(rng, np.maximum(opened, -730), np.full(n, -1))
    client = np.flatnonzero(flagged)
    reason = rng.choice(3, n, p=[0.6, 0.25, 0.15]).astype(np.int8)
    return flagged, {"client": client, "day": day[client], "reason": reason[client]}


def _pii(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Fake names and mobile numbers: they stay in clients (and, sometimes, raw transcripts)."""
    surname_w = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.6
    surname = np.array(_SURNAMES)[rng.choice(len(_SURNAMES), n, p=surname_w / surname_w.sum())]
    given1 = np.array(_GIVEN)[rng.integers(0, len(_GIVEN), n)]
    given2 = np.array([*_GIVEN, ""])[np.where(rng.random(n) < 0.7, rng.integers(0, len(_GIVEN), n), len(_GIVEN))]
    name = np.char.add(np.char.add(surname, given1), given2)
    prefix = _MOBILE_PREFIXES[rng.integers(0, _MOBILE_PREFIXES.size, n)]
    phone = (prefix * 10**8 + rng.integers(0, 10**8, n)).astype(str)
    return name, phone


assert len(EVENT_TYPES) == 1 + _EVENT_MIX.size
