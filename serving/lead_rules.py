"""Every tunable of the daily lead list, in one place.

- cooldown_days: a client contacted about a need is not proposed for that need again for this long.
- capacity_per_advisor: leads an advisor works per day, highest expected value first; the rest are kept
  as `deferred` (never silently dropped) and weigh against the next day's new leads until they expire.
- expiry_days: a lead not acted upon lapses after this many days (counted from the day it was opened).
- need_value: what fulfilling a need is worth to the firm for a T3 client (yuan of annual revenue);
  tier_multiplier scales it by value tier. expected value = probability x value.
- max_products: suitable products listed on a lead.
- min_lift: how much better than the need's base rate past campaign contacts must have converted, in a
  score decile and every decile above it, for that decile's lowest score to be the need's threshold
  (`serving.lead_feedback.choose_thresholds`).
- thresholds: per need, the lowest intent probability that makes a lead. The defaults are what
  `choose_thresholds` picks at min_lift 2 from the 7,933 campaign contacts of the `small` preset
  (10,000 clients, seed 7; measured 2026-12-05 with `python -m benchmarks.leads`, figures in
  benchmarks/README.md; on every need only the top decile of the contacts' scores passes); the
  `serving/lead_conversion` asset shows what the current feedback would pick, beside these.
- contact_conversion: per need, the share of past campaign contacts at or above the threshold that
  converted (same measurement): a lead's expected conversion if it is worked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

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
    min_lift: float = 2.0
    thresholds: dict[str, float] = field(
        default_factory=lambda: {
            "equity_fund": 0.1192,
            "fixed_income": 0.1051,
            "margin_financing": 0.0468,
            "options": 0.0134,
            "advisory": 0.0413,
            "transfer_in": 0.0670,
        }
    )
    contact_conversion: dict[str, float] = field(
        default_factory=lambda: {
            "equity_fund": 0.1269,
            "fixed_income": 0.1221,
            "margin_financing": 0.0809,
            "options": 0.1618,
            "advisory": 0.1088,
            "transfer_in": 0.1696,
        }
    )
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
        for name in ("thresholds", "contact_conversion", "need_value"):
            missing = sorted(set(NEEDS) - set(getattr(self, name)))
            if missing:
                raise ValueError(f"lead rules: {name} has no value for {', '.join(missing)}")
        bad = sorted(n for n, t in self.thresholds.items() if math.isnan(t) or t < 0)
        if bad:
            raise ValueError(f"lead rules: thresholds of {', '.join(bad)} must be probabilities (>= 0, or inf)")
        for name in ("cooldown_days", "capacity_per_advisor", "expiry_days", "max_products"):
            if getattr(self, name) < 1:
                raise ValueError(f"lead rules: {name} must be at least 1, not {getattr(self, name)}")

    def value(self, need: str, tier: str) -> float:
        return self.need_value[need] * self.tier_multiplier.get(tier, 1.0)

    def threshold(self, need: str) -> float:
        return self.thresholds[need]


DEFAULT_RULES = LeadRules()
