"""Readable labels for feature names, derived from the naming conventions, with overrides.

``logins_30d`` reads "Logins in the last 30 days", ``tag_high_net_worth`` "Tag: high net worth",
``mentions_margin_30d`` "Mentions of margin in advisor conversations in the last 30 days". A name the
rules read badly gets an entry in ``OVERRIDES``.
"""

from __future__ import annotations

import re

OVERRIDES: dict[str, str] = {
    "aum": "Assets under management",
    "aum_change_7d": "Change in assets over the last 7 days",
    "aum_change_30d": "Change in assets over the last 30 days",
    "cash_share": "Share of assets in cash",
    "equity_share": "Share of assets in equities",
    "wealth_share": "Share of assets in wealth products",
    "margin_debt": "Margin debt",
    "value_amount": "Value (assets and revenue contribution)",
    "revenue_90d": "Revenue contribution in the last 90 days",
    "tenure_days": "Days since the account was opened",
    "age_band_code": "Age band",
    "risk_level_code": "Risk tolerance (C1..C5)",
    "has_valid_assessment": "Has a valid risk assessment",
    "value_tier_code": "Value tier today (T1..T5)",
    "preference_group_code": "Preference group",
    "days_since_last_login": "Days since the last login",
    "as_of_epoch": "As-of date",
    "live_last_login_epoch": "Time of today's last login (live)",
    "request_epoch": "Time of the request",
    "market_momentum_20d": "Market move over the last 20 days",
}

# Words spelled out or cased in labels.
_WORDS = {"aum": "assets", "nav": "NAV", "etf": "ETF", "ipo": "IPO", "pct": "%", "qty": "quantity"}
_WINDOW = re.compile(r"^(?P<stem>.+)_(?P<days>\d+)d$")


def _words(stem: str) -> str:
    return " ".join(_WORDS.get(word, word) for word in stem.split("_") if word)


def _phrase(name: str) -> str:
    if name.startswith("tag_"):
        return f"Tag: {_words(name[4:])}"
    if name.startswith("live_") and name.endswith("_today"):
        return f"{_words(name[5:-6])} today (live)"
    window = _WINDOW.match(name)
    if window:
        stem, days = window["stem"], window["days"]
        if stem.startswith("mentions_"):
            return f"Mentions of {_words(stem[9:])} in advisor conversations in the last {days} days"
        if stem.endswith("_change"):
            return f"Change in {_words(stem[:-7])} over the last {days} days"
        return f"{_words(stem)} in the last {days} days"
    if name.startswith("mentions_"):
        return f"Mentions of {_words(name[9:])} in advisor conversations"
    if name.startswith("days_since_"):
        return f"Days since {_words(name[11:])}"
    if name.endswith("_count"):
        return f"Number of {_words(name[:-6])}"
    if name.endswith("_code"):
        return _words(name[:-5])
    if name.startswith(("is_", "has_")):
        head, rest = name.split("_", 1)
        return f"{head} {_words(rest)}"
    return _words(name)


def readable(name: str, overrides: dict[str, str] | None = None) -> str:
    """A label an advisor can read for a feature name."""
    table = {**OVERRIDES, **(overrides or {})}
    if name in table:
        return table[name]
    phrase = _phrase(name)
    return phrase[:1].upper() + phrase[1:]


def labels_for(feature_names: list[str], overrides: dict[str, str] | None = None) -> dict[str, str]:
    return {name: readable(name, overrides) for name in feature_names}
