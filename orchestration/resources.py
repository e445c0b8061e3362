"""Typed resources, all built from the one settings object."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from feast import FeatureStore

from features.store import open_store
from wealthpulse.settings import Settings, ensure_dirs


class PlatformResource(dg.ConfigurableResource):
    """The platform's settings (every path and knob), as plain values Dagster can show and check."""

    home: str
    preset: str
    seed: int
    # The rest default as Settings does (the tool homes to <home>/bentoml and <home>/dagster).
    engine: str = "duckdb"
    spark_master: str = "local[2]"
    spark_driver_memory: str = "4g"
    duckdb_memory: str = "6GB"
    online_store: str = "sqlite"
    redis_url: str | None = None
    api_workers: int = 2
    training_rows: str | None = None
    bentoml_home: str | None = None
    dagster_home: str | None = None

    @classmethod
    def of(cls, settings: Settings) -> PlatformResource:
        return cls(**settings.as_config())

    @property
    def settings(self) -> Settings:
        return Settings(**{name: getattr(self, name) for name in Settings.__dataclass_fields__})


class MartsResource(dg.ConfigurableResource):
    """The marts dbt exports as parquet: the handoff from the warehouse to Python.

    Reading the files, not the DuckDB database, keeps Python steps off the warehouse's
    connection (dbt holds it in the same process) and works the same on Spark or Trino.
    """

    path: str

    def read(self, mart: str, columns: list[str] | None = None) -> pd.DataFrame:
        file = Path(self.path) / f"{mart}.parquet"
        if not file.exists():
            raise FileNotFoundError(f"mart {mart!r} has not been exported yet: {file} is missing (run dbt build)")
        return pd.read_parquet(file, columns=columns)


class FeastResource(dg.ConfigurableResource):
    """The feature store of the platform's state (its registry, online store and marts)."""

    platform: PlatformResource

    def store(self) -> FeatureStore:
        return open_store(self.platform.settings)


def build_resources(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    from dagster_dbt import DbtCliResource

    from orchestration.defs.warehouse.project import dbt_project

    settings = ensure_dirs(settings)
    platform = PlatformResource.of(settings)
    return {
        "platform": platform,
        "marts": MartsResource(path=str(settings.marts_dir)),
        "feast": FeastResource(platform=platform),
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
