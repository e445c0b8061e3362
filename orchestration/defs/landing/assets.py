"""Landing: the simulated brokerage's daily exports, guarded by pandera contracts.

The oracle (ground truth) is written to ``<home>/oracle/`` beside the landing folder: it is
for evaluating models only, never read by features or training. Rows failing a contract go to
``<home>/quarantine/`` (see ``quarantine.py`` for what blocks and what is quarantined).
"""

import time
from pathlib import Path

import dagster as dg
import pyarrow.parquet as pq
from pydantic import Field

from orchestration.defs.automation.landing_partitions import landed_days
from orchestration.defs.landing.quarantine import accepted_keys, check_table, write_quarantine
from orchestration.partitions import LANDING_DAYS, register_days
from orchestration.resources import PlatformResource
from simulator import PRESETS, TABLES, next_day, simulate_to_disk
from simulator.disk import STATE_DIR

DESCRIPTIONS = {
    "clients": "Client accounts (personal fields stay in landing).",
    "risk_assessments": "Suitability questionnaire results C1-C5.",
    "products": "Product shelf with risk ratings R1-R5.",
    "asset_snapshots": "Daily end-of-day holdings per client.",
    "trades": "Executed trades.",
    "app_events": "Tracked app events: logins, quote and product views, searches, research, feature pages.",
    "bank_transfers": "Bank-to-brokerage transfers in and out.",
    "product_orders": "Fund, wealth-product, option and advisory-plan subscriptions and redemptions.",
    "service_interactions": "Call and chat transcripts (raw text holds personal data; stays in landing).",
    "campaigns": "Marketing campaigns per need.",
    "campaign_contacts": "Campaign contacts and their outcomes.",
    "do_not_contact": "Clients who must not be contacted.",
}
REFERENCE_TABLES = ("clients", "products", "campaigns")


class LandingConfig(dg.Config):
    next_day: bool = Field(
        default=False,
        description=(
            "Land one more day, continuing the saved simulation (the nightly export), instead of "
            "simulating the whole history again."
        ),
    )


def landing_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["landing", table])


@dg.op(
    description=(
        "The brokerage's export, simulated: the whole history, or one more day continuing the saved simulation. "
        "Registers every landed day as a landing_day partition."
    )
)
def simulate_export(context: dg.OpExecutionContext, config: LandingConfig, platform: PlatformResource) -> list[str]:
    settings = platform.settings
    preset = PRESETS[settings.preset]
    started = time.perf_counter()
    if config.next_day and (settings.landing_dir / STATE_DIR).exists():
        context.log.info(f"landing the next day of the simulation saved in {settings.landing_dir}")
        summary = next_day(settings.landing_dir, progress=False)
    else:
        if config.next_day:
            context.log.info("no saved simulation to continue yet: simulating the whole history first")
        context.log.info(
            f"simulating preset {settings.preset!r}: {preset.clients} clients x {preset.days} days, "
            f"seed {settings.seed}"
        )
        summary = simulate_to_disk(
            preset.clients,
            preset.days,
            settings.seed,
            settings.landing_dir,
            oracle_dir=settings.oracle_dir,
            progress=False,
        )
    context.log.info(f"{summary.throughput_line()}; total {time.perf_counter() - started:.1f}s")
    days = landed_days(settings.landing_dir)
    new = register_days(context.instance, LANDING_DAYS, days)
    context.log.info(f"{len(days)} landed days, {len(new)} new landing_day partition(s)")
    return days


@dg.job(
    description=(
        "The stand-in for the brokerage's nightly export (demo mode): writes landing/<table>/dt=YYYY-MM-DD/ parquet. "
        "The new_landing_partition sensor then builds the new day."
    ),
)
def brokerage_export():
    simulate_export()


def _rows(landing_dir: Path, table: str, days: set[str]) -> tuple[int, list[str]]:
    """Rows landed in `table` on `days` (from the parquet footers), and those of the days that have files."""
    rows, present = 0, []
    for partition in sorted((landing_dir / table).glob("dt=*")):
        day = partition.name.removeprefix("dt=")
        if day in days:
            present.append(day)
            rows += sum(pq.read_metadata(f).num_rows for f in partition.glob("*.parquet"))
    return rows, present


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            landing_key(table),
            group_name="landing",
            description=DESCRIPTIONS[table],
            kinds={"parquet"},
            owners=["team:data-platform"],
        )
        for table in TABLES
    ],
    partitions_def=LANDING_DAYS,
    # A range of days is one run: the contracts read each table once.
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=False,
)
def landing_files(context: dg.AssetExecutionContext, platform: PlatformResource):
    """The landed days of every table, as the brokerage exported them to landing/<table>/dt=YYYY-MM-DD/:
    rows per table for the run's days. The contracts (asset checks) then read each table whole, since
    duplicates and references span days."""
    landing_dir = platform.settings.landing_dir
    days = set(context.partition_keys)
    missing = sorted(days - set(landed_days(landing_dir)))
    if missing:
        raise dg.Failure(
            f"{len(missing)} day(s) have not landed in every daily table, e.g. {missing[:3]}: "
            "run the brokerage_export job (or wait for the export) first"
        )
    for table in TABLES:
        rows, present = _rows(landing_dir, table, days)
        yield dg.MaterializeResult(
            asset_key=landing_key(table),
            metadata={
                "rows": dg.MetadataValue.int(rows),  # in the run's days
                "days_with_files": dg.MetadataValue.int(len(present)),
                "first_day": min(days),
                "last_day": max(days),
                "path": dg.MetadataValue.path(str(landing_dir / table)),
                "preset": platform.settings.preset,
                "seed": platform.settings.seed,
            },
        )


def contract_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=landing_key(table),
        name="contract",
        description=(
            f"pandera contract of landing.{table}: failing rows are quarantined with a reason; "
            "an unreadable or schema-broken file fails the check."
        ),
        blocking=True,
    )
    def _check(platform: PlatformResource) -> dg.AssetCheckResult:
        landing_dir = platform.settings.landing_dir
        known = {ref: accepted_keys(landing_dir, ref) for ref in REFERENCE_TABLES if ref != table}
        result = check_table(landing_dir, table, known)
        write_quarantine(result, platform.settings.quarantine_dir)
        problems = [*result.unreadable, *result.broken]
        return dg.AssetCheckResult(
            passed=not result.blocking,
            description=result.summary(),
            metadata={
                "landed": dg.MetadataValue.int(result.landed),
                "accepted": dg.MetadataValue.int(result.accepted),
                "quarantined": dg.MetadataValue.int(result.quarantined),
                "quarantined_by_check": dg.MetadataValue.json(result.by_check),
                "broken_files": dg.MetadataValue.md(
                    "\n".join(f"- `{f}`: {r}" for f, r in problems) if problems else "none"
                ),
            },
        )

    return _check


defs = dg.Definitions(assets=[landing_files], asset_checks=[contract_check(t) for t in TABLES], jobs=[brokerage_export])
