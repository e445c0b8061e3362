"""Every tunable of the daily lead list, in one place.

- cooldown_days: a client contacted about a need is not proposed for that need again for this long.
- capacity_per_advisor: leads an advisor works per day, highest expected value first; the rest are kept
  as `deferred` (never silently dropped) and weigh against the next day's new leads until they expire.
- expiry_days: a lead not acted upon lapses after this many days (counted from the day it was opened).
- need_value: what fulfilling a need is worth to the firm for a T3 client (yuan of annual revenue);
  tier_multiplier scales it by value tier. expected value = expected conversion x value.
- max_products: suitable products listed on a lead.
- min_lift: the conversion a band of intent scores must be expected to reach, in multiples of the base rate
  of past campaign contacts (all needs), for its leads to be made. A need's contacts are banded by score
  (the top 1%, the next 1%, ... `serving.lead_feedback.TOP_SHARES`) and the bands' conversions made
  non-increasing down the scores; the bands that reach min_lift x base are the need's leads
  (`serving.lead_feedback.conversion_bands`). A need whose top band falls short gets no leads.
- conversion_bands: per need, those bands as (lowest intent probability, expected conversion), highest
  first: a lead's expected conversion is that of the highest band its probability reaches, and its
  expected value (its priority) is that conversion times the need's value for the client's tier.
- thresholds: per need, the lowest intent probability that makes a lead; by default the lowest score of
  the need's bands (inf where it has none).

The defaults are what `conversion_bands` picks at min_lift 5 from the 7,933 campaign contacts of the
`small` preset (10,000 clients, seed 7) whose outcome was known before its newest as-of day (2026-05-31;
measured 2026-12-05 with `python -m benchmarks.leads`, figures in benchmarks/README.md): walked forward over
the later half of the contact days, the leads this rule made converted at 7.5x the base rate; on the newest
day it lists 0.080 leads a client. The `serving/lead_conversion` asset shows what the current feedback would
pick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from wealthpulse.domain import NEEDS

POOL = "pool"
ADVISOR = "advisor"
DEFERRED = "deferred"
ASSIGNMENTS = (ADVISOR, DEFERRED, POOL)


@dataclass(frozen=True)
class LeadRules:
    cooldown_days: int = 14
    capacity_per_advisor: int = 30
    expiry_days: int = 7
    max_products: int = 3
    min_lift: float = 5.0
    conversion_bands: dict[str, tuple[tuple[float, float], ...]] = field(
        default_factory=lambda: {
            "equity_fund": ((0.4778, 0.3846), (0.3031, 0.2308)),
            "fixed_income": ((0.5273, 0.5), (0.3536, 0.25), (0.2389, 0.25)),
            "margin_financing": ((0.1799, 0.3333),),
            "options": ((0.4972, 0.3077), (0.3310, 0.2222), (0.2243, 0.2222)),
            "advisory": ((0.2813, 0.4286), (0.1680, 0.2)),
            "transfer_in": ((0.4956, 0.6364), (0.1277, 0.4545), (0.0995, 0.3636)),
        }
    )
    thresholds: dict[str, float] | None = None
    need_value: dict[str, float] = field(
        default_factory=lambda: {
            "equity_fund": 1500.0,
            "fixed_income": 800.0,
            "margin_financing": 2500.0,
            "options": 1200.0,
            "advisory": 3000.0,
            "transfer_in": 2000.0,
        }
    )
    tier_multiplier: dict[str, float] = field(
        default_factory=lambda: {"T1": 0.25, "T2": 0.5, "T3": 1.0, "T4": 2.5, "T5": 6.0}
    )

    def __post_init__(self) -> None:
        if self.thresholds is None:
            lowest = {need: (steps[-1][0] if steps else math.inf) for need, steps in self.conversion_bands.items()}
            object.__setattr__(self, "thresholds", lowest)
        for name in ("thresholds", "conversion_bands", "need_value"):
            missing = sorted(set(NEEDS) - set(getattr(self, name)))
            if missing:
                raise ValueError(f"lead rules: {name} has no value for {', '.join(missing)}")
        bad = sorted(n for n, t in self.thresholds.items() if math.isnan(t) or t < 0)
        if bad:
            raise ValueError(f"lead rules: thresholds of {', '.join(bad)} must be probabilities (>= 0, or inf)")
        for need, steps in self.conversion_bands.items():
            scores = [s for s, _ in steps]
            if scores != sorted(scores, reverse=True) or any(not 0 <= c <= 1 for _, c in steps):
                raise ValueError(
                    f"lead rules: conversion_bands of {need} must be (score, conversion) pairs, highest score "
                    "first, conversions within 0..1"
                )
        for name in ("cooldown_days", "capacity_per_advisor", "expiry_days", "max_products"):
            if getattr(self, name) < 1:
                raise ValueError(f"lead rules: {name} must be at least 1, not {getattr(self, name)}")

    def value(self, need: str, tier: str) -> float:
        return self.need_value[need] * self.tier_multiplier.get(tier, 1.0)

    def threshold(self, need: str) -> float:
        return self.thresholds[need]

    def expected_conversion(self, need: pd.Series, probability: pd.Series) -> pd.Series:
        return expected_conversion(self.conversion_bands, need, probability)


def expected_conversion(
    bands: dict[str, tuple[tuple[float, float], ...]], need: pd.Series, probability: pd.Series
) -> pd.Series:
    """The expected conversion of each (need, probability): that of the highest band whose lowest score the
    probability reaches; below every band, the lowest band's (what the feedback knows of the need's
    weakest leads); 0 for a need without bands."""
    out = pd.Series(0.0, index=need.index)
    for name, steps in bands.items():
        if not steps:
            continue
        mine = need == name
        floors = np.asarray([s for s, _ in steps])[::-1]  # ascending scores
        rates = np.asarray([c for _, c in steps])[::-1]
        at = np.searchsorted(floors, probability[mine].to_numpy(float), side="right") - 1
        out[mine] = rates[np.clip(at, 0, len(rates) - 1)]
    return out


DEFAULT_RULES = LeadRules()
