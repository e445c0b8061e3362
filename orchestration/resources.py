"""Typed resources, all built from the one settings object."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
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
        return ensure_dirs(Settings(home=Path(self.home), preset=self.preset, seed=self.seed))


class WarehouseResource(dg.ConfigurableResource):
    """Read-only queries against the DuckDB warehouse that dbt builds."""

    path: str

    def query(self, sql: str) -> pd.DataFrame:
        with duckdb.connect(self.path, read_only=True) as connection:
            return connection.execute(sql).df()


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
        "warehouse": WarehouseResource(path=str(settings.warehouse_path)),
        "feast": FeastResource(repo_dir=str(settings.feature_repo_dir)),
        "dbt": DbtCliResource(project_dir=dbt_project),
    }
