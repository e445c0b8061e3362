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

from orchestration.defs.warehouse.freshness import SourceFreshness, freshness_arguments, read_freshness
from orchestration.defs.warehouse.project import dbt_project
from orchestration.defs.warehouse.refresh import BuildRecord, full_refresh_reason, now, record_build
from orchestration.partitions import AS_OF_DAYS, LANDING_DAYS, register_days
from orchestration.resources import PlatformResource
from wealthpulse.settings import ensure_dirs
from wealthpulse.spark import check_spark, collect_exports


class WarehouseTranslator(DagsterDbtTranslator):
    """All dbt models live in the warehouse group; sources map to landing assets via meta."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return "warehouse"


# What the last successful build covered, beside the warehouse (see refresh.py).
BUILD_RECORD = "last_build.json"

translator = WarehouseTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def landing_freshness(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, business_date: str | None = None
) -> Iterator[dg.AssetObservation]:
    """`dbt source freshness` over the landing sources, one observation per landing table, judged against
    `business_date` when given (else the newest landing partition, which dbt finds itself).

    A table past its error threshold stops the build: features computed on a stale export would be
    served as today's. Warnings are logged and recorded on the landing asset.
    """
    invocation = dbt.cli(freshness_arguments(business_date), raise_on_error=False).wait()
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


def build_mode(context: dg.AssetExecutionContext, settings) -> list[str]:
    """The `dbt build` arguments for the run's landing days: a full refresh when the state demands one,
    a rebuild from the range's first day when it starts at or before a day already built (a backfill),
    else the plain incremental build of the new days."""
    record_path = settings.warehouse_path.parent / BUILD_RECORD
    reason = full_refresh_reason(settings.landing_dir, record_path, settings.dbt_project_dir)
    if reason:
        context.log.info(f"full refresh: {reason}")
        return ["--full-refresh"]
    first = context.partition_key_range.start
    record = BuildRecord.read(record_path)
    if record is not None and first <= record.newest_partition:
        context.log.info(f"rebuilding every day from {first} on (built up to {record.newest_partition})")
        return ["--vars", json.dumps({"rebuild_from": first})]
    context.log.info("incremental build: only landing days after the last build are new")
    return []


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    partitions_def=LANDING_DAYS,
    # A range of landing days is one dbt build: the incremental models rebuild from its first day.
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, platform: PlatformResource):
    """Source freshness, then `dbt build` of the run's landing days: staging views, intermediate and mart
    tables, the marts' parquet exports, tests."""
    settings = ensure_dirs(platform.settings)  # dbt writes into the warehouse and marts folders
    if settings.engine == "spark":
        check_spark(settings)  # no Java or no master: say so, before dbt starts a JVM
    # On Spark, finding the newest landing partition costs a scan of every landing table per table checked;
    # the run's newest landing day is that date. DuckDB finds it from file names, and keeps its parse
    # (new --vars make dbt parse the project again).
    business_date = context.partition_key_range.end if settings.engine == "spark" else None
    yield from landing_freshness(context, dbt, business_date)
    started = now()
    mode = build_mode(context, settings)
    events = dbt.cli(["build", *mode], context=context).stream()
    # Row counts are queried from this process while dbt runs: on Spark that would be a second driver
    # on the Derby metastore, which admits one.
    yield from (events if settings.engine == "spark" else events.fetch_row_counts())
    if settings.engine == "spark":
        for file in collect_exports(settings):  # the same marts/<name>.parquet files as on DuckDB
            context.log.info(f"exported {file.name}")
    record_build(settings.landing_dir, settings.warehouse_path.parent / BUILD_RECORD, settings.dbt_project_dir, started)
    suitability = settings.marts_dir / "client_suitability.parquet"
    if suitability.exists():
        days = pd.read_parquet(suitability, columns=["as_of_date"])["as_of_date"].drop_duplicates()
        new = register_days(context.instance, AS_OF_DAYS, [pd.Timestamp(d).date().isoformat() for d in days])
        if new:
            context.log.info(f"{len(new)} new as-of day partition(s): {new[0]} .. {new[-1]}")


defs = dg.Definitions(assets=[warehouse_models])
