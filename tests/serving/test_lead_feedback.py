"""Thresholds and expected conversions from the conversion feedback, and the walk-forward backtest."""

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from serving.lead_feedback import (
    TOP_SHARES,
    backtest,
    choose_thresholds,
    conversion_bands,
    graded_days,
    need_bands,
    outcome_known_on,
    walk_forward,
)
from serving.lead_rules import NEEDS, LeadRules

START = date(2025, 1, 1)
BAND_SIZES = [round(1000 * (b - a)) for a, b in zip((0.0, *TOP_SHARES[:-1]), TOP_SHARES, strict=True)]


def _contacts(need: str, conversion_by_band: list[float]) -> pd.DataFrame:
    """1,000 contacts in the bands of `TOP_SHARES` (the first is the top 1%), each band converting as given;
    scores fall from 1 down the bands."""
    rows, position = [], 0
    for band, (size, rate) in enumerate(zip(BAND_SIZES, conversion_by_band, strict=True)):
        for i in range(size):
            position += 1
            rows.append(
                {
                    "client_id": f"C{band:02d}{i:04d}",
                    "need": need,
                    "contacted_on": START + timedelta(days=position % 50),
                    "probability": 1 - position / 1001,
                    "is_converted": int(i < round(rate * size)),
                }
            )
    return pd.DataFrame(rows)


def test_bands_are_fine_at_the_top_and_their_expected_conversion_never_rises_down_the_scores():
    # Top 1%: 0.5; next 1%: 0.2; the 3rd 1% converts better than the 2nd by luck: 0.4; then little.
    rates = [0.5, 0.2, 0.4, 0.05, 0.04, 0.0, 0.02, 0.0, 0.01, 0.01, 0.0]
    scored = _contacts("options", rates)
    table = need_bands(scored)
    assert table["top_share"].tolist() == list(TOP_SHARES)
    assert table["contacts"].tolist() == BAND_SIZES
    assert table["conversion"].tolist() == pytest.approx(rates)
    # The lucky 3rd band is pooled with the 2nd: both expect 0.3, and the expectation never rises downwards.
    assert table["expected"].iloc[1] == table["expected"].iloc[2] == pytest.approx(0.3)
    assert table["expected"].is_monotonic_decreasing
    base = scored["is_converted"].mean()
    assert table["lift"].tolist() == pytest.approx((table["expected"] / base).tolist())


def test_the_threshold_is_the_lowest_band_expected_to_beat_the_lift_and_a_need_short_of_it_gets_no_leads():
    rates = [0.5, 0.3, 0.3, 0.1, 0.04, 0.0, 0.02, 0.0, 0.01, 0.01, 0.0]
    scored = _contacts("options", rates)
    base = scored["is_converted"].mean()  # 0.018: 5x is 0.09, so the top four bands pass
    bands = conversion_bands(scored, min_lift=5.0)
    assert [c for _, c in bands["options"]] == pytest.approx([0.5, 0.3, 0.3, 0.1])
    table = need_bands(scored)
    assert choose_thresholds(scored, 5.0)["options"] == pytest.approx(table["min_score"].iloc[3])
    assert 0.1 / base > 5.0 > 0.04 / base
    # Stricter: only the top band; stricter than the top band: no leads. Needs without contacts: no leads.
    assert len(conversion_bands(scored, min_lift=20.0)["options"]) == 1
    assert math.isinf(choose_thresholds(scored, min_lift=30.0)["options"])
    assert all(math.isinf(choose_thresholds(scored, 5.0)[n]) for n in NEEDS if n != "options")
    # Too few contacts to band: no leads either.
    assert math.isinf(choose_thresholds(scored.head(150), 1.0)["options"])
    # The rules take the bands: the default thresholds are their lowest scores, a lead's expected conversion
    # is its band's.
    rules = LeadRules(conversion_bands=bands)
    assert rules.thresholds["options"] == choose_thresholds(scored, 5.0)["options"]
    probability = pd.Series([0.999, table["min_score"].iloc[1], table["min_score"].iloc[3] + 1e-6, 0.0])
    got = rules.expected_conversion(pd.Series(["options"] * 4), probability)
    assert got.tolist() == pytest.approx([0.5, 0.3, 0.1, 0.1])
    assert rules.expected_conversion(pd.Series(["advisory"]), pd.Series([0.99])).tolist() == [0.0]
    with pytest.raises(ValueError, match="conversion_bands of options"):
        LeadRules(conversion_bands={**bands, "options": ((0.1, 0.2), (0.3, 0.1))})


def test_an_outcome_is_known_the_day_after_its_campaign_ends_and_an_undatable_contact_is_an_error():
    scored = _contacts("options", [0.1] * len(TOP_SHARES)).head(3)
    outcomes = scored[["client_id", "need", "contacted_on"]].assign(
        campaign_ends_on=lambda f: [d + timedelta(days=10) for d in f["contacted_on"]]
    )
    dated = outcome_known_on(scored, outcomes)
    assert (dated["known_on"] - dated["contacted_on"]).tolist() == [timedelta(days=11)] * 3
    with pytest.raises(ValueError, match="campaign_ends_on: 1 scored contacts"):
        outcome_known_on(scored, outcomes.iloc[1:])


def _random_contacts(n: int = 20_000, days: int = 100, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    probability = rng.random(n)
    contacted = [START + timedelta(days=int(d)) for d in rng.integers(0, days, n)]
    return pd.DataFrame(
        {
            "client_id": [f"C{i:07d}" for i in range(n)],
            "need": rng.choice(NEEDS, n),
            "contacted_on": contacted,
            "known_on": [d + timedelta(days=1) for d in contacted],
            "probability": probability,
            "is_converted": (rng.random(n) < 0.02 + 0.3 * probability**3).astype(int),
        }
    )


def test_the_walk_forward_learns_only_from_outcomes_known_before_each_graded_day():
    scored = _random_contacts()
    # Nothing converted in the first half: a rule for the first graded week knows of no conversion and
    # lists nothing, however well that week's own contacts convert.
    first_half = pd.to_datetime(scored["contacted_on"]).dt.date < START + timedelta(days=50)
    scored.loc[first_half, "is_converted"] = 0
    assert graded_days(scored, 0.5)[0] == START + timedelta(days=50)
    listed = walk_forward(scored, min_lift=2.0, graded_share=0.5, refit_days=7)
    assert len(listed) and min(listed["contacted_on"]) >= START + timedelta(days=57)
    # Outcomes known only 30 days later: the first weeks after the cut still know of none.
    late = walk_forward(scored.assign(known_on=scored["known_on"] + timedelta(days=30)), 2.0, 0.5, 7)
    assert min(late["contacted_on"]) >= START + timedelta(days=85) and len(late) < len(listed)


def test_the_backtest_grades_each_setting_on_later_contacts_with_its_volume_on_the_day():
    scored = _random_contacts()
    day = pd.DataFrame({"client_id": [f"C{i:05d}" for i in range(1000)], "need": "options"})
    day["probability"] = np.linspace(0, 1, 1000)
    table = backtest(scored, day, START + timedelta(days=100), clients=1000, lifts=(1.5, 2.0, 3.0))
    assert table["min_lift"].tolist() == [0.0, 1.5, 2.0, 3.0]
    none = table.iloc[0]
    # No threshold: every contact listed, all conversions covered, the base rate itself, every score a lead.
    assert none["listed_share"] == 1.0 and none["coverage"] == 1.0 and none["lift"] == pytest.approx(1.0)
    assert none["leads_per_day"] == 1000 and none["per_client"] == 1.0
    # Stricter thresholds: fewer leads, less coverage, better conversion, as the bands expected.
    assert table["leads_per_day"].is_monotonic_decreasing and table["coverage"].is_monotonic_decreasing
    assert table["lift"].is_monotonic_increasing and table.iloc[-1]["lift"] > 2.5
    assert table["expected_conversion"].iloc[1:].is_monotonic_increasing
    with pytest.raises(ValueError, match="at least 2 days"):
        backtest(scored.assign(contacted_on=START), day, START, clients=1000)
    # Too few contacts to band any need (a tiny preset): said, rather than a table of nothing.
    with pytest.raises(ValueError, match="at least 200 contacts"):
        backtest(scored.head(1000), day, START, clients=1000)
