"""Code lists shared by the latent model, the landing tables and the oracle.

Every string here is part of the landing contract: the warehouse and the contracts match on
these exact values.
"""

from __future__ import annotations

import numpy as np

# Re-exported: the landing contract matches the need codes it reads here.
from wealthpulse.domain import NEEDS as NEEDS

# NEEDS (wealthpulse.domain) orders every (N, 6) array in the simulator; these are its indices.
EQUITY, FIXED, MARGIN, OPTIONS, ADVISORY, TRANSFER = range(6)

EVENT_TYPES: tuple[str, ...] = (
    "login",
    "quote_view",
    "product_page_view",
    "search",
    "research_read",
    "margin_page_view",
    "options_page_view",
    "advisory_page_view",
    "transfer_page_view",
)
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
PRODUCT_TYPES: tuple[str, ...] = tuple(row[0] for row in PRODUCT_SHELF)
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


BANK_DIRECTIONS = ("in", "out")
ORDER_SIDES = ("subscribe", "redeem")
SERVICE_CHANNELS = ("call", "chat")
LANGUAGES = ("zh", "en")
CAMPAIGN_CHANNELS = ("app_push", "sms", "advisor_call")
OUTCOMES = ("converted", "interested", "no_answer", "declined")
DNC_REASONS = ("client_request", "complaint", "regulatory")
