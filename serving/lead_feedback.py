"""What past campaign contacts say about the lead thresholds: conversion by intent-score band, the threshold
and expected conversions each need gets, and the walk-forward backtest of volume, coverage and conversion by
threshold setting.

Every function takes scored contacts: one row per campaign contact with client_id, need, contacted_on,
is_converted and probability (the need's intent score from the features known before the contact), and, for
the backtest, known_on: the first day the contact's outcome is known (`outcome_known_on`).
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd

from serving.lead_rules import NEEDS, expected_conversion

DECILES = 10
# Bands of a need's contact scores by their top share: the top 1%, the next 1%, ... the bottom half. Finer at
# the top, where the leads are: a decile is far more than an advisor can call.
TOP_SHARES = (0.01, 0.02, 0.03, 0.05, 0.075, 0.10, 0.15, 0.20, 0.30, 0.50, 1.0)
# A need with fewer past contacts than this gets no leads: its bands would be a handful of contacts each.
MIN_NEED_CONTACTS = 200
BACKTEST_LIFTS = (1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def _deciles(probability: pd.Series) -> pd.Series:
    """Decile of each score, 10 = highest; ties broken by order so every decile is (nearly) the same size."""
    return pd.qcut(probability.rank(method="first"), DECILES, labels=range(1, DECILES + 1)).astype(int)


def conversion_by_decile(scored: pd.DataFrame) -> pd.DataFrame:
    """Conversion of the contacts by score decile over all needs (10 = highest), and lift over the base rate."""
    columns = ["decile", "contacts", "conversion", "lift"]
    if len(scored) < DECILES:
        return pd.DataFrame(columns=columns)
    base = float(scored["is_converted"].mean())
    table = scored.groupby(_deciles(scored["probability"]).rename("decile")).agg(
        contacts=("is_converted", "size"), conversion=("is_converted", "mean")
    )
    table["lift"] = table["conversion"] / base if base > 0 else float("nan")
    return table.reset_index().sort_values("decile", ascending=False)[columns].reset_index(drop=True)


def _non_increasing(rates: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted least-squares non-increasing fit of `rates` (pool adjacent violators): a lower band never
    gets a higher expected conversion than a band above it, however a few lucky contacts fell."""
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for rate, weight in zip(rates, weights, strict=True):
        blocks.append([rate * weight, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
            total, mass, count = blocks.pop()
            blocks[-1] = [blocks[-1][0] + total, blocks[-1][1] + mass, blocks[-1][2] + count]
    return np.concatenate([np.full(count, total / mass) for total, mass, count in blocks])


def need_bands(scored: pd.DataFrame) -> pd.DataFrame:
    """Per need, its contacts in bands of their scores by top share (`TOP_SHARES`, highest first): contacts,
    lowest score, conversions, the band's conversion, the expected conversion (the bands' conversions made
    non-increasing down the scores) and its lift over the base rate of all contacts (every need)."""
    columns = ["need", "top_share", "contacts", "min_score", "conversions", "conversion", "expected", "lift"]
    base = float(scored["is_converted"].mean()) if len(scored) else float("nan")
    tables = []
    for need, group in scored.groupby("need"):
        if len(group) < MIN_NEED_CONTACTS:
            continue
        position = group["probability"].rank(method="first", ascending=False).to_numpy() / len(group)
        band = np.searchsorted(np.asarray(TOP_SHARES), position - 1e-12, side="left")
        table = (
            group.assign(top_share=np.asarray(TOP_SHARES)[band])
            .groupby("top_share")
            .agg(
                contacts=("is_converted", "size"),
                min_score=("probability", "min"),
                conversions=("is_converted", "sum"),
                conversion=("is_converted", "mean"),
            )
            .reset_index()
            .sort_values("top_share")
        )
        table["expected"] = _non_increasing(table["conversion"].to_numpy(float), table["contacts"].to_numpy(float))
        tables.append(table.assign(need=need))
    if not tables:
        return pd.DataFrame(columns=columns)
    table = pd.concat(tables, ignore_index=True)
    table["lift"] = table["expected"] / base if base > 0 else float("nan")
    return table[columns]


def conversion_bands(scored: pd.DataFrame, min_lift: float) -> dict[str, tuple[tuple[float, float], ...]]:
    """Per need, the bands whose expected conversion is at least `min_lift` times the base rate, as
    (lowest score, expected conversion), highest first. The expected conversions never rise down the scores,
    so the passing bands are the top ones; a need whose top band falls short (or with under
    `MIN_NEED_CONTACTS` contacts) has none: it gets no leads."""
    table = need_bands(scored)
    bands: dict[str, tuple[tuple[float, float], ...]] = dict.fromkeys(NEEDS, ())
    for need, group in table.groupby("need"):
        passing = group[group["lift"] >= min_lift].sort_values("top_share")  # NaN (no conversions) never passes
        steps = zip(passing["min_score"], passing["expected"], strict=True)
        bands[need] = tuple((float(score), float(conversion)) for score, conversion in steps)
    return bands


def thresholds_of(bands: dict[str, tuple[tuple[float, float], ...]]) -> dict[str, float]:
    """Per need, the lowest score of its passing bands (inf: no leads)."""
    return {need: (steps[-1][0] if steps else math.inf) for need, steps in bands.items()}


def choose_thresholds(scored: pd.DataFrame, min_lift: float) -> dict[str, float]:
    """Per need: the lowest score of the lowest band whose expected conversion is at least `min_lift` times
    the base rate of all contacts (inf: the need gets no leads)."""
    return thresholds_of(conversion_bands(scored, min_lift))


def outcome_known_on(scored: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """`scored` with known_on: the day after its campaign ended, when the contact's outcome is final.

    outcomes: client_id, need, contacted_on, campaign_ends_on (the campaign outcomes mart). A contact without
    its campaign in `outcomes` is an error: its outcome cannot be dated, and leaving it out would be silent.
    """
    key = ["client_id", "need", "contacted_on"]
    ends = outcomes[[*key, "campaign_ends_on"]].assign(
        contacted_on=lambda f: pd.to_datetime(f["contacted_on"]).dt.date,
        campaign_ends_on=lambda f: pd.to_datetime(f["campaign_ends_on"]).dt.date,
    )
    ends = ends.groupby(key, as_index=False)["campaign_ends_on"].max()
    dated = scored.assign(contacted_on=pd.to_datetime(scored["contacted_on"]).dt.date).merge(ends, on=key, how="left")
    missing = int(dated["campaign_ends_on"].isna().sum())
    if missing:
        raise ValueError(f"campaign_ends_on: {missing} scored contacts have no campaign in the outcomes")
    dated["known_on"] = [d + timedelta(days=1) for d in dated["campaign_ends_on"]]
    return dated.drop(columns="campaign_ends_on")


def known_before(scored: pd.DataFrame, day: date) -> pd.DataFrame:
    """The contacts whose outcome was known before `day`: what a rule for `day` may learn from."""
    return scored[pd.to_datetime(scored["known_on"]).dt.date < day]


def graded_days(scored: pd.DataFrame, graded_share: float) -> list[date]:
    """The contact days graded by the backtest: the last `graded_share` of the days with contacts."""
    ordered = sorted(pd.to_datetime(scored["contacted_on"]).dt.date.unique())
    if len(ordered) < 2:
        raise ValueError(f"the backtest needs contacts on at least 2 days, got {len(ordered)}")
    return ordered[min(len(ordered) - 1, max(1, round(len(ordered) * (1 - graded_share)))) :]


def _rule(known: pd.DataFrame, min_lift: float) -> dict[str, tuple[tuple[float, float], ...]]:
    return conversion_bands(known, min_lift) if min_lift else _everything(known)


def walk_forward(scored: pd.DataFrame, min_lift: float, graded_share: float, refit_days: int) -> pd.DataFrame:
    """The graded contacts (the last `graded_share` of the contact days) that the rule of their day would
    have listed, with the conversion it expected of them (`expected`). The days are taken in blocks of
    `refit_days`; a block's rule is chosen from the contacts whose outcome was known before its first day."""
    days = pd.to_datetime(scored["contacted_on"]).dt.date
    graded_from = graded_days(scored, graded_share)
    parts = []
    first = graded_from[0]
    while first <= graded_from[-1]:
        block = scored[(days >= first) & (days < first + timedelta(days=refit_days))]
        bands = _rule(known_before(scored, first), min_lift)
        kept = block[block["probability"] >= block["need"].map(thresholds_of(bands))]
        parts.append(kept.assign(expected=expected_conversion(bands, kept["need"], kept["probability"])))
        first += timedelta(days=refit_days)
    return pd.concat(parts, ignore_index=True)


def backtest(
    scored: pd.DataFrame,
    day_scores: pd.DataFrame,
    volume_day: date,
    clients: int,
    lifts: tuple[float, ...] = BACKTEST_LIFTS,
    graded_share: float = 0.5,
    refit_days: int = 7,
) -> pd.DataFrame:
    """Volume, coverage, expected and achieved conversion by threshold setting, walking forward.

    The last `graded_share` of the contact days are graded in blocks of `refit_days`: each block's rule is
    chosen from the contacts whose outcome was known before the block's first day, never from the block or
    after it. For each min_lift: `listed_share` of the graded contacts reached their need's threshold, they
    hold `coverage` of the graded conversions, were expected to convert at `expected_conversion` (the rule's
    bands) and converted at `conversion` (`listed_conversions` of them), `lift` times the base rate of all
    graded contacts. Volume is what the rule chosen from the outcomes known before `volume_day` lets through on
    `day_scores` (that day's client-need scores, before suitability, do-not-contact, cool-down and campaign
    exclusions): leads that day, per client, and their expected conversions. min_lift 0 is no threshold.
    """
    if need_bands(scored).empty:
        raise ValueError(f"the backtest needs a need with at least {MIN_NEED_CONTACTS} contacts to band")
    graded = scored[pd.to_datetime(scored["contacted_on"]).dt.date >= graded_days(scored, graded_share)[0]]
    base = float(graded["is_converted"].mean())
    conversions = int(graded["is_converted"].sum())
    rows = []
    for min_lift in (0.0, *lifts):
        listed = walk_forward(scored, min_lift, graded_share, refit_days)
        known = known_before(scored, volume_day)
        bands = _rule(known, min_lift)
        volume = day_scores[day_scores["probability"] >= day_scores["need"].map(thresholds_of(bands))]
        conversion = float(listed["is_converted"].mean()) if len(listed) else float("nan")
        rows.append(
            {
                "min_lift": min_lift,
                "leads_per_day": len(volume),
                "per_client": len(volume) / max(clients, 1),
                "expected_conversions": float(expected_conversion(bands, volume["need"], volume["probability"]).sum()),
                "listed_share": len(listed) / max(len(graded), 1),
                "coverage": float(listed["is_converted"].sum()) / conversions if conversions else float("nan"),
                "expected_conversion": float(listed["expected"].mean()) if len(listed) else float("nan"),
                "conversion": conversion,
                "lift": conversion / base if base > 0 else float("nan"),
                "listed_conversions": int(listed["is_converted"].sum()) if len(listed) else 0,
            }
        )
    return pd.DataFrame(rows)


def _everything(scored: pd.DataFrame) -> dict[str, tuple[tuple[float, float], ...]]:
    """No threshold: every score a lead, expected to convert at its need's past rate."""
    rates = scored.groupby("need")["is_converted"].mean()
    return {need: ((0.0, float(rates.get(need, 0.0))),) for need in NEEDS}
