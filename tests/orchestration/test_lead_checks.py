"""The lead list's blocking checks stop the run: a lead the suitability check cannot verify keeps everything
downstream of the list from being built."""

from datetime import date

import dagster as dg
import pandas as pd

from orchestration.defs.serving.assets import lead_list, lead_suitability, lead_table_reconciles
from orchestration.partitions import AS_OF_DAYS
from orchestration.resources import MartsResource, PlatformResource
from serving.lead_rules import NEEDS
from wealthpulse.settings import Settings

DAY = date(2025, 11, 27)
CLIENTS = ["C0000001", "C0000002", "C0000003"]


@dg.asset(
    key=["test", "after_leads"],
    deps=[lead_list],
    partitions_def=AS_OF_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def after_leads() -> None:
    """Stands for whatever reads the lead list (the conversion report, an export)."""


def _state(home, product_code: float | None) -> None:
    marts = home / "marts"
    marts.mkdir(parents=True)
    (home / "warehouse").mkdir()
    pd.DataFrame(
        {
            "client_id": CLIENTS,
            "as_of_date": DAY,
            "advisor_id": "A0001",
            "value_tier": "T3",
            "allowed_risk_rating_code": 3,
            "needs_reassessment": False,
            "is_do_not_contact": False,
        }
    ).to_parquet(marts / "client_suitability.parquet")
    pd.DataFrame(
        {
            "product_id": ["P1", "P2"],
            "need": ["fixed_income", "equity_fund"],
            "risk_rating": ["R1", "R2"],
            # The equity fund's code is what the check looks the rating up by.
            "risk_rating_code": pd.array([1, product_code], dtype="Int64"),
        }
    ).to_parquet(marts / "products.parquet")
    pd.DataFrame(
        {"client_id": ["C0000009"], "need": ["options"], "contacted_on": [DAY], "campaign_ends_on": [DAY]}
    ).to_parquet(marts / "campaign_outcomes.parquet")
    scores = pd.DataFrame({"client_id": CLIENTS, **{f"intent_{need}": 0.9 for need in NEEDS}})
    file = Settings(home=home).scores_file(DAY)
    file.parent.mkdir(parents=True)
    scores.to_parquet(file)


def _run(home) -> dg.ExecuteInProcessResult:
    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(AS_OF_DAYS.name, [DAY.isoformat()])
    return dg.materialize(
        [lead_list, lead_suitability, lead_table_reconciles, after_leads],
        partition_key=DAY.isoformat(),
        instance=instance,
        resources={
            "platform": PlatformResource(home=str(home), preset="ci", seed=7),
            "marts": MartsResource(path=str(home / "marts")),
        },
        raise_on_error=False,
    )


def _materialized(result) -> set[str]:
    return {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}


def _checks(result) -> dict[str, bool]:
    return {e.check_name: e.passed for e in result.get_asset_check_evaluations()}


def test_the_checks_pass_on_a_sound_list_and_the_run_goes_on(tmp_path):
    _state(tmp_path, product_code=2)
    result = _run(tmp_path)
    assert result.success
    assert _checks(result) == {"suitability": True, "table_reconciles": True}
    assert _materialized(result) == {"serving/lead_list", "test/after_leads"}


def test_a_product_the_check_cannot_rate_fails_it_and_stops_the_run(tmp_path):
    # The equity fund has a rating (R2, offered to R3 clients) but no rating code: the check cannot verify
    # its offers, so they count as unsuitable and nothing downstream of the list is built.
    _state(tmp_path, product_code=None)
    result = _run(tmp_path)
    assert not result.success
    assert _checks(result)["suitability"] is False
    assert _materialized(result) == {"serving/lead_list"}
    evaluation = next(e for e in result.get_asset_check_evaluations() if e.check_name == "suitability")
    assert evaluation.metadata["unknown_product"].value == len(CLIENTS)
