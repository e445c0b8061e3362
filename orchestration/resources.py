"""Typed resources, all built from the one settings object."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
from feast import FeatureStore

from features.store import open_store
from wealthpulse.settings import Settings, ensure_dirs, load_settings


class PlatformResource(dg.ConfigurableResource):
    """Where the state lives and which brokerage to simulate."""

    home: str
    preset: str
    seed: int

    @property
    def settings(self) -> Settings:
        return Settings(home=Path(self.home), preset=self.preset, seed=self.seed)


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
    repo_dir: str

    def store(self) -> FeatureStore:
        return open_store(Path(self.repo_dir))


def build_resources(settings: Settings | None = None) -> dict[str, dg.ConfigurableResource]:
    from dagster_dbt import DbtCliResource

    from orchestration.defs.warehouse.project import dbt_project

    settings = ensure_dirs(settings or load_settings())
    return {
        "platform": PlatformResource(home=str(settings.home), preset=settings.preset, seed=settings.seed),
        "marts": MartsResource(path=str(settings.marts_dir)),
        "feast": FeastResource(repo_dir=str(settings.feature_repo_dir)),
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
