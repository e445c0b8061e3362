"""The suitability rule: which product risk ratings a client may be offered. Pure, no I/O.

A regulatory hard rule, never a score: a client at risk level ``Ck`` with a valid assessment
(at most 24 months old) may be offered products rated ``R1`` .. ``Rk`` only. A missing,
expired or unreadable assessment allows ``R1`` only and asks for a reassessment. Anything
that cannot be read (an unknown level, a rating such as ``"R9"`` or ``None``) falls to the
safe side: the lowest allowance for a client, "not suitable" for a product.

Every path that offers a product goes through :func:`is_suitable` or :func:`suitable_products`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

LOWEST_RATING = 1
HIGHEST_RATING = 5
# risk_level_code in the features: 0 = never assessed, 1..5 = C1..C5.
NEVER_ASSESSED = 0

_RATING = re.compile(r"^R([1-5])$")


@dataclass(frozen=True)
class Suitability:
    """What a client may be offered: products rated up to ``allowed_rating`` (1..5)."""

    allowed_rating: int
    needs_reassessment: bool

    @property
    def allowed_label(self) -> str:
        return rating_label(self.allowed_rating)


def _risk_level(risk_level_code: float | int | None) -> int | None:
    """The level 1..5 of a risk level code, None when it is not one (missing, 0, NaN, 2.5, 7 ...)."""
    if risk_level_code is None or isinstance(risk_level_code, bool):
        return None
    try:
        value = float(risk_level_code)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value) or value != int(value):
        return None
    level = int(value)
    return level if LOWEST_RATING <= level <= HIGHEST_RATING else None


def _is_valid(has_valid_assessment: bool | float | int | None) -> bool:
    """Only an explicit yes (True or 1) counts; None, NaN and anything else is no."""
    if has_valid_assessment is None:
        return False
    if isinstance(has_valid_assessment, bool):
        return has_valid_assessment
    try:
        return float(has_valid_assessment) == 1.0
    except (TypeError, ValueError):
        return False


def assess(risk_level_code: float | int | None, has_valid_assessment: bool | float | int | None) -> Suitability:
    """The client's allowance from the online features ``risk_level_code`` and ``has_valid_assessment``."""
    level = _risk_level(risk_level_code)
    if level is None or not _is_valid(has_valid_assessment):
        return Suitability(allowed_rating=LOWEST_RATING, needs_reassessment=True)
    return Suitability(allowed_rating=level, needs_reassessment=False)


def allowed_rating(risk_level_code: float | int | None, has_valid_assessment: bool | float | int | None) -> int:
    """Highest product rating (1..5) the client may be offered: k for a valid Ck, else 1."""
    return assess(risk_level_code, has_valid_assessment).allowed_rating


def parse_rating(rating: str | int | None) -> int | None:
    """1..5 for ``"R1"`` .. ``"R5"`` (or the ints 1..5); None for anything else."""
    if isinstance(rating, bool):
        return None
    if isinstance(rating, int):
        return rating if LOWEST_RATING <= rating <= HIGHEST_RATING else None
    if isinstance(rating, str):
        match = _RATING.match(rating.strip().upper())
        return int(match.group(1)) if match else None
    return None


def rating_label(rating: int) -> str:
    if parse_rating(rating) is None:
        raise ValueError(f"a product risk rating is 1..5, got {rating!r}")
    return f"R{rating}"


def is_suitable(product_rating: str | int | None, allowed: int) -> bool:
    """True when a product rated ``product_rating`` may be offered under ``allowed``; unknown ratings never."""
    rating = parse_rating(product_rating)
    return rating is not None and rating <= allowed


class Rated(Protocol):
    @property
    def risk_rating(self) -> str | int | None: ...


P = TypeVar("P", bound=Rated)


def suitable_products(products: Iterable[P], allowed: int) -> list[P]:
    """The products (anything with a ``risk_rating``) that may be offered, in their given order."""
    return [product for product in products if is_suitable(product.risk_rating, allowed)]
