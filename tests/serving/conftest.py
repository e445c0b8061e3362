"""A small real serving state: a features mart, the Feast online store and every champion the service
scores with (churn, tiering and the six intent heads), each trained on synthetic rows of its service.

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
from models.config import CHURN, INTENT, TIERING
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
    # The champion of each served model, by name.
    model_tags: dict[str, str]

    @property
    def model_tag(self) -> str:
        """The churn champion's tag."""
        return self.model_tags["churn"]


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


def training_frame(
    feature_names: list[str], label: str = CHURN.label, classes: int = 2, rows_per_date: int = 300, seed: int = 12
) -> pd.DataFrame:
    """Synthetic labelled rows with the served model's feature names; the label follows the first two
    and, where the model reads it, the days since the last login at request time, which a live login
    resets to zero: a pushed event moves the next score.

    Binary: 0/1. More classes: codes 1..classes by the quantile of the same score."""
    rng = np.random.default_rng(seed)
    n = rows_per_date * len(AS_OF)
    frame = pd.DataFrame({name: feature_value(name, rng, n) for name in feature_names})
    inactive = frame[INACTIVITY] - frame[INACTIVITY].mean() if INACTIVITY in frame else 0.0
    logit = -1.5 + 0.3 * frame[feature_names[0]] - 0.3 * frame[feature_names[1]] + 0.3 * inactive
    if classes == 2:
        frame[label] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    else:
        noisy = logit + rng.normal(scale=0.5, size=n)
        frame[label] = pd.qcut(noisy, classes, labels=False).astype(int) + 1
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

    tags = {}
    for config in (CHURN, INTENT, TIERING):
        feature_names = service_features(store, config.feature_service)
        config = dataclasses.replace(config, num_boost_round=40, early_stopping_rounds=10)
        for seed, (head, label) in enumerate(config.heads.items(), start=12):
            classes = len(config.classes) if config.task == "multiclass" else 2
            frame = training_frame(feature_names, label, classes, seed=seed)
            booster = train(time_split(frame, config), feature_names, config, label)
            tags[head] = register(
                head,
                export_onnx(booster, name=head),
                metadata={"feature_names": feature_names, "feature_service": config.feature_service},
                labels={"stage": "champion"},
                files={LIGHTGBM_FILE: booster.model_to_string().encode()},
            )
    os.environ.setdefault(API_KEY_ENV, secrets.token_urlsafe(32))
    return ServingState(
        home=home,
        api_key=os.environ[API_KEY_ENV],
        known_clients=[client_id(i + 1) for i in range(CLIENTS)],
        model_tags=tags,
    )
