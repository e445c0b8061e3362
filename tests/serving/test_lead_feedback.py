"""Thresholds from the conversion feedback, and the backtest by threshold."""

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from serving.lead_feedback import backtest, choose_thresholds, contact_conversion, need_deciles, split_by_time
from serving.lead_rules import NEEDS

START = date(2025, 1, 1)


def _contacts(need: str, conversion_by_decile: list[float], per_decile: int = 100) -> pd.DataFrame:
    """Contacts whose decile d (1..10) has scores in [d/10 - 0.1, d/10) and converts exactly as given."""
    rows = []
    for d, rate in enumerate(conversion_by_decile, start=1):
        converted = round(rate * per_decile)
        for i in range(per_decile):
            rows.append(
                {
                    "client_id": f"C{d:02d}{i:04d}",
                    "need": need,
                    "contacted_on": START + timedelta(days=i),
                    "probability": (d - 1) / 10 + (i + 1) / (per_decile * 10 + 1),
                    "is_converted": int(i < converted),
                }
            )
    return pd.DataFrame(rows)


def test_the_threshold_is_the_lowest_decile_that_with_those_above_beats_the_lift():
    # Base 0.1 (mean of the deciles); 2x = 0.2: deciles 10, 9, 8 reach it, 7 does not; decile 3 does by luck.
    scored = _contacts("options", [0.0, 0.0, 0.3, 0.0, 0.0, 0.0, 0.1, 0.2, 0.2, 0.2])
    thresholds = choose_thresholds(scored, min_lift=2.0)
    lowest_of_8 = scored.loc[scored["client_id"].str.startswith("C08"), "probability"].min()
    assert thresholds["options"] == pytest.approx(lowest_of_8)
    # No contacts for the other needs: no leads for them.
    assert all(math.isinf(thresholds[n]) for n in NEEDS if n != "options")
    # A stricter lift closes the need when even the top decile falls short.
    assert math.isinf(choose_thresholds(scored, min_lift=3.5)["options"])
    table = need_deciles(scored)
    assert table["decile"].tolist() == list(range(10, 0, -1))
    assert table.loc[table["decile"] == 10, "lift"].item() == pytest.approx(2.0)


def test_contact_conversion_counts_the_contacts_at_or_above_the_threshold():
    scored = _contacts("options", [0.0] * 8 + [0.2, 0.4])
    rates = contact_conversion(scored, {**dict.fromkeys(NEEDS, math.inf), "options": 0.8})
    assert rates["options"] == pytest.approx(0.3) and rates["advisory"] == 0.0


def test_the_backtest_chooses_on_earlier_contacts_and_grades_on_later_ones():
    rng = np.random.default_rng(3)
    n = 20_000
    probability = rng.random(n)
    scored = pd.DataFrame(
        {
            "client_id": [f"C{i:07d}" for i in range(n)],
            "need": rng.choice(NEEDS, n),
            "contacted_on": [START + timedelta(days=int(d)) for d in rng.integers(0, 100, n)],
            "probability": probability,
            "is_converted": (rng.random(n) < 0.02 + 0.3 * probability**3).astype(int),
        }
    )
    earlier, later = split_by_time(scored, 0.2)
    assert pd.to_datetime(earlier["contacted_on"]).max() < pd.to_datetime(later["contacted_on"]).min()
    assert 0.15 < len(later) / n < 0.25
    day = pd.DataFrame({"client_id": [f"C{i:05d}" for i in range(1000)], "need": "options", "probability": 0.0})
    day["probability"] = np.linspace(0, 1, 1000)
    table = backtest(scored, day, clients=1000, lifts=(1.5, 2.0, 3.0))
    assert table["min_lift"].tolist() == [0.0, 1.5, 2.0, 3.0]
    none = table.iloc[0]
    # No threshold: every contact listed, all conversions covered, the base rate itself, every score a lead.
    assert none["listed_share"] == 1.0 and none["coverage"] == 1.0 and none["lift"] == pytest.approx(1.0)
    assert none["leads_per_day"] == 1000 and none["per_1000_clients"] == 1000
    # Stricter thresholds: fewer leads, less coverage, better conversion.
    assert table["leads_per_day"].is_monotonic_decreasing and table["coverage"].is_monotonic_decreasing
    assert table["lift"].is_monotonic_increasing and table.iloc[-1]["lift"] > 2.5
    with pytest.raises(ValueError, match="at least 2 days"):
        split_by_time(scored.assign(contacted_on=START), 0.2)
