"""Every test session gets its own state directory, set before any layer is imported; tests that need
an installed program ask `require_program` for it."""

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
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


ROOT = Path(__file__).resolve().parents[1]
CI_API_KEY = "end-to-end-test-key"


def ci_env(home: Path) -> dict[str, str]:
    """The environment of a `wealthpulse` command on the ci preset with its state in ``home``."""
    env = {k: v for k, v in os.environ.items() if k not in {"DAGSTER_HOME", "BENTOML_HOME"}}
    env.update(WEALTHPULSE_HOME=str(home), WEALTHPULSE_PRESET="ci", WEALTHPULSE_SEED="7")
    env["WEALTHPULSE_API_KEY"] = CI_API_KEY
    return env


@dataclass(frozen=True)
class CiRun:
    """`make run` on the ci preset. ``home`` is the state the run wrote, which the end-to-end tests go on
    to change (events, a killed run, a backfill, a rebuild); ``pristine`` is a copy taken right after the
    run, for tests that copy a finished state and must not see those changes."""

    home: Path
    pristine: Path
    result: subprocess.CompletedProcess


@pytest.fixture(scope="session")
def ci_run(tmp_path_factory: pytest.TempPathFactory) -> CiRun:
    """The whole graph on the ci preset, once per test session: the slowest step of the suite, shared."""
    root = tmp_path_factory.mktemp("ci-run")
    home, pristine = root / "home", root / "pristine"
    result = subprocess.run(
        [sys.executable, "-m", "wealthpulse.cli", "run"],
        cwd=ROOT,
        env=ci_env(home),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}"
    shutil.copytree(home, pristine, symlinks=True)
    return CiRun(home, pristine, result)
