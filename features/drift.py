"""Population stability index: how far a feature's distribution on the latest day has moved from
the training window.

Thresholds (the usual credit-risk reading of PSI): below 0.1 stable; 0.1 to 0.25 a moderate
shift worth a look; above 0.25 a major shift — the model sees a population it did not learn from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
_EPSILON = 1e-4


def psi(expected: np.ndarray, actual: np.ndarray, bins: int = 10) -> float:
    """PSI of `actual` against `expected`, over quantile bins of `expected` (missing values dropped)."""
    expected = np.asarray(expected, dtype=float)
    actual = np.asarray(actual, dtype=float)
    expected, actual = expected[~np.isnan(expected)], actual[~np.isnan(actual)]
    if len(expected) == 0 or len(actual) == 0:
        return 0.0
    edges = np.unique(np.quantile(expected, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        # A constant feature: stable exactly when the new values are that constant too.
        return 0.0 if np.all(actual == edges[0]) else float("inf")
    inner = edges[1:-1]
    expected_share = np.bincount(np.searchsorted(inner, expected, side="right"), minlength=len(inner) + 1)
    actual_share = np.bincount(np.searchsorted(inner, actual, side="right"), minlength=len(inner) + 1)
    e = np.clip(expected_share / len(expected), _EPSILON, None)
    a = np.clip(actual_share / len(actual), _EPSILON, None)
    return float(np.sum((a - e) * np.log(a / e)))


def feature_drift(training: pd.DataFrame, latest: pd.DataFrame, features: list[str]) -> pd.DataFrame:
    """PSI per feature, largest first, with its reading."""
    return ranked_drift({f: psi(training[f].to_numpy(), latest[f].to_numpy()) for f in features})


def drift_on_latest_date(
    dates: pd.Series, values_of: Callable[[str], pd.Series], features: Iterable[str]
) -> pd.DataFrame:
    """``feature_drift`` of the rows of the newest date against the rows of every earlier date.

    ``dates``: each row's date; ``values_of(feature)``: that feature's value on the same rows. A
    feature is read, compared and let go before the next: a table of every client on every as-of date
    outgrows memory long before one of its columns does.
    """
    latest_day = dates.max()
    history = (dates < latest_day).to_numpy()
    latest = (dates == latest_day).to_numpy()
    psis = {}
    for feature in features:
        values = values_of(feature).to_numpy()
        psis[feature] = psi(values[history], values[latest])
    return ranked_drift(psis)


def ranked_drift(psis: Mapping[str, float]) -> pd.DataFrame:
    """Each feature's PSI, largest first, with its reading."""
    frame = pd.DataFrame({"feature": list(psis), "psi": list(psis.values())})
    frame = frame.sort_values("psi", ascending=False, kind="stable").reset_index(drop=True)
    frame["reading"] = np.select(
        [frame["psi"] > PSI_MAJOR, frame["psi"] > PSI_MODERATE], ["major shift", "moderate shift"], "stable"
    )
    return frame
