"""The warehouse: every dbt model an asset, every dbt test an asset check."""

import json
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
import pandas as pd
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)

from orchestration.defs.warehouse.freshness import SourceFreshness, read_freshness
from orchestration.defs.warehouse.project import dbt_project
from orchestration.defs.warehouse.refresh import full_refresh_reason, now, record_build
from orchestration.partitions import register_as_of_days
from orchestration.resources import PlatformResource
from wealthpulse.settings import ensure_dirs


class WarehouseTranslator(DagsterDbtTranslator):
    """All dbt models live in the warehouse group; sources map to landing assets via meta."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


# What the last successful build covered, beside the warehouse (see refresh.py).
BUILD_RECORD = "last_build.json"

translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def landing_freshness(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[dg.AssetObservation]:
    """`dbt source freshness` over the landing sources, one observation per landing table.

    A table past its error threshold stops the build: features computed on a stale export would be
    served as today's. Warnings are logged and recorded on the landing asset.
    """
    invocation = dbt.cli(["source", "freshness"], raise_on_error=False).wait()
    results = read_freshness(invocation.get_artifact("sources.json"))
    manifest = json.loads(dbt_project.manifest_path.read_text())
    keys = {source["name"]: translator.get_asset_key(source) for source in manifest["sources"].values()}
    for result in results:
        (context.log.warning if result.status != "pass" else context.log.info)(result.line())
        yield dg.AssetObservation(asset_key=keys[result.table], metadata=_freshness_metadata(result))
    stale = [result.line() for result in results if result.is_error]
    if stale:
        raise dg.Failure(description="landing exports are stale:\n" + "\n".join(stale))


def _freshness_metadata(result: SourceFreshness) -> dict[str, object]:
    return {
        "freshness": result.status,
        "newest_partition": result.newest_partition or "",
        "age_days": dg.MetadataValue.float(result.age_days if result.age_days is not None else float("nan")),
        "warn_after": result.warn_after,
        "error_after": result.error_after,
    }


@dbt_assets(manifest=dbt_project.manifest_path, project=dbt_project, dagster_dbt_translator=translator)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, platform: PlatformResource):
    """Source freshness, then `dbt build`: staging views, intermediate and mart tables, the marts'
    parquet exports, tests."""
    settings = ensure_dirs(platform.settings)  # dbt writes into the warehouse and marts folders
    yield from landing_freshness(context, dbt)
    record = settings.warehouse_path.parent / BUILD_RECORD
    started = now()
    reason = full_refresh_reason(settings.landing_dir, record, settings.dbt_project_dir)
    if reason:
        context.log.info(f"full refresh: {reason}")
    else:
        context.log.info("incremental build: only landing days after the last build are new")
    yield from dbt.cli(["build", *(["--full-refresh"] if reason else [])], context=context).stream().fetch_row_counts()
    record_build(settings.landing_dir, record, settings.dbt_project_dir, started)
    suitability = settings.marts_dir / "client_suitability.parquet"
    if suitability.exists():
        days = pd.read_parquet(suitability, columns=["as_of_date"])["as_of_date"].drop_duplicates()
        new = register_as_of_days(context.instance, [pd.Timestamp(d).date().isoformat() for d in days])
        if new:
            context.log.info(f"{len(new)} new as-of day partition(s): {new[0]} .. {new[-1]}")


defs = dg.Definitions(assets=[warehouse_models])
