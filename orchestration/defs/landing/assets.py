"""Landing: the simulated brokerage's daily exports, guarded by pandera contracts."""

import time

import dagster as dg

from orchestration.defs.landing.contracts import validate_table
from orchestration.defs.landing.reader import read_landing
from orchestration.resources import PlatformResource
from simulator import PRESETS, TABLES, simulate, write_landing

DESCRIPTIONS = {
    "clients": "Client accounts (personal fields stay in landing).",
    "risk_assessments": "Suitability questionnaire results C1-C5.",
    "products": "Product shelf with risk ratings R1-R5.",
    "asset_snapshots": "Daily end-of-day holdings per client.",
    "trades": "Executed trades.",
    "app_events": "Tracked app events: logins, quote and product views, searches, research.",
}


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
def landing_files(context: dg.AssetExecutionContext, platform: PlatformResource):
    """Simulate the brokerage and write each table as landing/<table>/dt=YYYY-MM-DD/ parquet."""
    settings = platform.settings
    preset = PRESETS[settings.preset]
    context.log.info(
        f"simulating preset {settings.preset!r}: {preset.clients} clients x {preset.days} days, seed {settings.seed}"
    )
    started = time.perf_counter()
    tables = simulate(clients=preset.clients, days=preset.days, seed=settings.seed)
    context.log.info(f"simulated in {time.perf_counter() - started:.1f}s; writing landing files")
    counts = write_landing(tables, settings.landing_dir)
    for table in TABLES:
        partitions = sorted(p.name for p in (settings.landing_dir / table).iterdir())
        yield dg.MaterializeResult(
            asset_key=landing_key(table),
            metadata={
                "rows": dg.MetadataValue.int(counts[table]),
                "partitions": dg.MetadataValue.int(len(partitions)),
                "first_partition": partitions[0],
                "last_partition": partitions[-1],
                "path": dg.MetadataValue.path(str(settings.landing_dir / table)),
                "preset": settings.preset,
                "seed": settings.seed,
            },
        )


def contract_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=landing_key(table),
        name="contract",
        description=f"pandera contract of landing.{table}: columns, types, keys and allowed values.",
        blocking=True,
    )
    def _check(platform: PlatformResource) -> dg.AssetCheckResult:
        frame = read_landing(platform.settings.landing_dir, table)
        result = validate_table(table, frame)
        return dg.AssetCheckResult(
            passed=result.passed,
            description=result.summary(),
            metadata={
                "rows": dg.MetadataValue.int(result.rows),
                "failures": dg.MetadataValue.int(len(result.failures)),
                "failure_examples": dg.MetadataValue.md(
                    result.failures.head(20).to_markdown(index=False) if not result.passed else "none"
                ),
            },
        )

    return _check


defs = dg.Definitions(assets=[landing_files], asset_checks=[contract_check(t) for t in TABLES])
