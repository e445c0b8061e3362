"""Every test session gets its own state directory, set before any layer is imported; tests that need
an installed program ask `require_program` for it."""

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="wealthpulse-test-"))
os.environ["WEALTHPULSE_HOME"] = str(_SESSION_HOME)
os.environ["BENTOML_HOME"] = str(_SESSION_HOME / "bentoml")
os.environ.setdefault("FEAST_USAGE", "False")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def under_ci() -> bool:
    """CI sets CI=true (.ci/run does too)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@pytest.fixture(scope="session")
def require_program():
    """`require_program(name, package)`: the path of a program a test needs, e.g. redis-server or java.

    Without it a test skips, saying what to install; under CI it fails instead, so a run cannot go
    green by skipping what it was meant to prove."""

    def find(name: str, package: str) -> str:
        path = shutil.which(name)
        if path is not None:
            return path
        message = f"{name} is not installed (apt-get install {package})"
        if under_ci():
            pytest.fail(f"{message}; CI runs every test, none may skip for a missing program", pytrace=False)
        pytest.skip(message)

    return find
