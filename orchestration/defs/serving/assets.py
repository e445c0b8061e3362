"""Serving outputs people act on: the daily lead list and its conversion feedback."""

from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from models.training import TIMESTAMP, training_frame
from orchestration.defs.serving.lead_table import TABLE, write_lead_day
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.partitions import AS_OF_DAYS
from orchestration.resources import FeastResource, MartsResource, PlatformResource
from orchestration.retries import retry_when_transient
from serving.batch import intent_scores
from serving.lead_rules import DEFAULT_RULES, POOL
from serving.leads import build_leads, campaign_exclusions, conversion_by_decile
from serving.served_models import INTENT_HEADS, load_served

MARTS = [
    get_asset_key_for_model([warehouse_models], name)
    for name in ("mart_products", "mart_client_suitability", "mart_campaign_outcomes", "mart_client_features")
]
INTENT_REGISTERED = dg.AssetKey(["models", "intent_registered"])


def _lead_folder(platform: PlatformResource, day: date) -> Path:
    return platform.settings.home / "leads" / f"dt={day.isoformat()}"


def _build_day(context, platform, store, marts, suitability: pd.DataFrame, heads: dict, day: date) -> dict:
    """One day's leads: parquet, then the warehouse table; returns the day's figures."""
    clients = suitability[suitability["as_of_date"] == day]
    entity = clients[["client_id"]].assign(**{TIMESTAMP: pd.Timestamp(day, tz="UTC")})
    scores = intent_scores(training_frame(store, "intent_v1", entity), heads)
    contacts = marts.read("campaign_outcomes", columns=["client_id", "need", "contacted_on", "campaign_ends_on"])
    exclusions = campaign_exclusions(contacts, day)
    leads = build_leads(
        scores,
        clients.rename(columns={"allowed_risk_rating_code": "allowed_rating"})[
            ["client_id", "advisor_id", "value_tier", "allowed_rating", "needs_reassessment"]
        ],
        marts.read("products"),
        day,
        do_not_contact=set(clients.loc[clients["is_do_not_contact"], "client_id"]),
        contacts=contacts,
        exclusions=exclusions,
        rules=DEFAULT_RULES,
    )
    folder = _lead_folder(platform, day)
    folder.mkdir(parents=True, exist_ok=True)
    leads.to_parquet(folder / "leads.tmp", index=False)
    (folder / "leads.tmp").replace(folder / "leads.parquet")
    with retry_when_transient():  # e.g. the table locked by another run
        table_rows = write_lead_day(platform.settings.serving_db_path, day, leads)
    per_advisor = leads[leads["assignment"] == "advisor"].groupby("advisor_id").size()
    context.log.info(
        f"{len(leads)} leads for {day}: {len(per_advisor)} advisors; "
        f"{len(exclusions)} client-need pairs left to running campaigns"
    )
    return {
        "date": day.isoformat(),
        "rows": len(leads),
        "table_rows": table_rows,
        "campaign_exclusions": len(exclusions),
        "leads_to_advisors": int((leads["assignment"] == "advisor").sum()),
        "leads_to_pool": int((leads["assignment"] == POOL).sum()),
        "deferred_over_capacity": int((leads["assignment"] == "deferred").sum()),
        "advisors_at_capacity": int((per_advisor >= DEFAULT_RULES.capacity_per_advisor).sum()),
        "by_need": leads.groupby("need").size().rename("leads").to_frame(),
        "path": folder / "leads.parquet",
    }


@dg.asset(
    key=["serving", "lead_list"],
    deps=[*MARTS, INTENT_REGISTERED, dg.AssetKey(["features", "feast_registry"])],
    partitions_def=AS_OF_DAYS,
    # A range of days is one run: the features, marts and models are loaded once for all of them.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="serving",
    kinds={"parquet", "duckdb"},
    owners=["team:wealth-management"],
    description=(
        "The day's leads: each client's needs by expected value (probability x value for the tier), suitable "
        "products only, no do-not-contact, a cool-down after contacts, none a running campaign owns, capped per "
        f"advisor, unassigned to the pool. Parquet per day and the table {TABLE} of warehouse/serving.duckdb. "
        "A past as-of day is rebuilt from that day's features and suitability, scored by today's champion."
    ),
)
def lead_list(
    context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource, marts: MartsResource
) -> dg.MaterializeResult:
    suitability = marts.read("client_suitability")
    suitability["as_of_date"] = pd.to_datetime(suitability["as_of_date"]).dt.date
    days = sorted(date.fromisoformat(key) for key in context.partition_keys)
    unknown = sorted(set(days) - set(suitability["as_of_date"]))
    if unknown:
        raise dg.Failure(
            f"no warehouse snapshot for {', '.join(map(str, unknown))}: leads need that day's suitability. "
            "History is kept weekly, so a day that was the newest one is retired when the next day lands "
            "(its leads already built stay in leads/ and the table). Pick as-of days the warehouse still has."
        )
    heads = {name: model for name in INTENT_HEADS if (model := load_served(name)) is not None}
    if not heads:
        raise dg.Failure("no intent champion in the model store: materialize models/intent_registered first")
    store = feast.store()
    built = [_build_day(context, platform, store, marts, suitability, heads, day) for day in days]
    last = built[-1]
    return dg.MaterializeResult(
        metadata={
            "date": last["date"],
            "days": dg.MetadataValue.int(len(built)),
            "rows": dg.MetadataValue.int(sum(b["rows"] for b in built)),
            "campaign_exclusions": dg.MetadataValue.int(last["campaign_exclusions"]),
            "leads_to_advisors": dg.MetadataValue.int(last["leads_to_advisors"]),
            "leads_to_pool": dg.MetadataValue.int(last["leads_to_pool"]),
            "deferred_over_capacity": dg.MetadataValue.int(last["deferred_over_capacity"]),
            "advisors_at_capacity": dg.MetadataValue.int(last["advisors_at_capacity"]),
            "by_need": dg.MetadataValue.md(last["by_need"].to_markdown()),
            "per_day": dg.MetadataValue.md(
                pd.DataFrame([{k: b[k] for k in ("date", "rows", "leads_to_advisors")} for b in built]).to_markdown(
                    index=False
                )
            ),
            "path": dg.MetadataValue.path(str(last["path"])),
            "table": dg.MetadataValue.text(f"{TABLE} ({last['table_rows']} rows on {last['date']})"),
        }
    )


@dg.asset_check(
    asset=lead_list,
    name="suitability",
    blocking=True,
    description="No lead offers a product rated above the client's allowed rating.",
)
def lead_suitability(
    context: dg.AssetCheckExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.AssetCheckResult:
    clients = marts.read("client_suitability")
    clients["as_of_date"] = pd.to_datetime(clients["as_of_date"]).dt.date
    rating = marts.read("products").set_index("product_id")["risk_rating_code"]
    offers, unsuitable = 0, 0
    for day in _checked_days(context, clients):
        leads = pd.read_parquet(_lead_folder(platform, day) / "leads.parquet")
        allowed = clients[clients["as_of_date"] == day].set_index("client_id")["allowed_risk_rating_code"]
        offered = leads[["client_id", "product_ids"]].explode("product_ids").dropna()
        offers += len(offered)
        unsuitable += int((offered["product_ids"].map(rating) > offered["client_id"].map(allowed)).sum())
    return dg.AssetCheckResult(
        passed=unsuitable == 0,
        metadata={"offers": dg.MetadataValue.int(offers), "unsuitable": dg.MetadataValue.int(unsuitable)},
    )


def _checked_days(context: dg.AssetCheckExecutionContext, suitability: pd.DataFrame) -> list[date]:
    """The days the run built (its partitions), else the newest as-of day."""
    tags = context.run.tags
    first = tags.get("dagster/asset_partition_range_start") or tags.get("dagster/partition")
    last = tags.get("dagster/asset_partition_range_end") or first
    # Partition keys are ISO dates: their order as text is their order in time.
    keys = [k for k in context.instance.get_dynamic_partitions(AS_OF_DAYS.name) if first and first <= k <= last]
    return [date.fromisoformat(k) for k in keys] or [max(suitability["as_of_date"])]


@dg.asset_check(
    asset=lead_list,
    name="table_reconciles",
    blocking=True,
    description=f"The days' rows in {TABLE} are the days' parquet files, lead for lead, with no lead twice.",
)
def lead_table_reconciles(
    context: dg.AssetCheckExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.AssetCheckResult:
    suitability = marts.read("client_suitability", columns=["as_of_date"])
    days = _checked_days(context, suitability.assign(as_of_date=pd.to_datetime(suitability["as_of_date"]).dt.date))
    in_file = pd.concat(
        [pd.read_parquet(_lead_folder(platform, day) / "leads.parquet", columns=["lead_id"]) for day in days]
    )["lead_id"]
    with duckdb.connect(str(platform.settings.serving_db_path), read_only=True) as con:
        in_table = con.execute(f"select lead_id from {TABLE} where lead_date in (select unnest(?))", [days]).df()[
            "lead_id"
        ]
    missing, extra = set(in_file) - set(in_table), set(in_table) - set(in_file)
    return dg.AssetCheckResult(
        passed=not missing and not extra and in_table.is_unique,
        metadata={
            "file_rows": dg.MetadataValue.int(len(in_file)),
            "table_rows": dg.MetadataValue.int(len(in_table)),
            "missing_from_table": dg.MetadataValue.int(len(missing)),
            "extra_in_table": dg.MetadataValue.int(len(extra)),
        },
    )


@dg.asset(
    key=["serving", "lead_conversion"],
    deps=[lead_list],
    group_name="serving",
    kinds={"pandas"},
    owners=["team:wealth-management"],
    description="Conversion of past campaign contacts by intent-score decile, and the lift over the base rate.",
)
def lead_conversion(feast: FeastResource, marts: MartsResource) -> dg.MaterializeResult:
    outcomes = marts.read("campaign_outcomes")
    heads = {name: model for name in INTENT_HEADS if (model := load_served(name)) is not None}
    # Score each contact with the features known the day before it (point in time).
    entity = outcomes[["client_id"]].assign(
        **{TIMESTAMP: pd.to_datetime(outcomes["contacted_on"]).dt.tz_localize("UTC") - pd.Timedelta(days=1)}
    )
    features = training_frame(feast.store(), "intent_v1", entity.drop_duplicates())
    scores = intent_scores(features, heads).drop_duplicates(["client_id", "need"], keep="last")
    table = conversion_by_decile(scores, outcomes[["client_id", "need", "is_converted"]])
    top_lift = float(table.loc[table["decile"] == 10, "lift"].iloc[0]) if len(table) else float("nan")
    return dg.MaterializeResult(
        metadata={
            "contacts": dg.MetadataValue.int(len(outcomes)),
            "base_conversion": dg.MetadataValue.float(float(outcomes["is_converted"].mean()) if len(outcomes) else 0.0),
            "top_decile_lift": dg.MetadataValue.float(top_lift),
            "by_decile": dg.MetadataValue.md(table.to_markdown(index=False)),
        }
    )


defs = dg.Definitions(assets=[lead_list, lead_conversion], asset_checks=[lead_suitability, lead_table_reconciles])
