"""Where the platform keeps its state, read once from the environment.

Every layer finds its files through :class:`Settings`, so one variable,
``WEALTHPULSE_HOME``, moves the whole platform (landing files, warehouse, Feast
registry and online store, Dagster instance, BentoML model store).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Telemetry off everywhere: the platform runs offline and sends nothing out.
TELEMETRY_OFF = {
    "FEAST_USAGE": "False",
    "BENTOML_DO_NOT_TRACK": "True",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
}


@dataclass(frozen=True)
class Settings:
    home: Path
    preset: str = "demo"
    seed: int = 7

    @property
    def landing_dir(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse" / "wealthpulse.duckdb"

    @property
    def serving_db_path(self) -> Path:
        """Tables the serving layer writes (the lead list): beside the warehouse, not inside it, so a
        lead backfill never waits for the lock a running dbt build holds on the warehouse."""
        return self.home / "warehouse" / "serving.duckdb"

    @property
    def marts_dir(self) -> Path:
        return self.home / "marts"

    @property
    def feast_dir(self) -> Path:
        return self.home / "feast"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def bentoml_home(self) -> Path:
        return Path(os.environ.get("BENTOML_HOME") or self.home / "bentoml")

    @property
    def artifacts_dir(self) -> Path:
        """Training sets and model files between training and registration."""
        return self.home / "artifacts"

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt_project"

    @property
    def feature_repo_dir(self) -> Path:
        return PROJECT_ROOT / "features"


DAGSTER_YAML = """\
# The local Dagster instance of this state directory.
telemetry:
  enabled: false
"""


def ensure_dirs(settings: Settings) -> Settings:
    """Create the state directory layout (tools expect their parent folders to exist)."""
    for folder in (
        settings.landing_dir,
        settings.warehouse_path.parent,
        settings.marts_dir,
        settings.feast_dir,
        settings.dagster_home,
        settings.bentoml_home,
        settings.artifacts_dir,
    ):
        folder.mkdir(parents=True, exist_ok=True)
    instance_yaml = settings.dagster_home / "dagster.yaml"
    if not instance_yaml.exists():
        instance_yaml.write_text(DAGSTER_YAML)
    return settings


def load_settings() -> Settings:
    """Read the settings and export the environment the tools read for themselves.

    dbt's profile, Feast's ``feature_store.yaml`` and BentoML all read environment
    variables, so the resolved home is written back as an absolute path.
    """
    home = Path(os.environ.get("WEALTHPULSE_HOME") or PROJECT_ROOT / ".wealthpulse").resolve()
    settings = Settings(
        home=home,
        preset=os.environ.get("WEALTHPULSE_PRESET", "demo"),
        seed=int(os.environ.get("WEALTHPULSE_SEED", "7")),
    )
    for key, value in TELEMETRY_OFF.items():
        os.environ.setdefault(key, value)
    os.environ["WEALTHPULSE_HOME"] = str(home)
    # dbt, dagster and bentoml are called as commands: use the ones installed beside this Python.
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = tools + os.pathsep + os.environ.get("PATH", "")
    os.environ.setdefault("BENTOML_HOME", str(settings.bentoml_home))
    os.environ.setdefault("DAGSTER_HOME", str(settings.dagster_home))
    return settings
