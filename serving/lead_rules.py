"""Every tunable of the daily lead list, in one place.

- cooldown_days: a client contacted about a need is not proposed for that need again for this long.
- capacity_per_advisor: leads an advisor receives per day, highest expected value first; the rest
  are kept as `deferred` (never silently dropped) and can be worked from the shared pool later.
- expiry_days: a lead not acted upon lapses after this many days.
- need_value: what fulfilling a need is worth to the firm for a T3 client (yuan of annual revenue);
  tier_multiplier scales it by value tier. expected value = probability x value.
- max_products: suitable products listed on a lead.
- min_probability: needs less likely than this make no lead at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

POOL = "pool"


@dataclass(frozen=True)
class LeadRules:
    cooldown_days: int = 14
    capacity_per_advisor: int = 30
    expiry_days: int = 7
    max_products: int = 3
    min_probability: float = 0.02
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

    def value(self, need: str, tier: str) -> float:
        return self.need_value[need] * self.tier_multiplier.get(tier, 1.0)


DEFAULT_RULES = LeadRules()
