"""Landing: the simulated brokerage's daily exports, guarded by pandera contracts.

The oracle (ground truth) is written to ``<home>/oracle/`` beside the landing folder: it is
for evaluating models only, never read by features or training. Rows failing a contract go to
``<home>/quarantine/`` (see ``quarantine.py`` for what blocks and what is quarantined).
"""

import time

import dagster as dg
from pydantic import Field

from orchestration.defs.landing.quarantine import accepted_keys, check_table, write_quarantine
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
    can_subset=False,
)
def landing_files(context: dg.AssetExecutionContext, config: LandingConfig, platform: PlatformResource):
    """Simulate the brokerage and write each table as landing/<table>/dt=YYYY-MM-DD/ parquet."""
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
            oracle_dir=settings.home / "oracle",
            progress=False,
        )
    context.log.info(f"{summary.throughput_line()}; total {time.perf_counter() - started:.1f}s")
    for table in TABLES:
        partitions = sorted(p.name for p in (settings.landing_dir / table).iterdir() if p.name.startswith("dt="))
        metadata = {
            # Rows written by this run: the whole history, or the one new day of a nightly run.
            "rows": dg.MetadataValue.int(summary.rows.get(table, 0)),
            "partitions": dg.MetadataValue.int(len(partitions)),
            "first_partition": partitions[0] if partitions else "",
            "last_partition": partitions[-1] if partitions else "",
            "path": dg.MetadataValue.path(str(settings.landing_dir / table)),
            "preset": settings.preset,
            "seed": settings.seed,
        }
        if summary.oracle_path is not None:
            metadata["oracle"] = dg.MetadataValue.path(str(summary.oracle_path))
        yield dg.MaterializeResult(asset_key=landing_key(table), metadata=metadata)


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
        write_quarantine(result, platform.settings.home / "quarantine")
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


defs = dg.Definitions(assets=[landing_files], asset_checks=[contract_check(t) for t in TABLES])
