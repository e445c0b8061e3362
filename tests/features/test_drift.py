import numpy as np
import pandas as pd

from features.drift import PSI_MAJOR, PSI_MODERATE, drift_on_latest_date, feature_drift, psi


def test_same_distribution_is_stable_and_a_shift_is_not():
    rng = np.random.default_rng(0)
    base = rng.normal(size=20_000)
    assert psi(base, rng.normal(size=5_000)) < PSI_MODERATE
    assert psi(base, rng.normal(loc=1.0, size=5_000)) > PSI_MAJOR


def test_constant_and_empty_features():
    assert psi(np.ones(100), np.ones(10)) == 0.0
    assert psi(np.ones(100), np.zeros(10)) == float("inf")
    assert psi(np.array([]), np.ones(3)) == 0.0


def test_feature_drift_ranks_and_reads():
    rng = np.random.default_rng(1)
    training = pd.DataFrame({"steady": rng.normal(size=5000), "moved": rng.normal(size=5000)})
    latest = pd.DataFrame({"steady": rng.normal(size=1000), "moved": rng.normal(loc=2, size=1000)})
    drift = feature_drift(training, latest, ["steady", "moved"])
    assert drift["feature"].tolist() == ["moved", "steady"]
    assert drift["reading"].tolist() == ["major shift", "stable"]


def test_drift_read_a_feature_at_a_time_equals_the_drift_of_the_whole_frame():
    rng = np.random.default_rng(2)
    days = pd.Series(np.repeat(pd.date_range("2026-01-04", periods=5, freq="7D").date, 400))
    newest = days == days.max()
    frame = pd.DataFrame(
        {
            "steady": rng.normal(size=len(days)),
            "moved": rng.normal(size=len(days)) + np.where(newest, 0.8, 0.0),
            "counted": rng.poisson(3, size=len(days)),
        }
    )
    features = ["steady", "moved", "counted"]
    reads: list[str] = []

    def values_of(feature: str) -> pd.Series:
        reads.append(feature)
        return frame[feature]

    drift = drift_on_latest_date(days, values_of, features)
    pd.testing.assert_frame_equal(drift, feature_drift(frame[~newest], frame[newest], features))
    assert drift["feature"].iloc[0] == "moved"
    assert reads == features
