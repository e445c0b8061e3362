"""Feast: apply the feature repo, materialize the latest features to the online store, watch drift."""

from datetime import timedelta

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from features.drift import PSI_MAJOR, PSI_MODERATE, drift_on_latest_date
from features.store import apply_repo
from features.views import BATCH_VIEWS, CLIENT_FEATURES_MART_COLUMNS, client_live_events, client_market
from models.config import active_configs
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.partitions import LANDING_DAYS
from orchestration.resources import FeastResource, MartsResource
from orchestration.retries import retry_when_transient

SHARED_BY_DAY = ["as_of_epoch", *(field.name for field in client_market.schema)]

MODEL_SERVICES = tuple(config.feature_service for config in active_configs())
FEATURE_MARTS = [
    get_asset_key_for_model([warehouse_models], name)
    for name in ("mart_client_features", "mart_client_tags_wide", "mart_client_tiers", "mart_client_daily_events")
]


@dg.asset(
    key=["features", "feast_registry"],
    deps=FEATURE_MARTS,
    group_name="features",
    kinds={"feast"},
    owners=["team:data-platform"],
    description="`feast apply`: entity, sources, feature views, on-demand view and services in the registry.",
)
def feast_registry(feast: FeastResource) -> dg.MaterializeResult:
    with retry_when_transient():  # the registry or online store locked by a reader
        contents = apply_repo(feast.store())
    return dg.MaterializeResult(
        metadata={
            "feature_views": [v.name for v in contents.feature_views],
            "on_demand_feature_views": [v.name for v in contents.on_demand_feature_views],
            "feature_services": [s.name for s in contents.feature_services],
            "features": dg.MetadataValue.int(sum(len(v.features) for v in contents.feature_views)),
        }
    )


@dg.asset(
    key=["features", "online_store"],
    deps=[feast_registry],
    partitions_def=LANDING_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="features",
    kinds={"feast", "sqlite"},
    owners=["team:data-platform"],
    description=(
        "The newest day's row of every feature view for every client, materialized to the online store. A run "
        "whose days end before the newest as-of day writes nothing: the online store serves today, and past "
        "days are read point in time from the offline store (writing them would replace newer values)."
    ),
)
def online_store(context: dg.AssetExecutionContext, feast: FeastResource, marts: MartsResource) -> dg.MaterializeResult:
    as_of = pd.to_datetime(marts.read("client_features", columns=["as_of_date"])["as_of_date"])
    latest = as_of.max()
    last_day = context.partition_key_range.end
    if last_day < str(latest.date()):
        context.log.info(
            f"{last_day} is before the newest as-of day {latest.date()}: the online store is left as it is"
        )
        return dg.MaterializeResult(metadata={"as_of_date": str(latest.date()), "written": False})
    end = latest.tz_localize("UTC") + timedelta(days=1)
    start = end - timedelta(days=1)
    store = feast.store()
    for view in [*BATCH_VIEWS, client_live_events]:
        context.log.info(f"materializing {view.name} for {start.date()}")
        # Only the newest day: every client has a row on it. An explicit window makes a re-run
        # rewrite the same rows rather than skip or add.
        with retry_when_transient():  # the online store locked by the scoring service
            store.materialize(start_date=start.to_pydatetime(), end_date=end.to_pydatetime(), feature_views=[view.name])
    return dg.MaterializeResult(
        metadata={
            "as_of_date": str(latest.date()),
            "written": True,
            "clients": dg.MetadataValue.int(int((as_of == latest).sum())),
            "feature_views": dg.MetadataValue.int(len(BATCH_VIEWS) + 1),
        }
    )


@dg.asset_check(
    asset=online_store,
    name="feature_drift",
    description=(
        f"Population stability index of every feature, latest day vs the history: above {PSI_MAJOR} fails "
        f"(warning), above {PSI_MODERATE} is reported as moderate."
    ),
)
def feature_drift_check(marts: MartsResource) -> dg.AssetCheckResult:
    # Every client shares the as-of time and the market on a day: a day of them has no population
    # to shift (the as-of time moves by construction, the market by its nature).
    features = [name for name in CLIENT_FEATURES_MART_COLUMNS if name not in SHARED_BY_DAY]
    drift = drift_on_latest_date(
        marts.read("client_features", ["as_of_date"])["as_of_date"],
        lambda feature: marts.read("client_features", [feature])[feature],
        features,
    )
    major = drift[drift["psi"] > PSI_MAJOR]
    return dg.AssetCheckResult(
        passed=major.empty,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(major)} features with a major shift" if len(major) else "no major shift",
        metadata={
            "max_psi": dg.MetadataValue.float(float(drift["psi"].max())),
            "moderate_or_major": dg.MetadataValue.int(int((drift["psi"] > PSI_MODERATE).sum())),
            "top_features": dg.MetadataValue.md(drift.head(10).to_markdown(index=False)),
        },
    )


@dg.asset_check(
    asset=feast_registry,
    name="services_resolve",
    blocking=True,
    description=(
        f"The registry holds a feature service per model ({', '.join(MODEL_SERVICES)}), and every feature a "
        "service names is a feature of its view."
    ),
)
def services_resolve(feast: FeastResource) -> dg.AssetCheckResult:
    store = feast.store()
    services = {service.name: service for service in store.list_feature_services()}
    views = {view.name: {f.name for f in view.features} for view in store.list_feature_views()}
    views |= {view.name: {f.name for f in view.features} for view in store.list_on_demand_feature_views()}
    problems = [f"no feature service {name}" for name in MODEL_SERVICES if name not in services]
    for service in services.values():
        for projection in service.feature_view_projections:
            unknown = {f.name for f in projection.features} - views.get(projection.name, set())
            if unknown:
                problems.append(f"{service.name}: {projection.name} lacks {sorted(unknown)}")
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "services": dg.MetadataValue.json(
                {name: sum(len(p.features) for p in s.feature_view_projections) for name, s in services.items()}
            ),
            "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
        },
    )


defs = dg.Definitions(assets=[feast_registry, online_store], asset_checks=[feature_drift_check, services_resolve])
