"""The nightly drift check reads the exported client features and flags a shifted population, but not
the values every client shares on a day (the as-of time, the market)."""

from __future__ import annotations

from datetime import datetime, timedelta

from orchestration.defs.features.assets import SHARED_BY_DAY, feature_drift_check
from orchestration.resources import MartsResource
from tests.marts import write_marts

CLIENTS = [f"C{i:04d}" for i in range(300)]
DAYS = [datetime(2026, 1, 4) + timedelta(days=7 * k) for k in range(6)]


def _check(tmp_path, shifted: str | None):
    def value(client: str, day: int, feature: str) -> float:
        if feature in SHARED_BY_DAY:
            return 0.01 * day - 0.02  # one value per day, a new one on the latest day
        spread = int(client[1:]) % 97
        return spread + (1_000 if feature == shifted and day == len(DAYS) - 1 else 0)

    marts = write_marts(tmp_path, CLIENTS, DAYS, value)
    return feature_drift_check(marts=MartsResource(path=str(marts)))


def test_values_every_client_shares_on_a_day_are_not_drift(tmp_path):
    assert "market_momentum_20d" in SHARED_BY_DAY
    result = _check(tmp_path, shifted=None)
    assert result.passed, result.description
    assert result.metadata["max_psi"].value < 0.1


def test_a_shifted_client_feature_fails_the_check(tmp_path):
    result = _check(tmp_path, shifted="aum")
    assert not result.passed
    assert "1 features with a major shift" in result.description
    assert "aum" in result.metadata["top_features"].value
