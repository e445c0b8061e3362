"""Feast: apply the feature repo, materialize the latest features to the online store."""

from datetime import timedelta

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from features.store import apply_repo
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.resources import FeastResource, MartsResource

CLIENT_FEATURES = get_asset_key_for_model([warehouse_models], "mart_client_features")


@dg.asset(
    key=["features", "feast_registry"],
    deps=[CLIENT_FEATURES],
    group_name="features",
    kinds={"feast"},
    owners=["team:data-platform"],
    description="`feast apply`: entity, sources, feature views and services in the registry.",
)
def feast_registry(feast: FeastResource) -> dg.MaterializeResult:
    store = feast.store()
    contents = apply_repo(store)
    return dg.MaterializeResult(
        metadata={
            "entities": [e.name for e in contents.entities],
            "feature_views": [v.name for v in contents.feature_views],
            "feature_services": [s.name for s in contents.feature_services],
            "features": dg.MetadataValue.int(sum(len(v.features) for v in contents.feature_views)),
        }
    )


@dg.asset(
    key=["features", "online_store"],
    deps=[feast_registry],
    group_name="features",
    kinds={"feast", "sqlite"},
    owners=["team:data-platform"],
    description="The latest feature row of every client, materialized to the online store.",
)
def online_store(context: dg.AssetExecutionContext, feast: FeastResource, marts: MartsResource) -> dg.MaterializeResult:
    as_of = pd.to_datetime(marts.read("client_features", columns=["as_of_date"])["as_of_date"])
    latest = as_of.max()
    end = latest.tz_localize("UTC") + timedelta(days=1)
    store = feast.store()
    view = store.get_feature_view("client_activity")
    start = end - view.ttl
    context.log.info(f"materializing {view.name} for {start.date()} .. {end.date()}")
    # An explicit window makes a re-run rewrite the same rows rather than skip or add.
    store.materialize(start_date=start.to_pydatetime(), end_date=end.to_pydatetime(), feature_views=[view.name])
    return dg.MaterializeResult(
        metadata={
            "as_of_date": str(latest.date()),
            "clients": dg.MetadataValue.int(int((as_of == latest).sum())),
        }
    )


defs = dg.Definitions(assets=[feast_registry, online_store])
