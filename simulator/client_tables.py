"""The clients and risk_assessments tables, built from the latent population."""

from __future__ import annotations

import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from simulator.population import AGE_BANDS, CHANNELS, Population
from simulator.strings import fixed_width_ids, pick

# Fake PII: common surnames and given-name characters, combined at random.
_SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
_GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉梅文辉鹏宇浩然子轩欣怡")
_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156, 157, 158, 159,
     166, 176, 177, 178, 180, 181, 182, 183, 185, 186, 187, 188, 189, 191, 198, 199]
)  # fmt: skip
EXPIRED_ONLY_SHARE = 0.10
NO_ASSESSMENT_SHARE = 0.05
VALIDITY_DAYS = 730  # a suitability assessment expires after 24 months


def _dates(start: datetime.date, day_offsets: np.ndarray) -> pa.Array:
    return pa.array(np.datetime64(start, "D") + day_offsets.astype("timedelta64[D]"))


def client_columns(rng: np.random.Generator, pop: Population, start: datetime.date) -> dict[str, object]:
    n = pop.n
    surname_w = 1.0 / np.arange(1, len(_SURNAMES) + 1) ** 0.6
    surname = pick(_SURNAMES, rng.choice(len(_SURNAMES), n, p=surname_w / surname_w.sum()))
    given1 = pick(_GIVEN, rng.integers(0, len(_GIVEN), n))
    two_chars = rng.random(n) < 0.7
    given2 = pick([*_GIVEN, ""], np.where(two_chars, rng.integers(0, len(_GIVEN), n), len(_GIVEN)))
    name = pc.binary_join_element_wise(surname, given1, given2, pa.scalar("", pa.large_string()))
    prefix = _MOBILE_PREFIXES[rng.integers(0, _MOBILE_PREFIXES.size, n)]
    phone = prefix * 10**8 + rng.integers(0, 10**8, n)  # 3 + 8 = 11 digits
    return {
        "client_id": fixed_width_ids("C", np.arange(1, n + 1), 7),
        "name": name,
        "phone": fixed_width_ids("", phone, 11),
        "branch": fixed_width_ids("BR", pop.branch + 1, 2),
        "age_band": pick(AGE_BANDS, pop.age_band),
        "channel": pick(CHANNELS, pop.channel),
        "advisor_id": pc.if_else(
            pa.array(pop.advisor >= 0),
            fixed_width_ids("A", np.maximum(pop.advisor, 0) + 1, 4),
            pa.scalar(None, pa.large_string()),
        ),
        "opened_at": _dates(start, pop.opened_day),
    }


def risk_assessment_columns(
    rng: np.random.Generator, pop: Population, start: datetime.date, days: int
) -> dict[str, object]:
    """Suitability history: none, expired-only, valid, or an old one plus a reassessment."""
    n, end = pop.n, days - 1
    opened = pop.opened_day
    none = rng.random(n) < NO_ASSESSMENT_SHARE
    # Only accounts older than the validity period can hold nothing but an expired one.
    old = (end - opened > VALIDITY_DAYS) & ~none
    p_expired = min(1.0, EXPIRED_ONLY_SHARE * n / max(int(old.sum()), 1))
    expired_only = old & (rng.random(n) < p_expired)
    renewed = old & ~expired_only  # valid today thanks to a reassessment in the last 24 months
    young = ~old & ~none

    latest = np.full(n, end + 1, dtype=np.int64)  # placeholder for "no latest row"
    earlier = np.full(n, end + 1, dtype=np.int64)
    # Expired-only: assessed some time between opening and the expiry cut-off.
    cutoff = end - VALIDITY_DAYS - 1
    latest[expired_only] = _uniform_day(rng, opened, cutoff)[expired_only]
    # Renewed: the reassessment lies inside the validity period; 40 % still show the original.
    recent = _uniform_day(rng, np.maximum(opened + 1, end - VALIDITY_DAYS + 1), end)
    latest[renewed] = recent[renewed]
    keep_original = renewed & (rng.random(n) < 0.4)
    earlier[keep_original] = opened[keep_original]
    # Young accounts were assessed at opening; a few reassessed since.
    at_open = np.minimum(opened + rng.integers(0, 3, n), end)
    reassessed = young & (end - opened > 60) & (rng.random(n) < 0.15)
    latest[young] = at_open[young]
    earlier[reassessed] = at_open[reassessed]
    latest[reassessed] = _uniform_day(rng, opened + 30, end)[reassessed]

    shift = rng.choice([-1, 0, 1], n, p=[0.2, 0.6, 0.2])
    earlier_level = np.clip(pop.risk_level + shift, 1, 5)
    has_latest, has_earlier = latest <= end, earlier <= end
    client = np.concatenate([np.flatnonzero(has_earlier), np.flatnonzero(has_latest)])
    day = np.concatenate([earlier[has_earlier], latest[has_latest]])
    level = np.concatenate([earlier_level[has_earlier], pop.risk_level[has_latest]])
    order = np.lexsort((client, day))  # chronological, like a real export
    client, day, level = client[order], day[order], level[order]
    return {
        "assessment_id": fixed_width_ids("RA", np.arange(1, client.size + 1), 8),
        "client_id": fixed_width_ids("C", client + 1, 7),
        "risk_level": pick([f"C{k}" for k in range(1, 6)], level - 1),
        "assessed_at": _dates(start, day),
    }


def _uniform_day(rng: np.random.Generator, low: np.ndarray, high: int | np.ndarray) -> np.ndarray:
    """One uniform integer day per client in [low, high] (high clipped up to low)."""
    high = np.maximum(high, low)
    return low + np.floor(rng.random(low.size) * (high - low + 1)).astype(np.int64)
