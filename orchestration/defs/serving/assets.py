"""Serving outputs people act on: the daily lead list and its conversion feedback."""

from datetime import date

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from models.training import TIMESTAMP, training_frame
from orchestration.defs.serving.day_tables import LEADS, days_in_table, replace_day
from orchestration.defs.serving.days import as_of_dates, checked_days, requested_days
from orchestration.defs.serving.scores import client_scores
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.partitions import AS_OF_DAYS
from orchestration.resources import FeastResource, MartsResource, PlatformResource
from orchestration.retries import retry_when_transient
from serving.batch import intent_of, intent_scores
from serving.lead_rules import DEFAULT_RULES, POOL
from serving.leads import build_leads, campaign_exclusions, conversion_by_decile
from serving.served_models import INTENT_HEADS, load_served

MARTS = [
    get_asset_key_for_model([warehouse_models], name)
    for name in ("mart_products", "mart_client_suitability", "mart_campaign_outcomes")
]
CONVERSION_FILE = "conversion_by_decile.parquet"


def _build_day(
    context, platform, suitability: pd.DataFrame, products: pd.DataFrame, contacts: pd.DataFrame, day: date
) -> dict:
    """One day's leads from that day's batch scores: parquet, then the serving table; returns the day's figures."""
    clients = suitability[suitability["as_of_date"] == day]
    path = platform.settings.scores_file(day)
    if not path.exists():
        raise dg.Failure(f"no batch scores for {day}: materialize serving/client_scores for that day first")
    scores = intent_of(pd.read_parquet(path))
    if scores.empty:
        raise dg.Failure(f"the scores of {day} hold no intent probability: the lead list needs the intent champions")
    exclusions = campaign_exclusions(contacts, day)
    leads = build_leads(
        scores,
        clients.rename(columns={"allowed_risk_rating_code": "allowed_rating"})[
            ["client_id", "advisor_id", "value_tier", "allowed_rating", "needs_reassessment"]
        ],
        products,
        day,
        do_not_contact=set(clients.loc[clients["is_do_not_contact"], "client_id"]),
        contacts=contacts,
        exclusions=exclusions,
        rules=DEFAULT_RULES,
    )
    file = platform.settings.leads_file(day)
    file.parent.mkdir(parents=True, exist_ok=True)
    leads.to_parquet(file.with_suffix(".tmp"), index=False)
    file.with_suffix(".tmp").replace(file)
    with retry_when_transient():  # e.g. the table locked by another run
        table_rows = replace_day(platform.settings.serving_db_path, LEADS, day, leads)
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
        "path": file,
    }


@dg.asset(
    key=["serving", "lead_list"],
    deps=[*MARTS, client_scores],
    partitions_def=AS_OF_DAYS,
    # A range of days is one run: the marts are read once for all of them.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="serving",
    kinds={"parquet", "duckdb"},
    owners=["team:wealth-management"],
    description=(
        "The day's leads: each client's needs by expected value (probability x value for the tier), suitable "
        "products only, no do-not-contact, a cool-down after contacts, none a running campaign owns, capped per "
        f"advisor, unassigned to the pool. Parquet per day and the table {LEADS[0]} of warehouse/serving.duckdb. "
        "A past as-of day is rebuilt from that day's batch scores and suitability."
    ),
)
def lead_list(
    context: dg.AssetExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.MaterializeResult:
    suitability = marts.read("client_suitability")
    suitability["as_of_date"] = as_of_dates(suitability)
    days = requested_days(context, suitability)
    # Read once for every day of the range; each day filters them by its own date.
    products = marts.read("products")
    contacts = marts.read("campaign_outcomes", columns=["client_id", "need", "contacted_on", "campaign_ends_on"])
    built = [_build_day(context, platform, suitability, products, contacts, day) for day in days]
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
            "table": dg.MetadataValue.text(f"{LEADS[0]} ({last['table_rows']} rows on {last['date']})"),
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
    clients["as_of_date"] = as_of_dates(clients)
    rating = marts.read("products").set_index("product_id")["risk_rating_code"]
    offers, unsuitable = 0, 0
    for day in checked_days(context, clients):
        leads = pd.read_parquet(platform.settings.leads_file(day))
        allowed = clients[clients["as_of_date"] == day].set_index("client_id")["allowed_risk_rating_code"]
        offered = leads[["client_id", "product_ids"]].explode("product_ids").dropna()
        offers += len(offered)
        unsuitable += int((offered["product_ids"].map(rating) > offered["client_id"].map(allowed)).sum())
    return dg.AssetCheckResult(
        passed=unsuitable == 0,
        metadata={"offers": dg.MetadataValue.int(offers), "unsuitable": dg.MetadataValue.int(unsuitable)},
    )


@dg.asset_check(
    asset=lead_list,
    name="table_reconciles",
    blocking=True,
    description=f"The days' rows in {LEADS[0]} are the days' parquet files, lead for lead, with no lead twice.",
)
def lead_table_reconciles(
    context: dg.AssetCheckExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.AssetCheckResult:
    days = checked_days(context, marts.read("client_suitability", columns=["as_of_date"]))
    files = [pd.read_parquet(platform.settings.leads_file(day), columns=["lead_id"]) for day in days]
    in_file = pd.concat(files)["lead_id"]
    in_table = days_in_table(platform.settings.serving_db_path, LEADS, days, "lead_id")
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
def lead_conversion(platform: PlatformResource, feast: FeastResource, marts: MartsResource) -> dg.MaterializeResult:
    outcomes = marts.read("campaign_outcomes")
    heads = {name: model for name in INTENT_HEADS if (model := load_served(name)) is not None}
    # Score each contact with the features known the day before it (point in time).
    entity = outcomes[["client_id"]].assign(
        **{TIMESTAMP: pd.to_datetime(outcomes["contacted_on"]).dt.tz_localize("UTC") - pd.Timedelta(days=1)}
    )
    features = training_frame(feast.store(), "intent_v1", entity.drop_duplicates())
    scores = intent_scores(features, heads).drop_duplicates(["client_id", "need"], keep="last")
    table = conversion_by_decile(scores, outcomes[["client_id", "need", "is_converted"]])
    path = platform.settings.leads_dir / CONVERSION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(path, index=False)
    top_lift = float(table.loc[table["decile"] == 10, "lift"].iloc[0]) if len(table) else float("nan")
    return dg.MaterializeResult(
        metadata={
            "contacts": dg.MetadataValue.int(len(outcomes)),
            "base_conversion": dg.MetadataValue.float(float(outcomes["is_converted"].mean()) if len(outcomes) else 0.0),
            "top_decile_lift": dg.MetadataValue.float(top_lift),
            "by_decile": dg.MetadataValue.md(table.to_markdown(index=False)),
            "path": dg.MetadataValue.path(str(path)),
        }
    )


MIN_TOP_DECILE_LIFT = 1.5


@dg.asset_check(
    asset=lead_conversion,
    name="scores_rank_conversions",
    description=(
        "The decile table is whole (each decile once, every lift its conversion over the base rate) and the "
        f"top intent-score decile converts at least {MIN_TOP_DECILE_LIFT}x the base rate (a warning: a model "
        "that no longer ranks who converts)."
    ),
)
def scores_rank_conversions(platform: PlatformResource) -> dg.AssetCheckResult:
    table = pd.read_parquet(platform.settings.leads_dir / CONVERSION_FILE)
    if table.empty:
        return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN, description="no contacts to rank")
    base = float((table["contacts"] * table["conversion"]).sum() / table["contacts"].sum())
    whole = table["decile"].is_unique and bool(((table["lift"] * base - table["conversion"]).abs() < 1e-9).all())
    top = float(table.loc[table["decile"] == table["decile"].max(), "lift"].iloc[0])
    return dg.AssetCheckResult(
        passed=whole and top >= MIN_TOP_DECILE_LIFT,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"top_decile_lift": dg.MetadataValue.float(top), "base_conversion": dg.MetadataValue.float(base)},
    )


defs = dg.Definitions(
    assets=[lead_list, lead_conversion],
    asset_checks=[lead_suitability, lead_table_reconciles, scores_rank_conversions],
)
