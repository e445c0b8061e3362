"""What past campaign contacts say about the lead thresholds: conversion by intent-score decile, the
threshold each need gets, and the backtest of volume, coverage and conversion by threshold.

Every function takes scored contacts: one row per campaign contact with client_id, need, contacted_on,
is_converted and probability (the need's intent score from the features known before the contact).
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from serving.lead_rules import NEEDS

DECILES = 10
BACKTEST_LIFTS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0)


def _deciles(probability: pd.Series) -> pd.Series:
    """Decile of each score, 10 = highest; ties broken by order so every decile is (nearly) the same size."""
    return pd.qcut(probability.rank(method="first"), DECILES, labels=range(1, DECILES + 1)).astype(int)


def _decile_table(scored: pd.DataFrame) -> pd.DataFrame:
    """By score decile (10 = highest): contacts, lowest score, conversion, and lift over the base rate (the
    conversion of all of `scored`)."""
    base = float(scored["is_converted"].mean())
    table = scored.groupby(_deciles(scored["probability"]).rename("decile")).agg(
        contacts=("is_converted", "size"), min_score=("probability", "min"), conversion=("is_converted", "mean")
    )
    table["lift"] = table["conversion"] / base if base > 0 else float("nan")
    return table.reset_index().assign(base=base).sort_values("decile", ascending=False, kind="stable")


def conversion_by_decile(scored: pd.DataFrame) -> pd.DataFrame:
    """Conversion of the contacts by score decile over all needs (10 = highest), and lift over the base rate."""
    columns = ["decile", "contacts", "conversion", "lift"]
    if len(scored) < DECILES:
        return pd.DataFrame(columns=columns)
    return _decile_table(scored)[columns].reset_index(drop=True)


def need_deciles(scored: pd.DataFrame) -> pd.DataFrame:
    """Per need and decile of that need's scores: contacts, lowest score, conversion and lift over the
    need's own base rate (the conversion of all its contacts)."""
    columns = ["need", "decile", "contacts", "min_score", "conversion", "base", "lift"]
    rows = [_decile_table(group).assign(need=need) for need, group in scored.groupby("need") if len(group) >= DECILES]
    if not rows:
        return pd.DataFrame(columns=columns)
    return pd.concat(rows, ignore_index=True)[columns].sort_values(["need", "decile"], ascending=[True, False])


def choose_thresholds(scored: pd.DataFrame, min_lift: float) -> dict[str, float]:
    """Per need: the lowest score of the lowest decile that, with every decile above it, converted at least
    `min_lift` times the need's base rate. Requiring the deciles above too keeps one lucky low decile from
    opening the gate. A need whose top decile falls short (or that had under ten contacts) gets no leads (inf).
    """
    table = need_deciles(scored)
    thresholds = dict.fromkeys(NEEDS, math.inf)
    for need, group in table.groupby("need"):
        threshold = math.inf
        for row in group.sort_values("decile", ascending=False).itertuples():
            if not row.lift >= min_lift:  # NaN (no conversions at all) stops too
                break
            threshold = float(row.min_score)
        thresholds[need] = threshold
    return thresholds


def split_by_time(scored: pd.DataFrame, holdout_share: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contacts before and from the cut day: the last `holdout_share` of the contact days are held out."""
    days = pd.to_datetime(scored["contacted_on"]).dt.date
    ordered = sorted(days.unique())
    if len(ordered) < 2:
        raise ValueError(f"the backtest needs contacts on at least 2 days, got {len(ordered)}")
    cut: date = ordered[min(len(ordered) - 1, max(1, round(len(ordered) * (1 - holdout_share))))]
    return scored[days < cut], scored[days >= cut]


def contact_conversion(scored: pd.DataFrame, thresholds: dict[str, float]) -> dict[str, float]:
    """Per need: the conversion of the contacts at or above its threshold (0 where none were)."""
    listed = scored[scored["probability"] >= scored["need"].map(thresholds)]
    rates = listed.groupby("need")["is_converted"].mean()
    return {need: float(rates.get(need, 0.0)) for need in NEEDS}


def backtest(
    scored: pd.DataFrame,
    day_scores: pd.DataFrame,
    clients: int,
    lifts: tuple[float, ...] = BACKTEST_LIFTS,
    holdout_share: float = 0.2,
) -> pd.DataFrame:
    """Volume, coverage and conversion by threshold setting.

    For each min_lift the thresholds are chosen on the earlier contacts and graded on the held-out later
    ones: `listed_share` of those contacts scored at or above their need's threshold, they converted at
    `conversion` (`lift` times the base rate of all held-out contacts) and hold `coverage` of the held-out
    conversions. Volume is what the thresholds let through on `day_scores` (one as-of day's client-need
    scores, before suitability, do-not-contact, cool-down and campaign exclusions), per day and per 1,000
    clients; expected conversions are those leads times their need's conversion on the earlier contacts.
    min_lift 0 is no threshold at all.
    """
    earlier, later = split_by_time(scored, holdout_share)
    base = float(later["is_converted"].mean())
    conversions = int(later["is_converted"].sum())
    rows = []
    for min_lift in (0.0, *lifts):
        thresholds = dict.fromkeys(NEEDS, 0.0) if min_lift == 0 else choose_thresholds(earlier, min_lift)
        listed = later[later["probability"] >= later["need"].map(thresholds)]
        volume = day_scores[day_scores["probability"] >= day_scores["need"].map(thresholds)]
        rate = contact_conversion(earlier, thresholds)
        conversion = float(listed["is_converted"].mean()) if len(listed) else float("nan")
        rows.append(
            {
                "min_lift": min_lift,
                "leads_per_day": len(volume),
                "per_1000_clients": len(volume) * 1000 / max(clients, 1),
                "expected_conversions": float(volume["need"].map(rate).sum()),
                "listed_share": len(listed) / max(len(later), 1),
                "coverage": float(listed["is_converted"].sum()) / conversions if conversions else float("nan"),
                "conversion": conversion,
                "lift": conversion / base if base > 0 else float("nan"),
            }
        )
    return pd.DataFrame(rows)
