from __future__ import annotations

import pytest

from simulator import Simulation, simulate

CI = dict(clients=2_000, days=180, seed=7)
# Calibration and signal statistics want more clients.
LARGE = dict(clients=6_000, days=200, seed=5)


@pytest.fixture(scope="session")
def ci() -> Simulation:
    return simulate(**CI)


@pytest.fixture(scope="session")
def large() -> Simulation:
    return simulate(**LARGE)
