"""Serving outputs people act on: the daily lead list and its conversion feedback."""

from datetime import date

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.serving.day_tables import LEADS, day_keys_in_table, replace_day
from orchestration.defs.serving.days import as_of_dates, checked_days, requested_days
from orchestration.defs.serving.lead_report import backtest_png, markdown_with_png
from orchestration.defs.serving.scores import client_scores
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.partitions import AS_OF_DAYS
from orchestration.resources import FeastResource, MartsResource, PlatformResource
from orchestration.retries import retry_when_transient
from serving.batch import intent_of
from serving.contact_scores import score_contacts
from serving.lead_feedback import (
    BACKTEST_LIFTS,
    backtest,
    choose_thresholds,
    conversion_by_decile,
    known_before,
    need_bands,
    outcome_known_on,
)
from serving.lead_rules import ADVISOR, DEFAULT_RULES, DEFERRED, POOL
from serving.leads import campaign_exclusions, day_figures, leads_from_marts, suitability_breaches
from wealthpulse.settings import Settings, days_written

MARTS = [
    get_asset_key_for_model([warehouse_models], name)
    for name in ("mart_products", "mart_client_suitability", "mart_campaign_outcomes")
]
CONVERSION_FILE = "conversion_by_decile.parquet"
CONTACT_SCORES_FILE = "contact_scores.parquet"


def previous_leads(settings: Settings, day: date) -> pd.DataFrame | None:
    """The lead list of the newest as-of day before `day` (its open leads carry over), if any was built."""
    before = max((d for d in days_written(settings.leads_file) if d < day), default=None)
    return None if before is None else pd.read_parquet(settings.leads_file(before))


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
    exclusions = campaign_exclusions(contacts, day)  # counted for the day's metadata
    leads = leads_from_marts(
        scores, clients, products, contacts, day, rules=DEFAULT_RULES, previous=previous_leads(platform.settings, day)
    )
    file = platform.settings.leads_file(day)
    file.parent.mkdir(parents=True, exist_ok=True)
    leads.to_parquet(file.with_suffix(".tmp"), index=False)
    file.with_suffix(".tmp").replace(file)
    with retry_when_transient():  # e.g. the table locked by another run
        table_rows = replace_day(platform.settings.serving_db_path, LEADS, day, leads)
    per_advisor = leads[leads["assignment"] == ADVISOR].groupby("advisor_id").size()
    by_need = day_figures(leads, len(clients))
    by_need.insert(0, "threshold", by_need.index.map(DEFAULT_RULES.thresholds))
    context.log.info(
        f"{len(leads)} leads for {day} ({len(leads) / max(len(clients), 1):.3f} a client): {len(per_advisor)} "
        f"advisors; {len(exclusions)} client-need pairs left to running campaigns"
    )
    return {
        "date": day.isoformat(),
        "clients": len(clients),
        "rows": len(leads),
        "table_rows": table_rows,
        "campaign_exclusions": len(exclusions),
        "leads_to_advisors": int((leads["assignment"] == ADVISOR).sum()),
        "leads_to_pool": int((leads["assignment"] == POOL).sum()),
        "deferred_over_capacity": int((leads["assignment"] == DEFERRED).sum()),
        "carried_over": int(by_need["carried_over"].sum()),
        "expected_conversions": float(by_need["expected_conversions"].sum()),
        "advisors_at_capacity": int((per_advisor >= DEFAULT_RULES.capacity_per_advisor).sum()),
        "by_need": by_need,
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
        "The day's leads: a client's need only where its probability reaches the need's threshold (chosen from "
        "the conversion of past campaign contacts), suitable products only, no do-not-contact, a cool-down after "
        "contacts, none a running campaign owns; the previous list's open leads carried over (one lead per client "
        "and need), all ranked by expected value (the need's value for the client's tier times the expected "
        "conversion of the score's band), capped per advisor (the rest deferred), unassigned to the pool. "
        f"Parquet per day and the table {LEADS[0]} of warehouse/serving.duckdb. A past as-of day is rebuilt from "
        "that day's batch scores and suitability."
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
    # Oldest first: each day's queue starts from the list of the day before it.
    built = [_build_day(context, platform, suitability, products, contacts, day) for day in days]
    last = built[-1]
    return dg.MaterializeResult(
        metadata={
            "date": last["date"],
            "days": dg.MetadataValue.int(len(built)),
            "rows": dg.MetadataValue.int(sum(b["rows"] for b in built)),
            "leads_per_client": dg.MetadataValue.float(last["rows"] / max(last["clients"], 1)),
            "expected_conversions": dg.MetadataValue.float(last["expected_conversions"]),
            "campaign_exclusions": dg.MetadataValue.int(last["campaign_exclusions"]),
            "leads_to_advisors": dg.MetadataValue.int(last["leads_to_advisors"]),
            "leads_to_pool": dg.MetadataValue.int(last["leads_to_pool"]),
            "deferred_over_capacity": dg.MetadataValue.int(last["deferred_over_capacity"]),
            "carried_over": dg.MetadataValue.int(last["carried_over"]),
            "advisors_at_capacity": dg.MetadataValue.int(last["advisors_at_capacity"]),
            "by_need": dg.MetadataValue.md(last["by_need"].to_markdown(floatfmt=".3f")),
            "per_day": dg.MetadataValue.md(
                pd.DataFrame(
                    [
                        {k: b[k] for k in ("date", "rows", "leads_to_advisors", "carried_over", "expected_conversions")}
                        for b in built
                    ]
                ).to_markdown(index=False, floatfmt=".1f")
            ),
            "path": dg.MetadataValue.path(str(last["path"])),
            "table": dg.MetadataValue.text(f"{LEADS[0]} ({last['table_rows']} rows on {last['date']})"),
        }
    )


@dg.asset_check(
    asset=lead_list,
    name="suitability",
    blocking=True,
    description=(
        "No lead offers a product rated above the client's allowed rating; a client or product the marts do not "
        "rate (missing, or a null code) fails the check, as does a lead with nothing to offer."
    ),
)
def lead_suitability(
    context: dg.AssetCheckExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.AssetCheckResult:
    clients = marts.read("client_suitability")
    clients["as_of_date"] = as_of_dates(clients)
    rating = marts.read("products").set_index("product_id")["risk_rating_code"]
    totals: dict[str, int] = {}
    for day in checked_days(context, clients):
        leads = pd.read_parquet(platform.settings.leads_file(day))
        allowed = clients[clients["as_of_date"] == day].set_index("client_id")["allowed_risk_rating_code"]
        for key, count in suitability_breaches(leads, allowed, rating).items():
            totals[key] = totals.get(key, 0) + count
    failing = {k: v for k, v in totals.items() if k != "offers" and v}
    return dg.AssetCheckResult(
        passed=not failing,
        description=None if not failing else "fails closed: " + ", ".join(f"{k} {v}" for k, v in failing.items()),
        metadata={key: dg.MetadataValue.int(count) for key, count in totals.items()},
    )


@dg.asset_check(
    asset=lead_list,
    name="table_reconciles",
    blocking=True,
    description=f"The days' rows in {LEADS[0]} are the days' parquet files, lead for lead, with no lead twice a day.",
)
def lead_table_reconciles(
    context: dg.AssetCheckExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.AssetCheckResult:
    days = checked_days(context, marts.read("client_suitability", columns=["as_of_date"]))
    # A lead carried over keeps its id, so it is unique per day, not over the days.
    in_file = pd.concat(
        [pd.read_parquet(platform.settings.leads_file(day), columns=["lead_id"]).assign(lead_date=day) for day in days]
    )
    file_keys = list(zip(in_file["lead_date"], in_file["lead_id"], strict=True))
    table_keys = day_keys_in_table(platform.settings.serving_db_path, LEADS, days, "lead_id")
    missing, extra = set(file_keys) - set(table_keys), set(table_keys) - set(file_keys)
    unique = len(set(table_keys)) == len(table_keys) and len(set(file_keys)) == len(file_keys)
    return dg.AssetCheckResult(
        passed=not missing and not extra and unique,
        metadata={
            "file_rows": dg.MetadataValue.int(len(file_keys)),
            "table_rows": dg.MetadataValue.int(len(table_keys)),
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
    description=(
        "Past campaign contacts scored by intent from the day before each: conversion by score decile and by the "
        "finer score bands of each need, the per-need thresholds that feedback picks beside the ones in use, and "
        "the walk-forward backtest of volume, coverage, expected and achieved conversion by threshold (plotted)."
    ),
)
def lead_conversion(platform: PlatformResource, feast: FeastResource, marts: MartsResource) -> dg.MaterializeResult:
    outcomes = marts.read("campaign_outcomes")
    scored = outcome_known_on(score_contacts(feast.store(), outcomes), outcomes)
    folder = platform.settings.leads_dir
    folder.mkdir(parents=True, exist_ok=True)
    scored.to_parquet(folder / CONTACT_SCORES_FILE, index=False)
    table = conversion_by_decile(scored)
    table.to_parquet(folder / CONVERSION_FILE, index=False)
    top_lift = float(table.loc[table["decile"] == 10, "lift"].iloc[0]) if len(table) else float("nan")
    rules = DEFAULT_RULES
    newest = max(days_written(platform.settings.scores_file), default=None)
    # What the feedback would pick for the newest day: only outcomes known before it.
    known = scored if newest is None else known_before(scored, newest)
    picked = choose_thresholds(known, rules.min_lift)
    thresholds = pd.DataFrame(
        {
            "in_use": rules.thresholds,
            f"feedback_at_{rules.min_lift:g}x": picked,
            "contacts": scored.groupby("need").size(),
        }
    ).rename_axis("need")
    bands = need_bands(known)
    metadata = {
        "contacts": dg.MetadataValue.int(len(outcomes)),
        "scored_contacts": dg.MetadataValue.int(len(scored)),
        "base_conversion": dg.MetadataValue.float(float(outcomes["is_converted"].mean()) if len(outcomes) else 0.0),
        "top_decile_lift": dg.MetadataValue.float(top_lift),
        "by_decile": dg.MetadataValue.md(table.to_markdown(index=False)),
        "by_band": dg.MetadataValue.md(bands.to_markdown(index=False, floatfmt=".4f")),
        "thresholds": dg.MetadataValue.md(thresholds.to_markdown(floatfmt=".4f")),
        "path": dg.MetadataValue.path(str(folder / CONVERSION_FILE)),
    }
    try:
        if newest is None:
            raise ValueError("no batch scores to count the day's volume on")
        day_scores = intent_of(pd.read_parquet(platform.settings.scores_file(newest)))
        lifts = tuple(sorted({*BACKTEST_LIFTS, rules.min_lift}))
        result = backtest(scored, day_scores, newest, day_scores["client_id"].nunique(), lifts=lifts)
    except ValueError as error:  # too few contacts (a tiny preset): say so rather than plot nothing
        metadata["backtest"] = dg.MetadataValue.text(f"no backtest: {error}")
    else:
        at_rule = result.loc[result["min_lift"] == rules.min_lift].iloc[0]
        png = backtest_png(bands, result, rules.min_lift)
        metadata["backtest"] = dg.MetadataValue.md(
            f"Volume on the scores of {newest}, by the rule chosen from the outcomes known before it; conversion "
            "walked forward over the later half of the contact days, each week by the rule chosen from the "
            "outcomes known before that week.\n\n"
            + markdown_with_png("lift by score band and by threshold setting", png, result)
        )
        metadata["listed_lift"] = dg.MetadataValue.float(float(at_rule["lift"]))
        metadata["leads_per_client"] = dg.MetadataValue.float(float(at_rule["per_client"]))
    return dg.MaterializeResult(metadata=metadata)


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
