"""Next-best-action: needs x suitable products x tier, ranked, after the suitability guardrail. Pure.

Input: the intent model's need probabilities for one client, the client's :class:`Suitability`,
value tier and the product catalog. Output: at most ``k`` actions, highest probability first
(ties by need code, so the order is stable). Every product in an action passed
:func:`serving.suitability.suitable_products`; a need with no suitable product is dropped, as is a
need whose probability is not a finite number in [0, 1].

Channel per value tier (the cost of a contact follows the client's value):

| tier   | channel        |
|--------|----------------|
| T5, T4 | advisor_call   |
| T3     | advisor_chat   |
| T2, T1 | app_push       |
| other  | app_push       |
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from serving.suitability import Suitability, parse_rating, rating_label, suitable_products
from wealthpulse.domain import NEEDS

NEED_CODES = NEEDS
CHANNEL_BY_TIER = {
    "T5": "advisor_call",
    "T4": "advisor_call",
    "T3": "advisor_chat",
    "T2": "app_push",
    "T1": "app_push",
}
# An unknown or missing tier gets the cheapest, least intrusive channel.
DEFAULT_CHANNEL = "app_push"
MAX_PRODUCTS_PER_ACTION = 3
REASSESSMENT_REASON = "risk_assessment_missing_or_expired: only R1 products offered until the client is reassessed"


@dataclass(frozen=True)
class Product:
    """A catalog product; ``need_code`` is the need it serves."""

    product_id: str
    product_name: str
    product_type: str
    risk_rating: str
    need_code: str


@dataclass(frozen=True)
class ProposedAction:
    need: str
    score: float
    products: tuple[Product, ...]
    channel: str
    reasons: tuple[str, ...] = field(default_factory=tuple)


def channel_for_tier(tier: str | None) -> str:
    return CHANNEL_BY_TIER.get((tier or "").strip().upper(), DEFAULT_CHANNEL)


def _usable_score(probability: object) -> float | None:
    if isinstance(probability, bool):
        return None
    try:
        score = float(probability)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return score if math.isfinite(score) and 0.0 <= score <= 1.0 else None


def next_best_actions(
    need_probabilities: Mapping[str, float],
    suitability: Suitability,
    tier: str | None,
    catalog: Sequence[Product],
    k: int = 3,
    max_products: int = MAX_PRODUCTS_PER_ACTION,
) -> list[ProposedAction]:
    """Top-k actions for one client; products in catalog order, at most ``max_products`` per need."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    if max_products < 1:
        raise ValueError(f"max_products must be at least 1, got {max_products}")
    offerable = suitable_products(catalog, suitability.allowed_rating)
    by_need: dict[str, list[Product]] = {}
    for product in offerable:
        by_need.setdefault(product.need_code, []).append(product)
    channel = channel_for_tier(tier)
    reasons = (REASSESSMENT_REASON,) if suitability.needs_reassessment else ()
    candidates = []
    for need, probability in need_probabilities.items():
        score = _usable_score(probability)
        products = by_need.get(need)
        if score is None or not products:
            continue
        candidates.append(ProposedAction(need, score, tuple(products[:max_products]), channel, reasons))
    candidates.sort(key=lambda action: (-action.score, action.need))
    return candidates[:k]


def offered_product(product: Product) -> dict[str, str]:
    """The fields of a product an API response shows (see ``serving.schemas.OfferedProduct``)."""
    return {
        "product_id": product.product_id,
        "product_name": product.product_name,
        "risk_rating": rating_label(parse_rating(product.risk_rating) or 0),
    }
