"""A small real serving state: a features mart, the Feast online store and a champion churn model.

Built once per test session in the session's state directory (tests/conftest.py sets
WEALTHPULSE_HOME and BENTOML_HOME), so the service under test opens the same store and
model store it would open after `wealthpulse run`, without running the pipeline.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

from features import repo
from features.store import apply_repo, open_store, service_features
from models.config import CHURN
from models.onnx_export import export_onnx
from models.registry import LIGHTGBM_FILE, register
from models.training import TIMESTAMP, time_split, train

# Property tests run at two depths: a few hundred cases by default, a hundred thousand with
# WEALTHPULSE_HYPOTHESIS_PROFILE=slow. Same tests, nothing skipped.
settings.register_profile("default", max_examples=500, deadline=None, database=None)
settings.register_profile(
    "slow",
    max_examples=100_000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("WEALTHPULSE_HYPOTHESIS_PROFILE", "default"))

API_KEY_ENV = "WEALTHPULSE_API_KEY"
# The request-time recency the churn model reads (features/on_demand.py).
INACTIVITY = "days_since_last_login_now"
CLIENTS = 120
AS_OF = [datetime(2025, 7, 1) + timedelta(days=7 * week) for week in range(8)]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "property: property-based test; depth set by WEALTHPULSE_HYPOTHESIS_PROFILE (default or slow)"
    )
    config.addinivalue_line("markers", "http: starts the service with `bentoml serve` on a free port")


@dataclass(frozen=True)
class ServingState:
    home: Path
    api_key: str
    known_clients: list[str]
    model_tag: str


def client_id(number: int) -> str:
    return f"C{number:07d}"


def feature_value(name: str, rng: np.random.Generator, size: int) -> np.ndarray:
    """Plausible values by the naming conventions of the marts (codes, flags, counts)."""
    if name == "risk_level_code":
        return rng.integers(0, 6, size=size).astype(float)
    if name.endswith("_code"):
        return rng.integers(1, 6, size=size).astype(float)
    if name.startswith(("has_", "is_", "tag_")):
        return (rng.random(size) < 0.5).astype(float)
    return rng.gamma(2.0, 3.0, size=size)


def source_frames(clients: int = CLIENTS, seed: int = 11) -> dict[str, pd.DataFrame]:
    """One frame per parquet file the feature views read: every field of every view, weekly rows.

    Built from the feature repo's own declarations, so the fixture follows the views as they change.
    """
    rng = np.random.default_rng(seed)
    fields: dict[str, tuple[str, list[str]]] = {}
    for view in repo.FEATURE_VIEWS:
        source = view.batch_source
        timestamp_field, names = fields.setdefault(source.path, (source.timestamp_field, []))
        names.extend(field.name for field in view.schema if field.name not in names)
    ids = [client_id(i + 1) for i in range(clients)]
    frames = {}
    for path, (timestamp_field, names) in fields.items():
        parts = []
        for as_of in AS_OF:
            part = pd.DataFrame({name: feature_value(name, rng, clients) for name in names})
            if "as_of_epoch" in part:
                part["as_of_epoch"] = float(as_of.replace(tzinfo=UTC).timestamp())
            if "has_valid_assessment" in part and "risk_level_code" in part:
                part["has_valid_assessment"] *= (part["risk_level_code"] > 0).astype(float)
            part.insert(0, "client_id", ids)
            part.insert(1, "as_of_date", as_of.date())
            part.insert(2, timestamp_field, as_of)
            parts.append(part)
        frames[path] = pd.concat(parts, ignore_index=True)
    return frames


def training_frame(feature_names: list[str], rows_per_date: int = 300, seed: int = 12) -> pd.DataFrame:
    """Synthetic labelled rows with the served model's feature names; the label follows the first two
    and the days since the last login at request time, which a live login resets to zero: a pushed
    event moves the next score."""
    rng = np.random.default_rng(seed)
    n = rows_per_date * len(AS_OF)
    frame = pd.DataFrame({name: feature_value(name, rng, n) for name in feature_names})
    inactive = frame[INACTIVITY] - frame[INACTIVITY].mean()
    logit = -1.5 + 0.3 * frame[feature_names[0]] - 0.3 * frame[feature_names[1]] + 0.3 * inactive
    frame[CHURN.label] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame["client_id"] = [client_id(i % rows_per_date + 1) for i in range(n)]
    frame[TIMESTAMP] = pd.to_datetime(np.repeat(AS_OF, rows_per_date), utc=True)
    return frame


@pytest.fixture(scope="session")
def serving_state() -> ServingState:
    home = Path(os.environ["WEALTHPULSE_HOME"])
    for folder in ("marts", "feast", "bentoml"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    for path, frame in source_frames().items():
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    store = open_store()
    apply_repo(store)
    store.materialize(start_date=AS_OF[0] - timedelta(days=1), end_date=AS_OF[-1] + timedelta(days=1))

    feature_names = service_features(store, CHURN.feature_service)
    config = dataclasses.replace(CHURN, num_boost_round=40, early_stopping_rounds=10)
    booster = train(time_split(training_frame(feature_names), config), feature_names, config)
    tag = register(
        "churn",
        export_onnx(booster, name="churn"),
        metadata={"feature_names": feature_names, "feature_service": CHURN.feature_service},
        labels={"stage": "champion"},
        files={LIGHTGBM_FILE: booster.model_to_string().encode()},
    )
    os.environ.setdefault(API_KEY_ENV, secrets.token_urlsafe(32))
    return ServingState(
        home=home,
        api_key=os.environ[API_KEY_ENV],
        known_clients=[client_id(i + 1) for i in range(CLIENTS)],
        model_tag=tag,
    )
