"""The warehouse: every dbt model an asset, every dbt test an asset check."""

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.defs.warehouse.project import dbt_project
from orchestration.resources import PlatformResource
from wealthpulse.settings import ensure_dirs


class WarehouseTranslator(DagsterDbtTranslator):
    """All dbt models live in the warehouse group; sources map to landing assets via meta."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, platform: PlatformResource):
    """`dbt build`: staging views, intermediate and mart tables, the marts' parquet exports, tests."""
    ensure_dirs(platform.settings)  # dbt writes into the warehouse and marts folders
    yield from dbt.cli(["build"], context=context).stream().fetch_row_counts()


defs = dg.Definitions(assets=[warehouse_models])
