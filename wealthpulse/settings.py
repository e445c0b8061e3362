"""The one settings object: every path under the state directory and every knob, validated once.

Built once, at an entry point (the command line, the Dagster code location, the scoring service),
from the environment and command-line overrides (:meth:`Settings.from_env`), then passed on: through
Dagster resources and the service's constructor. Loading settings changes nothing: the variables
dbt's profile, Feast's ``feature_store.yaml``, BentoML and Dagster read for themselves are written
in one place, explicitly, by :func:`export_tool_environment` (or handed to a child process as
``{**os.environ, **settings.tool_environment()}``).

One variable, ``WEALTHPULSE_HOME``, moves the whole platform (landing files, warehouse, Feast
registry and online store, Dagster instance, BentoML model store, scores, leads, segments, alerts).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The simulator's named sizes (simulator/presets.py); kept here because this package imports only the
# standard library and pydantic, and a test keeps the two lists equal.
PRESETS: tuple[str, ...] = ("ci", "small", "demo", "large", "bench")
# WEALTHPULSE_ENGINE: the engine the warehouse runs on: DuckDB in process, or Spark (local or a cluster).
ENGINES: tuple[str, ...] = ("duckdb", "spark")
ONLINE_STORES: tuple[str, ...] = ("sqlite", "redis")
# The variable the scoring API's bearer key is read from; the key itself is never part of the settings.
API_KEY_ENV = "WEALTHPULSE_API_KEY"
# DuckDB memory sizes as DuckDB reads them: 6GB, 512MB, 1.5GiB ...
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*([KMGT]i?B)$", re.IGNORECASE)
# Spark master URLs: local mode (local, local[4], local[*]), a standalone cluster, YARN or Kubernetes.
_SPARK_MASTER = re.compile(r"^(local(\[(\d+|\*)\])?|spark://[^\s:/]+:\d+|yarn|k8s://\S+)$")
# JVM sizes as Spark reads them: 4g, 512m, 8gb ...
_JVM_MEMORY = re.compile(r"^\d+[kmgt]b?$", re.IGNORECASE)

# Telemetry off everywhere: the platform runs offline and sends nothing out.
TELEMETRY_OFF = {
    "FEAST_USAGE": "False",
    "BENTOML_DO_NOT_TRACK": "True",
    "DAGSTER_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
}

# The environment variable of each setting (what an error names, and what a child process is given).
VARIABLES = {
    "home": "WEALTHPULSE_HOME",
    "preset": "WEALTHPULSE_PRESET",
    "seed": "WEALTHPULSE_SEED",
    "engine": "WEALTHPULSE_ENGINE",
    "spark_master": "WEALTHPULSE_SPARK_MASTER",
    "spark_driver_memory": "WEALTHPULSE_SPARK_DRIVER_MEMORY",
    "duckdb_memory": "WEALTHPULSE_DUCKDB_MEMORY",
    "online_store": "WEALTHPULSE_ONLINE_STORE",
    "redis_url": "WEALTHPULSE_REDIS_URL",
    "api_workers": "WEALTHPULSE_API_WORKERS",
    "training_rows": "WEALTHPULSE_TRAINING_ROWS",
    "bentoml_home": "BENTOML_HOME",
    "dagster_home": "DAGSTER_HOME",
}

DAGSTER_YAML = """\
# The local Dagster instance of this state directory.
telemetry:
  enabled: false
"""


class SettingsError(ValueError):
    """A setting with a value the platform cannot run with; the message names the variable."""


def _day(day: date) -> str:
    return f"dt={day.isoformat()}"


@dataclass(frozen=True)
class Settings:
    home: Path
    preset: str = "small"
    seed: int = 7
    engine: str = "duckdb"
    # Where Spark runs when the engine is spark: local mode with two cores, or a cluster's master URL.
    spark_master: str = "local[2]"
    # The Spark driver's heap (dbt's, Feast's and the platform's sessions). In local mode the executors
    # live in the driver too; Spark's own 1g default ran out in the ci preset's point-in-time read.
    spark_driver_memory: str = "4g"
    # A bound DuckDB keeps to, spilling to disk beyond it (dbt's profile reads it).
    duckdb_memory: str = "6GB"
    online_store: str = "sqlite"
    # host:port[,db=N] of the Redis online store (needed when online_store is redis).
    redis_url: str | None = None
    # Worker processes of the scoring service: one per core of a 2-core machine.
    api_workers: int = 2
    # Label rows each model trains on, as whole clients (models/budget.py): unset for each model's
    # measured default, "all", a count for every model, or per model ("intent=200000,churn=all").
    training_rows: str | None = None
    # Default to <home>/bentoml and <home>/dagster; their own variables move them on their own.
    bentoml_home: Path | None = None
    dagster_home: Path | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once, here
        set_(self, "home", Path(self.home).resolve())
        set_(self, "bentoml_home", Path(self.bentoml_home).resolve() if self.bentoml_home else self.home / "bentoml")
        set_(self, "dagster_home", Path(self.dagster_home).resolve() if self.dagster_home else self.home / "dagster")
        self._check_one_of("preset", PRESETS)
        self._check_one_of("engine", ENGINES)
        if not _SPARK_MASTER.match(self.spark_master):
            raise SettingsError(
                f"{VARIABLES['spark_master']}={self.spark_master!r}: expected local, local[N], local[*], "
                "spark://host:port, yarn or k8s://..."
            )
        if not _JVM_MEMORY.match(self.spark_driver_memory):
            raise SettingsError(
                f"{VARIABLES['spark_driver_memory']}={self.spark_driver_memory!r}: "
                "expected a JVM size such as 4g or 512m"
            )
        self._check_one_of("online_store", ONLINE_STORES)
        if self.online_store == "redis" and not self.redis_url:
            raise SettingsError(f"{VARIABLES['online_store']}=redis needs {VARIABLES['redis_url']} (host:port[,db=N])")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise SettingsError(f"{VARIABLES['seed']}={self.seed!r}: expected a whole number >= 0")
        if isinstance(self.api_workers, bool) or not isinstance(self.api_workers, int) or self.api_workers < 1:
            raise SettingsError(f"{VARIABLES['api_workers']}={self.api_workers!r}: expected a whole number >= 1")
        parse_training_rows(self.training_rows)
        if not _MEMORY.match(self.duckdb_memory):
            raise SettingsError(
                f"{VARIABLES['duckdb_memory']}={self.duckdb_memory!r}: expected a size such as 6GB, 512MB or 1.5GiB"
            )

    def _check_one_of(self, name: str, allowed: tuple[str, ...]) -> None:
        value = getattr(self, name)
        if value not in allowed:
            raise SettingsError(f"{VARIABLES[name]}={value!r}: expected one of {', '.join(allowed)}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """The settings from the environment, with command-line ``overrides`` (None means not given)."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, variable in VARIABLES.items():
            raw = environ.get(variable, "").strip()
            if raw:
                values[name] = raw
        for name in ("seed", "api_workers"):
            if name in values:
                values[name] = _whole_number(VARIABLES[name], str(values[name]))
        values.setdefault("home", PROJECT_ROOT / ".wealthpulse")
        unknown = sorted(set(overrides) - set(VARIABLES))
        if unknown:
            raise TypeError(f"unknown settings: {unknown}")
        values.update({name: value for name, value in overrides.items() if value is not None})
        return cls(**values)

    def as_config(self) -> dict[str, str | int | None]:
        """Plain values (paths as text): what a Dagster resource holds to rebuild these settings."""
        return {k: str(v) if isinstance(v, Path) else v for k, v in asdict(self).items()}

    # --- the environment the tools read for themselves -------------------------------------------

    def tool_environment(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        """Variables for the tools that read their own: dbt's profile (home, DuckDB memory), Feast's
        feature_store.yaml (home, Redis URL), BentoML and Dagster (their homes), telemetry off, and the
        commands installed beside this Python first on PATH. Every setting is included, so a child
        process (``dagster dev``, ``bentoml serve``) builds the same settings from it."""
        environ = os.environ if environ is None else environ
        variables = {**TELEMETRY_OFF}
        for item in fields(self):
            value = getattr(self, item.name)
            if value is not None:
                variables[VARIABLES[item.name]] = str(value)
        tools = str(Path(sys.executable).parent)
        path = environ.get("PATH", "")
        variables["PATH"] = path if tools in path.split(os.pathsep) else os.pathsep.join(filter(None, (tools, path)))
        if self.engine == "spark":
            # Spark binds its driver to the machine's first address unless told (an unroutable one
            # on some hosts), and its Python workers must run this interpreter, with its packages.
            variables["SPARK_LOCAL_IP"] = environ.get("SPARK_LOCAL_IP") or "127.0.0.1"
            variables["PYSPARK_PYTHON"] = sys.executable
        return variables

    # --- paths --------------------------------------------------------------------------------------

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
    def spark_dir(self) -> Path:
        """Spark's tables (its warehouse folder) and its embedded Derby metastore."""
        return self.home / "warehouse" / "spark"

    @property
    def marts_dir(self) -> Path:
        return self.home / "marts"

    @property
    def feast_dir(self) -> Path:
        return self.home / "feast"

    @property
    def artifacts_dir(self) -> Path:
        """Training sets and model files between training and registration."""
        return self.home / "artifacts"

    @property
    def learning_curve_dir(self) -> Path:
        """Each model's learning curve measured on this state (``benchmarks/learning_curve.py``): its
        figures and plot, which the model card shows."""
        return self.home / "learning_curves"

    @property
    def oracle_dir(self) -> Path:
        """The simulator's ground truth, which only the evaluation reads (never the models)."""
        return self.home / "oracle"

    @property
    def oracle_file(self) -> Path:
        return self.oracle_dir / "oracle.parquet"

    @property
    def quarantine_dir(self) -> Path:
        return self.home / "quarantine"

    @property
    def scores_dir(self) -> Path:
        return self.home / "scores"

    def scores_file(self, day: date) -> Path:
        """The batch scores of one as-of day."""
        return self.scores_dir / _day(day) / "scores.parquet"

    @property
    def leads_dir(self) -> Path:
        return self.home / "leads"

    def leads_file(self, day: date) -> Path:
        """The lead list of one day."""
        return self.leads_dir / _day(day) / "leads.parquet"

    @property
    def segments_dir(self) -> Path:
        return self.home / "segments"

    @property
    def audience_root(self) -> Path:
        return self.segments_dir / "audience"

    def audience_dir(self, day: date) -> Path:
        """The segment audience table of one as-of day."""
        return self.audience_root / _day(day)

    def membership_dir(self, day: date) -> Path:
        """The members of every catalog segment on one as-of day."""
        return self.segments_dir / "membership" / _day(day)

    @property
    def alerts_dir(self) -> Path:
        """What to do about each failed run: alerts/<run id>.md."""
        return self.home / "alerts"

    @property
    def dbt_project_dir(self) -> Path:
        return PROJECT_ROOT / "dbt_project"

    @property
    def feature_repo_dir(self) -> Path:
        return PROJECT_ROOT / "features"


def days_written(day_file: Callable[[date], Path]) -> list[date]:
    """The days, oldest first, whose file exists for a per-day file such as ``Settings.leads_file``."""
    sample = day_file(date(2000, 1, 1))
    found = sample.parent.parent.glob(f"dt=*/{sample.name}")
    return sorted(date.fromisoformat(path.parent.name.removeprefix("dt=")) for path in found)


def parse_training_rows(raw: str | None) -> dict[str | None, int | None]:
    """``WEALTHPULSE_TRAINING_ROWS``: ``all``, a row count for every model, or per model
    (``intent=200000,churn=all``); a bare count and per-model entries combine, a model's own entry
    winning. Model name (None: every model) -> rows (None: all rows); an error names the variable."""
    variable = VARIABLES["training_rows"]
    if raw is None or not raw.strip():
        return {}
    budgets: dict[str | None, int | None] = {}
    for entry in raw.split(","):
        name, _, value = entry.strip().rpartition("=")
        key = name.strip() or None
        value = value.strip()
        if key is not None and not key.isidentifier():
            raise SettingsError(f"{variable}={raw!r}: {key!r} is not a model name")
        if key in budgets:
            raise SettingsError(f"{variable}={raw!r}: {key or 'the count for every model'} is given twice")
        if value.lower() == "all":
            budgets[key] = None
        elif value.isdigit() and int(value) >= 1:
            budgets[key] = int(value)
        else:
            raise SettingsError(
                f"{variable}={raw!r}: expected 'all', a row count >= 1, or model=rows entries such as "
                "intent=200000,churn=all"
            )
    return budgets


def _whole_number(variable: str, raw: str) -> int:
    if not re.fullmatch(r"\d+", raw):
        raise SettingsError(f"{variable}={raw!r}: expected a whole number")
    return int(raw)


def export_tool_environment(settings: Settings) -> None:
    """Write ``settings.tool_environment()`` into this process's environment.

    Called once at each entry point that runs the tools in process (the command line, the Dagster
    code location), before dbt, Feast, BentoML or Dagster read their variables.
    """
    os.environ.update(settings.tool_environment())


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
