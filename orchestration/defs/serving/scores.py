"""Batch scores: every client of an as-of day scored by every champion, with reason codes.

The input of the lead list and of the segment audience, and a table people query
(``client_scores`` in warehouse/serving.duckdb). A past day is scored from that day's point-in-time
features by today's champions, so a backfill answers "what would today's models have said then".
"""

import time
from collections.abc import Callable
from datetime import date

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from models.training import ENTITY_KEY
from orchestration.defs.models.keys import registered_keys
from orchestration.defs.serving.day_tables import SCORES, days_in_table, replace_day
from orchestration.defs.serving.days import as_of_dates, checked_days, requested_days
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.partitions import AS_OF_DAYS
from orchestration.resources import FeastResource, MartsResource, PlatformResource
from orchestration.retries import retry_when_transient
from serving.batch import point_in_time_features, score_table
from serving.scoring import Scorer
from serving.served_models import CHURN, load_all
from wealthpulse.domain import NEEDS, TIERS
from wealthpulse.settings import Settings

SUITABILITY_MART = get_asset_key_for_model([warehouse_models], "mart_client_suitability")
REGISTERED = registered_keys()


def day_scorer(settings: Settings, served: dict, scorer: Scorer) -> Callable[[pd.DataFrame, date], pd.DataFrame]:
    """How a day's feature rows are scored: in this process on DuckDB; on Spark's executors under the
    spark engine (the champions broadcast once, one scorer per worker), giving the same table."""
    if settings.engine != "spark":
        return lambda features, day: score_table(scorer, features, day)
    from serving.spark_batch import spark_score_table
    from wealthpulse.spark import spark_session

    spark = spark_session(settings, app_name="wealthpulse-client-scores")
    return lambda features, day: spark_score_table(spark, served, features, day)


@dg.asset(
    key=["serving", "client_scores"],
    deps=[SUITABILITY_MART, *REGISTERED, dg.AssetKey(["features", "feast_registry"])],
    partitions_def=AS_OF_DAYS,
    # A range of days is one run: the champions and the feature store are loaded once for all of them.
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="serving",
    kinds={"onnx", "parquet", "duckdb"},
    owners=["team:data-science"],
    description=(
        "Every client of the as-of day scored by every champion (ONNX): churn in 60 days, each need in 30 days, "
        "tier now and in 90 days with its probabilities, and each model's top three reasons (exact TreeSHAP). "
        f"Parquet per day under scores/ and the table {SCORES[0]} of warehouse/serving.duckdb."
    ),
)
def client_scores(
    context: dg.AssetExecutionContext, platform: PlatformResource, feast: FeastResource, marts: MartsResource
) -> dg.MaterializeResult:
    suitability = marts.read("client_suitability", columns=[ENTITY_KEY, "as_of_date"])
    days = requested_days(context, suitability)
    served = load_all()
    if CHURN not in served:
        raise dg.Failure("no churn champion in the model store: materialize models/churn_registered first")
    scorer = Scorer(served)
    services = sorted({model.feature_service for model in served.values()})
    store = feast.store()
    score = day_scorer(platform.settings, served, scorer)
    dates = as_of_dates(suitability)
    per_day, seconds = [], 0.0
    for day in days:
        features = point_in_time_features(store, services, suitability[dates == day], day)
        started = time.perf_counter()
        scores = score(features, day)
        seconds += time.perf_counter() - started
        path = platform.settings.scores_file(day)
        path.parent.mkdir(parents=True, exist_ok=True)
        scores.to_parquet(path.with_suffix(".tmp"), index=False)
        path.with_suffix(".tmp").replace(path)
        with retry_when_transient():  # the table locked by another run
            replace_day(platform.settings.serving_db_path, SCORES, day, scores)
        context.log.info(f"scored {len(scores)} clients for {day} with {len(served)} champions")
        per_day.append(scores)
    last = per_day[-1]
    rows = sum(len(s) for s in per_day)
    return dg.MaterializeResult(
        metadata={
            "date": days[-1].isoformat(),
            "days": dg.MetadataValue.int(len(days)),
            "rows": dg.MetadataValue.int(rows),
            "clients_per_second": dg.MetadataValue.float(rows / seconds if seconds else 0.0),
            "champions": dg.MetadataValue.json({name: model.tag for name, model in served.items()}),
            "mean_churn_60d": dg.MetadataValue.float(float(last["churn_60d"].mean())),
            "mean_intent": dg.MetadataValue.md(
                last[[f"intent_{n}" for n in NEEDS]].mean().rename("mean probability").to_frame().to_markdown()
            ),
            "tier_90d": dg.MetadataValue.md(last.groupby("tier_90d").size().rename("clients").to_frame().to_markdown()),
            "preview": dg.MetadataValue.md(
                last.head(5).drop(columns=[c for c in last if c.startswith("reasons_")]).to_markdown(index=False)
            ),
            "path": dg.MetadataValue.path(str(platform.settings.scores_file(days[-1]))),
        }
    )


def score_problems(scores: pd.DataFrame, clients: set[str]) -> list[str]:
    """What is wrong with one day's scores: a client missing or twice, a probability out of range."""
    problems = []
    if set(scores[ENTITY_KEY]) != clients:
        problems.append(
            f"{len(clients - set(scores[ENTITY_KEY]))} clients unscored, "
            f"{len(set(scores[ENTITY_KEY]) - clients)} not of the day"
        )
    if scores[ENTITY_KEY].duplicated().any():
        problems.append("a client scored twice")
    probabilities = scores[["churn_60d", *(f"tier_p_{t}" for t in TIERS)]]
    if probabilities.isna().any().any() or ((probabilities < 0) | (probabilities > 1)).any().any():
        problems.append("a churn or tier probability missing or outside [0, 1]")
    intent = scores[[f"intent_{n}" for n in NEEDS]]
    if ((intent < 0) | (intent > 1)).any().any():
        problems.append("an intent probability outside [0, 1]")
    tier_sum = probabilities[[f"tier_p_{t}" for t in TIERS]].sum(axis=1)
    if ((tier_sum - 1).abs() > 1e-4).any():
        problems.append("tier probabilities that do not sum to 1")
    return problems


@dg.asset_check(
    asset=client_scores,
    name="every_client_scored",
    blocking=True,
    description=(
        "Each built day scores every client of the day once, every probability within [0, 1], the tier "
        f"probabilities summing to 1, and the {SCORES[0]} table holding exactly the day files' rows."
    ),
)
def every_client_scored(
    context: dg.AssetCheckExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.AssetCheckResult:
    suitability = marts.read("client_suitability", columns=[ENTITY_KEY, "as_of_date"])
    dates = as_of_dates(suitability)
    days = checked_days(context, suitability)
    problems, rows = [], 0
    for day in days:
        scores = pd.read_parquet(platform.settings.scores_file(day))
        rows += len(scores)
        problems += [f"{day}: {p}" for p in score_problems(scores, set(suitability.loc[dates == day, ENTITY_KEY]))]
    in_table = days_in_table(platform.settings.serving_db_path, SCORES, days, ENTITY_KEY)
    if len(in_table) != rows:
        problems.append(f"the table holds {len(in_table)} rows of these days, the files {rows}")
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "days": dg.MetadataValue.int(len(days)),
            "rows": dg.MetadataValue.int(rows),
            "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
        },
    )


defs = dg.Definitions(assets=[client_scores], asset_checks=[every_client_scored])
