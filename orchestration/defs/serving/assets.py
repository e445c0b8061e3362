"""Serving outputs people act on: the daily lead list and its conversion feedback."""

import dagster as dg
import duckdb
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from models.training import TIMESTAMP, training_frame
from orchestration.defs.serving.lead_table import TABLE, write_lead_day
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.resources import FeastResource, MartsResource, PlatformResource
from serving.batch import intent_scores
from serving.lead_rules import DEFAULT_RULES
from serving.leads import build_leads, campaign_exclusions, conversion_by_decile
from serving.served_models import INTENT_HEADS, load_served

MARTS = [
    get_asset_key_for_model([warehouse_models], name)
    for name in ("mart_products", "mart_client_suitability", "mart_campaign_outcomes", "mart_client_features")
]
INTENT_REGISTERED = dg.AssetKey(["models", "intent_registered"])


@dg.asset(
    key=["serving", "lead_list"],
    deps=[*MARTS, INTENT_REGISTERED, dg.AssetKey(["features", "feast_registry"])],
    group_name="serving",
    kinds={"parquet"},
    owners=["team:wealth-management"],
    description=(
        "Today's leads: each client's needs by expected value (probability x value for the tier), suitable "
        "products only, no do-not-contact, a cool-down after contacts, capped per advisor, unassigned to the pool."
    ),
)
def lead_list(
    context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource, marts: MartsResource
) -> dg.MaterializeResult:
    clients = marts.read("client_suitability")
    day = pd.Timestamp(clients["as_of_date"].max()).date()
    entity = clients[["client_id"]].assign(**{TIMESTAMP: pd.Timestamp(day, tz="UTC")})
    heads = {name: model for name in INTENT_HEADS if (model := load_served(name)) is not None}
    features = training_frame(feast.store(), "intent_v1", entity)
    scores = intent_scores(features, heads)
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
    folder = platform.settings.home / "leads" / f"dt={day.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    leads.to_parquet(folder / "leads.tmp", index=False)
    (folder / "leads.tmp").replace(folder / "leads.parquet")
    table_rows = write_lead_day(platform.settings.warehouse_path, day, leads)
    per_advisor = leads[leads["assignment"] == "advisor"].groupby("advisor_id").size()
    context.log.info(
        f"{len(leads)} leads for {day}: {len(per_advisor)} advisors; "
        f"{len(exclusions)} client-need pairs left to running campaigns"
    )
    return dg.MaterializeResult(
        metadata={
            "date": day.isoformat(),
            "rows": dg.MetadataValue.int(len(leads)),
            "campaign_exclusions": dg.MetadataValue.int(len(exclusions)),
            "leads_to_advisors": dg.MetadataValue.int(int((leads["assignment"] == "advisor").sum())),
            "leads_to_pool": dg.MetadataValue.int(int((leads["assignment"] == "pool").sum())),
            "deferred_over_capacity": dg.MetadataValue.int(int((leads["assignment"] == "deferred").sum())),
            "advisors_at_capacity": dg.MetadataValue.int(
                int((per_advisor >= DEFAULT_RULES.capacity_per_advisor).sum())
            ),
            "by_need": dg.MetadataValue.md(leads.groupby("need").size().rename("leads").to_frame().to_markdown()),
            "path": dg.MetadataValue.path(str(folder / "leads.parquet")),
            "table": dg.MetadataValue.text(f"{TABLE} ({table_rows} rows on {day})"),
        }
    )


@dg.asset_check(
    asset=lead_list,
    name="suitability",
    blocking=True,
    description="No lead offers a product rated above the client's allowed rating.",
)
def lead_suitability(platform: PlatformResource, marts: MartsResource) -> dg.AssetCheckResult:
    clients = marts.read("client_suitability")
    day = pd.Timestamp(clients["as_of_date"].max()).date()
    leads = pd.read_parquet(platform.settings.home / "leads" / f"dt={day.isoformat()}" / "leads.parquet")
    rating = marts.read("products").set_index("product_id")["risk_rating_code"]
    allowed = clients.set_index("client_id")["allowed_risk_rating_code"]
    offered = leads[["client_id", "product_ids"]].explode("product_ids").dropna()
    too_risky = offered[offered["product_ids"].map(rating) > offered["client_id"].map(allowed)]
    return dg.AssetCheckResult(
        passed=too_risky.empty,
        metadata={"offers": dg.MetadataValue.int(len(offered)), "unsuitable": dg.MetadataValue.int(len(too_risky))},
    )


@dg.asset_check(
    asset=lead_list,
    name="table_reconciles",
    blocking=True,
    description=f"The day's rows in {TABLE} are the day's parquet file, lead for lead, with no lead twice.",
)
def lead_table_reconciles(platform: PlatformResource, marts: MartsResource) -> dg.AssetCheckResult:
    day = pd.Timestamp(marts.read("client_suitability", columns=["as_of_date"])["as_of_date"].max()).date()
    in_file = pd.read_parquet(platform.settings.home / "leads" / f"dt={day.isoformat()}" / "leads.parquet")["lead_id"]
    with duckdb.connect(str(platform.settings.warehouse_path), read_only=True) as con:
        in_table = con.execute(f"select lead_id from {TABLE} where lead_date = ?", [day]).df()["lead_id"]
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
