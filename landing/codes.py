"""The code lists of the landing contract: every value a coded column may hold.

The warehouse and the contracts match on these exact strings; an export (simulated or real) must
use them.
"""

from __future__ import annotations

# The needs and both risk scales are the platform's vocabulary, spelled once for every layer.
from wealthpulse.domain import NEEDS, RISK_LEVELS, RISK_RATINGS

__all__ = ["NEEDS", "RISK_LEVELS", "RISK_RATINGS"]
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
PRODUCT_TYPES: tuple[str, ...] = (
    "equity_fund",
    "bond_fund",
    "wealth_product",
    "money_market",
    "option",
    "structured_note",
    "advisory_plan",
)
AGE_BANDS: tuple[str, ...] = ("18-29", "30-39", "40-49", "50-59", "60+")
CLIENT_CHANNELS: tuple[str, ...] = ("app", "branch", "referral")
TRADE_SIDES: tuple[str, ...] = ("buy", "sell")
BANK_DIRECTIONS: tuple[str, ...] = ("in", "out")
ORDER_SIDES: tuple[str, ...] = ("subscribe", "redeem")
SERVICE_CHANNELS: tuple[str, ...] = ("call", "chat")
LANGUAGES: tuple[str, ...] = ("zh", "en")
CAMPAIGN_CHANNELS: tuple[str, ...] = ("app_push", "sms", "advisor_call")
OUTCOMES: tuple[str, ...] = ("converted", "interested", "no_answer", "declined")
DNC_REASONS: tuple[str, ...] = ("client_request", "complaint", "regulatory")
