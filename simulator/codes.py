"""Code lists of the latent model and the oracle, over the landing contract's (``landing.codes``).

The strings the landing tables hold come from the contract; what is here indexes them (the order of
every (N, 6) need array, the product shelf) for the simulation.
"""

from __future__ import annotations

import numpy as np

from landing.codes import (
    BANK_DIRECTIONS,
    CAMPAIGN_CHANNELS,
    DNC_REASONS,
    EVENT_TYPES,
    LANGUAGES,
    NEEDS,
    ORDER_SIDES,
    OUTCOMES,
    PRODUCT_TYPES,
    SERVICE_CHANNELS,
)

__all__ = [
    "BANK_DIRECTIONS",
    "CAMPAIGN_CHANNELS",
    "DNC_REASONS",
    "EVENT_TYPES",
    "LANGUAGES",
    "NEEDS",
    "ORDER_SIDES",
    "OUTCOMES",
    "PRODUCT_TYPES",
    "SERVICE_CHANNELS",
]

# Indices into NEEDS, in the order of every (N, 6) array in the simulator.
EQUITY, FIXED, MARGIN, OPTIONS, ADVISORY, TRANSFER = range(6)

LOGIN, QUOTE, PRODUCT_VIEW, SEARCH, RESEARCH, MARGIN_VIEW, OPTIONS_VIEW, ADVISORY_VIEW, TRANSFER_VIEW = range(9)

# (product_type, display name, count, allowed risk ratings): 260 products, ids P0001.. in this order.
PRODUCT_SHELF: tuple[tuple[str, str, int, tuple[int, ...]], ...] = (
    ("equity_fund", "Equity Fund", 60, (3, 4)),
    ("bond_fund", "Bond Fund", 50, (2, 3)),
    ("wealth_product", "Wealth Product", 50, (1, 2)),
    ("money_market", "Money Market", 20, (1,)),
    ("option", "Index Option", 20, (5,)),
    ("structured_note", "Structured Note", 40, (4, 5)),
    ("advisory_plan", "Advisory Plan", 20, (1, 2)),
)
if tuple(row[0] for row in PRODUCT_SHELF) != PRODUCT_TYPES:
    raise ValueError("PRODUCT_SHELF must list every product type of landing.codes.PRODUCT_TYPES, in its order")
# Subscription fee as a share of the amount; an advisory plan's whole amount is its fee.
SUBSCRIBE_FEE: dict[str, float] = {
    "equity_fund": 0.012,
    "bond_fund": 0.003,
    "wealth_product": 0.001,
    "money_market": 0.0,
    "option": 0.002,
    "structured_note": 0.005,
    "advisory_plan": 1.0,
}
# Which product types fulfil a need (margin and transfer-in are fulfilled outside product_orders).
NEED_PRODUCT_TYPES: dict[int, tuple[str, ...]] = {
    EQUITY: ("equity_fund",),
    FIXED: ("bond_fund", "wealth_product"),
    OPTIONS: ("option",),
    ADVISORY: ("advisory_plan",),
}
# The app pages a client with an active need keeps visiting before acting on it.
NEED_EVENTS: dict[int, tuple[int, ...]] = {
    EQUITY: (PRODUCT_VIEW, RESEARCH),
    FIXED: (PRODUCT_VIEW, SEARCH),
    MARGIN: (MARGIN_VIEW,),
    OPTIONS: (OPTIONS_VIEW,),
    ADVISORY: (ADVISORY_VIEW,),
    TRANSFER: (TRANSFER_VIEW,),
}

# Preferences: five trading x wealth-management combinations times three allocation styles.
TRADING_LEVELS = ("low", "mid", "high")
WM_LEVELS = ("low", "mid", "high")
STYLES = ("conservative", "balanced", "aggressive")
# (trading level, wealth-management level) of each combination, as indices into the levels above.
COMBOS: tuple[tuple[int, int], ...] = ((0, 0), (0, 2), (1, 1), (2, 0), (2, 2))
COMBO_NAMES = ("quiet saver", "wealth keeper", "balanced investor", "active trader", "all-rounder")
COMBO_TRADING = np.array([c[0] for c in COMBOS])
COMBO_WM = np.array([c[1] for c in COMBOS])


def preference_group(combo: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Group number 1..15: ``combo * 3 + style + 1`` (G01 quiet saver/conservative .. G15)."""
    return np.asarray(combo) * 3 + np.asarray(style) + 1
