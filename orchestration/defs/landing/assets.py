"""Landing: the simulated brokerage's daily exports, guarded by pandera contracts.

The oracle (ground truth) is written to ``<home>/oracle/`` beside the landing folder: it is
for evaluating models only, never read by features or training. Rows failing a contract go to
``<home>/quarantine/`` (see ``landing.quarantine`` for what blocks and what is quarantined).
"""

import time

import dagster as dg
from pydantic import Field

from landing.held_back import held_back_message
from landing.partitions import landed_days, waiting_message
from landing.quarantine import check_landing, footer_rows, write_quarantine
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
    check_specs=[
        spec
        for table in TABLES
        for spec in (
            dg.AssetCheckSpec(
                "contract",
                asset=landing_key(table),
                description=(
                    f"pandera contract of landing.{table}: failing rows are quarantined with a reason; a file "
                    "that cannot be read or breaks the columns is quarantined whole and holds its day back."
                ),
                blocking=True,
            ),
            dg.AssetCheckSpec(
                "rows_reconcile",
                asset=landing_key(table),
                description=(
                    f"Nothing lost in landing.{table}: the rows of its readable files (from their parquet "
                    "footers) equal the accepted rows plus the quarantined rows."
                ),
                blocking=True,
            ),
        )
    ],
    partitions_def=LANDING_DAYS,
    # A range of days is one run: the contracts read each table once.
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=False,
)
def landing_files(context: dg.AssetExecutionContext, platform: PlatformResource):
    """The landed days of every table, as the brokerage exported them to landing/<table>/dt=YYYY-MM-DD/, and
    their contracts. The contracts check every day of each table (in batches), since duplicates and references
    span days; a file quarantined whole holds the run's days back after every table is checked and its
    quarantine written."""
    landing_dir = platform.settings.landing_dir
    quarantine_dir = platform.settings.quarantine_dir
    days = set(context.partition_keys)
    missing = sorted(days - set(landed_days(landing_dir)))
    if missing:
        waiting = waiting_message(landing_dir)
        raise dg.Failure(
            f"{len(missing)} day(s) have not landed in every daily table, e.g. {missing[:3]}"
            + (f"\n{waiting}" if waiting else ": run the brokerage_export job (or wait for the export) first")
        )
    checks = check_landing(landing_dir)
    for table, check in checks.items():
        write_quarantine(check, quarantine_dir)
        rows_by_day, unreadable = footer_rows(landing_dir, table)
        landed = sum(rows_by_day.values())
        present = [day for day in sorted(days) if (landing_dir / table / f"dt={day}").is_dir()]
        files = dg.MetadataValue.md(
            "\n".join(f"- `{f.file}`: {f.fault}: {f.reason}" for f in check.files) if check.files else "none"
        )
        yield dg.MaterializeResult(
            asset_key=landing_key(table),
            metadata={
                "rows": dg.MetadataValue.int(sum(rows_by_day.get(day, 0) for day in days)),  # in the run's days
                "days_with_files": dg.MetadataValue.int(len(present)),
                "first_day": min(days),
                "last_day": max(days),
                # Every day of the table, as the contract reads it: landed = accepted + quarantined.
                "landed_rows": dg.MetadataValue.int(landed),
                "accepted_rows": dg.MetadataValue.int(check.accepted),
                "quarantined_rows": dg.MetadataValue.int(check.quarantined),
                "quarantined_by_check": dg.MetadataValue.json(check.by_check),
                "files_quarantined_whole": files,
                "path": dg.MetadataValue.path(str(landing_dir / table)),
                "preset": platform.settings.preset,
                "seed": platform.settings.seed,
            },
        )
        yield dg.AssetCheckResult(
            asset_key=landing_key(table),
            check_name="contract",
            # Rows quarantined one by one warn and the day flows; a file quarantined whole holds the day back.
            passed=not check.blocking and not check.quarantined,
            severity=dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN,
            description=check.summary(),
            metadata={
                "landed": dg.MetadataValue.int(check.landed),
                "accepted": dg.MetadataValue.int(check.accepted),
                "quarantined": dg.MetadataValue.int(check.quarantined),
                "quarantined_by_check": dg.MetadataValue.json(check.by_check),
                "files_quarantined_whole": files,
            },
        )
        # An unreadable file has no footer to count: it is listed by both, so it counts on neither side.
        unlisted = sorted(set(unreadable) - {f for f, _ in check.unreadable})
        balanced = landed == check.accepted + check.quarantined and not unlisted
        yield dg.AssetCheckResult(
            asset_key=landing_key(table),
            check_name="rows_reconcile",
            passed=balanced,
            description=(
                f"{landed:,} landed = {check.accepted:,} accepted + {check.quarantined:,} quarantined"
                if balanced
                else f"{landed:,} landed in readable files, but {check.accepted:,} accepted + "
                f"{check.quarantined:,} quarantined"
                + (f"; unreadable files the contract did not list: {unlisted}" if unlisted else "")
            ),
            metadata={
                "landed": dg.MetadataValue.int(landed),
                "accepted": dg.MetadataValue.int(check.accepted),
                "quarantined": dg.MetadataValue.int(check.quarantined),
                "unreadable_files": dg.MetadataValue.int(len(unreadable)),
            },
        )
    held = held_back_message(checks)
    if held:
        # After every table's results are recorded: the good tables stay checked and wait for the day.
        raise dg.Failure(
            description=held, metadata={"files_quarantined_whole": sum(len(c.files) for c in checks.values())}
        )


defs = dg.Definitions(assets=[landing_files], jobs=[brokerage_export])
