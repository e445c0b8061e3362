"""Segments: the audience table (warehouse row + batch scores) and the daily membership of every catalog segment."""

import dagster as dg
import pandas as pd
from dagster_dbt import get_asset_key_for_model

from orchestration.defs.serving.scores import client_scores
from orchestration.defs.warehouse.assets import warehouse_models
from orchestration.resources import MartsResource, PlatformResource
from serving.batch import churn_of, intent_of
from serving.segments.audience import (
    AUDIENCE_FILE,
    COUNTS_FILE,
    audience_vocabulary,
    build_audience,
    latest_audience,
    trend,
    write_membership,
)
from serving.segments.catalog import SegmentCatalogError, load_segments
from serving.segments.evaluate import members

AUDIENCE_MART = get_asset_key_for_model([warehouse_models], "mart_client_audience")


@dg.asset(
    key=["serving", "segment_audience"],
    deps=[AUDIENCE_MART, client_scores],
    group_name="serving",
    kinds={"parquet"},
    owners=["team:wealth-management"],
    description=(
        "One row per client on the latest day: tier, preference group, risk level, every tag, and the day's "
        "batch churn and intent scores. What segment expressions and POST /segments/preview count over."
    ),
)
def segment_audience(
    context: dg.AssetExecutionContext, platform: PlatformResource, marts: MartsResource
) -> dg.MaterializeResult:
    clients = marts.read("client_audience")
    day = pd.Timestamp(clients["as_of_date"].max()).date()
    path = platform.settings.scores_file(day)
    if not path.exists():
        raise dg.Failure(f"no batch scores for {day}, the audience's day: materialize serving/client_scores for it")
    scores = pd.read_parquet(path)
    try:
        audience = build_audience(clients, churn_of(scores), intent_of(scores))
    except ValueError as error:
        raise dg.Failure(f"audience of {day}: {error}") from error
    folder = platform.settings.audience_dir(day)
    folder.mkdir(parents=True, exist_ok=True)
    audience.to_parquet(folder / "audience.tmp", index=False)
    (folder / "audience.tmp").replace(folder / AUDIENCE_FILE)
    tags = [c for c in audience.columns if c.startswith("tag_")]
    context.log.info(f"audience of {len(audience)} clients for {day}, {len(tags)} tags")
    return dg.MaterializeResult(
        metadata={
            "date": day.isoformat(),
            "clients": dg.MetadataValue.int(len(audience)),
            "tags": dg.MetadataValue.int(len(tags)),
            "mean_churn_60d": dg.MetadataValue.float(float(audience["churn_60d"].mean())),
            "by_tier": dg.MetadataValue.md(audience.groupby("tier").size().rename("clients").to_frame().to_markdown()),
            "path": dg.MetadataValue.path(str(folder / AUDIENCE_FILE)),
        }
    )


@dg.asset_check(
    asset=segment_audience,
    name="every_client_once",
    blocking=True,
    description=(
        "The audience holds every client of the mart's newest day once, each with a churn and six intent "
        "probabilities within [0, 1]."
    ),
)
def every_client_once(platform: PlatformResource, marts: MartsResource) -> dg.AssetCheckResult:
    clients = marts.read("client_audience", columns=["client_id", "as_of_date"])
    day = pd.Timestamp(clients["as_of_date"].max()).date()
    audience = pd.read_parquet(platform.settings.audience_dir(day) / AUDIENCE_FILE)
    expected = set(clients.loc[pd.to_datetime(clients["as_of_date"]).dt.date == day, "client_id"])
    scores = audience[[c for c in audience.columns if c == "churn_60d" or c.startswith("intent_")]]
    out_of_range = int(((scores < 0) | (scores > 1) | scores.isna()).any(axis=1).sum())
    return dg.AssetCheckResult(
        passed=set(audience["client_id"]) == expected and audience["client_id"].is_unique and out_of_range == 0,
        metadata={
            "date": day.isoformat(),
            "audience": dg.MetadataValue.int(len(audience)),
            "clients_of_the_day": dg.MetadataValue.int(len(expected)),
            "rows_with_a_bad_score": dg.MetadataValue.int(out_of_range),
        },
    )


def _previous_counts(context: dg.AssetExecutionContext) -> dict[str, int] | None:
    event = context.instance.get_latest_materialization_event(context.asset_key)
    if event is None or event.asset_materialization is None:
        return None
    counts = event.asset_materialization.metadata.get("counts")
    return dict(counts.value) if counts is not None else None


@dg.asset(
    key=["serving", "segment_membership"],
    deps=[segment_audience],
    group_name="serving",
    kinds={"parquet", "duckdb"},
    owners=["team:wealth-management"],
    description=(
        "Members of every segment of the catalog (serving/segments/catalog.yml) on the audience's day, one "
        "parquet per segment, with counts and the change since the previous materialization."
    ),
)
def segment_membership(context: dg.AssetExecutionContext, platform: PlatformResource) -> dg.MaterializeResult:
    audience = latest_audience(platform.settings.audience_root)
    if audience is None:
        raise dg.Failure("no audience table yet: materialize serving/segment_audience first")
    try:
        segments = load_segments(audience_vocabulary(audience))
    except SegmentCatalogError as error:
        raise dg.Failure(f"segment catalog: {error}") from error
    day = pd.Timestamp(pd.read_parquet(audience, columns=["as_of_date"])["as_of_date"].max()).date()
    result = write_membership(audience, segments, platform.settings.membership_dir(day))
    counts = {m.segment: m.members for m in result}
    change = trend(counts, _previous_counts(context))
    table = pd.DataFrame(
        {
            "segment": [m.segment for m in result],
            "members": [m.members for m in result],
            "share": [f"{m.share:.1%}" for m in result],
            "change": ["new" if change[m.segment] is None else f"{change[m.segment]:+d}" for m in result],
        }
    )
    context.log.info(f"{len(result)} segments for {day}: {counts}")
    return dg.MaterializeResult(
        metadata={
            "date": day.isoformat(),
            "segments": dg.MetadataValue.int(len(result)),
            "audience": dg.MetadataValue.int(result[0].audience if result else 0),
            "counts": dg.MetadataValue.json(counts),
            "by_segment": dg.MetadataValue.md(table.to_markdown(index=False)),
            # One numeric entry per segment: the UI plots each across materializations.
            **{f"members_{name}": dg.MetadataValue.int(count) for name, count in counts.items()},
            "path": dg.MetadataValue.path(str(platform.settings.membership_dir(day))),
        }
    )


@dg.asset_check(
    asset=segment_membership,
    name="compiled_and_consistent",
    blocking=True,
    description=(
        "Every catalog segment compiled and has a membership file; each file's members are distinct audience "
        "clients, as many as the counts say and as the pandas reading of the expression selects."
    ),
)
def segment_membership_consistent(platform: PlatformResource) -> dg.AssetCheckResult:
    path = latest_audience(platform.settings.audience_root)
    audience = pd.read_parquet(path)
    vocabulary = audience_vocabulary(path)
    segments = load_segments(vocabulary)
    folder = platform.settings.membership_dir(pd.Timestamp(audience["as_of_date"].max()).date())
    counts = pd.read_parquet(folder / COUNTS_FILE).set_index("segment")["members"]
    problems = []
    known = set(audience["client_id"])
    for segment in segments:
        file = folder / f"{segment.name}.parquet"
        if not file.exists() or segment.name not in counts:
            problems.append(f"{segment.name}: no membership written")
            continue
        ids = pd.read_parquet(file)["client_id"]
        expected = int(members(segment.tree, audience, vocabulary).sum())
        if not (len(ids) == counts[segment.name] == expected) or ids.duplicated().any() or not set(ids) <= known:
            problems.append(f"{segment.name}: file {len(ids)}, counts {counts[segment.name]}, expression {expected}")
    return dg.AssetCheckResult(
        passed=not problems,
        metadata={
            "segments": dg.MetadataValue.int(len(segments)),
            "problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
        },
    )


defs = dg.Definitions(
    assets=[segment_audience, segment_membership], asset_checks=[every_client_once, segment_membership_consistent]
)
