"""Every test session gets its own state directory, set before any layer is imported."""

import os
import tempfile
from pathlib import Path

_SESSION_HOME = Path(tempfile.mkdtemp(prefix="wealthpulse-test-"))
os.environ["WEALTHPULSE_HOME"] = str(_SESSION_HOME)
os.environ["BENTOML_HOME"] = str(_SESSION_HOME / "bentoml")
os.environ.setdefault("FEAST_USAGE", "False")
os.environ.setdefault("BENTOML_DO_NOT_TRACK", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
